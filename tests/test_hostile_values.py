"""One shared set of hostile values, run through every input serializer, form and importer.

Each value either gets a clear refusal naming the field, or is taken as the harmless text it is;
nothing raises. The same module runs on the demo's SQLite too (the last test runs it there).
NUL bytes in lookups are refused earlier, at the edge, for every request (tests/core/test_edge.py):
here they are sent to the text fields, which refuse them themselves as well.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from rest_framework import serializers
from rest_framework.views import APIView

ROOT = Path(__file__).resolve().parents[1]

HOSTILE: dict[str, Any] = {
    "nul": "DE\x00FR",
    "bidi": "Ger\u202emany",
    "zero_width": "\u200b\u200c\u200d",
    "megabyte": "x" * 1_000_000,
    "formula": '=HYPERLINK("http://evil.example","click")',
    "huge": "9" * 30,
    "huge_negative": "-" + "9" * 30,
    "exponent": "1e400",
    "nan": "NaN",
    "year_1": "0001-01-01",
    "year_9999": "9999-12-31",
    "year_1_time": "0001-01-01T00:00:00",
    "year_9999_time": "9999-12-31T23:59:59Z",
}
# What each kind of input must refuse; the others it may take or refuse, but never raise on.
MUST_REFUSE: dict[str, set[str]] = {
    "text": {"nul", "megabyte"},
    "name": {"nul", "megabyte", "bidi", "zero_width"},
    "number": {"huge", "huge_negative", "exponent", "nan"},
    "date": {"year_1", "year_9999"},
    "datetime": {"year_1_time", "year_9999_time"},
    "choice": {"nul", "megabyte"},
}
NAME_FIELDS = ("name", "name_en", "name_de", "name_fr", "title", "title_de", "title_fr")
MODULES = (
    "core.api",
    "governance.api",
    "governance.api_voting",
    "governance.api_log",
    "governance.api_rulebook",
    "governance.api_sessions",
    "governance.forms_sessions",
    "governance.api_secret",
    "governance.forms",
    "governance.views_voting",
    "governance.views_drafting",
    "governance.views_safety",
    "governance.views_rulebook",
    "funding.api",
    "funding.views.payments",
    "funding.views.imports",
    "funding.views.reports",
    "funding.views.scales",
    "funding.views.years",
    "compute.api",
    "compute.views",
)


def _input_classes() -> Iterator[type]:
    """Every input serializer and form the API and the pages use, nested ones included."""
    import importlib

    seen: set[type] = set()
    for name in MODULES:
        module = importlib.import_module(name)
        # Classes defined in the module itself, and the serializers nested in its API views.
        own = [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == name]
        nested = [
            v
            for view in own
            if issubclass(view, APIView)
            for v in vars(view).values()
            if inspect.isclass(v) and issubclass(v, serializers.Serializer)
        ]
        for cls in own + nested:
            if cls not in seen and _is_input(cls):
                seen.add(cls)
                yield cls


def _is_input(cls: type) -> bool:
    """An input serializer of the API, or a form of one of the domain apps' pages."""
    if issubclass(cls, serializers.Serializer):
        return "Input" in cls.__name__
    return issubclass(cls, forms.Form) and cls.__module__.startswith(
        ("governance", "funding", "compute")
    )


def _kind(name: str, field: Any) -> str | None:
    """Which hostile values a field is for (None: not a typed-in value, e.g. a file or a flag)."""
    if isinstance(field, (serializers.ChoiceField, forms.ChoiceField)) or hasattr(
        field, "queryset"
    ):
        return "choice"
    if isinstance(field, (serializers.DateTimeField, forms.DateTimeField)):
        return "datetime"
    if isinstance(field, (serializers.DateField, forms.DateField)):
        return "date"
    if isinstance(
        field,
        (
            serializers.IntegerField,
            serializers.DecimalField,
            forms.IntegerField,
            forms.DecimalField,
        ),
    ):
        return "number"
    if isinstance(field, (serializers.CharField, forms.CharField)):
        return "name" if name in NAME_FIELDS else "text"
    return None


def _cases() -> Iterator[Any]:
    for cls in _input_classes():
        fields = cls().fields if issubclass(cls, serializers.Serializer) else cls.base_fields
        for name, field in fields.items():
            if getattr(field, "read_only", False):
                continue
            kind = _kind(name, field)
            if kind is None:
                continue
            label = f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}.{name}"
            for value_name in HOSTILE:
                if value_name == "nul" and isinstance(field, serializers.RelatedField):
                    # A NUL in a lookup never reaches a serializer: the edge refuses it for every
                    # request (tests/core/test_edge.py); PostgreSQL would refuse the query itself.
                    continue
                yield pytest.param(cls, name, kind, value_name, id=f"{label}-{value_name}")


@pytest.mark.django_db
@pytest.mark.parametrize(("cls", "field", "kind", "value_name"), list(_cases()))
def test_a_hostile_value_is_refused_by_name_or_taken_harmlessly(cls, field, kind, value_name):
    """Never an exception; a value the field must refuse is refused, naming the field."""
    value = HOSTILE[value_name]
    if issubclass(cls, serializers.Serializer):
        instance = cls(data={field: value})
        instance.is_valid()
        errors = instance.errors
    else:
        form = cls(data={field: value})
        form.is_valid()
        errors = form.errors
    if value_name in MUST_REFUSE[kind]:
        assert field in errors, f"{cls.__qualname__}.{field} took {value_name}"


def test_the_importers_name_every_hostile_cell():
    """A hostile value in a figure's cell is refused by each importer, naming its line and column."""
    from funding.imports import parse_annual_rates, parse_ecb_rates, parse_national_income

    parsers: list[tuple[Callable[..., Any], str, dict[str, Any]]] = [
        (
            parse_national_income,
            "code,year,amount,currency\nDE,2023,{cell},USD\n",
            {"known_codes": {"DE"}},
        ),
        (parse_ecb_rates, "Date,USD\n2024-01-02,{cell}\n", {}),
        (parse_annual_rates, "code,year,currency,avg_rate_per_eur\nUS,2024,USD,{cell}\n", {}),
    ]
    for name, value in HOSTILE.items():
        cell = '"' + value.replace('"', '""') + '"'  # quoted, as a spreadsheet would write it
        for parse, template, kwargs in parsers:
            result = parse(template.format(cell=cell), **kwargs)
            assert not result.ok, (parse.__name__, name)
            # the line always; the column too, except where the CSV reader itself gives up
            assert any(p.line == 2 and (p.column or name == "megabyte") for p in result.problems), (
                parse.__name__,
                name,
            )


@pytest.mark.skipif(
    os.environ.get("CONCORDIA_HOSTILE_ON_SQLITE") == "1", reason="this is the SQLite run itself"
)
def test_the_same_values_on_the_demos_sqlite(tmp_path):
    """The whole module again with the demo's database engine, SQLite."""
    env = {
        **os.environ,
        "CONCORDIA_HOSTILE_ON_SQLITE": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hostile.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:cacheprovider",
            "-x",
            "-p",
            "no:xdist",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stdout[-3000:]
