"""The main pages in a real browser under the real Content-Security-Policy: nothing is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import DemoSite, sign_in

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page that honours the CSP (unlike the axe fixture) and records every refusal."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: messages.append(f"pageerror: {exc}"))
    page.console_messages = messages
    yield page
    context.close()


def _visit(page: Any, url: str, paths: list[str]) -> list[str]:
    refused = []
    for path in paths:
        response = page.goto(url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        refused += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]
    return refused


def test_main_pages_and_api_docs_work_under_the_policy(demo_site: DemoSite, strict_page):
    """Portal, sign-in, Swagger UI and a secretary's pages: no CSP refusal, no console error."""
    from governance.models import Motion

    with demo_site.orm():
        motions = Motion.objects.using(demo_site.db)
        decided = motions.get(reference__startswith="GC/", reference__endswith="/001")
        motion = motions.order_by("pk").first()
    paths = [
        "/", "/portal/", "/portal/states/", "/portal/states/DE/", "/portal/decisions/",
        f"/portal/decisions/{decided.pk}/", "/portal/safety/", "/portal/compute/",
        "/portal/reports/", "/portal/data/", "/accounts/login/", "/api/docs/",
    ]  # fmt: skip
    refused = _visit(strict_page, demo_site.url, paths)
    # Swagger UI drew the operations from the schema: its script ran.
    strict_page.goto(demo_site.url + "/api/docs/")
    strict_page.wait_for_selector(".opblock", timeout=15_000)
    # then signed in: the secretary's pages, a motion and the MFA pages
    sign_in(strict_page, demo_site.url, "secretary")
    paths = [
        "/my/councils/", "/my/votes/", "/safety/", "/secretariat/", f"/motions/{motion.pk}/",
        "/accounts/2fa/", "/accounts/2fa/reauthenticate/",
    ]  # fmt: skip
    refused += _visit(strict_page, demo_site.url, paths)
    assert refused == []
    errors = [m for m in strict_page.console_messages if m.startswith(("error", "pageerror"))]
    assert errors == []


def test_an_injected_inline_script_would_be_refused(demo_site: DemoSite, strict_page):
    """The policy is strict: an inline script slipped into a page does not run."""
    strict_page.goto(demo_site.url + "/")
    strict_page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.__ran = true"; document.body.appendChild(s); }"""
    )
    assert strict_page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in strict_page.evaluate("window.__cspViolations"))
