"""A small council ready to vote: five seated states, a voting head for each, a secretary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.actors import Actor
from core.models import AuditSource, User
from governance import services
from governance.models import (
    ContributionShare,
    Council,
    DelegateRole,
    MemberState,
    Motion,
    MotionStatus,
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

POPULATION = {
    "DE": 83_500_000,
    "FR": 68_400_000,
    "IT": 58_900_000,
    "ES": 48_600_000,
    "NL": 17_900_000,
}
SHARES = {
    "DE": Decimal("0.30"),
    "FR": Decimal("0.25"),
    "IT": Decimal("0.20"),
    "ES": Decimal("0.15"),
    "NL": Decimal("0.10"),
}


@dataclass
class Council5:
    council: Council
    states: dict[str, MemberState]
    heads: dict[str, User]
    secretary: User
    sec: Actor
    actors: dict[str, Actor] = field(default_factory=dict)

    def motion(self, **overrides: Any) -> Motion:
        now = timezone.now()
        values: dict[str, Any] = {
            "council": self.council,
            "kind": "general",
            "title": "Adopt the data-retention policy",
            "text": "The Council adopts the policy annexed.",
            "opens_at": now + dt.timedelta(minutes=1),
            "closes_at": now + dt.timedelta(days=2),
        }
        return services.motion_create(actor=self.sec, **{**values, **overrides})

    def open(self, **overrides: Any) -> Motion:
        motion = self.motion(**overrides)
        services.motion_table(actor=self.sec, motion=motion)
        return services.motion_open(actor=self.sec, motion=motion)

    def vote(self, motion: Motion, state: str, choice: str, *, by: str | None = None) -> Any:
        return services.ballot_cast(
            actor=self.actors[by or state],
            motion=motion,
            member_state=self.states[state],
            choice=choice,
        )

    def expire(self, motion: Motion) -> Motion:
        """Move the closing time into the past, as if the deadline had passed."""
        Motion.objects.filter(pk=motion.pk).update(
            opens_at=timezone.now() - dt.timedelta(days=2),
            closes_at=timezone.now() - dt.timedelta(seconds=1),
        )
        motion.refresh_from_db()
        return motion

    def close_and_certify(self, motion: Motion) -> Motion:
        motion = self.expire(motion)
        services.motion_close(actor=self.sec, motion=motion)
        return services.motion_certify(actor=self.sec, motion=motion)


def make_council5(
    *, with_shares: bool = True, code: str = "governing-council", kind: str = "governing_council"
) -> Council5:
    council = CouncilFactory(code=code, kind=kind)
    states = {}
    heads = {}
    actors = {}
    for code, population in POPULATION.items():
        state = MemberStateFactory(code=code, population=population)
        SeatFactory(council=council, member_state=state)
        head = UserFactory(username=f"{code.lower()}-head", email=f"{code.lower()}@example.org")
        AccreditationFactory(user=head, council=council, member_state=state, role=DelegateRole.HEAD)
        states[code], heads[code] = state, head
        actors[code] = Actor.for_user(head, source=AuditSource.WEB, mfa_verified=True)
        if with_shares:
            ContributionShare.objects.create(
                member_state=state,
                share=SHARES[code],
                valid_from=dt.date(2024, 1, 1),
                source="test scale",
            )
    secretary = UserFactory(username="secretary")
    StaffRoleFactory(user=secretary, role=StaffRoleKind.COUNCIL_SECRETARY)
    sec = Actor.for_user(secretary, source=AuditSource.WEB, mfa_verified=True)
    assert MotionStatus.DRAFT
    return Council5(
        council=council, states=states, heads=heads, secretary=secretary, sec=sec, actors=actors
    )
