"""A person's calendar feed (RFC 5545, with the `icalendar` package): sessions, vote deadlines,
safety review dates. Read only; the secret token that names the feed is kept by
:mod:`governance.services.calendar`.

Times are written in UTC (``...Z``), which every calendar shows in its reader's own zone; a
review date is a whole day (``VALUE=DATE``) in the facility's calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from core.actors import Actor
from core.models import AuditSource, User
from governance import permissions, selectors
from governance.models import MotionStatus, SafetyDecision, Session, SessionStatus
from governance.selectors.sessions import councils_of_user

# How far back a feed reaches: past events a calendar may still want to show.
FEED_DAYS_BACK = 365
PRODID = "-//Concordia//council sessions//EN"


@dataclass(frozen=True)
class FeedEvent:
    """An event another app adds to a person's feed: a UTC instant, or a whole day (a date)."""

    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    url: str = ""


FeedSource = Callable[[User, dt.datetime], Iterable[FeedEvent]]
# Apps above governance (funding: payment due dates) add their events here, so the arrow still
# points down: governance never imports them (registered in their AppConfig.ready).
_sources: dict[str, FeedSource] = {}


def register_feed_source(name: str, source: FeedSource) -> None:
    _sources[name] = source


def _uid(kind: str, pk: int) -> str:
    host = settings.PUBLIC_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"{kind}-{pk}@{host or 'concordia'}"


def _url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def feed_for(user: User, *, now: dt.datetime | None = None) -> bytes:
    """The user's feed as the bytes of a VCALENDAR, in their preferred language."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=FEED_DAYS_BACK)
    councils = councils_of_user(user)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Concordia: my councils"))
    stamp = now.astimezone(dt.UTC)
    sessions = (
        Session.objects.filter(council__in=councils, ends_at__gte=since)
        .select_related("council")
        .order_by("starts_at")
    )
    for session in sessions:
        event = Event()
        event.add("uid", _uid("session", session.pk))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        event.add("summary", f"{session.council.name}: {session.title} ({session.reference})")
        where = ", ".join(p for p in (session.place, session.online_url) if p)
        if where:
            event.add("location", where)
        event.add("url", _url(reverse("governance:session_detail", args=[session.pk])))
        event.add(
            "status",
            "CONFIRMED" if session.status != SessionStatus.PLANNED else "TENTATIVE",
        )
        cal.add_component(event)
    motions = (
        selectors.motions_for_user(user=user)
        .filter(
            council__in=councils,
            status__in=(MotionStatus.TABLED, MotionStatus.VOTING_OPEN),
            closes_at__gte=since,
        )
        .select_related("council")
    )
    for motion in motions:
        event = Event()
        event.add("uid", _uid("vote-deadline", motion.pk))
        event.add("dtstamp", stamp)
        closes = motion.closes_at.astimezone(dt.UTC)
        event.add("dtstart", closes)
        event.add("dtend", closes)
        event.add(
            "summary",
            _("Vote closes: %(ref)s %(title)s") % {"ref": motion.reference, "title": motion.title},
        )
        event.add("url", _url(reverse("governance:motion_detail", args=[motion.pk])))
        cal.add_component(event)
    if permissions.may_read_confidential(Actor.for_user(user, source=AuditSource.WEB)):
        for decision in SafetyDecision.objects.filter(
            Q(review_on__gte=since.date()), adopted=True
        ).select_related("project", "motion"):
            assert decision.review_on is not None  # noqa: S101 - filtered above
            event = Event()
            event.add("uid", _uid("safety-review", decision.pk))
            event.add("dtstamp", stamp)
            event.add("dtstart", decision.review_on)
            event.add("dtend", decision.review_on + dt.timedelta(days=1))
            event.add(
                "summary",
                _("Safety review: %(project)s (%(ref)s)")
                % {"project": decision.project.code, "ref": decision.motion.reference},
            )
            cal.add_component(event)
    for name, source in sorted(_sources.items()):
        for extra in source(user, since):
            event = Event()
            event.add("uid", _uid(f"{name}-{extra.uid}", 0))
            event.add("dtstamp", stamp)
            event.add("dtstart", extra.start)
            event.add("dtend", extra.end)
            event.add("summary", extra.summary)
            if extra.url:
                event.add("url", _url(extra.url))
            cal.add_component(event)
    return cal.to_ical()
