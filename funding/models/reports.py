"""PDF reports and letters: what was asked for, how far the work is, and what came out."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import GeneratedDocument


class ReportKind(models.TextChoices):
    STATUS = "status", _("status of contributions")
    STATEMENT = "statement", _("statement of account")
    CALL_LETTER = "call_letter", _("call for contributions (letter)")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("being made")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


def report_path(instance: Report, filename: str) -> str:
    return f"funding/reports/{instance.kind}/{filename}"


class Report(GeneratedDocument):
    """A PDF made by a background task, kept with its SHA-256 and the data it was made from."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    params = models.JSONField(_("parameters"), default=dict)
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(
        _("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to=report_path, blank=True)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ("-requested_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReportKind.values), name="funding_report_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="funding_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="funding_report_progress_percent"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.DONE)
                | (Q(generated_at__isnull=False) & ~Q(sha256="") & ~Q(data_sha256="")),
                name="funding_report_done_has_hashes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)
