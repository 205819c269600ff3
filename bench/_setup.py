"""Shared helpers for the benchmarks: the project on the path, timing, percentiles, peak memory."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """One line naming where the figures come from, for the report and the README."""
    cores = os.cpu_count() or 0
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
        f"{cores} core{'s' if cores != 1 else ''}, Python {platform.python_version()}"
    )


def seconds(run: Callable[[], object]) -> float:
    """The wall time of one call."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0 < fraction <= 1)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(len(sorted_values) * fraction))
    return sorted_values[rank - 1]


def peak_rss_mb() -> float:
    """The largest resident set this process has had, in MB (Linux reports it in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
