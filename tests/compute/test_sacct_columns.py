"""The column-wise conversion (Apache Arrow) against the definition, `parse_line`.

It may hand a chunk to the line-by-line path (NotColumnar) whenever it likes, but when it takes a
chunk it must take only lines `parse_line` takes, and give the same rows and the same day sums.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compute import sacct_columns
from compute.sacct import parse_line

# Per field: values parse_line takes, and values it refuses (or, for the last state, shortens).
JOBS = (["1", "42", "000045", "123456789012345678"], ["1234567890123456789", "", "12a", "-1", " 1"])
NAMES = (["p1", "P-2026_x", "a@b.c+d", "u", "x" * 64], ["", "a b", "a/b", "x" * 65, "é"])
TRES = (
    [
        "",
        "cpu=1",
        "gres/gpu=2",
        "billing=1,gres/gpu=8,node=1",
        "gres/gpu:h100=4,gres/gpu=4",
        "mem=1G,gres/gpu=3",
        "gres/gpu=2147483647",
        "gres/gpu=02",
    ],
    [
        "x=1gres/gpu=2",
        "gres/gpu=1,gres/gpu=2",
        "gres/gpu=",
        "gres/gpu=abc",
        "gres/gpu=99999999999",
        "gres/gpu=2147483648",
    ],
)
ELAPSED = (["0", "60", "86400", "999999999999"], ["1000000000000", "", "1.5", "-3"])
STATES = (
    ["COMPLETED", "CANCELLED by 0", 'a"b', "x" * 40, "É" * 39],
    ["", "a\\b", "a\tb", "x" * 41],
)
STARTS = (["Unknown", "None", "", "2026-11-20T10:00:00"], ["2026-13-01T00:00:00", "yesterday"])
ENDS = (
    ["2026-11-20T11:00:00", "2026-11-21T00:00:00", "2026-11-19T23:59:59"],
    ["Unknown", "", "2026-11-20T24:00:00", "2026-11-20T11:00", "2026-11-20 11:00:00"],
)


@st.composite
def sacct_line(draw: st.DrawFn) -> str:
    """Mostly well-formed lines; one field in ~5 lines is spoilt, one line in ~15 has a field
    count other than 8."""
    fields = []
    for good, bad in (JOBS, NAMES, NAMES, TRES, ELAPSED, STATES, STARTS, ENDS):
        spoilt = draw(st.integers(0, 39)) == 0
        fields.append(draw(st.sampled_from(bad if spoilt else good)))
    count = draw(st.sampled_from([8] * 28 + [7, 9]))
    return "|".join(fields[:count] + ["x"] * (count - 8))


def expected_row(parsed: tuple[str, ...]) -> tuple[object, ...]:
    """The row PostgreSQL stores for a line parse_line takes (numbers as numbers)."""
    job, account, user, gpus, elapsed, state, _start, end = parsed
    return (7, int(job), account, user, int(gpus), int(elapsed), state, end.removesuffix("+00"))


def stored_row(text: str) -> tuple[object, ...]:
    """The row PostgreSQL stores for a COPY text row."""
    cluster, job, account, user, gpus, elapsed, state, end = text.split("\t")
    return (int(cluster), int(job), account, user, int(gpus), int(elapsed), state, end)


def nothing_stored(low: int, high: int) -> pa.Array:
    return pa.array([], pa.int64())


def convert(lines: list[str]) -> sacct_columns.ChunkRows:
    return sacct_columns.chunk_rows("".join(f"{line}\n" for line in lines), 7, nothing_stored)


@settings(max_examples=400, deadline=None)
@given(st.lists(sacct_line(), min_size=1, max_size=6))
def test_a_chunk_taken_gives_exactly_the_rows_of_parse_line(lines: list[str]):
    parsed = [parse_line(line) for line in lines]
    try:
        converted = convert(lines)
    except sacct_columns.NotColumnar:
        return  # the line path decides: allowed at any time
    # Taken: every line must be one parse_line takes, and the rows must be its rows.
    assert not any(isinstance(p, str) for p in parsed), (lines, parsed)
    rows = [expected_row(p) for p in parsed if not isinstance(p, str)]
    assert [stored_row(r) for r in converted.payload.decode().splitlines()] == rows
    assert converted.lines == len(rows)
    sums: dict[tuple[str, str], list[int]] = {}
    for p in parsed:
        assert not isinstance(p, str)
        sum_ = sums.setdefault((p[1], p[7][:10]), [0, 0])
        sum_[0] += 1
        sum_[1] += int(p[3]) * int(p[4])
    got = converted.sums.to_pylist()
    assert {(r["account"], r["day"]): [r["job_count"], r["seconds_sum"]] for r in got} == sums


def test_well_formed_lines_are_taken_whole():
    """The common case never goes line by line: lines as sacct writes them for this facility."""
    lines = [
        f"{n}|p-2026-{n % 7:04d}|u{n % 5}|billing={g},cpu={8 * g},gres/gpu:h100={g},gres/gpu={g},"
        f"mem=64G,node=1|{60 * n}|COMPLETED|2026-11-20T00:00:00|2026-11-20T{n % 24:02d}:00:00"
        for n, g in zip(range(1, 2000), [1, 2, 4, 8] * 500, strict=False)
    ]
    converted = convert(lines)
    assert converted.lines == 1999
    assert converted.payload.decode().splitlines()[1] == (
        "7\t2\tp-2026-0002\tu2\t2\t120\tCOMPLETED\t2026-11-20T02:00:00"
    )


def test_jobs_already_stored_are_left_out_of_the_rows_and_the_sums():
    lines = [f"{n}|a|u|gres/gpu=1|60|COMPLETED|None|2026-11-20T11:00:00" for n in range(1, 6)]

    def stored(low: int, high: int) -> pa.Array:
        assert (low, high) == (1, 5)
        return pa.array([2, 4], pa.int64())

    converted = sacct_columns.chunk_rows("".join(f"{x}\n" for x in lines), 7, stored)
    assert [row.split("\t")[1] for row in converted.payload.decode().splitlines()] == [
        "1",
        "3",
        "5",
    ]
    assert converted.lines == 5
    assert converted.jobs.to_pylist() == [1, 3, 5]
    assert converted.sums.to_pylist() == [
        {"account": "a", "day": "2026-11-20", "job_count": 3, "seconds_sum": 180}
    ]


@pytest.mark.parametrize(
    "chunk",
    [
        "1|a|u|gres/gpu=1|60|COMPLETED|None|2026-11-20T11:00:00\r\n",  # another system's line end
        "1|a|u|gres/gpu=1|60|COMPLETED|None|2026-11-20T11:00:00\n   \n",  # a blank line
        "1|a|u|gres/gpu=1|60|COMPLETED|None\n",  # seven fields
    ],
)
def test_what_it_cannot_decide_goes_line_by_line(chunk: str):
    with pytest.raises(sacct_columns.NotColumnar):
        sacct_columns.chunk_rows(chunk, 7, nothing_stored)


GOOD = "41|p1|u|gres/gpu=2|60|COMPLETED|None|2026-11-20T11:00:00"
SPOILT = [
    (field, bad)
    for field, (_good, bads) in enumerate((JOBS, NAMES, NAMES, TRES, ELAPSED, STATES, STARTS, ENDS))
    for bad in bads
]


@pytest.mark.parametrize(("field", "bad"), SPOILT)
def test_each_refused_value_among_good_lines_is_left_to_the_line_path(field: int, bad: str):
    """One field of one line spoilt among good lines: never taken as a row parse_line refuses."""
    spoilt = GOOD.split("|")
    spoilt[field] = bad
    lines = [GOOD.replace("41|", f"{n}|", 1) for n in range(1, 30)] + ["|".join(spoilt)]
    parsed = parse_line(lines[-1])
    try:
        converted = convert(lines)
    except sacct_columns.NotColumnar:
        return
    assert not isinstance(parsed, str), (lines[-1], parsed)  # taken: parse_line must take it too
    assert stored_row(converted.payload.decode().splitlines()[-1]) == expected_row(parsed)
