"""The annual transparency reports: what was asked for, how far the work is, what was published."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import GeneratedDocument


class ReportLanguage(models.TextChoices):
    EN = "en", _("English")
    DE = "de", _("German")
    FR = "fr", _("French")


class AnnualReportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("being made")
    DONE = "done", _("published")
    FAILED = "failed", _("failed")


def annual_report_path(instance: AnnualReport, filename: str) -> str:
    return f"transparency/annual/{instance.year}/{filename}"


class AnnualReport(GeneratedDocument):
    """One year's transparency report in one language, kept with its SHA-256 and its data."""

    year = models.PositiveSmallIntegerField(_("year"))
    language = models.CharField(
        _("language"), max_length=2, choices=ReportLanguage.choices, default=ReportLanguage.EN
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=AnnualReportStatus.choices,
        default=AnnualReportStatus.QUEUED,
    )
    file = models.FileField(_("file"), upload_to=annual_report_path, blank=True)
    generated_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ("-year", "language", "-id")
        indexes = [
            models.Index(
                fields=["-year", "language", "-id"],
                condition=Q(status="done"),
                name="annual_report_published_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=ReportLanguage.values),
                name="annual_report_language_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AnnualReportStatus.values),
                name="annual_report_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="annual_report_progress_percent"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900) & Q(year__lte=2999), name="annual_report_year_sane"
            ),
            models.CheckConstraint(
                condition=~Q(status=AnnualReportStatus.DONE)
                | (
                    Q(generated_at__isnull=False)
                    & ~Q(sha256="")
                    & ~Q(data_sha256="")
                    & ~Q(file="")
                    & Q(page_count__gt=0)
                ),
                name="annual_report_done_has_file_and_hashes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.language}) #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (AnnualReportStatus.DONE, AnnualReportStatus.FAILED)
