"""The operators' page reads as a plan: a table of changes in GPU-hours, frozen accounts marked."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from compute import services
from compute.models import SyncRun
from compute.reconcile import Change
from compute.views import diff_line
from tests.compute.conftest import World
from tests.conftest import enable_totp, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(world: World) -> Client:
    enable_totp(world.operator)
    client = Client()
    sign_in(client, world.operator, with_mfa=True)
    return client


def headings(page: str) -> list[str]:
    return re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page)


def row_of(page: str, account: str) -> str:
    match = re.search(rf'<tr[^>]*>\s*<th scope="row">{re.escape(account)}</th>.*?</tr>', page, re.S)
    assert match, f"no row for {account}"
    return match.group(0)


def test_the_plan_is_a_table_of_changes_in_gpu_hours_not_python_dicts(world, operator_client):
    """A new project account: its change, where it goes, its quota in GPU-hours, its users."""
    project = world.project("DE", hours=10)
    world.allocate(project)
    page = operator_client.get("/compute/operations/").content.decode()
    assert "{&#x27;parent&#x27;" not in page and "gpu_minutes" not in page
    assert headings(page)[:4] == ["Account", "Change", "Before → after", "GPU-hours"]
    row = row_of(page, project.code)
    assert "<td>New account</td>" in row
    assert "— → new, under de; 10 GPU-hours; 1 GPU; 1 user" in row
    assert '<td class="num">+10</td>' in row
    assert 'class="usa-table-container--scrollable" tabindex="0" role="region"' in page


def test_a_run_keeps_its_diff_as_the_same_table_with_its_time_and_zone(world, operator_client):
    project = world.project("DE", hours=10)
    world.allocate(project)
    operator_client.post(f"/compute/clusters/{world.cluster.pk}/sync/", {"dry_run": "0"})
    page = operator_client.get("/compute/operations/").content.decode()
    assert "None: Slurm holds what the platform says." in page
    assert re.search(r"<summary>\s*<time datetime=\"[^\"]+\">[^<]+ (CES?T|UTC)</time>", page)
    assert "<td>New account</td>" in row_of(page, project.code)


def test_a_frozen_account_stands_out_in_the_plan_and_in_the_freezes(world, operator_client):
    """A frozen project is tagged Frozen and its rows are highlighted, in the plan and the list."""
    project = world.project("DE", hours=10)
    world.allocate(project)
    services.project_compute_freeze(actor=world.op, project=project, reason="maintenance")
    page = operator_client.get("/compute/operations/").content.decode()
    row = row_of(page, project.code)
    assert row.startswith('<tr class="cc-frozen">')
    assert '<span class="usa-tag bg-secondary-dark">Frozen</span>' in row
    freezes = page.split('id="freezes"')[1]
    assert '<tr class="cc-frozen">' in freezes
    assert '<span class="usa-tag bg-secondary-dark">Frozen</span>' in freezes
    assert "1 project is frozen" in page


def test_the_period_page_marks_frozen_allocations_and_refuses_others(world, operator_client):
    project = world.project("DE", hours=10)
    world.allocate(project)
    services.project_compute_freeze(actor=world.op, project=project, reason="maintenance")
    page = operator_client.get(f"/compute/periods/{world.period.pk}/").content.decode()
    assert '<tr class="cc-frozen">' in page and ">Frozen</span>" in page
    assert '<nav class="usa-breadcrumb"' in page and page.count("<h1") == 1
    stranger = Client()
    sign_in(stranger, UserFactory(username="stranger"), with_mfa=False)
    assert stranger.get(f"/compute/periods/{world.period.pk}/").status_code == 403
    assert stranger.get(f"/compute/projects/{project.code}/").status_code == 403
    stranger.post(f"/compute/clusters/{world.cluster.pk}/sync/", {"dry_run": "0"})
    assert not SyncRun.objects.exists()  # refused by the service: nothing ran


@pytest.mark.parametrize(
    ("change", "label", "before", "after", "hours", "frozen"),
    [
        (
            Change("p-1", "limit", 600, 1200),
            "Quota changed",
            "10 GPU-hours",
            "20 GPU-hours",
            "+10",
            False,
        ),
        (
            Change("p-1", "limit", 1200, None),
            "Quota changed",
            "20 GPU-hours",
            "no limit",
            "—",
            False,
        ),
        (Change("p-1", "freeze"), "Frozen", "open", "frozen: no job may start", "—", True),
        (Change("p-1", "unfreeze"), "Unfrozen", "frozen", "open", "—", False),
        (
            Change("p-1", "retire", None, "frozen until idle"),
            "Retired",
            "open",
            "frozen until its jobs end",
            "—",
            True,
        ),
        (
            Change("p-1", "delete"),
            "Removed",
            "frozen, no jobs left",
            "removed from Slurm",
            "—",
            False,
        ),
        (Change("p-1", "parent", "de", "fr"), "Moved", "under de", "under fr", "—", False),
        (Change("p-1", "add_user", None, "alice"), "User added", "—", "alice", "—", False),
        (Change("p-1", "remove_user", "alice", None), "User removed", "alice", "—", "—", False),
        (
            Change(
                "de",
                "add",
                None,
                {"parent": "root", "gpu_minutes": 90, "frozen": False, "users": []},
            ),
            "New account",
            "—",
            "new, under root; 1.5 GPU-hours",
            "+1.5",
            False,
        ),
    ],
)
def test_every_kind_of_change_reads_in_words(change, label, before, after, hours, frozen):
    line = diff_line(change)
    assert (line.label, line.before, line.after, line.hours_change, line.frozen) == (
        label,
        before,
        after,
        hours,
        frozen,
    )
    assert Change.from_dict(change.to_dict()) == change


def test_every_compute_page_has_breadcrumbs_one_h1_and_scrolling_tables(world, operator_client):
    from tests.funding.test_page_structure import check_bones

    project = world.project("DE", hours=10)
    world.allocate(project)
    operator_client.post(f"/compute/clusters/{world.cluster.pk}/sync/", {"dry_run": "1"})
    for path in (
        "/compute/operations/",
        f"/compute/periods/{world.period.pk}/",
        f"/compute/projects/{project.code}/",
    ):
        response = operator_client.get(path)
        assert response.status_code == 200, path
        check_bones(path, response.content.decode())
