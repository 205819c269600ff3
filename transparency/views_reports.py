"""The archive of published annual reports (public), and the staff pages that make them.

Public: the list of published PDFs with the SHA-256 of each file and of the data it was made
from, the PDFs themselves, and the data as canonical JSON so anyone can check the hash.
Staff (finance): ask for a year's report in one or all three languages, watch its progress on
a page that reloads itself (no JavaScript).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_stubs_ext import StrOrPromise

from core.actors import Actor
from core.errors import DomainError
from funding import permissions
from transparency import services
from transparency.cache import cached
from transparency.models import AnnualReport, AnnualReportStatus, ReportLanguage

REFRESH_SECONDS = 2
ALL_LANGUAGES = "all"
RECENT = 30
MAX_WATCHED = 12

View = Callable[..., HttpResponse]


def published() -> QuerySet[AnnualReport]:
    """Published reports, newest year first, without the (large) data column."""
    return (
        AnnualReport.objects.filter(status=AnnualReportStatus.DONE)
        .defer("data")
        .order_by("-year", "language", "-id")
    )


def _crumbs(here: StrOrPromise) -> list[dict[str, str]]:
    return [
        {"label": str(_("Transparency portal")), "url": reverse("transparency:home")},
        {"label": str(_("Reports")), "url": reverse("transparency:reports")},
        {"label": str(here), "url": ""},
    ]


def _published_or_404(report_id: int) -> AnnualReport:
    report = AnnualReport.objects.filter(pk=report_id, status=AnnualReportStatus.DONE).first()
    if report is None:
        raise Http404
    return report


@dataclass(frozen=True)
class Edition:
    """One language of a year's report: the latest published file, or None if none is."""

    language: str
    label: str
    report: AnnualReport | None


def archive_by_year(reports: list[AnnualReport]) -> list[tuple[int, list[Edition]]]:
    """Published reports grouped by year, newest first, each year in every report language.

    A language nobody has published a report in yet is listed as missing, so the archive never
    claims more languages than it holds. Of several files of one year and language, the latest.
    """
    latest: dict[tuple[int, str], AnnualReport] = {}
    for report in reports:  # newest id first within a year and language (see `published`)
        latest.setdefault((report.year, report.language), report)
    years = sorted({year for year, _language in latest}, reverse=True)
    return [
        (
            year,
            [
                Edition(code, str(label), latest.get((year, code)))
                for code, label in ReportLanguage.choices
            ],
        )
        for year in years
    ]


@require_GET
@cached
def reports_archive(request: HttpRequest) -> HttpResponse:
    # Only signed-in pages are built per visitor (the cache serves the anonymous ones).
    can_make = request.user.is_authenticated and permissions.is_finance_officer(
        Actor.from_request(request)
    )
    context = {
        "years": archive_by_year(list(published())),
        "can_make": can_make,
    }
    return render(request, "transparency/reports.html", context)


@require_GET
def report_pdf(request: HttpRequest, report_id: int) -> FileResponse:
    """The PDF as published; its SHA-256 is in a header and on the archive page."""
    report = _published_or_404(report_id)
    response = FileResponse(
        report.file.open("rb"),
        content_type="application/pdf",
        filename=f"annual-report-{report.year}-{report.language}.pdf",
    )
    response["X-Content-SHA256"] = report.sha256
    return response


@require_GET
@cached
def report_data(request: HttpRequest, report_id: int) -> HttpResponse:
    """The data the report was made from, byte for byte the canonical JSON that was hashed."""
    report = _published_or_404(report_id)
    response = HttpResponse(report.data.encode(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'inline; filename="annual-report-{report.year}-{report.language}-data.json"'
    )
    response["X-Data-SHA256"] = report.data_sha256
    return response


def finance_page(view: View) -> View:
    """Signed-in finance staff only; the view gets the request's actor as ``actor``."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = Actor.from_request(request)
        if not permissions.is_finance_officer(actor):
            raise PermissionDenied
        return view(request, *args, actor=actor, **kwargs)

    return wrapper


class RequestForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=services.FIRST_YEAR, max_value=services.LAST_YEAR
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[(ALL_LANGUAGES, _("All three languages")), *ReportLanguage.choices],
        initial=ALL_LANGUAGES,
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that the report is published on the public portal as soon as it is "
            "made, with its data."
        ),
        required=True,
    )


@finance_page
def reports_make(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Ask for a year's report; once made it is published in the public archive."""
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        languages = list(ReportLanguage.values) if language == ALL_LANGUAGES else [language]
        try:
            reports = services.annual_report_request_many(
                actor=actor, year=form.cleaned_data["year"], languages=languages
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            query = urlencode([("id", r.pk) for r in reports])
            return HttpResponseRedirect(f"{reverse('transparency:reports_progress')}?{query}")
    recent = AnnualReport.objects.defer("data").order_by("-requested_at", "-id")[:RECENT]
    return render(
        request,
        "transparency/reports_make.html",
        {
            "form": form,
            "recent": recent,
            "mfa_ok": actor.mfa_verified,
            "breadcrumbs": _crumbs(_("Make an annual report")),
        },
    )


@finance_page
def reports_progress(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The progress of one or more reports; the page reloads itself until all are finished."""
    try:
        ids = [int(value) for value in request.GET.getlist("id")][: len(ReportLanguage.values) * 4]
    except ValueError:
        raise Http404 from None
    reports = list(AnnualReport.objects.defer("data").filter(pk__in=ids).order_by("id"))
    if not reports:
        raise Http404
    finished = all(r.finished for r in reports)
    return render(
        request,
        "transparency/reports_progress.html",
        {
            "reports": reports,
            "refresh": None if finished else REFRESH_SECONDS,
            "breadcrumbs": _crumbs(_("Annual report")),
        },
    )
