"""The ranges every date and number must stay in: one place for the form, API, importer and database.

Two kinds of bound:

* **absolute** bounds are what the database stores (``CheckConstraint``): a constraint cannot
  use ``now()``, so dates are kept to the years :data:`YEAR_MIN`–:data:`YEAR_MAX`, and a
  decimal to what its column holds (``max_digits``/``decimal_places``) narrowed by the field's
  ``MinValueValidator``/``MaxValueValidator``. Outside them, reading the row back can fail for
  good (a year-1 date shifted into the facility's zone overflows; SQLite reads an over-long
  decimal back as a float it cannot quantize), so nothing outside them is ever written.
* **meaning** bounds are checked by the service with the clock (a motion opens within a year
  of today, a payment is not dated before the facility was founded) and refused with a 400
  that names the field and says why.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.core import validators
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from core.clock import facility_today
from core.errors import ValidationFailed

YEAR_MIN = 2000
YEAR_MAX = 2100
DATE_MIN = dt.date(YEAR_MIN, 1, 1)
DATE_MAX = dt.date(YEAR_MAX, 12, 31)
DATETIME_MIN = dt.datetime(YEAR_MIN, 1, 1, tzinfo=dt.UTC)
DATETIME_END = dt.datetime(YEAR_MAX + 1, 1, 1, tzinfo=dt.UTC)  # exclusive


# Dates ---------------------------------------------------------------------------------------


def date_stored(field: str, *, lowest: dt.date = DATE_MIN) -> Q:
    """The condition of a CheckConstraint keeping a date field (or NULL) within the years stored."""
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": lowest, f"{field}__lte": DATE_MAX}
    )


def datetime_stored(field: str) -> Q:
    """The condition of a CheckConstraint keeping a datetime field (or NULL) within the years stored."""
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": DATETIME_MIN, f"{field}__lt": DATETIME_END}
    )


def _shown(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
    return value.isoformat()


def check_date(
    value: dt.date | None,
    *,
    field: str,
    earliest: dt.date = DATE_MIN,
    latest: dt.date = DATE_MAX,
) -> dt.date | None:
    """``value`` if it lies in [earliest, latest], else a 400 naming the field and the range."""
    if value is None:
        return None
    earliest, latest = max(earliest, DATE_MIN), min(latest, DATE_MAX)
    if not earliest <= value <= latest:
        raise ValidationFailed(
            _("%(value)s is out of range: give a date from %(earliest)s to %(latest)s.")
            % {"value": value.isoformat(), "earliest": _shown(earliest), "latest": _shown(latest)},
            field=field,
        )
    return value


def check_datetime(
    value: dt.datetime | None,
    *,
    field: str,
    earliest: dt.datetime = DATETIME_MIN,
    latest: dt.datetime = DATETIME_END,
) -> dt.datetime | None:
    """``value`` if it lies in [earliest, latest), else a 400 naming the field and the range."""
    if value is None:
        return None
    if timezone.is_naive(value):
        raise ValidationFailed(_("Give the time with its time zone."), field=field)
    earliest, latest = max(earliest, DATETIME_MIN), min(latest, DATETIME_END)
    if not earliest <= value < latest:
        raise ValidationFailed(
            _("%(value)s is out of range: give a time from %(earliest)s to %(latest)s.")
            % {
                # As given: converting a year-1 time to another zone would overflow.
                "value": value.isoformat(sep=" ", timespec="minutes"),
                "earliest": _shown(earliest),
                "latest": _shown(latest),
            },
            field=field,
        )
    return value


def years_from(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_day(
    value: dt.date | None, *, field: str, years_ahead: int = 10, earliest: dt.date | None = None
) -> dt.date | None:
    """A day of the facility's life: from its founding (settings.FACILITY_FOUNDED) to
    ``years_ahead`` years after today; a 400 naming the field otherwise."""
    return check_date(
        value,
        field=field,
        earliest=earliest or settings.FACILITY_FOUNDED,
        latest=years_from(facility_today(), years_ahead),
    )


def _stored_date_problem(day: dt.date) -> str | None:
    """Why a date cannot be stored (outside the years the database keeps), or None."""
    if DATE_MIN <= day <= DATE_MAX:
        return None
    return _("Give a date from %(earliest)s to %(latest)s.") % {
        "earliest": DATE_MIN.isoformat(),
        "latest": DATE_MAX.isoformat(),
    }


def _stored_time_problem(moment: dt.datetime | None) -> str | None:
    """Why a time cannot be stored, or None; None stands for a time too far out to convert."""
    if moment is not None and DATETIME_MIN <= moment < DATETIME_END:
        return None
    return _("Give a time from %(earliest)s to %(latest)s.") % {
        "earliest": DATE_MIN.isoformat(),
        "latest": DATE_MAX.isoformat(),
    }


class DateInput(serializers.DateField):
    """An API date within the years the database stores; anything else is a 400, not a 500."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        if problem := _stored_date_problem(day):
            raise serializers.ValidationError(problem)
        return day


class DateTimeInput(serializers.DateTimeField):
    """An API time within the years stored; a time without offset is read in the facility's zone.

    DRF converts a naive time through UTC to check it exists, which overflows near year 1; the
    range is checked on the text's year first so that such a value is a 400.
    """

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            moment = super().to_internal_value(value)
        except OverflowError:
            moment = None
        if problem := _stored_time_problem(moment):
            raise serializers.ValidationError(problem)
        assert moment is not None  # noqa: S101 - a missing time is a problem above
        return moment


class DateFormField(forms.DateField):
    """A page's date within the years the database stores, as :class:`DateInput` for the API."""

    def clean(self, value: Any) -> dt.date | None:
        day = super().clean(value)
        if day is not None and (problem := _stored_date_problem(day)):
            raise forms.ValidationError(problem)
        return day


class DateTimeFormField(forms.DateTimeField):
    """A page's time within the years stored, as :class:`DateTimeInput` for the API."""

    def clean(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return super().clean(value)
        try:
            moment = super().clean(value)
        except OverflowError:
            moment = None
        if problem := _stored_time_problem(moment):
            raise forms.ValidationError(problem)
        return moment


# Decimals ------------------------------------------------------------------------------------


def column_max(max_digits: int, decimal_places: int) -> Decimal:
    """The largest value a NUMERIC(max_digits, decimal_places) column holds (e.g. 999.99)."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(10) ** -decimal_places


def decimal_range(field: models.Field[Any, Any]) -> tuple[Decimal, Decimal]:
    """The smallest and largest value a model DecimalField accepts: its column and its validators.

    The one derivation used by forms, serializers, importers and the database constraint.
    """
    assert isinstance(field, models.DecimalField)  # noqa: S101 - a programming error otherwise
    assert field.max_digits is not None  # noqa: S101
    assert field.decimal_places is not None  # noqa: S101
    highest = column_max(field.max_digits, field.decimal_places)
    lowest = -highest
    for validator in field.validators:
        if isinstance(validator, validators.MaxValueValidator):
            highest = min(highest, Decimal(validator.limit_value))
        elif isinstance(validator, validators.MinValueValidator):
            lowest = max(lowest, Decimal(validator.limit_value))
    return lowest, highest


def decimal_problem(value: Decimal, field: models.Field[Any, Any]) -> str | None:
    """Why ``value`` does not fit ``field`` (too many places, too large, too small), or None."""
    assert isinstance(field, models.DecimalField)  # noqa: S101
    lowest, highest = decimal_range(field)
    try:
        if not value.is_finite():
            return _("%(value)s is not a number") % {"value": value}
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > field.decimal_places:
            return _("%(value)s has more than %(places)d decimal places") % {
                "value": value,
                "places": field.decimal_places,
            }
        if value > highest:
            return _("%(value)s is too large: at most %(highest)s") % {
                "value": value,
                "highest": highest.normalize(),
            }
        if value < lowest:
            return _("%(value)s is too small: at least %(lowest)s") % {
                "value": value,
                "lowest": lowest.normalize(),
            }
    except InvalidOperation:  # pragma: no cover - a finite Decimal always compares
        return _("%(value)s is not a number") % {"value": value}
    return None


def decimal_stored(name: str, lowest: Decimal, highest: Decimal) -> Q:
    """The condition of a CheckConstraint keeping a decimal field (or NULL) in [lowest, highest]."""
    return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": lowest, f"{name}__lte": highest})


def decimal_input(field: models.Field[Any, Any], **kwargs: Any) -> serializers.DecimalField:
    """An API DecimalField with the model field's digits, places and range."""
    assert isinstance(field, models.DecimalField)  # noqa: S101
    lowest, highest = decimal_range(field)
    return serializers.DecimalField(
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        min_value=kwargs.pop("min_value", lowest),
        max_value=highest,
        **kwargs,
    )


def decimal_form_field(field: models.Field[Any, Any], **kwargs: Any) -> forms.DecimalField:
    """A form DecimalField with the model field's digits, places and range."""
    assert isinstance(field, models.DecimalField)  # noqa: S101
    lowest, highest = decimal_range(field)
    return forms.DecimalField(
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        min_value=kwargs.pop("min_value", lowest),
        max_value=highest,
        **kwargs,
    )
