"""The real Slurm through its command line: sacctmgr for associations, squeue, sacct for jobs.

On Slurm 22.05 the command line is the dependable write path (slurmrestd cannot change an
existing association's limits). Writes are batched by the reconciler; this module only runs
one command per operation and reports what it printed.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from compute.backends.base import (
    LOAD_FILE,
    BackendError,
    ClusterIdentity,
    CommandResult,
    nothing_done,
    parse_associations,
    parse_cluster_name,
    parse_nested_associations,
    parse_organizations,
    render,
)
from compute.reconcile import Association, Op

ASSOC_FORMAT = "format=Account,ParentName,User,GrpTRESMins,GrpSubmit,GrpJobs,GrpTRES,Fairshare"
# The same values with the nested-set bounds instead of ParentName (read with WOPInfo).
NESTED_FORMAT = "format=Account,User,Lft,Rgt,GrpTRESMins,GrpSubmit,GrpJobs,GrpTRES,Fairshare"
SACCT_FORMAT = "--format=JobIDRaw,Account,User,AllocTRES,ElapsedRaw,State,Start,End"
FINISHED_STATES = "CD,F,TO,CA,NF,OOM,DL,PR,BF"


class CliBackend:
    """Runs sacctmgr, squeue and sacct as child processes, with SLURM_CONF and TZ=UTC set."""

    name = "cli"
    simulated = False

    def __init__(self, conf: str = "") -> None:
        self.bin_dir = settings.COMPUTE_SLURM_BIN_DIR
        self.timeout = settings.COMPUTE_SLURM_TIMEOUT
        # This cluster's slurm.conf; empty: COMPUTE_SLURM_CONF (or the commands' own).
        self.conf = str(conf or settings.COMPUTE_SLURM_CONF or "")

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Slurm's commands read SLURM_CLUSTERS as --clusters: never let it redirect a write.
        env.pop("SLURM_CLUSTERS", None)
        if self.conf:
            env["SLURM_CONF"] = self.conf
        env["TZ"] = "UTC"  # sacct prints times in the caller's zone; read them as UTC
        return env

    def _argv(self, argv: tuple[str, ...] | list[str]) -> list[str]:
        first = str(Path(self.bin_dir) / argv[0]) if self.bin_dir else argv[0]
        return [first, *argv[1:]]

    def _read(self, argv: list[str]) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed program, arguments from our own data
                self._argv(argv),
                capture_output=True,
                text=True,
                env=self._env(),
                timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackendError(f"{argv[0]} could not run: {exc}") from exc
        if done.returncode != 0:
            raise BackendError(f"{' '.join(argv)} failed: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def identity(self, cluster: str) -> ClusterIdentity:
        """The controller's ClusterName and the clusters slurmdbd knows (two reads, no write).

        `sacctmgr` would create a cluster it is told to write to and does not know (a load
        file's ``Cluster -`` line does), so this is asked before anything is written.
        """
        controller = parse_cluster_name(self._read(["scontrol", "show", "config"]))
        known = self._read(["sacctmgr", "-n", "-P", "show", "cluster", "format=Cluster"])
        return ClusterIdentity(controller, tuple(n.strip() for n in known.split() if n.strip()))

    def associations(self, cluster: str) -> list[Association]:
        """One `show assoc`; WOPInfo keeps it to one query in slurmdbd instead of one per parent."""
        show = ["sacctmgr", "-P", "-n", "show", "assoc", f"cluster={cluster}"]
        rows = parse_nested_associations(self._read([*show, "WOPInfo", NESTED_FORMAT]))
        if rows is None:
            rows = parse_associations(self._read([*show, ASSOC_FORMAT]))
        return rows

    def organizations(self, cluster: str) -> dict[str, str]:
        """Every account's organisation (a property of the account, the same on every cluster)."""
        fmt = "format=Account,Organization"
        return parse_organizations(self._read(["sacctmgr", "-n", "-P", "show", "account", fmt]))

    def busy_accounts(self, cluster: str) -> set[str]:
        text = self._read(["squeue", "-h", "-o", "%a"])
        return {line.strip().lower() for line in text.splitlines() if line.strip()}

    def run(self, cluster: str, op: Op) -> CommandResult:
        command = render(cluster, op)
        argv = list(command.argv)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="concordia-sync-") as tmp:
            if command.file_text is not None:
                path = Path(tmp) / "load.cfg"
                path.write_text(command.file_text)
                argv[argv.index(LOAD_FILE)] = f"file={path}"
            try:
                done = subprocess.run(  # noqa: S603 - fixed program, arguments from our own data
                    self._argv(argv),
                    capture_output=True,
                    text=True,
                    env=self._env(),
                    timeout=self.timeout,
                    check=False,
                )
                rc, out, err = done.returncode, done.stdout, done.stderr
            except (OSError, subprocess.TimeoutExpired) as exc:
                rc, out, err = -1, "", f"{argv[0]} could not run: {exc}"
        ms = int((time.perf_counter() - started) * 1000)
        ok = rc == 0 or nothing_done(rc, out + err)
        return CommandResult(command, rc, out, err, ms, ok=ok)

    def finished_jobs(self, cluster: str, start: dt.datetime, end: dt.datetime) -> Iterator[str]:
        """Stream sacct's parsable lines for jobs that finished in [start, end)."""
        fmt = "%Y-%m-%dT%H:%M:%S"
        argv = [
            "sacct", "-P", "-n", "-X", "-a", f"--clusters={cluster}",
            f"--state={FINISHED_STATES}",
            "-S", start.astimezone(dt.UTC).strftime(fmt),
            "-E", end.astimezone(dt.UTC).strftime(fmt),
            SACCT_FORMAT,
        ]  # fmt: skip
        # stderr goes to a file: a pipe nobody reads could fill up and stall sacct.
        with tempfile.TemporaryFile(mode="w+") as errors:
            try:
                proc = subprocess.Popen(  # noqa: S603 - fixed program, arguments from our data
                    self._argv(argv),
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    env=self._env(),
                    bufsize=1 << 20,
                )
            except OSError as exc:
                raise BackendError(f"sacct could not run: {exc}") from exc
            stdout = proc.stdout
            assert stdout is not None  # noqa: S101 - stdout=PIPE
            try:
                yield from stdout
            finally:
                stdout.close()
                rc = proc.wait(timeout=self.timeout)
            if rc != 0:
                errors.seek(0)
                raise BackendError(f"sacct failed: {errors.read().strip()}")
