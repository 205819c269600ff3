"""Anyone recomputes the published shares, assessments and votes from the open data alone."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from funding import clock
from tests.funding.books import make_books
from transparency import recompute
from transparency.opendata import TABLES

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def download_json(folder: Path) -> None:
    """Save every table's JSON download into ``folder``, as a reader of the portal would."""
    client = Client()
    for name in TABLES:
        response = client.get(f"/portal/data/{name}.json")
        assert response.status_code == 200, name
        (folder / f"{name}.json").write_bytes(response.content)


def edit(folder: Path, name: str, change: Any) -> None:
    rows = json.loads((folder / f"{name}.json").read_text())
    change(rows)
    (folder / f"{name}.json").write_text(json.dumps(rows))


@pytest.fixture
def books(monkeypatch):
    """Four states, an adopted scale for 2025-2026, the 2025 budget assessed and called, a payment."""
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 3, 2))
    books = make_books(first_year=2025, last_year=2026)
    books.open_year(2025, 1_000_000_01, issued_on=dt.date(2025, 1, 15))
    books.pay("DE", "400000.00", on=dt.date(2025, 2, 1))
    return books


def test_recompute_agrees_with_the_portals_own_downloads(tmp_path, capsys):
    """On the demo's downloads every vote, quota, share and assessment recomputes without a difference."""
    # given the demo data and every table downloaded as JSON
    call_command("seed_demo", stdout=io.StringIO())
    download_json(tmp_path)
    key = tmp_path / "key.pem"
    key.write_bytes(Client().get("/portal/log/key.pem").content)
    # when the command runs on the folder, with the platform's key pinned
    status = recompute.main([str(tmp_path), "--public-key", str(key)])
    # then it finds nothing, and says what it checked
    out = capsys.readouterr().out.splitlines()
    assert status == 0, out
    logged = len(json.loads((tmp_path / "decision_log.json").read_text()))
    assert logged >= 1
    assert out == [
        "1 decision(s) recomputed, 0 difference(s).",
        f"decision log of {logged} statement(s) checked, 0 difference(s).",
        "1 quota split(s) recomputed, 0 difference(s).",
        "1 scale(s) recomputed, 0 difference(s).",
        "1 year(s) of assessments recomputed, 0 difference(s).",
    ]


def test_a_forged_share_is_named(books, tmp_path):
    """A share that the frozen inputs do not give is reported with its scale, year and state."""
    # given the downloads, with one share changed after the fact
    download_json(tmp_path)
    lines: list[str] = []
    assert recompute.check_scales(tmp_path, lines.append) == 0

    def forge(rows: list[dict[str, Any]]) -> None:
        row = next(r for r in rows if r["state"] == "FR" and r["year"] == 2026)
        row["share_exact"], row["share"] = "31/100", "0.310000000000000000"

    edit(tmp_path, "scale_shares", forge)
    # when the scales are recomputed
    lines.clear()
    problems = recompute.check_scales(tmp_path, lines.append)
    # then the forged share is named, with what it should be
    assert problems == 2
    assert lines[0] == "S2025 2026 FR: recomputed share 3/10, published 31/100"
    assert lines[1].startswith("S2025 2026 FR: recomputed share 0.300000000000000000,")


def test_forged_inputs_are_caught_by_their_hash(books, tmp_path):
    """Changing a frozen statistic breaks the inputs' SHA-256, and the command says so."""
    download_json(tmp_path)

    def forge(rows: list[dict[str, Any]]) -> None:
        inputs = json.loads(rows[0]["inputs"])
        inputs["2025"]["members"][0]["figures"][0]["national_income"] = "5000"
        rows[0]["inputs"] = json.dumps(inputs, sort_keys=True, separators=(",", ":"))

    edit(tmp_path, "scales", forge)
    lines: list[str] = []
    assert recompute.check_scales(tmp_path, lines.append) == 1
    assert lines[0] == "S2025: the inputs do not match their SHA-256"


def test_a_forged_assessment_is_named(books, tmp_path):
    """An assessment that is not the budget apportioned by the shares is reported, to the cent."""
    # given the downloads, with one cent moved from one state's assessment to another's
    download_json(tmp_path)
    lines: list[str] = []
    assert recompute.check_assessments(tmp_path, lines.append) == 0
    assert lines == ["1 year(s) of assessments recomputed, 0 difference(s)."]

    def forge(rows: list[dict[str, Any]]) -> None:
        by_state = {r["state"]: r for r in rows}
        by_state["DE"]["amount_cents"] -= 1
        by_state["NL"]["amount_cents"] += 1

    edit(tmp_path, "assessments", forge)
    # when the assessments are recomputed
    lines.clear()
    problems = recompute.check_assessments(tmp_path, lines.append)
    # then both states are named, and the calls no longer match the assessments
    assert problems == 4
    assert "assessments 2025 DE: recomputed 40000001 cents, published 40000000" in lines
    assert "assessments 2025 NL: recomputed 10000000 cents, published 10000001" in lines
    assert "contributions 2025 DE: 40000001 cents called, assessed 40000000" in lines


def test_a_forged_budget_total_is_named(books, tmp_path):
    """A budget total that is not the sum of its lines is reported."""
    download_json(tmp_path)
    edit(tmp_path, "budgets", lambda rows: rows[0].update(budget_total_cents=1))
    lines: list[str] = []
    assert recompute.check_assessments(tmp_path, lines.append) == 1
    assert lines[0] == "budget 2025: the lines add up to 100000001 cents, published total 1"


def test_recompute_runs_in_a_bare_python_without_django(books, tmp_path):
    """Every check, shares and assessments included, runs in a process that never imports Django."""
    # given the downloads of the test books
    download_json(tmp_path)
    code = (
        "import sys, runpy\n"
        "sys.argv = ['recompute', sys.argv[1]]\n"
        "try:\n    runpy.run_module('transparency.recompute', run_name='__main__')\n"
        "except SystemExit as done:\n    status = done.code\n"
        "print('django imported' if 'django' in sys.modules else 'no django')\n"
        "sys.exit(status)\n"
    )
    # when the command runs with only the source tree on the path
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
        check=False, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    # then it checks everything, finds nothing, and Django was never loaded
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 scale(s) recomputed, 0 difference(s)." in result.stdout
    assert "1 year(s) of assessments recomputed, 0 difference(s)." in result.stdout
    assert result.stdout.strip().endswith("no django")
