"""Benchmark: how long a freeze takes to reach Slurm while a full sync of the cluster is running.

Starts a private Slurm with bin/slurm-up, builds N project accounts (one sync, timed), then
starts a full sync that changes every project's budget (one `sacctmgr modify` per project, as
after a period's limits moved) in a thread, and while it runs freezes projects the way
compute.services.freeze_push does (one `modify account ... GrpSubmitJobs=0 GrpJobs=0`, outside
the sync's lock). For each freeze it reports the time until slurmdbd shows GrpSubmitJobs=0
(`sacctmgr show assoc`) and until the controller enforces it (`scontrol show assoc_mgr`), beside
one bare `sacctmgr modify` of another account in the same run (the reference). Before
freeze_push the freeze waited for the running sync to end, then for the next sync: the running
sync's duration is printed as that path's lower bound.

    .venv/bin/python bench/compute_freeze.py [--projects 2000] [--states 40] [--freezes 5]

SLURM_STATE_DIR, SLURM_PORT_BASE, SLURM_ACCT_DB move the daemons (default var/slurm-bench,
6957, concordia_slurm_bench).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("SLURM_STATE_DIR", str(REPO / "var" / "slurm-bench"))
os.environ.setdefault("SLURM_PORT_BASE", "6957")
os.environ.setdefault("SLURM_ACCT_DB", "concordia_slurm_bench")
os.environ["SLURM_CLUSTER"] = "concordia"
STATE = Path(os.environ["SLURM_STATE_DIR"])


def read(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def until(check: Callable[[], bool], limit: float = 300.0) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > limit:
            return float("inf")
        time.sleep(0.005)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2_000)
    parser.add_argument("--states", type=int, default=40)
    parser.add_argument("--freezes", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="leave the daemons running")
    args = parser.parse_args()

    subprocess.run([str(REPO / "bin" / "slurm-up"), "--fresh"], check=True, capture_output=True)
    os.environ["SLURM_CONF"] = str(STATE / "etc" / "slurm.conf")
    import django

    django.setup()
    from django.conf import settings

    settings.COMPUTE_SLURM_CONF = os.environ["SLURM_CONF"]
    from compute.backends.cli import CliBackend
    from compute.reconcile import ROOT, AccountSpec, Modify, Tree, plan

    backend = CliBackend()
    try:
        quickack = (STATE / "quickack").exists()
        states = [f"s{i:02d}" for i in range(args.states)]

        def tree(offset: int) -> list[AccountSpec]:
            specs = [AccountSpec(s, ROOT, 10_000_000, description=s) for s in states]
            specs += [
                AccountSpec(
                    f"p-2026-{n:05d}",
                    states[n % len(states)],
                    60_000 + n + offset,
                    description=f"p-2026-{n:05d}",
                    gpu_caps=(("gres/gpu", 8),),
                )
                for n in range(args.projects)
            ]
            return specs

        def sync(desired: list[AccountSpec]) -> tuple[float, int]:
            started = time.perf_counter()
            result = plan(
                desired,
                Tree.from_associations(
                    backend.associations("concordia"), backend.organizations("concordia")
                ),
            )
            for op in result.ops:
                assert backend.run("concordia", op).ok
            return time.perf_counter() - started, len(result.ops)

        first_s, first_ops = sync(tree(0))
        # the full sync in progress: every project's budget moves, one modify each
        sync_done: dict[str, float] = {}

        def long_sync() -> None:
            sync_done["s"], sync_done["ops"] = sync(tree(1))

        runner = threading.Thread(target=long_sync)
        runner.start()
        time.sleep(3)

        def dbd_frozen(account: str) -> bool:
            out = read(
                "sacctmgr", "-n", "-P", "show", "assoc", "cluster=concordia",
                f"account={account}", "format=User,GrpSubmit",
            )  # fmt: skip
            return "|0" in [line for line in out.splitlines() if line.startswith("|")]

        def ctld_frozen(account: str) -> bool:
            out = read("scontrol", "show", "assoc_mgr", f"accounts={account}", "flags=assoc")
            return bool(re.search(r"GrpSubmitJobs=0\(", out))

        freezes, bare, ctld = [], [], []
        for i in range(args.freezes):
            if not runner.is_alive():
                break
            account = f"p-2026-{(i * 7919) % args.projects:05d}"
            started = time.perf_counter()
            assert backend.run("concordia", Modify((account,), frozen=True)).ok
            dbd = time.perf_counter() - started + until(lambda a=account: dbd_frozen(a))
            ctld.append(time.perf_counter() - started + until(lambda a=account: ctld_frozen(a)))
            freezes.append(dbd)
            other = f"p-2026-{(i * 7919 + 1) % args.projects:05d}"
            started = time.perf_counter()
            subprocess.run(
                ["sacctmgr", "-i", "modify", "account", "where", f"name={other}",
                 "cluster=concordia", "set", "GrpJobs=1000"],
                capture_output=True, check=False,
            )  # fmt: skip
            bare.append(time.perf_counter() - started)
            time.sleep(1)
        during = runner.is_alive()
        runner.join()

        def fig(values: list[float]) -> str:
            if not values:
                return "n/a"
            return (
                f"median {statistics.median(values):6.2f} s  (min {min(values):.2f}, "
                f"max {max(values):.2f}, n={len(values)})"
            )

        print(
            f"compute freeze benchmark: {args.projects:,} project accounts under {args.states} "
            f"states; quickack {'on' if quickack else 'off'}"
        )
        print(f"  first sync from empty                     {first_s:8.2f} s  ({first_ops} writes)")
        print(
            f"  full sync in progress (every budget moves) {sync_done['s']:8.2f} s  "
            f"({sync_done['ops']} writes; still running after the last freeze: {during})"
        )
        print(f"  freeze -> GrpSubmitJobs=0 in slurmdbd      {fig(freezes)}")
        print(f"  freeze -> enforced by slurmctld            {fig(ctld)}")
        print(f"  reference: one bare sacctmgr modify        {fig(bare)}")
        if freezes and bare:
            ratio = statistics.median(freezes) / statistics.median(bare)
            print(f"  ratio freeze / bare modify (medians)       {ratio:8.2f}x")
        print(
            "  before freeze_push: the freeze waited for the running sync to end "
            f"(up to {sync_done['s']:.0f} s here), then for the next sync"
        )
    finally:
        if not args.keep:
            subprocess.run([str(REPO / "bin" / "slurm-down")], capture_output=True)


if __name__ == "__main__":
    main()
