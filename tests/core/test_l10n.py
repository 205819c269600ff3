"""People's numbers and names (core.l10n and the design system's template tags)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve
from django.utils import translation

from core import l10n
from core.templatetags.concordia import when

CODES = ["AT", "AU", "DE", "FR", "GB", "US", "CH", "ES", "IT", "BE", "DK"]


@pytest.mark.parametrize(
    ("lang", "first", "expected"),
    [
        ("en", "Australia", ["Australia", "Austria", "Belgium", "Denmark", "France", "Germany"]),
        ("de", "Australien", ["Australien", "Belgien", "Dänemark", "Deutschland", "Frankreich"]),
        ("fr", "Allemagne", ["Allemagne", "Australie", "Autriche", "Belgique", "Danemark"]),
    ],
)
def test_countries_are_named_and_sorted_for_the_reader(lang, first, expected):
    with translation.override(lang):
        names = [l10n.country_name(c) for c in l10n.sorted_by_name(CODES, l10n.country_name)]
    assert names[0] == first
    assert names[: len(expected)] == expected


def test_an_accented_name_sorts_with_its_letter_not_after_z():
    with translation.override("de"):
        names = [l10n.country_name(c) for c in l10n.sorted_by_name(CODES, l10n.country_name)]
    assert names.index("Österreich") < names.index("Schweiz")


def test_an_unknown_code_keeps_its_stored_name():
    assert l10n.country_name("XO", "Organisation") == "Organisation"


@pytest.mark.parametrize(
    ("lang", "cents", "whole"),
    [
        ("en", "€30,834,357.61", "€30,834,358"),
        ("de", "30.834.357,61\xa0€", "30.834.358\xa0€"),
        ("fr", "30\u202f834\u202f357,61\xa0€", "30\u202f834\u202f358\xa0€"),
    ],
)
def test_money_is_written_the_readers_way(lang, cents, whole):
    with translation.override(lang):
        assert l10n.money("30834357.61") == cents
        assert l10n.money("30834357.61", digits=0) == whole


def test_percent_and_gpu_hours():
    with translation.override("de"):
        assert l10n.percent(Fraction(2, 3)) == "66,7\xa0%"
        assert l10n.gpu_hours(72_000_000 * 60) == "72.000.000"
        assert l10n.gpu_hours(90) == "1,5"
    with translation.override("en"):
        assert l10n.percent(Fraction(2, 3)) == "66.7%"


def test_a_time_carries_its_zone_and_a_date_stays_a_date(settings):
    settings.TIME_ZONE = "Europe/Zurich"
    with translation.override("en"):
        text = when(datetime(2026, 12, 7, 21, 30, tzinfo=UTC))
        assert "22:30" in text or "10:30" in text
        assert "CET" in text
        assert when(date(2026, 3, 1)) == '<time datetime="2026-03-01">March 1, 2026</time>'


def test_the_navigation_marks_the_current_page_and_its_children():
    request = RequestFactory().get("/portal/states/DE/")
    request.resolver_match = resolve("/portal/states/DE/")
    html = Template(
        '{% load concordia %}{% nav_item "transparency:states" "States" also="state" %}'
        '{% nav_item "transparency:decisions" "Decisions" %}'
    ).render(Context({"request": request}))
    assert '<a href="/portal/states/" aria-current="page">States</a>' in html
    assert '<a href="/portal/decisions/">Decisions</a>' in html


def test_a_page_names_the_section_it_belongs_to():
    request = RequestFactory().get("/motions/1/")
    request.resolver_match = resolve("/portal/")
    html = Template(
        '{% load concordia %}{% nav_item "governance:secretariat" "Secretariat" %}'
    ).render(Context({"request": request, "nav_section": "governance:secretariat"}))
    assert 'aria-current="page"' in html
