"""The sacct line format the usage ingest reads: pure code, no database.

One finished job per line, ``sacct --parsable2 --noheader`` with the fields
``JobIDRaw|Account|User|AllocTRES|ElapsedRaw|State|Start|End`` (times in UTC, as the backends
ask sacct for them). `parse_line` is the definition: every faster path in
`compute.services.usage_fast` takes exactly the lines it takes, and turns them into the same rows.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

FIELDS = 8
TIME = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
)
NAME = re.compile(r"[A-Za-z0-9_.@+-]{1,64}")
NO_TIME = ("Unknown", "None", "")
INT_MAX = 2**31 - 1  # JobUsage.gpus is an integer column
BIGINT_MAX = 2**63 - 1  # gpu_seconds is a bigint column


def gpu_count(tres: str) -> int | None:
    """The GPU count in AllocTRES (``...,gres/gpu=2,...``); 0 if none; None if malformed."""
    at = tres.find("gres/gpu=")
    if at < 0:
        return 0
    if at and tres[at - 1] != ",":
        return None
    end = tres.find(",", at)
    number = tres[at + 9 : end if end >= 0 else None]
    if not (number.isascii() and number.isdigit()) or int(number) > INT_MAX:
        return None
    return int(number)


def is_time(value: str) -> bool:
    """True for a real UTC time written as sacct writes it (``2026-11-20T10:00:00``)."""
    if not TIME.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:  # 2026-02-30, 24:00:00, 23:59:60 ...
        return False
    return True


def is_number(value: str, digits: int) -> bool:
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
    if not is_number(job_id, 18):
        return _("JobIDRaw %(v)r is not a job number") % {"v": job_id}
    if not NAME.fullmatch(account):
        return _("Account %(v)r is not an account name") % {"v": account}
    if not NAME.fullmatch(user):
        return _("User %(v)r is not a user name") % {"v": user}
    gpus = gpu_count(tres)
    if gpus is None:
        return _("AllocTRES %(v)r has no readable GPU count") % {"v": tres}
    if not is_number(elapsed, 12):
        return _("ElapsedRaw %(v)r is not a number of seconds") % {"v": elapsed}
    if gpus * int(elapsed) > BIGINT_MAX:
        return _("%(gpus)d GPUs for %(v)s seconds is more GPU time than can be stored") % {
            "gpus": gpus,
            "v": elapsed,
        }
    if not state or any(c in state for c in "\t\\\r\x00"):  # COPY's text format cannot carry them
        return _("State %(v)r is not a job state") % {"v": state}
    if start not in NO_TIME and not is_time(start):
        return _("Start %(v)r is not a time") % {"v": start}
    if not is_time(end):
        return _("End %(v)r is not a time (only finished jobs are ingested)") % {"v": end}
    # Both are written the same way, so the text's order is the times' order.
    if start not in NO_TIME and start > end:
        return _("Start %(start)s is after End %(end)s") % {"start": start, "end": end}
    started = start + "+00" if start not in NO_TIME else "\\N"
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
