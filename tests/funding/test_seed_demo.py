"""The funding demo: a fiscal year run end to end on the demo data, through the services only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from funding.models import (
    ContributionCall,
    ContributionScale,
    FiscalYear,
    Payment,
    ScaleShare,
    ScaleStatus,
    YearBalance,
)
from funding.verification import verify_ledger
from governance.models import ContributionShare

pytestmark = pytest.mark.django_db


def test_the_funding_demo_loads_after_seed_demo_and_again_changes_nothing():
    """Scale adopted by vote, budget approved, 35 calls, payments in six currencies, books whole."""
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("funding_seed_demo", "--no-letters", stdout=out)
    assert "Sign in as 'finance'" in out.getvalue()
    scale = ContributionScale.objects.get()
    assert scale.status == ScaleStatus.ADOPTED
    assert FiscalYear.objects.get().status == "approved"
    calls = ContributionCall.objects.all()
    assert calls.count() == 35
    assert sum(c.amount_cents for c in calls) == 1_250_000_000_00
    assert {p.currency for p in Payment.objects.all()} >= {"EUR", "USD", "GBP", "CHF", "PLN"}
    assert not YearBalance.objects.filter(member_state__code="DE", paid_cents=0).exists()
    assert YearBalance.objects.get(member_state__code="HU").paid_cents == 0
    assert verify_ledger() == []
    # the shares the weighted votes use are those of the adopted scale
    de = ScaleShare.objects.get(scale=scale, year=2026, member_state__code="DE")
    assert (
        ContributionShare.objects.get(member_state__code="DE", valid_from="2026-01-01").share
        == de.share
    )
    counts = (Payment.objects.count(), ContributionCall.objects.count(), ScaleShare.objects.count())
    call_command("funding_seed_demo", "--no-letters", stdout=io.StringIO())
    assert (
        Payment.objects.count(),
        ContributionCall.objects.count(),
        ScaleShare.objects.count(),
    ) == counts
