"""The local demo settings (DEBUG, a published secret key) serve this machine and nobody else."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client, override_settings

from core.local_only import is_loopback

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local", **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "address",
    ["0.0.0.0", "10.0.0.5", "::", "[::]", "example.org"],  # noqa: S104 - refusing them is the point
)
def test_runserver_refuses_an_address_other_machines_reach(address):
    """`runserver 0.0.0.0:port` with the local settings exits at once, saying why."""
    port = _free_port()
    args = [sys.executable, "manage.py", "runserver", f"{address}:{port}", "--noreload"]
    if ":" in address.strip("[]"):
        args[3] = f"[{address.strip('[]')}]:{port}"
        args.append("-6")
    result = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Refusing to serve on" in result.stderr
    assert "this machine only" in result.stderr


def test_runserver_on_loopback_still_serves_static_files(tmp_path):
    """On 127.0.0.1 the server starts and still serves static files (staticfiles' runserver)."""
    port = _free_port()
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'local.sqlite3'}")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{port}/static/css/concordia.css"
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "runserver did not answer on loopback"
                time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_the_environment_cannot_widen_the_local_hosts(monkeypatch):
    """DJANGO_ALLOWED_HOSTS is not read by the local settings: only loopback names are served."""
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "concordia.example.org,10.0.0.5")
    local = importlib.reload(importlib.import_module("config.settings.local"))
    assert local.ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]"]
    assert local.MIDDLEWARE[0] == "core.local_only.LoopbackOnlyMiddleware"
    assert local.LOCAL_ONLY is True


@pytest.fixture
def local_settings():
    local = importlib.import_module("config.settings.local")
    with override_settings(
        ALLOWED_HOSTS=local.ALLOWED_HOSTS, MIDDLEWARE=local.MIDDLEWARE, LOCAL_ONLY=True
    ):
        yield


@pytest.mark.django_db
def test_a_request_for_another_host_is_a_400(local_settings):
    """Host: 10.0.0.5 is refused with 400, Host: localhost is served."""
    client = Client()
    assert client.get("/", HTTP_HOST="10.0.0.5").status_code == 400
    assert client.get("/", HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/", HTTP_HOST="[::1]", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.django_db
def test_a_request_from_another_machine_is_refused_even_with_a_loopback_host(local_settings):
    """A remote client naming localhost in its Host header is still refused (403)."""
    response = Client().get("/", HTTP_HOST="localhost", REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 403
    assert "only on this machine" in response.content.decode()


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
        ("localhost", True), ("::", False), ("10.0.0.5", False), ("example.org", False),
        ("", False),
        ("0.0.0.0", False),  # noqa: S104 - refusing it is the point
    ],
)  # fmt: skip
def test_is_loopback(address, loopback):
    """Only addresses of this machine count as loopback."""
    assert is_loopback(address) is loopback
