"""Finished jobs from sacct into the database in bulk, and the 80% / 100% policy.

Ingestion reads parsable sacct lines (``JobIDRaw|Account|User|AllocTRES|ElapsedRaw|State|Start|End``)
from a stream and writes all of them or none, in one transaction; ingesting the same window twice
changes nothing. Memory stays flat whatever the size: rows go to the database in chunks of ~1 MB.

Every ingest also adds the jobs and GPU-seconds of exactly the rows it inserted to UsageDay (per
cluster, account, project and UTC day), in the same transaction; the quota pages read those sums.

On PostgreSQL the fast path checks a whole chunk of ~1 MB with one multi-line match (at C speed;
a chunk with any line it does not take is gone through line by line), converts the matched fields
to rows and day sums, and streams the rows with COPY while it reads, so the database parses and
indexes one chunk while Python converts the next. When any line is not taken as it is (a malformed
line, a job twice in the file, a date like 2026-02-30 that only PostgreSQL's cast refuses), the
savepoint is rolled back and the checked path runs over the input again: `parse_line` on every
line, so the error names every bad line with its number and nothing is written; or, if every line
is good after all, a staging table and one ``INSERT ... ON CONFLICT DO NOTHING``. Other databases
(the SQLite demo) take the checked path.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import psycopg
from django.core.mail import send_mail
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from compute import permissions, selectors
from compute.backends import get_backend
from compute.errors import UsageFileInvalid
from compute.models import (
    AllocationStatus,
    Cluster,
    JobUsage,
    ProjectAllocation,
    QuotaNotice,
    UsageDay,
)
from core.actors import Actor
from core.audit import audit_record
from governance.models import ResearchProject

FIELDS = 8
_TIME = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
)
_NAME = re.compile(r"[A-Za-z0-9_.@+-]{1,64}")
_NO_TIME = ("Unknown", "None", "")
_INT_MAX = 2**31 - 1  # JobUsage.gpus is an integer column
_BIGINT_MAX = 2**63 - 1  # gpu_seconds is a bigint column
COPY_CHUNK = 1 << 20
STAGING_COLUMNS = "job_id, account, username, gpus, elapsed, state, started_at, ended_at"


@dataclass(frozen=True)
class IngestResult:
    lines: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.lines - self.inserted


def _gpus(tres: str) -> int | None:
    """The GPU count in AllocTRES (``...,gres/gpu=2,...``); 0 if none; None if malformed."""
    at = tres.find("gres/gpu=")
    if at < 0:
        return 0
    if at and tres[at - 1] != ",":
        return None
    end = tres.find(",", at)
    number = tres[at + 9 : end if end >= 0 else None]
    if not (number.isascii() and number.isdigit()) or int(number) > _INT_MAX:
        return None
    return int(number)


def _is_time(value: str) -> bool:
    """True for a real UTC time written as sacct writes it (``2026-11-20T10:00:00``)."""
    if not _TIME.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:  # 2026-02-30, 24:00:00, 23:59:60 ...
        return False
    return True


def _is_number(value: str, digits: int) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= digits


def parse_line(line: str) -> tuple[str, ...] | str:
    """One sacct line as staging columns, or the reason it is malformed."""
    parts = line.rstrip("\r\n").split("|")
    if len(parts) != FIELDS:
        return _("expected %(n)d fields separated by |, found %(found)d") % {
            "n": FIELDS,
            "found": len(parts),
        }
    job_id, account, user, tres, elapsed, state, start, end = parts
    if not _is_number(job_id, 18):
        return _("JobIDRaw %(v)r is not a job number") % {"v": job_id}
    if not _NAME.fullmatch(account):
        return _("Account %(v)r is not an account name") % {"v": account}
    if not _NAME.fullmatch(user):
        return _("User %(v)r is not a user name") % {"v": user}
    gpus = _gpus(tres)
    if gpus is None:
        return _("AllocTRES %(v)r has no readable GPU count") % {"v": tres}
    if not _is_number(elapsed, 12):
        return _("ElapsedRaw %(v)r is not a number of seconds") % {"v": elapsed}
    if gpus * int(elapsed) > _BIGINT_MAX:
        return _("%(gpus)d GPUs for %(v)s seconds is more GPU time than can be stored") % {
            "gpus": gpus,
            "v": elapsed,
        }
    if not state or "\t" in state or "\\" in state:
        return _("State %(v)r is not a job state") % {"v": state}
    if start not in _NO_TIME and not _is_time(start):
        return _("Start %(v)r is not a time") % {"v": start}
    if not _is_time(end):
        return _("End %(v)r is not a time (only finished jobs are ingested)") % {"v": end}
    started = start + "+00" if start not in _NO_TIME else "\\N"
    return (
        job_id,
        account.lower(),
        user,
        str(gpus),
        elapsed,
        state[:40],
        started,
        end + "+00",
    )


def usage_ingest(
    *, actor: Actor, cluster: Cluster, lines: Iterable[str], source: str = "sacct"
) -> IngestResult:
    """Ingest finished jobs: all lines or none; a malformed line is named with its number."""
    permissions.check_operate(actor)
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="\n") as spool,
        transaction.atomic(),
    ):
        source_lines = _Replayable(lines, spool)
        result: IngestResult | None = None
        if connection.vendor == "postgresql":
            try:
                with transaction.atomic():
                    result = _ingest_fast(cluster, source_lines.chunks())
            except (_Unfit, DataError, IntegrityError, psycopg.DataError, psycopg.IntegrityError):
                result = None  # rolled back to the savepoint; the checked path decides
        if result is None:
            result = _ingest_checked(cluster, source_lines.replay())
        audit_record(
            actor=actor,
            action="compute.usage_ingest",
            target=cluster,
            after={"source": source[:200], "lines": result.lines, "inserted": result.inserted},
        )
    return result


class _Unfit(Exception):
    """A line the fast path does not take as it is; the checked path decides."""


_CHUNK_LINES = 8192


def _joined(lines: list[str]) -> str:
    chunk = "".join(lines)
    if chunk.count("\n") != len(lines):
        raise _Unfit  # an item holding more than one line: the checked path names it
    return chunk


class _Replayable:
    """The input's lines, and the same lines again from the first for the checked path.

    A seekable text file is rewound; any other iterable is copied to `spool` as it is read.
    """

    def __init__(self, lines: Iterable[str], spool: IO[str]) -> None:
        self._lines = lines
        self._spool = spool
        self._rest: Iterator[str] | None = None  # set once chunks() has begun
        self._start: int | None = None
        if isinstance(lines, io.TextIOBase) and lines.seekable():
            try:
                self._start = lines.tell()
            except OSError:  # after next() on the file: read it as any iterable
                self._start = None

    def chunks(self) -> Iterator[str]:
        """The input as strings of ~COPY_CHUNK characters of whole lines, each ending in a newline."""
        if self._start is not None:
            assert isinstance(self._lines, io.TextIOBase)  # noqa: S101 - set in __init__
            read, readline = self._lines.read, self._lines.readline
            while chunk := read(COPY_CHUNK):
                chunk += readline()
                yield chunk if chunk.endswith("\n") else chunk + "\n"
            return
        self._rest = iter(self._lines)
        write = self._spool.write
        batch: list[str] = []
        for line in self._rest:
            line = line if line.endswith("\n") else line + "\n"
            write(line)
            batch.append(line)
            if len(batch) >= _CHUNK_LINES:
                yield _joined(batch)
                batch = []
        if batch:
            yield _joined(batch)

    def replay(self) -> Iterable[str]:
        """Every line of the input from the first, however many the fast path read."""
        if self._start is not None:
            assert isinstance(self._lines, io.TextIOBase)  # noqa: S101 - set in __init__
            self._lines.seek(self._start)
            return self._lines
        if self._rest is None:
            return self._lines
        self._spool.seek(0)
        return itertools.chain(self._spool, self._rest)


_FAST_TIME = _TIME.pattern
# The shape `parse_line` accepts, in one match; a line that does not match goes to the checked
# path (which names the fault). Only the calendar (2026-02-30) and the ranges of the integer
# columns are left to PostgreSQL's casts.
_LINE = re.compile(
    rf"([0-9]{{1,18}})\|({_NAME.pattern})\|({_NAME.pattern})\|([^|\n]*)\|([0-9]{{1,12}})"
    rf"\|([^|\t\\\r\n]+)\|(Unknown|None|{_FAST_TIME}|)\|({_FAST_TIME})\n?"
)
_DAY, _CLOCK = _FAST_TIME.split("T")
# The commonest lines in one match over a whole chunk (at C speed): a lower-case account, a state
# of at most 40 characters, AllocTRES with ``gres/gpu=N`` at its start or after a comma or with no
# GPU at all. Groups: job, account, user, GPUs, elapsed, state, start (a time or empty), end, day.
_CHUNK_LINE = re.compile(
    rf"^([0-9]{{1,18}})\|([a-z0-9_.@+-]{{1,64}})\|({_NAME.pattern})"
    rf"\|(?:(?:[^|\n]*,)?gres/gpu=([0-9]{{1,10}})(?:,[^|\n]*)?|[^|\n]*)"
    rf"\|([0-9]{{1,12}})\|([^|\t\\\r\n]{{1,40}})\|(?:Unknown|None|({_FAST_TIME})|)"
    rf"\|(({_DAY})T{_CLOCK})$",
    re.MULTILINE,
)
_GPU_KEY = "gres/gpu="
_TARGET_COLUMNS = (
    'cluster_id, job_id, account, "user", project_id, gpus, elapsed_seconds, gpu_seconds, '
    "state, started_at, ended_at, day"
)
# (account, project id or None, day) -> [jobs, GPU-seconds]: what an ingest adds to UsageDay.
DaySums = dict[tuple[str, int | None, str], list[int]]


def _rows_of_chunk(
    chunk: str,
    cluster_id: int,
    projects: dict[str, str],
    known: set[int],
    sums: dict[tuple[str, str], list[int]],
) -> tuple[list[str], int]:
    """COPY text rows of compute_jobusage for a chunk of whole lines, and its count of lines.

    Adds each row's job and GPU-seconds to `sums` by (account, day). Raises _Unfit at a line not
    taken as it is.
    """
    if "\r" in chunk:
        raise _Unfit  # a line end of another system, or a line broken in two: the checked path
    rows = _CHUNK_LINE.findall(chunk)
    # Every line matched, and no "gres/gpu=" but the GPU counts read: a count the match took from
    # a later "gres/gpu=" than the first, or a line where `_gpus` would refuse one (x=1gres/gpu=2),
    # leaves more of them in the chunk.
    if len(rows) != chunk.count("\n") or chunk.count(_GPU_KEY) != len(rows) - [
        r[3] for r in rows
    ].count(""):
        return _rows_line_by_line(chunk, cluster_id, projects, known, sums)
    out: list[str] = []
    append = out.append
    project_of = projects.get
    day_sums = sums.get
    for job, account, user, gpus, elapsed, state, start, end, day in rows:
        if known and int(job) in known:
            continue
        gpus = gpus or "0"
        seconds = int(gpus) * int(elapsed)
        key = (account, day)
        if (sum_ := day_sums(key)) is None:
            sums[key] = [1, seconds]
        else:
            sum_[0] += 1
            sum_[1] += seconds
        # Times without an offset: the session's time zone is UTC (checked by the caller).
        append(
            f"{cluster_id}\t{job}\t{account}\t{user}\t{project_of(account, '')}\t{gpus}\t"
            f"{elapsed}\t{seconds}\t{state}\t{start}\t{end}\t{day}\n"
        )
    return out, len(rows)


def _rows_line_by_line(
    chunk: str,
    cluster_id: int,
    projects: dict[str, str],
    known: set[int],
    sums: dict[tuple[str, str], list[int]],
) -> tuple[list[str], int]:
    """As `_rows_of_chunk`, one line at a time (blank lines, upper-case accounts, ...)."""
    match = _LINE.fullmatch
    out: list[str] = []
    count = 0
    taken: dict[tuple[str, str], list[int]] = {}
    for line in chunk.split("\n")[:-1]:
        m = match(line)
        if m is None:
            if not line.strip():
                continue  # as the checked path does
            raise _Unfit
        job, account, user, tres, elapsed, state, start, end = m.groups()
        gpus = _gpus(tres)
        if gpus is None:
            raise _Unfit
        count += 1
        if known and int(job) in known:
            continue
        account = account.lower()
        seconds = gpus * int(elapsed)
        sum_ = taken.setdefault((account, end[:10]), [0, 0])
        sum_[0] += 1
        sum_[1] += seconds
        out.append(
            f"{cluster_id}\t{job}\t{account}\t{user}\t{projects.get(account, '')}\t{gpus}\t"
            f"{elapsed}\t{seconds}\t{state[:40]}\t{start if start not in _NO_TIME else ''}\t"
            f"{end}\t{end[:10]}\n"
        )
    for key, (jobs, seconds) in taken.items():
        sum_ = sums.setdefault(key, [0, 0])
        sum_[0] += jobs
        sum_[1] += seconds
    return out, count


# How many stored job ids the fast path may hold in memory (~60 bytes each) to leave them out.
KNOWN_LIMIT = 1_500_000
_JOB_AT_LINE_START = re.compile(r"^([0-9]{1,18})\|", re.MULTILINE)


def _known_jobs(cluster: Cluster, head: str) -> set[int]:
    """Stored job ids of the cluster from the lowest id among the first lines on."""
    ids = [int(n) for n in _JOB_AT_LINE_START.findall(head)]
    known: set[int] = set()
    if not ids:
        return known
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT FROM compute_jobusage WHERE cluster_id = %s "
            "AND job_id >= %s LIMIT %s) k",
            [cluster.pk, min(ids), KNOWN_LIMIT + 1],
        )
        if cursor.fetchone()[0] > KNOWN_LIMIT:
            raise _Unfit  # a window reaching far back: the checked path's ON CONFLICT
        with cursor.cursor.copy(
            "COPY (SELECT job_id FROM compute_jobusage WHERE cluster_id = %s AND job_id >= %s) "
            "TO STDOUT",
            [cluster.pk, min(ids)],
        ) as copy:
            for block in copy:
                known.update(map(int, bytes(block).split()))
    return known


class _QueuedWriter(QueuedLibpqWriter):
    """psycopg's writer thread with at most ~4 MB queued (its own queue holds up to 128 MB)."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        super().__init__(cursor)
        self._queue = type(self._queue)(maxsize=32)  # of 128 KB blocks: psycopg splits writes


def _ingest_fast(cluster: Cluster, chunks: Iterable[str]) -> IngestResult:
    """Convert the lines in Python while PostgreSQL COPYs them into compute_jobusage.

    Jobs already stored (from the lowest job id among the first lines on) are left out, so the
    COPY goes straight into the table, and the day sums of exactly the rows written are added to
    UsageDay. A job twice in the file, or stored meanwhile by a concurrent ingest, fails the
    primary key; that and any line not taken here raise, and the checked path decides.
    """
    if connection.timezone_name != "UTC":
        raise _Unfit  # the rows carry UTC times without an offset
    projects = {code: str(pk) for code, pk in ResearchProject.objects.values_list("code", "id")}
    rest = iter(chunks)
    head = next(rest, "")
    known = _known_jobs(cluster, head)
    sums: dict[tuple[str, str], list[int]] = {}
    lines = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3's own cursor, for copy()
        # Sent from a thread, so Python converts the next chunk while a blocked send waits for
        # PostgreSQL to take the last one.
        with raw.copy(
            f"COPY compute_jobusage ({_TARGET_COLUMNS}) FROM STDIN WITH (FORMAT text, NULL '')",
            writer=_QueuedWriter(raw),
        ) as copy:
            for chunk in itertools.chain((head,), rest):
                rows, count = _rows_of_chunk(chunk, cluster.pk, projects, known, sums)
                lines += count
                if rows:
                    copy.write("".join(rows))
        inserted = max(raw.rowcount, 0)
    ids = {code: int(pk) for code, pk in projects.items()}
    _usage_days_add(
        cluster,
        {(account, ids.get(account), day): sum_ for (account, day), sum_ in sums.items()},
    )
    return IngestResult(lines=lines, inserted=inserted)


def _usage_days_add(cluster: Cluster, sums: DaySums) -> None:
    """Add jobs and GPU-seconds to the cluster's UsageDay rows, in key order (no deadlock)."""
    if not sums:
        return
    keys = sorted(sums, key=lambda k: (k[0], k[1] or 0, k[2]))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO compute_usageday (cluster_id, account, project_id, day, jobs, "
                "gpu_seconds) SELECT %s, a, p, d, j, s FROM unnest(%s::text[], %s::bigint[], "
                "%s::date[], %s::bigint[], %s::bigint[]) WITH ORDINALITY AS t(a, p, d, j, s, n) "
                "ORDER BY n "
                "ON CONFLICT (cluster_id, account, (coalesce(project_id, 0)), day) DO UPDATE SET "
                "jobs = compute_usageday.jobs + excluded.jobs, "
                "gpu_seconds = compute_usageday.gpu_seconds + excluded.gpu_seconds",
                [
                    cluster.pk,
                    [k[0] for k in keys],
                    [k[1] for k in keys],
                    [k[2] for k in keys],
                    [sums[k][0] for k in keys],
                    [sums[k][1] for k in keys],
                ],
            )
        return
    for account, project_id, day in keys:
        jobs, seconds = sums[(account, project_id, day)]
        updated = UsageDay.objects.filter(
            cluster=cluster, account=account, project_id=project_id, day=day
        ).update(jobs=F("jobs") + jobs, gpu_seconds=F("gpu_seconds") + seconds)
        if not updated:
            UsageDay.objects.create(
                cluster=cluster,
                account=account,
                project_id=project_id,
                day=dt.date.fromisoformat(day),
                jobs=jobs,
                gpu_seconds=seconds,
            )


def _validate(lines: Iterable[str], out: IO[str]) -> tuple[int, list[tuple[int, str]]]:
    """Write valid rows tab-separated to `out`; return the row count and every bad line."""
    count = 0
    bad: list[tuple[int, str]] = []
    write = out.write
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = parse_line(line)
        if isinstance(row, str):
            bad.append((number, row))
            continue
        count += 1
        if not bad:
            write("\t".join(row) + "\n")
    return count, bad


def _ingest_checked(cluster: Cluster, lines: Iterable[str]) -> IngestResult:
    """Check every line in Python first; raise naming every bad line, or write them all."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as rows:
        count, bad = _validate(lines, rows)
        if bad:
            listed = ", ".join(str(n) for n, _why in bad[:50])
            more = "" if len(bad) <= 50 else _(" and %(n)d more") % {"n": len(bad) - 50}
            first_line, first_why = bad[0]
            raise UsageFileInvalid(
                _(
                    "%(n)d malformed line(s), nothing was ingested: lines %(lines)s%(more)s. "
                    "Line %(first)d: %(why)s."
                )
                % {
                    "n": len(bad),
                    "lines": listed,
                    "more": more,
                    "first": first_line,
                    "why": first_why,
                },
                lines=bad,
            )
        rows.seek(0)
        if connection.vendor == "postgresql":
            inserted = _copy_postgresql(cluster, rows)
        else:
            inserted = _insert_portable(cluster, rows)
    return IngestResult(lines=count, inserted=inserted)


def _copy_postgresql(cluster: Cluster, rows: IO[str]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE compute_usage_staging (job_id bigint, account text, "
            "username text, gpus integer, elapsed bigint, state text, started_at timestamptz, "
            "ended_at timestamptz) ON COMMIT DROP"
        )
        raw = cursor.cursor  # psycopg 3's own cursor, for copy()
        with raw.copy(f"COPY compute_usage_staging ({STAGING_COLUMNS}) FROM STDIN") as copy:
            while chunk := rows.read(COPY_CHUNK):
                copy.write(chunk)
        # The rows actually inserted (not those ON CONFLICT left out) are summed into UsageDay in
        # the same statement, in key order.
        cursor.execute(
            "WITH inserted AS ("
            'INSERT INTO compute_jobusage (cluster_id, job_id, account, "user", project_id, '
            "gpus, elapsed_seconds, gpu_seconds, state, started_at, ended_at, day) "
            "SELECT %s, s.job_id, s.account, s.username, p.id, s.gpus, s.elapsed, "
            "s.gpus * s.elapsed, s.state, s.started_at, s.ended_at, "
            "(s.ended_at AT TIME ZONE 'UTC')::date "
            "FROM compute_usage_staging s "
            "LEFT JOIN governance_researchproject p ON p.code = s.account "
            "ON CONFLICT (cluster_id, job_id) DO NOTHING "
            "RETURNING account, project_id, day, gpu_seconds"
            "), days AS ("
            "INSERT INTO compute_usageday (cluster_id, account, project_id, day, jobs, "
            "gpu_seconds) SELECT %s, account, project_id, day, count(*), sum(gpu_seconds) "
            "FROM inserted GROUP BY account, project_id, day "
            'ORDER BY account COLLATE "C", coalesce(project_id, 0), day '
            "ON CONFLICT (cluster_id, account, (coalesce(project_id, 0)), day) DO UPDATE SET "
            "jobs = compute_usageday.jobs + excluded.jobs, "
            "gpu_seconds = compute_usageday.gpu_seconds + excluded.gpu_seconds"
            ") SELECT count(*) FROM inserted",
            [cluster.pk, cluster.pk],
        )
        inserted = cursor.fetchone()[0]
        cursor.execute("DROP TABLE compute_usage_staging")
    return int(inserted)


def _insert_portable(cluster: Cluster, rows: IO[str]) -> int:
    """SQLite (the local demo): the same rows with bulk_create, in the caller's transaction.

    Jobs already stored, or earlier in the file, are left out first, so the day sums count
    exactly the rows inserted.
    """
    projects = dict(ResearchProject.objects.values_list("code", "id"))
    inserted = 0
    seen: set[int] = set()
    sums: DaySums = {}

    def when(value: str) -> dt.datetime | None:
        return None if value == "\\N" else dt.datetime.fromisoformat(value + ":00")

    def flush(batch: list[JobUsage]) -> int:
        stored = set(
            JobUsage.objects.filter(
                cluster=cluster, job_id__in=[j.job_id for j in batch]
            ).values_list("job_id", flat=True)
        )
        new = [j for j in batch if j.job_id not in stored]
        JobUsage.objects.bulk_create(new, ignore_conflicts=True)
        for job in new:
            sum_ = sums.setdefault((job.account, job.project_id, job.day.isoformat()), [0, 0])
            sum_[0] += 1
            sum_[1] += job.gpu_seconds
        return len(new)

    batch: list[JobUsage] = []
    for line in rows:
        job_id, account, user, gpus, elapsed, state, start, end = line.rstrip("\n").split("\t")
        if int(job_id) in seen:
            continue  # the first line of a job counts, as ON CONFLICT DO NOTHING keeps it
        seen.add(int(job_id))
        ended = when(end)
        assert ended is not None  # noqa: S101 - validated: finished jobs have an end
        batch.append(
            JobUsage(
                cluster=cluster,
                job_id=int(job_id),
                account=account,
                user=user,
                project_id=projects.get(account),
                gpus=int(gpus),
                elapsed_seconds=int(elapsed),
                gpu_seconds=int(gpus) * int(elapsed),
                state=state,
                started_at=when(start),
                ended_at=ended,
                day=ended.astimezone(dt.UTC).date(),
            )
        )
        if len(batch) >= 5000:
            inserted += flush(batch)
            batch = []
    inserted += flush(batch)
    _usage_days_add(cluster, sums)
    return inserted


def usage_ingest_window(
    *, actor: Actor, cluster: Cluster, start: dt.datetime, end: dt.datetime
) -> IngestResult:
    """Ingest the jobs that finished in [start, end), streamed from the backend's sacct."""
    backend = get_backend()
    return usage_ingest(
        actor=actor,
        cluster=cluster,
        lines=backend.finished_jobs(cluster.name, start, end),
        source=f"sacct {start.isoformat()} – {end.isoformat()} ({backend.name})",
    )


def allocation_used_minutes(allocation: ProjectAllocation) -> int:
    period = allocation.period
    seconds = UsageDay.objects.filter(
        project_id=allocation.project_id,
        cluster_id=period.cluster_id,
        day__gte=period.starts_on,
        day__lt=period.ends_on,
    ).aggregate(s=Sum("gpu_seconds"))["s"]
    return int(seconds or 0) // 60


def usage_policy_apply(*, actor: Actor, cluster: Cluster) -> list[QuotaNotice]:
    """Tell leads at 80% and 100% of their allocation (once each); freeze at 100% if the
    period says so."""
    permissions.check_operate(actor)
    period = selectors.period_current(cluster=cluster)
    if period is None:
        return []
    sent = []
    for allocation in ProjectAllocation.objects.filter(
        period=period, status=AllocationStatus.ACTIVE
    ).select_related("project", "project__lead", "period"):
        used = allocation_used_minutes(allocation)
        for threshold in (QuotaNotice.Threshold.EIGHTY, QuotaNotice.Threshold.FULL):
            if used * 100 < threshold * allocation.minutes:
                continue
            notice = _notice(actor, allocation, int(threshold), used)
            if notice is not None:
                sent.append(notice)
    return sent


@transaction.atomic
def _notice(
    actor: Actor, allocation: ProjectAllocation, threshold: int, used: int
) -> QuotaNotice | None:
    ProjectAllocation.objects.select_for_update().get(pk=allocation.pk)
    if QuotaNotice.objects.filter(allocation=allocation, threshold=threshold).exists():
        return None
    freeze = threshold == 100 and allocation.period.freeze_at_full
    notice = QuotaNotice.objects.create(
        allocation=allocation, threshold=threshold, used_minutes=used, froze=freeze
    )
    audit_record(
        actor=actor,
        action="compute.quota_notice",
        target=allocation,
        after={"threshold": threshold, "used_minutes": used, "freeze": freeze},
    )
    if freeze and selectors.freeze_in_force(allocation.project) is None:
        from compute.services.projects import project_compute_freeze

        project_compute_freeze(
            actor=actor,
            project=allocation.project,
            reason=_("Allocation used up: %(used)s of %(minutes)s GPU-minutes in %(period)s.")
            % {
                "used": f"{used:,}",
                "minutes": f"{allocation.minutes:,}",
                "period": allocation.period.name,
            },
        )
    lead = allocation.project.lead
    if lead.email:
        with translation.override(lead.preferred_language):
            subject = _("%(code)s has used %(pct)d%% of its GPU allocation") % {
                "code": allocation.project.code,
                "pct": threshold,
            }
            body = _(
                "Project %(code)s has used %(used)s of its %(minutes)s GPU-minutes in "
                "%(period)s.%(frozen)s"
            ) % {
                "code": allocation.project.code,
                "used": f"{used:,}",
                "minutes": f"{allocation.minutes:,}",
                "period": allocation.period.name,
                "frozen": _(" Its jobs are frozen until an operator lifts the freeze.")
                if freeze
                else "",
            }
        transaction.on_commit(
            lambda: send_mail(subject, body, None, [lead.email], fail_silently=True)
        )
    return notice
