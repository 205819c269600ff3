"""Minutes of a session: drafted from its record, summarised, circulated, approved and frozen.

The record (attendance, each item with its certified result, the chain heads and the signed
statements' leaf hashes) is drawn from the database when the secretary drafts the minutes; the
secretary adds the summary of each item's discussion; the draft is circulated to the delegations
for comments for the period the rules of procedure set; it is approved as the first item of the
council's next session, and that approved version is frozen: its canonical JSON and the HTML in
each language are kept with their SHA-256, and PostgreSQL refuses to change them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, ValidationFailed
from core.validators import MOTION_TEXT_MAX
from governance import selectors, session_permissions
from governance.chain import canonical, sha256_hex
from governance.models import (
    AgendaItem,
    ItemKind,
    MemberState,
    Minutes,
    MinutesComment,
    MinutesStatus,
    MinutesVersion,
    Session,
    SessionStatus,
)
from governance.models.decision_log import DecisionStatement
from governance.selectors.sessions import presence
from governance.services.sessions import agenda_adopted, send_session_mail, session_recipients

MINUTES_TEMPLATE = "governance/sessions/minutes_document.html"


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _vote(motion: Any) -> dict[str, Any] | None:
    """A vote's certified result as the minutes keep it: figures, rule, chain and statements."""
    if motion is None:
        return None
    statements = [
        {"index": s.index, "leaf_hash": s.leaf_hash}
        for s in DecisionStatement.objects.filter(motion=motion).order_by("index")
    ]
    electorate = getattr(motion, "electorate", None)
    return {
        "reference": motion.reference,
        "title": motion.title,
        "status": motion.status,
        "outcome": motion.outcome,
        "rule": motion.rule,
        "tally": motion.tally,
        "roll_call": selectors.roll_call(motion),
        "chain_head": motion.chain_head,
        "chain_length": motion.chain_length,
        "electorate_sha256": electorate.sha256 if electorate else None,
        "statements": statements,
        "certified_at": _iso(motion.certified_at),
    }


def session_record(session: Session) -> dict[str, Any]:
    """Everything the minutes say, as data (frozen into the draft, hashed when approved)."""
    figures = presence(session)
    attendance = []
    for row in session.attendance.select_related("member_state", "represented_by").order_by(
        "member_state__code"
    ):
        attendance.append(
            {
                "state": row.member_state.code,
                "present": row.present,
                "represented_by": row.represented_by.code if row.represented_by else None,
                "people": [
                    {"name": str(a.user.get_full_name() or a.user.username), "role": a.role}
                    for a in row.people.select_related("user").order_by("role", "user__username")
                ],
            }
        )
    items = []
    for item in session.items.select_related(
        "motion__electorate", "admission_motion__electorate", "minutes__session"
    ).order_by("position", "id"):
        entry: dict[str, Any] = {
            "position": item.position,
            "kind": item.kind,
            "title": item.title,
            "description": item.description,
            "late": item.late,
            "admitted": item.admitted,
            "admission": _vote(item.admission_motion),
            "minutes_of": item.minutes.session.reference if item.minutes else None,
            "vote": _vote(item.motion),
            "amendments": [],
            "consolidation": None,
        }
        if item.motion is not None:
            motion = item.motion
            entry["amendments"] = [
                {
                    "number": a.number,
                    "kind": a.kind,
                    "state": a.member_state.code if a.member_state else None,
                    "lines": [a.line_from, a.line_to],
                    "new_text": a.new_text,
                    "status": a.status,
                    "vote": _vote(a.vote),
                }
                for a in motion.amendments.select_related(
                    "member_state", "vote__electorate"
                ).order_by("position", "number")
            ]
            consolidation = getattr(motion, "consolidation", None)
            if consolidation is not None:
                entry["consolidation"] = {
                    "original_sha256": consolidation.original_sha256,
                    "sha256": consolidation.sha256,
                    "amendments": consolidation.amendments,
                }
        items.append(entry)
    return {
        "session": {
            "reference": session.reference,
            "council": session.council.code,
            "council_names": {
                "en": session.council.name_en,
                "de": session.council.name_de,
                "fr": session.council.name_fr,
            },
            "kind": session.kind,
            "title": session.title,
            "starts_at": _iso(session.starts_at),
            "ends_at": _iso(session.ends_at),
            "format": session.format,
            "place": session.place,
            "opened_at": _iso(session.opened_at),
            "closed_at": _iso(session.closed_at),
            "agenda_sha256": session.agenda_sha256,
        },
        "agenda_vote": _vote(session.agenda_motion),
        "presence": {
            "members": figures.members,
            "present": figures.present,
            "represented": figures.represented,
            "needed": figures.needed,
            "reached": figures.reached,
        },
        "attendance": attendance,
        "items": items,
    }


def decisions_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The decisions the minutes record, each with the hashes that pin it down."""
    out = []
    votes = [record.get("agenda_vote")]
    for item in record["items"]:
        votes += [item.get("admission"), *(a.get("vote") for a in item["amendments"])]
        votes.append(item.get("vote"))
    for vote in votes:
        if vote and vote.get("outcome"):
            out.append(
                {
                    "reference": vote["reference"],
                    "outcome": vote["outcome"],
                    "chain_head": vote["chain_head"],
                    "electorate_sha256": vote["electorate_sha256"],
                    "statement_leaf_hashes": [s["leaf_hash"] for s in vote["statements"]],
                }
            )
    return out


def _lock(minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("session__council")
        .get(pk=minutes.pk)
    )


@transaction.atomic
def minutes_draft(*, actor: Actor, session: Session) -> Minutes:
    """Draft (or redraw from the record) the minutes of a closed session."""
    session_permissions.check_run_session(actor, session.council)
    locked_session = Session.objects.select_for_update().get(pk=session.pk)
    if locked_session.status != SessionStatus.CLOSED:
        raise Conflict(_("Minutes are drafted once the session is closed."))
    minutes, created = Minutes.objects.select_for_update().get_or_create(session=locked_session)
    if minutes.status != MinutesStatus.DRAFT:
        raise Conflict(_("These minutes are already circulated; the record is fixed."))
    minutes.record = session_record(locked_session)
    minutes.save(update_fields=["record"])
    audit_record(
        actor=actor,
        action="minutes.draft",
        target=locked_session,
        after={"record_sha256": sha256_hex(canonical(minutes.record)), "new": created},
    )
    return minutes


@transaction.atomic
def minutes_summary_set(*, actor: Actor, minutes: Minutes, position: int, text: str) -> Minutes:
    """The secretary writes the summary of one item's discussion (while a draft)."""
    locked = _lock(minutes)
    session_permissions.check_run_session(actor, locked.session.council)
    if locked.status != MinutesStatus.DRAFT:
        raise Conflict(_("Only draft minutes can be edited."))
    positions = {item["position"] for item in locked.record.get("items", [])}
    if position not in positions:
        raise ValidationFailed(_("There is no item with this number."), field="position")
    if len(text) > MOTION_TEXT_MAX or "\x00" in text:
        raise ValidationFailed(_("The summary is too long or holds a NUL byte."), field="text")
    before = locked.summary.get(str(position), "")
    locked.summary = {**locked.summary, str(position): text}
    locked.save(update_fields=["summary"])
    audit_record(
        actor=actor,
        action="minutes.summary",
        target=locked.session,
        before={"position": position, "text": before},
        after={"position": position, "text": text},
    )
    return locked


@transaction.atomic
def minutes_circulate(*, actor: Actor, minutes: Minutes, now: dt.datetime | None = None) -> Minutes:
    """Send the draft to every delegation for comments until the period's end."""
    from governance.services.sessions import rules_of_procedure

    locked = _lock(minutes)
    council = locked.session.council
    session_permissions.check_run_session(actor, council)
    if locked.status != MinutesStatus.DRAFT:
        raise Conflict(_("These minutes are already circulated."))
    now = now or timezone.now()
    locked.status = MinutesStatus.CIRCULATED
    locked.circulated_at = now
    locked.comments_until = now + dt.timedelta(days=rules_of_procedure(council).comment_days)
    locked.save(update_fields=["status", "circulated_at", "comments_until"])
    recipients = session_recipients(council)
    audit_record(
        actor=actor,
        action="minutes.circulate",
        target=locked.session,
        before={"status": "draft"},
        after={
            "status": "circulated",
            "comments_until": _iso(locked.comments_until),
            "record_sha256": sha256_hex(canonical(locked.record)),
            "to": sorted({r[0] for r in recipients}),
        },
    )
    until = timezone.localtime(locked.comments_until).strftime("%Y-%m-%d %H:%M %Z")
    messages = []
    for email, language, _state, unsubscribe in recipients:
        with translation.override(language):
            subject = _("Draft minutes of %(ref)s for your comments") % {
                "ref": locked.session.reference
            }
            body = "\n\n".join(
                [
                    _(
                        "The draft minutes of session %(ref)s, “%(title)s”, are circulated. "
                        "Comments are open until %(until)s."
                    )
                    % {
                        "ref": locked.session.reference,
                        "title": locked.session.title,
                        "until": until,
                    },
                    _("To stop receiving session e-mails: %(url)s") % {"url": unsubscribe},
                ]
            )
        messages.append((email, subject, body, unsubscribe))

    def send() -> None:
        for email, subject, body, unsubscribe in messages:
            send_session_mail(to=email, subject=subject, body=body, unsubscribe=unsubscribe)

    transaction.on_commit(send)
    return locked


@transaction.atomic
def minutes_comment(
    *, actor: Actor, minutes: Minutes, member_state: MemberState, text: str
) -> MinutesComment:
    """A delegation comments on circulated minutes before the period ends."""
    locked = _lock(minutes)
    session_permissions.check_act_for_state(actor, locked.session.council, member_state)
    if locked.status != MinutesStatus.CIRCULATED:
        raise Conflict(_("Comments are taken while the minutes are circulated."))
    assert locked.comments_until is not None  # noqa: S101 - set when circulated
    if timezone.now() > locked.comments_until:
        raise Conflict(_("The period for comments has ended."))
    if not text.strip():
        raise ValidationFailed(_("Write the comment."), field="text")
    comment = MinutesComment(
        minutes=locked, member_state=member_state, text=text, author=actor.user
    )
    from core.validators import clean_or_fail

    clean_or_fail(comment)
    comment.save()
    audit_record(
        actor=actor,
        action="minutes.comment",
        target=locked.session,
        after={"state": member_state.code, "text": text},
    )
    return comment


@transaction.atomic
def minutes_put_on_agenda(*, actor: Actor, minutes: Minutes, session: Session) -> AgendaItem:
    """Put the approval of the minutes first on the agenda of the council's next session."""
    locked = _lock(minutes)
    session_permissions.check_run_session(actor, session.council)
    target = Session.objects.select_for_update().get(pk=session.pk)
    if (
        target.council_id != locked.session.council_id
        or target.starts_at <= locked.session.starts_at
    ):
        raise ValidationFailed(
            _("Minutes are approved at a later session of the same council."), field="session"
        )
    if target.status != SessionStatus.PLANNED:
        raise Conflict(_("The approval of minutes is put on an agenda before the convocation."))
    if AgendaItem.objects.filter(minutes=locked).exists():
        raise Conflict(_("These minutes are already on an agenda."))
    AgendaItem.objects.filter(session=target).update(position=F("position") + 1)
    item = AgendaItem.objects.create(
        session=target,
        position=1,
        kind=ItemKind.MINUTES,
        title=_("Approval of the minutes of session %(ref)s") % {"ref": locked.session.reference},
        minutes=locked,
    )
    audit_record(
        actor=actor,
        action="agenda.item_add",
        target=target,
        after={"position": 1, "kind": "minutes", "minutes_of": locked.session.reference},
    )
    return item


def render_minutes(record: dict[str, Any], summary: dict[str, str], *, language: str) -> str:
    """The minutes as one HTML fragment in ``language`` (what is frozen and hashed)."""
    with translation.override(language):
        return render_to_string(
            MINUTES_TEMPLATE,
            {
                "record": record,
                "summary": summary,
                "language": language,
                "council_name": record["session"]["council_names"].get(language)
                or record["session"]["council_names"]["en"],
                "decisions": decisions_of(record),
            },
        ).strip()


@transaction.atomic
def minutes_approve(*, actor: Actor, minutes: Minutes) -> MinutesVersion:
    """Approve the minutes at the next session (its agenda adopted); the version is frozen."""
    locked = _lock(minutes)
    item = (
        AgendaItem.objects.select_related("session__council", "session__agenda_motion")
        .filter(minutes=locked)
        .first()
    )
    if item is None:
        raise Conflict(_("Put the approval of these minutes on the next session's agenda first."))
    session_permissions.check_run_session(actor, item.session.council)
    if item.session.status != SessionStatus.OPEN or not agenda_adopted(item.session):
        raise Conflict(_("Minutes are approved at the next session, once its agenda is adopted."))
    if locked.status != MinutesStatus.CIRCULATED:
        raise Conflict(_("Minutes are approved after they were circulated for comments."))
    assert locked.comments_until is not None  # noqa: S101 - set when circulated
    now = timezone.now()
    if now < locked.comments_until:
        raise Conflict(
            _("The period for comments runs until %(when)s.")
            % {"when": timezone.localtime(locked.comments_until).strftime("%Y-%m-%d %H:%M %Z")}
        )
    document = {"record": locked.record, "summary": locked.summary}
    body = canonical(document)
    html = {
        code: render_minutes(locked.record, locked.summary, language=code)
        for code, _name in settings.LANGUAGES
    }
    version = MinutesVersion.objects.create(
        minutes=locked,
        number=locked.versions.count() + 1,
        canonical=body.decode(),
        sha256=sha256_hex(body),
        html=html,
        html_sha256={code: sha256_hex(text.encode()) for code, text in html.items()},
        decisions=decisions_of(locked.record),
        approved_at=now,
    )
    locked.status = MinutesStatus.APPROVED
    locked.approved_at = now
    locked.approved_in = item.session
    locked.save(update_fields=["status", "approved_at", "approved_in"])
    audit_record(
        actor=actor,
        action="minutes.approve",
        target=locked.session,
        before={"status": "circulated"},
        after={
            "status": "approved",
            "sha256": version.sha256,
            "html_sha256": version.html_sha256,
            "approved_in": item.session.reference,
        },
    )
    return version
