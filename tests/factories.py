"""Factories for test data; they build rows directly, as fixtures, not as app writes."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.hashers import make_password

from core.models import User
from governance.models import (
    Accreditation,
    AccreditationApproval,
    Council,
    CouncilKind,
    DelegateRole,
    MemberState,
    MemberStatus,
    Seat,
    StaffRole,
    StaffRoleKind,
)

PASSWORD = "correct horse battery staple"
FOUNDED = dt.date(2024, 1, 1)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class MemberStateFactory(factory.django.DjangoModelFactory[MemberState]):
    class Meta:
        model = MemberState
        django_get_or_create = ("code",)

    code = factory.Iterator(["DE", "FR", "IT", "ES", "NL", "BE", "AT", "SE", "PL", "DK"])
    name_en = factory.LazyAttribute(lambda s: f"State {s.code}")
    name_de = factory.LazyAttribute(lambda s: f"Staat {s.code}")
    name_fr = factory.LazyAttribute(lambda s: f"État {s.code}")
    status = MemberStatus.FULL
    accession_date = FOUNDED
    population = 10_000_000
    currency = "EUR"


class CouncilFactory(factory.django.DjangoModelFactory[Council]):
    class Meta:
        model = Council
        django_get_or_create = ("code",)

    code = "governing-council"
    kind = CouncilKind.GOVERNING_COUNCIL
    name_en = "Governing Council"
    name_de = "Verwaltungsrat"
    name_fr = "Conseil d'administration"


class SeatFactory(factory.django.DjangoModelFactory[Seat]):
    class Meta:
        model = Seat

    council = factory.SubFactory(CouncilFactory)
    member_state = factory.SubFactory(MemberStateFactory)
    seated_from = FOUNDED


class AccreditationFactory(factory.django.DjangoModelFactory[Accreditation]):
    class Meta:
        model = Accreditation

    user = factory.SubFactory(UserFactory)
    council = factory.SubFactory(CouncilFactory)
    member_state = factory.SubFactory(MemberStateFactory)
    role = DelegateRole.HEAD
    valid_from = FOUNDED
    # A fixture stands for an accreditation already in force (approved where approval is needed).
    approval = AccreditationApproval.APPROVED


class StaffRoleFactory(factory.django.DjangoModelFactory[StaffRole]):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    role = StaffRoleKind.COUNCIL_SECRETARY
    valid_from = FOUNDED
