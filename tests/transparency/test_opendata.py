"""Open data: every table as CSV and JSON, described by a Data Package that frictionless accepts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

import frictionless
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import User
from core.spreadsheet import safe_cell
from governance import selectors
from governance.models import (
    Ballot,
    Council,
    ElectorateSnapshot,
    Escalation,
    MemberState,
    Motion,
    ResearchProject,
)
from governance.secret_board import verify_board
from tests.factories import CouncilFactory, MemberStateFactory, UserFactory
from transparency.opendata import TABLES, csv_cell

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    """The demo data: a published decision, a scale, a budget, calls, payments, quotas, safety,
    and the demo's secret vote carried to its published decision (so its board is a table)."""
    from tests.governance.secret_fixtures import decide_demo_secret_vote

    call_command("seed_demo", stdout=io.StringIO())
    decide_demo_secret_vote()


def csv_rows(client: Client, name: str, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/portal/data/{name}.csv{query}")
    assert response.status_code == 200, name
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def download_package(client: Client, folder: Path) -> dict[str, Any]:
    """Save datapackage.json and every file it names into ``folder``, as a reader would."""
    package = client.get("/portal/data/datapackage.json")
    assert package.status_code == 200
    assert package["Content-Type"].startswith("application/json")
    (folder / "datapackage.json").write_bytes(package.content)
    descriptor: dict[str, Any] = package.json()
    for resource in descriptor["resources"]:
        body = client.get(f"/portal/data/{resource['path']}").content
        (folder / resource["path"]).write_bytes(body)
    return descriptor


def test_every_table_validates_against_the_data_package(demo, tmp_path):
    """Every download, saved beside datapackage.json, passes frictionless validation with rows.

    The declared types are really checked: one boolean written as "yes" fails it.
    """
    # given the demo data, and a reader who downloads the package and every file it names
    descriptor = download_package(Client(), tmp_path)
    # when frictionless validates the saved package
    report = frictionless.validate(tmp_path / "datapackage.json")
    # then every cell has its declared type, every key is unique, and no table is empty
    assert report.valid, report.flatten(["rowNumber", "fieldName", "note"])[:10]
    assert {r["name"] for r in descriptor["resources"]} == set(TABLES)
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    for task in report.tasks:
        assert task.stats["rows"] > 0, task.name
    fields = {r["name"]: r["schema"]["fields"] for r in descriptor["resources"]}
    assert all(f["description"] for table in fields.values() for f in table)
    money = [f for table in fields.values() for f in table if f["name"].endswith("_cents")]
    assert money and all(f["type"] == "integer" for f in money)
    # when one boolean cell is spoiled, then frictionless names the table and the error
    path = tmp_path / "member_states.csv"
    path.write_text(path.read_text().replace(",false,", ",yes,", 1))
    spoiled = frictionless.validate(tmp_path / "datapackage.json")
    assert [(t.name, t.errors[0].type) for t in spoiled.tasks if not t.valid] == [
        ("member_states", "type-error")
    ]


def test_json_and_csv_carry_the_same_rows_and_the_published_figures(demo):
    """Each table's JSON holds the CSV's rows in order; the figures are those of the books and pages."""
    from compute.models import NationalQuota
    from funding.models import Assessment, BudgetLine, ContributionCall, ContributionScale

    client = Client()
    for name, table in TABLES.items():
        # given both downloads of each table
        from_csv = csv_rows(client, name)
        from_json = client.get(f"/portal/data/{name}.json").json()
        # then they hold the same cells, the JSON with its own types
        # (a text cell starting like a formula, e.g. a base64 signature beginning with "+",
        # is written with a leading apostrophe in CSV, as every spreadsheet export here is)
        as_text = [{k: str(safe_cell(csv_cell(v))) for k, v in row.items()} for row in from_json]
        assert as_text == from_csv, name
        assert list(from_json[0]) == [c[0] for c in table.columns], name
    member = client.get("/portal/data/member_states.json").json()[0]
    assert isinstance(member["over_line"], bool) and isinstance(member["assessed_cents"], int)

    # scales, shares, budgets, assessments and the status of contributions
    scale = ContributionScale.objects.get()
    [published] = csv_rows(client, "scales")
    assert (published["reference"], published["inputs_sha256"], published["motion"]) == (
        scale.reference, scale.inputs_sha256, scale.motion.reference,
    )  # fmt: skip
    assert len(csv_rows(client, "scale_shares")) == scale.shares.count()
    budgets = csv_rows(client, "budgets")
    assert len(budgets) == BudgetLine.objects.count()
    assert {int(b["budget_total_cents"]) for b in budgets} == {1_250_000_000_00}
    assessments = {a["state"]: a for a in csv_rows(client, "assessments")}
    assert sum(int(a["amount_cents"]) for a in assessments.values()) == 1_250_000_000_00
    de = Assessment.objects.get(member_state__code="DE")
    assert assessments["DE"]["amount_cents"] == str(de.amount_cents)
    contributions = {c["state"]: c for c in csv_rows(client, "contributions")}
    assert len(contributions) == ContributionCall.objects.count()
    assert (contributions["HU"]["paid_cents"], contributions["HU"]["honour"]) == ("0", "false")
    states = {s["state"]: s for s in csv_rows(client, "member_states")}
    assert Decimal(states["DE"]["share"]) == de.share

    # the roll call as the decision's page gives it
    motion = selectors.decisions_published().get(secret=False)
    assert csv_rows(client, "roll_calls") == [
        {"reference": motion.reference, "state": r["state"], "choice": r["choice"],
         "proxy_holder": r["proxy_holder"] or ""}
        for r in selectors.roll_call(motion)
    ]  # fmt: skip

    # the secret vote's board: one row, the whole board as JSON, which recounts
    boards = csv_rows(client, "secret_boards")
    secret = selectors.decisions_published().get(secret=True)
    assert [b["motion"] for b in boards] == [secret.reference]
    assert verify_board(json.loads(boards[0]["board"])).ok

    # quotas with their use
    use = csv_rows(client, "compute_use")
    quotas = {r["key"]: r for r in use if r["kind"] == "state"}
    assert len(quotas) == NationalQuota.objects.count()
    assert quotas["DE"]["minutes"] == str(
        NationalQuota.objects.get(member_state__code="DE").minutes
    )
    assert [r["key"] for r in use if r["kind"] == "programme"] == ["programme"]

    # the safety tables: public facts only
    escalation = Escalation.objects.get()
    [row] = csv_rows(client, "escalations")
    assert (row["reference"], row["public_summary"]) == (
        escalation.reference, escalation.public_summary,
    )  # fmt: skip
    assert row["projects"] == " ".join(p.code for p in escalation.projects.all())
    levels = csv_rows(client, "project_levels")
    assert {r["code"] for r in levels} == {p.code for p in selectors.projects_with_levels()}
    for name in TABLES:
        for fmt in ("csv", "json"):
            body = client.get(f"/portal/data/{name}.{fmt}").content.decode()
            assert escalation.confidential_account not in body, name

    # the open-data page: every table, the package and the public API
    html = client.get("/portal/data/").content.decode()
    for name in TABLES:
        assert f'href="/portal/data/{name}.csv"' in html
        assert f'href="/portal/data/{name}.json"' in html
    assert 'href="/portal/data/datapackage.json"' in html
    assert "/api/v1/public/motions/&lt;id&gt;/verify/" in html
    assert "120 requests a minute" in html


# -- query counts ------------------------------------------------------------------------

ONE_DAY = dt.timedelta(days=1)
# A whole electorate document, as every reader parses it (rules.Electorate).
ELECTORATE = {
    "motion": "GC/2026/000",
    "council": "governing-council",
    "frozen_at": "2026-01-01T00:00:00+00:00",
    "rule": {"kind": "simple_majority", "threshold": "1/2", "strict": True, "tie_break": "fails"},
    "electors": [
        {"state": "DE", "population": 1, "share": "1", "recused": False, "proxy_holder": None}
    ],
    "excluded": [],
}


def add_decisions(council: Council, start: int, stop: int) -> None:
    """Published decisions, each with one elector and one ballot, written in bulk (fixtures)."""
    now = timezone.now()
    rule = {"kind": "simple_majority", "threshold": "1/2", "strict": True, "tie_break": "fails"}
    motions = Motion.objects.bulk_create(
        Motion(
            reference=f"OD/{i:05d}", council=council, kind="general", title=f"Decision {i}",
            text="x", status="published", rule=rule, opens_at=now, closes_at=now + ONE_DAY, closed_at=now,
            certified_at=now, published_at=now - dt.timedelta(seconds=i), outcome="adopted",
            tally={"summary": "adopted", "members": 1, "yes": 1, "no": 0, "abstain": 0,
                   "absent": 0},
            chain_head=f"{i:064x}", chain_length=1,
        )
        for i in range(start, stop)
    )  # fmt: skip
    ElectorateSnapshot.objects.bulk_create(
        ElectorateSnapshot(motion=m, entries=ELECTORATE, canonical="{}", sha256="0" * 64)
        for m in motions
    )
    Ballot.objects.bulk_create(
        Ballot(
            motion=m, seq=1, tag="DE", choice="yes", prev_hash="0" * 64,
            entry_hash=f"{int(m.chain_head, 16):064x}",
        )
        for m in motions
    )  # fmt: skip


def downloads(client: Client, names: list[str], tag: str) -> tuple[dict[str, int], dict[str, int]]:
    """The queries each CSV download costs, and its number of rows."""
    queries, rows = {}, {}
    for name in names:
        with CaptureQueriesContext(connection) as ctx:
            # a query string of its own, so that the cache does not answer
            response = client.get(f"/portal/data/{name}.csv?{tag}")
        assert response.status_code == 200
        queries[name] = len(ctx.captured_queries)
        rows[name] = len(list(csv.reader(io.StringIO(response.content.decode())))) - 1
    return queries, rows


def test_decision_downloads_cost_the_same_queries_at_10_and_10000_rows():
    """Decisions, roll calls, ballot chains and electorates take as many queries at 10,000 rows as at 10."""
    names = ["decisions", "roll_calls", "ballot_chains", "electorates"]
    client = Client()
    council = CouncilFactory()
    MemberStateFactory(code="DE")
    # given 10 published decisions
    add_decisions(council, 0, 10)
    few, rows = downloads(client, names, "few")
    assert rows == dict.fromkeys(names, 10)
    # when there are 10,000
    add_decisions(council, 10, 10_000)
    many, rows = downloads(client, names, "many")
    # then every download costs what it did
    assert many == few
    assert max(many.values()) <= 3
    assert rows == dict.fromkeys(names, 10_000)


def bulk_states(count: int) -> list[MemberState]:
    codes = ["".join(p) for p in itertools.product(string.ascii_uppercase, repeat=2)][:count]
    existing = set(MemberState.objects.values_list("code", flat=True))
    MemberState.objects.bulk_create(
        MemberState(
            code=c, name_en=f"State {c}", name_de=c, name_fr=c, status="full",
            accession_date=dt.date(2024, 1, 1), population=1_000_000, currency="EUR",
        )
        for c in codes
        if c not in existing
    )  # fmt: skip
    return list(MemberState.objects.filter(code__in=codes).order_by("code"))


def add_finance_and_safety(council: Council, lead: User, states: int, years: int) -> None:
    """Fill every state-by-year cell not yet filled: shares, budget lines, assessments, balances."""
    from funding.models import (
        Assessment,
        BudgetLine,
        ContributionScale,
        FiscalYear,
        ScaleShare,
        StateAccount,
        YearBalance,
    )

    now = timezone.now()
    scale = ContributionScale.objects.filter(reference="OD-SCALE").first()
    if scale is None:
        motion = Motion.objects.create(
            reference="OD/SCALE", council=council, kind="budget", title="Scale", text="x",
            status="draft", rule={}, opens_at=now, closes_at=now + ONE_DAY,
        )  # fmt: skip
        scale = ContributionScale.objects.create(
            reference="OD-SCALE", first_year=1900, last_year=2200, budget_currency="EUR",
            parameters={}, inputs={}, inputs_sha256="0" * 64, results={}, status="adopted",
            motion=motion, decided_at=now, created_by_label="test",
        )  # fmt: skip
    members = bulk_states(states)
    StateAccount.objects.bulk_create(
        [StateAccount(member_state=s) for s in members], ignore_conflicts=True
    )
    have = set(FiscalYear.objects.values_list("year", flat=True))
    FiscalYear.objects.bulk_create(
        FiscalYear(year=y, base_currency="EUR", status="approved", approved_at=now)
        for y in range(2000, 2000 + years)
        if y not in have
    )
    fiscal_years = list(FiscalYear.objects.filter(year__gte=2000, year__lt=2000 + years))
    cells = [(fy, s) for fy in fiscal_years for s in members]
    share = {"share_exact": "1/50", "share": Decimal("0.02")}
    ScaleShare.objects.bulk_create(
        [ScaleShare(scale=scale, year=fy.year, member_state=s, full_share=Decimal("0.02"),
                    **share) for fy, s in cells],
        ignore_conflicts=True,
    )  # fmt: skip
    Assessment.objects.bulk_create(
        [Assessment(fiscal_year=fy, member_state=s, scale=scale, amount_cents=100, **share)
         for fy, s in cells],
        ignore_conflicts=True,
    )  # fmt: skip
    YearBalance.objects.bulk_create(
        [YearBalance(fiscal_year=fy, member_state=s, assessed_cents=100, paid_cents=40,
                     due_on=dt.date(fy.year, 2, 1)) for fy, s in cells],
        ignore_conflicts=True,
    )  # fmt: skip
    BudgetLine.objects.bulk_create(
        [BudgetLine(fiscal_year=fy, code=f"line-{s.code.lower()}", title="A line",
                    amount_cents=100) for fy, s in cells],
        ignore_conflicts=True,
    )  # fmt: skip
    # projects and escalations: as many as the cells, one project per escalation
    have_projects = ResearchProject.objects.count()
    projects = ResearchProject.objects.bulk_create(
        ResearchProject(
            code=f"od-{i:05d}", title=f"Project {i}", abstract="x", host_institution="x",
            host_state=members[0], lead=lead, gpu_hours_requested=1, status="approved",
            period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30),
            safety_self_assessment="x",
        )
        for i in range(have_projects, len(cells))
    )  # fmt: skip
    escalations = Escalation.objects.bulk_create(
        Escalation(
            reference=f"ESC/{p.code}", severity="low", confidential_account="secret",
            reporter=lead, public_summary="Public words.", proposed_measure="freeze",
        )
        for p in projects
    )  # fmt: skip
    Escalation.projects.through.objects.bulk_create(
        Escalation.projects.through(escalation=e, researchproject=p)
        for e, p in zip(escalations, projects, strict=True)
    )


def test_finance_and_safety_downloads_cost_the_same_queries_at_10_and_10000_rows():
    """Scale shares, budgets, assessments, contributions, states and safety tables stay flat too."""
    names = [
        "scales", "scale_shares", "budgets", "assessments", "contributions", "member_states",
        "project_levels", "escalations",
    ]  # fmt: skip
    client = Client()
    council = CouncilFactory()
    lead = UserFactory(username="lead")
    # given 10 states and one year: 10 rows in each state-by-year table
    add_finance_and_safety(council, lead, states=10, years=1)
    few, rows = downloads(client, names, "few")
    assert rows["assessments"] == 10
    # when there are 50 states and 200 years: 10,000 rows
    add_finance_and_safety(council, lead, states=50, years=200)
    many, rows = downloads(client, names, "many")
    # then every download costs what it did
    assert many == few
    for name in ("scale_shares", "budgets", "assessments", "contributions", "escalations"):
        assert rows[name] == 10_000, name


def test_ballots_of_a_decision_published_between_the_two_reads_are_skipped():
    """A ballot whose decision the first read did not see does not shift the others' roll calls."""
    from types import SimpleNamespace

    from transparency.opendata import _beside

    now = timezone.now()
    older, newer = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)

    def ballot(motion_id: int, at: dt.datetime) -> Any:
        return SimpleNamespace(motion_id=motion_id, motion_published_at=at)

    # given two decisions read first, and ballots read after a third (id 9) was published
    motions = [SimpleNamespace(pk=2, published_at=now), SimpleNamespace(pk=1, published_at=older)]
    ballots = [ballot(9, newer), ballot(2, now), ballot(2, now), ballot(1, older)]
    # when they are read side by side
    grouped = [(m.pk, len(group)) for m, group in _beside(motions, ballots)]
    # then each decision keeps its own ballots and the unknown one is left out
    assert grouped == [(2, 2), (1, 1)]
