"""The typed electorate: it reads every stored snapshot and writes it back byte for byte."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import chain
from governance.rules import Elector, Electorate, Excluded, RuleError, VotingRule

POOL = ("AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GR", "IT", "NL", "PL", "PT", "SE")


def snapshot(**changes: Any) -> dict[str, Any]:
    """An electorate document shaped exactly as motions.freeze_electorate writes it."""
    document: dict[str, Any] = {
        "motion": "CC/2026/014",
        "council": "CC",
        "frozen_at": "2026-03-02T09:30:00.123456+00:00",
        "rule": VotingRule.qualified_of_voting().to_dict(),
        "electors": [
            {
                "state": "DE",
                "population": 84_359_000,
                "share": "1/5",
                "recused": False,
                "proxy_holder": None,
            },
            {
                "state": "FR",
                "population": 68_173_000,
                "share": "3/20",
                "recused": False,
                "proxy_holder": "DE",
            },
            {
                "state": "IT",
                "population": 58_997_000,
                "share": "0",
                "recused": True,
                "proxy_holder": None,
            },
        ],
        "excluded": [{"state": "UA", "reason": "associate member: no vote"}],
    }
    return document | changes


# What freeze_electorate stores as a share: str(Fraction(Decimal)) of the share row, or "0".
shares = st.one_of(
    st.just("0"),
    st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(1), places=6).map(
        lambda d: str(Fraction(d))
    ),
)


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    """Any electorate document the platform could have stored, old shape or with a programme."""
    states = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=8, unique=True))
    states.sort()
    electors = []
    for state in states:
        others = [s for s in states if s != state]
        holder = draw(st.none() | st.sampled_from(others)) if others else None
        electors.append(
            {
                "state": state,
                "population": draw(st.integers(0, 10**9)),
                "share": draw(shares),
                "recused": draw(st.booleans()),
                "proxy_holder": holder,
            }
        )
    outside = sorted(set(draw(st.lists(st.sampled_from(("UA", "RS", "TR", "SI")), max_size=3))))
    document = snapshot(
        motion=draw(st.text(min_size=1, max_size=20)),
        frozen_at=draw(st.datetimes()).isoformat() + "+00:00",
        electors=electors,
        excluded=[{"state": s, "reason": draw(st.text(max_size=30))} for s in outside],
    )
    if draw(st.booleans()):
        document["programme"] = draw(st.text(min_size=1, max_size=12))
    return document


@settings(max_examples=150, deadline=None)
@given(snapshots())
def test_a_stored_snapshot_reads_back_to_the_same_bytes_and_hash(document: dict[str, Any]) -> None:
    """Read and written again, any stored document gives the canonical text and hash stored."""
    # given the text and hash the platform stored when the vote opened
    stored_text = chain.canonical(document).decode()
    stored_hash = hashlib.sha256(stored_text.encode()).hexdigest()
    # when
    electorate = Electorate.from_document(json.loads(json.dumps(document)))
    # then
    assert electorate.canonical() == stored_text
    assert electorate.sha256() == stored_hash
    assert electorate.document() == document
    assert Electorate.from_json(electorate.to_json()) == electorate


def test_an_old_snapshot_has_no_programme_and_writes_none_back() -> None:
    """A snapshot from before programmes reads with programme None and writes no such key."""
    # given
    document = snapshot()
    # when
    electorate = Electorate.from_document(document)
    # then
    assert electorate.programme is None
    assert "programme" not in electorate.document()
    assert electorate.canonical() == chain.canonical(document).decode()


def test_a_programme_electorate_keeps_its_programme() -> None:
    """A programme's electorate stores the programme's name, and it reads back."""
    # given
    document = snapshot(programme="HL-LHC")
    # when
    electorate = Electorate.from_document(document)
    # then
    assert electorate.programme == "HL-LHC"
    assert json.loads(electorate.canonical())["programme"] == "HL-LHC"


def test_the_electors_carry_their_figures_proxies_and_recusals() -> None:
    """Each elector's population, exact share, recusal and proxy holder are typed."""
    # when
    electorate = Electorate.from_document(snapshot())
    # then
    assert electorate.elector("FR") == Elector(
        "FR", 68_173_000, Fraction(3, 20), recused=False, proxy_holder="DE"
    )
    assert electorate.elector("UA") is None  # excluded, not an elector
    assert electorate.excluded == (Excluded("UA", "associate member: no vote"),)
    assert [e.state for e in electorate.voting_members] == ["DE", "FR"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (snapshot(electors="DE"), "must be lists"),
        ({k: v for k, v in snapshot().items() if k != "rule"}, "missing \\['rule'\\]"),
        (snapshot(colour="red"), "unknown \\['colour'\\]"),
        (snapshot(electors=[{"state": "DE"}]), "an elector is malformed"),
        (
            snapshot(
                electors=[
                    {
                        "state": "de",
                        "population": 1,
                        "share": "0",
                        "recused": False,
                        "proxy_holder": None,
                    }
                ]
            ),
            "ISO alpha-2",
        ),
        (
            snapshot(
                electors=[
                    {
                        "state": "DE",
                        "population": 1,
                        "share": "0.2",
                        "recused": False,
                        "proxy_holder": None,
                    }
                ]
            ),
            "'n/d'",
        ),
        (
            snapshot(
                electors=[
                    {
                        "state": "DE",
                        "population": -1,
                        "share": "0",
                        "recused": False,
                        "proxy_holder": None,
                    }
                ]
            ),
            "population",
        ),
        (
            snapshot(
                electors=[
                    {
                        "state": "DE",
                        "population": 1,
                        "share": "0",
                        "recused": "no",
                        "proxy_holder": None,
                    }
                ]
            ),
            "recused must be true or false",
        ),
        (
            snapshot(
                electors=[
                    {
                        "state": "DE",
                        "population": 1,
                        "share": "0",
                        "recused": False,
                        "proxy_holder": "DE",
                    }
                ]
            ),
            "its own proxy",
        ),
        (
            snapshot(electors=[*snapshot()["electors"], snapshot()["electors"][0]]),
            "listed twice",
        ),
        (snapshot(excluded=[{"state": "DE", "reason": "suspended"}]), "both an elector"),
        (snapshot(rule="simple"), "rule must be a JSON object"),
        (snapshot(programme=""), "programme"),
        ([1, 2], "must be a JSON object"),
    ],
    ids=[
        "electors not a list",
        "no rule",
        "unknown key",
        "elector without figures",
        "lower-case state",
        "decimal share",
        "negative population",
        "recused as text",
        "own proxy",
        "state twice",
        "elector and excluded",
        "rule as text",
        "empty programme",
        "not an object",
    ],
)
def test_a_malformed_document_is_refused_with_a_clear_message(document: Any, message: str) -> None:
    """A document that is not an electorate is a RuleError naming what is wrong."""
    # when / then
    with pytest.raises(RuleError, match=message):
        Electorate.from_document(document)


def test_text_that_is_not_json_is_refused() -> None:
    """Published text that is not JSON is a RuleError, not a crash."""
    with pytest.raises(RuleError, match="not JSON"):
        Electorate.from_json("{electors: []")
