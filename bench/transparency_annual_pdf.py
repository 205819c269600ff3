"""Benchmark: the annual transparency report of a busy year, about 200 pages.

Prints the seconds and pages of the whole report task (the year's figures read through the
selectors, canonical JSON and its SHA-256, the Django template, WeasyPrint layout and PDF, the
file's hash, storing and auditing) beside WeasyPrint alone rendering the very same final HTML,
measured in the same run, and the ratio of the two (target: at most 1.15).

Run against PostgreSQL (it creates and drops its own database ``test_<name>_annual_bench``):

    DJANGO_SETTINGS_MODULE=config.settings.test \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concordia \
    .venv/bin/python -m bench.transparency_annual_pdf [--rounds 3] [--decisions 4900]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from decimal import Decimal
from typing import Any

from bench._setup import setup_django, throwaway_database

YEAR = 2025
STATES = 30
PROJECTS = 120
ESCALATIONS = 40
BUDGET_CENTS = 1_250_000_000_00
COUNCILS = (
    ("governing-council", "governing_council", "Governing Council"),
    ("finance-committee", "finance_committee", "Finance Committee"),
    ("safety-board", "safety_board", "Safety Board"),
)
WORDS = (
    "allocation", "evaluation", "open", "weights", "budget", "policy", "review", "safety",
    "cluster", "training", "data", "retention", "model", "release", "audit", "partition",
)  # fmt: skip


def populate(decisions: int) -> Any:
    """A year of records: states, a called and mostly paid budget, decisions, safety, quotas.

    Finance and compute go through their services; the many published decisions, projects and
    escalations are written in bulk as fixture rows (as tests/transparency/bulk.py does), since
    voting thousands of motions through the services would only time the set-up.
    """
    from compute import services as compute
    from core.actors import Actor
    from core.models import AuditSource, User
    from funding import clock, services
    from funding.models import ContributionScale
    from governance import services as governance
    from governance.models import (
        ElectorateSnapshot,
        Escalation,
        Motion,
        MotionStatus,
        ResearchProject,
    )
    from governance.models.safety import SafetyMeasure, Severity

    rng = random.Random(2025)  # repeatable figures
    clock.today = lambda: dt.date(2026, 6, 1)  # a fixed "today", after every value date
    system = Actor.system("bench", source=AuditSource.COMMAND)
    codes = [a + b for a in "ABCDEFGHIJ" for b in "XYZ"][:STATES]
    states = {
        code: governance.member_state_create(
            actor=system,
            code=code,
            name_en=f"State {code}",
            name_de=f"Staat {code}",
            name_fr=f"État {code}",
            status="full",
            accession_date=dt.date(2010, 1, 1),
            population=rng.randint(10**6, 10**8),
            currency="EUR",
        )
        for code in codes
    }
    lines = ["code,year,amount,currency"]
    for code in states:
        base = rng.randint(10**10, 4 * 10**12)
        lines += [f"{code},{y},{base + rng.randint(0, 10**9)},EUR" for y in (2022, 2023, 2024)]
    preview = services.data_import_preview(
        actor=system, kind="national_income", filename="gni.csv", content="\n".join(lines).encode()
    )
    services.data_import_apply(actor=system, data_import=preview)
    councils = {
        code: governance.council_create(
            actor=system, code=code, kind=kind, name_en=name, name_de=name, name_fr=name
        )
        for code, kind, name in COUNCILS
    }

    def certified_motion(title: str) -> Motion:
        now = dt.datetime.now(dt.UTC)
        motion = governance.motion_create(
            actor=system, council=councils["finance-committee"], kind="budget", title=title,
            text=title, opens_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=2),
        )  # fmt: skip
        Motion.objects.filter(pk=motion.pk).update(status=MotionStatus.CERTIFIED, outcome="adopted")
        return motion

    scale = services.scale_compute(
        actor=system, reference="BENCH-2025", first_year=YEAR, last_year=YEAR,
        parameters={"ceiling": "0.22"},
    )  # fmt: skip
    services.scale_propose(actor=system, scale=scale, motion=certified_motion("Scale"))
    services.scale_decide(actor=system, scale=ContributionScale.objects.get(pk=scale.pk))
    fiscal_year = services.fiscal_year_create(actor=system, year=YEAR)
    for number, share in enumerate((60, 25, 15)):
        services.budget_line_set(
            actor=system, fiscal_year=fiscal_year, code=f"line-{number}", title=f"Line {number}",
            amount_cents=BUDGET_CENTS * share // 100,
        )  # fmt: skip
    services.fiscal_year_submit_budget(
        actor=system, fiscal_year=fiscal_year, motion=certified_motion("Budget")
    )
    services.fiscal_year_approve(actor=system, fiscal_year=fiscal_year)
    services.assessments_compute(actor=system, fiscal_year=fiscal_year)
    for call in services.calls_issue(
        actor=system, fiscal_year=fiscal_year, issued_on=dt.date(YEAR, 1, 20), letters=False
    ):
        roll = rng.random()
        if roll < 0.1:
            continue  # unpaid
        amount = call.amount_cents if roll > 0.3 else call.amount_cents * rng.randint(30, 99) // 100
        services.payment_record(
            actor=system, member_state=call.member_state,
            value_date=dt.date(YEAR, 2, 1) + dt.timedelta(days=rng.randint(0, 90)),
            amount=Decimal(amount).scaleb(-2), currency="EUR", reference=call.reference,
        )  # fmt: skip

    # Decisions published in the year, spread over its days, from three councils.
    start = dt.datetime(YEAR, 1, 2, 9, tzinfo=dt.UTC)
    rule = {"kind": "simple_majority", "threshold": "1/2", "strict": True, "tie_break": "fails"}
    rows = []
    for i in range(decisions):
        council = councils[COUNCILS[i % len(COUNCILS)][0]]
        published = start + dt.timedelta(minutes=i * 360 * 24 * 60 // max(decisions, 1))
        yes = rng.randint(0, STATES)
        no = rng.randint(0, STATES - yes)
        abstain = rng.randint(0, STATES - yes - no)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
        rows.append(
            Motion(
                reference=f"{council.code[:2].upper()}/{YEAR}/{i:05d}",
                council=council,
                kind="general",
                title=title,
                text=title,
                status="published",
                rule=rule,
                opens_at=published - dt.timedelta(days=3),
                closes_at=published - dt.timedelta(days=1),
                closed_at=published - dt.timedelta(days=1),
                certified_at=published,
                published_at=published,
                outcome="adopted" if yes > no else "rejected",
                tally={
                    "summary": "",
                    "members": STATES,
                    "yes": yes,
                    "no": no,
                    "abstain": abstain,
                    "absent": STATES - yes - no - abstain,
                    "conditions": [],
                },
                chain_head="0" * 64,
            )
        )
    motions = Motion.objects.bulk_create(rows, batch_size=1000)
    ElectorateSnapshot.objects.bulk_create(
        [
            ElectorateSnapshot(motion=m, entries={"electors": []}, canonical="{}", sha256="0" * 64)
            for m in motions
        ],
        batch_size=1000,
    )
    lead = User.objects.create(username="bench-lead")
    projects = ResearchProject.objects.bulk_create(
        [
            ResearchProject(
                code=f"p-{YEAR}-{i:04d}",
                title=f"Project {i}: {rng.choice(WORDS)} study",
                abstract="A study.",
                host_institution="An institute",
                host_state=states[codes[i % STATES]],
                lead=lead,
                gpu_hours_requested=100,
                period_start=dt.date(YEAR, 1, 1),
                period_end=dt.date(YEAR, 12, 1),
                safety_self_assessment="Low risk.",
                status="active",
                safety_level=1 + i % 4,
            )
            for i in range(PROJECTS)
        ]
    )
    for i in range(ESCALATIONS):
        escalation = Escalation.objects.create(
            reference=f"ESC/{YEAR}/{i:03d}", severity=rng.choice(Severity.values),
            confidential_account="confidential", reporter=lead,
            public_summary="An evaluation found behaviour that needs a closer look. " * 3,
            proposed_measure=rng.choice(SafetyMeasure.values), proposed_level=None,
            raised_at=dt.datetime(YEAR, 1 + i % 12, 1 + i % 28, tzinfo=dt.UTC),
        )  # fmt: skip
        escalation.projects.add(projects[i % PROJECTS])
    cluster = compute.cluster_create(
        actor=system, name="concordia", description="bench", gpu_types={"h100": 8}
    )
    halves = (
        ("2025-H1", dt.date(YEAR, 1, 1), dt.date(YEAR, 7, 1)),
        ("2025-H2", dt.date(YEAR, 7, 1), dt.date(YEAR + 1, 1, 1)),
    )
    for name, first, end in halves:
        period = compute.period_create(
            actor=system, cluster=cluster, name=name, starts_on=first, ends_on=end,
            capacity_minutes=50_000_000, programme_share=Decimal("0.10"),
            reserve_share=Decimal("0.05"), equal_share=Decimal("0.35"),
        )  # fmt: skip
        compute.period_split(actor=system, period=period)
    return system


def measure(rounds: int, decisions: int) -> dict[str, Any]:
    """Warm both up once, then alternate which goes first (ours, alone / alone, ours, ...)."""
    import gc
    import json

    from django.conf import settings
    from weasyprint import HTML

    from core import documents
    from transparency import services
    from transparency.models import AnnualReport
    from transparency.reports import render

    actor = populate(decisions)
    ours: list[float] = []
    alone: list[float] = []
    own_parts: list[float] = []  # time inside the task spent outside WeasyPrint
    marks: list[tuple[str, float]] = []
    pages = 0
    html = ""
    hashes: set[str] = set()
    progress = services.annual_report_progress

    def timed_progress(report_id: int, **fields: Any) -> None:
        marks.append((fields["step"], time.perf_counter()))
        progress(report_id, **fields)

    services.annual_report_progress = timed_progress

    def run_ours() -> float:
        nonlocal pages, html
        report = AnnualReport.objects.create(year=YEAR, language="en", requested_by_label="bench")
        gc.collect()
        marks.clear()
        started = time.perf_counter()
        done = services.annual_report_generate(actor=actor, report_id=report.pk)
        elapsed = time.perf_counter() - started
        at = dict(marks)
        own_parts.append(elapsed - (at[documents.STEP_STORE] - at[documents.STEP_LAYOUT]))
        pages = done.page_count or 0
        hashes.add(done.sha256)
        # the very HTML the task rendered, from the data it stored
        html = render.render_html(
            json.loads(done.data), language="en", data_sha256=done.data_sha256
        )
        return elapsed

    def run_alone() -> float:
        """WeasyPrint alone on the same HTML, through the same calls (render, then write_pdf)."""
        gc.collect()
        started = time.perf_counter()
        pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).render().write_pdf()
        elapsed = time.perf_counter() - started
        assert pdf is not None
        return elapsed

    run_ours()  # warm-up: fonts, stylesheets and caches, not counted
    run_alone()
    for round_ in range(rounds):
        if round_ % 2 == 0:
            ours.append(run_ours())
            alone.append(run_alone())
        else:
            alone.append(run_alone())
            ours.append(run_ours())
    return {
        "own": statistics.median(own_parts[1:]),
        "ours": statistics.median(ours),
        "alone": statistics.median(alone),
        "ours_min": min(ours),
        "alone_min": min(alone),
        "pages": pages,
        "html_kb": len(html.encode()) // 1024,
        "rounds": rounds,
        "all_ours": ours,
        "all_alone": alone,
        "identical": len(hashes) == 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--decisions", type=int, default=4900)
    args = parser.parse_args()
    setup_django()
    with throwaway_database("annual_bench", COMPUTE_SLURM_BACKEND="memory"):
        started = time.perf_counter()
        result = measure(args.rounds, args.decisions)
        total = time.perf_counter() - started
    ratio = result["ours"] / result["alone"]
    print(f"annual report {YEAR}: {args.decisions} decisions, {STATES} states, {result['pages']} "
          f"pages, HTML {result['html_kb']} KiB, median of {result['rounds']} rounds")  # fmt: skip
    print(f"  whole report task (ours): {result['ours']:.2f} s  "
          f"{[round(s, 2) for s in result['all_ours']]}")  # fmt: skip
    print(f"  WeasyPrint alone, same HTML: {result['alone']:.2f} s  "
          f"{[round(s, 2) for s in result['all_alone']]}")  # fmt: skip
    print(f"  ratio of medians {ratio:.3f} (target <= 1.15)")
    best = result["ours_min"] / result["alone_min"]
    print(f"  ratio of best runs {best:.3f}")
    own = result["own"]
    print(
        f"  of which outside WeasyPrint (data, JSON + SHA-256, template, storing, audit, "
        f"progress): {own:.3f} s = {100 * own / result['alone']:.1f} % of WeasyPrint alone"
    )
    print(f"  every run gave the same PDF bytes: {'yes' if result['identical'] else 'NO'}")
    print(f"  (set-up and all rounds: {total:.0f} s)")
    sys.exit(0 if result["identical"] else 1)


if __name__ == "__main__":
    main()
