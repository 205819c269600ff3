"""The finance desk: what is due, what is late, who is over the arrears line."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.actors import Actor
from funding import clock, selectors
from funding.models import DataImport, Payment
from funding.views.common import context, finance_page


@finance_page
def dashboard(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    today = clock.today()
    return render(
        request,
        "funding/dashboard.html",
        context(
            actor,
            today=today,
            late=selectors.calls_late(today),
            due_soon=selectors.calls_due_soon(today)[:50],
            over_line=selectors.accounts_over_line(),
            years=selectors.fiscal_year_list()[:10],
            payments=Payment.objects.select_related("member_state", "reversal")[:10],
            imports=DataImport.objects.all()[:5],
            reports=selectors.report_list()[:5],
            base_currency=selectors.base_currency(),
        ),
    )
