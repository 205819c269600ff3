"""A zone chosen on one's own preferences page changes how times are shown, never which day it is
for the rules (accreditations, staff roles, value dates, arrears)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.clock import facility_date, facility_today
from funding import clock as funding_clock
from governance import selectors

ROOT = Path(__file__).resolve().parents[2]
# 23:30 in Zurich on 1 March is already 2 March in Kiritimati (UTC+14)
LATE_EVENING = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)


def test_a_readers_zone_does_not_move_the_facilitys_day(settings, monkeypatch):
    settings.TIME_ZONE = "Europe/Zurich"
    monkeypatch.setattr(timezone, "now", lambda: LATE_EVENING)
    with timezone.override(ZoneInfo("Pacific/Kiritimati")):
        assert timezone.localdate() == dt.date(2026, 3, 2)  # what the reader sees
        assert facility_today() == dt.date(2026, 3, 1)
        assert selectors.today() == dt.date(2026, 3, 1)
        assert funding_clock.today() == dt.date(2026, 3, 1)
        assert facility_date(LATE_EVENING) == dt.date(2026, 3, 1)


def test_no_rule_reads_the_date_in_the_readers_zone():
    """Every app module asks core.clock for the day; a bare localdate() would follow the reader."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "node_modules", "bench", "demo"}:
            continue
        text = path.read_text()
        for match in re.finditer(r"timezone\.localdate\(\)|localtime\([^)]*\)\.date\(\)", text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == []
