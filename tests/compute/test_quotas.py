"""Periods split into quotas, allocations from certified decisions, members and freezes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from compute import services
from compute.errors import QuotaExceeded
from compute.models import (
    AllocationPeriod,
    AllocationRefusal,
    ComputeFreeze,
    NationalQuota,
    ProjectAllocation,
    SyncRun,
)
from core.actors import Actor
from core.errors import Conflict, MfaRequired, MfaStale, NotAllowed
from core.models import AuditEvent, AuditSource
from governance.models import Motion
from governance.signals import decision_certified
from tests.compute.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_split_adds_up_to_the_capacity(world: World):
    """Programme, reserve and the national quotas add up exactly to the period's capacity."""
    period = world.period
    quotas = {q.member_state.code: q for q in NationalQuota.objects.filter(period=period)}
    total = sum(q.minutes for q in quotas.values())
    assert period.programme_minutes == 100_000
    assert period.reserve_minutes == 50_000
    assert total + period.programme_minutes + period.reserve_minutes == 1_000_000
    # 35% of 850,000 equally, 65% by contribution (DE 0.5, FR 0.3, IT 0.2)
    assert quotas["DE"].equal_minutes == 99_167
    assert quotas["DE"].proportional_minutes == 276_250
    assert quotas["IT"].minutes < quotas["FR"].minutes < quotas["DE"].minutes
    assert AuditEvent.objects.filter(action="compute.period_split").exists()


def test_an_allocation_that_fits_is_charged_to_its_nation(world: World):
    project = world.project("FR", hours=1_000)
    allocation = world.allocate(project)
    assert allocation.member_state.code == "FR"
    assert allocation.minutes == 60_000
    assert AuditEvent.objects.filter(action="compute.allocation_create").exists()


def test_an_allocation_that_overdraws_is_refused_with_the_reason(world: World):
    """IT's quota is 212,500 minutes; asking for more is refused, saying by how much."""
    quota = NationalQuota.objects.get(period=world.period, member_state__code="IT").minutes
    project = world.project("IT")
    with pytest.raises(QuotaExceeded) as caught:
        world.allocate(project, minutes=quota + 7)
    assert "would overdraw IT's quota" in caught.value.message
    assert "by 7" in caught.value.message
    assert not ProjectAllocation.objects.exists()


def test_programme_projects_draw_on_the_programme(world: World):
    project = world.project("DE", programme=True)
    allocation = world.allocate(project, minutes=100_000)
    assert allocation.member_state is None
    with pytest.raises(QuotaExceeded):
        world.allocate(world.project("DE", programme=True), minutes=1)


def test_only_operators_with_mfa_allocate(world: World):
    project = world.project()
    stranger = Actor.for_user(UserFactory(), source=AuditSource.WEB, mfa_verified=True)
    with pytest.raises(NotAllowed):
        services.allocation_create(actor=stranger, project=project, period=world.period, minutes=60)
    no_mfa = Actor.for_user(world.operator, source=AuditSource.WEB, mfa_verified=False)
    with pytest.raises(MfaRequired):
        services.allocation_create(actor=no_mfa, project=project, period=world.period, minutes=60)


def _certify(world: World, project, hours: int, django_capture_on_commit_callbacks) -> Motion:
    """A project-approval motion certified as adopted, as governance sends it."""
    from tests.governance.voting_fixtures import make_council5

    motion = Motion.objects.create(
        reference=f"GC/T/{project.pk}",
        council=make_council5(with_shares=False).council,
        kind="project_approval",
        title="Approve",
        text="-",
        status="certified",
        outcome="adopted",
        rule={},
        opens_at=timezone.now() - dt.timedelta(days=2),
        closes_at=timezone.now() - dt.timedelta(days=1),
        project=project,
        gpu_hours=hours,
    )
    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(
            lambda: decision_certified.send(
                sender=Motion,
                motion_id=motion.pk,
                kind="project_approval",
                outcome="adopted",
                project_id=project.pk,
                gpu_hours=hours,
                council_code="governing-council",
            )
        )
    return motion


def test_an_adopted_project_gets_its_allocation_once(
    world: World, django_capture_on_commit_callbacks
):
    """The decision_certified receiver creates the allocation; a re-sent signal adds nothing."""
    project = world.project("DE", hours=500)
    motion = _certify(world, project, 500, django_capture_on_commit_callbacks)
    # when the signal comes again
    decision_certified.send(
        sender=Motion, motion_id=motion.pk, kind="project_approval", outcome="adopted",
        project_id=project.pk, gpu_hours=500, council_code="governing-council",
    )  # fmt: skip
    # then
    allocation = ProjectAllocation.objects.get()
    assert allocation.motion == motion
    assert allocation.minutes == 30_000
    assert allocation.period == world.period
    event = AuditEvent.objects.get(action="compute.allocation_create")
    assert event.actor_label == "system:decision_certified"


def test_an_adopted_project_beyond_the_quota_is_recorded_as_refused(
    world: World, django_capture_on_commit_callbacks
):
    project = world.project("IT", hours=10_000)
    motion = _certify(world, project, 10_000, django_capture_on_commit_callbacks)
    refusal = AllocationRefusal.objects.get(motion=motion)
    assert "would overdraw IT's quota" in refusal.reason
    assert not ProjectAllocation.objects.exists()


def test_a_project_outside_every_period_is_refused(
    world: World, django_capture_on_commit_callbacks
):
    project = world.project("DE", start=world.period.ends_on + dt.timedelta(days=10))
    _certify(world, project, 10, django_capture_on_commit_callbacks)
    assert "No allocation period covers" in AllocationRefusal.objects.get().reason


def test_members_are_managed_by_the_lead(world: World, mfa_actor):
    project = world.project()
    lead = mfa_actor(project.lead)
    member = UserFactory(username="member1")
    services.project_member_add(actor=lead, project=project, user=member)
    with pytest.raises(Conflict):
        services.project_member_add(actor=lead, project=project, user=member)
    other = mfa_actor(UserFactory(username="other"))
    with pytest.raises(NotAllowed):
        services.project_member_add(actor=other, project=project, user=UserFactory())
    services.project_member_remove(actor=lead, project=project, user=member)
    assert not project.compute_members.exists()


def test_a_freeze_syncs_on_commit(world: World, django_capture_on_commit_callbacks, memory_backend):
    """A freeze order runs the sync as soon as it commits; the account is frozen in Slurm."""
    project = world.project()
    world.allocate(project)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_freeze(actor=world.op, project=project, reason="safety review")
    # then
    run = SyncRun.objects.get()
    assert run.status == "succeeded"
    rows = {a.account: a for a in memory_backend.associations("concordia") if not a.user}
    assert rows[project.code].frozen
    with pytest.raises(Conflict):
        services.project_compute_freeze(actor=world.op, project=project, reason="again")
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_unfreeze(actor=world.op, project=project, reason="cleared")
    rows = {a.account: a for a in memory_backend.associations("concordia") if not a.user}
    assert not rows[project.code].frozen


def test_a_freeze_commits_even_when_the_broker_is_down(
    world: World, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """If the sync cannot be queued the freeze still stands; the beat sync catches up."""
    from compute import tasks

    def down(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.compute_sync, "delay", down)
    project = world.project()
    world.allocate(project)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_freeze(actor=world.op, project=project, reason="review")
    assert ComputeFreeze.objects.filter(project=project, lifted_at__isnull=True).exists()
    assert "could not be queued" in caplog.text


def test_safety_officers_may_freeze(world: World, mfa_actor):
    from governance.models import StaffRoleKind
    from tests.factories import StaffRoleFactory

    officer = UserFactory(username="safety")
    StaffRoleFactory(user=officer, role=StaffRoleKind.SAFETY_OFFICER)
    project = world.project()
    freeze = services.project_compute_freeze(
        actor=mfa_actor(officer),
        project=project,
        reason="escalation",
        until=timezone.now() + dt.timedelta(days=1),
    )
    assert freeze.ordered_by == "safety"


def test_model_rules_hold_on_both_paths(world: World):
    """full_clean refuses bad periods and freezes; the database refuses them too."""
    bad = AllocationPeriod(
        cluster=world.cluster, name="bad", starts_on=dt.date(2030, 1, 2),
        ends_on=dt.date(2030, 1, 1), capacity_minutes=10, programme_share=Decimal("0.7"),
        reserve_share=Decimal("0.5"), equal_share=Decimal("0.35"),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        bad.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationPeriod.objects.bulk_create([bad])
    overlapping = AllocationPeriod(
        cluster=world.cluster, name="overlap", starts_on=world.period.starts_on,
        ends_on=world.period.ends_on, capacity_minutes=10, programme_share=Decimal("0"),
        reserve_share=Decimal("0"), equal_share=Decimal("0"),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        overlapping.full_clean()
    project = world.project()
    with pytest.raises(ValidationError):
        ComputeFreeze(project=project, reason=" ", ordered_by="x").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ComputeFreeze.objects.bulk_create(
            [ComputeFreeze(project=project, reason="", ordered_by="x")]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectAllocation.objects.bulk_create(
            [ProjectAllocation(project=project, period=world.period, minutes=0)]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        NationalQuota.objects.bulk_create(
            [NationalQuota(period=world.period, member_state=world.states["DE"], share=0,
                           equal_minutes=1, proportional_minutes=1, minutes=3)]
        )  # fmt: skip


def test_freeze_and_unfreeze_need_a_fresh_second_factor(world: World, memory_backend):
    """An operator whose code is 16 minutes old can neither freeze nor unfreeze; the platform can."""
    project = world.project()
    stale = dataclasses.replace(world.op, mfa_at=time.time() - 16 * 60)
    with pytest.raises(MfaStale):
        services.project_compute_freeze(actor=stale, project=project, reason="review")
    assert not ComputeFreeze.objects.filter(project=project).exists()
    services.project_compute_freeze(
        actor=Actor.system("tests", source=AuditSource.COMMAND), project=project, reason="review"
    )
    with pytest.raises(MfaStale):
        services.project_compute_unfreeze(actor=stale, project=project, reason="cleared")
    assert ComputeFreeze.objects.filter(project=project, lifted_at__isnull=True).exists()
