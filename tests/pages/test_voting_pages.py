"""Voting in the browser: open votes, the motion page, confirmation, receipt, the secretary's steps."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from governance.models import Ballot, MotionStatus
from tests.conftest import sign_in
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


def browser(user, *, mfa=True) -> Client:
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    sign_in(client, user, with_mfa=mfa)
    return client


def test_delegate_votes_with_a_confirmation_step_and_gets_a_receipt():
    """Choose, confirm, and the receipt is shown; nothing is cast before the confirmation."""
    # given
    c5 = make_council5()
    motion = c5.open(title="Open-weights policy")
    de = browser(c5.heads["DE"])
    listing = de.get("/my/votes/").content.decode()
    assert "Open-weights policy" in listing
    page = de.get(f"/motions/{motion.pk}/").content.decode()
    assert 'name="choice" value="yes"' in page
    assert "A simple majority" in page
    # when the delegate chooses yes
    confirm = de.post(f"/motions/{motion.pk}/vote/", {"member_state": "DE", "choice": "yes"})
    # then nothing is cast yet, and the confirmation says what will be cast
    assert confirm.status_code == 200
    assert "YES" in confirm.content.decode()
    assert not Ballot.objects.filter(motion=motion).exists()
    receipt = de.post(
        f"/motions/{motion.pk}/vote/", {"member_state": "DE", "choice": "yes", "confirmed": "yes"}
    )
    ballot = Ballot.objects.get(motion=motion)
    assert ballot.entry_hash in receipt.content.decode()
    assert ballot.choice == "yes"


def test_vote_page_without_second_factor_says_so_and_refuses():
    """A delegate signed in without the code sees why and the vote is refused on the server."""
    c5 = make_council5()
    motion = c5.open()
    de = browser(c5.heads["DE"], mfa=False)
    page = de.get(f"/motions/{motion.pk}/").content.decode()
    assert "Voting needs a second factor" in page
    response = de.post(
        f"/motions/{motion.pk}/vote/",
        {"member_state": "DE", "choice": "yes", "confirmed": "yes"},
        follow=True,
    )
    assert "second factor" in response.content.decode()
    assert not Ballot.objects.filter(motion=motion).exists()


def test_secretary_runs_the_vote_from_the_pages_and_certifies_with_the_count_shown():
    """The secretary drafts, tables, opens, closes; the count is shown before certifying."""
    c5 = make_council5()
    sec = browser(c5.secretary)
    created = sec.post(
        "/secretariat/motions/new/",
        {
            "council": "governing-council",
            "kind": "general",
            "title": "Data policy",
            "text": "Adopt it.",
            "opens_at": "2030-01-01T10:00",
            "closes_at": "2030-01-03T10:00",
            "procedure": "ordinary",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    motion_url = created["Location"]
    motion_id = int(motion_url.strip("/").split("/")[-1])
    for step in ("table", "open"):
        sec.post(f"/motions/{motion_id}/step/{step}/")
    from governance.models import Motion

    motion = Motion.objects.get(pk=motion_id)
    assert motion.status == MotionStatus.VOTING_OPEN
    for code in ("DE", "FR", "IT", "ES", "NL"):
        c5.vote(motion, code, "no" if code == "NL" else "yes")
    sec.post(f"/motions/{motion_id}/step/close/")
    page = sec.get(motion_url).content.decode()
    assert "Roll call" in page
    assert "The arithmetic" in page
    assert "Certify the result" in page
    refused = sec.post(f"/motions/{motion_id}/step/certify/", follow=True)
    assert "Tick the box" in refused.content.decode()
    sec.post(f"/motions/{motion_id}/step/certify/", {"confirm": "on"})
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CERTIFIED
    assert motion.outcome == "adopted"


def test_delegate_cannot_reach_the_secretariat():
    """The secretariat page is for secretaries."""
    c5 = make_council5()
    assert browser(c5.heads["DE"]).get("/secretariat/").status_code == 403


def test_secretary_form_reports_bad_times_on_the_field():
    """A vote window too short for the ordinary procedure is reported next to the closing time."""
    c5 = make_council5()
    page = (
        browser(c5.secretary)
        .post(
            "/secretariat/motions/new/",
            {
                "council": "governing-council",
                "kind": "general",
                "title": "x",
                "text": "x",
                "opens_at": "2030-01-01T10:00",
                "closes_at": "2030-01-01T11:00",
                "procedure": "ordinary",
            },
        )
        .content.decode()
    )
    assert "at least 24 hours" in page
    assert 'id="id_closes_at-error"' in page


def test_staff_read_voting_records_in_the_admin_but_cannot_change_them():
    """The admin lists motions and counted ballots read-only."""
    c5 = make_council5()
    motion = c5.open()
    c5.vote(motion, "DE", "yes")
    c5.secretary.is_staff = c5.secretary.is_superuser = True
    c5.secretary.save()
    admin = browser(c5.secretary)
    assert motion.reference in admin.get("/admin/governance/motion/").content.decode()
    assert admin.get("/admin/governance/motion/add/").status_code == 403
    # the ballots of a vote still open are not listed, so no running score can be read
    assert Ballot.objects.filter(motion=motion).exists()
    assert (
        "DE"
        not in admin.get("/admin/governance/ballot/")
        .content.decode()
        .split("<tbody>")[-1]
        .split("</tbody>")[0]
    )


def test_secretariat_link_only_for_secretaries():
    """The header shows the Secretariat to secretaries, not to delegates."""
    c5 = make_council5()
    assert 'href="/secretariat/"' in browser(c5.secretary).get("/").content.decode()
    assert 'href="/secretariat/"' not in browser(c5.heads["DE"]).get("/").content.decode()


def test_the_confirmation_says_the_cast_is_final_and_the_receipt_links_the_public_check():
    """Confirm before the irreversible cast; the receipt is copyable and links the portal's check."""
    c5 = make_council5()
    motion = c5.open(title="Open-weights policy")
    de = browser(c5.heads["DE"])
    confirm = de.post(f"/motions/{motion.pk}/vote/", {"member_state": "DE", "choice": "no"})
    html = confirm.content.decode()
    assert "Confirm your vote" in html
    assert "enters the ballot chain for good" in html
    assert "Germany" in html
    assert "Go back without voting" in html
    receipt = de.post(
        f"/motions/{motion.pk}/vote/", {"member_state": "DE", "choice": "no", "confirmed": "yes"}
    ).content.decode()
    ballot = Ballot.objects.get(motion=motion)
    assert f'readonly value="{ballot.entry_hash}"' in receipt
    assert f'href="/portal/decisions/{motion.pk}/receipt/?receipt={ballot.entry_hash}"' in receipt
    assert "shows your state's vote and this receipt again" in receipt
