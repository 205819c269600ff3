"""Reports as PDF: asked for on a page, made by a background task that shows its progress."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.actors import Actor
from core.audit import audit_record
from core.documents import Statuses, document_make, document_progress
from core.errors import ValidationFailed
from funding import clock, permissions
from funding.models import ContributionCall, FiscalYear, Report, ReportKind, ReportStatus
from funding.reports import data as report_data
from funding.reports import render
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

# Step labels are stored in English and translated when shown.
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
        if governance_selectors.member_state_get(code=code) is None:
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
    document_progress(Report, report_id, progress=progress, step=step, **fields)


def _build(report: Report) -> dict[str, Any]:
    if report.kind == ReportKind.STATUS:
        return report_data.build_status(report.params["years"], as_of=clock.today())
    if report.kind == ReportKind.STATEMENT:
        state = governance_selectors.member_state_list().get(code=report.params["state"])
        return report_data.build_statement(state, as_of=clock.today())
    call = ContributionCall.objects.select_related(
        "member_state", "fiscal_year", "assessment__scale"
    ).get(pk=report.params["call_id"])
    return report_data.build_letter(call)


def report_generate(*, actor: Actor, report_id: int) -> Report:
    """Make the PDF of a report: data, its hash, HTML, pages, file and the file's hash.

    Each step is recorded as it is reached, so the waiting page can show the progress; a
    failure is recorded on the report with its message (core.documents).
    """
    permissions.check_view_finances(actor)

    def write_pdf(document: Any, data_sha256: str) -> bytes:
        pdf = document.write_pdf()
        assert pdf is not None  # noqa: S101 - write_pdf without a target returns the bytes
        return bytes(pdf)

    return document_make(
        actor=actor,
        model=Report,
        pk=report_id,
        statuses=Statuses(ReportStatus.RUNNING, ReportStatus.DONE, ReportStatus.FAILED),
        done_step=STEP_DONE,
        build=_build,
        render_html=lambda report, data, data_sha256: render.render_html(
            report.kind, data, language=report.language, data_sha256=data_sha256
        ),
        layout=render.layout,
        write_pdf=write_pdf,
        file_name=lambda report, sha256: f"{report.kind}-{report.pk}-{sha256[:12]}.pdf",
        audit_action="report.generate",
        audit_after=lambda report: {},
        progress=report_progress,
    )


def fiscal_years_for_status() -> list[int]:
    return list(FiscalYear.objects.order_by("year").values_list("year", flat=True))
