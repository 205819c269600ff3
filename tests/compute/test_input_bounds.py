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
from compute.models import JobUsage, SyncRun
from compute.sacct import parse_line
from core.errors import ValidationFailed
from tests.compute.conftest import World

pytestmark = pytest.mark.django_db
TRES = "billing=1,gres/gpu={gpus},node=1"


def job(
    n: int, *, gpus: int = 2, start: str = "2026-11-20T10:00:00", end: str = "2026-11-20T11:00:00"
) -> str:
    return f"{n}|acct|alice|{TRES.format(gpus=gpus)}|3600|COMPLETED|{start}|{end}"


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


def test_compute_sync_while_another_runs_is_a_message(world: World):
    """`compute_sync` while a sync of the cluster runs is a CommandError, not a traceback."""
    SyncRun.objects.create(cluster=world.cluster, backend="memory", triggered_by="other")
    with pytest.raises(CommandError, match="already running"):
        call_command("compute_sync", "--cluster", world.cluster.name)


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
