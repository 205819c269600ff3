"""The operators' page, the quota and project pages, and the same through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from compute.models import SyncRun
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


def test_the_operators_page_shows_drift_runs_and_the_simulated_label(world, operator_client):
    project = world.project()
    world.allocate(project)
    page = operator_client.get("/compute/operations/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Simulated scheduler" in text
    assert project.code in text  # in the drift table
    # when the operator asks for a dry run, then a sync
    operator_client.post(f"/compute/clusters/{world.cluster.pk}/sync/", {"dry_run": "1"})
    response = operator_client.post(f"/compute/clusters/{world.cluster.pk}/sync/", {"dry_run": "0"})
    assert response.status_code == 302
    assert [r.dry_run for r in SyncRun.objects.order_by("id")] == [True, False]
    text = operator_client.get("/compute/operations/").content.decode()
    assert "sacctmgr -i load" in text
    assert "None: Slurm holds what the platform says." in text


def test_others_may_not_see_the_operators_page(world):
    client = Client()
    sign_in(client, UserFactory(username="nobody"), with_mfa=False)
    assert client.get("/compute/operations/").status_code == 403


def test_the_period_page_shows_used_and_left(world, operator_client):
    world.allocate(world.project("DE", hours=10))
    text = operator_client.get(f"/compute/periods/{world.period.pk}/").content.decode()
    # quotas in GPU-hours: the 600 GPU-minutes allocated are 10 GPU-hours, DE's 375,417 are 6,257
    assert '<td class="num">10</td>' in text
    assert '<td class="num">6,257</td>' in text


def test_the_lead_manages_members_on_the_project_page(world):
    project = world.project()
    world.allocate(project)
    enable_totp(project.lead)
    UserFactory(username="newcomer")
    client = Client()
    sign_in(client, project.lead, with_mfa=True)
    response = client.post(
        f"/compute/projects/{project.code}/", {"username": "newcomer", "action": "add"}
    )
    assert response.status_code == 302
    text = client.get(f"/compute/projects/{project.code}/").content.decode()
    assert "newcomer" in text
    assert "100 GPU-hours" in text  # 6,000 GPU-minutes


def test_the_api_has_quotas_projects_runs_and_drift(world, api_as):
    project = world.project("FR", hours=10)
    world.allocate(project)
    enable_totp(world.operator)
    api = api_as(world.operator)
    quotas = api.get(f"/api/v1/compute/periods/{world.period.pk}/quotas/").json()
    assert {q["key"] for q in quotas["quotas"]} == {"DE", "FR", "IT", "programme"}
    assert quotas["allocations"][0]["left"] == 600
    drift = api.get("/api/v1/compute/clusters/concordia/drift/").json()
    assert drift["simulated"] is True
    assert drift["changes"]
    run = api.post("/api/v1/compute/sync-runs/", {"cluster": "concordia"}, format="json")
    assert run.status_code == 201
    assert run.json()["status"] == "succeeded"
    assert api.get(f"/api/v1/compute/sync-runs/{run.json()['id']}/").json()["diff"]
    freeze = api.post(
        f"/api/v1/compute/projects/{project.code}/freeze/", {"reason": "review"}, format="json"
    )
    assert freeze.status_code == 201
    body = api.get(f"/api/v1/compute/projects/{project.code}/").json()
    assert body["frozen"] is True
    assert body["allocations"][0]["minutes"] == 600


def test_the_api_refuses_strangers(world, api_as):
    stranger = UserFactory(username="stranger")
    enable_totp(stranger)
    api = api_as(stranger)
    assert api.get("/api/v1/compute/sync-runs/").status_code == 403
    response = api.post("/api/v1/compute/sync-runs/", {"cluster": "concordia"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    project = world.project()
    assert api.get(f"/api/v1/compute/projects/{project.code}/").status_code == 403
