"""The annual report's long tables: each total printed once, at the table's end, and a running
header naming the part and sub-part each page is in ("Finances · Status of contributions")."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.transparency.test_annual_report import YEAR, make_year
from transparency.reports import data as report_data
from transparency.reports import render

pytestmark = pytest.mark.django_db
TITLE = f"Annual transparency report {YEAR}"


def pages_of(data: dict) -> list[str]:
    html = render.render_html(data, language="en", data_sha256="ef" * 32)
    pdf = render.write_pdf(render.layout(html), data_sha256="ef" * 32)
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def header(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith(TITLE))
    return line[len(TITLE) :].strip()


def test_long_tables_total_once_and_pages_name_their_sub_part(settings):
    """Contributions of 120 rows run over pages: one total at the end, each page headed by it."""
    settings.COMPUTE_SLURM_BACKEND = "memory"
    make_year()
    data = report_data.build_annual(YEAR)
    data["finances"]["contributions"] = data["finances"]["contributions"] * 30
    pages = pages_of(data)
    rows = [(n, line) for n, text in enumerate(pages, start=1) for line in text.splitlines()]
    totals = [n for n, line in rows if line.startswith("Total")]
    # budget, contributions, arrears and the compute period: four tables, four totals
    assert len(totals) == 4, totals
    contribution_lines = [
        i for i, (_n, line) in enumerate(rows) if line.startswith("FR State FR 02/14/")
    ]
    contribution_pages = {rows[i][0] for i in contribution_lines}
    assert len(contribution_pages) >= 2  # the table does run over pages
    first, last = contribution_lines[0], contribution_lines[-1]
    # no total inside the table; its total is the line after its last row
    assert not any(rows[i][1].startswith("Total") for i in range(first, last))
    after = [i for i in range(last, len(rows)) if rows[i][1].startswith("Total")]
    honour_roll = next(i for i in range(last, len(rows)) if rows[i][1] == "Honour roll")
    assert after and after[0] < honour_roll  # closes the table, before the next sub-part
    # every page the table carries on to is headed by its sub-part, not by the part alone
    for number in sorted(contribution_pages)[1:]:
        assert header(pages[number - 1]) == "Finances · Status of contributions", number
    # a part that starts a page names itself
    decisions = next(
        n for n, text in enumerate(pages, start=1) if text.lstrip().startswith("Decisions")
    )
    assert header(pages[decisions - 1]) == "Decisions"
