"""Amendments and the secretariat's change recommendations to a motion on a session's agenda.

A delegation proposes to replace lines of the motion's draft text; the secretary groups and
orders the proposals; each is voted (a procedural motion) before the motion, or, for a change
recommendation, taken over by the secretary; then the consolidated text, with every adopted
change applied, becomes the motion's text and is what the final vote adopts. The original text
and the consolidated text are kept with their SHA-256 (:class:`governance.models.Consolidation`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, ValidationFailed
from core.validators import clean_or_fail
from governance import session_permissions
from governance.models import (
    AgendaItem,
    Amendment,
    AmendmentKind,
    AmendmentStatus,
    Consolidation,
    MemberState,
    Motion,
    MotionStatus,
    SessionStatus,
)
from governance.rules import amendments as text_rules
from governance.services.motions import motion_table, motion_update
from governance.services.sessions import _session_vote, agenda_adopted, carry_attendance
from governance.services.voting import motion_open

DECIDED = (
    AmendmentStatus.ADOPTED,
    AmendmentStatus.REJECTED,
    AmendmentStatus.ACCEPTED,
    AmendmentStatus.WITHDRAWN,
)
APPLIED = (AmendmentStatus.ADOPTED, AmendmentStatus.ACCEPTED)


def _lock_motion(motion: Motion) -> Motion:
    return (
        Motion.objects.select_for_update(of=("self",)).select_related("council").get(pk=motion.pk)
    )


def _item_of(motion: Motion) -> AgendaItem:
    item = AgendaItem.objects.select_related("session").filter(motion=motion).first()
    if item is None:
        raise Conflict(_("Only a motion on a session's agenda can be amended."), field="motion")
    return item


def change_of(amendment: Amendment) -> text_rules.Change:
    return text_rules.Change(
        number=amendment.number,
        line_from=amendment.line_from,
        line_to=amendment.line_to,
        new_text=amendment.new_text,
    )


def _propose(
    *,
    actor: Actor,
    motion: Motion,
    kind: str,
    member_state: MemberState | None,
    line_from: int,
    line_to: int,
    new_text: str,
    reason: str,
) -> Amendment:
    if motion.status != MotionStatus.DRAFT:
        raise Conflict(
            _("Amendments are proposed while the motion is a draft on the agenda."),
            field="motion",
        )
    item = _item_of(motion)
    if item.session.status == SessionStatus.CLOSED:
        raise Conflict(_("The session is closed."), field="motion")
    change = text_rules.Change(0, line_from, line_to, new_text)
    try:
        text_rules.check_change(motion.text, change)
    except text_rules.AmendmentError:
        raise ValidationFailed(
            _("The motion's text has lines 1 to %(n)d; name lines within it.")
            % {"n": len(text_rules.lines_of(motion.text))},
            field="line_to" if line_from >= 1 else "line_from",
        ) from None
    number = int(motion.amendments.aggregate(m=Max("number"))["m"] or 0) + 1
    amendment = Amendment(
        motion=motion,
        kind=kind,
        member_state=member_state,
        number=number,
        line_from=line_from,
        line_to=line_to,
        new_text=new_text,
        base_sha256=text_rules.text_sha256(motion.text),
        reason=reason,
        position=number,
        proposed_by=actor.user,
    )
    clean_or_fail(amendment)
    amendment.save()
    audit_record(
        actor=actor,
        action=f"{kind}.propose",
        target=motion,
        after={
            "number": number,
            "state": member_state.code if member_state else None,
            "lines": [line_from, line_to],
            "new_text": new_text,
            "base_sha256": amendment.base_sha256,
        },
    )
    return amendment


@transaction.atomic
def amendment_propose(
    *,
    actor: Actor,
    motion: Motion,
    member_state: MemberState,
    line_from: int,
    line_to: int,
    new_text: str,
    reason: str = "",
) -> Amendment:
    """A delegation proposes to replace lines of a motion's draft text."""
    locked = _lock_motion(motion)
    session_permissions.check_act_for_state(actor, locked.council, member_state)
    return _propose(
        actor=actor,
        motion=locked,
        kind=AmendmentKind.AMENDMENT,
        member_state=member_state,
        line_from=line_from,
        line_to=line_to,
        new_text=new_text,
        reason=reason,
    )


@transaction.atomic
def recommendation_propose(
    *, actor: Actor, motion: Motion, line_from: int, line_to: int, new_text: str, reason: str = ""
) -> Amendment:
    """The secretariat recommends a change (wording, references), as in OpenSlides."""
    locked = _lock_motion(motion)
    session_permissions.check_run_session(actor, locked.council)
    return _propose(
        actor=actor,
        motion=locked,
        kind=AmendmentKind.RECOMMENDATION,
        member_state=None,
        line_from=line_from,
        line_to=line_to,
        new_text=new_text,
        reason=reason,
    )


def _lock_amendment(amendment: Amendment) -> tuple[Motion, Amendment]:
    motion = _lock_motion(amendment.motion)
    return motion, Amendment.objects.select_for_update().get(pk=amendment.pk)


@transaction.atomic
def amendment_arrange(
    *, actor: Actor, amendment: Amendment, group: str, position: int
) -> Amendment:
    """The secretary groups amendments and sets the order they are voted in."""
    motion, locked = _lock_amendment(amendment)
    session_permissions.check_run_session(actor, motion.council)
    if locked.status in DECIDED or locked.status == AmendmentStatus.VOTING:
        raise Conflict(_("This amendment is already being voted on or decided."))
    before = {"group": locked.group, "position": locked.position}
    locked.group = group
    locked.position = position
    clean_or_fail(locked)
    locked.save(update_fields=["group", "position"])
    audit_record(
        actor=actor,
        action="amendment.arrange",
        target=motion,
        before={"number": locked.number, **before},
        after={"number": locked.number, "group": group, "position": position},
    )
    return locked


@transaction.atomic
def amendment_withdraw(*, actor: Actor, amendment: Amendment) -> Amendment:
    """Its delegation (or the secretary) withdraws an amendment before it is voted."""
    motion, locked = _lock_amendment(amendment)
    if locked.member_state is not None:
        session_permissions.check_act_for_state(actor, motion.council, locked.member_state)
    else:
        session_permissions.check_run_session(actor, motion.council)
    if locked.status != AmendmentStatus.PROPOSED:
        raise Conflict(_("Only an amendment not yet voted on can be withdrawn."))
    locked.status = AmendmentStatus.WITHDRAWN
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="amendment.withdraw",
        target=motion,
        before={"number": locked.number, "status": "proposed"},
        after={"number": locked.number, "status": "withdrawn"},
    )
    return locked


@transaction.atomic
def recommendation_accept(*, actor: Actor, amendment: Amendment) -> Amendment:
    """The secretary takes over a change recommendation into the text (no delegation objected)."""
    motion, locked = _lock_amendment(amendment)
    session_permissions.check_run_session(actor, motion.council)
    if locked.kind != AmendmentKind.RECOMMENDATION:
        raise Conflict(_("A delegation's amendment is decided by a vote."))
    if locked.status != AmendmentStatus.PROPOSED:
        raise Conflict(_("This recommendation is already decided."))
    locked.status = AmendmentStatus.ACCEPTED
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="recommendation.accept",
        target=motion,
        before={"number": locked.number, "status": "proposed"},
        after={"number": locked.number, "status": "accepted"},
    )
    return locked


def _require_agenda_adopted(motion: Motion) -> AgendaItem:
    item = _item_of(motion)
    if item.session.status != SessionStatus.OPEN or not agenda_adopted(item.session):
        raise Conflict(
            _("Votes on the items come once the session is open and its agenda adopted.")
        )
    return item


@transaction.atomic
def amendment_put_to_vote(*, actor: Actor, amendment: Amendment) -> Amendment:
    """Open the council's vote on one amendment (before the vote on the motion)."""
    motion, locked = _lock_amendment(amendment)
    session_permissions.check_run_session(actor, motion.council)
    item = _require_agenda_adopted(motion)
    if locked.status != AmendmentStatus.PROPOSED:
        raise Conflict(_("Only a proposed amendment can be put to the vote."))
    lines = text_rules.change_diff(motion.text, change_of(locked), context=0)
    described = "\n".join(f"{line.op} {line.text}" for line in lines)
    proposer = locked.member_state.code if locked.member_state else _("the secretariat")
    vote = _session_vote(
        actor=actor,
        session=item.session,
        title=(
            gettext_noop("Amendment %(n)d by %(by)s to %(ref)s"),
            {"n": locked.number, "by": proposer, "ref": motion.reference},
        ),
        text=_("The Council amends lines %(a)d to %(b)d of %(ref)s as follows:")
        % {"a": locked.line_from, "b": locked.line_to, "ref": motion.reference}
        + "\n\n"
        + described,
    )
    locked.vote = vote
    locked.status = AmendmentStatus.VOTING
    locked.save(update_fields=["vote", "status"])
    audit_record(
        actor=actor,
        action="amendment.vote_open",
        target=motion,
        after={"number": locked.number, "vote": vote.reference},
    )
    return locked


def consolidated_text(motion: Motion) -> tuple[str, list[int]]:
    """The motion's text with every adopted amendment and accepted recommendation applied."""
    applied = [a for a in motion.amendments.order_by("line_from") if a.status in APPLIED]
    try:
        text = text_rules.apply(motion.text, [change_of(a) for a in applied])
    except text_rules.AmendmentError as exc:
        raise Conflict(
            _("Amendment %(n)s overlaps another adopted change; the secretary must reconcile them.")
            % {"n": exc.number}
        ) from exc
    return text, [a.number for a in applied]


@transaction.atomic
def motion_final_vote(*, actor: Actor, motion: Motion) -> Motion:
    """Consolidate the text with the changes adopted, then table and open the final vote on it."""
    locked = _lock_motion(motion)
    session_permissions.check_run_session(actor, locked.council)
    item = _require_agenda_adopted(locked)
    if locked.status != MotionStatus.DRAFT:
        raise Conflict(_("The motion's final vote has already begun."))
    pending = locked.amendments.exclude(status__in=DECIDED)
    if pending.exists():
        raise Conflict(
            _("Amendments %(numbers)s are still to be decided.")
            % {"numbers": ", ".join(str(a.number) for a in pending)}
        )
    original = locked.text
    text, numbers = consolidated_text(locked)
    now = timezone.now()
    closes = max(
        item.session.ends_at,
        now + dt.timedelta(hours=settings.ORDINARY_MIN_VOTING_HOURS, minutes=1),
    )
    values: dict[str, object] = {"opens_at": now, "closes_at": closes}
    if text != original:
        values["text"] = text
    locked = motion_update(actor=actor, motion=locked, **values)
    consolidation = Consolidation.objects.create(
        motion=locked,
        original_text=original,
        original_sha256=text_rules.text_sha256(original),
        text=text,
        sha256=text_rules.text_sha256(text),
        amendments=numbers,
        made_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="motion.consolidate",
        target=locked,
        after={
            "original_sha256": consolidation.original_sha256,
            "sha256": consolidation.sha256,
            "amendments": numbers,
        },
    )
    motion_table(actor=actor, motion=locked)
    opened = motion_open(actor=actor, motion=locked)
    # The final vote counts the session's check-ins (rules that count members present).
    carry_attendance(item.session, Motion.objects.filter(pk=opened.pk))
    return opened
