"""The finance pages in a real browser: the demo's fiscal year, accessible and without errors."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", verbosity=0)  # which loads the funding demo too
    call_command("funding_seed_demo", "--no-letters", verbosity=0)  # (no-op if it did)
    return live_server


def test_finance_pages_are_accessible_in_the_browser(demo, page):
    """Sign in as the finance officer; every finance page passes axe and logs no console error."""
    from core.models import User
    from funding.models import ContributionScale
    from tests.conftest import totp_code

    page.goto(demo.url + "/accounts/login/")
    page.fill("input[name=login]", "finance")
    page.fill("input[name=password]", "concordia-demo")
    with page.expect_navigation():
        page.click("form[action='/accounts/login/'] button[type=submit]")
    page.fill("input[name=code]", totp_code(User.objects.get(username="finance")))
    with page.expect_navigation():
        page.click("form:has(input[name=code]) button[type=submit]")
    scale = ContributionScale.objects.get()
    paths = [
        "/finance/", "/finance/payments/new/", "/finance/voluntary/new/", "/finance/years/",
        "/finance/years/2026/", "/finance/scales/", f"/finance/scales/{scale.pk}/",
        "/finance/imports/", "/finance/reports/", "/finance/states/HU/",
    ]  # fmt: skip
    for path in paths:
        response = page.goto(demo.url + path)
        assert response.status == 200, path
        violations = axe_violations(page)
        assert violations == [], (path, [(v["id"], v["impact"], v["help"]) for v in violations])
        screenshot(page, "en-" + path.strip("/").replace("/", "-"))
    # record a payment with the keyboard-reachable form
    page.goto(demo.url + "/finance/payments/new/")
    page.select_option("#id_member_state", "HU")
    page.fill("#id_value_date", "2026-01-16")
    page.fill("#id_amount", "1000.00")
    page.fill("#id_currency", "EUR")
    with page.expect_navigation():
        page.click("main button[value=preview]")
    assert "Check the payment before recording it" in page.content()
    with page.expect_navigation():
        page.click("main button[value=record]")
    assert "recorded for Hungary" in page.content()
    assert page.console_errors == []
