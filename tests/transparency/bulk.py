"""Many published decisions at once, written in bulk (fixtures, not app writes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from compute.models import JobUsage, ProjectAllocation, UsageDay
from funding.models import EntryKind, LedgerEntry, Payment
from governance.models import (
    Ballot,
    ElectorateSnapshot,
    MemberState,
    Motion,
    ProjectStatus,
    ResearchProject,
)
from tests.governance.voting_fixtures import Council5


def bulk_decisions(c5: Council5, count: int, *, start: int = 0) -> None:
    now = timezone.now()
    rule = {"kind": "simple_majority", "threshold": "1/2", "strict": True, "tie_break": "fails"}
    motions = Motion.objects.bulk_create(
        [
            Motion(
                reference=f"BULK/{start + i:05d}",
                council=c5.council,
                kind="general",
                title=f"Bulk {start + i}",
                text="x",
                status="published",
                rule=rule,
                opens_at=now,
                closes_at=now + timezone.timedelta(days=1),
                closed_at=now,
                certified_at=now,
                published_at=now,
                outcome="adopted",
                tally={
                    "summary": "adopted",
                    "members": 5,
                    "yes": 3,
                    "no": 2,
                    "abstain": 0,
                    "absent": 0,
                    "conditions": [],
                },
                chain_head="0" * 64,
            )
            for i in range(count)
        ]
    )
    ElectorateSnapshot.objects.bulk_create(
        [
            # A whole electorate document (no electors): every reader parses it as typed data.
            ElectorateSnapshot(
                motion=m,
                entries={
                    "motion": m.reference,
                    "council": m.council.code,
                    "frozen_at": "2026-01-01T00:00:00+00:00",
                    "rule": m.rule,
                    "electors": [],
                    "excluded": [],
                },
                canonical="{}",
                sha256="0" * 64,
            )
            for m in motions
        ]
    )


def bulk_payments(state: MemberState, count: int, *, start: int = 0) -> None:
    """`count` small payments by one state, each kept as a credit on its account (rows only)."""
    day = dt.date(2026, 1, 5)
    payments = Payment.objects.bulk_create(
        [
            Payment(
                member_state=state, value_date=day, amount=Decimal("1.00"), currency="EUR",
                base_currency="EUR", rate=Decimal(1), rate_date=day, rate_source="test",
                base_amount_cents=100, reference=f"BULK-{start + i}", recorded_by_label="bulk",
            )
            for i in range(count)
        ]
    )  # fmt: skip
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                member_state=state, kind=EntryKind.CREDIT, amount_cents=100, value_date=day,
                payment=p, created_by_label="bulk",
            )
            for p in payments
        ]
    )  # fmt: skip


def bulk_projects(world: Any, count: int, *, start: int = 0) -> None:
    """`count` approved projects of DE, each with an allocation and a finished job in the period."""
    lead = world.operator
    day = world.period.starts_on + dt.timedelta(days=1)
    projects = ResearchProject.objects.bulk_create(
        [
            ResearchProject(
                code=f"bulk-{start + i:05d}", title=f"Bulk project {start + i}", abstract="x",
                host_institution="x", host_state=world.states["DE"], lead=lead,
                gpu_hours_requested=1, period_start=day, period_end=day + dt.timedelta(days=30),
                safety_self_assessment="x", status=ProjectStatus.APPROVED,
            )
            for i in range(count)
        ]
    )  # fmt: skip
    ProjectAllocation.objects.bulk_create(
        [
            ProjectAllocation(
                project=p, period=world.period, member_state=world.states["DE"], minutes=60
            )
            for p in projects
        ]
    )
    ended = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    JobUsage.objects.bulk_create(
        [
            JobUsage(
                cluster=world.cluster, job_id=1_000_000 + start + i, account=p.code, user="u",
                gpus=1, elapsed_seconds=60, state="COMPLETED", ended_at=ended,
            )
            for i, p in enumerate(projects)
        ]
    )  # fmt: skip
    # The daily sums the ingest keeps beside its jobs (the quota pages read them).
    UsageDay.objects.bulk_create(
        [
            UsageDay(
                cluster=world.cluster, account=p.code, project=p, day=day, jobs=1, gpu_seconds=60
            )
            for p in projects
        ]
    )


def bulk_superseded_ballots(motion: Motion, count: int, *, start: int = 0) -> None:
    """`count` superseded ballots on a decided motion (changed votes before the close)."""
    Ballot.objects.bulk_create(
        [
            Ballot(
                motion=motion, seq=100_000 + start + i, tag="DE", choice="no", is_current=False,
                prev_hash="0" * 64, entry_hash=f"{start + i:064x}",
            )
            for i in range(count)
        ]
    )  # fmt: skip
