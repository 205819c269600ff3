"""Council sessions: planning, the agenda, the convocation, the opening vote, attendance.

The votes of a session (adopting the agenda, admitting a late item, each amendment, each
motion) are ordinary motions run by :mod:`governance.services.voting`; what a certified
procedural vote changes in the session is carried out by the handler registered here for
motions of kind ``general`` (:mod:`governance.decisions`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.bounds import check_datetime
from core.clock import facility_date, facility_today
from core.errors import Conflict, DomainError, ValidationFailed
from core.validators import clean_or_fail
from governance import rules, selectors, session_permissions
from governance.chain import canonical, sha256_hex
from governance.decisions import decision_handler
from governance.models import (
    AgendaItem,
    Amendment,
    AmendmentStatus,
    CalendarSubscription,
    Council,
    ItemKind,
    MemberState,
    MemberStatus,
    Motion,
    MotionKind,
    MotionOutcome,
    MotionStatus,
    ProxyGrant,
    RulesOfProcedure,
    Session,
    SessionAttendance,
    SessionDocument,
    SessionStatus,
)
from governance.models.motions import title_translation_languages
from governance.models.sessions import CheckInSource
from governance.services.delegations import proxy_grant
from governance.services.motions import motion_create, motion_table
from governance.services.voting import motion_open

SESSION_FIELDS = ("kind", "title", "starts_at", "ends_at", "format", "place", "online_url")


def rules_of_procedure(council: Council) -> RulesOfProcedure:
    """The council's rules of procedure, or the platform's defaults (unsaved) if it has none."""
    found = RulesOfProcedure.objects.filter(council=council).first()
    return found or RulesOfProcedure(council=council)


@transaction.atomic
def rules_of_procedure_set(*, actor: Actor, council: Council, **values: Any) -> RulesOfProcedure:
    """Change the session settings of a council's rules of procedure."""
    session_permissions.check_run_session(actor, council)
    current = RulesOfProcedure.objects.select_for_update().filter(council=council).first()
    current = current or RulesOfProcedure(council=council)
    before = snapshot(current) if current.pk else {}
    for name, value in values.items():
        setattr(current, name, value)
    clean_or_fail(current)
    current.save()
    audit_record(
        actor=actor,
        action="rules_of_procedure.set",
        target=council,
        before=before,
        after=snapshot(current),
    )
    return current


def _lock(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("council", "agenda_motion")
        .get(pk=session.pk)
    )


def _require(session: Session, *allowed: str) -> None:
    if session.status not in allowed:
        raise Conflict(
            _("Session %(ref)s is %(status)s; this needs it to be %(allowed)s.")
            % {
                "ref": session.reference,
                "status": session.get_status_display(),
                "allowed": _(" or ").join(str(SessionStatus(a).label) for a in allowed),
            }
        )


def _check_session(session: Session) -> None:
    now = timezone.now()
    for name in ("starts_at", "ends_at"):
        check_datetime(
            getattr(session, name),
            field=name,
            earliest=now - dt.timedelta(days=settings.MOTION_WINDOW_DAYS_BACK),
            latest=now + dt.timedelta(days=settings.MOTION_WINDOW_DAYS_AHEAD),
        )
    if session.ends_at <= session.starts_at:
        raise ValidationFailed(_("The session must end after it starts."), field="ends_at")
    if session.format != "in_person" and not session.online_url:
        raise ValidationFailed(
            _("An online or hybrid session needs its meeting link."), field="online_url"
        )
    if session.format != "online" and not session.place.strip():
        raise ValidationFailed(_("Say where the session meets."), field="place")


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    council: Council,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    kind: str = "ordinary",
    format: str = "in_person",
    place: str = "",
    online_url: str = "",
) -> Session:
    """Plan a session of a council; it is convened later, with its agenda."""
    session_permissions.check_run_session(actor, council)
    Council.objects.select_for_update().filter(pk=council.pk).first()
    year = facility_date(starts_at).year if starts_at else facility_today().year
    prefix = f"{council.code.upper()}/S/{year}/"
    number = Session.objects.filter(reference__startswith=prefix).count() + 1
    session = Session(
        council=council,
        reference=f"{prefix}{number:02d}",
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        place=place,
        online_url=online_url,
        created_by=actor.user,
    )
    _check_session(session)
    clean_or_fail(session)
    session.save()
    audit_record(
        actor=actor,
        action="session.create",
        target=session,
        after=snapshot(session, ("reference", *SESSION_FIELDS)),
    )
    return session


@transaction.atomic
def session_update(*, actor: Actor, session: Session, **values: Any) -> Session:
    """Change a session's title, times or place; once convened only its place and link."""
    locked = _lock(session)
    session_permissions.check_run_session(actor, locked.council)
    _require(locked, SessionStatus.PLANNED, SessionStatus.CONVENED)
    allowed = SESSION_FIELDS if locked.status == SessionStatus.PLANNED else ("place", "online_url")
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationFailed(_("This cannot be changed now."), field=sorted(unknown)[0])
    before = snapshot(locked, values)
    for name, value in values.items():
        setattr(locked, name, value)
    _check_session(locked)
    clean_or_fail(locked)
    locked.save()
    audit_record(
        actor=actor,
        action="session.update",
        target=locked,
        before=before,
        after=snapshot(locked, values),
    )
    return locked


# -- the agenda ------------------------------------------------------------------------------


def agenda_document(session: Session) -> dict[str, Any]:
    """The agenda as the data its hash covers: each admitted item in order, with its motion."""
    items = []
    for item in session.items.filter(admitted=True).select_related("motion", "minutes__session"):
        items.append(
            {
                "position": item.position,
                "kind": item.kind,
                "title": item.title,
                "motion": item.motion.reference if item.motion else None,
                "minutes_of": item.minutes.session.reference if item.minutes else None,
            }
        )
    return {"session": session.reference, "council": session.council.code, "items": items}


def agenda_text(session: Session) -> str:
    """The agenda in plain words, one line per item (the text the opening vote adopts)."""
    lines = [
        _("Agenda of session %(ref)s, “%(title)s”:")
        % {"ref": session.reference, "title": session.title}
    ]
    for entry in agenda_document(session)["items"]:
        suffix = f" ({entry['motion']})" if entry["motion"] else ""
        lines.append(f"{entry['position']}. {entry['title']}{suffix}")
    return "\n".join(lines)


def agenda_sha256(session: Session) -> str:
    return sha256_hex(canonical(agenda_document(session)))


def _next_position(session: Session) -> int:
    return int(session.items.aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def agenda_item_add(
    *,
    actor: Actor,
    session: Session,
    title: str = "",
    kind: str = ItemKind.INFORMATION,
    description: str = "",
    motion: Motion | None = None,
) -> AgendaItem:
    """Put an item on a session's agenda; after the convocation it is a late item to admit."""
    locked = _lock(session)
    session_permissions.check_run_session(actor, locked.council)
    _require(locked, SessionStatus.PLANNED, SessionStatus.CONVENED, SessionStatus.OPEN)
    if kind not in (ItemKind.MOTION, ItemKind.INFORMATION):
        raise ValidationFailed(
            _(
                "An item is for decision or for information; the minutes are put on from their page."
            ),
            field="kind",
        )
    if kind == ItemKind.MOTION:
        if motion is None:
            raise ValidationFailed(_("An item for decision names its motion."), field="motion")
        if motion.council_id != locked.council_id:
            raise ValidationFailed(_("The motion belongs to another council."), field="motion")
        if motion.status not in (MotionStatus.DRAFT, MotionStatus.TABLED):
            raise ValidationFailed(
                _("Only a motion whose vote has not opened can be put on an agenda."),
                field="motion",
            )
        if AgendaItem.objects.filter(motion=motion).exists():
            raise ValidationFailed(_("This motion is already on an agenda."), field="motion")
    elif motion is not None:
        raise ValidationFailed(_("Only an item for decision has a motion."), field="motion")
    late = locked.status != SessionStatus.PLANNED
    item = AgendaItem(
        session=locked,
        position=_next_position(locked),
        kind=kind,
        title=title or (motion.title if motion else ""),
        description=description,
        motion=motion,
        late=late,
        admitted=not late,
    )
    clean_or_fail(item)
    item.save()
    audit_record(
        actor=actor,
        action="agenda.item_add",
        target=locked,
        after={
            "position": item.position,
            "kind": kind,
            "title": item.title,
            "motion": motion.reference if motion else None,
            "late": late,
        },
    )
    return item


@transaction.atomic
def agenda_item_move(*, actor: Actor, item: AgendaItem, position: int) -> AgendaItem:
    """Move an item to another place in the order, before the agenda is adopted."""
    locked = _lock(item.session)
    session_permissions.check_run_session(actor, locked.council)
    _require(locked, SessionStatus.PLANNED, SessionStatus.CONVENED)
    items = list(locked.items.order_by("position", "id"))
    current = next(i for i in items if i.pk == item.pk)
    if not 1 <= position <= len(items):
        raise ValidationFailed(
            _("Give a position from 1 to %(n)d.") % {"n": len(items)}, field="position"
        )
    before = current.position
    items.remove(current)
    items.insert(position - 1, current)
    for number, entry in enumerate(items, start=1):
        if entry.position != number:
            entry.position = number
            entry.save(update_fields=["position"])
    audit_record(
        actor=actor,
        action="agenda.item_move",
        target=locked,
        before={"item": current.title, "position": before},
        after={"item": current.title, "position": position},
    )
    return current


@transaction.atomic
def session_document_add(
    *,
    actor: Actor,
    session: Session,
    title: str,
    file: UploadedFile,
    item: AgendaItem | None = None,
) -> SessionDocument:
    """Attach a document to a session or one of its items; its SHA-256 is kept."""
    locked = _lock(session)
    session_permissions.check_run_session(actor, locked.council)
    if item is not None and item.session_id != locked.pk:
        raise ValidationFailed(_("The item belongs to another session."), field="item")
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    document = SessionDocument(
        session=locked,
        item=item,
        title=title or (file.name or "document"),
        file=file,
        sha256=digest.hexdigest(),
        size=file.size or 0,
        uploaded_by=actor.user,
    )
    clean_or_fail(document, exclude=["file"])
    document.save()
    audit_record(
        actor=actor,
        action="session.document_add",
        target=locked,
        after={"title": document.title, "sha256": document.sha256, "item": item and item.pk},
    )
    return document


# -- the convocation ------------------------------------------------------------------------


def notice_days(session: Session) -> int:
    rop = rules_of_procedure(session.council)
    if session.kind == "extraordinary":
        return rop.extraordinary_convocation_days
    return rop.convocation_days


def convocation_deadline(session: Session) -> dt.datetime:
    """The last moment the convocation may go out under the council's rules of procedure."""
    return session.starts_at - dt.timedelta(days=notice_days(session))


@transaction.atomic
def subscription_for(user: Any) -> CalendarSubscription:
    """The person's subscription row, made on first use (it holds their secret tokens)."""
    found, created = CalendarSubscription.objects.get_or_create(user=user)
    if created:
        # The tokens are secrets: the trail records that the row was made, not their values.
        audit_record(actor=Actor.system("calendar"), action="calendar.create", target=found)
    return found


def _unsubscribe_url(subscription: CalendarSubscription) -> str:
    path = reverse("governance:sessions_unsubscribe", args=[subscription.unsubscribe_token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def session_recipients(council: Council) -> list[tuple[str, str, str, str]]:
    """(e-mail, language, state, unsubscribe URL) of each accredited delegate who wants e-mails."""
    out = []
    for accreditation in selectors.accreditation_list(
        council=council, on=facility_today(), approved_only=True
    ):
        user = accreditation.user
        if not user.email:
            continue
        subscription = subscription_for(user)
        if not subscription.session_emails:
            continue
        out.append(
            (
                user.email,
                user.preferred_language,
                accreditation.member_state.code,
                _unsubscribe_url(subscription),
            )
        )
    return out


def send_session_mail(*, to: str, subject: str, body: str, unsubscribe: str) -> None:
    """One session e-mail, with the unsubscribe link also as a List-Unsubscribe header (RFC 2369)."""
    EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
    ).send(fail_silently=True)


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


def convocation_message(session: Session, *, unsubscribe: str) -> tuple[str, str]:
    """The convocation's subject and body in the active language, with the draft agenda."""
    subject = _("Convocation: %(council)s, session %(ref)s on %(when)s") % {
        "council": session.council.name,
        "ref": session.reference,
        "when": _when(session.starts_at),
    }
    where = ", ".join(p for p in (session.place, session.online_url) if p)
    lines = [
        _("The %(council)s is convened to its %(kind)s “%(title)s”.")
        % {
            "council": session.council.name,
            "kind": session.get_kind_display(),
            "title": session.title,
        },
        _("From %(start)s to %(end)s; %(format)s: %(where)s.")
        % {
            "start": _when(session.starts_at),
            "end": _when(session.ends_at),
            "format": session.get_format_display(),
            "where": where,
        },
        "",
        _("Draft agenda:"),
    ]
    for item in session.items.filter(admitted=True).order_by("position"):
        lines.append(f"{item.position}. {item.title} ({item.get_kind_display()})")
    lines += [
        "",
        _("SHA-256 of the draft agenda: %(hash)s") % {"hash": agenda_sha256(session)},
        "",
        _("To stop receiving session e-mails: %(url)s") % {"url": unsubscribe},
    ]
    return subject, "\n".join(lines)


@transaction.atomic
def session_convene(*, actor: Actor, session: Session, now: dt.datetime | None = None) -> Session:
    """Send the convocation with the draft agenda to every delegation, in its language."""
    locked = _lock(session)
    session_permissions.check_run_session(actor, locked.council)
    _require(locked, SessionStatus.PLANNED)
    now = now or timezone.now()
    if now > convocation_deadline(locked):
        raise Conflict(
            _(
                "The rules of procedure ask for %(days)d days' notice: the convocation had to go "
                "out by %(when)s. Move the session or make it extraordinary."
            )
            % {"days": notice_days(locked), "when": _when(convocation_deadline(locked))},
            field="starts_at",
        )
    if not locked.items.exists():
        raise Conflict(_("Put at least one item on the agenda before convening."))
    locked.status = SessionStatus.CONVENED
    locked.convened_at = now
    locked.save(update_fields=["status", "convened_at"])
    recipients = session_recipients(locked.council)
    audit_record(
        actor=actor,
        action="session.convene",
        target=locked,
        before={"status": "planned"},
        after={
            "status": "convened",
            "agenda_sha256": agenda_sha256(locked),
            "to": sorted({r[0] for r in recipients}),
        },
    )
    messages = []
    for email, language, _state, unsubscribe in recipients:
        with translation.override(language):
            subject, body = convocation_message(locked, unsubscribe=unsubscribe)
        messages.append((email, subject, body, unsubscribe))

    def send() -> None:
        for email, subject, body, unsubscribe in messages:
            send_session_mail(to=email, subject=subject, body=body, unsubscribe=unsubscribe)

    transaction.on_commit(send)
    return locked


# -- the session itself -----------------------------------------------------------------------


def _session_vote(
    *,
    actor: Actor,
    session: Session,
    title: tuple[str, dict[str, Any]],
    text: str,
    rule: dict[str, Any] | None = None,
) -> Motion:
    """A procedural vote of the session, opened at once (a motion of kind general).

    `title` is a message and its values: the title is filed in English, as every motion's, and
    given in the other languages of the pages as its translations.
    """
    message, values = title
    with translation.override("en"):
        filed = gettext(message) % values
    translated = {}
    for lang in title_translation_languages():
        with translation.override(lang):
            translated[lang] = (gettext(message) % values)[:300]
    now = timezone.now()
    closes = max(
        session.ends_at, now + dt.timedelta(hours=settings.ORDINARY_MIN_VOTING_HOURS, minutes=1)
    )
    motion = motion_create(
        actor=actor,
        council=session.council,
        kind=MotionKind.GENERAL,
        title=filed[:300],
        title_translations=translated,
        text=text,
        opens_at=now,
        closes_at=closes,
        rule=rule,
    )
    motion_table(actor=actor, motion=motion)
    opened = motion_open(actor=actor, motion=motion)
    carry_attendance(session, Motion.objects.filter(pk=opened.pk))
    return opened


@transaction.atomic
def session_open(*, actor: Actor, session: Session) -> Session:
    """Open the session: the agenda is put to the council's vote at once, with its SHA-256."""
    locked = _lock(session)
    session_permissions.check_run_session(actor, locked.council)
    _require(locked, SessionStatus.CONVENED)
    digest = agenda_sha256(locked)
    text = agenda_text(locked) + "\n\n" + _("SHA-256 of this agenda: %(hash)s") % {"hash": digest}
    motion = _session_vote(
        actor=actor,
        session=locked,
        title=(
            gettext_noop("Adoption of the agenda of session %(ref)s"),
            {"ref": locked.reference},
        ),
        text=text,
    )
    locked.status = SessionStatus.OPEN
    locked.opened_at = timezone.now()
    locked.agenda_motion = motion
    locked.agenda_sha256 = digest
    locked.save(update_fields=["status", "opened_at", "agenda_motion", "agenda_sha256"])
    audit_record(
        actor=actor,
        action="session.open",
        target=locked,
        before={"status": "convened"},
        after={"status": "open", "agenda_motion": motion.reference, "agenda_sha256": digest},
    )
    return locked


def agenda_adopted(session: Session) -> bool:
    motion = session.agenda_motion
    return bool(
        motion
        and motion.status in (MotionStatus.CERTIFIED, MotionStatus.PUBLISHED)
        and motion.outcome == MotionOutcome.ADOPTED
    )


@transaction.atomic
def late_item_put_to_vote(*, actor: Actor, item: AgendaItem) -> AgendaItem:
    """Ask the council to admit a late item, by the qualified majority its rules require."""
    locked = _lock(item.session)
    session_permissions.check_run_session(actor, locked.council)
    _require(locked, SessionStatus.OPEN)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if not item.late or item.admitted or item.admission_motion_id:
        raise Conflict(_("Only a late item not yet admitted or put to the vote can be."))
    majority = Fraction(rules_of_procedure(locked.council).late_item_majority)
    rule = rules.VotingRule.qualified_of_voting(threshold=majority).to_dict()
    motion = _session_vote(
        actor=actor,
        session=locked,
        title=(
            gettext_noop("Admission of a late item to the agenda of %(ref)s: %(title)s"),
            {"ref": locked.reference, "title": item.title},
        ),
        text=_("The Council admits to the agenda of session %(ref)s the item “%(title)s”.")
        % {"ref": locked.reference, "title": item.title},
        rule=rule,
    )
    item.admission_motion = motion
    item.save(update_fields=["admission_motion"])
    audit_record(
        actor=actor,
        action="agenda.late_item_vote",
        target=locked,
        after={"item": item.title, "motion": motion.reference, "majority": str(majority)},
    )
    return item


@transaction.atomic
def session_close(*, actor: Actor, session: Session) -> Session:
    """Close the session; its minutes can then be drafted from the record."""
    locked = _lock(session)
    session_permissions.check_run_session(actor, locked.council)
    _require(locked, SessionStatus.OPEN)
    locked.status = SessionStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        action="session.close",
        target=locked,
        before={"status": "open"},
        after={"status": "closed"},
    )
    return locked


@decision_handler(MotionKind.GENERAL)
def session_vote_carry_out(*, actor: Actor, motion: Motion) -> None:
    """What a certified procedural vote of a session changes: a late item, an amendment."""
    adopted = motion.outcome == MotionOutcome.ADOPTED
    item = AgendaItem.objects.select_for_update().filter(admission_motion=motion).first()
    if item is not None:
        item.admitted = adopted
        item.save(update_fields=["admitted"])
        audit_record(
            actor=actor,
            action="agenda.late_item_admitted" if adopted else "agenda.late_item_refused",
            target=item.session,
            after={"item": item.title, "motion": motion.reference},
        )
    amendment = Amendment.objects.select_for_update().filter(vote=motion).first()
    if amendment is not None:
        amendment.status = AmendmentStatus.ADOPTED if adopted else AmendmentStatus.REJECTED
        amendment.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="amendment.adopted" if adopted else "amendment.rejected",
            target=amendment.motion,
            after={"amendment": amendment.number, "vote": motion.reference},
        )


# -- attendance -------------------------------------------------------------------------------


def session_motions(session: Session) -> Any:
    """Every vote taken in the session: the agenda's, the items', their admissions, amendments."""
    return Motion.objects.filter(
        Q(agenda_item__session=session)
        | Q(admits_item__session=session)
        | Q(decides_amendment__motion__agenda_item__session=session)
        | Q(adopts_agenda_of=session)
    ).distinct()


def carry_attendance(session: Session, motions: Any = None) -> int:
    """Each vote of the session still taking attendance takes it from the session's record.

    The engine's rules that count members present read the per-vote attendance
    (:mod:`governance.services.attendance`); in a session that record is the session's
    check-ins and the secretary's marks, carried here by the platform to every vote that is
    tabled or open, so a delegation checks in once for the whole session. A state the vote
    cannot count (recused, outside its electorate) is left out, as that service decides.
    """
    from governance.models import Attendance
    from governance.services.attendance import OPEN_FOR_ATTENDANCE, attendance_mark

    actor = Actor.system("session-attendance")
    rows = list(session.attendance.select_related("member_state"))
    carried = 0
    for motion in (motions if motions is not None else session_motions(session)).filter(
        status__in=OPEN_FOR_ATTENDANCE
    ):
        marks = dict(
            Attendance.objects.filter(motion=motion).values_list("member_state_id", "present")
        )
        for row in rows:
            if marks.get(row.member_state_id) == row.present:
                continue
            try:
                with transaction.atomic():  # one state refused leaves the others' marks
                    attendance_mark(
                        actor=actor,
                        motion=motion,
                        member_state=row.member_state,
                        present=row.present,
                    )
            except DomainError:
                continue
            carried += 1
    return carried


def voting_members(session: Session) -> list[MemberState]:
    """The states that count for the quorum of presence: seated full members on the first day."""
    day = facility_date(session.starts_at)
    return [
        seat.member_state
        for seat in selectors.seat_list(council=session.council, on=day)
        if seat.member_state.status == MemberStatus.FULL
    ]


def _session_proxy(session: Session, state: MemberState) -> ProxyGrant | None:
    first, last = facility_date(session.starts_at), facility_date(session.ends_at)
    return (
        ProxyGrant.objects.filter(
            council=session.council,
            grantor=state,
            revoked_at__isnull=True,
            session_from__lte=first,
            session_until__gte=last,
        )
        .select_related("holder")
        .first()
    )


def _mark(
    *,
    actor: Actor,
    session: Session,
    state: MemberState,
    present: bool,
    source: str,
    people: list[int] | None,
) -> SessionAttendance:
    if session.status not in (SessionStatus.CONVENED, SessionStatus.OPEN):
        raise Conflict(
            _("Attendance is taken once the session is convened and until it closes."),
            field="member_state",
        )
    if state.pk not in {s.pk for s in voting_members(session)}:
        raise ValidationFailed(
            _("%(state)s has no voting seat on this council for the session.")
            % {"state": state.code},
            field="member_state",
        )
    accredited = {
        a.pk: a
        for a in selectors.accreditation_list(
            council=session.council,
            member_state=state,
            on=facility_date(session.starts_at),
            approved_only=True,
        )
    }
    chosen = list(people or [])
    stray = [p for p in chosen if p not in accredited]
    if stray:
        raise ValidationFailed(
            _("Name only people accredited to this council for %(state)s.") % {"state": state.code},
            field="people",
        )
    proxy = None if present else _session_proxy(session, state)
    before = SessionAttendance.objects.filter(session=session, member_state=state).first()
    row, _created = SessionAttendance.objects.update_or_create(
        session=session,
        member_state=state,
        defaults={
            "present": present,
            "source": source,
            "represented_by": proxy.holder if proxy else None,
            "marked_by": actor.user,
            "marked_at": timezone.now(),
        },
    )
    row.people.set([accredited[p] for p in chosen] if present else [])
    carry_attendance(session)
    audit_record(
        actor=actor,
        action="session.attendance",
        target=session,
        before={"state": state.code, "present": before.present} if before else None,
        after={
            "state": state.code,
            "present": present,
            "source": source,
            "people": sorted(chosen) if present else [],
            "represented_by": proxy.holder.code if proxy else None,
        },
    )
    return row


@transaction.atomic
def session_check_in(
    *, actor: Actor, session: Session, member_state: MemberState, people: list[int] | None = None
) -> SessionAttendance:
    """A delegation checks itself in, naming who of it is present."""
    locked = _lock(session)
    session_permissions.check_act_for_state(actor, locked.council, member_state)
    return _mark(
        actor=actor,
        session=locked,
        state=member_state,
        present=True,
        source=CheckInSource.CHECK_IN,
        people=people,
    )


@transaction.atomic
def session_attendance_mark(
    *,
    actor: Actor,
    session: Session,
    member_state: MemberState,
    present: bool,
    people: list[int] | None = None,
) -> SessionAttendance:
    """The secretary marks a delegation present or absent (an absent one may be represented)."""
    locked = _lock(session)
    session_permissions.check_run_session(actor, locked.council)
    return _mark(
        actor=actor,
        session=locked,
        state=member_state,
        present=present,
        source=CheckInSource.SECRETARY,
        people=people,
    )


@transaction.atomic
def session_proxy_grant(
    *, actor: Actor, session: Session, grantor: MemberState, holder: MemberState
) -> ProxyGrant:
    """A delegation gives its vote to another for the whole session (its days)."""
    return proxy_grant(
        actor=actor,
        council=session.council,
        grantor=grantor,
        holder=holder,
        session_from=facility_date(session.starts_at),
        session_until=facility_date(session.ends_at),
    )
