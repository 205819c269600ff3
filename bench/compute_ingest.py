"""Benchmark: ingest 1,000,000 sacct lines into PostgreSQL, beside a raw COPY of the same file.

Creates a fresh database named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/concordia_compute_bench; dropped again at the end), migrates
it and writes a parsable sacct file. Then, for each of --rounds rounds (tables emptied between
them): (1) a raw PostgreSQL COPY of the file into a bare table of eight text columns, (2) the
platform's usage_ingest of the same file (each ~1 MB chunk checked and converted column by column
with Apache Arrow while COPY streams the previous one into compute_jobusage; the daily sums added
to UsageDay). Last, (3) the same ingest again (every job already stored: all lines checked,
nothing written). Each step starts from a fresh CHECKPOINT, so none pays for another's dirty
pages. Prints rows per second and the CPU seconds of this process and of its PostgreSQL backend
for each step (the machine is shared: CPU time says what the wall clock cannot), the median ratio
over the rounds, and the process's peak memory. Arrow is loaded before the rounds, as a Celery
worker loads it when it starts (compute/tasks.py).

    .venv/bin/python bench/compute_ingest.py [--lines 1000000] [--rounds 3]

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
from collections.abc import Callable
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
    parser.add_argument("--rounds", type=int, default=3)
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
        run(args.lines, args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run(lines: int, rounds: int) -> None:
    import statistics

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
    import compute.sacct_columns  # noqa: F401 - as a Celery worker does at start (compute/tasks.py)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def timed(step: Callable[[], object]) -> tuple[float, float, float, object]:
        """Wall seconds, backend and own CPU seconds of `step`, from a fresh checkpoint (so
        neither step pays for the other's dirty pages), and its result."""
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
        marks = backend_cpu(pid), own_cpu()
        started = time.perf_counter()
        result = step()
        return (
            time.perf_counter() - started,
            backend_cpu(pid) - marks[0],
            own_cpu() - marks[1],
            result,
        )

    def raw_copy() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_raw_sacct")
            cursor.execute(
                "CREATE TABLE bench_raw_sacct (job_id text, account text, username text, "
                "tres text, elapsed text, state text, started text, ended text)"
            )
        with (
            connection.cursor() as cursor,
            path.open() as f,
            cursor.cursor.copy(
                "COPY bench_raw_sacct FROM STDIN WITH (FORMAT text, DELIMITER '|')"
            ) as copy,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)

    def ingest() -> object:
        with path.open() as f:
            return services.usage_ingest(actor=actor, cluster=cluster, lines=f, source="bench")

    def empty_tables() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE compute_jobusage, compute_usageday, bench_raw_sacct")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sacct.txt"
        write_file(path, lines)
        size_mb = path.stat().st_size / 1e6
        base_rss = rss_mb()
        print(f"compute usage ingest benchmark: {lines:,} sacct lines ({size_mb:.0f} MB)")
        print("  (each step from a fresh CHECKPOINT; CPU seconds of the PostgreSQL backend and")
        print("   of this process say what the wall clock cannot on a shared machine)")
        ratios = []
        for n in range(1, rounds + 1):
            if n > 1:
                empty_tables()
            raw_s, raw_backend, raw_own, _ = timed(raw_copy)
            ingest_s, backend, own, first = timed(ingest)
            assert first.inserted == lines, first
            raw_rate, rate = lines / raw_s, lines / ingest_s
            ratios.append(rate / raw_rate)
            print(
                f"  round {n}: raw COPY into a bare table {raw_s:5.2f} s {raw_rate:10,.0f} rows/s"
                f" (CPU: backend {raw_backend:.2f} s, Python {raw_own:.2f} s)"
            )
            print(
                f"           usage_ingest               {ingest_s:5.2f} s {rate:10,.0f} rows/s"
                f" = {rate / raw_rate:.2f} of raw"
                f" (CPU: backend {backend:.2f} s, Python {own:.2f} s)"
            )
        again_s, backend, own, again = timed(ingest)
        assert again.inserted == 0, again
        peak = rss_mb()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_raw_sacct")
    print(
        f"  usage_ingest / raw COPY, median of {rounds} rounds: {statistics.median(ratios):.2f}"
        f" (lowest {min(ratios):.2f}; target >= 0.5)"
    )
    print(
        f"  same file again (0 new rows)   {again_s:5.2f} s"
        f" (CPU: backend {backend:.2f} s, Python {own:.2f} s)"
    )
    print(f"  peak RSS {peak:.0f} MB (process before ingest: {base_rss:.0f} MB; target <= 300 MB)")


if __name__ == "__main__":
    main()
