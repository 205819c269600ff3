"""The scheduler sync: read Slurm, plan the difference, apply it in batches, record the run.

A run is recorded before it touches Slurm and updated after every command, so the operators'
page shows its progress and a crash leaves a trace. Slurm is called outside any database
transaction (a command can take seconds); the run's rows are written in short transactions.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compute import permissions, selectors
from compute.backends import BackendError, ClusterMismatch, SlurmBackend, get_backend
from compute.backends.base import render
from compute.errors import SyncBusy
from compute.models import Cluster, SyncRun, SyncStatus
from compute.reconcile import Plan, Tree, plan
from core.actors import Actor
from core.audit import audit_record

log = logging.getLogger(__name__)


def _finish(run: SyncRun, *, status: str, started: float, **fields: Any) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    for name, value in fields.items():
        setattr(run, name, value)
    run.save()


def _begin(actor: Actor, cluster: Cluster, backend: SlurmBackend, dry_run: bool) -> SyncRun:
    stale = timezone.now() - dt.timedelta(minutes=settings.COMPUTE_SYNC_STALE_MINUTES)
    with transaction.atomic():
        Cluster.objects.select_for_update().get(pk=cluster.pk)
        for old in SyncRun.objects.filter(
            cluster=cluster, status=SyncStatus.RUNNING, started_at__lt=stale
        ):
            old.status = SyncStatus.FAILED
            old.finished_at = timezone.now()
            old.error = "abandoned: the run did not finish (worker stopped?)"
            old.save(update_fields=["status", "finished_at", "error"])
        try:
            with transaction.atomic():
                return SyncRun.objects.create(
                    cluster=cluster,
                    backend=backend.name,
                    dry_run=dry_run,
                    triggered_by=actor.label[:200],
                )
        except IntegrityError as exc:
            raise SyncBusy(
                _("A sync of %(cluster)s is already running.") % {"cluster": cluster.name}
            ) from exc


def cluster_check(*, cluster: Cluster, backend: SlurmBackend) -> None:
    """Refuse a cluster that is not the one Slurm's controller serves, or that slurmdbd does not
    know: a write to it would land on no real cluster (and `sacctmgr load` would even create it).
    """
    identity = backend.identity(cluster.name)
    if identity.serves(cluster.name):
        return
    if identity.controller.lower() != cluster.name.lower():
        message = _(
            "Wrong cluster: the platform syncs the cluster %(cluster)s, but the Slurm controller "
            "it reaches serves %(served)s. Nothing was written. Point SLURM_CONF at the "
            "controller of %(cluster)s, or rename the platform's cluster."
        )
    else:
        message = _(
            "Wrong cluster: the Slurm controller serves %(cluster)s, but its accounting database "
            "(slurmdbd) does not know that cluster; it knows %(known)s. Nothing was written. "
            "Register it with: sacctmgr add cluster %(cluster)s"
        )
    raise ClusterMismatch(
        message
        % {
            "cluster": cluster.name,
            "served": identity.controller or "?",
            "known": ", ".join(identity.registered) or "—",
        }
    )


def sync_run(
    *,
    actor: Actor,
    cluster: Cluster,
    dry_run: bool = False,
    backend: SlurmBackend | None = None,
    on: dt.date | None = None,
) -> SyncRun:
    """Reconcile the cluster's accounts with the platform; dry_run records commands only."""
    permissions.check_operate(actor)
    backend = backend or get_backend()
    run = _begin(actor, cluster, backend, dry_run)
    started = time.perf_counter()
    try:
        cluster_check(cluster=cluster, backend=backend)
        desired = selectors.desired_accounts(cluster=cluster, on=on)
        current = _current(cluster, backend)
        mark = settings.COMPUTE_SLURM_ORGANIZATION
        retiring = current.managed(settings.COMPUTE_UNMANAGED_ACCOUNTS, mark) - {
            d.name for d in desired
        }
        busy = backend.busy_accounts(cluster.name) if retiring else set()
        result: Plan = plan(
            desired,
            current,
            busy=busy,
            unmanaged=settings.COMPUTE_UNMANAGED_ACCOUNTS,
            organization=mark,
        )
    except BackendError as exc:
        with transaction.atomic():
            _finish(run, status=SyncStatus.FAILED, started=started, error=str(exc))
            if isinstance(exc, ClusterMismatch):
                audit_record(
                    actor=actor,
                    action="compute.sync_refused",
                    target=run,
                    after={"cluster": cluster.name, "error": str(exc)},
                )
        log.warning("compute sync of %s could not read Slurm: %s", cluster.name, exc)
        return run
    run.diff = [c.to_dict() for c in result.changes]
    run.waiting = result.waiting
    run.unmanaged = result.unmanaged
    run.steps_total = 0 if dry_run else len(result.ops)
    if dry_run:
        run.commands = [_planned(cluster.name, op) for op in result.ops]
        _finish(run, status=SyncStatus.SUCCEEDED, started=started)
        return run
    run.save(update_fields=["diff", "waiting", "unmanaged", "steps_total"])
    commands: list[dict[str, Any]] = []
    for op in result.ops:
        outcome = backend.run(cluster.name, op)
        commands.append(outcome.to_dict())
        SyncRun.objects.filter(pk=run.pk).update(steps_done=len(commands), commands=commands)
    failed = [c for c in commands if not c["ok"]]
    error = ""
    if failed:
        error = _("%(n)d of %(total)d commands failed; the next run retries what is left.") % {
            "n": len(failed),
            "total": len(commands),
        }
    with transaction.atomic():
        _finish(
            run,
            status=SyncStatus.FAILED if failed else SyncStatus.SUCCEEDED,
            started=started,
            commands=commands,
            steps_done=len(commands),
            error=error,
        )
        if result.ops:
            audit_record(
                actor=actor,
                action="compute.sync",
                target=run,
                after={
                    "cluster": cluster.name,
                    "changes": len(result.changes),
                    "commands": len(commands),
                    "failed": len(failed),
                },
            )
    return run


def _planned(cluster: str, op: Any) -> dict[str, Any]:
    command = render(cluster, op)
    return {"argv": list(command.argv), "file": command.file_text, "ok": None}


def drift(*, cluster: Cluster, backend: SlurmBackend | None = None) -> Plan:
    """What a sync would change now, without recording anything (for the operators' page)."""
    backend = backend or get_backend()
    cluster_check(cluster=cluster, backend=backend)
    desired = selectors.desired_accounts(cluster=cluster)
    return plan(
        desired,
        _current(cluster, backend),
        unmanaged=settings.COMPUTE_UNMANAGED_ACCOUNTS,
        organization=settings.COMPUTE_SLURM_ORGANIZATION,
    )


def _current(cluster: Cluster, backend: SlurmBackend) -> Tree:
    """Slurm's tree for the cluster, with each account's organisation (the platform's mark)."""
    return Tree.from_associations(
        backend.associations(cluster.name), backend.organizations(cluster.name)
    )


def sync_schedule(*, cluster_id: int | None = None) -> None:
    """Ask for a sync as soon as the current transaction commits.

    If the broker is down the commit still stands: the error is logged and the beat sync
    catches up within minutes.
    """

    def enqueue() -> None:
        from compute.tasks import compute_sync

        try:
            compute_sync.delay(cluster_id=cluster_id)
        except Exception:  # any broker failure: the beat sync catches up
            log.exception("compute sync could not be queued; the beat sync will catch up")

    transaction.on_commit(enqueue)
