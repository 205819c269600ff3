"""Every run of the scheduler sync: the diff, the commands, their output, how long, how it ended."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compute.models.quotas import Cluster


class SyncStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    # Its process died mid-run (the next run found it without a live holder).
    ABANDONED = "abandoned", _("abandoned")


class SyncRun(models.Model):
    """One reconciliation of the cluster's accounts with what the platform says they should be."""

    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="sync_runs")
    backend = models.CharField(_("backend"), max_length=20)
    dry_run = models.BooleanField(_("dry run"), default=False)
    triggered_by = models.CharField(_("triggered by"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    # [{"account", "change", "before", "after"}], from compute.reconcile.Change.to_dict().
    diff = models.JSONField(_("diff"), default=list, blank=True)
    # [{"argv", "stdin", "returncode", "stdout", "stderr", "duration_ms", "ok"}]
    commands = models.JSONField(_("commands"), default=list, blank=True)
    steps_total = models.PositiveIntegerField(default=0)
    steps_done = models.PositiveIntegerField(default=0)
    # Accounts left frozen because jobs still run under them; removed by a later run.
    waiting = models.JSONField(default=list, blank=True)
    # Accounts below root the platform did not make and does not want: left alone, for a
    # person to decide (remove them, or list them in COMPUTE_UNMANAGED_ACCOUNTS).
    unmanaged = models.JSONField(default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ("-started_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SyncStatus.values), name="sync_status_valid"
            ),
            models.UniqueConstraint(
                fields=["cluster"],
                condition=Q(status="running"),
                name="sync_one_running_per_cluster",
            ),
            models.CheckConstraint(
                condition=Q(status="running") | Q(finished_at__isnull=False),
                name="sync_finished_has_time",
            ),
            models.CheckConstraint(
                condition=Q(steps_done__lte=models.F("steps_total")), name="sync_steps_bounded"
            ),
        ]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "sync"
        return f"{self.cluster.name} {kind} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"

    @property
    def changed(self) -> bool:
        return bool(self.diff)
