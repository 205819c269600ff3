"""Who may do what in governance, checked at the service, whatever the channel."""

from __future__ import annotations

import datetime as dt

import pytest

from core.actors import Actor
from core.errors import MfaRequired, NotAllowed
from core.models import AuditSource
from governance import permissions, services
from governance.models import DelegateRole, StaffRoleKind
from governance.selectors import today
from tests.factories import CouncilFactory, MemberStateFactory, StaffRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def actor(user, *, mfa=True):
    return Actor.for_user(user, source=AuditSource.API, mfa_verified=mfa)


def test_secretary_with_mfa_may_manage_membership(secretary):
    """The secretary with a second factor passes."""
    permissions.check_manage_membership(actor(secretary))


def test_secretary_without_mfa_is_asked_for_it(secretary):
    """The same secretary without the second factor is refused with mfa_required."""
    with pytest.raises(MfaRequired) as err:
        permissions.check_manage_membership(actor(secretary, mfa=False))
    assert err.value.code == "mfa_required"


def test_expired_role_no_longer_counts(db):
    """A secretary whose role ended yesterday is no secretary today."""
    user = UserFactory(username="former")
    StaffRoleFactory(
        user=user,
        valid_until=today() - dt.timedelta(days=1),
        valid_from=dt.date(2020, 1, 1),
    )
    with pytest.raises(NotAllowed):
        permissions.check_manage_membership(actor(user))


def test_other_staff_roles_are_not_secretaries(db):
    """A finance officer cannot change member states."""
    user = UserFactory(username="finance")
    StaffRoleFactory(user=user, role=StaffRoleKind.FINANCE_OFFICER)
    with pytest.raises(NotAllowed):
        permissions.check_manage_membership(actor(user))


def test_council_secretary_is_limited_to_their_council(council):
    """The Safety Board's secretary cannot change the Governing Council's seats."""
    board = CouncilFactory(code="safety-board", kind="safety_board")
    user = UserFactory(username="board-secretary")
    StaffRoleFactory(user=user, council=board)
    permissions.check_manage_seats(actor(user), board)
    with pytest.raises(NotAllowed):
        permissions.check_manage_seats(actor(user), council)


@pytest.mark.parametrize(
    ("state", "role", "allowed"),
    [
        ("DE", DelegateRole.ADVISER, True),
        ("DE", DelegateRole.ALTERNATE, True),
        ("DE", DelegateRole.DELEGATE, False),
        ("DE", DelegateRole.HEAD, False),
        ("FR", DelegateRole.ADVISER, False),
    ],
)
def test_head_of_delegation_accredits_only_own_alternates_and_advisers(
    de_head, council, seated, state, role, allowed
):
    """A head may add alternates and advisers for their own state, nothing more."""
    if allowed:
        permissions.check_accredit(actor(de_head), council, seated[state], role)
    else:
        with pytest.raises(NotAllowed):
            permissions.check_accredit(actor(de_head), council, seated[state], role)


def test_plain_delegate_cannot_accredit(council, seated):
    """A delegate who is not head of delegation accredits nobody."""
    from tests.factories import AccreditationFactory

    user = UserFactory(username="de-delegate")
    AccreditationFactory(
        user=user, council=council, member_state=seated["DE"], role=DelegateRole.DELEGATE
    )
    with pytest.raises(NotAllowed):
        permissions.check_accredit(actor(user), council, seated["DE"], DelegateRole.ADVISER)


def test_only_administrators_grant_staff_roles(secretary):
    """Even a secretary cannot make someone a finance officer."""
    target = UserFactory(username="new-staff")
    with pytest.raises(NotAllowed):
        services.staff_role_grant(
            actor=actor(secretary),
            user=target,
            role=StaffRoleKind.FINANCE_OFFICER,
            valid_from=dt.date(2026, 1, 1),
        )
    admin = UserFactory(username="root", is_superuser=True)
    services.staff_role_grant(
        actor=actor(admin),
        user=target,
        role=StaffRoleKind.FINANCE_OFFICER,
        valid_from=dt.date(2026, 1, 1),
    )


def test_member_state_code_cannot_change(system_actor):
    """The ISO code is the state's identity everywhere; it is fixed."""
    from core.errors import ValidationFailed

    state = MemberStateFactory(code="DE")
    with pytest.raises(ValidationFailed) as err:
        services.member_state_update(actor=system_actor, state=state, code="FR")
    assert err.value.field == "code"
