"""Shared by the HTTP benchmarks: a throw-away PostgreSQL database and gunicorn on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

from bench._setup import ROOT

HOST = "127.0.0.1"


def create_database(server_url: str, name: str) -> None:
    """Create the empty throw-away database on the server."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server_url: str, name: str) -> None:
    """Drop the throw-away database, whoever is still connected to it."""
    import psycopg
    from psycopg import sql

    # FORCE: a connection left behind by a killed worker must not keep the database alive.
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int, threads: int, *, probe: str = "/api/v1/councils/"
) -> Iterator[int]:
    """Run gunicorn (config.wsgi) on a free loopback port in its own session; stop it, always.

    `env` adds to this process's environment (settings module, database URL, ...).
    """
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        # Longer than any pause between two requests of a client: an idle close would make
        # a POST's fate unknown, and a POST is never retried.
        "--keep-alive", "30",
        "--timeout", "60",
        # Else gunicorn 27 opens a control socket in ~/.gunicorn, a directory it leaves behind.
        "--no-control-socket",
    ]  # fmt: skip
    with tempfile.TemporaryFile(prefix="bench-gunicorn-") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_listening(port, process, probe)
            yield port
        except BaseException:
            log.seek(0)
            tail = log.read().decode(errors="replace").splitlines()[-20:]
            print("gunicorn's last lines:\n  " + "\n  ".join(tail), file=sys.stderr)
            raise
        finally:
            stop(process)


def wait_until_listening(
    port: int, process: subprocess.Popen[bytes], probe: str, timeout: float = 60
) -> None:
    """Return once gunicorn answers an HTTP request (any status); fail if it exits or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            conn = HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", probe)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn's process group (its own session), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
