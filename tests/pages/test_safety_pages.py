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
