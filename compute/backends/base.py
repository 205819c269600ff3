"""What a scheduler backend does, and the sacctmgr commands every backend shows for an operation.

Both backends render an operation into the same ``sacctmgr`` command, so a dry run, the in-memory
demo and the real cluster all record exactly what the real command line would run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from compute.reconcile import (
    ROOT,
    AccountSpec,
    Association,
    Caps,
    DeleteAccounts,
    DeleteUser,
    DeleteUsers,
    Load,
    Modify,
    Op,
    SetDefaultAccount,
)

LOAD_FILE = "file=<load file>"
# sacctmgr answers these with exit code 1; for an idempotent sync they are not errors.
NOTHING_DONE = ("Nothing new added", "Nothing modified", "Nothing deleted")


class BackendError(Exception):
    """The scheduler could not be read (a failed write is recorded in its CommandResult)."""


class ClusterMismatch(BackendError):
    """The Slurm this platform reaches is not the cluster it was asked to sync: nothing is written."""


@dataclass(frozen=True)
class ClusterIdentity:
    """Which cluster the Slurm controller serves, and which clusters its slurmdbd knows."""

    controller: str  # ClusterName of `scontrol show config`
    registered: tuple[str, ...]  # `sacctmgr show cluster`

    def serves(self, cluster: str) -> bool:
        """Slurm lower-cases cluster names; the platform may not have."""
        name = cluster.lower()
        return self.controller.lower() == name and name in {c.lower() for c in self.registered}


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    file_text: str | None = None  # the load file, for `sacctmgr load`


@dataclass(frozen=True)
class CommandResult:
    command: Command
    returncode: int
    stdout: str
    stderr: str
    duration_ms: int
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "argv": list(self.command.argv),
            "file": self.command.file_text,
            "returncode": self.returncode,
            "stdout": self.stdout[-4000:],
            "stderr": self.stderr[-4000:],
            "duration_ms": self.duration_ms,
            "ok": self.ok,
        }


class SlurmBackend(Protocol):
    """Reads and writes one Slurm cluster's accounting (associations, jobs)."""

    name: str
    simulated: bool

    def identity(self, cluster: str) -> ClusterIdentity: ...

    def associations(self, cluster: str) -> list[Association]: ...

    def organizations(self, cluster: str) -> dict[str, str]: ...

    def busy_accounts(self, cluster: str) -> set[str]: ...

    def run(self, cluster: str, op: Op) -> CommandResult: ...

    def finished_jobs(
        self, cluster: str, start: dt.datetime, end: dt.datetime
    ) -> Iterator[str]: ...


_UNSAFE = re.compile(r"[^A-Za-z0-9 ._/()-]")


def _text(value: str) -> str:
    """A description safe in a load file and in parsable output (no quotes, colons, newlines)."""
    return _UNSAFE.sub(" ", value).strip()[:100] or "-"


def _limit(minutes: int | None) -> str:
    return f"gres/gpu={-1 if minutes is None else minutes}"


def _tres(caps: Caps) -> str:
    return ",".join(f"{tres}={n}" for tres, n in caps)


def _account_line(spec: AccountSpec) -> str:
    org = spec.organization or (spec.name if spec.parent == ROOT else spec.parent)
    fields = [
        f"Account - '{spec.name}'",
        f"Description='{_text(spec.description or spec.name)}'",
        f"Organization='{_text(org)}'",
    ]
    if spec.gpu_minutes is not None:
        fields.append(f"GrpTRESMins={_limit(spec.gpu_minutes)}")
    # A load file separates fields with ":": a typed TRES (gres/gpu:h100) cannot be written in
    # one, and the reconciler sets those with a modify after the load.
    untyped = tuple((tres, n) for tres, n in spec.gpu_caps if ":" not in tres)
    if untyped:
        fields.append(f"GrpTRES={_tres(untyped)}")
    if spec.fairshare is not None:
        fields.append(f"Fairshare={spec.fairshare}")
    if spec.frozen:
        fields += ["GrpSubmitJobs=0", "GrpJobs=0"]
    return ":".join(fields)


def load_file(cluster: str, op: Load) -> str:
    """The ``sacctmgr load`` file that adds these accounts and user associations."""
    lines = [f"Cluster - '{cluster}'"]
    parent = None
    for spec in op.accounts:
        if spec.parent != parent:
            parent = spec.parent
            lines.append(f"Parent - '{parent}'")
        lines.append(_account_line(spec))
    users: dict[str, list[str]] = {}
    for spec in op.accounts:
        users.setdefault(spec.name, []).extend(sorted(spec.users))
    for account, user in op.users:
        users.setdefault(account, []).append(user)
    for account, names in users.items():
        if names:
            lines.append(f"Parent - '{account}'")
            # No DefaultAccount: a new user gets this one, an existing user keeps theirs.
            lines += [f"User - '{u}'" for u in names]
    return "\n".join(lines) + "\n"


def render(cluster: str, op: Op) -> Command:
    """The sacctmgr command for one operation."""
    where = f"cluster={cluster}"
    if isinstance(op, Load):
        return Command(("sacctmgr", "-i", "load", LOAD_FILE), file_text=load_file(cluster, op))
    if isinstance(op, Modify):
        values = []
        if op.parent is not None:
            values.append(f"parent={op.parent}")
        if op.set_limit:
            values.append(f"GrpTRESMins={_limit(op.gpu_minutes)}")
        if op.frozen is not None:
            n = "0" if op.frozen else "-1"
            values += [f"GrpSubmitJobs={n}", f"GrpJobs={n}"]
        if op.organization is not None:
            values.append(f"Organization={_text(op.organization)}")
        if op.gpu_caps is not None:
            values.append(f"GrpTRES={_tres(op.gpu_caps)}")
        if op.fairshare is not None:
            values.append(f"Fairshare={op.fairshare}")
        names = "name=" + ",".join(op.accounts)
        return Command(
            ("sacctmgr", "-i", "modify", "account", "where", names, where, "set", *values)
        )
    if isinstance(op, DeleteUser):
        accounts = "account=" + ",".join(op.accounts)
        return Command(
            ("sacctmgr", "-i", "delete", "user", "where", f"name={op.user}", accounts, where)
        )
    if isinstance(op, SetDefaultAccount):
        names = "name=" + ",".join(op.users)
        return Command(
            ("sacctmgr", "-i", "modify", "user", "where", names, where, "set",
             f"DefaultAccount={op.account}")
        )  # fmt: skip
    if isinstance(op, DeleteUsers):
        # Only on this cluster: without cluster= Slurm removes the user from every cluster of
        # the slurmdbd. (Slurm 22.05 refuses it for a user with several associations here, so
        # the reconciler leaves each with one first.)
        names = "name=" + ",".join(op.users)
        return Command(("sacctmgr", "-i", "delete", "user", "where", names, where))
    if isinstance(op, DeleteAccounts):
        names = "name=" + ",".join(op.accounts)
        return Command(("sacctmgr", "-i", "delete", "account", "where", names, where))
    raise TypeError(op)


def parse_cluster_name(config: str) -> str:
    """ClusterName from ``scontrol show config`` (``ClusterName             = concordia``)."""
    for line in config.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "ClusterName":
            return value.strip()
    return ""


def parse_organizations(text: str) -> dict[str, str]:
    """``sacctmgr -n -P show account format=Account,Organization`` as account -> organisation."""
    rows = {}
    for line in text.splitlines():
        account, sep, organization = line.partition("|")
        if sep:
            rows[account] = organization.strip().lower()
    return rows


def nothing_done(returncode: int, output: str) -> bool:
    return returncode == 1 and any(marker in output for marker in NOTHING_DONE)


def parse_associations(text: str) -> list[Association]:
    """Parse ``show assoc format=...,GrpTRES,Fairshare``."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        account, parent, user, tres_mins, submit, jobs, tres, share = [*line.split("|"), "", ""][:8]
        rows.append(
            Association(
                account=account,
                parent=parent,
                user=user,
                gpu_minutes=_gpu_tres(tres_mins),
                grp_submit_jobs=int(submit) if submit else None,
                grp_jobs=int(jobs) if jobs else None,
                gpu_caps=gpu_caps(tres),
                fairshare=_fairshare(share),
            )
        )
    return rows


def parse_nested_associations(text: str) -> list[Association] | None:
    """Parse ``show assoc WOPInfo format=Account,User,Lft,Rgt,...,GrpTRES,Fairshare``.

    ``WOPInfo`` spares slurmdbd one stored-procedure call per parent account (seconds on a
    large tree) but leaves ParentName empty; each account's parent is then the nearest account
    whose (lft, rgt) interval encloses its own, as in Slurm's nested-set table. ``None`` if a
    row has no lft/rgt (a Slurm without them): read ParentName instead.
    """
    rows: list[tuple[int, int, str, str, str, str, str, str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = [*line.split("|"), "", ""]
        account, user, lft, rgt, tres_mins, submit, jobs, tres, share = fields[:9]
        if not (lft.isdigit() and rgt.isdigit()):
            return None
        rows.append((int(lft), int(rgt), account, user, tres_mins, submit, jobs, tres, share))
    rows.sort()
    result = []
    enclosing: list[tuple[int, str]] = []  # (rgt, account) of the accounts around this row
    for left, right, account, user, tres_mins, submit, jobs, tres, share in rows:
        while enclosing and enclosing[-1][0] < left:
            enclosing.pop()
        parent = ""
        if not user:
            parent = enclosing[-1][1] if enclosing else ""
            enclosing.append((right, account))
        result.append(
            Association(
                account=account,
                parent=parent,
                user=user,
                gpu_minutes=_gpu_tres(tres_mins),
                grp_submit_jobs=int(submit) if submit else None,
                grp_jobs=int(jobs) if jobs else None,
                gpu_caps=gpu_caps(tres),
                fairshare=_fairshare(share),
            )
        )
    return result


def gpu_caps(value: str) -> Caps:
    """The GPU limits of a GrpTRES value (``gres/gpu:h100=2,gres/gpu=4,cpu=10``), sorted."""
    caps = []
    for part in value.split(","):
        name, _sep, number = part.partition("=")
        if (name == "gres/gpu" or name.startswith("gres/gpu:")) and number.lstrip("-").isdigit():
            caps.append((name, int(number)))
    return tuple(sorted(caps))


def _fairshare(value: str) -> int | None:
    """Slurm's Fairshare column: a number, or "parent" (None); empty (an old reader) is 1."""
    value = value.strip()
    if not value:
        return 1
    return int(value) if value.isdigit() else None


def _gpu_tres(value: str) -> int | None:
    for part in value.split(","):
        name, _sep, number = part.partition("=")
        if name == "gres/gpu" and number:
            return int(number)
    return None
