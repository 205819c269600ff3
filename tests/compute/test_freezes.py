"""Operational and Safety Board freezes: who ordered them, who may lift them, and Slurm's view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from compute import services
from compute.errors import SafetyFreezeInForce
from compute.models import ComputeFreeze, FreezeAuthority
from core.actors import Actor
from core.errors import NotAllowed
from core.models import AuditSource
from governance import services as gov
from governance.models import StaffRoleKind
from tests.compute.conftest import World
from tests.conftest import enable_totp, sign_in
from tests.factories import StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db


def slurm_frozen(backend: Any, code: str) -> bool:
    rows = {a.account: a for a in backend.associations("concordia") if not a.user}
    return rows[code].frozen


def open_freezes(project: Any) -> dict[str, ComputeFreeze]:
    return {
        f.authority: f
        for f in ComputeFreeze.objects.filter(project=project, lifted_at__isnull=True)
    }


@pytest.fixture
def board(world: World) -> Council5:
    """A Safety Board of five with a chair and a safety officer, beside the compute world."""
    c5 = make_council5(code="safety-board", kind="safety_board", with_shares=False)
    chair = UserFactory(username="chair")
    gov.council_chair_set(actor=Actor.system("t"), council=c5.council, user=chair)
    c5.actors["chair"] = Actor.for_user(chair, source=AuditSource.WEB, mfa_verified=True)
    officer = UserFactory(username="officer")
    StaffRoleFactory(user=officer, role=StaffRoleKind.SAFETY_OFFICER)
    c5.actors["officer"] = Actor.for_user(officer, source=AuditSource.WEB, mfa_verified=True)
    return c5


def escalate(board: Council5, project: Any) -> Any:
    return gov.escalation_raise(
        actor=board.actors["officer"],
        projects=[project],
        severity="critical",
        confidential_account="An evaluation found uplift.",
        public_summary="A capability evaluation raised concerns.",
        proposed_measure="freeze",
    )


def decide(board: Council5, escalation: Any, measure: str, yes: set[str], capture: Any) -> Any:
    """Put a measure to the Board's vote, vote, close and certify (compute hears it on commit)."""
    now = timezone.now()
    motion = gov.safety_motion_create(
        actor=board.sec,
        escalation=escalation,
        measure=measure,
        level=None,
        opens_at=now,
        closes_at=now + dt.timedelta(days=2),
    )
    gov.motion_table(actor=board.sec, motion=motion)
    motion = gov.motion_open(actor=board.sec, motion=motion)
    for state in ("DE", "IT", "ES", "NL"):
        board.vote(motion, state, "yes" if state in yes else "no")
    with capture(execute=True):
        return board.close_and_certify(motion)


@pytest.fixture
def running(world: World) -> Any:
    """A French project with an allocation, already synced to the (in-memory) scheduler."""
    project = world.project("FR", hours=10)
    world.allocate(project)
    services.sync_run(actor=world.op, cluster=world.cluster)
    return project


@pytest.fixture
def operator_api(world: World, api_as: Any) -> Any:
    enable_totp(world.operator)
    return api_as(world.operator)


def test_the_operator_cannot_lift_the_chairs_interim_freeze_through_the_api(
    world, board, running, operator_api, memory_backend, django_capture_on_commit_callbacks
):
    """DELETE …/freeze/ on a project the Board froze answers 409 and the project stays frozen."""
    # given the chair's interim freeze, carried to compute on commit
    escalation = escalate(board, running)
    with django_capture_on_commit_callbacks(execute=True):
        gov.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    freeze = open_freezes(running)[FreezeAuthority.SAFETY_INTERIM]
    assert freeze.ordered_by == "chair"
    assert freeze.reference == escalation.reference
    assert slurm_frozen(memory_backend, running.code)
    # when the operator tries to lift it
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_api.delete(
            f"/api/v1/compute/projects/{running.code}/freeze/", {"reason": "x"}, format="json"
        )
    # then it is refused, saying why, and nothing changed
    assert response.status_code == 409
    assert response.json()["code"] == "safety_freeze_in_force"
    assert escalation.reference in response.json()["message"]
    assert "Safety Board" in response.json()["message"]
    assert set(open_freezes(running)) == {FreezeAuthority.SAFETY_INTERIM}
    assert slurm_frozen(memory_backend, running.code)
    body = operator_api.get(f"/api/v1/compute/projects/{running.code}/").json()
    assert body["frozen"] is True
    assert body["freezes"][0]["authority"] == "safety_interim"
    assert body["freezes"][0]["ordered_by"] == "chair"


def test_a_safety_officer_cannot_lift_a_safety_freeze_either(
    world, board, running, api_as, django_capture_on_commit_callbacks
):
    """Safety officers may order operational freezes, not undo the Board's."""
    escalation = escalate(board, running)
    with django_capture_on_commit_callbacks(execute=True):
        gov.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    officer = board.actors["officer"].user
    enable_totp(officer)
    response = api_as(officer).delete(f"/api/v1/compute/projects/{running.code}/freeze/")
    assert response.status_code == 409
    assert response.json()["code"] == "safety_freeze_in_force"
    assert FreezeAuthority.SAFETY_INTERIM in open_freezes(running)


def test_an_operators_freeze_in_force_does_not_swallow_the_boards_order(
    world, board, running, operator_api, memory_backend, django_capture_on_commit_callbacks
):
    """With the operator's freeze first, the Board's order is still recorded; lifting the
    operator's own freeze leaves the project frozen, and the answer says by whom."""
    # given the operator's own freeze, then the chair's interim order
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_freeze(actor=world.op, project=running, reason="maintenance")
    escalation = escalate(board, running)
    with django_capture_on_commit_callbacks(execute=True):
        gov.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    assert set(open_freezes(running)) == {
        FreezeAuthority.OPERATIONAL,
        FreezeAuthority.SAFETY_INTERIM,
    }
    # when the operator lifts "the" freeze
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_api.delete(f"/api/v1/compute/projects/{running.code}/freeze/")
    # then only the operational freeze went; Slurm keeps the project frozen
    assert response.status_code == 200
    assert response.json()["frozen"] is True
    assert response.json()["code"] == "safety_freeze_in_force"
    assert set(open_freezes(running)) == {FreezeAuthority.SAFETY_INTERIM}
    assert slurm_frozen(memory_backend, running.code)
    # and a second DELETE is refused outright
    again = operator_api.delete(f"/api/v1/compute/projects/{running.code}/freeze/")
    assert again.status_code == 409
    assert again.json()["code"] == "safety_freeze_in_force"


def test_the_lapse_lifts_only_the_safety_freeze_and_slurm_waits_for_both(
    world, board, running, memory_backend, django_capture_on_commit_callbacks
):
    """The interim order's lapse leaves the operator's freeze; jobs run only when both are gone."""
    escalation = escalate(board, running)
    with django_capture_on_commit_callbacks(execute=True):
        interim = gov.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_freeze(actor=world.op, project=running, reason="maintenance")
    # when the interim order lapses
    system = Actor.system("interim_freezes_lapse", source=AuditSource.TASK)
    with django_capture_on_commit_callbacks(execute=True):
        gov.interim_freezes_lapse(actor=system, now=interim.lapses_at + dt.timedelta(seconds=1))
    # then the safety freeze is lifted on the lapse's record, the operator's stays, Slurm too
    lifted = ComputeFreeze.objects.get(project=running, authority=FreezeAuthority.SAFETY_INTERIM)
    assert lifted.lifted_at is not None
    assert escalation.reference in lifted.lifted_by
    assert "lapsed" in lifted.lifted_reason
    assert set(open_freezes(running)) == {FreezeAuthority.OPERATIONAL}
    assert slurm_frozen(memory_backend, running.code)
    # when the operator lifts their own, then the project runs again
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_unfreeze(actor=world.op, project=running, reason="done")
    assert not slurm_frozen(memory_backend, running.code)


def test_only_the_boards_certified_unfreeze_lifts_its_decided_freeze(
    world, board, running, memory_backend, django_capture_on_commit_callbacks
):
    """The interim order becomes a decided freeze on confirmation; an adopted unfreeze ends it."""
    escalation = escalate(board, running)
    with django_capture_on_commit_callbacks(execute=True):
        gov.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    confirmed = decide(
        board, escalation, "freeze", {"DE", "IT"}, django_capture_on_commit_callbacks
    )
    # then the freeze in force stands on the decision, naming the motion
    decided = open_freezes(running)[FreezeAuthority.SAFETY_DECISION]
    assert decided.reference == confirmed.reference
    assert decided.ordered_by == "safety-board"
    assert len(open_freezes(running)) == 1
    # when the operator tries, nothing moves
    with pytest.raises(SafetyFreezeInForce):
        services.project_compute_unfreeze(actor=world.op, project=running, reason="x")
    with pytest.raises(NotAllowed):
        services.project_safety_unfreeze(
            actor=world.op, project=running, reference=confirmed.reference, reason="x"
        )
    assert slurm_frozen(memory_backend, running.code)
    # when the Board adopts the unfreeze on the high bar, then the project runs again
    lifted = decide(
        board, escalation, "unfreeze", {"DE", "IT", "ES"}, django_capture_on_commit_callbacks
    )
    assert lifted.outcome == "adopted"
    assert open_freezes(running) == {}
    assert not slurm_frozen(memory_backend, running.code)


def test_the_operators_page_lifts_only_operational_freezes(
    world, board, running, django_capture_on_commit_callbacks
):
    """The page lists both freezes with their authority; its lift refuses the Board's freeze."""
    escalation = escalate(board, running)
    with django_capture_on_commit_callbacks(execute=True):
        gov.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    enable_totp(world.operator)
    client = Client()
    sign_in(client, world.operator, with_mfa=True)
    # then the page names the authority and offers no lift for the Board's freeze
    page = client.get("/compute/operations/").content.decode()
    assert "interim order of the Safety Board chair" in page
    assert escalation.reference in page
    assert "Safety Board only" in page
    assert f'action="/compute/projects/{running.code}/unfreeze/"' not in page
    # when the operator posts the lift anyway
    response = client.post(f"/compute/projects/{running.code}/unfreeze/", follow=True)
    # then it is refused with the reason, and the freeze stands
    assert "Only the Board&#x27;s certified decision" in response.content.decode()
    assert FreezeAuthority.SAFETY_INTERIM in open_freezes(running)
    # when the operator has a freeze of their own, the page lifts that one only
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_freeze(actor=world.op, project=running, reason="maintenance")
    assert f'action="/compute/projects/{running.code}/unfreeze/"' in (
        client.get("/compute/operations/").content.decode()
    )
    response = client.post(
        f"/compute/projects/{running.code}/unfreeze/", {"reason": "done"}, follow=True
    )
    assert "stays frozen" in response.content.decode()
    assert set(open_freezes(running)) == {FreezeAuthority.SAFETY_INTERIM}
    # and the project page says who ordered the freeze that holds it
    project_page = client.get(f"/compute/projects/{running.code}/").content.decode()
    assert "Ordered by chair" in project_page


def test_strangers_cannot_post_the_lift(world, running):
    """The lift on the page is for operators and safety officers."""
    services.project_compute_freeze(actor=world.op, project=running, reason="maintenance")
    stranger = UserFactory(username="stranger")
    enable_totp(stranger)
    client = Client()
    sign_in(client, stranger, with_mfa=True)
    assert client.post(f"/compute/projects/{running.code}/unfreeze/").status_code == 403
    assert FreezeAuthority.OPERATIONAL in open_freezes(running)


def test_the_admin_cannot_lift_a_safety_freeze(
    world, board, running, django_capture_on_commit_callbacks
):
    """Even a superuser's admin shows safety freezes read-only: no change, no delete."""
    escalation = escalate(board, running)
    with django_capture_on_commit_callbacks(execute=True):
        gov.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    freeze = open_freezes(running)[FreezeAuthority.SAFETY_INTERIM]
    admin = UserFactory(username="root-admin", is_staff=True, is_superuser=True)
    enable_totp(admin)
    client = Client()
    sign_in(client, admin, with_mfa=True)
    listing = client.get("/admin/compute/computefreeze/")
    assert listing.status_code == 200
    assert "interim order of the Safety Board chair" in listing.content.decode()
    url = f"/admin/compute/computefreeze/{freeze.pk}/change/"
    assert client.get(url).status_code == 200
    lifted_at = timezone.now().strftime("%Y-%m-%d")
    response = client.post(url, {"lifted_at_0": lifted_at, "lifted_at_1": "00:00:00"})
    assert response.status_code == 403
    deleted = client.post(f"/admin/compute/computefreeze/{freeze.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    freeze.refresh_from_db()
    assert freeze.lifted_at is None


def test_one_open_freeze_per_kind_on_both_paths(world, running):
    """An operational and a safety freeze may stand together; two of one kind may not."""
    ComputeFreeze.objects.create(project=running, reason="ops", ordered_by="operator")
    ComputeFreeze.objects.create(
        project=running,
        authority=FreezeAuthority.SAFETY_INTERIM,
        reason="interim",
        ordered_by="chair",
        reference="SE/2026/001",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ComputeFreeze.objects.create(
            project=running,
            authority=FreezeAuthority.SAFETY_DECISION,
            reason="decided",
            ordered_by="safety-board",
            reference="SB/2026/001",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ComputeFreeze.objects.create(project=running, reason="ops again", ordered_by="operator")


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"reference": ""}, id="no reference"),
        pytest.param({"until": timezone.now() + dt.timedelta(days=1)}, id="runs out by itself"),
    ],
)
def test_a_safety_freeze_names_its_order_and_does_not_run_out(world, running, fields):
    """A safety freeze without its escalation or motion, or with an end date, is refused."""
    freeze = ComputeFreeze(
        project=running,
        authority=FreezeAuthority.SAFETY_DECISION,
        reason="decided",
        ordered_by="safety-board",
        reference="SB/2026/001",
    )
    for name, value in fields.items():
        setattr(freeze, name, value)
    with pytest.raises(ValidationError):
        freeze.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ComputeFreeze.objects.bulk_create([freeze])


def test_nobody_orders_a_safety_freeze_but_the_board(world, running, mfa_actor):
    """The safety services refuse every person, operators and superusers included."""
    superuser = UserFactory(username="super", is_superuser=True)
    for actor in (world.op, mfa_actor(superuser)):
        with pytest.raises(NotAllowed):
            services.project_safety_freeze(
                actor=actor,
                project=running,
                authority=FreezeAuthority.SAFETY_DECISION,
                reference="SB/2026/001",
                ordered_by="safety-board",
                reason="x",
            )
    assert not ComputeFreeze.objects.exists()
