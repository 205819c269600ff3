"""Benchmark: the status-of-contributions PDF for 60 states over 10 years.

Prints the seconds and pages of the whole report task (figures from the database, canonical
JSON and its hash, the Django template, WeasyPrint, the file's hash, storing and auditing)
beside WeasyPrint alone rendering the very same final HTML, measured in the same run, and the
ratio of the two (the target is an overhead of at most 15 %).

Run against PostgreSQL (it creates and drops its own database ``test_<name>_bench``):

    DJANGO_SETTINGS_MODULE=config.settings.test \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concordia \
    .venv/bin/python -m bench.funding_status_pdf [--rounds 5]
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

STATES = 60
YEARS = list(range(2016, 2026))  # ten fiscal years, all in the past
BUDGET_CENTS = 1_250_000_000_00
EXTRA_CODES = (
    "JP", "KR", "NZ", "IS", "IN", "BR", "MX", "ZA", "AR", "CL", "CO", "PE", "SG",
    "MY", "TH", "ID", "PH", "VN", "EG", "MA", "KE", "NG", "TR", "SA", "AE", "QA", "KW",
)  # fmt: skip


def _codes() -> list[tuple[str, str, str]]:
    import csv
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "demo" / "data" / "member_states.csv"
    rows = [(r["code"], r["name_en"], r["currency"]) for r in csv.DictReader(data.open())]
    rows += [(code, f"State {code}", "EUR") for code in EXTRA_CODES]
    return rows[:STATES]


def populate() -> Any:
    """60 states, an adopted 10-year scale, ten years called and mostly paid, via the services."""
    from core.actors import Actor
    from core.models import AuditSource
    from funding import clock, services
    from funding.models import ContributionScale
    from governance import services as governance
    from governance.models import Motion, MotionStatus

    rng = random.Random(2026)  # repeatable figures
    clock.today = lambda: dt.date(2026, 6, 1)  # a fixed "today", after every value date
    system = Actor.system("bench", source=AuditSource.COMMAND)
    states = {}
    for code, name, _currency in _codes():
        states[code] = governance.member_state_create(
            actor=system, code=code, name_en=name, name_de=name, name_fr=name, status="full",
            accession_date=dt.date(2010, 1, 1), population=rng.randint(10**6, 10**8),
            currency="EUR",
        )  # fmt: skip
    lines = ["code,year,amount,currency"]
    for code in states:
        base = rng.randint(10**10, 4 * 10**12)
        lines += [
            f"{code},{year},{base + rng.randint(0, 10**9)},EUR" for year in (2013, 2014, 2015)
        ]
    preview = services.data_import_preview(
        actor=system, kind="national_income", filename="gni.csv", content="\n".join(lines).encode()
    )
    services.data_import_apply(actor=system, data_import=preview)
    council = governance.council_create(
        actor=system, code="finance-committee", kind="finance_committee",
        name_en="Finance Committee", name_de="Finanzausschuss", name_fr="Comité des finances",
    )  # fmt: skip

    def certified_motion(title: str) -> Motion:
        now = dt.datetime.now(dt.UTC)
        motion = governance.motion_create(
            actor=system, council=council, kind="budget", title=title, text=title,
            opens_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=2),
        )  # fmt: skip
        return motion

    def certify(motion: Motion) -> None:
        Motion.objects.filter(pk=motion.pk).update(status=MotionStatus.CERTIFIED, outcome="adopted")

    scale = services.scale_compute(
        actor=system, reference="BENCH-2016-2025", first_year=YEARS[0], last_year=YEARS[-1],
        parameters={"ceiling": "0.22"},
    )  # fmt: skip
    motion = certified_motion("Scale")
    services.scale_propose(actor=system, scale=scale, motion=motion)
    certify(motion)
    services.scale_decide(actor=system, scale=ContributionScale.objects.get(pk=scale.pk))
    for year in YEARS:
        fiscal_year = services.fiscal_year_create(actor=system, year=year)
        for number, share in enumerate((60, 25, 15)):
            services.budget_line_set(
                actor=system, fiscal_year=fiscal_year, code=f"line-{number}", title=f"Line {number}",
                amount_cents=BUDGET_CENTS * share // 100,
            )  # fmt: skip
        motion = certified_motion(f"Budget {year}")
        services.fiscal_year_submit_budget(actor=system, fiscal_year=fiscal_year, motion=motion)
        certify(motion)
        services.fiscal_year_approve(actor=system, fiscal_year=fiscal_year)
        services.assessments_compute(actor=system, fiscal_year=fiscal_year)
        calls = services.calls_issue(
            actor=system, fiscal_year=fiscal_year, issued_on=dt.date(year, 1, 20), letters=False
        )
        for call in calls:
            roll = rng.random()
            if roll < 0.1:
                continue  # unpaid
            amount = (
                call.amount_cents if roll > 0.3 else call.amount_cents * rng.randint(30, 99) // 100
            )
            day = dt.date(year, 2, 1) + dt.timedelta(days=rng.randint(0, 90))
            services.payment_record(
                actor=system, member_state=call.member_state, value_date=day,
                amount=Decimal(amount).scaleb(-2), currency="EUR", reference=call.reference,
            )  # fmt: skip
    return system


def measure(rounds: int) -> dict[str, Any]:
    """Warm both up once, then alternate which goes first (ours, alone / alone, ours, ...)."""
    import gc
    import json

    from django.conf import settings
    from weasyprint import HTML

    from core import documents
    from funding import services
    from funding.models import Report
    from funding.reports import render
    from funding.services import reports as report_services

    actor = populate()
    ours: list[float] = []
    alone: list[float] = []
    ours_cpu: list[float] = []
    alone_cpu: list[float] = []
    own_parts: list[float] = []  # time inside the task spent outside WeasyPrint
    pages = 0
    html = ""
    marks: list[tuple[str, float]] = []
    progress = report_services.report_progress

    def timed_progress(report_id: int, **fields: Any) -> None:
        marks.append((fields["step"], time.perf_counter()))
        progress(report_id, **fields)

    report_services.report_progress = timed_progress

    def run_ours() -> float:
        nonlocal pages, html
        report = Report.objects.create(
            kind="status", params={"years": YEARS}, requested_by_label="bench"
        )
        gc.collect()
        marks.clear()
        cpu = time.process_time()
        started = time.perf_counter()
        done = services.report_generate(actor=actor, report_id=report.pk)
        elapsed = time.perf_counter() - started
        ours_cpu.append(time.process_time() - cpu)
        at = dict(marks)
        weasyprint = at[documents.STEP_STORE] - at[documents.STEP_LAYOUT]
        own_parts.append(elapsed - weasyprint)
        pages = done.page_count or 0
        # the very HTML the task rendered, from the data it stored
        html = render.render_html(
            "status", json.loads(done.data), language="en", data_sha256=done.data_sha256
        )
        return elapsed

    def run_alone() -> float:
        """WeasyPrint alone, through the same calls the task makes (render, then write_pdf)."""
        gc.collect()
        cpu = time.process_time()
        started = time.perf_counter()
        pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).render().write_pdf()
        elapsed = time.perf_counter() - started
        alone_cpu.append(time.process_time() - cpu)
        assert pdf is not None
        return elapsed

    def run_plain() -> float:
        """WeasyPrint alone as most people call it: HTML(string=...).write_pdf()."""
        gc.collect()
        started = time.perf_counter()
        pdf = HTML(string=html).write_pdf()
        assert pdf is not None
        return time.perf_counter() - started

    plain: list[float] = []
    run_ours()  # warm-up: fonts, stylesheets and caches for all three, not counted
    run_alone()
    run_plain()
    for round_ in range(rounds):
        if round_ % 2 == 0:
            ours.append(run_ours())
            alone.append(run_alone())
            plain.append(run_plain())
        else:
            plain.append(run_plain())
            alone.append(run_alone())
            ours.append(run_ours())
    return {
        "own": statistics.median(own_parts[1:]),
        "ours": statistics.median(ours),
        "alone": statistics.median(alone),
        "ours_cpu": statistics.median(ours_cpu[1:]),
        "alone_cpu": statistics.median(alone_cpu[1:]),
        "plain": statistics.median(plain),
        "ours_min": min(ours),
        "alone_min": min(alone),
        "pages": pages,
        "html_kb": len(html.encode()) // 1024,
        "rounds": rounds,
        "all_ours": ours,
        "all_alone": alone,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    setup_django()
    with throwaway_database("bench"):
        started = time.perf_counter()
        result = measure(args.rounds)
        total = time.perf_counter() - started
    ratio = result["ours"] / result["alone"]
    print(f"status of contributions, {STATES} states x {len(YEARS)} years, {result['pages']} pages, "
          f"HTML {result['html_kb']} KiB, median of {result['rounds']} rounds")  # fmt: skip
    print(
        f"  whole report task (ours): {result['ours']:.2f} s  {[round(s, 2) for s in result['all_ours']]}"
    )
    print(
        f"  WeasyPrint alone, same HTML: {result['alone']:.2f} s  {[round(s, 2) for s in result['all_alone']]}"
    )
    print(f"  (WeasyPrint alone via HTML(string=...).write_pdf(): {result['plain']:.2f} s)")
    print(
        f"  ratio of medians {ratio:.3f} -> overhead {100 * (ratio - 1):+.1f} % (target <= +15 %)"
    )
    cpu_ratio = result["ours_cpu"] / result["alone_cpu"]
    print(
        f"  CPU time of this process, medians: ours {result['ours_cpu']:.2f} s, alone "
        f"{result['alone_cpu']:.2f} s -> ratio {cpu_ratio:.3f} ({100 * (cpu_ratio - 1):+.1f} %)"
    )
    best = result["ours_min"] / result["alone_min"]
    print(f"  ratio of best runs {best:.3f} -> overhead {100 * (best - 1):+.1f} %")
    own = result["own"]
    print(
        f"  of which outside WeasyPrint (data, JSON + SHA-256, template, storing, audit, "
        f"progress): {own:.3f} s = {100 * own / result['alone']:.1f} % of WeasyPrint alone"
    )
    print(f"  (set-up and all rounds: {total:.0f} s)")
    sys.exit(0)


if __name__ == "__main__":
    main()
