"""Benchmark: cached public portal pages under load, beside a hello-world Django view.

    .venv/bin/python bench/portal_load.py [--seconds 5] [--rounds 3] [--connections 8]
                                          [--workers 2] [--threads 2]

Needs wrk (`bin/setup --bench` installs it). Creates a fresh PostgreSQL database
(concordia_bench_<random>), migrates it and loads the demo data (`seed_demo`: 35 states, the
councils, published decisions, contributions, quotas). Then starts gunicorn (config.wsgi, the
test settings plus one extra URL, `/bench/hello/`, a view that returns "Hello, world") on a free
port of 127.0.0.1, with the portal's cache in Redis as in production (CACHE_URL, database 9 by
default, emptied before and after). Each public page is asked for once untimed, so it is cached;
then wrk loads, for `--seconds` each, the hello view and then a page, for every page in turn,
`--rounds` times, and reports the median requests per second and p99 latency of each, and each
page's requests per second as a share of the hello run just before it (the median of those
shares): the machine's speed drifts over tens of seconds, so only runs next to each other
compare. Nothing is asserted about speed.
The database is dropped and gunicorn stopped by its process group at the end, also on error.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

# `python bench/portal_load.py` puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import HOST, create_database, drop_database, gunicorn
from bench._setup import machine

SETTINGS = "bench.portal_settings"
PAGES = (
    "/portal/",
    "/portal/states/",
    "/portal/states/DE/",
    "/portal/decisions/",
    "/portal/decisions/{decision}/",
    "/portal/safety/",
    "/portal/compute/",
    "/portal/data/",
)
HELLO = "/bench/hello/"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(port: int, path: str, seconds: int, connections: int) -> tuple[float, float, int]:
    """Requests per second, p99 latency in ms and non-2xx/3xx answers of one wrk run."""
    out = subprocess.run(
        [
            "wrk", "--latency", "-t", "1", "-c", str(connections), "-d", f"{seconds}s",
            f"http://{HOST}:{port}{path}",
        ],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, float(value) * _UNITS[unit], int(bad.group(1)) if bad else 0


def fetch(port: int, path: str) -> tuple[int, str]:
    conn = HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, response.getheader("X-Portal-Cache") or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", f"postgres://postgres@{HOST}:5432"),
        help="PostgreSQL server to create the throw-away database on",
    )
    parser.add_argument("--redis", default=f"redis://{HOST}:6379/9", help="Redis for the cache")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: run bin/setup --bench")
    for url in (args.server, args.redis):
        if urllib.parse.urlsplit(url).hostname not in (HOST, "localhost"):
            parser.error("the benchmark only talks to 127.0.0.1")

    name = f"concordia_bench_{secrets.token_hex(4)}"
    database_url = f"{args.server}/{name}?conn_max_age=60"
    print(
        f"portal_load: wrk 1 thread x {args.connections} connections, {args.seconds} s per run, "
        f"{args.rounds} rounds; gunicorn {args.workers} workers x {args.threads} threads "
        f"(gthread); cache in Redis; {machine()}"
    )
    started = time.monotonic()
    create_database(args.server, name)
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": database_url,
        "CACHE_URL": args.redis.replace("redis://", "rediscache://", 1),
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connections

        from governance.selectors import decisions_published

        print(f"migrating {name} and loading the demo data ...", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed_demo", verbosity=0)
        decision = decisions_published().values_list("pk", flat=True).first()
        cache.clear()
        connections.close_all()
        pages = [p.format(decision=decision) for p in PAGES]
        print(f"set up in {time.monotonic() - started:.0f} s; starting gunicorn ...", flush=True)
        with gunicorn(env, args.workers, args.threads, probe=HELLO) as port:
            for path in [HELLO, *pages]:
                for _ in range(3):  # every worker's first request, and the page into the cache
                    status, _state = fetch(port, path)
                    if status != 200:
                        raise RuntimeError(f"{path} answered {status}")
            misses = [p for p in pages if fetch(port, p)[1] != "hit"]
            if misses:
                raise RuntimeError(f"not served from the cache: {misses}")
            # The machine's speed drifts over tens of seconds (shared cores), so each page is
            # paired with a hello run just before it and compared with that one.
            results: dict[str, list[tuple[float, float, int]]] = {}
            pairs: dict[str, list[float]] = {}
            for _round in range(args.rounds):
                for path in pages:
                    hello = wrk(port, HELLO, args.seconds, args.connections)
                    page = wrk(port, path, args.seconds, args.connections)
                    results.setdefault(HELLO, []).append(hello)
                    results.setdefault(path, []).append(page)
                    pairs.setdefault(path, []).append(page[0] / hello[0])
        report(results, pairs, pages)
        cache.clear()
        connections.close_all()
        return 0
    finally:
        drop_database(args.server, name)
        print(f"database {name} dropped; {time.monotonic() - started:.0f} s in all")


def report(
    results: dict[str, list[tuple[float, float, int]]],
    pairs: dict[str, list[float]],
    pages: list[str],
) -> None:
    def median(path: str, index: int) -> float:
        return statistics.median(r[index] for r in results[path])

    print(f"  {'path':34s} {'req/s':>9s} {'p99 ms':>8s} {'of hello':>9s} {'errors':>7s}")
    print(f"  {HELLO:34s} {median(HELLO, 0):9.0f} {median(HELLO, 1):8.1f} {1:9.2f} {0:7d}")
    for path in pages:
        errors = sum(r[2] for r in results[path])
        share = statistics.median(pairs[path])
        print(
            f"  {path:34s} {median(path, 0):9.0f} {median(path, 1):8.1f} {share:9.2f} {errors:7d}"
        )
    shares = [statistics.median(pairs[p]) for p in pages]
    print(
        f"  cached pages, each against the hello run just before it (median of "
        f"{len(pairs[pages[0]])}): median {statistics.median(shares):.2f} of hello, "
        f"lowest {min(shares):.2f} (target >= 0.80)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
