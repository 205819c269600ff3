"""Concurrency caps: GrpTRES=gres/gpu=N per project and per state, from the quota and the period."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.test import Client

from compute import services
from compute.backends.memory import MemoryBackend
from compute.rules import QuotaError, SplitError, concurrency_cap
from tests.compute.conftest import World
from tests.conftest import enable_totp, sign_in

pytestmark = pytest.mark.django_db

DAY = 24 * 60
QUARTER = 90 * DAY


@pytest.mark.parametrize(
    ("minutes", "burst", "gpus", "cap"),
    [
        # 8 GPUs for the whole quarter, spread evenly: 8 at a time; twice as fast: 16
        (8 * QUARTER, Fraction(1), 100, 8),
        (8 * QUARTER, Fraction(2), 100, 16),
        # a little over 8 GPUs' worth rounds up to 9, never down to 8
        (8 * QUARTER + 1, Fraction(1), 100, 9),
        # a small allocation still runs one GPU
        (60, Fraction(2), 100, 1),
        # never more than the cluster has
        (8 * QUARTER, Fraction(2), 10, 10),
        # a burst of 1.5, exactly: 4 GPUs' worth -> 6
        (4 * QUARTER, Fraction(3, 2), 100, 6),
    ],
)
def test_the_cap_is_the_allocation_spread_over_the_period_times_the_burst(
    minutes, burst, gpus, cap
):
    assert (
        concurrency_cap(minutes=minutes, period_minutes=QUARTER, burst=burst, cluster_gpus=gpus)
        == cap
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"burst": Fraction(1, 2)}, QuotaError),
        ({"burst": 1.5}, SplitError),
        ({"period_minutes": 0}, QuotaError),
        ({"cluster_gpus": 0}, QuotaError),
        ({"minutes": -1}, QuotaError),
    ],
)
def test_a_cap_from_impossible_figures_is_refused(kwargs, error):
    given = {"minutes": 60, "period_minutes": QUARTER, "burst": Fraction(2), "cluster_gpus": 8}
    with pytest.raises(error):
        concurrency_cap(**(given | kwargs))


@pytest.fixture
def big_world(db, settings) -> World:
    """A 1,000-GPU cluster for a 90-day quarter: caps are not all clipped to the cluster."""
    from tests.compute.conftest import make_world

    settings.COMPUTE_BURST_FACTOR = "2"
    world = make_world(capacity=1_000 * QUARTER)
    world.cluster.gpu_types.update(count=1_000)
    return world


def caps(backend: MemoryBackend) -> dict[str, tuple[tuple[str, int], ...]]:
    return {a.account: a.gpu_caps for a in backend.associations("concordia") if not a.user}


def test_the_sync_sets_a_cap_on_each_project_and_its_state(big_world: World, memory_backend):
    """10 GPUs' worth for the quarter at burst 2 is 20 at once; DE's two projects add up to 26."""
    # given two German projects and one on the programme
    first = big_world.project("DE", hours=10 * 90 * 24)
    second = big_world.project("DE", hours=3 * 90 * 24)
    programme = big_world.project("FR", hours=90 * 24, programme=True)
    for project in (first, second, programme):
        big_world.allocate(project)
    # when the platform syncs
    run = services.sync_run(actor=big_world.op, cluster=big_world.cluster)
    # then Slurm holds each project's cap and the sum on the state's account
    assert run.status == "succeeded"
    held = caps(memory_backend)
    assert held[first.code] == (("gres/gpu", 20),)
    assert held[second.code] == (("gres/gpu", 6),)
    assert held["de"] == (("gres/gpu", 26),)
    assert held["facility"] == (("gres/gpu", 2),)
    # a state without a running project has no cap
    assert held["fr"] == ()


def test_a_cap_changed_in_slurm_by_hand_is_put_back(big_world: World, memory_backend):
    from compute.reconcile import Modify

    project = big_world.project("DE", hours=10 * 90 * 24)
    big_world.allocate(project)
    services.sync_run(actor=big_world.op, cluster=big_world.cluster)
    memory_backend.run(
        "concordia",
        Modify((project.code,), gpu_caps=(("gres/gpu", 900), ("gres/gpu:h100", 900))),
    )
    run = services.sync_run(actor=big_world.op, cluster=big_world.cluster)
    assert run.diff == [
        {
            "account": project.code,
            "change": "cap",
            "before": {"gres/gpu": 900, "gres/gpu:h100": 900},
            "after": {"gres/gpu": 20},
        }
    ]
    # the per-type cap nobody wants any more is cleared (-1), not left behind
    assert "GrpTRES=gres/gpu=20,gres/gpu:h100=-1" in run.commands[0]["argv"]
    assert caps(memory_backend)[project.code] == (("gres/gpu", 20),)


def test_the_operators_page_shows_each_states_cap_and_each_projects(big_world: World):
    project = big_world.project("DE", hours=10 * 90 * 24)
    big_world.allocate(project)
    enable_totp(big_world.operator)
    client = Client()
    sign_in(client, big_world.operator, with_mfa=True)
    page = client.get("/compute/operations/").content.decode()
    assert "Limits the sync sets" in page
    assert "<td>20 GPUs</td>" in page  # DE's account: its one project's cap
    # and the plan names the cap of the new account
    assert "new, under de; 21,600 GPU-hours; 20 GPUs; 1 user" in page
    period = client.get(f"/compute/periods/{big_world.period.pk}/").content.decode()
    assert "GPUs at once" in period
    assert '<td class="num">20</td>' in period


def test_an_allocation_on_one_gpu_type_is_capped_on_that_type_too(big_world: World, memory_backend):
    """On a cluster of 1,000 H100 and 4 A100: 10 A100s' worth at burst 2 is 4, all it has."""
    from compute.models import ClusterGpuType

    ClusterGpuType.objects.create(cluster=big_world.cluster, gpu_type="a100", count=4)
    typed = big_world.project("DE", hours=10 * 90 * 24)
    anytype = big_world.project("DE", hours=3 * 90 * 24)
    services.allocation_create(
        actor=big_world.op,
        project=typed,
        period=big_world.period,
        minutes=typed.gpu_hours_requested * 60,
        gpu_type="a100",
    )
    big_world.allocate(anytype)
    services.sync_run(actor=big_world.op, cluster=big_world.cluster)
    held = caps(memory_backend)
    assert held[typed.code] == (("gres/gpu", 4), ("gres/gpu:a100", 4))
    assert held[anytype.code] == (("gres/gpu", 6),)
    assert held["de"] == (("gres/gpu", 10), ("gres/gpu:a100", 4))


def test_a_gpu_type_the_cluster_lacks_is_refused(big_world: World):
    from core.errors import ValidationFailed

    project = big_world.project("DE", hours=10)
    with pytest.raises(ValidationFailed) as refused:
        services.allocation_create(
            actor=big_world.op, project=project, period=big_world.period, minutes=600,
            gpu_type="mi300",
        )  # fmt: skip
    assert "no GPUs of type mi300" in refused.value.message
