"""The public's journey through the portal (issue 14): what a journalist, a citizen or a
delegation reads on each page, in English, German and French."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from compute.models import UsageDay
from core import l10n
from core.actors import Actor
from core.models import AuditSource
from funding import services as funding_services
from governance import selectors
from governance import services as governance_services
from governance.models import Motion
from tests.compute.conftest import make_world
from tests.funding.books import Books, make_books
from tests.governance.voting_fixtures import Council5, make_council5
from tests.transparency.test_portal import decide
from transparency.models import AnnualReport

pytestmark = pytest.mark.django_db
BUDGET = 1_000_000_00  # IT is assessed 20 %: 200,000.00


def page(url: str, lang: str = "en", status: int = 200) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=lang).get(url)
    assert response.status_code == status, url
    return response.content.decode()


def text(html: str) -> str:
    """The words a reader sees: tags dropped, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def section(html: str, start: str, end: str = "</section>") -> str:
    """The page from just after `start` (and the rest of its tag, if it is inside one) to `end`."""
    at = html.index(start) + len(start)
    if html.rfind("<", 0, at) > html.rfind(">", 0, at):
        at = html.index(">", at) + 1
    return html[at:].split(end)[0]


@pytest.fixture
def year() -> int:
    return selectors.today().year


@pytest.fixture
def last_year_unpaid_by_italy(year) -> Books:
    """Last year assessed and called (due long ago): everyone paid but Italy."""
    books = make_books(first_year=year - 1, last_year=year + 1)
    books.open_year(year - 1, BUDGET, issued_on=dt.date(year - 1, 1, 15))
    for code, amount in (("DE", "400000.00"), ("FR", "300000.00"), ("NL", "100000.00")):
        books.pay(code, amount, on=dt.date(year - 1, 2, 1))
    return books


# -- member states: names, order, money --------------------------------------------------


def test_states_are_named_and_sorted_in_the_readers_language(last_year_unpaid_by_italy):
    """The list of states uses each language's country names, in that language's order."""
    # when the list is read in English, German and French
    orders = {}
    for lang in ("en", "de", "fr"):
        html = page("/portal/states/", lang)
        table = section(html, "<tbody>", "</tbody>")
        orders[lang] = re.findall(r'href="/portal/states/[A-Z]{2}/">([^<]+)</a>', table)
    # then the names are the reader's and sorted by name, not by code (DE, FR, IT, NL)
    assert orders["en"] == ["France", "Germany", "Italy", "Netherlands"]
    assert orders["de"] == ["Deutschland", "Frankreich", "Italien", "Niederlande"]
    assert orders["fr"] == ["Allemagne", "France", "Italie", "Pays-Bas"]


def test_amounts_are_written_the_readers_way(last_year_unpaid_by_italy):
    """Money shows its currency sign and the language's separators, never "30834357.61 EUR"."""
    assert "€200,000.00" in page("/portal/states/IT/", "en")
    assert "200.000,00\xa0€" in page("/portal/states/IT/", "de")
    assert "200\u202f000,00\xa0€" in page("/portal/states/IT/", "fr")
    html = page("/portal/states/DE/")
    payments = section(html, 'id="payments-caption"', "</table>")
    assert "€400,000.00" in payments and "400000.00 EUR" not in payments


# -- arrears and the vote ------------------------------------------------------------------


def test_state_page_explains_arrears_within_the_line(last_year_unpaid_by_italy, year):
    """Italy owes last year's contribution: the page says how much, since when, and why it votes."""
    # when a reader opens Italy's page (CERN rule: the line is this year's and last year's calls)
    html = page("/portal/states/IT/")
    box = text(section(html, 'id="h-vote"', "</div>\n</div>"))
    # then the answer comes first, with the figures and the rule behind it
    assert box.startswith("Voting rights: kept")
    assert (
        f"In arrears since Feb. 15, {year - 1}: €200,000.00 of the contributions for "
        f"{year - 1} are past their due date and still unpaid." in box
    )
    assert "as in the CERN Convention" in box
    assert (
        "The line for this state is €200,000.00: what it was asked to pay for "
        f"{year - 1} and {year} together." in box
    )
    assert "Its arrears are within that line, so it keeps its vote." in box
    # and the list of states does not call it "in good standing" without a word
    row = section(page("/portal/states/"), 'href="/portal/states/IT/"', "</tr>")
    assert "kept, with arrears" in row and "in good standing" not in row


def test_state_page_explains_a_suspension_and_how_to_get_the_vote_back(
    last_year_unpaid_by_italy, settings
):
    """Under Article 19 last year's unpaid call reaches the line: the vote is lost, and the page says why."""
    # given the UN rule and the daily arrears check having run
    settings.FUNDING_ARREARS_RULE = "un_article_19"
    books = last_year_unpaid_by_italy
    funding_services.arrears_check(actor=books.actor, member_state=books.states["IT"])
    # when a reader opens Italy's page
    box = text(section(page("/portal/states/IT/"), 'id="h-vote"', "</div>\n</div>"))
    # then it says the vote is suspended, under which rule, and what it takes to regain it
    assert box.startswith("Voting rights: suspended")
    assert "as in Article 19 of the UN Charter" in box
    assert "Its arrears are over that line, so it has lost its vote." in box
    assert "It gets it back once it has paid at least €0.01 more." in box
    assert "Suspended since" in box
    row = section(page("/portal/states/"), 'href="/portal/states/IT/"', "</tr>")
    assert "suspended" in row


def test_state_page_without_arrears_says_so(last_year_unpaid_by_italy):
    """A state that paid everything due keeps its vote, and the page says there are no arrears."""
    box = text(section(page("/portal/states/DE/"), 'id="h-vote"', "</div>\n</div>"))
    assert box.startswith("Voting rights: kept")
    assert "No arrears: every contribution that has fallen due is paid." in box


def test_state_page_speaks_german(last_year_unpaid_by_italy):
    """The explanation, the status and the council names are German on the German page."""
    c5 = make_council5(with_shares=False)
    decide(c5, "Open-weights policy")
    html = page("/portal/states/IT/", "de")
    assert "<h1>Italien" in html
    assert "Verwaltungsrat" in html  # the council's own German name, not "governing-council"
    assert "governing-council" not in html


# -- compute --------------------------------------------------------------------------------


def test_quota_shows_gpu_hours_and_what_is_left_to_allocate():
    """A state's quota is shown in GPU-hours; what is left is the quota less its allocations."""
    # given Germany's quota with 6,000 GPU-minutes allocated to one project, 120 used
    world = make_world()
    project = world.project("DE")
    world.allocate(project, 6_000)
    UsageDay.objects.create(
        cluster=world.cluster, account=project.code, project=project,
        day=world.period.starts_on, jobs=1, gpu_seconds=7_200,
    )  # fmt: skip
    quota = world.period.quotas.get(member_state__code="DE")
    # when a reader opens the compute page and Germany's page
    for url, row_start in (
        ("/portal/compute/", 'href="/portal/states/DE/"'),
        ("/portal/states/DE/", "?period="),
    ):
        table = section(page(url), 'id="quotas-caption"', "</table>")
        cells = re.findall(r'<td class="num">([^<]*)</td>', section(table, row_start, "</tr>"))
        # then quota, allocated, not yet allocated and used are GPU-hours, and what is left
        # is the quota less what was allocated (it was the quota less what was used)
        left = l10n.gpu_hours(quota.minutes - 6_000)
        assert cells == [l10n.gpu_hours(quota.minutes), "100", left, "2"], url


def test_portal_charts_are_html_rows_that_stay_legible_on_a_phone(last_year_unpaid_by_italy, year):
    """Chart labels are page text (they do not shrink with an SVG), each bar named in words."""
    last_year_unpaid_by_italy.open_year(year, BUDGET, issued_on=dt.date(year, 1, 15))
    make_world()
    for url in ("/portal/", "/portal/compute/"):
        html = page(url)
        assert "<text" not in html, url  # no SVG text that would shrink at 390 px
        chart = section(html, '<ul class="cc-bars"', "</ul>")
        assert ">Italy</a>" in chart and 'aria-hidden="true"' in chart


# -- decisions ------------------------------------------------------------------------------


@pytest.fixture
def c5() -> Council5:
    return make_council5()


def test_decision_page_puts_the_outcome_first_and_names_the_states(c5):
    """The outcome leads in a summary box; the roll call names states in the reader's language."""
    motion = decide(c5, "Open-weights policy", yes=("DE", "FR", "IT"))
    html = page(f"/portal/decisions/{motion.pk}/", "de")
    box = text(section(html, 'class="usa-summary-box"', "</div>\n</div>"))
    assert box.startswith("Ergebnis") or "angenommen" in box
    roll = section(html, 'id="roll-caption"', "</table>")
    names = re.findall(r'href="/portal/states/[A-Z]{2}/">([^<]+)</a>', roll)
    assert names == ["Deutschland", "Frankreich", "Italien", "Niederlande", "Spanien"]
    en = page(f"/portal/decisions/{motion.pk}/")
    assert "Outcome: adopted" in en
    assert en.index("Outcome: adopted") < en.index('id="h-count"') < en.index('id="h-roll"')
    # the checks are numbered steps
    assert en.count('class="usa-process-list__item"') >= 3


def test_decision_page_shows_the_title_in_the_readers_language(c5):
    """Where the secretariat gave a translated title, the German reader gets it."""
    motion = decide(c5, "Open-weights policy")
    Motion.objects.filter(pk=motion.pk).update(
        title_translations={"de": "Richtlinie zu offenen Gewichten"}
    )
    assert "<h1>Richtlinie zu offenen Gewichten</h1>" in page(
        f"/portal/decisions/{motion.pk}/", "de"
    )
    listing = page("/portal/decisions/", "de")
    assert "Richtlinie zu offenen Gewichten" in listing
    assert "<h1>Open-weights policy</h1>" in page(f"/portal/decisions/{motion.pk}/", "en")


def test_times_carry_their_zone(c5):
    """A time on a decision page says in which zone it is."""
    motion = decide(c5, "Open-weights policy")
    html = page(f"/portal/decisions/{motion.pk}/")
    closed = timezone.localtime(motion.closed_at)
    assert f'<time datetime="{motion.closed_at.isoformat()}">' in html
    assert closed.strftime("%Z") in text(section(html, 'id="h-outcome"', "</div>\n</div>"))


# -- the receipt check ----------------------------------------------------------------------


def test_receipt_of_the_counted_ballot_is_counted(c5):
    """A delegation pastes its receipt and reads that it was counted, with its entry and choice."""
    motion = c5.open(title="Open-weights policy")
    receipts = {state: c5.vote(motion, state, "yes").entry_hash for state in ("DE", "FR", "IT")}
    motion = governance_services.motion_publish(actor=c5.sec, motion=c5.close_and_certify(motion))
    # the form is on the decision page, as a GET form (cached pages carry no CSRF token)
    decision = page(f"/portal/decisions/{motion.pk}/")
    assert f'action="/portal/decisions/{motion.pk}/receipt/"' in decision
    assert 'method="get"' in decision and 'name="receipt"' in decision
    # pasted with a space in the middle and in capitals, as copying from a mail may give
    pasted = receipts["FR"][:30].upper() + " " + receipts["FR"][30:]
    html = Client().get(f"/portal/decisions/{motion.pk}/receipt/", {"receipt": pasted})
    assert html.status_code == 200
    answer = text(section(html.content.decode(), 'id="h-answer"', "</section>"))
    assert answer.startswith("Counted")
    assert "the last ballot of France, so it is the one that counted" in answer
    assert "“yes”" in answer and "{" not in answer  # words, not JSON


def test_receipt_of_a_replaced_ballot_says_which_one_counted(c5):
    """A ballot the delegation changed afterwards is in the chain but did not count."""
    motion = c5.open(title="Open-weights policy")
    first = c5.vote(motion, "DE", "no").entry_hash
    c5.vote(motion, "FR", "yes")
    second = c5.vote(motion, "DE", "yes")
    motion = governance_services.motion_publish(actor=c5.sec, motion=c5.close_and_certify(motion))
    html = page(f"/portal/decisions/{motion.pk}/receipt/?receipt={first}")
    answer = text(section(html, 'id="h-answer"', "</section>"))
    assert answer.startswith("In the chain, but replaced by a later ballot")
    assert "This receipt is entry 1 of the published ballot chain" in answer
    assert f"entry {second.seq} is the ballot that counted, not this one" in answer


def test_unknown_and_malformed_receipts(c5):
    """A receipt not in the chain is "not found"; one of another decision points there; a
    malformed one is refused with a message on the field."""
    other = decide(c5, "Budget")
    other_receipt = Motion.objects.get(pk=other.pk).ballots.first().entry_hash
    motion = decide(c5, "Open-weights policy")
    html = page(f"/portal/decisions/{motion.pk}/receipt/?receipt={'ab' * 32}")
    assert text(section(html, 'id="h-answer"', "</section>")).startswith("Not found")
    html = page(f"/portal/decisions/{motion.pk}/receipt/?receipt={other_receipt}")
    assert f"in that of decision {other.reference}" in html
    assert f'href="/portal/decisions/{other.pk}/receipt/?receipt={other_receipt}"' in html
    html = page(f"/portal/decisions/{motion.pk}/receipt/?receipt=not-a-receipt", status=400)
    assert "usa-form-group--error" in html
    assert "This is not a receipt: a receipt has exactly 64 characters" in html


def test_receipt_check_before_publication_is_a_plain_page(c5):
    """Before the decision is published the address answers with words, not a bare 404."""
    motion = c5.open(title="Not yet public")
    receipt = c5.vote(motion, "DE", "yes").entry_hash
    motion = c5.close_and_certify(motion)
    for url in (
        f"/portal/decisions/{motion.pk}/receipt/?receipt={receipt}",
        f"/portal/decisions/{motion.pk}/",
    ):
        html = page(url, status=404)
        assert "This decision is not published yet" in html
        assert "Not yet public" not in html  # nothing of the motion leaks before publication
    assert Client().get("/portal/decisions/999999/receipt/").status_code == 404


def test_a_draft_is_indistinguishable_from_a_motion_that_does_not_exist(c5):
    """Walking the numbers must not reveal that a (perhaps confidential) draft is being prepared."""
    draft = c5.motion(title="Confidential draft")
    for url in (f"/portal/decisions/{draft.pk}/", f"/portal/decisions/{draft.pk}/receipt/"):
        html = page(url, status=404)
        assert "not published yet" not in html
        assert "Confidential draft" not in html


# -- navigation -----------------------------------------------------------------------------


def test_detail_pages_mark_their_parent_and_carry_breadcrumbs(last_year_unpaid_by_italy):
    """A state's page marks "Member states", a decision's "Decisions", each with a trail back."""
    motion = decide(make_council5(with_shares=False), "Open-weights policy")
    cases = [
        ("/portal/states/IT/", "/portal/states/", ["Transparency portal", "Member states", "Italy"]),
        (
            f"/portal/decisions/{motion.pk}/",
            "/portal/decisions/",
            ["Transparency portal", "Decisions", motion.reference],
        ),
        (
            f"/portal/decisions/{motion.pk}/receipt/?receipt={'0' * 64}",
            "/portal/decisions/",
            ["Transparency portal", "Decisions", motion.reference, "Check a receipt"],
        ),
    ]  # fmt: skip
    for url, parent, trail in cases:
        html = page(url)
        subnav = section(html, 'class="cc-subnav"', "</nav>")
        assert re.findall(r'<a href="([^"]+)" aria-current="page">', subnav) == [parent], url
        crumbs = section(html, 'class="usa-breadcrumb"', "</nav>")
        assert [text(c) for c in re.findall(r"<li[^>]*>(.*?)</li>", crumbs)] == trail, url
        assert 'aria-current="page"><span>' + trail[-1] in crumbs


# -- reports --------------------------------------------------------------------------------


def _publish(year: int, language: str, n: int) -> AnnualReport:
    report = AnnualReport(
        year=year, language=language, status="done", sha256=f"{n:064x}", data="{}",
        data_sha256=f"{n + 1:064x}", page_count=12, generated_at=timezone.now(),
        requested_by_label="tests",
    )  # fmt: skip
    report.file.save(f"r-{n}.pdf", ContentFile(b"%PDF-1.7"), save=False)
    report.save()
    return report


def test_reports_archive_offers_each_year_in_each_language():
    """Each year lists English, German and French; a language not made yet says so."""
    en, fr = _publish(2026, "en", 1), _publish(2026, "fr", 2)
    de = _publish(2025, "de", 3)
    html = page("/portal/reports/")
    y2026 = section(html, 'id="h-report-2026"')
    assert f'href="/portal/reports/{en.pk}.pdf" type="application/pdf" hreflang="en"' in y2026
    assert f'href="/portal/reports/{fr.pk}.pdf" type="application/pdf" hreflang="fr"' in y2026
    assert "Not published in German yet." in y2026
    assert en.sha256 in y2026 and fr.data_sha256 in y2026
    y2025 = section(html, 'id="h-report-2025"')
    assert f"/portal/reports/{de.pk}.pdf" in y2025
    assert "Not published in English yet." in y2025 and "Not published in French yet." in y2025
    assert html.index('id="h-report-2026"') < html.index('id="h-report-2025"')
    assert "Deutsch" in y2026 and "Français" in y2026  # each language by its own name


def test_the_demo_reports_task_makes_all_three_languages(last_year_unpaid_by_italy):
    """Asking for "all three languages" queues one report per language through the task."""
    from transparency import services

    books = last_year_unpaid_by_italy
    reports = services.annual_report_request_many(
        actor=books.actor, year=2026, languages=["en", "de", "fr"]
    )
    assert sorted(r.language for r in reports) == ["de", "en", "fr"]


# -- errors ---------------------------------------------------------------------------------


def test_not_found_page_offers_a_way_on():
    """An unknown portal address answers 404 with the layout and links to the main lists."""
    html = page("/portal/nothing-here/", status=404)
    assert "Page not found" in html
    assert 'href="/portal/decisions/"' in html and 'href="/portal/data/"' in html


def test_suspension_by_governance_is_explained_as_such(last_year_unpaid_by_italy):
    """A vote suspended for another reason than arrears shows that reason, not the arrears rule's."""
    system = Actor.system("tests", source=AuditSource.COMMAND)
    governance_services.voting_rights_suspend(
        actor=system,
        member_state=last_year_unpaid_by_italy.states["NL"],
        reason="Sanctions decided by the council.",
    )
    box = text(section(page("/portal/states/NL/"), 'id="h-vote"', "</div>\n</div>"))
    assert box.startswith("Voting rights: suspended")
    assert "Its vote is suspended for this reason: Sanctions decided by the council." in box
