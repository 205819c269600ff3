"""The finance officer records a payment in a real browser, with the keyboard-reachable form.

(Every finance page's checks — 200, width, axe, one h1, navigation, console — are in
test_every_page.py, on the shared demo site; this test changes data, so it has a demo of its own.)
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", verbosity=0)  # which loads the funding demo too
    call_command("funding_seed_demo", "--no-letters", verbosity=0)  # (no-op if it did)
    return live_server


def test_the_finance_officer_records_a_payment_in_the_browser(demo, page):
    """Sign in as the finance officer, fill in the payment form, check it, and see it recorded."""
    sign_in(page, demo.url, "finance")
    page.goto(demo.url + "/finance/payments/new/")
    page.select_option("#id_member_state", "HU")
    page.fill("#id_value_date", "2026-01-16")
    page.fill("#id_amount", "1000.00")
    page.fill("#id_currency", "EUR")
    with page.expect_navigation():
        page.click("main button[value=preview]")
    assert "Check the payment before recording it" in page.content()
    assert axe_violations(page) == []  # the check step is reached by a form only: not in inventory
    with page.expect_navigation():
        page.click("main button[value=record]")
    assert "recorded for Hungary" in page.content()
    assert axe_violations(page) == []
    assert page.console_errors == []
