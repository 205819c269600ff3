"""Anyone recounts a published secret vote from the downloads, offline, and names any failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from governance import services
from tests.governance import secret_fixtures as sf
from tests.governance.voting_fixtures import make_council5
from tests.transparency.test_recompute import ROOT, download_json, edit
from transparency import recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A secret vote decided by two of three trustees and published, its downloads saved."""
    c5 = make_council5()
    ceremony = sf.open_secret(c5, kind="budget")
    for state, choice in (("DE", "yes"), ("FR", "no"), ("IT", "yes"), ("ES", "yes")):
        sf.cast(c5, ceremony, state, choice)
    sf.cast(c5, ceremony, "FR", "yes")  # France changes its vote
    sf.close(c5, ceremony)
    motion = sf.decrypt(c5, ceremony, ("FR", "IT"))
    motion = services.motion_certify(actor=c5.sec, motion=motion)
    services.motion_publish(actor=c5.sec, motion=motion)
    download_json(tmp_path)
    (tmp_path / "key.pem").write_bytes(Client().get("/portal/log/key.pem").content)
    return tmp_path


def test_the_offline_recount_verifies_every_proof_and_the_count(published, capsys):
    """The command, run on the downloads with the key pinned, finds no difference."""
    status = recompute.main([str(published), "--public-key", str(published / "key.pem")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "1 decision(s) recomputed, 0 difference(s)." in out
    boards = json.loads((published / "secret_boards.json").read_text())
    board = json.loads(boards[0]["board"])
    assert len(board["ballots"]) == 5 and len(board["partial_decryptions"]) == 2
    # each ballot on the public board is its state, its ciphertexts and proofs: no choice
    assert {key for b in board["ballots"] for key in b} == {
        "seq",
        "state",
        "ballot",
        "tracker",
        "is_current",
        "prev_hash",
        "entry_hash",
    }
    assert all(
        set(b["ballot"]["choices"]["yes"]) == {"alpha", "beta", "proof"} for b in board["ballots"]
    )


def test_the_recount_runs_on_a_bare_python_without_django(published):
    """python -m transparency.recompute needs no Django: it runs with Django made unimportable."""
    blocker = published / "blocker"
    blocker.mkdir()
    (blocker / "django").mkdir()
    (blocker / "django" / "__init__.py").write_text("raise ImportError('no Django here')\n")
    result = subprocess.run(
        [sys.executable, "-m", "transparency.recompute", str(published)],
        cwd=ROOT,
        env={"PYTHONPATH": f"{blocker}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 decision(s) recomputed, 0 difference(s)." in result.stdout


def test_a_lying_trustee_and_a_rewritten_count_are_named(published):
    """A partial decryption changed in the download, or a turned total, is reported by name."""

    def lie(rows):
        board = json.loads(rows[0]["board"])
        shares = board["partial_decryptions"][1]["shares"]
        labels = sorted(shares)
        shares[labels[0]]["share"] = shares[labels[1]]["share"]
        rows[0]["board"] = json.dumps(board)

    edit(published, "secret_boards", lie)
    lines: list[str] = []
    assert recompute.check_decisions(published, lines.append) > 0
    assert any("partial.proof_invalid" in line and "trustee 3" in line for line in lines), lines

    def turn(rows):
        rows[0]["yes"], rows[0]["no"] = 0, 4

    download_json(published)
    edit(published, "decisions", turn)
    lines = []
    assert recompute.check_decisions(published, lines.append) > 0
    assert any("recount gives yes = 4, published 0" in line for line in lines), lines
