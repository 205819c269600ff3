"""A counted vote on the pages, the feed, the API and open data: in words, in the reader's language."""

from __future__ import annotations

import csv
import io
import json
from html import unescape
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from governance import services
from governance.models import Motion
from tests.conftest import sign_in
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db
LEGACY = json.loads(
    (Path(__file__).parents[1] / "governance" / "data" / "legacy_tallies.json").read_text("utf-8")
)
LEAD = "Adopted: 3 yes to 2 no, so 60% of the votes for or against were yes; more than 50% were needed."


def decide(c5: Council5, yes: tuple[str, ...] = ("DE", "FR", "IT")) -> Motion:
    motion = c5.open(title="Open-weights policy")
    for state in ("DE", "FR", "IT", "ES", "NL"):
        c5.vote(motion, state, "yes" if state in yes else "no")
    motion = c5.close_and_certify(motion)
    return services.motion_publish(actor=c5.sec, motion=motion)


def text(html: str) -> str:
    return " ".join(unescape(html).split())


def test_the_decision_page_says_the_result_and_each_test_in_words():
    """The portal's decision page leads with the result and shows needed and got as percentages."""
    # given
    motion = decide(make_council5())
    # when
    html = text(Client().get(f"/portal/decisions/{motion.pk}/").content.decode())
    # then
    assert f'<p class="lead">{LEAD}</p>' in html
    assert "Yes among the votes for and against" in html
    assert "more than 50%" in html
    assert "3 of 5" in html
    assert "<summary>Exact figures</summary>" in html
    assert "to spare" not in html
    assert "A simple majority of the members represented and voting" in html


def test_a_vote_closed_by_the_first_release_still_shows_its_result():
    """A tally stored before tests carried codes renders from what was stored, in words."""
    # given a published decision whose stored tally is in the first release's form
    motion = decide(make_council5())
    Motion.objects.filter(pk=motion.pk).update(tally=LEGACY["budget_adopted"])
    # when
    html = text(Client().get(f"/portal/decisions/{motion.pk}/").content.decode())
    # then
    assert "the states voting yes hold 99.4% of the members' contribution shares" in html
    assert "32.7 percentage points more of the contributions than needed" in html
    assert "Contributions of the states voting yes" in html


def test_the_decision_page_in_german_speaks_german():
    """A German reader gets the result and its arithmetic in German (needs the de catalogue)."""
    # given
    motion = decide(make_council5())
    # when
    html = text(
        Client(HTTP_ACCEPT_LANGUAGE="de").get(f"/portal/decisions/{motion.pk}/").content.decode()
    )
    # then
    assert "Angenommen: 3 Ja- zu 2 Nein-Stimmen" in html
    assert "Ja unter den Ja- und Nein-Stimmen" in html
    assert "Adopted" not in html


def test_the_motion_page_shows_the_result_to_a_delegate():
    """After closing, the motion page leads its result section with the sentence in words."""
    # given
    c5 = make_council5()
    motion = decide(c5)
    TOTP.activate(c5.heads["DE"], generate_totp_secret())
    client = Client()
    sign_in(client, c5.heads["DE"], with_mfa=True)
    # when
    html = text(client.get(f"/motions/{motion.pk}/").content.decode())
    # then
    assert f'<p class="lead">{LEAD}</p>' in html
    assert "Had one state voting yes voted no instead, the motion would have failed." in html


def test_the_feed_describes_each_decision_in_words():
    """The Atom feed's entries carry the result sentence, not the stored English shorthand."""
    # given
    decide(make_council5())
    # when
    feed = Client().get("/portal/feed/decisions.atom").content.decode()
    # then
    assert "3 yes to 2 no" in feed
    assert "to spare" not in feed


def test_the_api_gives_the_verdict_as_data_and_in_words(api_as):
    """The motion API keeps its fields and adds the rule's terms and the verdict, in no language."""
    # given
    c5 = make_council5()
    motion = decide(c5)
    client = api_as(c5.secretary, with_mfa=False)
    # when
    body = client.get(f"/api/v1/motions/{motion.pk}/").json()
    # then
    assert body["tally"]["summary"] == "adopted with no state to spare"  # stored, unchanged
    assert body["rule_in_words"].startswith("A simple majority")
    assert body["rule_terms"]["requirements"] == [
        {"code": "share_of_voting_yes", "threshold": "1/2", "strict": True}
    ]
    assert body["verdict"] == {
        "outcome": "adopted",
        "reason": "met",
        "failed": [],
        "margin": {"states": 0, "weighted_test": None, "weighted_share": None, "headcount": None},
    }
    assert body["summary_in_words"].startswith(LEAD)


def test_open_data_adds_the_verdict_in_columns():
    """The decisions table keeps its columns and adds the reason, failed tests and margins."""
    # given
    c5 = make_council5()
    decide(c5)
    decide(c5, yes=("DE",))
    # when
    rows = list(
        csv.DictReader(io.StringIO(Client().get("/portal/data/decisions.csv").content.decode()))
    )
    # then
    assert [
        (r["outcome"], r["outcome_reason"], r["failed_tests"], r["margin_states"]) for r in rows
    ] == [
        ("rejected", "not_met", "share_of_voting_yes", "-2"),
        ("adopted", "met", "", "0"),
    ]
    assert rows[0]["summary"].startswith("rejected")
    assert rows[0]["rule_in_words"].startswith("A simple majority")
