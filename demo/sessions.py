"""The demo's council sessions: one past session whose minutes were approved at the next, and one
upcoming session with its agenda, all made through the services.

The services only let a session be convened ahead of time and held while it runs, so the past
sessions are held now and then moved back on the calendar (a demo's fiction, written here with
QuerySet.update and said so); everything they record was made by the services.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.actors import Actor
from core.models import AuditSource, User
from governance import services
from governance.models import (
    Council,
    ItemKind,
    MemberState,
    Minutes,
    Motion,
    MotionKind,
    Session,
)

POLICY = (
    "The Governing Council:\n"
    "adopts the data-retention policy annexed;\n"
    "asks the Director to report on its application in 2028;\n"
    "thanks the secretariat for its work."
)


def _vote_all(
    actor: Actor, motion: Motion, voters: dict[str, Actor], states: dict[str, MemberState]
) -> Motion:
    for code, delegate in voters.items():
        services.ballot_cast(actor=delegate, motion=motion, member_state=states[code], choice="yes")
    services.motion_close(actor=actor, motion=motion)
    return services.motion_certify(actor=actor, motion=motion)


def _move(session: Session, *, days_ago: int) -> Session:
    """Put a session that was just held back on the calendar (the demo's fiction)."""
    delta = dt.timedelta(days=days_ago)
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - delta,
        ends_at=session.ends_at - delta,
        opened_at=(session.opened_at or timezone.now()) - delta,
        convened_at=(session.convened_at or timezone.now()) - delta - dt.timedelta(days=21),
    )
    session.refresh_from_db()
    return session


def _held_now(actor: Actor, council: Council, title: str) -> Session:
    now = timezone.now()
    session = services.session_create(
        actor=actor,
        council=council,
        title=title,
        starts_at=now + dt.timedelta(days=30),
        ends_at=now + dt.timedelta(days=30, hours=8),
        format="hybrid",
        place="Geneva, Palais des Nations, Room XVII",
        online_url="https://meet.concordia.example/gc",
    )
    return session


def _open_now(actor: Actor, session: Session) -> Session:
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(
        starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=7)
    )
    session.refresh_from_db()
    return services.session_open(actor=actor, session=session)


def seed_sessions(
    actor: Actor, councils: dict[str, Council], states: dict[str, MemberState], voting: list[str]
) -> None:
    """Two past sessions of the Governing Council (the first with approved minutes), one to come."""
    if Session.objects.exists():
        return
    gc = councils["governing-council"]
    voters = {
        code: Actor.for_user(
            User.objects.get(username=f"{code.lower()}-head"),
            source=AuditSource.COMMAND,
            mfa_verified=True,
        )
        for code in voting
    }
    # The spring session: a report, and a policy amended by France, then adopted.
    spring = _held_now(actor, gc, "Spring session")
    services.agenda_item_add(actor=actor, session=spring, title="Report of the Director-General")
    now = timezone.now()
    policy = services.motion_create(
        actor=actor,
        council=gc,
        kind=MotionKind.GENERAL,
        title="Adopt the data-retention policy",
        title_translations={
            "de": "Annahme der Richtlinie zur Datenaufbewahrung",
            "fr": "Adoption de la politique de conservation des données",
        },
        text=POLICY,
        opens_at=now + dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=32),
    )
    services.agenda_item_add(actor=actor, session=spring, kind=ItemKind.MOTION, motion=policy)
    services.session_convene(actor=actor, session=spring)
    spring = _open_now(actor, spring)
    for code in voting:
        services.session_check_in(actor=voters[code], session=spring, member_state=states[code])
    assert spring.agenda_motion is not None  # noqa: S101 - opened above
    _vote_all(actor, spring.agenda_motion, voters, states)
    amendment = services.amendment_propose(
        actor=voters["FR"],
        motion=policy,
        member_state=states["FR"],
        line_from=3,
        line_to=3,
        new_text="asks the Director to report on its application in 2027;",
        reason="A first report after one year.",
    )
    amendment = services.amendment_put_to_vote(actor=actor, amendment=amendment)
    assert amendment.vote is not None  # noqa: S101 - opened above
    _vote_all(actor, amendment.vote, voters, states)
    final = services.motion_final_vote(actor=actor, motion=policy)
    # Certified, not published: the demo's one published decision stays the project approval
    # (the open-data and recompute tests count on it); the minutes record this one's hashes.
    _vote_all(actor, final, voters, states)
    services.session_close(actor=actor, session=spring)
    spring = _move(spring, days_ago=90)
    minutes = services.minutes_draft(actor=actor, session=spring)
    services.minutes_summary_set(
        actor=actor,
        minutes=minutes,
        position=1,
        text="The Director-General presented the year's work; the delegations thanked her.",
    )
    services.minutes_summary_set(
        actor=actor,
        minutes=minutes,
        position=2,
        text="France proposed an earlier first report, which the Council adopted unanimously.",
    )
    minutes = services.minutes_circulate(actor=actor, minutes=minutes)
    # The comment period has run out by the next session (demo's fiction, as above).
    Minutes.objects.filter(pk=minutes.pk).update(
        comments_until=timezone.now() - dt.timedelta(days=1)
    )
    # The summer session approves the spring minutes as its first item.
    summer = _held_now(actor, gc, "Summer session")
    services.minutes_put_on_agenda(actor=actor, minutes=minutes, session=summer)
    services.agenda_item_add(actor=actor, session=summer, title="Any other business")
    services.session_convene(actor=actor, session=summer)
    summer = _open_now(actor, summer)
    for code in voting:
        services.session_check_in(actor=voters[code], session=summer, member_state=states[code])
    assert summer.agenda_motion is not None  # noqa: S101 - opened above
    _vote_all(actor, summer.agenda_motion, voters, states)
    services.minutes_approve(actor=actor, minutes=minutes)
    services.session_close(actor=actor, session=summer)
    _move(summer, days_ago=20)
    # The autumn session, convened, with its draft agenda.
    autumn = _held_now(actor, gc, "Autumn session")
    services.agenda_item_add(actor=actor, session=autumn, title="Report of the Director-General")
    release = Motion.objects.filter(title="Open-weights release policy", status="draft").first()
    if release is not None:
        services.agenda_item_add(actor=actor, session=autumn, kind=ItemKind.MOTION, motion=release)
    services.agenda_item_add(actor=actor, session=autumn, title="Any other business")
    services.session_convene(actor=actor, session=autumn)
