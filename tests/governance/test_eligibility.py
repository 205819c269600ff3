"""Who may cast which state's ballot, as pure rules (governance.rules.eligibility)."""

from __future__ import annotations

import pytest

from governance.rules import (
    Elector,
    Electorate,
    Refusal,
    RefusalCode,
    VotingRule,
    ballot_refusal,
    caster_of,
)

ELECTORATE = Electorate(
    motion="CC/2026/007",
    council="CC",
    frozen_at="2026-01-05T10:00:00+00:00",
    rule=VotingRule.simple_majority().to_dict(),
    electors=(
        Elector("DE"),
        Elector("FR", proxy_holder="DE"),
        Elector("IT", recused=True),
        Elector("NL"),
    ),
)


@pytest.mark.parametrize(
    ("state", "own", "refusal"),
    [
        ("US", "DE", Refusal(RefusalCode.NOT_IN_ELECTORATE, "US")),
        ("IT", "IT", Refusal(RefusalCode.RECUSED, "IT")),
        ("NL", None, Refusal(RefusalCode.NO_ACCREDITATION, "NL")),
        ("NL", "DE", Refusal(RefusalCode.NOT_OWN_STATE, "NL", "DE")),
        ("FR", "FR", Refusal(RefusalCode.PROXY_GIVEN, "FR", "FR", "DE")),
        ("FR", "NL", Refusal(RefusalCode.NOT_OWN_STATE, "FR", "NL", "DE")),
        ("DE", "DE", None),
        ("FR", "DE", None),
    ],
    ids=[
        "not in the electorate",
        "recused",
        "no accreditation",
        "another state's ballot",
        "proxy given away",
        "a third state casting a proxied vote",
        "own state",
        "proxy holder casting",
    ],
)
def test_each_ballot_is_allowed_or_refused_for_its_reason(
    state: str, own: str | None, refusal: Refusal | None
) -> None:
    """A ballot is refused for the first reason that applies, naming the states involved."""
    # when
    got = ballot_refusal(ELECTORATE, state, own)
    # then
    assert got == refusal


def test_a_recused_state_is_refused_before_accreditation_is_asked() -> None:
    """Recusal is reported even to someone with no accreditation at all, as the service did."""
    assert ballot_refusal(ELECTORATE, "IT", None) == Refusal(RefusalCode.RECUSED, "IT")


@pytest.mark.parametrize(
    ("state", "caster"), [("DE", "DE"), ("FR", "DE"), ("IT", None), ("US", None)]
)
def test_the_caster_of_a_ballot_is_the_proxy_holder_or_the_state(
    state: str, caster: str | None
) -> None:
    """A state's ballot is cast by its proxy holder if it has one, else by itself."""
    assert caster_of(ELECTORATE, state) == caster
