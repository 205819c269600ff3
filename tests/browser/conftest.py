"""Headless Chromium (the machine's own, driven by Playwright) against the live test server."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

# Playwright's sync API keeps an event loop running in the test thread; the test's own ORM calls
# are still synchronous, so Django's guard against async contexts would refuse them wrongly.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} (CI=true: browser tests must run, not skip)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        _missing("Chromium is not installed (bin/setup --test installs Debian's chromium)")
    if not AXE.exists():
        _missing("axe-core is not installed (bin/setup --test runs npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # axe-core is injected as an inline script, which the site's CSP rightly refuses; these pages'
    # own behaviour under the CSP is checked by test_csp.py in a context that does not bypass it.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.console_errors = errors
    yield page
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page and return the serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- The demo site: one seeded server per test process, for the read-only page checks ---------
#
# Seeding the demo takes ~20 s, so the checks of every page (test_every_page.py, test_languages.py)
# share one seeded site per xdist worker instead of seeding for each test. It runs in its own
# PostgreSQL database next to the worker's test database, so its rows are never seen by the
# other tests (which expect an empty database), and as its own `manage.py runserver` process,
# which is also how a visitor meets it: a separate server with its own cache. Its pages are only
# read (a vote is taken up to its confirmation step, never cast), so the order of tests is free.


@dataclass(frozen=True)
class DemoSite:
    url: str
    db: str  # the ORM alias of the site's database, for `.using(db)`
    log: Path
    blocker: Any  # pytest-django's database blocker: the ORM is opened with `site.orm()`

    def orm(self) -> Any:
        return self.blocker.unblock()

    def log_tail(self) -> str:
        """The server's last error report: the traceback of a page that just answered 500."""
        lines = self.log.read_text(errors="replace").splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("Internal Server Error")]
        if not starts:
            return "\n".join(lines[-30:])
        report = [lines[starts[-1]]]
        for line in lines[starts[-1] + 1 :]:
            if line.startswith("["):  # the next request's log line: the report has ended
                break
            report.append(line)
        return "\n".join(report)

    def where(self, page: Any) -> str:
        with self.orm():
            return str(page.where(self.db))


def _admin_connection(settings_dict: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the demo site's server stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/portal/", timeout=10) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the demo site's server did not answer in 90 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def demo_site(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[DemoSite]:
    from django.conf import settings
    from django.db import connections

    if CHROMIUM is None:
        _missing("Chromium is not installed (bin/setup --test installs Debian's chromium)")
    default = connections.settings["default"]
    # Named after this process's test database (pytest-django gives each xdist worker its own),
    # which may not exist: it is only made when some selected test uses the database.
    test_name = default.get("TEST", {}).get("NAME") or f"test_{default['NAME']}"
    name = f"{test_name}_site"[:63]
    alias = "demo_site"
    with _admin_connection(default) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    credentials = default["USER"] + (
        ":" + urllib.parse.quote(default["PASSWORD"], safe="") if default["PASSWORD"] else ""
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{credentials}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}/{name}",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # One sign-in per role serves the whole run; no page asks for a fresher second factor.
        "MFA_FRESH_SECONDS": str(24 * 3600),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = tmp_path_factory.mktemp("demo-site") / "server.log"
    manage = [sys.executable, str(ROOT / "manage.py")]
    with log.open("w") as out:
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            done = subprocess.run(
                [*manage, *command, "-v0"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
            if done.returncode:
                pytest.fail(
                    f"{' '.join(command)} failed on the demo site:\n{log.read_text()[-3000:]}"
                )
    port = _free_port()
    out = log.open("a")
    proc = subprocess.Popen(
        [*manage, "runserver", "--noreload", "--insecure", "--skip-checks", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    connections.settings[alias] = {**default, "NAME": name}
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, proc, log)
        yield DemoSite(url=url, db=alias, log=log, blocker=django_db_blocker)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()
        with django_db_blocker.unblock():
            connections[alias].close()
        with contextlib.suppress(AttributeError):
            del connections[alias]
        del connections.settings[alias]
        with _admin_connection(default) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def demo_totp_code() -> str:
    """The current code of every demo account's authenticator (seed_demo's known secret)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))


def sign_in(page: Any, base_url: str, account: str) -> None:
    """Sign a demo account in through the real pages: password, then the TOTP code.

    A code is accepted once (allauth remembers it for 30 s): if this account's current code was
    just used by another sign-in, wait for the next one, as a person would.
    """
    from demo.management.commands.seed_demo import DEMO_PASSWORD

    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", account)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    for attempt in range(2):
        code = demo_totp_code()
        page.fill("input[name=code]", code)
        with page.expect_navigation():
            page.click("form:has(input[name=code]) [type=submit]")
        if "/accounts/" not in page.url or attempt:
            break
        while demo_totp_code() == code:
            time.sleep(1)
    assert "/accounts/" not in page.url, f"{account} did not get past sign-in: {page.url}"


@pytest.fixture(scope="session")
def signed_in(browser: Any, demo_site: DemoSite) -> Callable[[str], dict[str, Any]]:
    """account -> the cookies of a session signed in with password and TOTP, once per account."""
    states: dict[str, dict[str, Any]] = {}

    def state(account: str) -> dict[str, Any]:
        if account not in states:
            context = browser.new_context()
            sign_in(context.new_page(), demo_site.url, account)
            states[account] = context.storage_state()
            context.close()
        return states[account]

    return state
