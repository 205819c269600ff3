"""The time zones a person may choose to read times in (IANA names, checked with zoneinfo)."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Files of a tz database directory that are not zones a person lives in.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "posix", "right"})


@cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine's tz database knows."""
    return frozenset(zoneinfo.available_timezones()) - _NOT_ZONES


@cache
def choosable_zones() -> tuple[str, ...]:
    """The zones offered in the preference's list: places ("Europe/Berlin") and UTC.

    Legacy aliases ("US/Eastern", "EST5EDT", "Etc/GMT+5") stay valid but are not offered, so
    the list holds each place once.
    """
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    places = {
        name
        for name in known_zones()
        if "/" in name and not name.startswith(legacy) and name.split("/")[0][0].isupper()
    }
    return ("UTC", *sorted(places))


def is_valid_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone zoneinfo can load."""
    if not name or name not in known_zones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    """The zone a stored preference names, or the facility's (settings.TIME_ZONE) if it is gone."""
    return zoneinfo.ZoneInfo(name if is_valid_zone(name) else settings.TIME_ZONE)


def validate_time_zone(value: str) -> None:
    """A model and form validator: an empty value (the facility's zone) or a known IANA zone."""
    if value and not is_valid_zone(value):
        raise ValidationError(
            _("%(zone)s is not a time zone. Choose one from the list, e.g. Europe/Berlin.")
            % {"zone": value[:64]},
            code="unknown_time_zone",
        )
