"""Every write in governance: one transaction, a permission check and an audit row each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, changed, snapshot
from core.bounds import check_day
from core.errors import Conflict, ValidationFailed
from core.models import User
from governance import permissions, selectors
from governance.models import (
    Accreditation,
    AccreditationApproval,
    Council,
    MemberState,
    Seat,
    StaffRole,
)

MEMBER_STATE_FIELDS = (
    "code",
    "name_en",
    "name_de",
    "name_fr",
    "status",
    "accession_date",
    "population",
    "population_year",
    "currency",
)
COUNCIL_FIELDS = ("code", "kind", "name_en", "name_de", "name_fr")


def _apply(instance: Any, fields: tuple[str, ...], values: dict[str, Any]) -> None:
    unknown = set(values) - set(fields)
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    for name, value in values.items():
        setattr(instance, name, value)


@transaction.atomic
def member_state_create(*, actor: Actor, **values: Any) -> MemberState:
    """Admit a member state."""
    permissions.check_manage_membership(actor)
    state = MemberState()
    _apply(state, MEMBER_STATE_FIELDS, values)
    state.code = (state.code or "").upper()
    check_day(state.accession_date, field="accession_date")
    state.full_clean()
    state.save()
    audit_record(actor=actor, action="member_state.create", target=state, after=snapshot(state))
    return state


@transaction.atomic
def member_state_update(*, actor: Actor, state: MemberState, **values: Any) -> MemberState:
    """Change a member state's names, status or figures; the code never changes."""
    permissions.check_manage_membership(actor)
    if "code" in values and values["code"].upper() != state.code:
        raise ValidationFailed(_("A member state's code cannot change."), field="code")
    locked = MemberState.objects.select_for_update().get(pk=state.pk)
    before = snapshot(locked)
    _apply(locked, MEMBER_STATE_FIELDS, {k: v for k, v in values.items() if k != "code"})
    if "accession_date" in values:
        check_day(locked.accession_date, field="accession_date")
    locked.full_clean()
    locked.save()
    old, new = changed(before, snapshot(locked))
    if new:
        audit_record(
            actor=actor, action="member_state.update", target=locked, before=old, after=new
        )
    return locked


@transaction.atomic
def council_create(*, actor: Actor, **values: Any) -> Council:
    """Set up a council."""
    permissions.check_manage_membership(actor)
    council = Council()
    _apply(council, COUNCIL_FIELDS, values)
    council.full_clean()
    council.save()
    audit_record(actor=actor, action="council.create", target=council, after=snapshot(council))
    return council


@transaction.atomic
def council_update(*, actor: Actor, council: Council, **values: Any) -> Council:
    """Rename a council or change its kind; its code never changes."""
    permissions.check_manage_membership(actor)
    if "code" in values and values["code"] != council.code:
        raise ValidationFailed(_("A council's code cannot change."), field="code")
    locked = Council.objects.select_for_update().get(pk=council.pk)
    before = snapshot(locked)
    _apply(locked, COUNCIL_FIELDS, {k: v for k, v in values.items() if k != "code"})
    locked.full_clean()
    locked.save()
    old, new = changed(before, snapshot(locked))
    if new:
        audit_record(actor=actor, action="council.update", target=locked, before=old, after=new)
    return locked


def _lock_council_and_state(council: Council, state: MemberState) -> None:
    # Fixed order (council, then state) so concurrent seat and accreditation writes never
    # deadlock, and overlapping periods are checked against committed rows only.
    Council.objects.select_for_update().filter(pk=council.pk).first()
    MemberState.objects.select_for_update().filter(pk=state.pk).first()


@transaction.atomic
def seat_grant(
    *,
    actor: Actor,
    council: Council,
    member_state: MemberState,
    seated_from: dt.date,
    seated_until: dt.date | None = None,
) -> Seat:
    """Give a member state a seat on a council for a period."""
    permissions.check_manage_seats(actor, council)
    check_day(seated_from, field="seated_from")
    check_day(seated_until, field="seated_until")
    _lock_council_and_state(council, member_state)
    seat = Seat(
        council=council,
        member_state=member_state,
        seated_from=seated_from,
        seated_until=seated_until,
    )
    seat.full_clean()
    seat.save()
    audit_record(actor=actor, action="seat.grant", target=seat, after=snapshot(seat))
    return seat


@transaction.atomic
def seat_end(*, actor: Actor, seat: Seat, seated_until: dt.date) -> Seat:
    """End a seat on a given day (the first day without it)."""
    permissions.check_manage_seats(actor, seat.council)
    check_day(seated_until, field="until")
    _lock_council_and_state(seat.council, seat.member_state)
    locked = Seat.objects.select_for_update().get(pk=seat.pk)
    before = snapshot(locked, ["seated_until"])
    locked.seated_until = seated_until
    locked.full_clean()
    locked.save(update_fields=["seated_until"])
    audit_record(
        actor=actor,
        action="seat.end",
        target=locked,
        before=before,
        after=snapshot(locked, ["seated_until"]),
    )
    return locked


def _check_no_project_under_escalation(user: User, council: Council) -> None:
    """Nobody judges their own project: its lead and members stay off the Safety Board."""
    if not selectors.needs_secretariat_approval(council):
        return
    projects = list(selectors.projects_under_escalation_for_user(user=user))
    if projects:
        raise ValidationFailed(
            _(
                "%(user)s leads or works on a project under escalation (%(projects)s) and cannot "
                "be accredited to %(council)s."
            )
            % {
                "user": user.get_username(),
                "projects": ", ".join(p.code for p in projects),
                "council": council.name,
            },
            field="user",
        )


@transaction.atomic
def accreditation_grant(
    *,
    actor: Actor,
    user: User,
    council: Council,
    member_state: MemberState,
    role: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
) -> Accreditation:
    """Accredit a person for a member state to a council; the state must hold a seat then.

    No accreditation starts in the past (only the platform itself, e.g. the demo loader or an
    import of earlier credentials, records one that did). To a council whose delegates read
    confidential material, one named by a head of delegation awaits the approval of that
    council's secretary (see :func:`accreditation_approve`) and grants nothing until then;
    one the secretary grants is approved at once.
    """
    permissions.check_accredit(actor, council, member_state, role)
    check_day(valid_from, field="valid_from")
    check_day(valid_until, field="valid_until")
    _lock_council_and_state(council, member_state)
    if valid_from < selectors.today() and not actor.is_system:
        raise ValidationFailed(
            _("An accreditation cannot start in the past (%(date)s is before today).")
            % {"date": valid_from.isoformat()},
            field="valid_from",
        )
    if (
        not selectors.seat_list(council=council, on=valid_from)
        .filter(member_state=member_state)
        .exists()
    ):
        raise ValidationFailed(
            _("%(state)s holds no seat on %(council)s on %(date)s.")
            % {"state": member_state.code, "council": council.name, "date": valid_from.isoformat()},
            field="member_state",
        )
    _check_no_project_under_escalation(user, council)
    approved = not selectors.needs_secretariat_approval(council) or permissions.is_secretary(
        actor, council
    )
    accreditation = Accreditation(
        user=user,
        council=council,
        member_state=member_state,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        approval=AccreditationApproval.APPROVED if approved else AccreditationApproval.PENDING,
        approved_by=actor.label if approved else "",
        approved_at=timezone.now() if approved else None,
    )
    accreditation.full_clean()
    accreditation.save()
    audit_record(
        actor=actor,
        action="accreditation.grant",
        target=accreditation,
        after=snapshot(accreditation),
    )
    return accreditation


@transaction.atomic
def accreditation_approve(*, actor: Actor, accreditation: Accreditation) -> Accreditation:
    """The council's secretary approves a pending accreditation; from then on it counts."""
    permissions.check_approve_accreditation(actor, accreditation.council)
    _lock_council_and_state(accreditation.council, accreditation.member_state)
    locked = (
        Accreditation.objects.select_for_update(of=("self",))
        .select_related("user", "council", "member_state")
        .get(pk=accreditation.pk)
    )
    if locked.approval != AccreditationApproval.PENDING:
        raise Conflict(_("This accreditation is already approved."), code="already_approved")
    if locked.valid_until is not None and locked.valid_until <= selectors.today():
        raise Conflict(_("This accreditation has ended; it cannot be approved."))
    # An escalation may have been raised since the head named this person.
    _check_no_project_under_escalation(locked.user, locked.council)
    locked.approval = AccreditationApproval.APPROVED
    locked.approved_by = actor.label
    locked.approved_at = timezone.now()
    locked.save(update_fields=["approval", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="accreditation.approve",
        target=locked,
        before={"approval": AccreditationApproval.PENDING.value},
        after={
            "approval": locked.approval,
            "user": locked.user.get_username(),
            "council": locked.council.code,
            "member_state": locked.member_state.code,
            "role": locked.role,
        },
    )
    return locked


@transaction.atomic
def accreditation_end(
    *, actor: Actor, accreditation: Accreditation, valid_until: dt.date
) -> Accreditation:
    """End an accreditation on a given day (the first day without it)."""
    permissions.check_accredit(
        actor, accreditation.council, accreditation.member_state, accreditation.role
    )
    check_day(valid_until, field="until")
    _lock_council_and_state(accreditation.council, accreditation.member_state)
    locked = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
    before = snapshot(locked, ["valid_until"])
    locked.valid_until = valid_until
    locked.full_clean()
    locked.save(update_fields=["valid_until"])
    audit_record(
        actor=actor,
        action="accreditation.end",
        target=locked,
        before=before,
        after=snapshot(locked, ["valid_until"]),
    )
    return locked


@transaction.atomic
def staff_role_grant(
    *,
    actor: Actor,
    user: User,
    role: str,
    valid_from: dt.date,
    council: Council | None = None,
    valid_until: dt.date | None = None,
) -> StaffRole:
    """Give a person a staff role (secretary, finance officer, safety officer, operator)."""
    permissions.check_manage_staff_roles(actor)
    check_day(valid_from, field="valid_from")
    check_day(valid_until, field="valid_until")
    staff_role = StaffRole(
        user=user, role=role, council=council, valid_from=valid_from, valid_until=valid_until
    )
    staff_role.full_clean()
    staff_role.save()
    audit_record(
        actor=actor, action="staff_role.grant", target=staff_role, after=snapshot(staff_role)
    )
    return staff_role


@transaction.atomic
def accreditation_expiry_notify(*, actor: Actor, accreditation: Accreditation) -> bool:
    """Tell the holder that an accreditation ends soon, once; returns whether a notice went out."""
    locked = (
        Accreditation.objects.select_for_update()
        .select_related("user", "council", "member_state")
        .get(pk=accreditation.pk)
    )
    if locked.expiry_notice_sent_at is not None or locked.valid_until is None:
        return False
    locked.expiry_notice_sent_at = timezone.now()
    locked.save(update_fields=["expiry_notice_sent_at"])
    audit_record(
        actor=actor,
        action="accreditation.expiry_notice",
        target=locked,
        after={"valid_until": locked.valid_until.isoformat(), "to": locked.user.email},
    )
    user = locked.user
    valid_until = locked.valid_until

    def send() -> None:
        with translation.override(user.preferred_language):
            subject = _("Your accreditation to %(council)s ends on %(date)s") % {
                "council": locked.council.name,
                "date": valid_until.isoformat(),
            }
            body = _(
                "Your accreditation for %(state)s to %(council)s ends on %(date)s. "
                "If your delegation should continue, please ask your mission to send new "
                "credentials to the secretariat before that date."
            ) % {
                "state": locked.member_state.name,
                "council": locked.council.name,
                "date": valid_until.isoformat(),
            }
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])

    # The mail goes only once the notice is committed, so a rollback never sends it.
    transaction.on_commit(send)
    return True


@transaction.atomic
def council_chair_set(*, actor: Actor, council: Council, user: User | None) -> Council:
    """Record who chairs a council (the Safety Board's chair may order interim freezes)."""
    permissions.check_manage_membership(actor)
    locked = Council.objects.select_for_update().get(pk=council.pk)
    before = {"chair": locked.chair.get_username() if locked.chair else None}
    locked.chair = user
    locked.save(update_fields=["chair"])
    audit_record(
        actor=actor,
        action="council.chair_set",
        target=locked,
        before=before,
        after={"chair": user.get_username() if user else None},
    )
    return locked
