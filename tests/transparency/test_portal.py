"""The public portal: decisions, safety, open data and the feed, without sign-in, cached."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.actors import Actor
from governance import services
from tests.factories import StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db
SECRET = "PLANTED-conf1dential-string-93b1"


def decide(c5: Council5, title: str, yes: tuple[str, ...] = ("DE", "FR", "IT")) -> object:
    motion = c5.open(title=title)
    for state in ("DE", "FR", "IT", "ES", "NL"):
        c5.vote(motion, state, "yes" if state in yes else "no")
    motion = c5.close_and_certify(motion)
    return services.motion_publish(actor=c5.sec, motion=motion)


@pytest.fixture
def c5():
    return make_council5()


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "Decisions"), ("de", "Beschlüsse"), ("fr", "Décisions")]
)
def test_pages_load_without_sign_in_in_each_language(c5, lang, word):
    """Every portal page answers 200 to an anonymous visitor, in English, German and French."""
    motion = decide(c5, "Open-weights policy")
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    for url in (
        "/portal/",
        "/portal/decisions/",
        f"/portal/decisions/{motion.pk}/",
        "/portal/safety/",
        "/portal/data/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}">' in response.content.decode()
    assert word in client.get("/portal/decisions/").content.decode()


def test_decision_page_shows_rule_arithmetic_roll_call_and_hashes(c5):
    """A decision shows the rule in words, the count, each state's vote and how to verify."""
    motion = decide(c5, "Open-weights policy")
    html = Client().get(f"/portal/decisions/{motion.pk}/").content.decode()
    assert "A simple majority" in html
    assert motion.electorate.sha256 in html
    assert motion.chain_head in html
    assert '>Spain</a> <span class="muted">ES</span></th><td>no</td>' in html.replace("\n", "")


def test_unpublished_motions_stay_off_the_portal(c5):
    """A certified but unpublished decision is not shown."""
    motion = c5.open(title="Not yet public")
    c5.vote(motion, "DE", "yes")
    motion = c5.close_and_certify(motion)
    assert Client().get(f"/portal/decisions/{motion.pk}/").status_code == 404
    assert "Not yet public" not in Client().get("/portal/decisions/").content.decode()


def test_open_data_as_csv_and_json(c5):
    """The decisions table downloads as CSV and JSON with the same rows."""
    decide(c5, "First")
    decide(c5, "Second", yes=("DE",))
    client = Client()
    rows = list(
        csv.DictReader(io.StringIO(client.get("/portal/data/decisions.csv").content.decode()))
    )
    assert [r["title"] for r in rows] == ["Second", "First"]
    assert rows[0]["outcome"] == "rejected"
    data = client.get("/portal/data/decisions.json").json()
    assert [d["reference"] for d in data] == [r["reference"] for r in rows]
    chain = list(
        csv.DictReader(io.StringIO(client.get("/portal/data/ballot_chains.csv").content.decode()))
    )
    assert len(chain) == 10
    assert client.get("/portal/data/nothing.csv").status_code == 404


def test_atom_feed_lists_decisions(c5):
    """The feed is Atom and names each decision."""
    decide(c5, "Open-weights policy")
    response = Client().get("/portal/feed/decisions.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Open-weights policy" in response.content.decode()


def test_pages_are_cached_and_invalidated_by_a_change(c5, django_capture_on_commit_callbacks):
    """The second visit is served from the cache; a new decision makes the page fresh again."""
    decide(c5, "First")
    client = Client()
    assert client.get("/portal/decisions/")["X-Portal-Cache"] == "miss"
    assert client.get("/portal/decisions/")["X-Portal-Cache"] == "hit"
    with CaptureQueriesContext(connection) as ctx:
        client.get("/portal/decisions/")
    assert (
        len(ctx.captured_queries) <= 2
    )  # session/auth lookups at most; the page itself costs none
    # a new decision commits audit rows, whose on-commit hook moves the portal's version
    with django_capture_on_commit_callbacks(execute=True):
        decide(c5, "Second")
    page = client.get("/portal/decisions/")
    assert page["X-Portal-Cache"] == "miss"
    assert "Second" in page.content.decode()


def test_nothing_confidential_reaches_any_public_output(c5):
    """A unique string planted in every confidential field appears on no public page, data file or feed."""
    board = c5
    officer = UserFactory(username="officer", first_name=SECRET, last_name=SECRET)
    StaffRoleFactory(user=officer, role="safety_officer")
    lead = Actor.for_user(UserFactory(username="lead"), source="web", mfa_verified=True)
    project = services.project_submit(
        actor=lead, title="Frontier-9", abstract="x", host_institution="CNRS", host_state=board.states["FR"],
        gpu_hours_requested=1000, period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 6, 30),
        safety_self_assessment="x",
    )  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.escalation_raise(
        actor=Actor.for_user(officer, source="web", mfa_verified=True), projects=[project], severity="high",
        confidential_account=SECRET, public_summary="Public words only.", proposed_measure="freeze",
        evidence=[(SECRET, SimpleUploadedFile(f"{SECRET}.txt", SECRET.encode()))],
    )  # fmt: skip
    decide(c5, "Open-weights policy")
    client = Client()
    urls = [
        "/portal/",
        "/portal/decisions/",
        "/portal/safety/",
        "/portal/data/",
        "/portal/feed/decisions.atom",
    ]
    urls += [
        f"/portal/data/{name}.{fmt}"
        for name in ("decisions", "roll_calls", "ballot_chains", "electorates")
        for fmt in ("csv", "json")
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert SECRET not in body, url
    assert "Public words only." in client.get("/portal/safety/").content.decode()


def test_anyone_can_recompute_from_the_downloads(c5, tmp_path):
    """The recompute command, fed only the portal's downloads, agrees; a forged figure is caught."""
    import json

    from transparency import recompute

    decide(c5, "First")
    decide(c5, "Second", yes=("DE",))
    client = Client()
    for name in ("decisions", "roll_calls", "ballot_chains", "electorates", "decision_log"):
        (tmp_path / f"{name}.json").write_text(
            client.get(f"/portal/data/{name}.json").content.decode()
        )
    lines: list[str] = []
    assert recompute.check_decisions(tmp_path, lines.append) == 0
    assert lines[-1] == "2 decision(s) recomputed, 0 difference(s)."
    # forge a published figure, as a careless or dishonest publisher might
    decisions = json.loads((tmp_path / "decisions.json").read_text())
    decisions[0]["yes"] = decisions[0]["yes"] + 1
    (tmp_path / "decisions.json").write_text(json.dumps(decisions))
    lines.clear()
    assert recompute.check_decisions(tmp_path, lines.append) == 1
    assert "recount gives yes" in lines[0]


def test_chain_file_download_verifies_with_the_published_electorate_hash(c5):
    """The chain text file re-walks from the electorate hash to the published head."""
    from governance import chain

    motion = decide(c5, "Open-weights policy")
    response = Client().get(f"/portal/decisions/{motion.pk}/chain.txt")
    lines = response.content.splitlines(keepends=True)
    check = chain.walk_lines(response["X-Electorate-SHA256"], lines)
    assert check.ok
    assert check.head == motion.chain_head
    assert check.current == {"DE": "yes", "FR": "yes", "IT": "yes", "ES": "no", "NL": "no"}


def test_compute_page_shows_quotas_with_a_chart_and_its_table(db):
    """The public compute page draws quotas as named HTML bars, with the figures in a table."""
    from core import l10n
    from tests.compute.conftest import make_world

    world = make_world()
    project = world.project("DE", hours=100)
    world.allocate(project)
    html = Client().get("/portal/compute/").content.decode()
    chart = html[html.index('<ul class="cc-bars"') :].split("</ul>")[0]
    assert ">Germany</a>" in chart and ">Facility programme<" in chart
    assert project.code in html
    quota = world.period.quotas.get(member_state__code="DE")
    assert f"{l10n.gpu_hours(quota.minutes)} GPU-hours" in chart


def test_quotas_recompute_from_the_published_split_inputs(db, tmp_path):
    """Anyone recomputes the national quotas from the open data; a forged quota is caught."""
    import json

    from tests.compute.conftest import make_world
    from transparency import recompute

    make_world()
    (tmp_path / "quotas.json").write_text(Client().get("/portal/data/quotas.json").content.decode())
    lines: list[str] = []
    assert recompute.check_quotas(tmp_path, lines.append) == 0
    assert lines[-1] == "1 quota split(s) recomputed, 0 difference(s)."
    rows = json.loads((tmp_path / "quotas.json").read_text())
    rows[0]["minutes"] += 1
    (tmp_path / "quotas.json").write_text(json.dumps(rows))
    assert recompute.check_quotas(tmp_path, lines.append) == 1
