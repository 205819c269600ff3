"""The facility's date for funding: one place, so that tests can set the day."""

from __future__ import annotations

import datetime as dt

from core.clock import facility_today


def today() -> dt.date:
    """The date in the facility's time zone (value dates, due dates and arrears are whole days)."""
    return facility_today()
