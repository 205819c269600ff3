"""Fair share from contributions: each state's Slurm RawShares from its adopted contribution share."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.test import Client
from django.utils import timezone

from compute import selectors, services
from compute.backends.memory import MemoryBackend
from compute.rules import fairshare_parts, project_fairshare
from funding.models import ContributionScale, ScaleShare, ScaleStatus
from governance.models import Motion
from governance.selectors import today
from tests.compute.conftest import World
from tests.conftest import enable_totp, sign_in

pytestmark = pytest.mark.django_db


def test_the_states_parts_add_up_to_ten_thousand_and_follow_the_shares():
    parts = fairshare_parts({"DE": Fraction(1, 3), "FR": Fraction(1, 3), "IT": Fraction(1, 3)})
    assert sum(parts.values()) == 10_000
    assert sorted(parts.values()) == [3333, 3333, 3334]
    # the programme on the same scale: 10 % of the capacity beside 85 % for the states
    parts = fairshare_parts(
        {"DE": Fraction(1, 2), "FR": Fraction(1, 2)},
        programme="facility",
        programme_weight=Fraction(10, 85),
    )
    assert parts == {"DE": 5000, "FR": 5000, "facility": 1176}
    # a tiny share still gets one part, so its jobs are not starved
    assert fairshare_parts({"DE": Fraction(99_999, 100_000), "MT": Fraction(1, 100_000)}) == {
        "DE": 10_000,
        "MT": 1,
    }
    assert fairshare_parts({}) == {}


def test_a_project_competes_with_its_allocation_in_gpu_hours():
    assert [project_fairshare(m) for m in (1, 60, 61, 6_000)] == [1, 1, 2, 100]


def accounts(backend: MemoryBackend) -> dict[str, int | None]:
    return {a.account: a.fairshare for a in backend.associations("concordia") if not a.user}


def test_the_sync_sets_fair_share_from_the_shares_the_split_used(world: World, memory_backend):
    """No adopted scale: the shares of the period's split (DE 0.5, FR 0.3, IT 0.2)."""
    de = world.project("DE", hours=100)
    programme = world.project("FR", hours=30, programme=True)
    world.allocate(de)
    world.allocate(programme)
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    assert run.status == "succeeded"
    held = accounts(memory_backend)
    assert (held["de"], held["fr"], held["it"]) == (5000, 3000, 2000)
    # programme 10 % of the capacity beside the states' 85 %
    assert held["facility"] == 1176
    assert (held[de.code], held[programme.code]) == (100, 30)
    assert selectors.fair_shares(cluster=world.cluster).source == "current"


def test_an_adopted_scale_drives_the_fair_share_and_a_new_scale_moves_it(
    world: World, memory_backend
):
    """The finance committee's adopted scale for this year wins over the split's shares."""
    world.allocate(world.project("DE", hours=100))
    services.sync_run(actor=world.op, cluster=world.cluster)
    # when a scale giving DE 40 %, FR 35 %, IT 25 % is adopted for this year
    year = today().year
    from tests.governance.voting_fixtures import make_council5

    motion = Motion.objects.create(
        reference="FC/T/1",
        council=make_council5(with_shares=False).council,
        kind="budget",
        title="Scale",
        text="-",
        status="certified",
        outcome="adopted",
        rule={},
        opens_at=timezone.now() - dt.timedelta(days=2),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    scale = ContributionScale.objects.create(
        motion=motion,
        reference="SC-TEST",
        first_year=year,
        last_year=year,
        budget_currency="EUR",
        parameters={},
        inputs={},
        inputs_sha256="0" * 64,
        results={},
        status=ScaleStatus.ADOPTED,
        decided_at=timezone.now(),
        created_by_label="test",
    )
    for code, share in {"DE": "0.40", "FR": "0.35", "IT": "0.25"}.items():
        ScaleShare.objects.create(
            scale=scale,
            year=year,
            member_state=world.states[code],
            share_exact=share,
            share=Decimal(share),
            full_share=Decimal(share),
        )
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    # then the next sync moves each state's share, in one modify per value
    assert {(d["account"], d["before"], d["after"]) for d in run.diff} == {
        ("de", 5000, 4000),
        ("fr", 3000, 3500),
        ("it", 2000, 2500),
    }
    assert selectors.fair_shares(cluster=world.cluster).source == f"SC-TEST ({year})"


def test_fair_share_is_shown_to_operators_and_on_the_portal(world: World):
    world.allocate(world.project("DE", hours=100))
    enable_totp(world.operator)
    client = Client()
    sign_in(client, world.operator, with_mfa=True)
    page = client.get("/compute/operations/").content.decode()
    assert "Fair share" in page
    assert '<td class="num">5,000</td>' in page
    assert "each state's contribution share in parts per 10,000, from current" in page
    portal = Client().get("/portal/compute/").content.decode()
    assert "Fair share on the cluster" in portal
    fair = portal[portal.index('id="h-fair-share"') :]
    germany = re.search(r"Germany</a>.*?</tr>", fair, re.S)
    assert germany and '<td class="num">5,000</td>' in germany.group(0)
