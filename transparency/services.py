"""The annual transparency report: asked for by finance staff, made and published by a task.

The only writes of the transparency app: its own report rows. Everything the report shows is
read through the other apps' selectors (``transparency.reports.data``).
"""

from __future__ import annotations

import gc
import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.actors import Actor
from core.audit import audit_record
from core.errors import ValidationFailed
from core.permissions import require_mfa
from funding import permissions
from transparency.models import AnnualReport, AnnualReportStatus, ReportLanguage
from transparency.reports import data as report_data
from transparency.reports import render

log = logging.getLogger(__name__)

# Step labels are stored in English and translated when shown.
STEP_COLLECT = gettext_noop("Collecting the figures")
STEP_HTML = gettext_noop("Writing the document")
STEP_LAYOUT = gettext_noop("Laying out the pages")
STEP_PDF = gettext_noop("Writing the PDF")
STEP_STORE = gettext_noop("Storing the file")
STEP_DONE = gettext_noop("Published")
STEP_FAILED = gettext_noop("Failed")
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
    with transaction.atomic():
        AnnualReport.objects.filter(pk=report_id).update(progress=progress, step=step, **fields)


def annual_report_generate(*, actor: Actor, report_id: int) -> AnnualReport:
    """Make and publish the report's PDF: data, its hash, HTML, pages, file and the file's hash.

    Not one transaction: each step is recorded as it is reached, so the waiting page can show
    the progress. A failure is recorded on the report with its message, and it stays
    unpublished.
    """
    permissions.check_view_finances(actor)
    report = AnnualReport.objects.get(pk=report_id)
    if report.status == AnnualReportStatus.DONE:
        return report
    annual_report_progress(
        report_id,
        progress=5,
        step=STEP_COLLECT,
        status=AnnualReportStatus.RUNNING,
        started_at=timezone.now(),
        error="",
    )
    try:
        data = report_data.build_annual(report.year)
        canonical = report_data.canonical_json(data)
        data_sha256 = report_data.sha256_of(canonical)
        annual_report_progress(report_id, progress=20, step=STEP_HTML)
        html = render.render_html(data, language=report.language, data_sha256=data_sha256)
        # The rows and dicts behind the data are not needed any more: let them go before the
        # long layout, so the garbage collector does not walk them again and again during it.
        del data
        gc.collect()
        annual_report_progress(report_id, progress=30, step=STEP_LAYOUT)
        document = render.layout(html)
        del html
        annual_report_progress(report_id, progress=80, step=STEP_PDF)
        pdf = render.write_pdf(document, data_sha256=data_sha256)
        annual_report_progress(report_id, progress=95, step=STEP_STORE)
        sha256 = hashlib.sha256(pdf).hexdigest()
        with transaction.atomic():
            locked = AnnualReport.objects.select_for_update().get(pk=report_id)
            locked.file.save(
                f"annual-{locked.year}-{locked.language}-{locked.pk}-{sha256[:12]}.pdf",
                ContentFile(pdf),
                save=False,
            )
            locked.sha256 = sha256
            locked.data = canonical.decode()
            locked.data_sha256 = data_sha256
            locked.page_count = len(document.pages)
            locked.generated_at = timezone.now()
            locked.status = AnnualReportStatus.DONE
            locked.progress = 100
            locked.step = STEP_DONE
            locked.save()
            audit_record(
                actor=actor,
                action="annual_report.generate",
                target=locked,
                after={
                    "year": locked.year,
                    "language": locked.language,
                    "sha256": sha256,
                    "data_sha256": data_sha256,
                    "pages": locked.page_count,
                },
            )
        return locked
    except Exception as exc:
        log.exception("annual report %s failed", report_id)
        annual_report_progress(
            report_id,
            progress=100,
            step=STEP_FAILED,
            status=AnnualReportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
