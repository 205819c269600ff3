"""Reports: ask for a PDF, watch its progress (a plain refresh, no JavaScript), download it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from core import l10n
from core.actors import Actor
from core.spreadsheet import SafeCsvWriter
from core.uswds import UswdsFormMixin
from funding import clock, fx, selectors, services
from funding.models import ContributionCall, Report, ReportKind
from funding.reports.data import build_status
from funding.views.common import attempt, context, finance_page, state_choices
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    pass

REFRESH_SECONDS = 2


class StatusForm(UswdsFormMixin, forms.Form):
    years = forms.TypedMultipleChoiceField(
        coerce=int, label=gettext_lazy("Fiscal years"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = services.reports.fiscal_years_for_status()
        self.fields["years"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        # The year a person most likely wants is ticked: this year, or else the latest one.
        if years:
            this_year = clock.today().year
            self.fields["years"].initial = [this_year if this_year in years else years[-1]]


class StatementForm(UswdsFormMixin, forms.Form):
    state = forms.ModelChoiceField(
        queryset=governance_selectors.member_state_list(),
        to_field_name="code",
        label=gettext_lazy("Member state"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = state_choices(_("Choose a member state"))  # type: ignore[attr-defined]


def describe_reports(reports: Iterable[Report]) -> dict[int, str]:
    """What each report is about, in words ("Fiscal years 2025 and 2026"), by report id."""
    reports = list(reports)
    call_ids = [r.params.get("call_id") for r in reports if r.kind == ReportKind.CALL_LETTER]
    calls = {c.pk: c for c in ContributionCall.objects.filter(pk__in=[i for i in call_ids if i])}
    states = {s.code: s for s in governance_selectors.member_state_list()} if reports else {}
    described: dict[int, str] = {}
    for report in reports:
        params = report.params or {}
        if report.kind == ReportKind.STATUS:
            years = [str(y) for y in params.get("years", [])]
            text = ngettext("Fiscal year %(years)s", "Fiscal years %(years)s", len(years)) % {
                "years": ", ".join(years)
            }
        elif report.kind == ReportKind.STATEMENT:
            code = str(params.get("state", ""))
            state = states.get(code)
            name = l10n.country_name(code, state.name if state else code)
            text = _("Member state: %(state)s (%(code)s)") % {"state": name, "code": code}
        else:
            call = calls.get(int(params.get("call_id") or 0))
            text = _("Call %(reference)s") % {"reference": call.reference if call else "—"}
        described[report.pk] = text
    return described


@finance_page
def reports(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    kind = request.POST.get("kind")
    status_form = StatusForm(request.POST if kind == ReportKind.STATUS else None)
    statement_form = StatementForm(request.POST if kind == ReportKind.STATEMENT else None)
    language = (get_language() or "en")[:2]
    if kind == ReportKind.STATUS and status_form.is_valid():
        params = {"years": status_form.cleaned_data["years"]}
        form: forms.Form = status_form
    elif kind == ReportKind.STATEMENT and statement_form.is_valid():
        params = {"state": statement_form.cleaned_data["state"].code}
        form = statement_form
    else:
        params = {}
        form = status_form
    if params:
        ok, report = attempt(
            request,
            lambda: services.report_request(
                actor=actor, kind=str(kind), params=params, language=language
            ),
            form=form,
        )
        if ok:
            return HttpResponseRedirect(reverse("funding:report", args=[report.pk]))
    made = list(selectors.report_list()[:50])
    described = describe_reports(made)
    return render(
        request,
        "funding/reports.html",
        context(
            actor,
            crumbs=[(_("Reports"), None)],
            status_form=status_form,
            statement_form=statement_form,
            reports=[(r, described[r.pk]) for r in made],
        ),
    )


@finance_page
def report_detail(request: HttpRequest, report_id: int, *, actor: Actor) -> HttpResponse:
    """The report's progress; the page reloads itself every few seconds until it is done."""
    report = get_object_or_404(Report, pk=report_id)
    return render(
        request,
        "funding/report_detail.html",
        context(
            actor,
            crumbs=[(_("Reports"), reverse("funding:reports")), (capfirst(str(report)), None)],
            report=report,
            about=describe_reports([report])[report.pk],
            refresh=None if report.finished else REFRESH_SECONDS,
        ),
    )


@finance_page
def report_download(request: HttpRequest, report_id: int, *, actor: Actor) -> FileResponse:
    report = get_object_or_404(Report, pk=report_id)
    if not report.file:
        raise Http404
    name = f"{report.kind}-{report.pk}.pdf"
    response = FileResponse(report.file.open("rb"), content_type="application/pdf", filename=name)
    response["X-Content-SHA256"] = report.sha256
    return response


@finance_page
def status_csv(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The status of contributions as CSV, one row per state and year (amounts with 2 decimals)."""
    try:
        years = sorted({int(y) for y in request.GET.getlist("year")}) or (
            services.reports.fiscal_years_for_status()
        )
    except ValueError:
        raise Http404 from None
    data = build_status(years, as_of=clock.today())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="status-of-contributions.csv"'
    writer = SafeCsvWriter(response)
    # One flat table, one row per state and year; the state's position at the report date
    # (arrears under the configured rule, credit, votes) is repeated on each of its rows.
    writer.writerow(
        ["as_of", "year", "code", "name", "currency", "due_on", "assessed", "paid", "outstanding",
         "honour_roll", "state_credit", "state_arrears", "state_arrears_line", "arrears_rule",
         "state_over_line", "state_votes_suspended"]
    )  # fmt: skip
    states = {s["code"]: s for s in data["states"]}
    for block in data["years"]:
        for row in block["rows"]:
            state = states[row["code"]]
            writer.writerow(
                [
                    data["as_of"], block["year"], row["code"], row["name_en"],
                    data["base_currency"], row["due_on"] or "",
                    fx.cents_to_decimal(row["assessed"]), fx.cents_to_decimal(row["paid"]),
                    fx.cents_to_decimal(row["outstanding"]), "yes" if row["honour"] else "no",
                    fx.cents_to_decimal(state["credit"]), fx.cents_to_decimal(state["arrears"]),
                    fx.cents_to_decimal(state["threshold"]), data["arrears_rule"],
                    "yes" if state["over_line"] else "no",
                    "yes" if state["votes_suspended"] else "no",
                ]
            )  # fmt: skip
    return response
