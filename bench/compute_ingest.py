"""Benchmark: ingest 1,000,000 sacct lines into PostgreSQL, beside a raw COPY of the same file.

Creates a fresh database named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/concordia_compute_bench; dropped again at the end), migrates
it, writes a parsable sacct file, then in the same run: (1) a raw PostgreSQL COPY of the file into
a bare table of text columns, (2) the platform's usage_ingest (each ~1 MB chunk checked with one
match and converted in Python while COPY streams the rows into compute_jobusage; the daily sums
added to UsageDay), (3) the same ingest again (every job already stored: all lines checked,
nothing written). Prints rows per second, the CPU seconds of this process and of its PostgreSQL
backend for each step (the machine may be shared: CPU time says what the wall clock cannot), and
the process's peak memory over both ingests.

    .venv/bin/python bench/compute_ingest.py [--lines 1000000]

Targets (issue): at least half the raw COPY's rows per second; peak memory at most 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/concordia_compute_bench"
)
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_cpu(pid: int) -> float:
    """CPU seconds used so far by the PostgreSQL backend `pid` (0.0 where /proc cannot say)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_file(path: Path, lines: int) -> None:
    rng = random.Random(42)
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    with path.open("w") as f:
        for n in range(1, lines + 1):
            gpus = rng.choice((1, 2, 4, 8))
            elapsed = rng.randrange(60, 86_400)
            end = start + dt.timedelta(seconds=n * 3)
            begin = end - dt.timedelta(seconds=elapsed)
            f.write(
                f"{n}|p-2026-{n % 1000:04d}|u{n % 3000}|billing={gpus},cpu={gpus * 8},"
                f"gres/gpu:h100={gpus},gres/gpu={gpus},mem=64G,node=1|{elapsed}|COMPLETED|"
                f"{begin:%Y-%m-%dT%H:%M:%S}|{end:%Y-%m-%dT%H:%M:%S}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()

    import psycopg

    parts = urllib.parse.urlsplit(URL)
    name = parts.path.lstrip("/")
    admin = psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres",
        autocommit=True,
    )  # fmt: skip
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        run(args.lines)
    finally:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run(lines: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from compute import services
    from compute.models import Cluster
    from core.actors import Actor

    actor = Actor.system("bench")
    cluster = Cluster.objects.create(name="bench")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sacct.txt"
        write_file(path, lines)
        size_mb = path.stat().st_size / 1e6
        base_rss = rss_mb()

        # (1) raw COPY into a bare table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
            cursor.execute("DROP TABLE IF EXISTS bench_raw_sacct")
            cursor.execute(
                "CREATE TABLE bench_raw_sacct (job_id text, account text, username text, "
                "tres text, elapsed text, state text, started text, ended text)"
            )
        cpu = {}
        marks = backend_cpu(pid), own_cpu()
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            path.open() as f,
            cursor.cursor.copy(
                "COPY bench_raw_sacct FROM STDIN WITH (FORMAT text, DELIMITER '|')"
            ) as copy,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        raw_s = time.perf_counter() - started
        cpu["raw"] = backend_cpu(pid) - marks[0], own_cpu() - marks[1]
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_raw_sacct")

        # (2) the platform's ingest, then (3) the same file again
        marks = backend_cpu(pid), own_cpu()
        started = time.perf_counter()
        with path.open() as f:
            first = services.usage_ingest(actor=actor, cluster=cluster, lines=f, source="bench")
        ingest_s = time.perf_counter() - started
        print("after first", rss_mb())
        cpu["ingest"] = backend_cpu(pid) - marks[0], own_cpu() - marks[1]
        marks = backend_cpu(pid), own_cpu()
        started = time.perf_counter()
        with path.open() as f:
            again = services.usage_ingest(actor=actor, cluster=cluster, lines=f, source="bench")
        again_s = time.perf_counter() - started
        cpu["again"] = backend_cpu(pid) - marks[0], own_cpu() - marks[1]
        peak = rss_mb()
    assert first.inserted == lines, first
    assert again.inserted == 0, again

    raw_rate, rate = lines / raw_s, lines / ingest_s
    print(f"compute usage ingest benchmark: {lines:,} sacct lines ({size_mb:.0f} MB)")
    print(
        f"  raw COPY into a bare table          {raw_s:6.2f} s  {raw_rate:10,.0f} rows/s"
        f"  (CPU: backend {cpu['raw'][0]:.2f} s, Python {cpu['raw'][1]:.2f} s)"
    )
    print(
        f"  usage_ingest (check+convert, COPY)  {ingest_s:6.2f} s  {rate:10,.0f} rows/s"
        f"  = {rate / raw_rate:.2f} of raw (target >= 0.5)"
        f"  (CPU: backend {cpu['ingest'][0]:.2f} s, Python {cpu['ingest'][1]:.2f} s)"
    )
    print(
        f"  same file again (0 new rows)        {again_s:6.2f} s"
        f"  (CPU: backend {cpu['again'][0]:.2f} s, Python {cpu['again'][1]:.2f} s)"
    )
    print(f"  peak RSS {peak:.0f} MB (process before ingest: {base_rss:.0f} MB; target <= 300 MB)")


if __name__ == "__main__":
    main()
