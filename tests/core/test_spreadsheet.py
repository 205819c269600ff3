"""Every CSV the platform writes is opened by a spreadsheet as data, never as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from core.spreadsheet import safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("-1234.50", "-1234.50"),
        ("+7", "+7"),
        ("1e-18", "1e-18"),
        ("Germany", "Germany"),
        (-3, -3),
        (None, None),
    ],
)
def test_formula_text_is_neutralised_and_numbers_are_kept(value, written):
    """Text starting with =, +, -, @, a tab or a CR gets an apostrophe; numbers stay numbers."""
    assert safe_cell(value) == written


@pytest.mark.django_db
def test_the_open_data_csv_never_carries_a_formula():
    """A decision titled like a formula is written to the open-data CSV as text."""
    from governance import services
    from tests.governance.voting_fixtures import make_council5

    c5 = make_council5()
    motion = c5.open(title="=1+1")
    c5.vote(motion, "DE", "yes")
    services.motion_publish(actor=c5.sec, motion=c5.close_and_certify(motion))
    body = Client().get("/portal/data/decisions.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["title"] for r in rows] == ["'=1+1"]
    assert rows[0]["yes"] == "1"
