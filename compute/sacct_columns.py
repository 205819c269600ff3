"""A chunk of sacct lines checked and converted column by column, at C++ speed (Apache Arrow).

Pure code: no database. `chunk_rows` reads ~1 MB of whole lines into eight string columns,
checks each column with one RE2 match over all of its values, converts them with Arrow's compute
kernels, and joins the COPY text rows of compute_jobusage. Columns with few distinct values
(AllocTRES, state, account, user) are checked once per distinct value. The Python interpreter
makes a few dozen calls per chunk instead of several per line, which is what made the ingest
slow: Python's own regex engine and string formatting cost ~4.5 s of CPU per million lines; this
costs ~1.1 s.

It takes exactly the lines `compute.sacct.parse_line` takes, and gives the same rows; whatever it
cannot decide alone (a field count other than 8, two GPU counts in one AllocTRES, a state of more
than 40 characters, an overflow) raises `NotColumnar` and that chunk goes line by
line. Only End's calendar (2026-02-30) is left to PostgreSQL's cast (Start is not stored, so it is
checked here, once per distinct day).
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

# Arrow's C library's allocator, not its bundled mimalloc, which keeps freed chunk buffers for
# reuse: ~45 MB more peak memory for a million lines and no faster (bench/compute_ingest.py).
# Arrow's C++ parts read this once, at their first allocation; the ingest is the first user.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from compute.sacct import INT_MAX, NAME, TIME

pa.set_memory_pool(pa.system_memory_pool())  # in case Arrow was loaded before

COLUMNS = ("job", "account", "user", "tres", "elapsed", "state", "start", "end")
_READ = pcsv.ReadOptions(column_names=list(COLUMNS), block_size=1 << 22, use_threads=False)
_PARSE = pcsv.ParseOptions(
    delimiter="|",
    quote_char=False,
    double_quote=False,
    escape_char=False,
    newlines_in_values=False,
    ignore_empty_lines=True,
)
_CONVERT = pcsv.ConvertOptions(
    column_types={name: pa.string() for name in COLUMNS},
    strings_can_be_null=False,
    quoted_strings_can_be_null=False,
)

# Each column's whole shape, as `parse_line` checks it.
_SHAPES = {
    "account": rf"^{NAME.pattern}$",
    "user": rf"^{NAME.pattern}$",
    "state": r"^[^\t\\\x00]+$",
    "start": rf"^(?:Unknown|None|{TIME.pattern})?$",
    "end": rf"^{TIME.pattern}$",
}
_REPEATING = ("account", "user", "tres", "state")
_EXACT = pa.decimal128(38, 0)
# And the numbers' (JobIDRaw, ElapsedRaw): how many digits at most.
_NUMBERS = {"job": 18, "elapsed": 12}
# `gpu_count`: the first "gres/gpu=" at the start of AllocTRES or after a comma, its digits up to
# the next comma. With at most one such mark per line (checked), the match finds the same count.
_GPU_MARK = "gres/gpu="
_ONE_GPU = r"(?:^|,)gres/gpu=(?P<gpus>[0-9]{1,10})(?:,|$)"
STATE_LENGTH = 40

# The columns of the rows written, in the order of `TARGET_COLUMNS`.
TARGET_COLUMNS = 'cluster_id, job_id, account, "user", gpus, elapsed_seconds, state, ended_at'


_NO_SKIPPED = pa.table({name: pa.array([], pa.int64()) for name in ("job", "gpus", "elapsed")})
_NO_SUMS = pa.table(
    {
        "account": pa.array([], pa.string()),
        "day": pa.array([], pa.string()),
        "job_count": pa.array([], pa.int64()),
        "seconds_sum": pa.array([], pa.int64()),
    }
)


class NotColumnar(Exception):
    """The chunk holds a line this path does not decide alone; it goes line by line."""


@dataclass(frozen=True)
class ChunkRows:
    payload: bytes  # COPY text rows of compute_jobusage, jobs already stored left out
    lines: int  # the chunk's job lines, stored ones included
    jobs: pa.Array  # the job ids written
    sums: pa.Table  # account, day, job_count, seconds_sum: what the written rows add to UsageDay
    # job, gpus, elapsed of the lines left out as already stored (int64 columns), for the
    # caller to compare with the stored figures: other figures are a conflict, not a duplicate
    skipped: pa.Table


def _digits(column: pa.Array, most: int) -> bool:
    """Every value 1 to `most` ASCII digits (one cheap pass each, no regex)."""
    if not len(column):
        return True
    return bool(
        pc.all(pc.ascii_is_decimal(column)).as_py()
        and pc.max(pc.binary_length(column)).as_py() <= most
    )


def _real_days(times: pa.Array) -> bool:
    """Whether every date of the times given (the shape already checked) is in the calendar:
    checked once per distinct day."""
    times = pc.filter(times, pc.equal(pc.utf8_length(times), 19))
    for day in pc.unique(pc.utf8_slice_codeunits(times, 0, 10)).to_pylist():
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            return False
    return True


def _every(column: pa.Array, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(column, pattern)).as_py() is not False)


def _text_of(strings: pa.Array) -> memoryview:
    """The characters of a string array's values end to end, without copying them."""
    if not len(strings):
        return memoryview(b"")
    _validity, offsets, values = strings.buffers()
    first, last = memoryview(offsets).cast("i")[strings.offset :: len(strings)][:2]
    return memoryview(values)[first:last]


def chunk_rows(
    chunk: str | bytes,
    cluster_id: int,
    known: Callable[[int, int], pa.Array],
) -> ChunkRows:
    """The COPY rows of a chunk of whole lines, leaving out the jobs already stored.

    `known(low, high)` gives the stored job ids from `low` to `high` (or raises, when it cannot
    know them all).
    """
    try:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
    except UnicodeEncodeError as exc:  # a lone surrogate
        raise NotColumnar from exc
    if b"\r" in data:
        raise NotColumnar  # Arrow would end a line there; parse_line would not
    if data.startswith(codecs.BOM_UTF8):
        raise NotColumnar  # Arrow would drop it; parse_line refuses a job id that begins with it
    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=_READ,
            parse_options=_PARSE,
            convert_options=_CONVERT,
        )
    except pa.ArrowInvalid as exc:  # a field count other than 8, text not UTF-8, ...
        raise NotColumnar from exc
    if not len(table):
        return ChunkRows(b"", 0, pa.array([], pa.int64()), _NO_SUMS, _NO_SKIPPED)
    # Columns with few distinct values (a cluster has a few AllocTRES shapes, states, accounts
    # and users) are checked and read once per distinct value, not once per line.
    distinct = {name: pc.dictionary_encode(table[name].combine_chunks()) for name in _REPEATING}
    for name, shape in _SHAPES.items():
        values = distinct[name].dictionary if name in distinct else table[name]
        if not _every(values, shape):
            raise NotColumnar
    if not all(_digits(table[name], most) for name, most in _NUMBERS.items()):
        raise NotColumnar
    if not _real_days(table["start"]):
        raise NotColumnar  # a start like 2026-02-30: the line path names it (End is cast)
    # A start after the end (compared as text: both are written alike; "Unknown" and "None" sort
    # after every time, hence the "A" bound): the line path names it.
    start = table["start"]
    if pc.any(pc.and_(pc.greater(start, table["end"]), pc.less(start, "A"))).as_py():
        raise NotColumnar
    state = table["state"]
    if pc.max(pc.utf8_length(distinct["state"].dictionary)).as_py() > STATE_LENGTH:
        raise NotColumnar  # parse_line keeps the first 40 characters; so does the line path

    tres = distinct["tres"].dictionary
    marks = pc.count_substring(tres, _GPU_MARK)
    found = pc.struct_field(pc.extract_regex(tres, _ONE_GPU), [0])
    if pc.max(marks).as_py() > 1 or pc.sum(pc.is_valid(found)).as_py() != pc.sum(marks).as_py():
        raise NotColumnar  # two marks, or one that gpu_count refuses: the line path decides
    gpus_text = pc.fill_null(found, "0")
    gpus = pc.cast(gpus_text, pa.int64())
    if pc.max(gpus).as_py() > INT_MAX:
        raise NotColumnar
    # From each distinct AllocTRES to each line.
    gpus_text = pc.take(gpus_text, distinct["tres"].indices)
    gpus = pc.take(gpus, distinct["tres"].indices)
    elapsed = pc.cast(table["elapsed"], pa.int64())
    try:
        seconds = pc.multiply_checked(gpus, elapsed)
    except pa.ArrowInvalid as exc:  # more GPU time than a bigint holds
        raise NotColumnar from exc

    end = table["end"]
    # The fields of the rows, as text (COPY parses the numbers), in TARGET_COLUMNS' order after
    # the cluster; the last one ends the line. Times carry no offset: the session's time zone is
    # UTC (checked by the caller).
    fields = [
        table["job"],
        pc.utf8_lower(table["account"]),
        table["user"],
        gpus_text,
        table["elapsed"],
        state,
        pc.binary_join_element_wise(end, "\n", ""),
    ]
    job = pc.cast(table["job"], pa.int64())
    # What the sums and the checks need.
    numbers = [job, fields[1], seconds, pc.utf8_slice_codeunits(end, 0, 10)]
    bounds = pc.min_max(job)
    stored = known(bounds["min"].as_py(), bounds["max"].as_py())
    skipped = _NO_SKIPPED
    if len(stored):
        old = pc.is_in(job, value_set=stored)
        skipped = pa.table(
            {
                "job": pc.filter(job, old),
                "gpus": pc.filter(gpus, old),
                "elapsed": pc.filter(elapsed, old),
            }
        )
        new = pc.invert(old)
        fields = [pc.filter(values, new) for values in fields]
        numbers = [pc.filter(values, new) for values in numbers]
    lines = pc.binary_join_element_wise(str(cluster_id), *fields, "\t")
    if lines.null_count:
        raise NotColumnar  # (no field is ever null: a row would be lost)
    payload = b"".join(_text_of(chunk) for chunk in getattr(lines, "chunks", [lines]))
    job, account, seconds, day = numbers
    sums = (
        # Summed exactly (Arrow's int64 sums wrap around); `sums_text` casts back with a check.
        pa.table({"account": account, "job": job, "seconds": pc.cast(seconds, _EXACT), "day": day})
        .group_by(["account", "day"])
        .aggregate([("job", "count"), ("seconds", "sum")])
    )
    return ChunkRows(payload, len(table), job.combine_chunks(), sums, skipped)


def sums_text(parts: list[pa.Table]) -> bytes:
    """The chunks' day sums added up, as COPY text rows: account, day, jobs, GPU-seconds.

    Each part has the columns account, day, job_count and seconds_sum (as `chunk_rows` makes
    them). The sums never become Python objects: a run of a million jobs over a thousand accounts
    and a month has ~35,000 of them.
    """
    parts = [part for part in parts if len(part)]
    if not parts:
        return b""
    total = (
        pa.concat_tables(parts)
        .group_by(["account", "day"])
        .aggregate([("job_count", "sum"), ("seconds_sum", "sum")])
    )
    lines = pc.binary_join_element_wise(
        total["account"],
        total["day"],
        pc.cast(total["job_count_sum"], pa.string()),
        # More than a bigint holds raises ArrowInvalid: the caller's checked path decides.
        pc.binary_join_element_wise(
            pc.cast(pc.cast(total["seconds_sum_sum"], pa.int64()), pa.string()), "\n", ""
        ),
        "\t",
    )
    return b"".join(_text_of(chunk) for chunk in getattr(lines, "chunks", [lines]))


def text_rows(columns: list[pa.ChunkedArray | pa.Array]) -> bytes:
    """Integer columns as COPY text rows, tab-separated."""
    fields = [pc.cast(column, pa.string()) for column in columns]
    fields[-1] = pc.binary_join_element_wise(fields[-1], "\n", "")
    lines = pc.binary_join_element_wise(*fields, "\t")
    return b"".join(_text_of(chunk) for chunk in getattr(lines, "chunks", [lines]))


def sums_table(sums: dict[tuple[str, str], list[int]]) -> pa.Table:
    """Day sums kept in Python (by the line-by-line path) as a part for `sums_text`."""
    keys = list(sums)
    return pa.table(
        {
            "account": pa.array([k[0] for k in keys], pa.string()),
            "day": pa.array([k[1] for k in keys], pa.string()),
            "job_count": pa.array([sums[k][0] for k in keys], pa.int64()),
            "seconds_sum": pa.array([sums[k][1] for k in keys], _EXACT),
        }
    )
