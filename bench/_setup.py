"""Shared helpers for the benchmarks: the project on the path, timing, percentiles, peak memory."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import platform
import resource
import time
from collections.abc import Callable, Iterator, Sequence
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


@contextlib.contextmanager
def throwaway_database(suffix: str, **overrides: object) -> Iterator[None]:
    """A fresh test database (test_<name>_<suffix>), a temporary MEDIA_ROOT and eager tasks.

    Django must be set up already; `overrides` are further settings. Dropped at the end.
    """
    import tempfile

    from django.conf import settings
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    db = connections["default"].settings_dict
    db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{suffix}"
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix=f"{suffix}-")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    for name, value in overrides.items():
        setattr(settings, name, value)
    state = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        yield
    finally:
        teardown_databases(state, verbosity=0)


def setup_django(settings_module: str = "config.settings.test") -> None:
    """Set Django up in this process (the test settings unless DJANGO_SETTINGS_MODULE says)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()
