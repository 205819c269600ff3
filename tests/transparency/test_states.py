"""The portal's overview and member-state pages: budget, contributions, arrears, votes, quotas."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from compute.models import JobUsage, UsageDay
from core.actors import Actor
from core.models import AuditSource
from funding.reports.formatting import money
from governance import selectors
from governance import services as governance_services
from tests.compute.conftest import make_world
from tests.funding.books import make_books
from tests.governance.voting_fixtures import make_council5
from tests.transparency.test_portal import decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def year() -> int:
    return selectors.today().year


@pytest.fixture
def books(year):
    """This year assessed and called: DE paid in full on time, FR in part, IT and NL nothing."""
    books = make_books(first_year=year - 1, last_year=year + 1)
    books.open_year(year, 1_000_000_00, issued_on=dt.date(year, 1, 15))
    books.pay("DE", "400000.00", on=dt.date(year, 2, 1))
    books.pay("FR", "100000.00", on=dt.date(year, 2, 1))
    return books


def page(url: str, lang: str = "en") -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=lang).get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_overview_shows_this_years_budget_contributions_and_chart(books, year):
    """The overview gives the budget, assessed, paid and outstanding, and draws them per state."""
    html = page("/portal/")
    assert f"Budget and contributions {year}" in html
    assert money(1_000_000_00) in html  # budget and assessed
    assert money(500_000_00) in html  # paid (DE 400,000 + FR 100,000) and outstanding
    # the chart is HTML rows: each state by its name, its assessed amount, the part unpaid
    chart = html[html.index('class="cc-bars"') :].split("</ul>")[0]
    assert ">Germany</a>" in chart and "€400,000.00" in chart
    assert ">France</a>" in chart and "33% paid" in chart  # FR paid 100,000 of 300,000
    assert "1 state" in html  # on the honour roll: DE only


def test_overview_shows_compute_capacity_and_use(year):
    """The periods running today are listed with their capacity and the GPU-minutes used."""
    world = make_world(capacity=2_000_000)
    project = world.project("DE")
    world.allocate(project, 60_000)
    JobUsage.objects.create(
        cluster=world.cluster, job_id=1, account=project.code, user="u", gpus=2,
        elapsed_seconds=3600, state="COMPLETED",
        ended_at=dt.datetime.combine(world.period.starts_on, dt.time(12), tzinfo=dt.UTC),
    )  # fmt: skip
    UsageDay.objects.create(
        cluster=world.cluster, account=project.code, project=project, day=world.period.starts_on,
        jobs=1, gpu_seconds=7200,
    )  # fmt: skip
    html = page("/portal/")
    assert "concordia — current" in html
    # 2,000,000 GPU-minutes of capacity; 7,200 GPU-seconds = 120 GPU-minutes = 2 GPU-hours used
    assert "33,333.3 GPU-hours" in html and "2 GPU-hours (0.0%)" in html


def test_member_states_page_lists_shares_contributions_honour_roll_and_voting_rights(books, year):
    """Each state's share, this year's assessed and paid, arrears, the honour roll, suspensions."""
    system = Actor.system("tests", source=AuditSource.COMMAND)
    governance_services.voting_rights_suspend(
        actor=system, member_state=books.states["NL"], reason="Arrears over the line."
    )
    html = page("/portal/states/")
    # two tables: arrears and votes first, then this year's contributions

    def row(table_id: str, code: str) -> str:
        table = html[html.index(f'id="{table_id}"') :].split("</table>")[0]
        return table[table.index(f'href="/portal/states/{code}/"') :].split("</tr>")[0]

    de_row = row("contributions-caption", "DE")
    assert "40.0000" in de_row and money(400_000_00) in de_row and "in full, on time" in de_row
    fr_row = row("contributions-caption", "FR")
    assert money(300_000_00) in fr_row and money(100_000_00) in fr_row  # assessed, paid
    assert "on time" not in fr_row
    assert money(200_000_00) in row("votes-caption", "FR")  # outstanding
    assert "suspended" in row("votes-caption", "NL")
    honour = html[html.index('id="h-honour"') :]
    assert "Germany" in honour and "France" not in honour


def test_member_states_page_in_german_and_french(books, year):
    """Amounts and headings follow the language: 400.000,00 in German, 400 000,00 in French."""
    assert money(400_000_00, "de") in page("/portal/states/", "de")
    assert "Mitgliedstaaten" in page("/portal/states/", "de")
    assert money(400_000_00, "fr") in page("/portal/states/", "fr")
    assert "États membres" in page("/portal/states/", "fr")


def test_state_page_shows_its_history(books, year):
    """A state's page lists its years, payments, suspensions, seats and roll-call votes."""
    c5 = make_council5()
    motion = decide(c5, "Open-weights policy", yes=("DE", "IT", "ES"))
    system = Actor.system("tests", source=AuditSource.COMMAND)
    governance_services.voting_rights_suspend(
        actor=system, member_state=books.states["FR"], reason="Arrears over the line."
    )
    html = page("/portal/states/FR/")
    assert "<h1>France" in html
    years = html[html.index("Contributions per year") :].split("</table>")[0]
    assert f">{year}<" in years and money(200_000_00) in years
    payments = html[html.index("Payments received") :].split("</table>")[0]
    assert "€100,000.00" in payments  # paid in euros: no rate to show
    assert "Arrears over the line." in html and "suspended" in html
    votes = html[html.index("How the state voted") :].split("</table>")[0]
    assert motion.reference in votes and ">no<" in votes


def test_unknown_or_lower_case_state_is_not_found(books):
    """Only the canonical upper-case code has a page."""
    assert Client().get("/portal/states/XX/").status_code == 404
    assert Client().get("/portal/states/de/").status_code == 404
