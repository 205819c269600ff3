"""Template tags of the design system: navigation that marks the current page, and people's
numbers (see core.l10n)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.html import format_html

from core import l10n

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_item(context: Any, url_name: str, label: str, app: str = "", also: str = "") -> str:
    """A navigation link, marked aria-current="page" where the reader is.

    `app` marks it for every page of that app (namespace); `also` lists other URL names (of the
    same namespace) that count as this page, e.g. a state's page under "Member states"; a view may
    put `nav_section` (a URL name) in its context to mark the section a page belongs to.
    """
    request = context.get("request")
    try:
        href = reverse(url_name)
    except NoReverseMatch:
        return ""
    current = False
    match = getattr(request, "resolver_match", None)
    if match is not None:
        here = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        namespace = url_name.rpartition(":")[0]
        others = {f"{namespace}:{n}" if namespace else n for n in also.split(",") if n}
        current = here == url_name or here in others or bool(app and match.namespace == app)
    # A page that belongs to a section it is not linked from (a motion under "Secretariat")
    # names that section's URL name as `nav_section` in its context.
    current = current or context.get("nav_section") == url_name
    if current:
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', href, label)
    return format_html('<li><a href="{}">{}</a></li>', href, label)


@register.filter
def country(code: str, fallback: str = "") -> str:
    """{{ state.code|country:state.name }} → the name in the reader's language."""
    return l10n.country_name(code, fallback)


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    return l10n.money(amount, currency or "EUR")


@register.filter
def number(value: Any, places: Any = None) -> str:
    return l10n.number(value, None if places in (None, "") else int(places))


@register.filter
def percent(value: Any, places: Any = 1) -> str:
    if isinstance(value, str) and "/" in value:
        value = Fraction(value)
    elif isinstance(value, str):
        value = Decimal(value)
    return l10n.percent(value, int(places))


@register.filter
def gpu_hours(minutes: Any) -> str:
    return l10n.gpu_hours(minutes)


@register.simple_tag
def when(value: datetime | date | None, fmt: str = "") -> str:
    """A <time> element in the reader's time zone, with the zone written out (e.g. "CET")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        text = date_format(local, get_format(fmt or "DATETIME_FORMAT")) + date_format(local, " T")
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)
    return format_html(
        '<time datetime="{}">{}</time>',
        value.isoformat(),
        date_format(value, get_format(fmt or "DATE_FORMAT")),
    )
