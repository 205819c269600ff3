"""Cluster logins: valid, unique, set by an operator, shown to the person; no silent drops."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from compute import services
from compute.backends.memory import MemoryBackend
from compute.models import ClusterLogin
from core.errors import Conflict, NotAllowed, ValidationFailed
from tests.compute.conftest import World
from tests.conftest import enable_totp, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def users_of(backend: MemoryBackend, account: str) -> set[str]:
    return {a.user for a in backend.associations("concordia") if a.account == account and a.user}


@pytest.fixture
def operator_client(world: World) -> Client:
    enable_totp(world.operator)
    client = Client()
    sign_in(client, world.operator, with_mfa=True)
    return client


def test_a_member_whose_user_name_is_no_login_is_shown_to_operators_until_given_one(
    world: World, memory_backend, mfa_actor, operator_client
):
    # given a member whose platform user name cannot be a cluster login
    project = world.project("DE", hours=10)
    world.allocate(project)
    odd = UserFactory(username="Jane Doe")
    services.project_member_add(actor=mfa_actor(project.lead), project=project, user=odd)
    services.sync_run(actor=world.op, cluster=world.cluster)
    assert users_of(memory_backend, project.code) == {project.lead.username}
    # then the operators' page names her and why, instead of dropping her silently
    page = operator_client.get("/compute/operations/").content.decode()
    assert "People without a cluster login" in page
    assert f"<strong>Jane Doe</strong> ({project.code}): the user name is not a valid" in page
    # when an operator gives her a login on the page
    answer = operator_client.post(
        "/compute/logins/", {"username": "Jane Doe", "login": "jdoe"}, follow=True
    )
    assert "Jane Doe runs jobs as jdoe from the next sync." in answer.content.decode()
    # then the next sync adds her under it, and the page no longer lists her
    services.sync_run(actor=world.op, cluster=world.cluster)
    assert users_of(memory_backend, project.code) == {project.lead.username, "jdoe"}
    page = operator_client.get("/compute/operations/").content.decode()
    assert "People without a cluster login" not in page
    # and she sees it on her own page
    client = Client()
    sign_in(client, odd, with_mfa=False)
    mine = client.get("/compute/me/").content.decode()
    assert "Your jobs run on the facility" in mine and "jdoe" in mine


def test_a_login_replaces_the_derived_one_for_every_project(world: World, memory_backend):
    project = world.project("DE", hours=10)
    world.allocate(project)
    services.cluster_login_set(actor=world.op, user=project.lead, login="lead42")
    services.sync_run(actor=world.op, cluster=world.cluster)
    assert users_of(memory_backend, project.code) == {"lead42"}


@pytest.mark.parametrize("login", ["Jdoe", "1abc", "a b", "x" * 33, "", "jdoe;rm"])
def test_an_invalid_login_is_refused(world: World, login):
    with pytest.raises(ValidationFailed):
        services.cluster_login_set(actor=world.op, user=UserFactory(), login=login)


def test_a_login_is_one_persons(world: World):
    services.cluster_login_set(actor=world.op, user=UserFactory(), login="jdoe")
    with pytest.raises(Conflict):
        services.cluster_login_set(actor=world.op, user=UserFactory(), login="jdoe")
    # nor another user's user name, which is their login until they get another
    UserFactory(username="bob")
    with pytest.raises(Conflict):
        services.cluster_login_set(actor=world.op, user=UserFactory(), login="bob")
    # and the database says no too
    with pytest.raises(IntegrityError), transaction.atomic():
        ClusterLogin.objects.create(user=UserFactory(), login="jdoe", set_by="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClusterLogin.objects.create(user=UserFactory(), login="Not Valid", set_by="x")


def test_only_an_operator_sets_a_login(world: World, mfa_actor):
    project = world.project("DE", hours=10)
    with pytest.raises(NotAllowed):
        services.cluster_login_set(actor=mfa_actor(project.lead), user=project.lead, login="myself")
    client = Client()
    sign_in(client, project.lead, with_mfa=False)
    assert client.post("/compute/logins/", {"username": "x", "login": "y"}).status_code == 403


def test_without_a_login_the_person_is_told_why(world: World):
    odd = UserFactory(username="Jane Doe")
    client = Client()
    sign_in(client, odd, with_mfa=False)
    page = client.get("/compute/me/").content.decode()
    assert "You have no cluster login yet: the user name is not a valid cluster login" in page
