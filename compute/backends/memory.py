"""An in-memory Slurm for fast tests and the local demo: same operations, same commands shown.

It keeps associations and jobs in this process only (a restart starts from an empty cluster,
which the next sync fills again). Pages label it as simulated.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from compute.backends.base import ClusterIdentity, Command, CommandResult, render
from compute.reconcile import (
    ROOT,
    Association,
    DeleteAccounts,
    DeleteUser,
    DeleteUsers,
    Load,
    Modify,
    Op,
    SetDefaultAccount,
)


@dataclass
class FakeJob:
    job_id: int
    account: str
    user: str
    gpus: int
    elapsed_seconds: int
    state: str  # RUNNING, PENDING or a finished state such as COMPLETED
    start: dt.datetime | None
    end: dt.datetime | None


@dataclass
class _Cluster:
    accounts: dict[str, Association] = field(default_factory=dict)
    users: dict[str, set[str]] = field(default_factory=dict)
    jobs: list[FakeJob] = field(default_factory=list)
    organizations: dict[str, str] = field(default_factory=dict)


class MemoryBackend:
    """Holds each cluster's associations in a dict; writes take effect at once."""

    name = "memory"
    simulated = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clusters: dict[str, _Cluster] = {}
        self._job_ids = itertools.count(1)
        # Tests set this to make chosen commands fail, as a real sacctmgr sometimes does.
        self.fail: Callable[[Op], str | None] | None = None
        # Tests set this to the cluster a (misconfigured) controller serves; None: any asked.
        self.controller: str | None = None

    def reset(self) -> None:
        with self._lock:
            self._clusters.clear()
            self.fail = None
            self.controller = None

    def identity(self, cluster: str) -> ClusterIdentity:
        with self._lock:
            controller = self.controller or cluster
            return ClusterIdentity(controller, tuple(sorted({controller, *self._clusters})))

    def _cluster(self, name: str) -> _Cluster:
        if name not in self._clusters:
            self._clusters[name] = _Cluster(accounts={ROOT: Association(ROOT)})
        return self._clusters[name]

    def associations(self, cluster: str) -> list[Association]:
        with self._lock:
            c = self._cluster(cluster)
            rows = list(c.accounts.values())
            rows += [Association(a, user=u) for a, us in c.users.items() for u in sorted(us)]
            return rows

    def organizations(self, cluster: str) -> dict[str, str]:
        with self._lock:
            return dict(self._cluster(cluster).organizations)

    def add_account(
        self, cluster: str, name: str, *, parent: str = ROOT, organization: str = ""
    ) -> None:
        """An account made outside the platform (by an operator, or before the mark existed)."""
        with self._lock:
            c = self._cluster(cluster)
            c.accounts[name] = Association(name, parent)
            c.organizations[name] = organization or name

    def busy_accounts(self, cluster: str) -> set[str]:
        with self._lock:
            return {
                j.account for j in self._cluster(cluster).jobs if j.state in ("RUNNING", "PENDING")
            }

    def run(self, cluster: str, op: Op) -> CommandResult:
        command = render(cluster, op)
        started = time.perf_counter()
        with self._lock:
            failure = self.fail(op) if self.fail else None
            if failure is None:
                failure = self._apply(self._cluster(cluster), op)
        ms = int((time.perf_counter() - started) * 1000)
        if failure:
            return CommandResult(command, 1, "", f"sacctmgr: error: {failure}", ms, ok=False)
        return CommandResult(command, 0, "(in-memory backend)", "", ms, ok=True)

    def _apply(self, c: _Cluster, op: Op) -> str | None:
        if isinstance(op, Load):
            for spec in op.accounts:
                if spec.parent not in c.accounts:
                    return f"Parent account {spec.parent} does not exist"
                if spec.name not in c.accounts:
                    frozen = 0 if spec.frozen else None
                    c.accounts[spec.name] = Association(
                        spec.name,
                        spec.parent,
                        "",
                        spec.gpu_minutes,
                        frozen,
                        frozen,
                        gpu_caps=spec.gpu_caps,
                        fairshare=1 if spec.fairshare is None else spec.fairshare,
                    )
                    c.organizations[spec.name] = spec.organization or spec.name
                c.users.setdefault(spec.name, set()).update(spec.users)
            for account, user in op.users:
                if account not in c.accounts:
                    return f"Account {account} does not exist"
                c.users.setdefault(account, set()).add(user)
            return None
        if isinstance(op, Modify):
            for name in op.accounts:
                if name not in c.accounts:
                    continue
                row = c.accounts[name]
                if op.set_limit:
                    row = replace(row, gpu_minutes=op.gpu_minutes)
                if op.frozen is not None:
                    n = 0 if op.frozen else None
                    row = replace(row, grp_submit_jobs=n, grp_jobs=n)
                if op.parent is not None:
                    row = replace(row, parent=op.parent)
                if op.organization is not None:
                    c.organizations[name] = op.organization
                if op.gpu_caps is not None:
                    caps = dict(row.gpu_caps) | dict(op.gpu_caps)
                    kept = tuple(sorted((t, n) for t, n in caps.items() if n >= 0))
                    row = replace(row, gpu_caps=kept)
                if op.fairshare is not None:
                    row = replace(row, fairshare=op.fairshare)
                c.accounts[name] = row
            return None
        if isinstance(op, DeleteUser):
            held = {a for a, us in c.users.items() if op.user in us}
            if not held & set(op.accounts):
                return None  # "Nothing deleted": not an error
            if not held - set(op.accounts):
                return "You can not remove the default account of a user"
            for name in op.accounts:
                c.users.get(name, set()).discard(op.user)
            return None
        if isinstance(op, SetDefaultAccount):
            return None  # this store keeps no default account (its last association stands in)
        if isinstance(op, DeleteUsers):
            for users in c.users.values():
                users.difference_update(op.users)
            return None
        if isinstance(op, DeleteAccounts):
            doomed = set(op.accounts)
            grew = True
            while grew:
                children = {a for a, r in c.accounts.items() if r.parent in doomed} - doomed
                grew = bool(children)
                doomed |= children
            stuck = {
                u
                for u in set().union(*(c.users.get(a, set()) for a in doomed))
                if not {a for a, us in c.users.items() if u in us} - doomed
            }
            if stuck:
                return "You can not remove the default account of a user: " + ",".join(
                    sorted(stuck)
                )
            for name in doomed:
                c.accounts.pop(name, None)
                c.users.pop(name, None)
                c.organizations.pop(name, None)
            return None
        raise TypeError(op)

    # --- jobs, for tests and the demo -----------------------------------------------------------
    def submit(
        self,
        cluster: str,
        *,
        account: str,
        user: str,
        gpus: int,
        seconds: int,
        end: dt.datetime | None = None,
        state: str = "COMPLETED",
    ) -> FakeJob:
        """Record a job; a finished one gets a start and end, like sacct would show it."""
        with self._lock:
            c = self._cluster(cluster)
            row = c.accounts.get(account)
            if row is None or user not in c.users.get(account, set()):
                raise PermissionError(
                    f"Invalid account or account/partition combination: {account}"
                )
            if row.frozen:
                raise PermissionError(
                    "Job violates accounting/QOS policy (AssocGrpSubmitJobsLimit)"
                )
            finished = state not in ("RUNNING", "PENDING")
            end = end or dt.datetime.now(dt.UTC).replace(microsecond=0)
            job = FakeJob(
                job_id=next(self._job_ids),
                account=account,
                user=user,
                gpus=gpus,
                elapsed_seconds=seconds if finished else 0,
                state=state,
                start=end - dt.timedelta(seconds=seconds) if finished else None,
                end=end if finished else None,
            )
            c.jobs.append(job)
            return job

    def finish(self, cluster: str, job: FakeJob, *, seconds: int) -> None:
        with self._lock:
            job.state = "COMPLETED"
            job.end = dt.datetime.now(dt.UTC).replace(microsecond=0)
            job.start = job.end - dt.timedelta(seconds=seconds)
            job.elapsed_seconds = seconds

    def finished_jobs(self, cluster: str, start: dt.datetime, end: dt.datetime) -> Iterator[str]:
        with self._lock:
            jobs = [
                j for j in self._cluster(cluster).jobs if j.end is not None and start <= j.end < end
            ]
        for j in jobs:
            assert j.start is not None  # noqa: S101 - finished jobs have both
            assert j.end is not None  # noqa: S101
            tres = f"billing=1,cpu=1,gres/gpu={j.gpus},node=1" if j.gpus else "cpu=1,node=1"
            yield (
                "|".join(
                    (
                        str(j.job_id),
                        j.account,
                        j.user,
                        tres,
                        str(j.elapsed_seconds),
                        j.state,
                        j.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                        j.end.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    )
                )
                + "\n"
            )


_INSTANCE = MemoryBackend()


def instance() -> MemoryBackend:
    """The process's one in-memory cluster store."""
    return _INSTANCE


__all__ = ["Command", "FakeJob", "MemoryBackend", "instance"]
