"""The voting-rule engine: rule-book cases at their boundaries, and properties every rule keeps."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.rules import (
    Absences,
    Choice,
    ConditionCode,
    Elector,
    Outcome,
    QuorumBase,
    Reason,
    RuleError,
    RuleKind,
    Tally,
    TieBreak,
    TieEffect,
    VotingRule,
    evaluate,
)

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN
TWO_THIRDS = Fraction(2, 3)

# Population on 1 January 2023 (Eurostat, rounded to the thousand), largest first.
EU_POPULATION = {
    "DE": 84_359_000, "FR": 68_173_000, "IT": 58_997_000, "ES": 48_085_000, "PL": 36_754_000,
    "RO": 19_052_000, "NL": 17_811_000, "BE": 11_743_000, "CZ": 10_828_000, "SE": 10_522_000,
    "PT": 10_467_000, "GR": 10_414_000, "HU": 9_597_000, "AT": 9_105_000, "BG": 6_448_000,
    "DK": 5_933_000, "FI": 5_564_000, "SK": 5_429_000, "IE": 5_271_000, "HR": 3_851_000,
    "LT": 2_857_000, "SI": 2_117_000, "LV": 1_883_000, "EE": 1_366_000, "CY": 921_000,
    "LU": 661_000, "MT": 542_000,
}  # fmt: skip
CODES = tuple(EU_POPULATION)
EU = tuple(Elector(code, population) for code, population in EU_POPULATION.items())


def council(size: int) -> tuple[Elector, ...]:
    """Return a council of the first `size` EU states, largest first."""
    return EU[:size]


def ballots(yes: int = 0, no: int = 0, abstain: int = 0) -> list[tuple[str, Choice]]:
    """Return ballots in council order: yes first, then no, then abstentions; the rest absent."""
    choices = [Y] * yes + [N] * no + [A] * abstain
    return list(zip(CODES, choices, strict=False))


SIMPLE = VotingRule.simple_majority()
CASTING = VotingRule.simple_majority(tie_break=TieBreak.CHAIR_CASTING_VOTE)
OF_VOTING = VotingRule.qualified_of_voting()
OF_MEMBERS = VotingRule.qualified_of_members()
ALL_YES = VotingRule.unanimity_all_yes()
NO_OBJECTION = VotingRule.unanimity_no_objection()
DOUBLE = VotingRule.double_majority()
BUDGET = VotingRule.weighted_double_majority()
HALF_QUORUM = Fraction(1, 2)

CASES = [
    # rule, members, (yes, no, abstain), casting vote, outcome, summary, margin
    pytest.param(OF_VOTING, 9, (6, 3, 0), None, Outcome.ADOPTED,
                 "adopted with no state to spare", 0, id="two-thirds: 6 to 3 exactly"),
    pytest.param(OF_VOTING, 9, (5, 3, 1), None, Outcome.REJECTED,
                 "rejected: 1 state short of two-thirds of those voting", -1,
                 id="two-thirds: 5 to 3 just under"),
    pytest.param(OF_VOTING, 12, (8, 1, 3), None, Outcome.ADOPTED,
                 "adopted with 2 states to spare", 2, id="two-thirds: abstentions ignored"),
    pytest.param(OF_VOTING, 9, (0, 0, 9), None, Outcome.REJECTED,
                 "rejected: no member voted yes or no", -1, id="two-thirds: all abstain"),
    pytest.param(SIMPLE, 9, (0, 0, 9), None, Outcome.REJECTED,
                 "rejected: no member voted yes or no", -1, id="simple: all abstain"),
    pytest.param(SIMPLE, 9, (5, 4, 0), None, Outcome.ADOPTED,
                 "adopted with no state to spare", 0, id="simple: 5 to 4"),
    pytest.param(SIMPLE, 9, (4, 4, 1), None, Outcome.REJECTED,
                 "rejected: tie (4 to 4); a tie fails", -1, id="simple: tie fails"),
    pytest.param(SIMPLE, 9, (4, 4, 1), Y, Outcome.REJECTED,
                 "rejected: tie (4 to 4); a tie fails", -1,
                 id="simple: casting vote ignored where the rule has none"),
    pytest.param(CASTING, 9, (4, 4, 1), Y, Outcome.ADOPTED,
                 "adopted on the chair's casting vote after a tie (4 to 4)", 0,
                 id="simple: casting vote yes"),
    pytest.param(CASTING, 9, (4, 4, 1), N, Outcome.REJECTED,
                 "rejected: tie (4 to 4); the chair's casting vote was no", -1,
                 id="simple: casting vote no"),
    pytest.param(CASTING, 9, (4, 4, 1), None, Outcome.REJECTED,
                 "rejected: tie (4 to 4); the chair's casting vote was not given, "
                 "so the tie fails", -1, id="simple: casting vote not given"),
    pytest.param(CASTING, 9, (3, 5, 1), Y, Outcome.REJECTED,
                 "rejected: 1 state short of adoption, counting the chair's casting vote", -1,
                 id="simple: one switch makes a tie the casting vote carries"),
    pytest.param(SIMPLE.with_quorum(HALF_QUORUM), 27, (6, 5, 0), None, Outcome.NO_QUORUM,
                 "fails for lack of quorum: 11 of 27 members voted, 14 needed", -3,
                 id="quorum: 11 of 27"),
    pytest.param(SIMPLE.with_quorum(HALF_QUORUM), 27, (7, 5, 1), None, Outcome.NO_QUORUM,
                 "fails for lack of quorum: 13 of 27 members voted, 14 needed", -1,
                 id="quorum: missed by one"),
    pytest.param(SIMPLE.with_quorum(HALF_QUORUM), 27, (2, 1, 11), None, Outcome.ADOPTED,
                 "adopted with no state to spare", 0, id="quorum: met exactly by abstentions"),
    pytest.param(OF_MEMBERS, 27, (18, 0, 0), None, Outcome.ADOPTED,
                 "adopted with no state to spare", 0, id="two-thirds of members: 18 of 27"),
    pytest.param(OF_MEMBERS, 27, (17, 0, 10), None, Outcome.REJECTED,
                 "rejected: 1 state short of two-thirds of the members", -1,
                 id="two-thirds of members: abstentions count against"),
    pytest.param(ALL_YES, 6, (5, 0, 1), None, Outcome.REJECTED,
                 "rejected: 1 state short of unanimity", -1, id="unanimity: an abstention blocks"),
    pytest.param(ALL_YES, 6, (6, 0, 0), None, Outcome.ADOPTED,
                 "adopted with no state to spare", 0, id="unanimity: all yes"),
    pytest.param(NO_OBJECTION, 6, (4, 0, 1), None, Outcome.ADOPTED,
                 "adopted with no state to spare", 0,
                 id="no objection: abstention and absence do not block"),
    pytest.param(NO_OBJECTION, 6, (4, 1, 1), None, Outcome.REJECTED,
                 "rejected: 1 member objected", -1, id="no objection: one no blocks"),
    pytest.param(NO_OBJECTION, 6, (0, 0, 6), None, Outcome.REJECTED,
                 "rejected: no member voted yes", -1, id="no objection: nobody for it"),
    pytest.param(DOUBLE, 27, (15, 12, 0), None, Outcome.ADOPTED,
                 "adopted: the yes states hold 91.8% of the population, 65% needed", 0,
                 id="EU: 15 largest of 27"),
    pytest.param(DOUBLE, 27, (14, 13, 0), None, Outcome.REJECTED,
                 "rejected: 1 state short of 55% of the members", -1, id="EU: 14 largest of 27"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "size", "votes", "casting", "outcome", "summary", "margin"), CASES
)
def test_rule_book_cases_end_as_the_rule_book_says(
    rule: VotingRule,
    size: int,
    votes: tuple[int, int, int],
    casting: Choice | None,
    outcome: Outcome,
    summary: str,
    margin: int,
) -> None:
    """Each rule-book case, taken at its boundary, has the outcome, summary and margin expected."""
    # given
    electorate = council(size)
    # when
    tally = evaluate(rule, electorate, ballots(*votes), casting_vote=casting)
    # then
    assert (tally.outcome, tally.summary, tally.margin) == (outcome, summary, margin)
    assert tally.adopted is (outcome is Outcome.ADOPTED)


def test_six_yes_to_three_no_is_adopted_under_two_thirds_of_those_voting() -> None:
    """Six yes to three no is adopted under two-thirds of those voting, and the arithmetic shows."""
    # given
    electorate = council(12)
    # when
    tally = evaluate(OF_VOTING, electorate, ballots(6, 3, 2))
    # then
    assert tally.adopted
    assert (tally.yes, tally.no, tally.abstain, tally.absent, tally.members) == (6, 3, 2, 1, 12)
    [test] = tally.conditions
    assert (test.required, test.actual, test.comparison, test.passed) == (6, 6, "≥", True)
    assert "2/3 of 9 voting = 6" in test.explanation


def test_the_strict_form_needs_more_than_the_threshold() -> None:
    """With strict set, exactly two-thirds of those voting is no longer enough."""
    # given
    rule = VotingRule.qualified_of_voting(strict=True)
    # when
    tally = evaluate(rule, council(9), ballots(6, 3))
    # then
    assert not tally.adopted
    assert tally.summary == "rejected: 1 state short of more than two-thirds of those voting"


def test_three_big_states_cannot_block_a_double_majority() -> None:
    """Germany, France and Italy voting no hold over 35 % of the people but cannot block alone."""
    # given
    big_three = {"DE", "FR", "IT"}
    votes = [(code, N if code in big_three else Y) for code in CODES]
    # when
    tally = evaluate(DOUBLE, EU, votes)
    # then
    assert tally.adopted
    assert 3 * tally.yes_population < 2 * tally.total_population  # under 65 %: population fails
    assert tally.summary == "adopted: 3 members did not vote yes, fewer than the 4 that can block"
    passed = {test.name: test.passed for test in tally.conditions}
    assert passed == {"members voting yes": True, "population": False, "no blocking minority": True}


def test_four_big_states_block_a_double_majority() -> None:
    """Adding Spain to the three biggest states forms a blocking minority of four."""
    # given
    big_four = {"DE", "FR", "IT", "ES"}
    votes = [(code, N if code in big_four else Y) for code in CODES]
    # when
    tally = evaluate(DOUBLE, EU, votes)
    # then
    assert not tally.adopted
    assert tally.summary == (
        "rejected: the yes states hold 42.1% of the population, 65% needed, "
        "and 4 members did not vote yes (4 can block)"
    )


# The EU-28 of 2016: populations in thousands from Council Decision (EU, Euratom) 2015/2437,
# the figures the Council used for qualified-majority votes that year.
EU28_2016 = {
    "DE": 81_197, "FR": 66_415, "GB": 64_875, "IT": 60_796, "ES": 46_440, "PL": 38_006,
    "RO": 19_871, "NL": 16_901, "BE": 11_290, "GR": 10_858, "CZ": 10_538, "PT": 10_375,
    "HU": 9_856, "SE": 9_747, "AT": 8_576, "BG": 7_202, "DK": 5_660, "FI": 5_472, "SK": 5_421,
    "IE": 4_629, "HR": 4_225, "LT": 2_921, "SI": 2_063, "LV": 1_986, "EE": 1_313, "CY": 847,
    "LU": 563, "MT": 429,
}  # fmt: skip


def test_where_not_all_take_part_the_treaty_sets_the_blocking_minority() -> None:
    """TFEU Art. 238(3)(a): DE, FR and GB out, IT, ES and PL against: three members block."""
    # given the EU-28 of 2016 with Germany, France and the UK not taking part
    out = {"DE", "FR", "GB"}
    electorate = tuple(Elector(c, p, recused=c in out) for c, p in EU28_2016.items())
    votes = {c: (N if c in {"IT", "ES", "PL"} else Y) for c in EU28_2016 if c not in out}
    # when
    tally = evaluate(DOUBLE, electorate, votes)
    # then the blocking minority is the fewest participants over 35 % of their people (IT and
    # ES hold 107,236 of 298,005 thousand) plus one: three, which IT, ES and PL make
    assert not tally.adopted
    block = next(t for t in tally.conditions if t.name == "no blocking minority")
    assert (block.required, block.actual, block.passed) == (3, 3, False)
    assert "TFEU Art. 238(3)(a)" in block.explanation
    assert tally.summary.endswith("and 3 members did not vote yes (3 can block)")


def test_with_everyone_taking_part_the_blocking_minority_stays_four() -> None:
    """TEU Art. 16(4): with all members taking part, three big states still cannot block."""
    electorate = tuple(Elector(c, p) for c, p in EU28_2016.items())
    votes = {c: (N if c in {"DE", "FR", "GB"} else Y) for c in EU28_2016}
    tally = evaluate(DOUBLE, electorate, votes)
    assert tally.adopted
    block = next(t for t in tally.conditions if t.name == "no blocking minority")
    assert (block.required, block.actual, block.passed) == (4, 3, True)


def test_two_big_states_in_a_small_council_cannot_block() -> None:
    """In a council of five, two big states voting no are fewer than a blocking minority of four."""
    # given
    electorate = tuple(e for e in EU if e.state in {"DE", "FR", "NL", "BE", "LU"})
    votes = {"DE": N, "FR": N, "NL": Y, "BE": Y, "LU": Y}
    # when
    tally = evaluate(DOUBLE, electorate, votes)
    # then
    assert tally.adopted
    assert tally.required_yes == 3  # 55 % of 5 is 2.75
    assert tally.yes_population * 100 < 65 * tally.total_population


def test_fifteen_small_states_lack_the_population() -> None:
    """Fifteen of 27 members is enough states, but the smallest fifteen lack 65 % of the people."""
    # given
    votes = [(code, Y if i >= 12 else N) for i, code in enumerate(CODES)]
    # when
    tally = evaluate(DOUBLE, EU, votes)
    # then
    assert tally.outcome is Outcome.REJECTED
    assert tally.summary.startswith("rejected: the yes states hold 13.7% of the population")


@pytest.mark.parametrize(
    ("last_yes_population", "adopted"), [(5, True), (4, False)], ids=["65%", "64%"]
)
def test_the_population_test_is_met_at_exactly_sixty_five_percent(
    last_yes_population: int, adopted: bool
) -> None:
    """Yes states holding exactly 65 of 100 people pass the population test; 64 do not."""
    # given six yes states of ten (55 % of 10 is 5.5), four voting no: a blocking minority
    populations = [20, 15, 10, 10, 5, last_yes_population, 10, 10, 10, 10 - last_yes_population]
    electorate = tuple(Elector(c, p) for c, p in zip(CODES[:10], populations, strict=True))
    # when
    tally = evaluate(DOUBLE, electorate, ballots(6, 4))
    # then
    assert tally.adopted is adopted
    assert (tally.yes_population, tally.total_population) == (60 + last_yes_population, 100)


def budget_council(shares: Sequence[Fraction]) -> tuple[Elector, ...]:
    return tuple(Elector(c, contribution_share=s) for c, s in zip(CODES, shares, strict=False))


def test_a_budget_with_exactly_two_thirds_of_contributions_is_adopted() -> None:
    """Yes states holding exactly two-thirds of the contributions, and most voters, adopt a budget."""
    # given
    electorate = budget_council([Fraction(1, 3)] * 3)
    # when
    tally = evaluate(BUDGET, electorate, ballots(2, 1))
    # then
    assert tally.adopted
    assert (tally.yes_share, tally.total_share) == (TWO_THIRDS, Fraction(1))


def test_a_budget_just_under_two_thirds_of_contributions_is_rejected() -> None:
    """One thousandth under two-thirds of the contributions rejects a budget."""
    # given
    shares = [Fraction(333, 1000), Fraction(333, 1000), Fraction(334, 1000)]
    # when
    tally = evaluate(BUDGET, budget_council(shares), ballots(2, 1))
    # then
    assert not tally.adopted
    assert (
        tally.summary
        == "rejected: the yes states hold 66.6% of the contributions, two-thirds needed"
    )


def test_a_big_contributor_alone_cannot_adopt_a_budget() -> None:
    """A state paying 70 % is outvoted when fewer than half of those voting vote yes."""
    # given
    shares = [Fraction(70, 100), Fraction(15, 100), Fraction(15, 100)]
    # when
    tally = evaluate(BUDGET, budget_council(shares), ballots(1, 2))
    # then
    assert not tally.adopted
    assert tally.summary == "rejected: 1 yes of 3 voting, 2 needed for half of those voting"


def test_a_tie_among_budget_voters_leaves_the_decision_to_contributions() -> None:
    """One yes to one no is half of those voting, so the contributions decide the budget."""
    # given
    shares = [Fraction(70, 100), Fraction(15, 100), Fraction(15, 100)]
    # when
    tally = evaluate(BUDGET, budget_council(shares), ballots(1, 1, 1))
    # then
    assert tally.adopted


def test_recused_members_leave_the_base() -> None:
    """A recused state counts neither as a member nor as voting, and is named in the result."""
    # given ten states, one recused: six yes are two-thirds of nine but not of ten
    electorate = (*council(9), Elector("MT", 542_000, recused=True))
    # when
    tally = evaluate(OF_MEMBERS, electorate, ballots(6, 0, 1))
    # then
    assert tally.adopted
    assert (tally.members, tally.recused, tally.recused_states) == (9, 1, ("MT",))
    assert (tally.absent, tally.required_yes) == (2, 6)
    # and the same vote with Belgium merely absent fails
    present = (*council(9), Elector("MT", 542_000))
    assert not evaluate(OF_MEMBERS, present, ballots(6, 0, 1)).adopted


@pytest.mark.parametrize(
    ("votes", "message"),
    [
        ([("US", Y)], "not in the electorate"),
        ([("MT", Y)], "recused"),
        ([("DE", Y), ("DE", N)], "two ballots"),
        ([("DE", "maybe")], "yes, no or abstain"),
    ],
    ids=["unknown state", "recused state", "two ballots", "no such choice"],
)
def test_a_ballot_that_cannot_count_is_refused(
    votes: list[tuple[str, Choice]], message: str
) -> None:
    """A ballot from outside the electorate, from a recused state, twice, or unreadable is refused."""
    # given
    electorate = (*council(3), Elector("MT", 542_000, recused=True))
    # when / then
    with pytest.raises(RuleError, match=message):
        evaluate(SIMPLE, electorate, votes)


def test_an_abstaining_casting_vote_is_refused() -> None:
    """The chair's casting vote must be yes or no."""
    # when / then
    with pytest.raises(RuleError, match="casting vote must be yes or no"):
        evaluate(CASTING, council(2), ballots(1, 1), casting_vote=A)


@pytest.mark.parametrize(
    "make",
    [
        lambda: VotingRule.qualified_of_voting(Fraction(1, 2)),
        lambda: VotingRule.qualified_of_members(Fraction(3, 2)),
        lambda: VotingRule.qualified_of_voting(Fraction(1), strict=True),
        lambda: VotingRule(
            RuleKind.QUALIFIED_OF_VOTING, TWO_THIRDS, tie_break=TieBreak.CHAIR_CASTING_VOTE
        ),
        lambda: VotingRule(RuleKind.SIMPLE_MAJORITY, TWO_THIRDS),
        lambda: VotingRule(RuleKind.DOUBLE_MAJORITY, Fraction(55, 100)),
        lambda: VotingRule.double_majority(min_blocking_minority=0),
        lambda: VotingRule.simple_majority(quorum=Fraction(0)),
        lambda: VotingRule.from_dict(
            {"kind": "simple_majority", "threshold": "1/2", "colour": "red"}
        ),
        lambda: VotingRule.from_dict(
            {"kind": "simple_majority", "threshold": "0.5", "strict": True}
        ),
    ],
    ids=[
        "tie-adopting threshold",
        "threshold above 1",
        "more than everyone",
        "casting vote on a qualified majority",
        "simple majority of two-thirds",
        "double majority without population threshold",
        "blocking minority of 0",
        "zero quorum",
        "unknown field",
        "decimal text",
    ],
)
def test_an_incoherent_rule_is_refused(make: Callable[[], object]) -> None:
    """A rule that cannot be applied as written is refused when it is built."""
    # when / then
    with pytest.raises(RuleError):
        make()


@pytest.mark.parametrize(
    ("rule", "requirements", "absences", "tie", "quorum", "blocking"),
    [
        (
            OF_VOTING,
            [(ConditionCode.SHARE_OF_VOTING_YES, TWO_THIRDS, False)],
            Absences.IGNORED, TieEffect.FAILS, None, None,
        ),
        (
            CASTING.with_quorum(HALF_QUORUM),
            [(ConditionCode.SHARE_OF_VOTING_YES, Fraction(1, 2), True)],
            Absences.IGNORED, TieEffect.CHAIR_CASTING_VOTE, HALF_QUORUM, None,
        ),
        (
            DOUBLE,
            [
                (ConditionCode.SHARE_OF_MEMBERS_YES, Fraction(55, 100), False),
                (ConditionCode.POPULATION_SHARE, Fraction(65, 100), False),
            ],
            Absences.NOT_YES, TieEffect.FAILS, None, 4,
        ),
        (
            BUDGET,
            [
                (ConditionCode.CONTRIBUTION_SHARE, TWO_THIRDS, False),
                (ConditionCode.SHARE_OF_VOTING_YES, Fraction(1, 2), False),
            ],
            Absences.COUNT_AGAINST_IN_CONTRIBUTION_TEST, TieEffect.CONTRIBUTIONS_DECIDE, None, None,
        ),
        (
            NO_OBJECTION,
            [(ConditionCode.NO_OBJECTION, None, False), (ConditionCode.AT_LEAST_ONE_YES, None, False)],
            Absences.DO_NOT_BLOCK, TieEffect.FAILS, None, None,
        ),
    ],
    ids=["two-thirds of voting", "simple majority with casting vote and quorum", "EU", "budget",
         "no objection"],
)  # fmt: skip
def test_a_rule_describes_itself_as_data(
    rule: VotingRule,
    requirements: list[tuple[ConditionCode, Fraction | None, bool]],
    absences: Absences,
    tie: TieEffect,
    quorum: Fraction | None,
    blocking: int | None,
) -> None:
    """A rule names its tests, thresholds, abstentions, ties and quorum as data, in no language."""
    # when
    description = rule.description()
    # then
    assert [(r.code, r.threshold, r.strict) for r in description.requirements] == requirements
    assert (description.absences, description.tie) == (absences, tie)
    assert (description.quorum, description.blocking_minority) == (quorum, blocking)
    assert json.loads(json.dumps(description.to_dict()))["kind"] == rule.kind.value


def test_a_tally_is_stored_as_json_with_exact_fractions() -> None:
    """A tally becomes JSON with fractions as 'n/d' strings and its rule as data."""
    # given
    tally = evaluate(BUDGET, budget_council([Fraction(1, 3)] * 3), ballots(2, 1))
    # when
    data = json.loads(json.dumps(tally.to_dict()))
    # then
    assert (data["yes_share"], data["total_share"], data["outcome"]) == ("2/3", "1/1", "adopted")
    assert VotingRule.from_dict(data["rule"]) == BUDGET
    assert data["conditions"][0]["required"] == "2/3"


# Properties, for every kind of rule, with or without quorum.

POOL = CODES[:12]


fractions_01 = st.builds(Fraction, st.integers(1, 20), st.just(20))


@st.composite
def thresholds(draw: st.DrawFn, half_may_tie: bool = False) -> tuple[Fraction, bool]:
    """Draw a threshold in [1/2, 1] and a strictness the rule accepts."""
    denominator = draw(st.integers(2, 20))
    threshold = Fraction(draw(st.integers((denominator + 1) // 2, denominator)), denominator)
    if threshold == 1:
        return threshold, False  # more than everyone could never be met
    if threshold == Fraction(1, 2) and not half_may_tie:
        return threshold, True  # at least half would let a tie adopt
    return threshold, draw(st.booleans())


@st.composite
def rules(draw: st.DrawFn) -> VotingRule:
    """Draw any coherent rule of any kind, with or without a quorum."""
    quorum = draw(st.none() | fractions_01)
    kind = draw(st.sampled_from(RuleKind))
    # A quorum may count the ballots cast or the members present.
    base = draw(st.sampled_from(QuorumBase)) if quorum is not None else QuorumBase.CAST
    if kind is RuleKind.SIMPLE_MAJORITY:
        return VotingRule.simple_majority(draw(st.sampled_from(TieBreak)), quorum).with_quorum_base(
            base
        )
    if kind is RuleKind.UNANIMITY_ALL_YES:
        return VotingRule.unanimity_all_yes(quorum).with_quorum_base(base)
    if kind is RuleKind.UNANIMITY_NO_OBJECTION:
        return VotingRule.unanimity_no_objection(quorum).with_quorum_base(base)
    if kind is RuleKind.SILENCE:
        return VotingRule.silence()
    if kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
        return VotingRule.unanimity_constructive_abstention(quorum, base)
    weighted = kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY
    threshold, strict = draw(thresholds(half_may_tie=weighted))
    weight = draw(fractions_01.filter(lambda f: not (strict and f == 1)))
    if weighted:
        # (Weight caps depend on the electorate's size: test_rules_reference.py draws them.)
        return VotingRule(
            kind, threshold, strict, quorum=quorum, share_threshold=weight, quorum_base=base
        )
    if kind is RuleKind.DOUBLE_MAJORITY:
        blocking = draw(st.none() | st.integers(1, 5))
        return VotingRule(
            kind, threshold, strict, quorum=quorum,
            population_threshold=weight, min_blocking_minority=blocking, quorum_base=base,
        )  # fmt: skip
    return VotingRule(kind, threshold, strict, quorum=quorum, quorum_base=base)


@st.composite
def votes(draw: st.DrawFn) -> tuple[tuple[Elector, ...], list[tuple[str, Choice]]]:
    """Draw an electorate of one to twelve states, some recused, and the ballots of the rest."""
    codes = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=len(POOL), unique=True))
    recused = draw(st.lists(st.booleans(), min_size=len(codes), max_size=len(codes)))
    recused[0] = False  # someone must be able to vote
    electorate = tuple(
        Elector(
            code,
            population=draw(st.integers(1, 90_000_000)),
            contribution_share=Fraction(draw(st.integers(1, 300)), 1000),
            recused=out,
        )
        for code, out in zip(codes, recused, strict=True)
    )
    choices = st.sampled_from([Y, N, A, None])
    cast = [(e.state, draw(choices)) for e in electorate if not e.recused]
    return electorate, [(state, choice) for state, choice in cast if choice is not None]


casting_votes = st.sampled_from([None, Y, N])
FIRST_RELEASE_KINDS = set(RuleKind) - {
    RuleKind.QUALIFIED_OF_PRESENT,
    RuleKind.SILENCE,
    RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION,
}


@given(rules(), votes(), casting_votes, st.data())
def test_turning_a_no_into_a_yes_never_defeats_a_motion(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
    data: st.DataObject,
) -> None:
    """Turning one no into a yes never turns an adopted motion into a rejected one."""
    # given
    electorate, cast = vote
    noes = [i for i, (_, choice) in enumerate(cast) if choice is N]
    if not noes:
        return
    i = data.draw(st.sampled_from(noes))
    before = evaluate(rule, electorate, cast, casting)
    # when
    after = evaluate(rule, electorate, [*cast[:i], (cast[i][0], Y), *cast[i + 1 :]], casting)
    # then
    assert after.adopted or not before.adopted
    assert (after.outcome is Outcome.NO_QUORUM) == (before.outcome is Outcome.NO_QUORUM)


@given(rules(), votes(), casting_votes, st.data())
def test_an_extra_yes_never_defeats_a_motion(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
    data: st.DataObject,
) -> None:
    """An absent or abstaining member voting yes instead never turns adoption into rejection."""
    # given
    electorate, cast = vote
    choices = dict(cast)
    others = [e.state for e in electorate if not e.recused and choices.get(e.state) is not Y]
    if not others:
        return
    state = data.draw(st.sampled_from(others))
    before = evaluate(rule, electorate, choices, casting)
    # when
    after = evaluate(rule, electorate, choices | {state: Y}, casting)
    # then
    assert after.adopted or not before.adopted


@given(rules(), votes(), casting_votes, st.randoms())
def test_reordering_ballots_and_electors_changes_nothing(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
    rng: Random,
) -> None:
    """The order in which ballots and electors arrive has no effect on the tally."""
    # given
    electorate, cast = vote
    shuffled_cast, shuffled_electorate = list(cast), list(electorate)
    rng.shuffle(shuffled_cast)
    rng.shuffle(shuffled_electorate)
    # when
    tallies = [
        evaluate(rule, electorate, cast, casting),
        evaluate(rule, shuffled_electorate, shuffled_cast, casting),
        evaluate(rule, electorate, dict(shuffled_cast), casting),
    ]
    # then
    assert tallies[0] == tallies[1] == tallies[2]


@given(rules(), votes(), casting_votes)
def test_the_figures_add_up_to_the_ballots(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
) -> None:
    """Every member is yes, no, abstaining or absent, and each figure is the sum of its ballots."""
    # given
    electorate, cast = vote
    choices = dict(cast)
    members = [e for e in electorate if not e.recused]
    yes = [e for e in members if choices.get(e.state) is Y]
    # when
    tally = evaluate(rule, electorate, cast, casting)
    # then
    assert tally.yes + tally.no + tally.abstain + tally.absent == tally.members == len(members)
    assert tally.members + tally.recused == len(electorate)
    assert tally.recused_states == tuple(sorted(e.state for e in electorate if e.recused))
    assert (tally.yes, tally.no, tally.abstain) == tuple(
        sum(1 for c in choices.values() if c is choice) for choice in (Y, N, A)
    )
    assert tally.cast == len(cast)
    assert tally.yes_population == sum(e.population for e in yes)
    assert tally.total_population == sum(e.population for e in members)
    assert tally.yes_share == sum((e.contribution_share for e in yes), Fraction(0))
    assert tally.total_share == sum((e.contribution_share for e in members), Fraction(0))
    assert (tally.margin >= 0) is tally.adopted


@given(rules(), votes(), casting_votes, st.data())
def test_the_margin_holds_whichever_states_change(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
    data: st.DataObject,
) -> None:
    """Any `margin` yes states could have voted no; any fewer than the shortfall could not help."""
    # given
    electorate, cast = vote
    tally = evaluate(rule, electorate, cast, casting)
    if tally.outcome is Outcome.NO_QUORUM:
        return
    choices = dict(cast)
    members = [e.state for e in electorate if not e.recused]
    if tally.adopted:
        pool, switch_to, count = [s for s in members if choices.get(s) is Y], N, tally.margin
    else:
        pool, switch_to, count = (
            [s for s in members if choices.get(s) is not Y],
            Y,
            -tally.margin - 1,
        )
    changed = (
        data.draw(st.lists(st.sampled_from(pool), min_size=count, max_size=count, unique=True))
        if pool
        else []
    )
    # when
    after = evaluate(rule, electorate, choices | dict.fromkeys(changed, switch_to), casting)
    # then
    assert after.adopted is tally.adopted


@given(rules(), votes(), casting_votes)
def test_evaluation_is_deterministic_and_storable(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
) -> None:
    """Counting the same vote twice gives equal tallies that store as the same JSON."""
    # given
    electorate, cast = vote
    # when
    first, second = (evaluate(rule, electorate, cast, casting) for _ in range(2))
    # then
    assert first == second
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


@given(rules())
def test_a_rule_round_trips_through_json(rule: VotingRule) -> None:
    """A rule stored with to_dict as JSON comes back with from_dict exactly the same."""
    # when
    restored = VotingRule.from_dict(json.loads(json.dumps(rule.to_dict())))
    # then
    assert restored == rule
    assert restored.description() == rule.description()


@given(rules(), votes(), casting_votes)
def test_a_stored_tally_reads_back_as_the_same_tally(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
) -> None:
    """A tally stored as JSON reads back equal, structure and verdict included."""
    # given
    electorate, cast = vote
    tally = evaluate(rule, electorate, cast, casting)
    # when
    restored = Tally.from_dict(json.loads(json.dumps(tally.to_dict())))
    # then
    assert restored == tally


@given(rules(), votes(), casting_votes)
def test_a_tally_stored_before_conditions_had_codes_reads_back_with_its_structure(
    rule: VotingRule,
    vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]],
    casting: Choice | None,
) -> None:
    """Without the keys added for pages in other languages, the structure is derived again."""
    if rule.kind not in FIRST_RELEASE_KINDS or rule.quorum_base is not QuorumBase.CAST:
        return  # the first release had neither these kinds nor quorums of those present
    # given a tally stored the way the first release stored it
    electorate, cast = vote
    tally = evaluate(rule, electorate, cast, casting)
    data = json.loads(json.dumps(tally.to_dict()))
    del data["verdict"]
    for row in data["conditions"]:
        for key in ("code", "threshold", "base", "strict", "fewest"):
            del row[key]
    # when
    restored = Tally.from_dict(data)
    # then
    assert restored == tally


def test_a_budget_carried_by_a_heavy_contributor_has_its_margin_in_percentage_points() -> None:
    """99.4 % of the contributions against 66.7 % needed: the margin is 32.7 points, not 0 states.

    The states margin is a worst case: the one state paying 40 % voting no would sink the budget,
    so it reads "no state to spare"; the verdict also gives the weighted margin and the head count.
    """
    # given one state paying 40 %, ten paying 5.94 % each and one paying 0.6 % that votes no
    shares = [Fraction(40, 100)] + [Fraction(594, 10_000)] * 10
    shares.append(1 - sum(shares))
    electorate = budget_council(shares)
    # when
    tally = evaluate(BUDGET, electorate, ballots(11, 1))
    # then
    assert tally.summary == (
        "adopted: the yes states hold 99.4% of the contributions, two-thirds needed"
    )
    verdict = tally.verdict
    assert (verdict.outcome, verdict.reason, verdict.failed) == (Outcome.ADOPTED, Reason.MET, ())
    assert verdict.margin.states == tally.margin == 0
    assert verdict.margin.weighted_test is ConditionCode.CONTRIBUTION_SHARE
    assert verdict.margin.weighted_share == Fraction(994, 1000) - TWO_THIRDS
    assert verdict.margin.headcount == 11 - 6  # 6 of 12 voting is half


def test_a_blocked_double_majority_says_which_tests_failed() -> None:
    """Four big states voting no: the population test and the blocking minority both fail."""
    # given
    votes = [(code, N if code in {"DE", "FR", "IT", "ES"} else Y) for code in CODES]
    # when
    tally = evaluate(DOUBLE, EU, votes)
    # then
    verdict = tally.verdict
    assert verdict.reason is Reason.NOT_MET
    assert verdict.failed == (ConditionCode.POPULATION_SHARE, ConditionCode.BLOCKING_MINORITY)
    block = tally.conditions[-1]
    assert (block.code, block.required, block.actual, block.fewest) == (
        ConditionCode.BLOCKING_MINORITY,
        4,
        4,
        None,
    )


@pytest.mark.parametrize(
    ("rule", "votes", "casting", "reason"),
    [
        (SIMPLE, (4, 4, 1), None, Reason.TIE_FAILS),
        (CASTING, (4, 4, 1), Y, Reason.CASTING_VOTE_YES),
        (CASTING, (4, 4, 1), N, Reason.CASTING_VOTE_NO),
        (CASTING, (4, 4, 1), None, Reason.CASTING_VOTE_NOT_GIVEN),
        (OF_VOTING, (0, 0, 9), None, Reason.NOBODY_VOTED),
        (NO_OBJECTION, (4, 1, 1), None, Reason.OBJECTION),
        (NO_OBJECTION, (0, 0, 6), None, Reason.NO_YES),
        (SIMPLE.with_quorum(HALF_QUORUM), (2, 1, 0), None, Reason.NO_QUORUM),
        (OF_VOTING, (5, 3, 1), None, Reason.NOT_MET),
        (OF_VOTING, (6, 3, 0), None, Reason.MET),
    ],
)
def test_the_verdict_names_why_a_vote_ended_as_it_did(
    rule: VotingRule, votes: tuple[int, int, int], casting: Choice | None, reason: Reason
) -> None:
    """Each way a vote can end has its own reason, which pages put into words."""
    # when
    tally = evaluate(rule, council(9), ballots(*votes), casting)
    # then
    assert tally.verdict.reason is reason


def test_tallies_stored_by_the_first_release_read_back_with_their_structure() -> None:
    """Tallies stored before conditions carried codes still give codes, bases and a verdict."""
    # given tallies exactly as the first release stored them at close
    path = Path(__file__).parent / "data" / "legacy_tallies.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    # when
    tallies = {name: Tally.from_dict(data) for name, data in stored.items()}
    # then
    budget = tallies["budget_adopted"]
    assert budget.verdict.margin.weighted_share == Fraction(994, 1000) - TWO_THIRDS
    assert [c.code for c in budget.conditions] == [
        ConditionCode.CONTRIBUTION_SHARE,
        ConditionCode.SHARE_OF_VOTING_YES,
    ]
    assert budget.conditions[0].base == Fraction(1)
    assert tallies["eu_blocked"].verdict.failed == (
        ConditionCode.POPULATION_SHARE,
        ConditionCode.BLOCKING_MINORITY,
    )
    assert tallies["no_quorum"].conditions[0].code is ConditionCode.QUORUM
    assert tallies["no_quorum"].verdict.margin.states == -3
    assert tallies["casting_yes"].verdict.reason is Reason.CASTING_VOTE_YES
    assert tallies["unanimity_short"].conditions[0].code is ConditionCode.ALL_MEMBERS_YES
    assert all(t.summary == stored[name]["summary"] for name, t in tallies.items())
