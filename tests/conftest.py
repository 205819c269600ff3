"""Shared fixtures: people in roles, signed-in clients with and without a second factor."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from core.actors import Actor
from core.models import AuditSource, User
from governance.models import DelegateRole, StaffRoleKind
from tests.factories import (
    PASSWORD,
    AccreditationFactory,
    CouncilFactory,
    MemberStateFactory,
    SeatFactory,
    StaffRoleFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(name: str, url: str) -> None:
    """Skip when a service is missing locally; under CI=true a missing service fails the run."""
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 0), timeout=3
        ).close()
    except OSError as exc:
        message = f"{name} is not reachable at {url}: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing service is a failure, not a skip)")
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # allauth remembers used TOTP codes in the cache; each test starts with none used.
    cache.clear()


def totp_code(user: User) -> str:
    """The current TOTP code of the user's authenticator, as their phone would show it."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    auth = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(auth.data["secret"])
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def next_totp_code(user: User) -> str:
    """The code of the next 30-second step: valid now (tolerance 1) and not yet used."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    auth = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(auth.data["secret"])
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + 1
    return format_hotp_value(hotp_value(secret, counter))


def age_second_factor(client: Client, seconds: float) -> None:
    """Move every sign-in record of the client's session this far into the past."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] -= seconds
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def enable_totp(user: User) -> None:
    TOTP.activate(user, generate_totp_secret())


def sign_in(client: Client, user: User, *, with_mfa: bool) -> None:
    """Sign in through the real allauth pages: password, then the TOTP code if asked."""
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if with_mfa:
        assert response["Location"].startswith("/accounts/2fa/authenticate/"), response["Location"]
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(user)})
        assert response.status_code == 302, response.content[:500]
    me = client.get("/my/councils/")
    assert me.status_code == 200


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("tests", source=AuditSource.COMMAND)


@pytest.fixture
def council(db: Any) -> Any:
    return CouncilFactory()


@pytest.fixture
def states(db: Any) -> dict[str, Any]:
    return {code: MemberStateFactory(code=code) for code in ("DE", "FR", "IT")}


@pytest.fixture
def seated(council: Any, states: dict[str, Any]) -> dict[str, Any]:
    for state in states.values():
        SeatFactory(council=council, member_state=state)
    return states


@pytest.fixture
def secretary(db: Any) -> User:
    user = UserFactory(username="secretary")
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY)
    enable_totp(user)
    return user


@pytest.fixture
def auditor(db: Any) -> User:
    """A staff account holding the auditor's role, with a second factor set up."""
    user = UserFactory(username="auditor", is_staff=True)
    StaffRoleFactory(user=user, role=StaffRoleKind.AUDITOR)
    enable_totp(user)
    return user


@pytest.fixture
def de_head(council: Any, seated: dict[str, Any]) -> User:
    user = UserFactory(username="de-head")
    AccreditationFactory(
        user=user, council=council, member_state=seated["DE"], role=DelegateRole.HEAD
    )
    enable_totp(user)
    return user


@pytest.fixture
def mfa_actor() -> Callable[[User], Actor]:
    def make(user: User) -> Actor:
        return Actor.for_user(user, source=AuditSource.WEB, mfa_verified=True)

    return make


@pytest.fixture
def api_as() -> Callable[..., APIClient]:
    """An API client signed in through the real pages, with or without the second factor."""

    def make(user: User, *, with_mfa: bool = True) -> APIClient:
        client = APIClient()
        sign_in(client, user, with_mfa=with_mfa)
        return client

    return make


@dataclass(frozen=True)
class Worker:
    """A running `celery worker` process: its private queue, its mail folder and its log."""

    queue: str
    mail_dir: Path
    log: Path


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    """Start `celery worker` as its own process on a private queue; stop it by its PID."""
    from django.conf import settings
    from django.db import connection

    broker = os.environ.get("REDIS_URL", settings.CELERY_BROKER_URL)
    require_service("Redis", broker)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    running = Worker(queue=queue, mail_dir=tmp_path / "mail", log=tmp_path / "worker.log")
    log = running.log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h", "--loglevel=INFO"],
        cwd=Path(__file__).resolve().parents[1], env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield running
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
