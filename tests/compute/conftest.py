"""Compute fixtures: a cluster with a split period, projects with leads, the Slurm daemons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from compute import services
from compute.backends.memory import MemoryBackend, instance
from compute.models import AllocationPeriod, Cluster
from core.actors import Actor
from core.models import AuditSource, User
from governance.models import ContributionShare, MemberState, ResearchProject, StaffRoleKind
from governance.selectors import today
from tests.compute.slurm_daemons import slurm_daemons  # noqa: F401 - session fixture
from tests.factories import MemberStateFactory, StaffRoleFactory, UserFactory

SHARES = {"DE": Decimal("0.5"), "FR": Decimal("0.3"), "IT": Decimal("0.2")}


@pytest.fixture(autouse=True)
def memory_backend(settings: Any) -> Iterator[MemoryBackend]:
    """Every compute test starts with an empty in-memory cluster, selected by the setting."""
    settings.COMPUTE_SLURM_BACKEND = "memory"
    backend = instance()
    backend.reset()
    yield backend
    backend.reset()


@dataclass
class World:
    cluster: Cluster
    period: AllocationPeriod
    states: dict[str, MemberState]
    operator: User
    op: Actor
    projects: dict[str, ResearchProject] = field(default_factory=dict)
    counter: int = 0

    def project(
        self,
        state: str = "DE",
        *,
        hours: int = 100,
        programme: bool = False,
        lead: User | None = None,
        start: dt.date | None = None,
        code: str | None = None,
    ) -> ResearchProject:
        """A proposed project whose first day falls in the period (rows made directly)."""
        self.counter += 1
        code = code or f"p-2026-{self.counter:04d}"
        lead = lead or UserFactory(username=f"lead-{code}")  # type: ignore[assignment]
        start = start or self.period.starts_on + dt.timedelta(days=1)
        project = ResearchProject.objects.create(
            code=code,
            title=f"Project {code}",
            abstract="A study.",
            host_institution="An institute",
            host_state=self.states[state],
            charged_to_programme=programme,
            lead=lead,
            gpu_hours_requested=hours,
            period_start=start,
            period_end=start + dt.timedelta(days=60),
            safety_self_assessment="Low risk.",
        )
        self.projects[code] = project
        return project

    def allocate(self, project: ResearchProject, minutes: int | None = None) -> Any:
        return services.allocation_create(
            actor=self.op,
            project=project,
            period=self.period,
            minutes=minutes or project.gpu_hours_requested * 60,
        )


def make_world(*, capacity: int = 1_000_000, start_offset_days: int = -30) -> World:
    system = Actor.system("tests", source=AuditSource.COMMAND)
    states = {}
    for code, share in SHARES.items():
        states[code] = MemberStateFactory(code=code)
        ContributionShare.objects.create(
            member_state=states[code], share=share, valid_from=dt.date(2024, 1, 1), source="test"
        )
    operator = UserFactory(username="operator")
    StaffRoleFactory(user=operator, role=StaffRoleKind.COMPUTE_OPERATOR)
    op = Actor.for_user(operator, source=AuditSource.WEB, mfa_verified=True)
    cluster = services.cluster_create(
        actor=system, name="concordia", description="test", gpu_types={"h100": 8}
    )
    start = today() + dt.timedelta(days=start_offset_days)
    period = services.period_create(
        actor=op,
        cluster=cluster,
        name="current",
        starts_on=start,
        ends_on=start + dt.timedelta(days=90),
        capacity_minutes=capacity,
        programme_share=Decimal("0.10"),
        reserve_share=Decimal("0.05"),
        equal_share=Decimal("0.35"),
    )
    period = services.period_split(actor=op, period=period)
    return World(cluster=cluster, period=period, states=states, operator=operator, op=op)


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


@pytest.fixture
def real(slurm_daemons: Any, settings: Any) -> Any:  # noqa: F811 - the session fixture by name
    """The real command-line backend against the session's daemons, with an empty account tree."""
    from compute.backends.cli import CliBackend
    from tests.compute.slurm_daemons import wipe

    settings.COMPUTE_SLURM_BACKEND = "cli"
    settings.COMPUTE_SLURM_CONF = str(slurm_daemons.conf)
    settings.COMPUTE_SLURM_CLUSTER_CONFS = {k: str(v) for k, v in slurm_daemons.confs.items()}
    for name, conf in slurm_daemons.confs.items():
        wipe(CliBackend(conf=str(conf)), name)
    return CliBackend()
