"""A whole council session in Chromium, on the demo data: planned and convened by the secretary
(the convocation read from a real SMTP server), delegations checking in until the quorum is
reached, the agenda adopted, an amendment adopted and the amended motion adopted, the minutes
drafted, circulated, approved at the next session and published on the portal.

The delegations' many ballots are cast through the services (the vote page has its own browser
tests); what a secretary or a delegate does on the session pages is done in the browser.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.actors import Actor
from core.models import AuditSource, User
from governance import services
from governance.models import (
    Amendment,
    MemberStatus,
    Minutes,
    Motion,
    MotionStatus,
    Seat,
    Session,
)
from tests.browser.conftest import axe_violations, sign_in
from tests.governance.test_session_mail import Inbox, _free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server: Any, settings: Any) -> Any:
    from aiosmtpd.controller import Controller

    call_command("seed_demo", verbosity=0)
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    live_server.inbox = inbox
    yield live_server
    controller.stop()


def _system() -> Actor:
    return Actor.system("e2e", source=AuditSource.COMMAND)


def _voters(council_id: int) -> dict[str, Actor]:
    codes = Seat.objects.filter(
        council_id=council_id,
        seated_until__isnull=True,
        member_state__status=MemberStatus.FULL,
    ).values_list("member_state__code", flat=True)
    return {
        code: Actor.for_user(
            User.objects.get(username=f"{code.lower()}-head"),
            source=AuditSource.WEB,
            mfa_verified=True,
        )
        for code in codes
    }


def _everyone_votes(motion: Motion, voters: dict[str, Actor], choice: str = "yes") -> None:
    from governance.models import MemberState

    for code, actor in voters.items():
        services.ballot_cast(
            actor=actor,
            motion=motion,
            member_state=MemberState.objects.get(code=code),
            choice=choice,
        )
    services.motion_close(actor=_system(), motion=motion)
    services.motion_certify(actor=_system(), motion=motion)


def _post(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_whole_session_in_the_browser(demo: Any, browser: Any) -> None:
    base = demo.url
    secretary = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    sec = secretary.new_page()
    sign_in(sec, base, "secretary")
    # The secretary plans the session and puts the release policy on its agenda.
    start = timezone.localtime() + dt.timedelta(days=30)
    sec.goto(base + "/sessions/new/")
    sec.select_option("#id_council", "governing-council")
    sec.fill("#id_title", "Winter session")
    sec.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    sec.fill("#id_ends_at", (start + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    sec.select_option("#id_format", "in_person")
    sec.fill("#id_place", "Geneva")
    _post(sec, "main form button[type=submit]")
    session = Session.objects.get(title="Winter session")
    assert sec.url.endswith(f"/sessions/{session.pk}/")
    policy = services.motion_create(
        actor=_system(),
        council=session.council,
        kind="general",
        title="Adopt the model-card standard",
        text="The Council:\nadopts the model-card standard;\nasks for a review in 2029.",
        opens_at=start,
        closes_at=start + dt.timedelta(days=2),
    )
    sec.reload()
    sec.click("summary:has-text('Add an item')")
    sec.select_option("#id_kind", "motion")
    sec.select_option("#id_motion", policy.reference)
    _post(sec, "form[action$='/items/'] button[type=submit]")
    assert "Adopt the model-card standard" in sec.content()
    _post(sec, "button:has-text('Send the convocation')")
    assert "The convocation is sent." in sec.content()
    # The convocation reached every delegate through the SMTP server, the agenda in it.
    received = {to[0]: message for to, message in demo.inbox.messages}
    de_head = User.objects.get(username="de-head")
    assert de_head.email in received
    body = received[de_head.email].get_payload(decode=True).decode()
    assert "Adopt the model-card standard" in body
    # The session day comes (the calendar moved: a test's fiction).
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(
        starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=8)
    )
    voters = _voters(session.council_id)
    # Germany checks in on the page; the others through the services, until the quorum.
    delegate = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    de = delegate.new_page()
    sign_in(de, base, "de-head")
    de.goto(f"{base}/sessions/{session.pk}/")
    assert "no quorum yet" in de.content()
    _post(de, "form[action$='/check-in/'] button[type=submit]")
    assert "1 of" in de.content()
    assert axe_violations(de) == []
    from governance.models import MemberState

    for code, actor in voters.items():
        if code != "DE":
            services.session_check_in(
                actor=actor, session=session, member_state=MemberState.objects.get(code=code)
            )
    de.reload()
    assert "quorum reached" in de.content()
    # The secretary opens the session; the council adopts the agenda.
    sec.goto(f"{base}/sessions/{session.pk}/")
    _post(sec, "button:has-text('Open the session')")
    session.refresh_from_db()
    assert session.agenda_motion is not None
    _everyone_votes(session.agenda_motion, voters)
    # France proposes an amendment on the page; the secretary puts it to the vote.
    fr_context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    fr = fr_context.new_page()
    sign_in(fr, base, "fr-head")
    fr.goto(f"{base}/motions/{policy.pk}/amendments/")
    fr.fill("#id_line_from", "3")
    fr.fill("#id_line_to", "3")
    fr.fill("#id_new_text", "asks for a review in 2028.")
    _post(fr, "main form button:has-text('Propose')")
    assert "<ins>asks for a review in 2028.</ins>" in fr.content()
    sec.goto(f"{base}/motions/{policy.pk}/amendments/")
    _post(sec, "button:has-text('Put to the vote')")
    amendment = Amendment.objects.get(motion=policy)
    assert amendment.vote is not None
    _everyone_votes(amendment.vote, voters)
    sec.reload()
    assert "asks for a review in 2028." in sec.content()
    _post(sec, "button:has-text('Put the consolidated text to the final vote')")
    policy.refresh_from_db()
    assert policy.status == MotionStatus.VOTING_OPEN
    assert policy.text.endswith("asks for a review in 2028.")
    _everyone_votes(policy, voters)
    services.motion_publish(actor=_system(), motion=policy)
    # The secretary closes the session, drafts and circulates the minutes.
    sec.goto(f"{base}/sessions/{session.pk}/")
    _post(sec, "button:has-text('Close the session')")
    sec.goto(f"{base}/sessions/{session.pk}/minutes/")
    _post(sec, "button:has-text('Draft the minutes from the record')")
    assert Motion.objects.get(pk=policy.pk).chain_head in sec.content()
    sec.fill("#s1", "The delegations agreed on an earlier review.")
    _post(sec, "form:has(#s1) button[type=submit]")
    _post(sec, "button:has-text('Circulate for comments')")
    # The next session is planned; the approval of these minutes becomes its first item.
    nxt = services.session_create(
        actor=_system(),
        council=session.council,
        title="Spring session 2",
        starts_at=now + dt.timedelta(days=40),
        ends_at=now + dt.timedelta(days=40, hours=6),
        place="Geneva",
    )
    sec.reload()
    sec.select_option("#next-session", str(nxt.pk))
    _post(sec, 'button:has-text("Put on that session\'s agenda")')
    minutes = Minutes.objects.get(session=session)
    Minutes.objects.filter(pk=minutes.pk).update(
        comments_until=timezone.now() - dt.timedelta(seconds=1)
    )
    services.session_convene(actor=_system(), session=nxt)
    Session.objects.filter(pk=nxt.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=1),
        ends_at=timezone.now() + dt.timedelta(hours=6),
    )
    nxt = services.session_open(actor=_system(), session=Session.objects.get(pk=nxt.pk))
    assert nxt.agenda_motion is not None
    _everyone_votes(nxt.agenda_motion, voters)
    sec.reload()
    _post(sec, "button:has-text('Record the approval and freeze the minutes')")
    assert "The minutes are approved and frozen." in sec.content()
    version = Minutes.objects.get(pk=minutes.pk).versions.get()
    # The public reads them on the portal, with their hash, in German too.
    public = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    reader = public.new_page()
    reader.goto(f"{base}/portal/sessions/{session.pk}/")
    content = reader.content()
    assert version.sha256 in content
    assert "The delegations agreed on an earlier review." in content
    assert axe_violations(reader) == []
    for context in (secretary, delegate, fr_context, public):
        context.close()
