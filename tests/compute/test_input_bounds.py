"""Usage lines and commands in compute: refused with a message naming the line or the job.

Issue 13 items 7 (a busy sync on the command line) and 8 (a start after the end, a job given
twice with different GPU counts).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compute import services
from compute.errors import UsageFileInvalid
from compute.models import JobUsage
from compute.sacct import parse_line
from core.errors import ValidationFailed
from tests.compute.conftest import World

pytestmark = pytest.mark.django_db
TRES = "billing=1,gres/gpu={gpus},node=1"


def job(
    n: int,
    *,
    gpus: int = 2,
    elapsed: int = 3600,
    start: str = "2026-11-20T10:00:00",
    end: str = "2026-11-20T11:00:00",
) -> str:
    return f"{n}|acct|alice|{TRES.format(gpus=gpus)}|{elapsed}|COMPLETED|{start}|{end}"


def sacct(*rows: str) -> io.StringIO:
    return io.StringIO("".join(r + "\n" for r in rows))


def test_a_job_whose_start_is_after_its_end_is_refused_naming_the_line(world: World):
    """A start after the end is a malformed line: named with its number; nothing is ingested."""
    # given a file whose third line starts after it ends
    rows = [job(n) for n in range(1, 3000)]
    rows[2] = job(3, start="2026-11-20T12:00:00", end="2026-11-20T11:00:00")
    # when it is ingested
    with pytest.raises(UsageFileInvalid) as raised:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    # then line 3 is named, with the reason
    [(number, why)] = raised.value.lines
    assert number == 3
    assert "after End" in why
    assert not JobUsage.objects.exists()
    assert isinstance(parse_line(rows[2]), str)
    assert not isinstance(parse_line(job(4, start="Unknown")), str)


def test_a_job_twice_in_a_file_with_different_gpu_counts_is_a_conflict(world: World):
    """The same job with 2 and then 4 GPUs is refused naming the job, not taken as a duplicate."""
    with pytest.raises(UsageFileInvalid, match="job 7: 2 GPU") as raised:
        services.usage_ingest(
            actor=world.op, cluster=world.cluster, lines=sacct(job(6), job(7), job(7, gpus=4))
        )
    assert "different figures" in raised.value.message
    assert not JobUsage.objects.exists()
    # while the same line twice is still one job
    result = services.usage_ingest(
        actor=world.op, cluster=world.cluster, lines=sacct(job(7), job(7))
    )
    assert (result.lines, result.inserted) == (2, 1)


def _force(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Send the ingest down one path: Arrow's columns (the default on PostgreSQL), the fast
    path's line by line, or the checked path (as when the fast path hands over)."""
    from compute import sacct_columns
    from compute.services import usage, usage_fast

    def refuse(*args: object) -> None:
        if path == "lines":
            raise sacct_columns.NotColumnar
        raise usage_fast.Unfit

    if path == "lines":
        monkeypatch.setattr(sacct_columns, "chunk_rows", refuse)
    elif path == "checked":
        monkeypatch.setattr(usage, "ingest_fast", refuse)


@pytest.mark.parametrize("path", ["columns", "lines", "checked"])
@pytest.mark.parametrize(
    ("again", "figures"),
    [
        ({"gpus": 4}, "job 2000: 2 GPU(s) for 3600 s, and 4 GPU(s) for 3600 s"),
        ({"elapsed": 60}, "job 2000: 2 GPU(s) for 3600 s, and 2 GPU(s) for 60 s"),
    ],
)
def test_a_stored_job_given_again_with_other_figures_is_a_conflict(
    world: World, monkeypatch, path, again, figures
):
    """A job stored by an earlier ingest, met again in a later file with another GPU count or
    run time, is refused naming the job and both figures (stored first), on every path; nothing
    of the file is ingested."""
    # given jobs 1..2999 stored
    services.usage_ingest(
        actor=world.op, cluster=world.cluster, lines=sacct(*(job(n) for n in range(1, 3000)))
    )
    before = JobUsage.objects.count()
    # when an overlapping window gives job 2000 with other figures, among new jobs
    rows = [job(n) for n in range(1990, 4000)]
    rows[10] = job(2000, **again)
    _force(path, monkeypatch)
    with pytest.raises(UsageFileInvalid) as raised:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    # then
    assert figures in raised.value.message
    assert "already stored with different figures" in raised.value.message
    assert JobUsage.objects.count() == before
    assert JobUsage.objects.get(job_id=2000).gpus == 2


@pytest.mark.parametrize("path", ["columns", "lines"])
def test_a_stored_job_given_again_alike_is_left_out_by_the_fast_path(
    world: World, monkeypatch, path
):
    """Re-sending an overlapping window with the same figures stays a skip, on the fast path
    alone (the checked path does not run)."""
    from compute.services import usage

    services.usage_ingest(
        actor=world.op, cluster=world.cluster, lines=sacct(*(job(n) for n in range(1, 3000)))
    )
    _force(path, monkeypatch)

    def checked(*args: object) -> None:
        raise AssertionError("the checked path ran")

    monkeypatch.setattr(usage, "_ingest_checked", checked)
    rows = [job(n) for n in range(1990, 4000)]
    result = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert (result.lines, result.inserted) == (2010, 1000)


def test_compute_sync_while_another_runs_is_a_message(world: World):
    """`compute_sync` while a sync of the cluster runs is a CommandError (exit code 75, "try
    again"), not a traceback."""
    from django.db import connections

    other = connections.create_connection("default")  # a live sync's session holds the lock
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [0x5C1C, world.cluster.pk])
        with pytest.raises(CommandError, match="already running") as raised:
            call_command("compute_sync", "--cluster", world.cluster.name)
    finally:
        other.close()
    assert raised.value.returncode == 75


def test_an_allocation_period_in_year_1_is_refused(world: World):
    """A period dated in year 1 is a 400 naming the field."""
    from decimal import Decimal

    with pytest.raises(ValidationFailed) as raised:
        services.period_create(
            actor=world.op, cluster=world.cluster, name="ancient", starts_on=dt.date(1, 1, 1),
            ends_on=dt.date(1, 4, 1), capacity_minutes=10, programme_share=Decimal(0),
            reserve_share=Decimal(0), equal_share=Decimal(0),
        )  # fmt: skip
    assert raised.value.field == "starts_on"
