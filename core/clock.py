"""The facility's date: the one every rule and permission uses, whatever zone a reader chose.

A signed-in person may see times in their own zone (core.middleware.TimeZoneMiddleware activates
it for their pages), but which day it is for accreditations, staff roles, value dates, arrears
and references is the facility's (settings.TIME_ZONE): a zone picked on one's own preferences page
must not move when a term ends or a payment falls due.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def facility_today() -> dt.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def facility_date(value: dt.datetime) -> dt.date:
    """The facility's calendar day of an instant."""
    return timezone.localtime(value, timezone.get_default_timezone()).date()
