"""The motion page: where it stands, the one valid next step, the viewer's vote and receipt,
the project and documents, the title in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.actors import Actor
from governance import services
from governance.models import Ballot, MotionStatus
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.governance.secret_fixtures import open_legacy_secret
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db
CLOSE_BUTTON = "/step/close/"


def browser(user, *, mfa=True) -> Client:
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    sign_in(client, user, with_mfa=mfa)
    return client


def test_the_step_indicator_shows_where_the_motion_stands_in_one_sentence():
    """Voting open is step 3 of 6, explained; earlier steps complete, later ones to come."""
    c5 = make_council5()
    motion = c5.open()
    html = browser(c5.heads["DE"]).get(f"/motions/{motion.pk}/").content.decode()
    assert "usa-step-indicator" in html
    assert 'aria-current="step"' in html
    assert '<span class="usa-step-indicator__current-step">3</span>' in html
    assert (
        "The delegations vote until the closing time; each may change its vote until then." in html
    )
    assert html.count("usa-step-indicator__segment--complete") == 2
    assert html.count("<h1>") == 1


def test_while_voting_is_open_the_secretary_is_not_offered_a_close_that_would_be_refused():
    """Before the deadline, with delegations still to vote: no close button, and who is missing."""
    # given an open vote in which Germany and France have voted
    c5 = make_council5()
    motion = c5.open()
    c5.vote(motion, "DE", "yes")
    c5.vote(motion, "FR", "no")
    # when the secretary opens the motion
    html = browser(c5.secretary).get(f"/motions/{motion.pk}/").content.decode()
    # then there is no close button, the rule is explained, and the missing states are named
    assert CLOSE_BUTTON not in html
    assert "Before then you can close it only once every delegation has voted" in html
    assert "Turnout: 2 of 5 delegations have voted." in html
    assert "3 delegations have not voted yet:" in html
    for name in ("Italy", "Spain", "Netherlands"):
        assert f"<li>{name}</li>" in html
    assert "<li>Germany</li>" not in html


def test_close_is_offered_once_every_delegation_has_voted_or_the_deadline_passed():
    """Everyone voted: close early. Deadline passed: close. Both are accepted by the service."""
    c5 = make_council5()
    everyone = c5.open(title="Everyone votes")
    for code in c5.states:
        c5.vote(everyone, code, "yes")
    late = c5.expire(c5.open(title="Deadline passes"))
    sec = browser(c5.secretary)
    page = sec.get(f"/motions/{everyone.pk}/").content.decode()
    assert CLOSE_BUTTON in page
    assert "Every delegation has voted: you may close and count before the deadline." in page
    assert "The deadline has passed" in sec.get(f"/motions/{late.pk}/").content.decode()
    sec.post(f"/motions/{everyone.pk}/step/close/")
    everyone.refresh_from_db()
    assert everyone.status == MotionStatus.VOTING_CLOSED


def test_a_delegate_does_not_see_who_has_not_voted_nor_the_secretarys_steps():
    """The list of missing states and the next step are the secretary's."""
    c5 = make_council5()
    motion = c5.open()
    html = browser(c5.heads["DE"]).get(f"/motions/{motion.pk}/").content.decode()
    assert "Your next step" not in html
    assert "have not voted yet:" not in html
    assert "0 of 5 delegations have voted" in html


def test_each_status_offers_only_its_own_next_action():
    """A draft: table (and edit, withdraw); tabled: open; closed: certify; certified: publish."""
    c5 = make_council5()
    sec = browser(c5.secretary)
    draft = c5.motion(title="Draft")
    html = sec.get(f"/motions/{draft.pk}/").content.decode()
    assert "/step/table/" in html
    assert f"/motions/{draft.pk}/edit/" in html
    assert f"/motions/{draft.pk}/withdraw/" in html
    assert "/step/open/" not in html and "/step/certify/" not in html
    certified = c5.close_and_certify(c5.open(title="Certified"))
    html = sec.get(f"/motions/{certified.pk}/").content.decode()
    assert "/step/publish/" in html
    assert "/step/certify/" not in html and CLOSE_BUTTON not in html
    assert f"/motions/{certified.pk}/withdraw/" not in html


def test_withdraw_is_an_outline_button_leading_to_a_confirmation():
    """Withdrawing is not a primary button on the motion page, and needs its own page."""
    c5 = make_council5()
    draft = c5.motion(title="Draft")
    html = browser(c5.secretary).get(f"/motions/{draft.pk}/").content.decode()
    assert (
        f'<a class="usa-button usa-button--outline" href="/motions/{draft.pk}/withdraw/">'
    ) in html


def test_the_motion_page_shows_how_the_viewers_state_voted_with_its_receipt():
    """A roll-call vote: the choice and the receipt from the chain, on every later visit."""
    # given Germany voted yes
    c5 = make_council5()
    motion = c5.open()
    c5.vote(motion, "DE", "yes")
    ballot = Ballot.objects.get(motion=motion, tag="DE")
    # when the German head comes back to the motion
    html = browser(c5.heads["DE"]).get(f"/motions/{motion.pk}/").content.decode()
    # then the page says how Germany voted and shows its receipt
    assert "Germany voted YES." in html
    assert ballot.entry_hash in html
    assert f"entry {ballot.seq} of the ballot chain" in html
    # and another state's delegate sees neither
    fr = browser(c5.heads["FR"]).get(f"/motions/{motion.pk}/").content.decode()
    assert ballot.entry_hash not in fr
    assert "Germany voted" not in fr


def test_a_secret_ballot_shows_only_that_the_state_voted_and_its_receipt_until_the_close():
    """A secret ballot: no choice on the page; the receipt while open, not after the key is gone."""
    c5 = make_council5()
    motion = open_legacy_secret(c5)  # pre-issue-16 secret votes keep their path
    c5.vote(motion, "DE", "no")
    ballot = Ballot.objects.get(motion=motion)
    de = browser(c5.heads["DE"])
    html = de.get(f"/motions/{motion.pk}/").content.decode()
    assert "Germany has voted. This is a secret ballot" in html
    assert ballot.entry_hash in html
    assert "voted NO" not in html
    # after the close the key is erased: nobody can tell which ballot is Germany's
    motion = c5.expire(motion)
    services.motion_close(actor=c5.sec, motion=motion)
    html = de.get(f"/motions/{motion.pk}/").content.decode()
    assert "Germany has voted." in html
    assert ballot.entry_hash not in html.split('id="h-own"')[1].split("</section>")[0]
    assert "can no longer be looked up here" in html


def test_the_project_is_a_link_to_its_proposal_and_the_documents_are_listed():
    """A project approval links its proposal page, which delegates of the council may read."""
    # given a project-approval motion with an attached document
    c5 = make_council5()
    lead = Actor.for_user(UserFactory(username="lead"), source="web", mfa_verified=True)
    project = services.project_submit(
        actor=lead, title="OpenProof", abstract="Machine-checked proofs.",
        host_institution="INRIA", host_state=c5.states["FR"], gpu_hours_requested=300_000,
        period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 6, 30),
        safety_self_assessment="Narrow domain.",
    )  # fmt: skip
    motion = c5.motion(kind="project_approval", project=project, title="Approve OpenProof")
    services.motion_document_add(
        actor=c5.sec,
        motion=motion,
        title="Opinion of the Scientific Council",
        file=SimpleUploadedFile("opinion.txt", b"In favour."),
    )
    outsider = browser(UserFactory(username="outsider"))
    # a draft's proposal is for the council's delegates and the secretariat only
    assert outsider.get(f"/projects/{project.code}/").status_code == 404
    services.motion_table(actor=c5.sec, motion=motion)
    de = browser(c5.heads["DE"])
    # when a delegate reads the motion
    html = de.get(f"/motions/{motion.pk}/").content.decode()
    # then the project links to its proposal, and the documents are listed, not "No documents"
    assert f'href="/projects/{project.code}/"' in html
    assert "Opinion of the Scientific Council" in html
    assert "No documents." not in html
    proposal = de.get(f"/projects/{project.code}/")
    assert proposal.status_code == 200
    assert "Machine-checked proofs." in proposal.content.decode()
    assert "300,000" in proposal.content.decode()
    # and once tabled, the proposal is readable by whoever may read the motion
    assert outsider.get(f"/projects/{project.code}/").status_code == 200


def test_one_councils_secretary_does_not_read_every_proposal():
    """Only the whole secretariat reads proposals no motion of theirs is about."""
    from tests.factories import CouncilFactory, StaffRoleFactory

    c5 = make_council5()
    lead = Actor.for_user(UserFactory(username="lead"), source="web", mfa_verified=True)
    project = services.project_submit(
        actor=lead, title="Quiet", abstract="Not yet before any council.",
        host_institution="INRIA", host_state=c5.states["FR"], gpu_hours_requested=1_000,
        period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 6, 30),
        safety_self_assessment="Narrow domain.",
    )  # fmt: skip
    other = StaffRoleFactory(user=UserFactory(username="fc-sec"), council=CouncilFactory())
    # a secretary of another council only: no motion of theirs is about it
    assert browser(other.user).get(f"/projects/{project.code}/").status_code == 404
    # the council-wide secretariat reads it
    assert browser(c5.sec.user).get(f"/projects/{project.code}/").status_code == 200


def test_the_title_is_shown_in_the_readers_language():
    """A German reader sees the German title the secretariat gave; the filed title stays listed."""
    c5 = make_council5()
    motion = c5.open(
        title="Adopt the work programme",
        title_translations={"de": "Annahme des Arbeitsprogramms", "fr": "Adoption du programme"},
    )
    de = browser(c5.heads["DE"])
    de.post("/i18n/setlang/", {"language": "de", "next": "/"})
    html = de.get(f"/motions/{motion.pk}/").content.decode()
    assert "<h1>Annahme des Arbeitsprogramms</h1>" in html
    assert "Adopt the work programme" in html  # the title as filed
    listing = de.get("/my/votes/").content.decode()
    assert "Annahme des Arbeitsprogramms" in listing


def test_times_carry_their_zone():
    """Opening and closing times are written with the zone they are in."""
    c5 = make_council5()
    motion = c5.open()
    html = browser(c5.heads["DE"]).get(f"/motions/{motion.pk}/").content.decode()
    closes = html.split("Voting closes</dt><dd>")[1].split("</dd>")[0]
    assert "<time datetime=" in closes
    assert "CET" in closes or "CEST" in closes
