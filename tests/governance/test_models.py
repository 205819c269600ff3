"""Every model rule is refused twice: by full_clean() and by the database itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core.models import ApiToken, AuditEvent
from governance.models import (
    Accreditation,
    Council,
    DelegateRole,
    MemberState,
    Seat,
    StaffRole,
    StaffRoleKind,
)
from tests.factories import (
    AccreditationFactory,
    CouncilFactory,
    MemberStateFactory,
    SeatFactory,
    StaffRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


def state(**overrides: Any) -> MemberState:
    values = {
        "code": "PT",
        "name_en": "Portugal",
        "name_de": "Portugal",
        "name_fr": "Portugal",
        "status": "full",
        "accession_date": D(2024, 1, 1),
        "population": 10_000_000,
        "currency": "EUR",
    }
    return MemberState(**{**values, **overrides})


def council(**overrides: Any) -> Council:
    values = {
        "code": "x-council",
        "kind": "safety_board",
        "name_en": "X",
        "name_de": "X",
        "name_fr": "X",
    }
    return Council(**{**values, **overrides})


def seat(**overrides: Any) -> Seat:
    values = {
        "council": CouncilFactory(),
        "member_state": MemberStateFactory(code="DE"),
        "seated_from": D(2024, 1, 1),
    }
    return Seat(**{**values, **overrides})


def accreditation(**overrides: Any) -> Accreditation:
    values = {
        "user": UserFactory(username="delegate"),
        "council": CouncilFactory(),
        "member_state": MemberStateFactory(code="DE"),
        "role": DelegateRole.DELEGATE,
        "valid_from": D(2024, 1, 1),
    }
    return Accreditation(**{**values, **overrides})


def staff_role(**overrides: Any) -> StaffRole:
    values = {
        "user": UserFactory(username="staff"),
        "role": StaffRoleKind.FINANCE_OFFICER,
        "valid_from": D(2024, 1, 1),
    }
    return StaffRole(**{**values, **overrides})


def overlapping_seat() -> Seat:
    first = SeatFactory(seated_from=D(2024, 1, 1), seated_until=D(2026, 1, 1))
    return seat(council=first.council, member_state=first.member_state, seated_from=D(2025, 6, 1))


def second_state_for_same_person() -> Accreditation:
    first = AccreditationFactory(role=DelegateRole.DELEGATE)
    return accreditation(
        user=first.user,
        council=first.council,
        member_state=MemberStateFactory(code="FR"),
        valid_from=D(2025, 1, 1),
    )


def second_head() -> Accreditation:
    first = AccreditationFactory(role=DelegateRole.HEAD)
    return accreditation(
        user=UserFactory(username="other-head"),
        council=first.council,
        member_state=first.member_state,
        role=DelegateRole.HEAD,
        valid_from=D(2025, 1, 1),
    )


def duplicate_code() -> MemberState:
    MemberStateFactory(code="PT")
    return state(code="PT")


def audit_event(**overrides: Any) -> AuditEvent:
    values = {"actor_label": "x", "source": "web", "action": "x"}
    return AuditEvent(**{**values, **overrides})


def api_token(**overrides: Any) -> ApiToken:
    now = timezone.now()
    values = {
        "user": UserFactory(username="tok"),
        "name": "t",
        "prefix": "cnc_x",
        "key_sha256": "0" * 64,
        "created_at": now,
        "expires_at": now + dt.timedelta(days=1),
    }
    return ApiToken(**{**values, **overrides})


CASES: list[tuple[str, Callable[[], models.Model]]] = [
    ("member state code not ISO alpha-2", lambda: state(code="d1")),
    ("member state code lower case", lambda: state(code="pt")),
    ("member state currency not ISO 4217", lambda: state(currency="eu1")),
    ("member state unknown status", lambda: state(status="emperor")),
    ("member state population zero", lambda: state(population=0)),
    ("member state without English name", lambda: state(name_en="")),
    ("member state code taken", duplicate_code),
    ("council unknown kind", lambda: council(kind="senate")),
    ("council without English name", lambda: council(name_en="")),
    (
        "seat ends before it starts",
        lambda: seat(seated_from=D(2025, 1, 1), seated_until=D(2024, 1, 1)),
    ),
    (
        "seat ends the day it starts",
        lambda: seat(seated_from=D(2025, 1, 1), seated_until=D(2025, 1, 1)),
    ),
    ("seat overlaps another", overlapping_seat),
    ("accreditation ends before it starts", lambda: accreditation(valid_until=D(2023, 1, 1))),
    ("accreditation unknown role", lambda: accreditation(role="ambassador")),
    ("one person for two states in one council", second_state_for_same_person),
    ("two heads of one delegation", second_head),
    ("staff role ends before it starts", lambda: staff_role(valid_until=D(2023, 1, 1))),
    ("staff role unknown kind", lambda: staff_role(role="king")),
    ("council on a non-secretary role", lambda: staff_role(council=CouncilFactory())),
    ("audit event unknown source", lambda: audit_event(source="carrier-pigeon")),
    (
        "api token expires before it is made",
        lambda: api_token(expires_at=timezone.now() - dt.timedelta(days=1)),
    ),
]


@pytest.mark.parametrize(("case", "build"), CASES, ids=[c for c, _ in CASES])
def test_full_clean_refuses(case: str, build: Callable[[], models.Model]) -> None:
    """The model's validation names the broken rule before anything is written."""
    instance = build()
    with pytest.raises(ValidationError):
        instance.full_clean()


@pytest.mark.parametrize(("case", "build"), CASES, ids=[c for c, _ in CASES])
def test_database_refuses(case: str, build: Callable[[], models.Model]) -> None:
    """A raw insert that skips validation is refused by the database."""
    instance = build()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(instance)._default_manager.bulk_create([instance])


def test_consecutive_periods_do_not_overlap():
    """A seat may start the very day the previous one ended (periods are half-open)."""
    first = SeatFactory(seated_from=D(2024, 1, 1), seated_until=D(2025, 1, 1))
    follow_up = seat(
        council=first.council, member_state=first.member_state, seated_from=D(2025, 1, 1)
    )
    follow_up.full_clean()
    follow_up.save()
    assert Seat.objects.count() == 2


def test_a_head_may_follow_a_head():
    """A new head may take over the day the previous head's accreditation ends."""
    first = AccreditationFactory(role=DelegateRole.HEAD, valid_until=D(2025, 1, 1))
    follow_up = accreditation(
        user=UserFactory(username="next-head"),
        council=first.council,
        member_state=first.member_state,
        role=DelegateRole.HEAD,
        valid_from=D(2025, 1, 1),
    )
    follow_up.full_clean()
    follow_up.save()


def test_valid_records_pass_both_checks():
    """The builders above are valid until a case breaks them."""
    for build in (state, council, seat, accreditation, staff_role, audit_event, api_token):
        instance = build()
        instance.full_clean()
        instance.save()
    assert StaffRoleFactory(
        role=StaffRoleKind.COUNCIL_SECRETARY, council=CouncilFactory(code="fc")
    ).pk
