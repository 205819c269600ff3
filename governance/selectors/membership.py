"""Reads of membership: member states, councils, seats, accreditations, staff roles, voting rights."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from core.clock import facility_today
from core.models import User
from governance.models import (
    CONFIDENTIAL_COUNCIL_KINDS,
    VOTING_ROLES,
    Accreditation,
    AccreditationApproval,
    ContributionShare,
    Council,
    MemberState,
    Seat,
    StaffRole,
    StaffRoleKind,
    VotingRightsSuspension,
)


def today() -> dt.date:
    """The date in the facility's time zone; periods are whole days there."""
    return facility_today()


def _current(prefix: str, on: dt.date) -> Q:
    return Q(**{f"{prefix}from__lte": on}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gt": on})
    )


def member_state_list(
    *,
    status: str | None = None,
    statuses: Iterable[str] | None = None,
    acceded_by_year: int | None = None,
) -> QuerySet[MemberState]:
    """Member states by code; only those of a status (or statuses), or acceded by a year."""
    qs = MemberState.objects.all()
    if status:
        qs = qs.filter(status=status)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    if acceded_by_year is not None:
        qs = qs.filter(accession_date__year__lte=acceded_by_year)
    return qs.order_by("code")


def member_state_get(*, code: str) -> MemberState | None:
    return MemberState.objects.filter(code=code.upper()).first()


def seat_list(
    *,
    council: Council | None = None,
    member_state: MemberState | None = None,
    on: dt.date | None = None,
) -> QuerySet[Seat]:
    """Seats, with their council and state joined; only those held on `on` if given."""
    qs = Seat.objects.select_related("council", "member_state")
    if council is not None:
        qs = qs.filter(council=council)
    if member_state is not None:
        qs = qs.filter(member_state=member_state)
    if on is not None:
        qs = qs.filter(_current("seated_", on))
    return qs.order_by("council__code", "member_state__code", "seated_from")


def council_list(*, on: dt.date | None = None) -> QuerySet[Council]:
    """Councils with the seats held on `on` (today by default) prefetched in one query."""
    on = on or today()
    return Council.objects.prefetch_related(
        Prefetch("seats", queryset=seat_list(on=on), to_attr="current_seats")
    ).order_by("code")


def council_get(*, code: str) -> Council | None:
    return Council.objects.filter(code=code).first()


def accreditation_list(
    *,
    council: Council | None = None,
    member_state: MemberState | None = None,
    on: dt.date | None = None,
    approved_only: bool = False,
) -> QuerySet[Accreditation]:
    """Accreditations; `approved_only` leaves out those awaiting the secretariat's approval."""
    qs = Accreditation.objects.select_related("user", "member_state", "council")
    if council is not None:
        qs = qs.filter(council=council)
    if member_state is not None:
        qs = qs.filter(member_state=member_state)
    if on is not None:
        qs = qs.filter(_current("valid_", on))
    if approved_only:
        qs = qs.filter(approval=AccreditationApproval.APPROVED)
    return qs.order_by("council__code", "member_state__code", "role", "user__username")


def accreditations_for_user(*, user: User, on: dt.date | None = None) -> QuerySet[Accreditation]:
    """The user's accreditations held on `on` (today by default): the 'my councils' page.

    Pending ones are included (the page says they await approval); they grant nothing.
    """
    return accreditation_list(on=on or today()).filter(user=user)


def voting_accreditation(
    *, user: User, council: Council, on: dt.date | None = None
) -> Accreditation | None:
    """The approved accreditation through which `user` may cast a state's vote in `council`."""
    return (
        accreditation_list(council=council, on=on or today(), approved_only=True)
        .filter(user=user, role__in=VOTING_ROLES)
        .first()
    )


def council_ids_accredited(*, user: User, on: dt.date | None = None) -> set[int]:
    """The councils where `user` holds an approved accreditation on `on`, in any role."""
    return set(
        accreditation_list(on=on or today(), approved_only=True)
        .filter(user=user)
        .values_list("council_id", flat=True)
    )


def accreditations_pending(*, councils: QuerySet[Council] | None = None) -> QuerySet[Accreditation]:
    """Accreditations awaiting the secretariat's approval that have not ended, oldest first."""
    qs = accreditation_list(approved_only=False).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=today()),
        approval=AccreditationApproval.PENDING,
    )
    if councils is not None:
        qs = qs.filter(council__in=councils)
    return qs.order_by("valid_from", "id")


def needs_secretariat_approval(council: Council) -> bool:
    """Whether accreditations to `council` open confidential material (the Safety Board)."""
    return council.kind in CONFIDENTIAL_COUNCIL_KINDS


def staff_roles_for_user(*, user: User, on: dt.date | None = None) -> QuerySet[StaffRole]:
    on = on or today()
    return StaffRole.objects.filter(_current("valid_", on), user=user).select_related("council")


def has_staff_role(
    *, user: User, role: StaffRoleKind, council: Council | None = None, on: dt.date | None = None
) -> bool:
    """Whether `user` holds `role` on `on`.

    For a council secretary: with a council, a secretary of that council or a council-wide one;
    without a council, only a council-wide secretary (one council's secretary is not "the
    secretariat").
    """
    qs = staff_roles_for_user(user=user, on=on).filter(role=role)
    if role == StaffRoleKind.COUNCIL_SECRETARY:
        if council is None:
            qs = qs.filter(council__isnull=True)
        else:
            qs = qs.filter(Q(council__isnull=True) | Q(council=council))
    return qs.exists()


def councils_served(*, user: User, on: dt.date | None = None) -> QuerySet[Council]:
    """The councils `user` serves as secretary on `on`: every council for a council-wide role."""
    roles = staff_roles_for_user(user=user, on=on).filter(role=StaffRoleKind.COUNCIL_SECRETARY)
    if user.is_superuser or roles.filter(council__isnull=True).exists():
        return Council.objects.order_by("code")
    return Council.objects.filter(pk__in=roles.values("council_id")).order_by("code")


def accreditations_expiring(
    *, within_days: int, on: dt.date | None = None
) -> QuerySet[Accreditation]:
    """Current accreditations that end within `within_days` and whose holder was not yet told."""
    on = on or today()
    return accreditation_list(on=on, approved_only=True).filter(
        valid_until__isnull=False,
        valid_until__lte=on + dt.timedelta(days=within_days),
        expiry_notice_sent_at__isnull=True,
    )


def voting_rights_suspensions_open(
    *, member_state: MemberState | None = None
) -> QuerySet[VotingRightsSuspension]:
    """Suspensions of voting rights not yet restored (of one state if given), whatever the reason."""
    qs = VotingRightsSuspension.objects.filter(restored_at__isnull=True)
    if member_state is not None:
        qs = qs.filter(member_state=member_state)
    return qs


def states_suspended() -> set[str]:
    """The codes of the states whose voting rights are suspended right now."""
    return set(
        VotingRightsSuspension.objects.filter(restored_at__isnull=True).values_list(
            "member_state__code", flat=True
        )
    )


def voting_rights_history(member_state: MemberState) -> QuerySet[VotingRightsSuspension]:
    """Every suspension of a state's voting rights, with its restoration if any, newest first."""
    return VotingRightsSuspension.objects.filter(member_state=member_state).order_by(
        "-suspended_at", "-id"
    )


def contribution_shares_on(day: dt.date) -> dict[str, Decimal]:
    """Each state's contribution share valid on `day` (the latest begun by then), by state code."""
    shares: dict[str, Decimal] = {}
    for code, share in (
        ContributionShare.objects.filter(valid_from__lte=day)
        .order_by("member_state_id", "valid_from")
        .values_list("member_state__code", "share")
    ):
        shares[code] = share  # the latest valid one wins
    return shares


def contribution_share_list(*, on: dt.date | None = None) -> QuerySet[ContributionShare]:
    """Every contribution share with its state, by state code and newest first; begun by `on`."""
    qs = ContributionShare.objects.select_related("member_state").order_by(
        "member_state__code", "-valid_from"
    )
    if on is not None:
        qs = qs.filter(valid_from__lte=on)
    return qs


def council_secretaries(council: Council, *, on: dt.date | None = None) -> list[User]:
    """The people who run this council's votes today: its own secretaries, then council-wide ones."""
    on = on or today()
    roles = (
        StaffRole.objects.filter(_current("valid_", on), role=StaffRoleKind.COUNCIL_SECRETARY)
        .filter(Q(council=council) | Q(council__isnull=True))
        .select_related("user")
        .order_by("council_id", "user__last_name", "user__username")
    )
    people: dict[int, User] = {}
    for role in roles:
        people.setdefault(role.user_id, role.user)
    return list(people.values())
