"""The scheduler sync: read Slurm, plan the difference, apply it in batches, record the run.

A run is recorded before it touches Slurm and updated after every command, so the operators'
page shows its progress and a crash leaves a trace. Slurm is called outside any database
transaction (a command can take seconds); the run's rows are written in short transactions.

One sync of a cluster at a time: on PostgreSQL a run holds the cluster's session advisory lock,
on a connection of its own, from before its row is written until it ends. The lock dies with the
process that holds it (PostgreSQL ends the session when the connection drops), so a worker killed
mid-run blocks nothing: the next sync takes the lock at once and marks the dead run's row
abandoned (a row still ``running`` while nobody holds the lock has no live process behind it).
SQLite (the local demo, one process) has no such lock: there a ``running`` row older than
COMPUTE_SYNC_STALE_MINUTES is taken to be dead.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
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


# The first key of the sync's advisory locks (the second is the cluster's id); the usage ingest
# uses 0x5AC7.
_SYNC_LOCK = 0x5C1C


def _busy(cluster: Cluster) -> SyncBusy:
    return SyncBusy(_("A sync of %(cluster)s is already running.") % {"cluster": cluster.name})


class _SyncLock:
    """The cluster's sync lock: a session advisory lock on a PostgreSQL connection of its own.

    Its own connection, so that nothing the sync does with Django's connection (transactions,
    a reconnect after an error) can drop the lock early; it ends when that connection closes,
    by release() or by the death of the process.
    """

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.conn: BaseDatabaseWrapper | None = None

    def acquire(self) -> None:
        if connection.vendor != "postgresql":
            return
        self.conn = connections.create_connection(connection.alias)
        try:
            with self.conn.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_SYNC_LOCK, self.cluster.pk])
                taken = bool(cursor.fetchone()[0])
        except Exception:
            self.release()
            raise
        if not taken:
            self.release()
            raise _busy(self.cluster)

    def release(self) -> None:
        if self.conn is not None:
            self.conn.close()  # ends the session, and with it the lock
            self.conn = None


def _begin(
    actor: Actor, cluster: Cluster, backend: SlurmBackend, dry_run: bool, *, locked: bool
) -> SyncRun:
    """Record the run; mark the runs of dead syncs abandoned (all others, if we hold the lock)."""
    now = timezone.now()
    with transaction.atomic():
        Cluster.objects.select_for_update().get(pk=cluster.pk)
        orphans = SyncRun.objects.select_for_update().filter(
            cluster=cluster, status=SyncStatus.RUNNING
        )
        if not locked:
            stale = now - dt.timedelta(minutes=settings.COMPUTE_SYNC_STALE_MINUTES)
            orphans = orphans.filter(started_at__lt=stale)
        for old in orphans:
            old.status = SyncStatus.ABANDONED
            old.finished_at = now
            old.error = _(
                "Abandoned: the process running this sync stopped before it finished (a worker "
                "killed or restarted). The next run did what was left."
            )
            old.save(update_fields=["status", "finished_at", "error"])
            audit_record(
                actor=actor,
                action="compute.sync_abandoned",
                target=old,
                before={"status": SyncStatus.RUNNING},
                after={"status": SyncStatus.ABANDONED, "steps_done": old.steps_done},
            )
        try:
            with transaction.atomic():
                return SyncRun.objects.create(
                    cluster=cluster,
                    backend=backend.name,
                    dry_run=dry_run,
                    triggered_by=actor.label[:200],
                )
        except IntegrityError as exc:
            raise _busy(cluster) from exc


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
    """Reconcile the cluster's accounts with the platform; dry_run records commands only.

    Raises SyncBusy at once if another sync of the cluster is running.
    """
    permissions.check_operate(actor)
    backend = backend or get_backend(cluster=cluster.name)
    lock = _SyncLock(cluster)
    lock.acquire()
    try:
        run = _begin(actor, cluster, backend, dry_run, locked=lock.conn is not None)
        return _sync(actor, cluster, backend, run, dry_run=dry_run, on=on)
    finally:
        lock.release()


def _sync(
    actor: Actor,
    cluster: Cluster,
    backend: SlurmBackend,
    run: SyncRun,
    *,
    dry_run: bool,
    on: dt.date | None,
) -> SyncRun:
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
    backend = backend or get_backend(cluster=cluster.name)
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
