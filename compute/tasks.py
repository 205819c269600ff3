"""Background work of compute: thin tasks that call services."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings
from django.utils import timezone

from compute import services
from compute.errors import SyncBusy
from compute.models import Cluster
from core.actors import Actor
from core.models import AuditSource

log = logging.getLogger(__name__)


@worker_init.connect
def _load_arrow(**_kwargs: object) -> None:
    """Workers run the usage ingest: load Apache Arrow (~0.4 s) once as they start, before they
    fork, not in their first ingest. Web processes never load it."""
    import compute.sacct_columns  # noqa: F401


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def compute_sync(cluster_id: int | None = None, dry_run: bool = False) -> list[int]:
    """Sync one cluster (or every cluster) with Slurm; returns the ids of the runs recorded."""
    actor = Actor.system("compute_sync", source=AuditSource.TASK)
    clusters = (
        Cluster.objects.all() if cluster_id is None else Cluster.objects.filter(pk=cluster_id)
    )
    runs = []
    for cluster in clusters.order_by("name"):
        try:
            runs.append(services.sync_run(actor=actor, cluster=cluster, dry_run=dry_run).pk)
        except SyncBusy:
            # Another run is applying the same desired state right now; nothing is lost.
            log.info("compute sync of %s skipped: one is already running", cluster.name)
    return runs


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def compute_sync_all() -> list[int]:
    """The beat sync of every cluster (every five minutes)."""
    return compute_sync(cluster_id=None)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def compute_usage_ingest_recent() -> dict[str, int]:
    """Read recently finished jobs from sacct, then notify and freeze at the thresholds."""
    actor = Actor.system("compute_usage_ingest", source=AuditSource.TASK)
    end = timezone.now()
    start = end - dt.timedelta(hours=settings.COMPUTE_USAGE_WINDOW_HOURS)
    inserted = {}
    for cluster in Cluster.objects.order_by("name"):
        result = services.usage_ingest_window(actor=actor, cluster=cluster, start=start, end=end)
        inserted[cluster.name] = result.inserted
        services.usage_policy_apply(actor=actor, cluster=cluster)
    return inserted
