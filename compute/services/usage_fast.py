"""The ingest's fast path on PostgreSQL: lines checked and converted while COPY streams them.

Each ~1 MB chunk of whole lines is checked and converted column by column by
`compute.sacct_columns` (Apache Arrow); a chunk it cannot decide alone is gone through line by line
here; a line neither takes as it is raises `Unfit`, and the caller's checked path decides (and
names every bad line). The caller holds the cluster's ingest lock, so the jobs stored when the
ingest starts are all there will be until it commits: they are read once (from the lowest job id
among the first lines on) and left out before COPY, and the rows go straight into
compute_jobusage. A job below that id, or twice in the input, raises Unfit: the caller's savepoint
rolls the whole attempt back and the checked path looks the jobs up in SQL.
"""

from __future__ import annotations

import bisect
import codecs
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import psycopg
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from compute.models import Cluster
from compute.sacct import BIGINT_MAX, NAME, NO_TIME, TIME, gpu_count, is_time

COPY_CHUNK = 1 << 20
# How an INSERT INTO compute_usageday adds to the sums already there (both PostgreSQL paths).
USAGE_DAY_ADD = (
    "ON CONFLICT (cluster_id, account, (coalesce(project_id, 0)), day) DO UPDATE SET "
    "jobs = compute_usageday.jobs + excluded.jobs, "
    "gpu_seconds = compute_usageday.gpu_seconds + excluded.gpu_seconds"
)
# (account, day) -> [jobs, GPU-seconds]
Sums = dict[tuple[str, str], list[int]]


class Unfit(Exception):
    """A line the fast path does not take as it is; the checked path decides."""


_CHUNK_LINES = 8192


def _joined(lines: list[str]) -> str:
    chunk = "".join(lines)
    if chunk.count("\n") != len(lines):
        raise Unfit  # an item holding more than one line: the checked path names it
    return chunk


class Replayable:
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

    def chunks(self) -> Iterator[str | bytes]:
        """The input in ~COPY_CHUNK pieces of whole lines, each ending in a newline: bytes
        (UTF-8) straight from a file's buffer when the file is UTF-8, else strings."""
        if self._start is not None:
            assert isinstance(self._lines, io.TextIOBase)  # noqa: S101 - set in __init__
            source: Any = self._lines
            if (
                isinstance(source, io.TextIOWrapper)
                and codecs.lookup(source.encoding).name == "utf-8"
            ):
                source.seek(self._start)  # drops what the wrapper read ahead
                source = source.buffer  # no decoding here, no encoding again for Arrow
            read, readline = source.read, source.readline
            while chunk := read(COPY_CHUNK):
                chunk += readline()
                end = b"\n" if isinstance(chunk, bytes) else "\n"
                yield chunk if chunk.endswith(end) else chunk + end
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


# The shape `parse_line` accepts, in one match; a line that does not match raises Unfit: the checked
# path names the fault. The GPU count, the GPU time and the start's calendar are checked after the
# match; only End's calendar (2026-02-30) is left to PostgreSQL's cast.
_LINE = re.compile(
    rf"([0-9]{{1,18}})\|({NAME.pattern})\|({NAME.pattern})\|([^|\n]*)\|([0-9]{{1,12}})"
    rf"\|([^|\t\\\r\n\x00]+)\|(Unknown|None|{TIME.pattern}|)\|({TIME.pattern})\n?"
)


def _rows_line_by_line(
    chunk: str | bytes,
    cluster_id: int,
    known: _Known,
    sums: Sums,
    jobs: list[int],
    skipped: list[tuple[int, int, int]],
) -> tuple[list[str], int]:
    """As `compute.sacct_columns.chunk_rows`, one line at a time, in Python: blank lines, a state
    cut to 40 characters, two GPU counts in one AllocTRES ... Adds the rows' day sums to `sums`,
    their job ids to `jobs` and (job, GPUs, elapsed) of the lines left out as stored to
    `skipped`; returns the rows and the count of job lines."""
    if isinstance(chunk, bytes):
        try:
            chunk = chunk.decode()
        except UnicodeDecodeError as exc:
            raise Unfit from exc
    if "\r" in chunk:
        raise Unfit  # read as text, the checked path ends a line there
    ids = [int(n) for n in _JOB_AT_LINE_START.findall(chunk)]
    stored = set(known.between(min(ids), max(ids)).to_pylist()) if ids else set()
    match = _LINE.fullmatch
    out: list[str] = []
    count = 0
    taken: Sums = {}
    for line in chunk.split("\n")[:-1]:
        m = match(line)
        if m is None:
            if not line.strip():
                continue  # as the checked path does
            raise Unfit
        job, account, user, tres, elapsed, state, start, end = m.groups()
        gpus = gpu_count(tres)
        if gpus is None or (start not in NO_TIME and (not is_time(start) or start > end)):
            raise Unfit
        seconds = gpus * int(elapsed)
        if seconds > BIGINT_MAX:
            raise Unfit
        count += 1
        if int(job) in stored:
            skipped.append((int(job), gpus, int(elapsed)))
            continue
        jobs.append(int(job))
        account = account.lower()
        sum_ = taken.setdefault((account, end[:10]), [0, 0])
        sum_[0] += 1
        sum_[1] += seconds
        out.append(
            f"{cluster_id}\t{job}\t{account}\t{user}\t{gpus}\t{elapsed}\t{state[:40]}\t{end}\n"
        )
    for key, (n, seconds) in taken.items():
        sum_ = sums.setdefault(key, [0, 0])
        sum_[0] += n
        sum_[1] += seconds
    return out, count


# How many stored job ids the fast path may hold in memory (8 bytes each) to leave them out.
KNOWN_LIMIT = 1_500_000
_JOB_AT_LINE_START = re.compile(r"^([0-9]{1,18})\|", re.MULTILINE)


@dataclass
class _Known:
    """The cluster's stored job ids from `floor` on, ascending (a pyarrow Array of int64).

    Below `floor` nothing is known: a job there raises Unfit, and the checked path looks it up.
    """

    ids: Any
    floor: int

    def between(self, low: int, high: int) -> Any:
        """The stored ids from `low` to `high`: a chunk's jobs are looked up among these alone
        (Arrow would otherwise hash every stored id again for every chunk)."""
        if low < self.floor:
            raise Unfit
        ids = self.ids
        start = bisect.bisect_left(range(len(ids)), low, key=lambda i: ids[i].as_py())
        end = bisect.bisect_right(range(len(ids)), high, key=lambda i: ids[i].as_py(), lo=start)
        return ids[start:end]


def _known_jobs(cluster: Cluster, head: str | bytes) -> _Known:
    """The cluster's stored job ids from the lowest id among the first lines on (from the
    first job on if none is stored below that)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if isinstance(head, bytes):
        head = head.decode(errors="replace")
    ids = [int(n) for n in _JOB_AT_LINE_START.findall(head)]
    floor = min(ids, default=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM compute_jobusage WHERE cluster_id = %s AND job_id < %s)",
            [cluster.pk, floor],
        )
        if not cursor.fetchone()[0]:
            floor = -1  # nothing stored below: every job id of the input is covered
        # One read, at most KNOWN_LIMIT + 1 ids, into one growing buffer: libpq hands over one row
        # at a time, and a million small bytes objects would take ~100 MB.
        text = bytearray()
        with cursor.cursor.copy(
            "COPY (SELECT job_id FROM compute_jobusage WHERE cluster_id = %s AND job_id >= %s "
            "LIMIT %s) TO STDOUT",
            [cluster.pk, floor, KNOWN_LIMIT + 1],
        ) as copy:
            for block in copy:
                text += block
    if not text:
        return _Known(pa.array([], pa.int64()), floor)
    stored = pcsv.read_csv(
        pa.BufferReader(pa.py_buffer(text)),
        read_options=pcsv.ReadOptions(column_names=["job"]),
        convert_options=pcsv.ConvertOptions(column_types={"job": pa.int64()}),
    )["job"].combine_chunks()
    del text
    if len(stored) > KNOWN_LIMIT:
        raise Unfit  # a window reaching far back: the checked path's anti-join
    return _Known(pc.take(stored, pc.array_sort_indices(stored)), floor)


def _has_repeats(jobs: Any) -> bool:
    """Whether a job id occurs twice among `jobs` (sorted and compared with the next: a hash
    table of a million ids, as Arrow's count_distinct builds, takes ~150 MB)."""
    import pyarrow.compute as pc

    if len(jobs) < 2:
        return False
    ordered = pc.take(jobs, pc.array_sort_indices(jobs))
    return bool(pc.any(pc.equal(ordered[1:], ordered[:-1])).as_py())


class _QueuedWriter(QueuedLibpqWriter):
    """psycopg's writer thread with at most ~4 MB queued (its own queue holds up to 128 MB)."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        super().__init__(cursor)
        self._queue = type(self._queue)(maxsize=32)  # of 128 KB blocks: psycopg splits writes


@dataclass(frozen=True)
class FastResult:
    lines: int
    inserted: int


def ingest_fast(cluster: Cluster, chunks: Iterable[str | bytes]) -> FastResult:
    """COPY the chunks' rows into compute_jobusage while the next chunk is converted, and add
    exactly the rows written to UsageDay.

    The caller holds the cluster's ingest lock. Jobs already stored are left out, so the COPY
    goes straight into the table. Raises Unfit (or the database's error) for anything the checked
    path must decide, a job twice in the input included; the caller rolls back to its savepoint.
    """
    import pyarrow as pa

    from compute import sacct_columns as columnar  # Arrow is loaded by the ingest only

    if connection.timezone_name != "UTC":
        raise Unfit  # the rows carry UTC times without an offset
    rest = iter(chunks)
    head = next(rest, b"")
    known = _known_jobs(cluster, head)
    parts = []  # the day sums of the Arrow chunks
    written = []  # the job ids written, per chunk
    sums: Sums = {}  # the day sums of the line-by-line chunks
    by_line: list[int] = []  # and their job ids
    skipped = []  # (job, GPUs, elapsed) of the lines left out as stored, per Arrow chunk
    skipped_by_line: list[tuple[int, int, int]] = []  # and of the line-by-line chunks
    lines = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3's own cursor, for copy()
        # Sent from a thread, so the next chunk is converted (Arrow lets go of the GIL) while a
        # blocked send waits for PostgreSQL to take the last one.
        with raw.copy(
            f"COPY compute_jobusage ({columnar.TARGET_COLUMNS}) FROM STDIN "
            "WITH (FORMAT text, NULL '')",
            writer=_QueuedWriter(raw),
        ) as copy:
            for chunk in itertools.chain((head,), rest):
                try:
                    converted = columnar.chunk_rows(chunk, cluster.pk, known.between)
                except columnar.NotColumnar:
                    rows, count = _rows_line_by_line(
                        chunk, cluster.pk, known, sums, by_line, skipped_by_line
                    )
                    lines += count
                    if rows:
                        copy.write("".join(rows))
                    continue
                lines += converted.lines
                parts.append(converted.sums)
                written.append(converted.jobs)
                if len(converted.skipped):
                    skipped.append(converted.skipped)
                if converted.payload:
                    copy.write(converted.payload)
        inserted = max(raw.rowcount, 0)
        written.append(pa.array(by_line, pa.int64()))
        if _has_repeats(pa.concat_arrays(written)):
            raise Unfit  # a job twice in the input: the checked path keeps its first line
        if skipped_by_line:
            job, gpus, elapsed = zip(*skipped_by_line, strict=True)
            columns = {"job": job, "gpus": gpus, "elapsed": elapsed}
            skipped.append(pa.table({k: pa.array(v, pa.int64()) for k, v in columns.items()}))
        if skipped and _stored_otherwise(cursor, cluster, pa.concat_tables(skipped)):
            raise Unfit  # a stored job given with other figures: the checked path names it
        parts.append(columnar.sums_table(sums))
        try:
            text = columnar.sums_text(parts)
        except pa.ArrowInvalid as exc:  # a day's GPU-seconds beyond a bigint
            raise Unfit from exc
        _usage_days_copy(cursor, cluster, text)
    return FastResult(lines=lines, inserted=inserted)


def _stored_otherwise(cursor: Any, cluster: Cluster, skipped: Any) -> bool:
    """Whether any job left out as stored (a table of job, gpus, elapsed) is stored with other
    figures: one COPY into a temporary table and one join, within the stored ids' range (which
    the BRIN index finds)."""
    import pyarrow.compute as pc

    from compute.sacct_columns import text_rows

    cursor.execute(
        "CREATE TEMP TABLE compute_usage_skipped (job_id bigint, gpus bigint, elapsed bigint) "
        "ON COMMIT DROP"
    )
    with cursor.cursor.copy("COPY compute_usage_skipped FROM STDIN") as copy:
        copy.write(text_rows([skipped[name] for name in ("job", "gpus", "elapsed")]))
    bounds = pc.min_max(skipped["job"])
    # Counted, not EXISTS: a semi-join planned for its first row is a nested loop over the BRIN
    # index, one bitmap scan per skipped job (minutes for 300,000); analysed, so it is hashed.
    cursor.execute("ANALYZE compute_usage_skipped")
    cursor.execute(
        "SELECT count(*) FROM compute_usage_skipped s JOIN compute_jobusage j "
        "ON j.cluster_id = %s AND j.job_id = s.job_id "
        "AND j.job_id BETWEEN %s AND %s "
        "WHERE j.gpus <> s.gpus OR j.elapsed_seconds <> s.elapsed",
        [cluster.pk, bounds["min"].as_py(), bounds["max"].as_py()],
    )
    (otherwise,) = cursor.fetchone()
    cursor.execute("DROP TABLE compute_usage_skipped")
    return bool(otherwise)


def _usage_days_copy(cursor: Any, cluster: Cluster, text: bytes) -> None:
    """Add day sums (COPY text rows: account, day, jobs, GPU-seconds) to the cluster's UsageDay
    rows, each under the project whose code is the account (if any), in key order."""
    if not text:
        return
    cursor.execute(
        "CREATE TEMP TABLE compute_usage_days_staging (account text, day date, jobs bigint, "
        "gpu_seconds bigint) ON COMMIT DROP"
    )
    with cursor.cursor.copy("COPY compute_usage_days_staging FROM STDIN") as copy:
        copy.write(text)
    cursor.execute(
        "INSERT INTO compute_usageday (cluster_id, account, project_id, day, jobs, gpu_seconds) "  # noqa: S608 - a constant clause
        "SELECT %s, s.account, p.id, s.day, s.jobs, s.gpu_seconds "
        "FROM compute_usage_days_staging s "
        "LEFT JOIN governance_researchproject p ON p.code = s.account "
        'ORDER BY s.account COLLATE "C", coalesce(p.id, 0), s.day '
        f"{USAGE_DAY_ADD}",
        [cluster.pk],
    )
    cursor.execute("DROP TABLE compute_usage_days_staging")
