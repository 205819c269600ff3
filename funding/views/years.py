"""Fiscal years: budget lines, submission to the finance committee, assessments and calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import l10n
from core.actors import Actor
from core.bounds import DateFormField
from core.uswds import UswdsFormMixin
from core.validators import validate_name
from funding import clock, selectors, services
from funding.models import Assessment, FiscalYear, YearBalance
from funding.views.common import attempt, context, finance_page
from governance import selectors as governance_selectors
from governance.choices import MotionKind

if TYPE_CHECKING:
    from governance.models import Motion


class YearForm(UswdsFormMixin, forms.Form):
    year = forms.IntegerField(min_value=1900, max_value=2200, label=gettext_lazy("Year"))


class BudgetLineForm(UswdsFormMixin, forms.Form):
    code = forms.SlugField(max_length=40, label=gettext_lazy("Code"))
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"), validators=[validate_name])
    amount = forms.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, label=gettext_lazy("Amount")
    )


class CallsForm(UswdsFormMixin, forms.Form):
    issued_on = DateFormField(
        label=gettext_lazy("Issue date"), widget=forms.DateInput(attrs={"type": "date"})
    )


def open_budget_motions() -> list[Motion]:
    return list(
        governance_selectors.motions_before_vote(
            kind=MotionKind.BUDGET, council_code=settings.FUNDING_FINANCE_COUNCIL
        )
    )


@finance_page
def years(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = YearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, fiscal_year = attempt(
            request,
            lambda: services.fiscal_year_create(actor=actor, year=form.cleaned_data["year"]),
            form=form,
        )
        if ok:
            messages.success(
                request, _("Fiscal year %(year)d opened.") % {"year": fiscal_year.year}
            )
            return HttpResponseRedirect(reverse("funding:year", args=[fiscal_year.year]))
    return render(
        request,
        "funding/years.html",
        context(
            actor,
            crumbs=[(_("Fiscal years and calls"), None)],
            form=form,
            years=selectors.fiscal_year_list(),
        ),
    )


@finance_page
def year(request: HttpRequest, year: int, *, actor: Actor) -> HttpResponse:
    fiscal_year = get_object_or_404(FiscalYear.objects.select_related("budget_motion"), year=year)
    line_form = BudgetLineForm(request.POST or None)
    if request.method == "POST" and line_form.is_valid():
        data = line_form.cleaned_data
        ok, _line = attempt(
            request,
            lambda: services.budget_line_set(
                actor=actor,
                fiscal_year=fiscal_year,
                code=data["code"],
                title=data["title"],
                amount_cents=int(data["amount"] * 100),
            ),
            form=line_form,
        )
        if ok:
            messages.success(request, _("Budget line saved."))
            return HttpResponseRedirect(reverse("funding:year", args=[year]))
    balances = {b.member_state_id: b for b in YearBalance.objects.filter(fiscal_year=fiscal_year)}
    assessments = l10n.sorted_by_name(
        [
            (a, getattr(a, "call", None), balances.get(a.member_state_id))
            for a in Assessment.objects.filter(fiscal_year=fiscal_year)
            .select_related("member_state", "call__letter")
            .order_by("member_state__code")
        ],
        lambda row: l10n.country_name(row[0].member_state.code, row[0].member_state.name),
    )
    return render(
        request,
        "funding/year.html",
        context(
            actor,
            crumbs=[
                (_("Fiscal years and calls"), reverse("funding:years")),
                (_("Fiscal year %(year)s") % {"year": fiscal_year.year}, None),
            ],
            fiscal_year=fiscal_year,
            lines=fiscal_year.lines.order_by("code"),
            budget_cents=selectors.budget_cents(fiscal_year),
            line_form=line_form,
            calls_form=CallsForm(initial={"issued_on": clock.today()}),
            motions=open_budget_motions(),
            scale=selectors.scale_covering(fiscal_year.year),
            assessments=assessments,
            uncalled=sum(1 for _a, call, _b in assessments if call is None),
            due_days=settings.FUNDING_CALL_DUE_DAYS,
        ),
    )


@finance_page
@require_POST
def year_step(request: HttpRequest, year: int, action: str, *, actor: Actor) -> HttpResponse:
    """The buttons of a fiscal year: submit, approve, assess, issue calls."""
    fiscal_year = get_object_or_404(FiscalYear, year=year)
    if action == "submit":
        motion = governance_selectors.motion_get(motion_id=request.POST.get("motion") or 0)
        if motion is None:
            messages.error(request, _("Choose the budget motion."))
        elif attempt(
            request,
            lambda: services.fiscal_year_submit_budget(
                actor=actor, fiscal_year=fiscal_year, motion=motion
            ),
        )[0]:
            messages.success(request, _("The budget is before the finance committee."))
    elif action == "approve":
        if attempt(
            request, lambda: services.fiscal_year_approve(actor=actor, fiscal_year=fiscal_year)
        )[0]:
            messages.success(request, _("The budget is approved."))
    elif action == "assess":
        ok, rows = attempt(
            request, lambda: services.assessments_compute(actor=actor, fiscal_year=fiscal_year)
        )
        if ok:
            messages.success(request, _("%(n)d assessments made.") % {"n": len(rows)})
    elif action == "calls":
        form = CallsForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the issue date."))
        else:
            ok, calls = attempt(
                request,
                lambda: services.calls_issue(
                    actor=actor, fiscal_year=fiscal_year, issued_on=form.cleaned_data["issued_on"]
                ),
            )
            if ok:
                messages.success(
                    request,
                    _("%(n)d calls issued; their letters are being made.") % {"n": len(calls)},
                )
    else:
        messages.error(request, _("Unknown step."))
    return HttpResponseRedirect(reverse("funding:year", args=[year]))
