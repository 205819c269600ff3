"""The annual transparency report: asked for by finance staff, made and published by a task.

The only writes of the transparency app: its own report rows. Everything the report shows is
read through the other apps' selectors (``transparency.reports.data``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.actors import Actor
from core.audit import audit_record
from core.documents import Statuses, document_make, document_progress
from core.errors import ValidationFailed
from core.permissions import require_mfa
from funding import permissions
from transparency.models import AnnualReport, AnnualReportStatus, ReportLanguage
from transparency.reports import data as report_data
from transparency.reports import render

log = logging.getLogger(__name__)

# Step labels are stored in English and translated when shown.
STEP_DONE = gettext_noop("Published")
FIRST_YEAR = 2000
LAST_YEAR = 2999


def _enqueue(report: AnnualReport) -> None:
    """Start the report's task once the transaction that created it has committed."""
    from transparency.tasks import annual_report_generate as task

    report_id = report.pk
    transaction.on_commit(lambda: task.delay(report_id))


def _clean(year: Any, languages: list[str]) -> tuple[int, list[str]]:
    try:
        clean_year = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a year."), field="year") from None
    if not FIRST_YEAR <= clean_year <= LAST_YEAR:
        raise ValidationFailed(
            _("Enter a year between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="year",
        )
    unknown = [lang for lang in languages if lang not in ReportLanguage.values]
    if not languages or unknown:
        raise ValidationFailed(_("Choose English, German or French."), field="language")
    return clean_year, sorted(set(languages), key=ReportLanguage.values.index)


@transaction.atomic
def annual_report_request_many(
    *, actor: Actor, year: int, languages: list[str]
) -> list[AnnualReport]:
    """Ask for the year's report in several languages; each is made and published in turn.

    A report is published on the portal as soon as it is made, so asking for one needs the
    finance staff role and a second factor, like other acts that speak for the facility.
    """
    permissions.check_view_finances(actor)
    require_mfa(actor)
    clean_year, clean_languages = _clean(year, languages)
    reports = []
    for language in clean_languages:
        report = AnnualReport.objects.create(
            year=clean_year,
            language=language,
            requested_by=actor.user,
            requested_by_label=actor.label[:200],
        )
        audit_record(
            actor=actor,
            action="annual_report.request",
            target=report,
            after={"year": clean_year, "language": language},
        )
        _enqueue(report)
        reports.append(report)
    return reports


def annual_report_request(*, actor: Actor, year: int, language: str) -> AnnualReport:
    """Ask for the year's report in one language; the PDF is made in the background."""
    return annual_report_request_many(actor=actor, year=year, languages=[language])[0]


def annual_report_progress(report_id: int, *, progress: int, step: str, **fields: Any) -> None:
    """Record how far the work is, in its own short transaction so the page sees it at once."""
    document_progress(AnnualReport, report_id, progress=progress, step=step, **fields)


def annual_report_generate(*, actor: Actor, report_id: int) -> AnnualReport:
    """Make and publish the report's PDF: data, its hash, HTML, pages, file and the file's hash.

    Each step is recorded as it is reached, so the waiting page can show the progress; a
    failure is recorded on the report with its message, and it stays unpublished.
    """
    permissions.check_view_finances(actor)
    return document_make(
        actor=actor,
        model=AnnualReport,
        pk=report_id,
        statuses=Statuses(
            AnnualReportStatus.RUNNING, AnnualReportStatus.DONE, AnnualReportStatus.FAILED
        ),
        done_step=STEP_DONE,
        build=lambda report: report_data.build_annual(report.year),
        render_html=lambda report, data, data_sha256: render.render_html(
            data, language=report.language, data_sha256=data_sha256
        ),
        layout=render.layout,
        write_pdf=lambda document, data_sha256: render.write_pdf(document, data_sha256=data_sha256),
        file_name=lambda report, sha256: (
            f"annual-{report.year}-{report.language}-{report.pk}-{sha256[:12]}.pdf"
        ),
        audit_action="annual_report.generate",
        audit_after=lambda report: {"year": report.year, "language": report.language},
        progress=annual_report_progress,
    )
