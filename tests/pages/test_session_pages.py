"""The session pages: a session run by its secretary, a delegation checking in, amendments,
minutes, the calendar feed and the unsubscribe link; and the wrong roles refused on each."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from governance import services
from governance.models import (
    CalendarSubscription,
    ItemKind,
    Session,
    SessionAttendance,
    StaffRoleKind,
)
from governance.services.sessions import subscription_for
from tests.conftest import sign_in
from tests.factories import CouncilFactory, StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db


def browser(user, *, mfa=True) -> Client:
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    sign_in(client, user, with_mfa=mfa)
    return client


@pytest.fixture
def c5() -> Council5:
    return make_council5()


def convened(c5: Council5, *, text: str = "Line one.\nLine two.") -> Session:
    start = timezone.now() + dt.timedelta(days=30)
    session = services.session_create(
        actor=c5.sec,
        council=c5.council,
        title="Spring session",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        place="Geneva",
    )
    motion = c5.motion(text=text)
    services.agenda_item_add(actor=c5.sec, session=session, kind=ItemKind.MOTION, motion=motion)
    return services.session_convene(actor=c5.sec, session=session)


def test_the_secretary_plans_a_session_on_the_page(c5):
    """The form plans a session; a bad link on a hybrid session is refused on its field."""
    client = browser(c5.secretary)
    body = {
        "council": "governing-council",
        "kind": "ordinary",
        "title": "Autumn session",
        "starts_at": "2030-09-10T09:00",
        "ends_at": "2030-09-10T17:00",
        "format": "hybrid",
        "place": "Geneva",
        "online_url": "",
    }
    refused = client.post("/sessions/new/", body)
    assert refused.status_code == 200
    assert "needs its meeting link" in refused.content.decode()
    done = client.post("/sessions/new/", {**body, "online_url": "https://meet.example/x"})
    assert done.status_code == 302
    session = Session.objects.get(title="Autumn session")
    page = client.get(done["Location"]).content.decode()
    assert session.reference in page and "Send the convocation" in page


def test_a_delegate_checks_in_on_the_page_and_sees_the_quorum(c5):
    session = convened(c5)
    client = browser(c5.heads["DE"])
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "0 of 5 present" in page and "Check in" in page
    acc = c5.heads["DE"].accreditations.get()
    response = client.post(f"/sessions/{session.pk}/check-in/", {"people": [str(acc.pk)]})
    assert response.status_code == 302
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "1 of 5 present" in page
    assert SessionAttendance.objects.get(session=session).people.get() == acc


def test_a_delegate_cannot_mark_another_state_through_the_page(c5):
    """The secretary's marking form, posted by DE's head for FR, is refused and records nothing."""
    session = convened(c5)
    client = browser(c5.heads["DE"])
    client.post(f"/sessions/{session.pk}/mark/", {"member_state": "FR", "present": "1"})
    assert not SessionAttendance.objects.filter(session=session).exists()


def test_a_delegate_of_another_council_sees_no_session(c5):
    """Someone who sits on no seat of this council gets a 404, not the session."""
    session = convened(c5)
    stranger = UserFactory(username="stranger")
    client = browser(stranger)
    assert client.get(f"/sessions/{session.pk}/").status_code == 404
    assert client.post(f"/sessions/{session.pk}/step/open/").status_code == 404


def test_another_councils_secretary_cannot_convene_or_open(c5):
    other = CouncilFactory(code="finance-committee", kind="finance_committee")
    user = UserFactory(username="fc-secretary")
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY, council=other)
    start = timezone.now() + dt.timedelta(days=30)
    session = services.session_create(
        actor=c5.sec,
        council=c5.council,
        title="Spring",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        place="Geneva",
    )
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    client = browser(user)
    assert client.post(f"/sessions/{session.pk}/step/convene/").status_code == 404
    session.refresh_from_db()
    assert session.status == "planned"


def test_anonymous_is_sent_to_sign_in(c5):
    session = convened(c5)
    response = Client().get(f"/sessions/{session.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_delegation_proposes_an_amendment_and_sees_its_diff(c5):
    session = convened(c5)
    motion = session.items.get().motion
    client = browser(c5.heads["FR"])
    response = client.post(
        f"/motions/{motion.pk}/amendments/",
        {"line_from": "2", "line_to": "2", "new_text": "Line two, amended.", "reason": "Clearer."},
    )
    assert response.status_code == 302
    page = client.get(f"/motions/{motion.pk}/amendments/").content.decode()
    assert "<del>Line two.</del>" in page
    assert "<ins>Line two, amended.</ins>" in page
    assert "Amendment 1 by" in page


def test_an_amendment_beyond_the_text_is_shown_as_refused(c5):
    session = convened(c5)
    motion = session.items.get().motion
    client = browser(c5.heads["FR"])
    response = client.post(
        f"/motions/{motion.pk}/amendments/",
        {"line_from": "1", "line_to": "7", "new_text": "x"},
        follow=True,
    )
    assert "lines 1 to 2" in response.content.decode()
    assert not motion.amendments.exists()


def test_the_calendar_feed_parses_back_with_the_session_in_utc(c5):
    """The feed holds the session (start in UTC) and the vote deadline, and needs no sign-in."""
    session = convened(c5)
    motion = c5.motion(title="Budget line")
    services.motion_table(actor=c5.sec, motion=motion)
    token = subscription_for(c5.heads["DE"]).token
    response = Client().get(f"/sessions/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    session_event = next(e for s, e in events.items() if session.reference in s)
    start = session_event.decoded("dtstart")
    assert start == session.starts_at.replace(microsecond=0)
    assert start.utcoffset() == dt.timedelta(0)
    deadline = next(e for s, e in events.items() if motion.reference in s)
    assert deadline.decoded("dtstart") == motion.closes_at.replace(microsecond=0)


def test_a_rotated_feed_address_stops_working(c5):
    convened(c5)
    client = browser(c5.heads["DE"])
    client.get("/sessions/")
    old = CalendarSubscription.objects.get(user=c5.heads["DE"]).token
    assert client.post("/sessions/calendar/rotate/").status_code == 302
    new = CalendarSubscription.objects.get(user=c5.heads["DE"]).token
    assert new != old
    assert Client().get(f"/sessions/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/sessions/calendar/{new}.ics").status_code == 200


def test_the_unsubscribe_link_works_without_signing_in_and_only_on_post(c5):
    token = subscription_for(c5.heads["DE"]).unsubscribe_token
    anonymous = Client()
    page = anonymous.get(f"/sessions/unsubscribe/{token}/")
    assert page.status_code == 200
    assert CalendarSubscription.objects.get(user=c5.heads["DE"]).session_emails is True
    anonymous.post(f"/sessions/unsubscribe/{token}/")
    assert CalendarSubscription.objects.get(user=c5.heads["DE"]).session_emails is False
    assert Client().get("/sessions/unsubscribe/not-a-token/").status_code == 404


def test_minutes_page_drafts_and_shows_the_record(c5):
    session = convened(c5)
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=1),
        ends_at=timezone.now() + dt.timedelta(hours=2),
    )
    session.refresh_from_db()
    session = services.session_open(actor=c5.sec, session=session)
    services.session_close(actor=c5.sec, session=session)
    client = browser(c5.secretary)
    client.post(f"/sessions/{session.pk}/minutes/", {"action": "draft"})
    page = client.get(f"/sessions/{session.pk}/minutes/").content.decode()
    assert "Minutes of session" in page and session.agenda_motion.reference in page
    delegate = browser(c5.heads["DE"])
    delegate.post(f"/sessions/{session.pk}/minutes/", {"action": "circulate"})
    session.minutes.refresh_from_db()
    assert session.minutes.status == "draft"


def _admin_user(username, council, codenames):
    from django.contrib.auth.models import Permission

    user = UserFactory(username=username, is_staff=True)
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY, council=council)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_the_admin_sets_rules_of_procedure_only_for_the_secretarys_own_council(c5):
    """Another council's secretary, in the admin, cannot change this council's notice period."""
    from core.models import AuditEvent
    from governance.models import RulesOfProcedure

    codes = ["add_rulesofprocedure", "change_rulesofprocedure", "view_rulesofprocedure"]
    other = _admin_user("fc-secretary", CouncilFactory(code="finance-committee"), codes)
    own = _admin_user("gc-secretary", c5.council, codes)
    form = {
        "council": str(c5.council.pk),
        "convocation_days": "3",
        "extraordinary_convocation_days": "1",
        "comment_days": "7",
        "late_item_majority": "2/3",
        "presence_quorum": "1/2",
    }
    browser(other).post("/admin/governance/rulesofprocedure/add/", form)
    assert not RulesOfProcedure.objects.exists()
    browser(own).post("/admin/governance/rulesofprocedure/add/", form)
    assert RulesOfProcedure.objects.get(council=c5.council).convocation_days == 3
    assert AuditEvent.objects.filter(action="rules_of_procedure.set", source="admin").exists()


def test_sessions_are_read_only_in_the_admin(c5):
    session = convened(c5)
    user = _admin_user("viewer", c5.council, ["view_session", "change_session"])
    client = browser(user)
    assert client.get("/admin/governance/session/").status_code == 200
    page = client.post(f"/admin/governance/session/{session.pk}/change/", {"title": "Renamed"})
    assert page.status_code == 403
    session.refresh_from_db()
    assert session.title == "Spring session"


def test_the_secretary_attaches_a_document_and_a_delegate_downloads_it(c5):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = convened(c5)
    client = browser(c5.secretary)
    upload = SimpleUploadedFile("report.txt", b"The Director's report.")
    client.post(f"/sessions/{session.pk}/documents/", {"title": "Report", "file": upload})
    document = session.documents.get()
    assert len(document.sha256) == 64
    delegate = browser(c5.heads["DE"])
    response = delegate.get(f"/sessions/{session.pk}/documents/{document.pk}/")
    assert b"".join(response.streaming_content) == b"The Director's report."
    # a delegate cannot attach one
    delegate.post(
        f"/sessions/{session.pk}/documents/",
        {"title": "Mine", "file": SimpleUploadedFile("x.txt", b"x")},
    )
    assert session.documents.count() == 1


def test_a_delegation_gives_its_vote_for_the_session_and_is_counted_represented(c5):
    from governance.selectors.sessions import presence

    session = convened(c5)
    client = browser(c5.heads["IT"])
    client.post(f"/sessions/{session.pk}/proxy/", {"holder": "FR"})
    services.session_attendance_mark(
        actor=c5.sec, session=session, member_state=c5.states["IT"], present=False
    )
    assert presence(session).represented == 1


def test_the_session_page_costs_the_same_queries_however_long_the_agenda(c5):
    """Items, attendance and documents are fetched with the session, not one query per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = convened(c5)
    services.session_check_in(actor=c5.actors["NL"], session=session, member_state=c5.states["NL"])
    client = browser(c5.secretary)
    client.get(f"/sessions/{session.pk}/")  # warm: the caches of the first request

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/sessions/{session.pk}/").status_code == 200
        return len(queries)

    few = count()
    for n in range(6):
        motion = c5.motion(title=f"Motion {n}")
        services.agenda_item_add(actor=c5.sec, session=session, kind=ItemKind.MOTION, motion=motion)
    for code in ("DE", "FR", "IT"):
        services.session_check_in(
            actor=c5.actors[code], session=session, member_state=c5.states[code]
        )
    assert count() == few
