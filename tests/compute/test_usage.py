"""Usage from sacct: bulk ingestion, idempotence, malformed lines, aggregates and the policy."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.db import IntegrityError

from compute import selectors, services
from compute.errors import UsageFileInvalid
from compute.models import ComputeFreeze, JobUsage, QuotaNotice, UsageDay
from compute.services.usage import parse_line
from governance.models import ResearchProject
from tests.compute.conftest import World

pytestmark = pytest.mark.django_db


def sacct(*rows: str) -> io.StringIO:
    return io.StringIO("".join(r + "\n" for r in rows))


def line(job: int, account: str, gpus: int = 2, seconds: int = 3600, end: str = "") -> str:
    end = end or "2026-11-20T11:00:00"
    tres = f"billing=1,cpu=1,gres/gpu:h100={gpus},gres/gpu={gpus},node=1"
    try:  # a job starts before it ends (a start after the end is refused)
        start = (dt.datetime.fromisoformat(end) - dt.timedelta(seconds=seconds)).isoformat()
    except ValueError:  # an end like 2026-02-30, which the test wants refused for itself
        start = "Unknown"
    return f"{job}|{account}|alice|{tres}|{seconds}|COMPLETED|{start}|{end}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7|p1|u|billing=1,gres/gpu=4,node=1|90|COMPLETED|2026-01-01T00:00:00|2026-01-01T00:01:30",
         ("7", "p1", "u", "4", "90")),
        ("8|p1|u|cpu=1,node=1|90|FAILED|Unknown|2026-01-01T00:01:30", ("8", "p1", "u", "0", "90")),
        ("9|P1|u|gres/gpu=1|0|CANCELLED by 0|None|2026-01-01T00:00:00", ("9", "p1", "u", "1", "0")),
    ],
)  # fmt: skip
def test_lines_are_read_as_sacct_writes_them(text, expected):
    assert parse_line(text)[:5] == expected


@pytest.mark.parametrize(
    "text",
    [
        "x|p1|u|gres/gpu=1|9|COMPLETED|Unknown|2026-01-01T00:00:00",
        "1|p1|u|gres/gpu=x|9|COMPLETED|Unknown|2026-01-01T00:00:00",
        "1|p1|u|gres/gpu=1|-9|COMPLETED|Unknown|2026-01-01T00:00:00",
        "1|p1|u|gres/gpu=1|9|COMPLETED|Unknown|Unknown",
        "1|p1|u|gres/gpu=1|9|COMPLETED|Unknown",
        "1|p\t1|u|gres/gpu=1|9|COMPLETED|Unknown|2026-01-01T00:00:00",
        "1|p1|u|gres/gpu=1|9|COMPLETED|Unknown|2026-02-30T00:00:00",
        "1|p1|u|gres/gpu=1|9|COMPLETED|Unknown|2026-01-01T24:00:00",
        "1|p1|u|gres/gpu=1|9|COMPLETED|2026-01-01 00:00:00|2026-01-01T00:00:00",
        "1|p1|u|gres/gpu=3000000000|9|COMPLETED|Unknown|2026-01-01T00:00:00",
        "1|p1|u|gres/gpu=2000000000|999999999999|COMPLETED|Unknown|2026-01-01T00:00:00",
        "+1|p1|u|gres/gpu=1|9|COMPLETED|Unknown|2026-01-01T00:00:00",
        "1|p1|u|x=1gres/gpu=1|9|COMPLETED|Unknown|2026-01-01T00:00:00",
    ],
)
def test_malformed_lines_are_named(text):
    assert isinstance(parse_line(text), str)


def test_ingest_counts_gpu_time_and_twice_changes_nothing(world: World):
    """GPU-seconds are GPUs × elapsed; the same window again inserts nothing."""
    project = world.project()
    world.allocate(project)
    rows = [line(1, project.code), line(2, project.code, gpus=4, seconds=90), line(3, "other")]
    # when
    first = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    second = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    # then
    assert (first.lines, first.inserted) == (3, 3)
    assert (second.lines, second.inserted, second.duplicates) == (3, 0, 3)
    job = JobUsage.objects.get(job_id=2)
    assert (job.gpus, job.elapsed_seconds, job.gpu_seconds) == (4, 90, 360)
    assert job.account == project.code
    assert str(job.ended_at.astimezone(dt.UTC).date()) == "2026-11-20"
    assert day_sums() == [
        ("other", None, dt.date(2026, 11, 20), 1, 7200),
        (project.code, project.pk, dt.date(2026, 11, 20), 2, 7200 + 360),
    ]


def test_a_malformed_line_stops_the_whole_batch(world: World):
    """Every bad line is named with its number, and nothing of the batch is written."""
    rows = [line(1, "a"), "garbage", line(3, "a"), "4|a|u|gres/gpu=1|x|COMPLETED|None|None"]
    with pytest.raises(UsageFileInvalid) as caught:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert [n for n, _why in caught.value.lines] == [2, 4]
    assert "lines 2, 4" in caught.value.message
    assert not JobUsage.objects.exists()


def test_a_date_only_the_calendar_refuses_is_named_and_nothing_is_written(world: World):
    """30 February has sacct's shape; the line is still named, and no job of the file is kept."""
    rows = [line(n, "a") for n in range(1, 5000)]
    rows[3000] = line(3001, "a", end="2026-02-30T11:00:00")
    with pytest.raises(UsageFileInvalid) as caught:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert [n for n, _why in caught.value.lines] == [3001]
    assert "2026-02-30" in caught.value.message
    assert not JobUsage.objects.exists()


def test_bad_lines_from_a_stream_are_named_by_their_number(world: World):
    """Lines from a pipe (read once) are checked again from the first when one is malformed."""
    rows = [line(n, "a") + "\n" for n in range(1, 20_000)]
    rows[15_000] = "15001|a|alice|gres/gpu=1|x|COMPLETED|None|2026-11-20T11:00:00\n"
    rows[19_000] = "19001|a|al ice|gres/gpu=1|1|COMPLETED|None|2026-11-20T11:00:00\n"
    with pytest.raises(UsageFileInvalid) as caught:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=iter(rows))
    assert [n for n, _why in caught.value.lines] == [15_001, 19_001]
    assert not JobUsage.objects.exists()


def test_a_stream_with_odd_but_valid_lines_is_ingested_in_full(world: World):
    """A tab in AllocTRES, Windows line ends and a blank line are read as the checker reads them."""
    rows = iter(
        [
            line(1, "a") + "\r\n",
            "2|a|bob|billing=1\t,gres/gpu=3|60|COMPLETED|None|2026-11-20T11:00:00",
            "\n",
            line(3, "a") + "\n",
        ]
    )
    result = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=rows)
    assert (result.lines, result.inserted) == (3, 3)
    assert JobUsage.objects.get(job_id=2).gpu_seconds == 180


def test_a_job_twice_in_one_file_is_kept_once(world: World):
    """sacct can list a job twice; the first line counts, the second is a duplicate.

    (With other GPU figures the second line is a conflict: test_input_bounds.py.)"""
    again = line(1, "a", gpus=1).replace("alice", "bob")
    rows = [line(1, "a", gpus=1), line(2, "a"), again]
    result = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert (result.lines, result.inserted, result.duplicates) == (3, 2, 1)
    assert JobUsage.objects.get(job_id=1).user == "alice"


def test_an_overlapping_window_adds_only_the_new_jobs(world: World):
    """The jobs already stored are left as they are; the rest of the window is added.

    (A stored job given again with other figures is a conflict: test_input_bounds.py.)"""
    services.usage_ingest(
        actor=world.op, cluster=world.cluster, lines=sacct(line(5, "a"), line(6, "a"))
    )
    rows = [line(4, "a"), line(5, "a"), line(6, "a"), line(7, "a", gpus=3)]
    result = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert (result.lines, result.inserted) == (4, 2)
    assert sorted(JobUsage.objects.values_list("job_id", "gpus")) == [
        (4, 2),
        (5, 2),
        (6, 2),
        (7, 3),
    ]


def test_a_well_formed_file_is_not_checked_line_by_line_twice(world: World, monkeypatch):
    """The fast path (one match per line, streamed COPY) takes a clean file by itself."""
    from compute.services import usage

    def checked(*args: object) -> None:
        raise AssertionError("the checked path ran")

    monkeypatch.setattr(usage, "_ingest_checked", checked)
    rows = [line(n, "a") for n in range(1, 3000)]
    result = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert result.inserted == 2999


def test_the_sqlite_demo_ingests_and_refuses_like_postgresql(tmp_path):
    """The local demo's SQLite database takes the checked path: same rows, same refusals."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "from compute import services; from compute.errors import UsageFileInvalid;"
        "from compute.models import Cluster, JobUsage; from core.actors import Actor;"
        "c = Cluster.objects.create(name='demo'); a = Actor.system('t');"
        f"ok = [{line(1, 'a')!r} + '\\n', {line(2, 'a', gpus=4, seconds=90)!r} + '\\n'];"
        "r = services.usage_ingest(actor=a, cluster=c, lines=ok);"
        "r2 = services.usage_ingest(actor=a, cluster=c, lines=ok);"
        "print(r.inserted, r2.inserted, JobUsage.objects.get(job_id=2).gpu_seconds);"
        "print(*(f'{d.day}:{d.jobs}:{d.gpu_seconds}' for d in UsageDay.objects.all()));"
        "bad = ok + ['3|a|u|gres/gpu=1|x|COMPLETED|None|None\\n'];"
        "exec('try:\\n services.usage_ingest(actor=a, cluster=c, lines=bad)\\n"
        "except UsageFileInvalid as e:\\n print(e.lines[0][0])')"
    )
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    for args in (["migrate", "--no-input"], ["shell", "--verbosity", "0", "-c", script]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split() == ["2", "0", "360", "2026-11-20:2:7560", "3"]


def test_quota_pages_show_used_and_left(world: World):
    project = world.project("DE", hours=100)
    world.allocate(project)
    start = world.period.starts_on.isoformat()
    services.usage_ingest(
        actor=world.op,
        cluster=world.cluster,
        lines=sacct(line(1, project.code, gpus=2, seconds=3600, end=f"{start}T12:00:00")),
    )
    [(_allocation, used)] = selectors.allocation_lines(period=world.period)
    assert (used.minutes, used.used, used.left) == (6_000, 120, 5_880)
    de = next(q for q in selectors.quota_lines(period=world.period) if q.key == "DE")
    assert (de.allocated, de.used) == (6_000, 120)
    daily = selectors.usage_daily(project=project, days=400)
    assert daily == [{"day": world.period.starts_on, "gpu_minutes": 120}]


def test_the_lead_is_told_at_80_and_100_percent_and_frozen_if_the_period_says_so(world: World):
    world.period.freeze_at_full = True
    world.period.save()
    project = world.project("DE", hours=1)  # 60 GPU-minutes
    world.allocate(project)
    day = world.period.starts_on.isoformat()
    # when 50 minutes are used (83%)
    services.usage_ingest(
        actor=world.op,
        cluster=world.cluster,
        lines=sacct(line(1, project.code, gpus=1, seconds=3000, end=f"{day}T12:00:00")),
    )
    services.usage_policy_apply(actor=world.op, cluster=world.cluster)
    services.usage_policy_apply(actor=world.op, cluster=world.cluster)
    # then one notice at 80%
    assert list(QuotaNotice.objects.values_list("threshold", flat=True)) == [80]
    # when 70 minutes are used
    services.usage_ingest(
        actor=world.op,
        cluster=world.cluster,
        lines=sacct(line(2, project.code, gpus=1, seconds=1200, end=f"{day}T13:00:00")),
    )
    services.usage_policy_apply(actor=world.op, cluster=world.cluster)
    # then the 100% notice, and a freeze
    assert set(QuotaNotice.objects.values_list("threshold", flat=True)) == {80, 100}
    assert ComputeFreeze.objects.filter(project=project, lifted_at__isnull=True).exists()


def test_notices_are_mailed_on_commit(world: World, django_capture_on_commit_callbacks):
    project = world.project("DE", hours=1)
    world.allocate(project)
    day = world.period.starts_on.isoformat()
    services.usage_ingest(
        actor=world.op,
        cluster=world.cluster,
        lines=sacct(line(1, project.code, gpus=1, seconds=3000, end=f"{day}T12:00:00")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.usage_policy_apply(actor=world.op, cluster=world.cluster)
    assert len(mail.outbox) == 1
    assert "80%" in mail.outbox[0].subject


def test_ingest_from_the_backend_window(world: World, memory_backend):
    """The beat task reads recently finished jobs from the backend's sacct."""
    import datetime as dt

    from compute.tasks import compute_usage_ingest_recent

    project = world.project()
    world.allocate(project)
    services.sync_run(actor=world.op, cluster=world.cluster)
    memory_backend.submit(
        "concordia", account=project.code, user=project.lead.username, gpus=2, seconds=600,
        end=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
    )  # fmt: skip
    assert compute_usage_ingest_recent() == {"concordia": 1}
    assert JobUsage.objects.get().gpu_seconds == 1200


def day_sums() -> list[tuple[object, ...]]:
    """The UsageDay rows as (account, project id, day, jobs, GPU-seconds)."""
    return sorted(
        UsageDay.objects.values_list("account", "project_id", "day", "jobs", "gpu_seconds"),
        key=repr,
    )


def day_sums_of_jobs() -> list[tuple[object, ...]]:
    """The same sums computed from the stored jobs."""
    projects = dict(ResearchProject.objects.values_list("code", "id"))
    sums: dict[tuple[object, ...], list[int]] = {}
    for job in JobUsage.objects.all():
        key = (job.account, projects.get(job.account), job.ended_at.astimezone(dt.UTC).date())
        sum_ = sums.setdefault(key, [0, 0])
        sum_[0] += 1
        sum_[1] += job.gpu_seconds
    return sorted(((*key, jobs, seconds) for key, (jobs, seconds) in sums.items()), key=repr)


def test_daily_sums_follow_the_jobs_and_a_second_ingest_changes_none(world: World):
    """Jobs and GPU-seconds per account and day are summed; the same window again adds nothing."""
    # given
    project = world.project()
    rows = [
        line(1, project.code, gpus=2, seconds=3600),
        line(2, project.code, gpus=4, seconds=90, end="2026-11-21T01:00:00"),
        line(3, project.code, gpus=1, seconds=60),
        line(4, "other", gpus=0, seconds=60),
    ]
    # when
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    first = day_sums()
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    # then
    day = dt.date(2026, 11, 20)
    assert first == sorted(
        [
            (project.code, project.pk, day, 2, 7260),
            (project.code, project.pk, dt.date(2026, 11, 21), 1, 360),
            ("other", None, day, 1, 0),
        ],
        key=repr,
    )
    assert day_sums() == first == day_sums_of_jobs()


def test_an_overlapping_window_adds_only_its_new_jobs_to_the_daily_sums(world: World):
    """Jobs already stored are not counted twice, on the fast path and on the checked path."""
    # given
    services.usage_ingest(
        actor=world.op, cluster=world.cluster, lines=sacct(line(5, "a"), line(6, "a"))
    )
    # when: a window overlapping it, then one with a job twice (the checked path's ON CONFLICT)
    rows = [line(4, "a"), line(5, "a"), line(6, "a"), line(7, "a", gpus=3)]
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    rows = [line(7, "a", gpus=3), line(8, "a", gpus=1), line(8, "a", gpus=1), line(9, "b", gpus=1)]
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=iter(rows))
    # then: jobs 4..8 of a, 2 + 2 + 2 + 3 + 1 GPU-hours; job 9 of b
    day = dt.date(2026, 11, 20)
    assert day_sums() == [("a", None, day, 5, 10 * 3600), ("b", None, day, 1, 3600)]
    assert day_sums() == day_sums_of_jobs()


def test_a_refused_batch_changes_no_daily_sum(world: World):
    """A file with a malformed line adds nothing to the daily sums, on top of earlier jobs."""
    # given
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(line(1, "a")))
    before = day_sums()
    rows = [line(n, "a") for n in range(2, 9000)]
    rows[8000] = line(8002, "a", end="2026-02-30T11:00:00")  # refused by PostgreSQL's cast
    # when
    with pytest.raises(UsageFileInvalid):
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    # then
    assert day_sums() == before == [("a", None, dt.date(2026, 11, 20), 1, 7200)]


def test_lines_the_chunk_match_does_not_take_are_summed_once(world: World):
    """A GPU count after another "gres/gpu=", or an upper-case account, is read as parse_line
    reads it (the first count; the account in lower case) and summed once."""
    # given: two files, each with one such line among well-formed ones
    gres = [line(n, "a") for n in range(1, 50)]
    gres[10] = "11|a|alice|gres/gpu=1,x,gres/gpu=4|60|COMPLETED|None|2026-11-20T11:00:00"
    upper = [line(n, "a") for n in range(50, 100)]
    upper[0] = "50|UPPER|alice|gres/gpu=2|60|COMPLETED|None|2026-11-20T11:00:00"
    # when
    first = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*gres))
    second = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*upper))
    # then
    assert (first.inserted, second.inserted) == (49, 50)
    assert JobUsage.objects.get(job_id=11).gpus == 1
    assert JobUsage.objects.get(job_id=50).account == "upper"
    day = dt.date(2026, 11, 20)
    assert day_sums() == [("a", None, day, 98, 97 * 7200 + 60), ("upper", None, day, 1, 120)]
    assert day_sums() == day_sums_of_jobs()


def stored_jobs() -> list[tuple[object, ...]]:
    return sorted(
        JobUsage.objects.values_list(
            "job_id", "account", "user", "gpus", "elapsed_seconds", "state", "ended_at"
        )
    )


def test_a_job_stored_below_the_first_lines_ids_is_not_stored_again(world: World):
    """An input not in job-id order: a later line holds a job stored before, with a lower id than
    any of the first lines. It is found and left out (the job table has no unique index)."""
    # given
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(line(5, "a")))
    rows = [line(n, "a") for n in range(10_000, 30_000)] + [line(5, "a"), line(6, "a")]
    # when
    result = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    # then
    assert (result.lines, result.inserted) == (20_002, 20_001)
    assert JobUsage.objects.filter(job_id=5).count() == 1
    assert JobUsage.objects.get(job_id=5).gpus == 2
    assert day_sums() == day_sums_of_jobs()


def test_a_job_twice_in_distant_chunks_is_stored_once_with_its_first_line(world: World):
    """Job 3 early in the file and again ~2 MB later (another chunk): its first line counts."""
    # given
    rows = [line(n, "a") for n in range(1, 40_000)] + [line(3, "a").replace("alice", "bob")]
    # when
    result = services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    # then
    assert (result.lines, result.inserted) == (40_000, 39_999)
    assert JobUsage.objects.filter(job_id=3).count() == 1
    assert JobUsage.objects.get(job_id=3).user == "alice"
    assert day_sums() == day_sums_of_jobs()


@pytest.mark.django_db(transaction=True)
def test_two_ingests_of_one_cluster_at_once_store_each_job_once(world: World):
    """Two overlapping windows ingested at the same moment from two connections: the cluster's
    ingest lock makes the second wait for the first, so each job is stored once and summed once."""
    import threading

    from django.db import connection

    # given
    windows = [
        [line(n, "a", gpus=1) for n in range(1, 30_000)],
        [line(n, "a", gpus=1) for n in range(20_000, 50_000)],
    ]
    ready = threading.Barrier(2)
    results = []

    def ingest(rows: list[str]) -> None:
        try:
            ready.wait()
            results.append(
                services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
            )
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=ingest, args=(rows,)) for rows in windows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(r.inserted for r in results) in ([20_000, 29_999], [19_999, 30_000])
    assert sum(r.inserted for r in results) == 49_999
    assert JobUsage.objects.count() == 49_999
    assert day_sums() == [("a", None, dt.date(2026, 11, 20), 49_999, 49_999 * 3600)]


@pytest.mark.parametrize(
    "odd",
    [
        "41|Mixed.Case|bob|cpu=4,node=1|0|CANCELLED by 1200|Unknown|2026-11-20T23:59:59",
        "42|a|bob||7|TIMEOUT|None|2026-11-21T00:00:00",
        "43|a@x|b-c_d.e+f|gres/gpu=16|86400|NODE_FAIL||2026-11-19T00:00:01",
        "44|a|bob|gres/gpu=3,billing=2|5|OUT_OF_MEMORY|2026-11-20T00:00:00|2026-11-20T00:00:05",
        "000045|a|bob|mem=1G,gres/gpu=2|5|COMPLETED|2026-11-20T00:00:00|2026-11-20T00:00:05",
        "46|a|bob|gres/gpu=1|5|PREEMPTED ÄÖ|2026-11-20T00:00:00|2026-11-20T00:00:05",
    ],
)
def test_the_column_path_and_the_line_path_store_the_same_rows(world: World, monkeypatch, odd):
    """Each kind of line, among well-formed ones, gives the same stored rows and daily sums
    whether its chunk is converted by Arrow or line by line."""
    from compute import sacct_columns

    rows = [line(n, "a") for n in range(1, 40)] + [odd]
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    by_columns = (stored_jobs(), day_sums())
    JobUsage.objects.all().delete()
    UsageDay.objects.all().delete()

    def refuse(*args: object) -> None:
        raise sacct_columns.NotColumnar

    monkeypatch.setattr(sacct_columns, "chunk_rows", refuse)
    services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert (stored_jobs(), day_sums()) == by_columns
    assert len(by_columns[0]) == 40


def test_one_daily_sum_per_account_and_day_even_without_a_project(world: World):
    """The database refuses a second daily row for the same account and day, project or not."""
    # given
    day = dt.date(2026, 11, 20)
    UsageDay.objects.create(cluster=world.cluster, account="a", day=day, jobs=1, gpu_seconds=1)
    # when / then
    with pytest.raises(IntegrityError):
        UsageDay.objects.create(cluster=world.cluster, account="a", day=day, jobs=1, gpu_seconds=1)


@pytest.mark.parametrize(
    ("text", "bad_line"),
    [
        # a start not in the calendar (the start is not stored, so no cast would refuse it)
        ("3|a|u|gres/gpu=1|60|COMPLETED|2026-02-30T10:00:00|2026-03-01T01:00:00", 3),
        # more GPU time than a bigint holds, in a chunk the column path hands to the line path
        ("3|a|u|gres/gpu=2147483647|999999999999|COMPLETED|None|2026-11-20T11:00:00", 3),
        # a NUL or a carriage return in a state: COPY's text format cannot carry them
        ("3|a|u|gres/gpu=1|60|COMPL\x00ETED|None|2026-11-20T11:00:00", 3),
    ],
)
@pytest.mark.parametrize("as_file", [True, False])
def test_a_line_only_the_definition_refuses_is_named_and_nothing_is_written(
    world: World, text: str, bad_line: int, as_file: bool
):
    """Lines that look well-formed to a fast path but not to parse_line: the whole file is
    refused, naming the line, whichever path met it first."""
    rows = [line(1, "a"), "4|a|u|gres/gpu=1,x,gres/gpu=2|60|COMPLETED|None|2026-11-20T11:00:00"]
    rows.insert(bad_line - 1, text)
    lines = sacct(*rows) if as_file else iter(r + "\n" for r in rows)
    with pytest.raises(UsageFileInvalid) as refused:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=lines)
    assert [n for n, _why in refused.value.lines] == [bad_line]
    assert not JobUsage.objects.exists()
    assert not UsageDay.objects.exists()


def test_a_file_that_begins_with_a_byte_order_mark_is_refused_at_its_first_line(
    world: World, tmp_path
):
    path = tmp_path / "sacct.txt"
    path.write_text("\ufeff" + line(1, "a") + "\n" + line(2, "a") + "\n", encoding="utf-8")
    with path.open(encoding="utf-8") as f, pytest.raises(UsageFileInvalid) as refused:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=f)
    assert [n for n, _why in refused.value.lines] == [1]
    assert not JobUsage.objects.exists()


def test_a_carriage_return_inside_a_line_of_a_file_is_read_as_the_checked_path_reads_it(
    world: World, tmp_path
):
    """In a file, a lone CR ends a line for Python's text reading: the broken line is named."""
    path = tmp_path / "sacct.txt"
    path.write_bytes(
        (line(1, "a") + "\n" + line(2, "a").replace("node=1", "no\rde=1") + "\n").encode()
    )
    with path.open(encoding="utf-8") as f, pytest.raises(UsageFileInvalid) as refused:
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=f)
    assert [n for n, _why in refused.value.lines] == [2, 3]
    assert not JobUsage.objects.exists()


def test_a_days_gpu_time_beyond_a_bigint_is_refused_with_a_reason(world: World):
    """Four jobs of 2**62 GPU-seconds each on one account and day: their sum cannot be stored."""
    rows = [
        f"{n}|a|u|gres/gpu=1073741824|4294967296|COMPLETED|None|2026-11-20T11:00:00"
        for n in range(1, 5)
    ]
    with pytest.raises(UsageFileInvalid, match="more than can be stored"):
        services.usage_ingest(actor=world.op, cluster=world.cluster, lines=sacct(*rows))
    assert not JobUsage.objects.exists()
    assert not UsageDay.objects.exists()


def test_a_notice_compares_exact_gpu_seconds_with_the_quota(
    world: World, django_capture_on_commit_callbacks
):
    """100 GPU-seconds of a 2-GPU-minute allocation is 83 %: the 80 % notice goes out, and the
    pages say 83 %, not the 50 % of 1 whole minute."""
    project = world.project("DE", hours=1)
    world.allocate(project, minutes=2)
    day = world.period.starts_on.isoformat()
    services.usage_ingest(
        actor=world.op,
        cluster=world.cluster,
        lines=sacct(line(1, project.code, gpus=2, seconds=50, end=f"{day}T12:00:00")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.usage_policy_apply(actor=world.op, cluster=world.cluster)
    notice = QuotaNotice.objects.get()
    assert (notice.threshold, notice.used_seconds, notice.used_minutes) == (80, 100, 1)
    assert "has used 1.6 of its 2 GPU-minutes" in mail.outbox[0].body
    [(_allocation, used)] = selectors.allocation_lines(period=world.period)
    assert (used.used, used.used_percent) == (1, 83)
