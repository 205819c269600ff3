"""Finished jobs read from Slurm's accounting, and the notices sent as quotas fill up."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compute.models.quotas import Cluster, ProjectAllocation


class JobUsage(models.Model):
    """One finished job: who ran it under which account, on how many GPUs, for how long.

    Only what sacct says of the job is kept; what follows from it is not stored again: GPU time
    is `gpu_seconds` (GPU count × elapsed seconds, exact), the job's day is the UTC date of
    `ended_at`, its project is the project whose code is `account`. The sums per account,
    project and day live in UsageDay, which the pages and the quota policy read.

    The table is an append-only log written by `usage_ingest` alone, shaped for COPY: no index
    that each row must enter. On PostgreSQL, (cluster, job_id) is kept unique by the ingest, not by
    a unique index: each ingest of a cluster holds that cluster's advisory lock, leaves out the
    jobs already stored and refuses a job twice in its input (see compute.services.usage_fast);
    a BRIN index over (cluster, job_id) (minmax-multi for the ids, as clusters ingested in turn
    share block ranges) finds the stored ids of a window. A unique index made
    every row cost ~1.2 s per million more than the whole rest of its insertion (bench/README.md).
    The composite key below is the job's identity for Django; the SQLite demo keeps it as a real
    primary key. No database foreign keys either: a per-row referential check would cost more
    than the COPY itself; the ingest sets cluster from its argument.
    """

    pk = models.CompositePrimaryKey("cluster", "job_id")
    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    job_id = models.BigIntegerField(_("Slurm job id"))
    account = models.CharField(_("account"), max_length=64)
    user = models.CharField(_("user"), max_length=64)
    gpus = models.PositiveIntegerField(_("GPUs"))
    elapsed_seconds = models.PositiveBigIntegerField(_("elapsed (s)"))
    state = models.CharField(_("state"), max_length=40)
    ended_at = models.DateTimeField(_("ended"))

    class Meta:
        verbose_name = _("job usage")
        verbose_name_plural = _("job usage")

    def __str__(self) -> str:
        return f"{self.cluster_id}:{self.job_id} {self.account} {self.gpu_seconds} GPU-s"

    @property
    def gpu_seconds(self) -> int:
        return self.gpus * self.elapsed_seconds


class UsageDay(models.Model):
    """The jobs and GPU-seconds of one account on one cluster on one day (UTC), summed.

    Written by the ingest in the same transaction as the jobs it sums, from exactly the jobs it
    inserted, so it always equals the sum over JobUsage; the quota pages read it instead of the
    job table. `project` is the job's project as resolved at ingest (empty for accounts of no
    project), and is part of the key, so jobs ingested before and after an account became a
    project's stay apart.
    """

    # The unique key begins with cluster, so no index of its own.
    cluster = models.ForeignKey(
        Cluster, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    account = models.CharField(_("account"), max_length=64)
    project = models.ForeignKey(
        "governance.ResearchProject",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    day = models.DateField(_("day (UTC)"))
    jobs = models.PositiveBigIntegerField(_("jobs"))
    gpu_seconds = models.PositiveBigIntegerField(_("GPU-seconds"))

    class Meta:
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")
        constraints = [
            # Over coalesce(project, 0), so that rows of no project are unique too (SQLite has
            # no NULLS NOT DISTINCT); the ingest's ON CONFLICT names the same expression.
            models.UniqueConstraint(
                "cluster",
                "account",
                Coalesce("project", 0),
                "day",
                name="usage_day_unique",
            ),
        ]
        indexes = [models.Index(fields=["project", "day"], name="usage_day_project_day")]

    def __str__(self) -> str:
        return f"{self.cluster_id}:{self.account} {self.day} {self.gpu_seconds} GPU-s"


class QuotaNotice(models.Model):
    """A notice to a project's lead that its allocation reached 80% or 100%; sent once."""

    class Threshold(models.IntegerChoices):
        EIGHTY = 80, _("80%")
        FULL = 100, _("100%")

    allocation = models.ForeignKey(
        ProjectAllocation, on_delete=models.PROTECT, related_name="notices"
    )
    threshold = models.PositiveSmallIntegerField(choices=Threshold.choices)
    used_minutes = models.PositiveBigIntegerField()  # rounded down, for display
    # Exact: the threshold is compared in GPU-seconds (rows before 0009: used_minutes x 60).
    used_seconds = models.PositiveBigIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)
    froze = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("quota notice")
        verbose_name_plural = _("quota notices")
        ordering = ("-sent_at",)
        constraints = [
            models.UniqueConstraint(fields=["allocation", "threshold"], name="notice_once"),
            models.CheckConstraint(condition=Q(threshold__in=[80, 100]), name="notice_threshold"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id} {self.threshold}%"
