"""A secret vote counted from its decrypted totals gives the roll-call outcome, under every rule."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.rules import (
    Choice,
    Elector,
    Electorate,
    Outcome,
    RuleError,
    TieBreak,
    VotingRule,
    tally,
)
from governance.rules.totals import Totals, tally_from_totals, weightings_for

CODES = ("DE", "FR", "IT", "ES", "PL", "RO", "NL", "BE", "CZ", "SE", "PT", "GR")
RULES = [
    VotingRule.simple_majority(),
    VotingRule.simple_majority(tie_break=TieBreak.CHAIR_CASTING_VOTE),
    VotingRule.simple_majority().with_quorum(Fraction(1, 2)),
    VotingRule.qualified_of_voting(),
    VotingRule.qualified_of_members(),
    VotingRule.unanimity_all_yes(),
    VotingRule.unanimity_no_objection(),
    VotingRule.double_majority(),
    VotingRule.weighted_double_majority(),
    VotingRule.weighted_double_majority().with_weight_cap(Fraction(1, 3)),
    VotingRule.qualified_of_present(),
    VotingRule.silence(),
    VotingRule.unanimity_constructive_abstention(),
]


def electorate(rule: VotingRule, populations: list[int], shares: list[int], recused: set[int]):
    total = sum(shares) or 1
    electors = tuple(
        Elector(
            code,
            population=populations[i],
            contribution_share=Fraction(shares[i], total),
            recused=i in recused,
        )
        for i, code in enumerate(CODES[: len(populations)])
    )
    return Electorate(
        motion="GC/2026/099",
        council="gc",
        frozen_at="2026-12-08T00:00:00+00:00",
        rule=rule.to_dict(),
        electors=electors,
    )


@st.composite
def votes(draw: st.DrawFn):
    rule = draw(st.sampled_from(RULES))
    size = draw(st.integers(3, len(CODES)))
    populations = draw(st.lists(st.integers(1, 90_000_000), min_size=size, max_size=size))
    shares = draw(st.lists(st.integers(1, 2_000), min_size=size, max_size=size))
    recused = draw(st.sets(st.integers(0, size - 1), max_size=1))
    frozen = electorate(rule, populations, shares, recused)
    members = [e.state for e in frozen.voting_members]
    choices = {
        state: choice
        for state in members
        if (choice := draw(st.sampled_from([Choice.YES, Choice.NO, Choice.ABSTAIN, None])))
    }
    attendance = [s for s in members if s not in choices and draw(st.booleans())]
    return frozen, choices, attendance


@settings(max_examples=300, deadline=None)
@given(votes())
def test_every_rule_gives_the_roll_call_outcome_on_the_decrypted_totals(vote) -> None:
    """The same choices, counted in a roll call and from encrypted totals, give one outcome."""
    # given
    frozen, choices, attendance = vote
    try:
        roll_call = tally(frozen, choices, attendance=attendance)
    except RuleError:
        # A rule that cannot count this electorate (a cap no two states can meet) cannot
        # count it in secret either.
        with pytest.raises(RuleError):
            weightings_for(frozen)
        return
    # when
    weighting = weightings_for(frozen)
    totals = Totals.of_choices(frozen, choices, weighting)
    secret = tally_from_totals(frozen, voters=choices, totals=totals, attendance=attendance)
    # then
    assert secret.outcome is roll_call.outcome
    assert (secret.yes, secret.no, secret.abstain, secret.absent) == (
        roll_call.yes,
        roll_call.no,
        roll_call.abstain,
        roll_call.absent,
    )
    # The weighted sums are decrypted only where the rule weighs (a head count needs none).
    if "population" in weighting.weights:
        assert secret.yes_population == roll_call.yes_population
    if "share" in weighting.weights:
        assert secret.yes_share == roll_call.yes_share
    assert [(c.code, c.passed, c.required) for c in secret.conditions] == [
        (c.code, c.passed, c.required) for c in roll_call.conditions
    ]
    assert secret.verdict.reason is roll_call.verdict.reason


def test_a_weighted_budget_vote_reads_its_share_from_integer_weights() -> None:
    """Contribution shares are summed as integers over their common denominator, exactly."""
    # given
    rule = VotingRule.weighted_double_majority()
    frozen = electorate(rule, [1, 1, 1], [1, 1, 1], set())
    weighting = weightings_for(frozen)
    # when
    totals = Totals.of_choices(frozen, {"DE": Choice.YES, "FR": Choice.YES}, weighting)
    # then
    assert weighting.share_denominator == 3
    assert totals.yes_share == Fraction(2, 3)
    assert tally_from_totals(frozen, voters=["DE", "FR"], totals=totals).outcome is Outcome.ADOPTED


def test_totals_that_do_not_add_up_to_the_voters_are_refused() -> None:
    """Decrypted totals with more choices than states that voted are named, not counted."""
    frozen = electorate(VotingRule.simple_majority(), [1, 1, 1], [1, 1, 1], set())
    with pytest.raises(RuleError, match="do not add up"):
        tally_from_totals(frozen, voters=["DE"], totals=Totals(yes=2, no=0, abstain=0))
