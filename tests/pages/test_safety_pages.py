"""Safety pages: raising, the recorded reading of the confidential part, the chair's freeze, the vote."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from core.actors import Actor
from core.models import AuditEvent
from governance import services
from governance.models import Escalation, FreezeStatus, InterimFreeze, Motion
from tests.conftest import sign_in
from tests.factories import StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db
SECRET = "PLANTED-c0nf1dent1al-42"


def browser(user, *, mfa=True) -> Client:
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    sign_in(client, user, with_mfa=mfa)
    return client


@pytest.fixture
def world():
    c5 = make_council5(code="safety-board", kind="safety_board")
    c5.chair = UserFactory(username="chair")
    services.council_chair_set(actor=Actor.system("t"), council=c5.council, user=c5.chair)
    c5.officer = UserFactory(username="officer")
    StaffRoleFactory(user=c5.officer, role="safety_officer")
    lead = Actor.for_user(UserFactory(username="lead"), source="web", mfa_verified=True)
    c5.project = services.project_submit(
        actor=lead, title="Frontier-9", abstract="x",
        host_institution="CNRS", host_state=c5.states["FR"], gpu_hours_requested=1000,
        period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 6, 30), safety_self_assessment="x",
    )  # fmt: skip
    return c5


def test_officer_raises_an_escalation_from_the_page(world):
    """The form takes the projects, the measure, the public summary and the confidential account."""
    page = browser(world.officer).post(
        "/safety/",
        {
            "projects": [world.project.code], "severity": "high", "proposed_measure": "freeze",
            "public_summary": "Evaluation flagged a capability.", "confidential_account": SECRET,
        },
    )  # fmt: skip
    assert page.status_code == 302, page.content.decode()[:3000]
    escalation = Escalation.objects.get()
    assert escalation.confidential_account == SECRET


def test_confidential_part_is_shown_only_on_request_and_each_reading_is_recorded(world):
    """Board delegates see it after asking; a plain signed-in user never sees it."""
    escalation = services.escalation_raise(
        actor=Actor.for_user(world.officer, source="web", mfa_verified=True), projects=[world.project],
        severity="high", confidential_account=SECRET, public_summary="Public words.", proposed_measure="freeze",
    )  # fmt: skip
    url = f"/safety/escalations/{escalation.pk}/"
    de = browser(world.heads["DE"])
    assert SECRET not in de.get(url).content.decode()
    shown = de.get(url + "?show=confidential").content.decode()
    assert SECRET in shown
    assert (
        AuditEvent.objects.filter(
            action="escalation.confidential_read", actor=world.heads["DE"]
        ).count()
        == 1
    )
    outsider = browser(UserFactory(username="outsider"))
    for page in (url, url + "?show=confidential", "/safety/"):
        assert SECRET not in outsider.get(page).content.decode()
    assert not AuditEvent.objects.filter(
        action="escalation.confidential_read", actor__username="outsider"
    ).exists()


def test_chair_orders_the_freeze_with_a_confirmation_and_the_secretary_puts_it_to_the_vote(world):
    """The freeze needs the box ticked; then the secretary drafts the vote with the low bar."""
    escalation = services.escalation_raise(
        actor=Actor.for_user(world.officer, source="web", mfa_verified=True), projects=[world.project],
        severity="critical", confidential_account=SECRET, public_summary="Public words.", proposed_measure="freeze",
    )  # fmt: skip
    chair = browser(world.chair)
    base = f"/safety/escalations/{escalation.pk}/"
    assert "Tick the box" in chair.post(base + "freeze/", follow=True).content.decode()
    assert not InterimFreeze.objects.exists()
    done = chair.post(base + "freeze/", {"confirm": "on"}, follow=True).content.decode()
    assert "lapses at" in done
    assert InterimFreeze.objects.get().status == FreezeStatus.ACTIVE
    world.secretary.save()
    sec = browser(world.secretary)
    created = sec.post(
        base + "motion/", {"measure": "freeze", "hours": 48, "procedure": "ordinary"}
    )
    assert created.status_code == 302
    motion = Motion.objects.get(escalation=escalation)
    assert motion.rule["threshold"] == "1/3"


def test_a_delegate_cannot_order_a_freeze(world):
    """Only the chair may freeze."""
    escalation = services.escalation_raise(
        actor=Actor.for_user(world.officer, source="web", mfa_verified=True), projects=[world.project],
        severity="low", confidential_account="x", public_summary="y", proposed_measure="freeze",
    )  # fmt: skip
    page = browser(world.heads["DE"]).post(
        f"/safety/escalations/{escalation.pk}/freeze/", {"confirm": "on"}, follow=True
    )
    assert "Only the chair" in page.content.decode()
    assert not InterimFreeze.objects.exists()


def test_after_raising_an_escalation_its_page_says_what_happens_next_and_who_acts(world):
    """Who votes under which bar, who may freeze and for how long, the review: with names."""
    # given the Board's secretary has a name, and an officer raises an escalation from the page
    world.secretary.first_name, world.secretary.last_name = "Sofia", "Lindqvist"
    world.secretary.save()
    world.chair.first_name, world.chair.last_name = "Ingrid", "Halvorsen"
    world.chair.save()
    officer = browser(world.officer)
    raised = officer.post(
        "/safety/",
        {
            "projects": [world.project.code], "severity": "high", "proposed_measure": "raise_level",
            "proposed_level": 3, "public_summary": "Evaluation flagged a capability.",
            "confidential_account": SECRET,
        },
        follow=True,
    )  # fmt: skip
    html = raised.content.decode()
    # then the page it lands on says what happens next and who acts
    assert "What happens next" in html
    assert "The Safety Board votes on the measure" in html
    assert "Who acts: Sofia Lindqvist" in html
    assert "No vote has been drafted yet." in html
    assert "so the bar is low" in html
    assert "The freeze lapses after 72 hours unless a certified vote confirms it." in html
    assert "Who acts: Ingrid Halvorsen" in html
    assert "does not vote on it: France" in html  # the host nation is recused
    assert "review after 6 months" in html


def test_the_freeze_checkbox_is_a_statement_with_a_hint(world):
    """The chair confirms a clear statement; what the freeze does is the hint beside it."""
    escalation = services.escalation_raise(
        actor=Actor.for_user(world.officer, source="web", mfa_verified=True), projects=[world.project],
        severity="critical", confidential_account=SECRET, public_summary="Public words.", proposed_measure="freeze",
    )  # fmt: skip
    html = browser(world.chair).get(f"/safety/escalations/{escalation.pk}/").content.decode()
    assert 'class="usa-checkbox__input" type="checkbox" id="confirm-freeze"' in html
    assert "I confirm that the compute of these projects must stop now." in html
    assert 'aria-describedby="confirm-freeze-hint"' in html
    assert "Running jobs are held and new jobs refused at once." in html


def test_after_a_freeze_the_secretary_is_led_to_a_prefilled_confirming_motion(world):
    """Under a freeze nobody has put to the vote: a button to the form, prefilled to confirm it."""
    # given the chair froze the projects
    escalation = services.escalation_raise(
        actor=Actor.for_user(world.officer, source="web", mfa_verified=True), projects=[world.project],
        severity="critical", confidential_account=SECRET, public_summary="Public words.",
        proposed_measure="raise_level", proposed_level=3,
    )  # fmt: skip
    services.interim_freeze_order(
        actor=Actor.for_user(world.chair, source="web", mfa_verified=True), escalation=escalation
    )
    url = f"/safety/escalations/{escalation.pk}/"
    # when the Board's secretary opens the escalation
    sec = browser(world.secretary)
    html = sec.get(url).content.decode()
    # then a button leads to the motion form, prefilled with the freeze and a window before the lapse
    assert '<a class="usa-button" href="#h-motion">Draft the confirming motion</a>' in html
    assert "Draft the motion confirming the freeze" in html
    assert '<option value="freeze" selected>' in html
    assert 'name="hours" value="48"' in html
    # and the chair, who cannot draft, is told who does
    chair_html = browser(world.chair).get(url).content.decode()
    assert "the Board's secretary drafts it" in chair_html
    # and the secretary's dashboard lists it as needing action
    assert "no motion confirms it yet" in sec.get("/my/").content.decode()
    # when the draft is made from the prefilled form
    created = sec.post(url + "motion/", {"measure": "freeze", "hours": 48, "procedure": "ordinary"})
    assert created.status_code == 302
    motion = Motion.objects.get(escalation=escalation)
    assert motion.safety_measure == "freeze"
    assert motion.closes_at < InterimFreeze.objects.get().lapses_at
    # then the button is gone: a motion now exists
    assert "Draft the confirming motion</a>" not in sec.get(url).content.decode()


def test_a_delegate_outside_the_board_gets_no_drafting_form(world):
    """The motion form is the Board's secretary's only."""
    escalation = services.escalation_raise(
        actor=Actor.for_user(world.officer, source="web", mfa_verified=True), projects=[world.project],
        severity="low", confidential_account="x", public_summary="y", proposed_measure="freeze",
    )  # fmt: skip
    html = browser(world.heads["DE"]).get(f"/safety/escalations/{escalation.pk}/").content.decode()
    assert "Create the draft motion" not in html
    refused = browser(UserFactory(username="stranger")).post(
        f"/safety/escalations/{escalation.pk}/motion/",
        {"measure": "freeze", "hours": 48, "procedure": "ordinary"},
        follow=True,
    )
    assert not Motion.objects.filter(escalation=escalation).exists()
    assert refused.status_code == 200


def test_a_draft_board_motion_is_not_named_to_readers_outside_the_board(world):
    """The escalation page is open to every signed-in person; the Board's draft is not."""
    escalation = services.escalation_raise(
        actor=Actor.for_user(world.officer, source="web", mfa_verified=True), projects=[world.project],
        severity="low", confidential_account="x", public_summary="y", proposed_measure="freeze",
    )  # fmt: skip
    url = f"/safety/escalations/{escalation.pk}/"
    sec = browser(world.secretary)
    assert sec.post(url + "motion/", {"measure": "freeze", "hours": 48, "procedure": "ordinary"})
    draft = Motion.objects.get(escalation=escalation)
    # the Board's secretary and its delegates see the draft
    assert draft.reference in sec.get(url).content.decode()
    assert draft.reference in browser(world.heads["DE"]).get(url).content.decode()
    # someone outside the Board does not learn that it exists
    outsider = browser(UserFactory(username="outsider")).get(url).content.decode()
    assert draft.reference not in outsider
