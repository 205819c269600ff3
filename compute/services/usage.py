"""Finished jobs from sacct into the database in bulk, and the 80% / 100% policy.

Ingestion reads parsable sacct lines (``JobIDRaw|Account|User|AllocTRES|ElapsedRaw|State|Start|End``)
from a stream, one line at a time, and checks every line before anything is written: valid rows
go to a temporary file, so memory stays flat whatever the size. If any line is malformed, the
error names every bad line and nothing is written. Otherwise, on PostgreSQL, the file is streamed
with COPY into a temporary staging table and moved with one ``INSERT ... SELECT ... ON CONFLICT
DO NOTHING``, all in one transaction: ingesting the same window twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from compute import permissions, selectors
from compute.backends import get_backend
from compute.errors import UsageFileInvalid
from compute.models import (
    AllocationStatus,
    Cluster,
    JobUsage,
    ProjectAllocation,
    QuotaNotice,
)
from core.actors import Actor
from core.audit import audit_record
from governance.models import ResearchProject

FIELDS = 8
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_NAME = re.compile(r"[A-Za-z0-9_.@+-]{1,64}")
_NO_TIME = ("Unknown", "None", "")
COPY_CHUNK = 1 << 20
STAGING_COLUMNS = "job_id, account, username, gpus, elapsed, state, started_at, ended_at"


@dataclass(frozen=True)
class IngestResult:
    lines: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.lines - self.inserted


def _gpus(tres: str) -> int | None:
    """The GPU count in AllocTRES (``...,gres/gpu=2,...``); 0 if none; None if malformed."""
    at = tres.find("gres/gpu=")
    if at < 0:
        return 0
    if at and tres[at - 1] != ",":
        return None
    end = tres.find(",", at)
    number = tres[at + 9 : end if end >= 0 else None]
    return int(number) if number.isdigit() else None


def parse_line(line: str) -> tuple[str, ...] | str:
    """One sacct line as staging columns, or the reason it is malformed."""
    parts = line.rstrip("\r\n").split("|")
    if len(parts) != FIELDS:
        return _("expected %(n)d fields separated by |, found %(found)d") % {
            "n": FIELDS,
            "found": len(parts),
        }
    job_id, account, user, tres, elapsed, state, start, end = parts
    if not job_id.isdigit() or len(job_id) > 18:
        return _("JobIDRaw %(v)r is not a job number") % {"v": job_id}
    if not _NAME.fullmatch(account):
        return _("Account %(v)r is not an account name") % {"v": account}
    if not _NAME.fullmatch(user):
        return _("User %(v)r is not a user name") % {"v": user}
    gpus = _gpus(tres)
    if gpus is None:
        return _("AllocTRES %(v)r has no readable GPU count") % {"v": tres}
    if not elapsed.isdigit() or len(elapsed) > 12:
        return _("ElapsedRaw %(v)r is not a number of seconds") % {"v": elapsed}
    if not state or "\t" in state or "\\" in state:
        return _("State %(v)r is not a job state") % {"v": state}
    if start not in _NO_TIME and not _TIME.fullmatch(start):
        return _("Start %(v)r is not a time") % {"v": start}
    if not _TIME.fullmatch(end):
        return _("End %(v)r is not a time (only finished jobs are ingested)") % {"v": end}
    started = start + "+00" if start not in _NO_TIME else "\\N"
    return (
        job_id,
        account.lower(),
        user,
        str(gpus),
        elapsed,
        state[:40],
        started,
        end + "+00",
    )


def _validate(lines: Iterable[str], out: IO[str]) -> tuple[int, list[tuple[int, str]]]:
    """Write valid rows tab-separated to `out`; return the row count and every bad line."""
    count = 0
    bad: list[tuple[int, str]] = []
    write = out.write
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = parse_line(line)
        if isinstance(row, str):
            bad.append((number, row))
            continue
        count += 1
        if not bad:
            write("\t".join(row) + "\n")
    return count, bad


def usage_ingest(
    *, actor: Actor, cluster: Cluster, lines: Iterable[str], source: str = "sacct"
) -> IngestResult:
    """Ingest finished jobs; every line is checked first, then all are written or none."""
    permissions.check_operate(actor)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as rows:
        count, bad = _validate(lines, rows)
        if bad:
            listed = ", ".join(str(n) for n, _why in bad[:50])
            more = "" if len(bad) <= 50 else _(" and %(n)d more") % {"n": len(bad) - 50}
            first_line, first_why = bad[0]
            raise UsageFileInvalid(
                _(
                    "%(n)d malformed line(s), nothing was ingested: lines %(lines)s%(more)s. "
                    "Line %(first)d: %(why)s."
                )
                % {
                    "n": len(bad),
                    "lines": listed,
                    "more": more,
                    "first": first_line,
                    "why": first_why,
                },
                lines=bad,
            )
        rows.seek(0)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                inserted = _copy_postgresql(cluster, rows)
            else:
                inserted = _insert_portable(cluster, rows)
            audit_record(
                actor=actor,
                action="compute.usage_ingest",
                target=cluster,
                after={"source": source[:200], "lines": count, "inserted": inserted},
            )
    return IngestResult(lines=count, inserted=inserted)


def _copy_postgresql(cluster: Cluster, rows: IO[str]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE compute_usage_staging (job_id bigint, account text, "
            "username text, gpus integer, elapsed bigint, state text, started_at timestamptz, "
            "ended_at timestamptz) ON COMMIT DROP"
        )
        raw = cursor.cursor  # psycopg 3's own cursor, for copy()
        with raw.copy(f"COPY compute_usage_staging ({STAGING_COLUMNS}) FROM STDIN") as copy:
            while chunk := rows.read(COPY_CHUNK):
                copy.write(chunk)
        cursor.execute(
            'INSERT INTO compute_jobusage (cluster_id, job_id, account, "user", project_id, '
            "gpus, elapsed_seconds, gpu_seconds, state, started_at, ended_at, day) "
            "SELECT %s, s.job_id, s.account, s.username, p.id, s.gpus, s.elapsed, "
            "s.gpus * s.elapsed, s.state, s.started_at, s.ended_at, "
            "(s.ended_at AT TIME ZONE 'UTC')::date "
            "FROM compute_usage_staging s "
            "LEFT JOIN governance_researchproject p ON p.code = s.account "
            "ON CONFLICT (cluster_id, job_id) DO NOTHING",
            [cluster.pk],
        )
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE compute_usage_staging")
    return int(inserted)


def _insert_portable(cluster: Cluster, rows: IO[str]) -> int:
    """SQLite (the local demo): the same rows with bulk_create, in the caller's transaction."""
    projects = dict(ResearchProject.objects.values_list("code", "id"))
    before = JobUsage.objects.filter(cluster=cluster).count()
    batch: list[JobUsage] = []

    def when(value: str) -> dt.datetime | None:
        return None if value == "\\N" else dt.datetime.fromisoformat(value + ":00")

    for line in rows:
        job_id, account, user, gpus, elapsed, state, start, end = line.rstrip("\n").split("\t")
        ended = when(end)
        assert ended is not None  # noqa: S101 - validated: finished jobs have an end
        batch.append(
            JobUsage(
                cluster=cluster,
                job_id=int(job_id),
                account=account,
                user=user,
                project_id=projects.get(account),
                gpus=int(gpus),
                elapsed_seconds=int(elapsed),
                gpu_seconds=int(gpus) * int(elapsed),
                state=state,
                started_at=when(start),
                ended_at=ended,
                day=ended.astimezone(dt.UTC).date(),
            )
        )
        if len(batch) >= 5000:
            JobUsage.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    JobUsage.objects.bulk_create(batch, ignore_conflicts=True)
    return JobUsage.objects.filter(cluster=cluster).count() - before


def usage_ingest_window(
    *, actor: Actor, cluster: Cluster, start: dt.datetime, end: dt.datetime
) -> IngestResult:
    """Ingest the jobs that finished in [start, end), streamed from the backend's sacct."""
    backend = get_backend()
    return usage_ingest(
        actor=actor,
        cluster=cluster,
        lines=backend.finished_jobs(cluster.name, start, end),
        source=f"sacct {start.isoformat()} – {end.isoformat()} ({backend.name})",
    )


def allocation_used_minutes(allocation: ProjectAllocation) -> int:
    period = allocation.period
    seconds = JobUsage.objects.filter(
        project_id=allocation.project_id,
        cluster_id=period.cluster_id,
        day__gte=period.starts_on,
        day__lt=period.ends_on,
    ).aggregate(s=Sum("gpu_seconds"))["s"]
    return int(seconds or 0) // 60


def usage_policy_apply(*, actor: Actor, cluster: Cluster) -> list[QuotaNotice]:
    """Tell leads at 80% and 100% of their allocation (once each); freeze at 100% if the
    period says so."""
    permissions.check_operate(actor)
    period = selectors.period_current(cluster=cluster)
    if period is None:
        return []
    sent = []
    for allocation in ProjectAllocation.objects.filter(
        period=period, status=AllocationStatus.ACTIVE
    ).select_related("project", "project__lead", "period"):
        used = allocation_used_minutes(allocation)
        for threshold in (QuotaNotice.Threshold.EIGHTY, QuotaNotice.Threshold.FULL):
            if used * 100 < threshold * allocation.minutes:
                continue
            notice = _notice(actor, allocation, int(threshold), used)
            if notice is not None:
                sent.append(notice)
    return sent


@transaction.atomic
def _notice(
    actor: Actor, allocation: ProjectAllocation, threshold: int, used: int
) -> QuotaNotice | None:
    ProjectAllocation.objects.select_for_update().get(pk=allocation.pk)
    if QuotaNotice.objects.filter(allocation=allocation, threshold=threshold).exists():
        return None
    freeze = threshold == 100 and allocation.period.freeze_at_full
    notice = QuotaNotice.objects.create(
        allocation=allocation, threshold=threshold, used_minutes=used, froze=freeze
    )
    audit_record(
        actor=actor,
        action="compute.quota_notice",
        target=allocation,
        after={"threshold": threshold, "used_minutes": used, "freeze": freeze},
    )
    if freeze and selectors.freeze_in_force(allocation.project) is None:
        from compute.services.projects import project_compute_freeze

        project_compute_freeze(
            actor=actor,
            project=allocation.project,
            reason=_("Allocation used up: %(used)s of %(minutes)s GPU-minutes in %(period)s.")
            % {
                "used": f"{used:,}",
                "minutes": f"{allocation.minutes:,}",
                "period": allocation.period.name,
            },
        )
    lead = allocation.project.lead
    if lead.email:
        with translation.override(lead.preferred_language):
            subject = _("%(code)s has used %(pct)d%% of its GPU allocation") % {
                "code": allocation.project.code,
                "pct": threshold,
            }
            body = _(
                "Project %(code)s has used %(used)s of its %(minutes)s GPU-minutes in "
                "%(period)s.%(frozen)s"
            ) % {
                "code": allocation.project.code,
                "used": f"{used:,}",
                "minutes": f"{allocation.minutes:,}",
                "period": allocation.period.name,
                "frozen": _(" Its jobs are frozen until an operator lifts the freeze.")
                if freeze
                else "",
            }
        transaction.on_commit(
            lambda: send_mail(subject, body, None, [lead.email], fail_silently=True)
        )
    return notice
