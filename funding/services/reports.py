"""Reports as PDF: asked for on a page, made by a background task that shows its progress."""

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
from funding import clock, permissions, scale_io
from funding.models import ContributionCall, FiscalYear, Report, ReportKind, ReportStatus
from funding.reports import data as report_data
from funding.reports import render
from governance.models import MemberState

log = logging.getLogger(__name__)

# Step labels are stored in English and translated when shown.
STEP_COLLECT = gettext_noop("Collecting the figures")
STEP_HTML = gettext_noop("Writing the document")
STEP_LAYOUT = gettext_noop("Laying out the pages")
STEP_PDF = gettext_noop("Writing the PDF")
STEP_STORE = gettext_noop("Storing the file")
STEP_DONE = gettext_noop("Ready")
MAX_YEARS = 30


def enqueue(report: Report) -> None:
    """Start the report's task once the transaction that created it has committed."""
    from funding.tasks import report_generate

    report_id = report.pk
    transaction.on_commit(lambda: report_generate.delay(report_id))


def _clean_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    if kind == ReportKind.STATUS:
        years = sorted({int(y) for y in params.get("years", [])})
        if not years or len(years) > MAX_YEARS:
            raise ValidationFailed(
                _("Choose between 1 and %(n)d fiscal years.") % {"n": MAX_YEARS}, field="years"
            )
        return {"years": years}
    if kind == ReportKind.STATEMENT:
        code = str(params.get("state", "")).upper()
        if not MemberState.objects.filter(code=code).exists():
            raise ValidationFailed(_("Unknown member state."), field="state")
        return {"state": code}
    raise ValidationFailed(_("Letters are made when calls are issued."), field="kind")


@transaction.atomic
def report_request(
    *, actor: Actor, kind: str, params: dict[str, Any], language: str = "en"
) -> Report:
    """Ask for a status report or a statement; the PDF is made in the background."""
    permissions.check_view_finances(actor)
    clean = _clean_params(kind, params)
    report = Report.objects.create(
        kind=kind,
        params=clean,
        language=language if language in render.LETTER_LANGUAGES else "en",
        requested_by=actor.user,
        requested_by_label=actor.label[:200],
    )
    audit_record(actor=actor, action="report.request", target=report, after=clean)
    enqueue(report)
    return report


def report_progress(report_id: int, *, progress: int, step: str, **fields: Any) -> None:
    """Record how far the work is, in its own short transaction so the page sees it at once."""
    with transaction.atomic():
        Report.objects.filter(pk=report_id).update(progress=progress, step=step, **fields)


def _build(report: Report) -> dict[str, Any]:
    if report.kind == ReportKind.STATUS:
        return report_data.build_status(report.params["years"], as_of=clock.today())
    if report.kind == ReportKind.STATEMENT:
        state = MemberState.objects.get(code=report.params["state"])
        return report_data.build_statement(state, as_of=clock.today())
    call = ContributionCall.objects.select_related(
        "member_state", "fiscal_year", "assessment__scale"
    ).get(pk=report.params["call_id"])
    return report_data.build_letter(call)


def report_generate(*, actor: Actor, report_id: int) -> Report:
    """Make the PDF of a report: data, its hash, HTML, pages, file and the file's hash.

    Not one transaction: each step is recorded as it is reached, so the waiting page can show
    the progress. A failure is recorded on the report with its message.
    """
    permissions.check_view_finances(actor)
    report = Report.objects.get(pk=report_id)
    if report.status == ReportStatus.DONE:
        return report
    report_progress(
        report_id,
        progress=5,
        step=STEP_COLLECT,
        status=ReportStatus.RUNNING,
        started_at=timezone.now(),
        error="",
    )
    try:
        data = _build(report)
        canonical = scale_io.canonical_json(data)
        data_sha256 = hashlib.sha256(canonical).hexdigest()
        report_progress(report_id, progress=25, step=STEP_HTML)
        html = render.render_html(
            report.kind, data, language=report.language, data_sha256=data_sha256
        )
        # The rows and dicts behind the data are not needed any more: let them go before the
        # long layout, so the garbage collector does not walk them again and again during it.
        del data
        gc.collect()
        report_progress(report_id, progress=40, step=STEP_LAYOUT)
        document = render.layout(html)
        report_progress(report_id, progress=80, step=STEP_PDF)
        pdf = document.write_pdf()
        assert pdf is not None  # noqa: S101 - write_pdf without a target returns the bytes
        report_progress(report_id, progress=95, step=STEP_STORE)
        sha256 = hashlib.sha256(pdf).hexdigest()
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report_id)
            locked.file.save(
                f"{locked.kind}-{locked.pk}-{sha256[:12]}.pdf", ContentFile(pdf), save=False
            )
            locked.sha256 = sha256
            locked.data = canonical.decode()
            locked.data_sha256 = data_sha256
            locked.page_count = len(document.pages)
            locked.generated_at = timezone.now()
            locked.status = ReportStatus.DONE
            locked.progress = 100
            locked.step = STEP_DONE
            locked.save()
            audit_record(
                actor=actor,
                action="report.generate",
                target=locked,
                after={
                    "sha256": sha256,
                    "data_sha256": data_sha256,
                    "pages": locked.page_count,
                },
            )
        return locked
    except Exception as exc:
        log.exception("report %s failed", report_id)
        report_progress(
            report_id, progress=100, step=gettext_noop("Failed"), status=ReportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )  # fmt: skip
        raise


def fiscal_years_for_status() -> list[int]:
    return list(FiscalYear.objects.order_by("year").values_list("year", flat=True))
