"""Named cases from each rule-book the engine implements, taken at their boundaries.

Every case counts through `tally`, the one count the motion service, the verifier and the
offline recompute call, on a typed `Electorate`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from fractions import Fraction

import pytest

from governance.rules import (
    Choice,
    ConditionCode,
    Elector,
    Electorate,
    Outcome,
    QuorumBase,
    Reason,
    RuleError,
    RuleKind,
    Tally,
    TieBreak,
    VotingRule,
    anonymous_ballots,
    tally,
)
from tests.governance.test_rules import EU28_2016, EU_POPULATION

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN


def electorate(
    electors: Iterable[Elector], rule: VotingRule, programme: str | None = None
) -> Electorate:
    return Electorate(
        motion="GC/2026/001",
        council="GC",
        frozen_at="2026-03-02T09:30:00+00:00",
        rule=rule.to_dict(),
        electors=tuple(electors),
        programme=programme,
    )


def count(
    rule: VotingRule,
    electors: Iterable[Elector],
    ballots: Mapping[str, Choice],
    attendance: Iterable[str] = (),
    casting_vote: Choice | None = None,
) -> Tally:
    return tally(
        electorate(electors, rule), ballots, attendance=attendance, casting_vote=casting_vote
    )


def codes(n: int) -> list[str]:
    """n distinct two-letter state codes."""
    return [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(n)]


# -- EU Council: qualified majority, TEU Art. 16(4) and TFEU Art. 238(3)(a) ------------------

QMV = VotingRule.double_majority()
EU28 = [Elector(c, p * 1000) for c, p in EU28_2016.items()]


def test_eu_28_the_sixteen_largest_carry_a_qualified_majority_with_all_taking_part() -> None:
    """TEU Art. 16(4): 16 of 28 is 55 %, and the 16 largest hold well over 65 % of the people."""
    # given
    largest = list(EU28_2016)[:16]
    # when
    result = count(QMV, EU28, {c: (Y if c in largest else N) for c in EU28_2016})
    # then
    assert result.adopted
    assert result.required_yes == 16  # 55 % of 28 is 15.4
    assert result.present == 28 and result.recused == 0


def test_eu_28_of_2016_de_fr_uk_out_it_es_pl_against_is_rejected() -> None:
    """The issue's case: with DE, FR and the UK not taking part, IT, ES and PL block.

    TFEU Art. 238(3)(a): the blocking minority is the fewest participating members holding
    more than 35 % of the participating population (IT and ES: 107,236 of 298,005 thousand)
    plus one, three members; IT, ES and PL are three. (Council Decision 2015/2437 figures.)
    """
    # given
    out = {"DE", "FR", "GB"}
    electors = [Elector(e.state, e.population, recused=e.state in out) for e in EU28]
    ballots = {c: (N if c in {"IT", "ES", "PL"} else Y) for c in EU28_2016 if c not in out}
    # when
    result = count(QMV, electors, ballots)
    # then
    assert result.outcome is Outcome.REJECTED
    assert (result.members, result.recused_states) == (25, ("DE", "FR", "GB"))
    block = next(c for c in result.conditions if c.code is ConditionCode.BLOCKING_MINORITY)
    assert (block.required, block.actual, block.fewest, block.passed) == (3, 3, 2, False)


def test_eu_28_of_2016_de_fr_uk_out_only_it_and_es_against_is_adopted() -> None:
    """The boundary: IT and ES alone, two members, are one fewer than the three that can block."""
    # given
    out = {"DE", "FR", "GB"}
    electors = [Elector(e.state, e.population, recused=e.state in out) for e in EU28]
    ballots = {c: (N if c in {"IT", "ES"} else Y) for c in EU28_2016 if c not in out}
    # when
    result = count(QMV, electors, ballots)
    # then the yes states hold 64.0 % of the participants' people, under 65 %, but no
    # blocking minority formed
    assert result.adopted
    population = next(c for c in result.conditions if c.code is ConditionCode.POPULATION_SHARE)
    assert not population.passed


# -- CERN Council: CERN Convention Art. V -----------------------------------------------------

CERN = [Elector(c) for c in codes(23)]


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "casting", "outcome", "reason"),
    [
        (8, 7, 8, None, Outcome.ADOPTED, Reason.MET),
        (7, 7, 9, None, Outcome.REJECTED, Reason.CASTING_VOTE_NOT_GIVEN),
        (7, 7, 9, Y, Outcome.ADOPTED, Reason.CASTING_VOTE_YES),
        (7, 7, 9, N, Outcome.REJECTED, Reason.CASTING_VOTE_NO),
        (0, 0, 23, None, Outcome.REJECTED, Reason.NOBODY_VOTED),
    ],
    ids=["8 to 7", "tie, no casting vote", "tie, casting yes", "tie, casting no", "all abstain"],
)
def test_cern_simple_majority_of_the_members_represented_and_voting(
    yes: int, no: int, abstain: int, casting: Choice | None, outcome: Outcome, reason: Reason
) -> None:
    """Art. V(5): abstentions are not counted; here a tie goes to the chair's casting vote."""
    # given
    rule = VotingRule.simple_majority(tie_break=TieBreak.CHAIR_CASTING_VOTE)
    states = [e.state for e in CERN]
    ballots = dict(zip(states, [Y] * yes + [N] * no + [A] * abstain, strict=True))
    # when
    result = count(rule, CERN, ballots, casting_vote=casting)
    # then
    assert (result.outcome, result.verdict.reason) == (outcome, reason)
    assert result.casting_vote == (casting if result.tie else None)


def test_a_casting_vote_given_without_a_tie_changes_nothing() -> None:
    """The chair's casting vote counts only on a tie; otherwise the tally does not record it."""
    rule = VotingRule.simple_majority(tie_break=TieBreak.CHAIR_CASTING_VOTE)
    result = count(rule, CERN[:3], {"AA": Y, "AB": N, "AC": N}, casting_vote=Y)
    assert not result.adopted and result.casting_vote is None


@pytest.mark.parametrize(("yes", "adopted"), [(16, True), (15, False)])
def test_cern_two_thirds_of_all_member_states(yes: int, adopted: bool) -> None:
    """Art. V(6): two-thirds of all 23 member states is 16 (15.33 rounded up), absences count."""
    # given everyone else stays away
    ballots = dict.fromkeys([e.state for e in CERN][:yes], Y)
    # when
    result = count(VotingRule.qualified_of_members(), CERN, ballots)
    # then
    assert result.adopted is adopted
    assert result.required_yes == 16


@pytest.mark.parametrize(("yes", "adopted"), [(7, True), (6, False)])
def test_cern_two_thirds_of_a_programmes_participants(yes: int, adopted: bool) -> None:
    """Art. V(6)-(7): only the 10 participants vote on the programme, two-thirds of them is 7."""
    # given a programme with its own participants and contribution keys
    participants = [Elector(c, contribution_share=Fraction(1, 10)) for c in codes(10)]
    rule = VotingRule.qualified_of_members()
    ballots = dict.fromkeys([e.state for e in participants][:yes], Y)
    # when
    result = tally(electorate(participants, rule, programme="HL-LHC"), ballots)
    # then
    assert result.adopted is adopted
    assert (result.members, result.required_yes, result.programme) == (10, 7, "HL-LHC")
    assert Tally.from_dict(json.loads(json.dumps(result.to_dict()))).programme == "HL-LHC"


# -- Majority of those present; quorum of members present ------------------------------------

PRESENT = VotingRule.qualified_of_present()  # a simple majority of those present: > 1/2


@pytest.mark.parametrize(
    ("votes", "attendance", "adopted", "present"),
    [
        ((5, 3, 2), (), False, 10),
        ((6, 2, 2), (), True, 10),
        ((5, 4, 0), ("AK",), False, 10),
        ((3, 0, 1), (), True, 4),
    ],
    ids=[
        "5 of 10 present is not more than half",
        "6 of 10 present",
        "an attendee casting nothing counts against",
        "absent members are not counted",
    ],
)
def test_a_majority_of_those_present(
    votes: tuple[int, int, int], attendance: tuple[str, ...], adopted: bool, present: int
) -> None:
    """Abstaining or attending silently counts against; staying away does not count."""
    # given a council of 20
    electors = [Elector(c) for c in codes(20)]
    yes, no, abstain = votes
    choices = [Y] * yes + [N] * no + [A] * abstain
    ballots = dict(zip([e.state for e in electors], choices, strict=False))
    # when
    result = count(PRESENT, electors, ballots, attendance=attendance)
    # then
    assert result.adopted is adopted
    assert result.present == present
    assert result.absent == 20 - yes - no - abstain


def test_the_same_vote_passes_a_majority_of_those_voting_but_not_of_those_present() -> None:
    """Five yes, three no, two abstaining: 5 > 4 of those voting, but not > 5 of 10 present."""
    electors = [Elector(c) for c in codes(10)]
    ballots = dict(zip(codes(10), [Y] * 5 + [N] * 3 + [A] * 2, strict=True))
    assert count(VotingRule.simple_majority(), electors, ballots).adopted
    assert not count(PRESENT, electors, ballots).adopted


def test_nobody_present_carries_nothing() -> None:
    """With nobody present a majority of those present is not met."""
    result = count(PRESENT, [Elector(c) for c in codes(3)], {})
    assert result.verdict.reason is Reason.NOBODY_VOTED
    assert result.summary == "rejected: no member was present"


@pytest.mark.parametrize(
    ("base", "outcome", "counted"),
    [(QuorumBase.PRESENT, Outcome.ADOPTED, 5), (QuorumBase.CAST, Outcome.NO_QUORUM, 4)],
)
def test_a_delegation_that_attends_and_casts_nothing_makes_the_presence_quorum(
    base: QuorumBase, outcome: Outcome, counted: int
) -> None:
    """Half of ten is five: four ballots and one silent attendee meet a quorum of presence only."""
    # given
    electors = [Elector(c) for c in codes(10)]
    rule = VotingRule.simple_majority(quorum=Fraction(1, 2)).with_quorum_base(base)
    ballots = {"AA": Y, "AB": Y, "AC": Y, "AD": N}
    # when
    result = count(rule, electors, ballots, attendance=["AE"])
    # then
    assert result.outcome is outcome
    quorum = result.conditions[0]
    assert (quorum.required, quorum.actual) == (5, counted)
    assert quorum.code is (
        ConditionCode.QUORUM_PRESENT if base is QuorumBase.PRESENT else ConditionCode.QUORUM
    )
    assert result.present_states == ("AA", "AB", "AC", "AD", "AE")


@pytest.mark.parametrize(
    ("attendance", "message"),
    [(["US"], "not in the electorate"), (["AC"], "recused"), ("AA", "not one text")],
)
def test_attendance_outside_the_voting_members_is_refused(
    attendance: list[str] | str, message: str
) -> None:
    """Only a voting member can be marked present."""
    electors = [Elector("AA"), Elector("AB"), Elector("AC", recused=True)]
    with pytest.raises(RuleError, match=message):
        count(PRESENT, electors, {}, attendance=attendance)


def test_a_chairs_casting_vote_is_only_for_a_simple_majority() -> None:
    """A majority of those present has no casting vote: abstainers are not a side of a tie."""
    with pytest.raises(RuleError, match="only a simple majority has a casting vote"):
        VotingRule(
            RuleKind.QUALIFIED_OF_PRESENT,
            Fraction(1, 2),
            strict=True,
            tie_break=TieBreak.CHAIR_CASTING_VOTE,
        )


# -- Silence procedure -----------------------------------------------------------------------

SILENCE = VotingRule.silence()
SIX = [Elector(c) for c in codes(6)]


@pytest.mark.parametrize(
    ("ballots", "outcome", "reason", "summary"),
    [
        ({}, Outcome.ADOPTED, Reason.MET, "adopted: no member objected"),
        ({"AA": A, "AB": Y}, Outcome.ADOPTED, Reason.MET, "adopted: no member objected"),
        ({"AA": Y, "AB": N}, Outcome.REJECTED, Reason.OBJECTION, "rejected: 1 member objected"),
    ],
    ids=["nobody writes", "a yes and an abstention", "one objection"],
)
def test_a_silence_procedure_is_adopted_unless_someone_objects(
    ballots: dict[str, Choice], outcome: Outcome, reason: Reason, summary: str
) -> None:
    """No ballot at all adopts; yes and abstain are no objection; a single no stops it."""
    result = count(SILENCE, SIX, ballots)
    assert (result.outcome, result.verdict.reason, result.summary) == (outcome, reason, summary)


def test_a_silence_procedure_has_no_quorum() -> None:
    """A quorum would let silence veto the procedure it is meant to carry."""
    with pytest.raises(RuleError, match="silence has no quorum"):
        SILENCE.with_quorum(Fraction(1, 2))


# -- Constructive abstention, TEU Art. 31(1) --------------------------------------------------

CONSTRUCTIVE = VotingRule.unanimity_constructive_abstention()
EU27 = [Elector(c, p) for c, p in EU_POPULATION.items()]
SMALLEST_NINE = list(EU_POPULATION)[-9:]


def eu27(abstaining: Iterable[str], **changes: Choice) -> dict[str, Choice]:
    abstain = set(abstaining)
    return {c: (A if c in abstain else Y) for c in EU_POPULATION} | changes


def test_nine_formal_abstainers_with_a_third_of_the_people_stop_the_decision() -> None:
    """Nine of 27 (one third) holding at least a third of the EU's people: not adopted."""
    # given the nine largest abstain formally
    largest = list(EU_POPULATION)[:9]
    # when
    result = count(CONSTRUCTIVE, EU27, eu27(largest))
    # then
    assert result.outcome is Outcome.REJECTED
    assert result.verdict.reason is Reason.ABSTAINERS_BLOCK
    assert result.not_bound_states == ()


def test_nine_small_formal_abstainers_do_not_stop_the_decision_and_are_not_bound() -> None:
    """Nine of 27, but holding far less than a third of the people: adopted, nine not bound."""
    # when
    result = count(CONSTRUCTIVE, EU27, eu27(SMALLEST_NINE))
    # then
    assert result.adopted
    assert result.not_bound_states == tuple(sorted(SMALLEST_NINE))
    assert result.summary == "adopted: no member voted no; 9 formal abstainers not bound"


def test_eight_large_formal_abstainers_are_fewer_than_a_third_of_the_members() -> None:
    """The eight largest hold over a third of the people, but 8 of 27 is under a third."""
    # given
    largest = list(EU_POPULATION)[:8]
    # when
    result = count(CONSTRUCTIVE, EU27, eu27(largest))
    # then
    assert result.adopted
    failed = set(result.verdict.failed)
    assert failed == {ConditionCode.FORMAL_ABSTAINERS_POPULATION}


@pytest.mark.parametrize(("abstainers_population", "adopted"), [(100, False), (99, True)])
def test_the_population_third_is_met_exactly_at_one_third(
    abstainers_population: int, adopted: bool
) -> None:
    """Two of six members abstaining with exactly 100 of 300 people stop it; 99 of 300 do not."""
    # given
    populations = [abstainers_population // 2, abstainers_population - abstainers_population // 2]
    populations += [(300 - abstainers_population) // 4] * 4
    populations[-1] += 300 - sum(populations)
    electors = [Elector(c, p) for c, p in zip(codes(6), populations, strict=True)]
    ballots = {"AA": A, "AB": A, "AC": Y, "AD": Y, "AE": Y, "AF": Y}
    # when
    result = count(CONSTRUCTIVE, electors, ballots)
    # then
    assert result.total_population == 300
    assert result.adopted is adopted


def test_one_no_vote_stops_a_constructive_abstention() -> None:
    """A formal abstention is not a veto, but a vote against still is."""
    result = count(CONSTRUCTIVE, EU27, eu27([], MT=N))
    assert result.verdict.reason is Reason.OBJECTION


def test_a_member_neither_present_nor_represented_prevents_unanimity() -> None:
    """TFEU Art. 238(4) spares abstentions of members present or represented, not absences."""
    # given Malta casts nothing
    ballots = {c: Y for c in EU_POPULATION if c != "MT"}
    # when
    away = count(CONSTRUCTIVE, EU27, ballots)
    present = count(CONSTRUCTIVE, EU27, ballots, attendance=["MT"])
    # then
    assert away.verdict.reason is Reason.ABSENT
    assert away.summary == "rejected: 1 state neither present nor represented"
    assert present.adopted  # present and silent: a simple abstention, bound by the decision
    assert present.not_bound_states == ()


def test_a_unanimity_needs_one_yes() -> None:
    """Everyone abstaining adopts nothing."""
    result = count(CONSTRUCTIVE, EU27[:3], dict.fromkeys(list(EU_POPULATION)[:3], A))
    assert result.verdict.reason is Reason.NO_YES


# -- Weight cap on contribution-weighted votes ------------------------------------------------


def budget(shares: Iterable[int], cap: Fraction | None) -> tuple[VotingRule, list[Elector]]:
    rule = VotingRule.weighted_double_majority().with_weight_cap(cap)
    electors = [
        Elector(c, contribution_share=Fraction(s, 100))
        for c, s in zip(codes(9), shares, strict=False)
    ]
    return rule, electors


def test_a_state_above_the_cap_is_cut_to_it_and_the_excess_shared_pro_rata() -> None:
    """Capped at half, a 60 % contributor weighs 50 %; the two 20 % states weigh 25 % each."""
    # given
    rule, electors = budget([60, 20, 20], Fraction(1, 2))
    # when the big contributor votes yes alone with one other
    result = count(rule, electors, {"AA": Y, "AB": N, "AC": N})
    # then
    assert result.capped_states == ("AA",)
    assert (result.yes_share, result.total_share) == (Fraction(1, 2), Fraction(1))
    shares = next(c for c in result.conditions if c.code is ConditionCode.CONTRIBUTION_SHARE)
    assert "AA capped at 0.5" in shares.explanation


def test_a_share_exactly_at_the_cap_is_not_capped() -> None:
    """No state's weight may exceed the cap: reaching it is allowed."""
    rule, electors = budget([50, 25, 25], Fraction(1, 2))
    result = count(rule, electors, {"AA": Y, "AB": Y, "AC": N})
    assert result.capped_states == ()
    assert result.yes_share == Fraction(3, 4)


def test_redistribution_repeats_until_no_state_exceeds_the_cap() -> None:
    """50/30/10/10 capped at 35 %: the 30 % state rises above the cap and is capped in turn."""
    # given
    rule, electors = budget([50, 30, 10, 10], Fraction(35, 100))
    # when
    result = count(rule, electors, {"AA": N, "AB": N, "AC": Y, "AD": Y})
    # then the two 10 % states share the remaining 30 %
    assert result.capped_states == ("AA", "AB")
    assert result.yes_share == Fraction(30, 100)


def test_a_cap_exactly_one_over_the_members_makes_them_equal() -> None:
    """Capped at a third among three weighted members, each weighs a third."""
    rule, electors = budget([80, 15, 5], Fraction(1, 3))
    result = count(rule, electors, {"AA": N, "AB": Y, "AC": Y})
    assert result.yes_share == Fraction(2, 3)
    assert result.adopted


def test_a_cap_the_members_cannot_meet_is_refused() -> None:
    """Three weighted members capped at a quarter each would hold only three quarters."""
    rule, electors = budget([60, 20, 20], Fraction(1, 4))
    with pytest.raises(RuleError, match="cannot hold for 3 weighted members"):
        count(rule, electors, {"AA": Y})


def test_a_weight_cap_is_only_for_a_contribution_weighted_rule() -> None:
    """A head-count rule has no weights to cap."""
    with pytest.raises(RuleError, match="weight_cap"):
        VotingRule.qualified_of_voting().with_weight_cap(Fraction(1, 2))


# -- Stored rules and tallies ----------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        PRESENT,
        PRESENT.with_quorum(Fraction(1, 2)).with_quorum_base(QuorumBase.PRESENT),
        SILENCE,
        CONSTRUCTIVE,
        VotingRule.weighted_double_majority().with_weight_cap(Fraction(2, 5)),
    ],
    ids=["present", "present with presence quorum", "silence", "constructive", "capped budget"],
)
def test_a_new_rule_and_its_tally_round_trip_through_json(rule: VotingRule) -> None:
    """The new kinds and fields are stored and read back, their tallies too."""
    # given
    electors = [Elector(c, 10 + i, Fraction(1, 5)) for i, c in enumerate(codes(5))]
    result = count(rule, electors, {"AA": Y, "AB": A, "AC": Y}, attendance=["AD"])
    # when
    rule_back = VotingRule.from_dict(json.loads(json.dumps(rule.to_dict())))
    tally_back = Tally.from_dict(json.loads(json.dumps(result.to_dict())))
    # then
    assert rule_back == rule
    assert tally_back == result


def test_a_rule_without_the_new_fields_is_stored_as_before() -> None:
    """quorum_base and weight_cap are written only when set: old rules store the same JSON."""
    assert set(VotingRule.simple_majority().to_dict()) == {
        "kind",
        "threshold",
        "strict",
        "tie_break",
        "quorum",
        "population_threshold",
        "min_blocking_minority",
        "share_threshold",
    }


def test_a_tally_stored_before_attendance_counts_its_ballots_as_present() -> None:
    """An older tally has no attendance: those present are those who cast a ballot."""
    # given
    result = count(VotingRule.simple_majority(), SIX, {"AA": Y, "AB": N, "AC": A})
    data = json.loads(json.dumps(result.to_dict()))
    for key in ("present", "present_states", "not_bound_states", "capped_states", "programme"):
        del data[key]
    # when
    restored = Tally.from_dict(data)
    # then
    assert (restored.present, restored.present_states) == (3, None)


# -- Secret ballots --------------------------------------------------------------------------


def test_a_secret_votes_choices_go_to_the_states_that_took_part() -> None:
    """Who voted is known and how is not: sorted choices go to the sorted voters."""
    # given
    secret = electorate(SIX, VotingRule.qualified_of_present())
    # when
    ballots = anonymous_ballots(secret, ["AD", "AB", "AA"], ["yes", "no", "yes"])
    result = tally(secret, ballots)
    # then
    assert ballots == {"AA": N, "AB": Y, "AD": Y}
    assert (result.yes, result.no, result.present) == (2, 1, 3)


@pytest.mark.parametrize(
    ("rule", "voters", "choices", "message"),
    [
        (SILENCE, ["AA"], ["yes", "no"], "2 secret ballots are counted but only 1"),
        (SILENCE, ["US"], ["yes"], "not a voting member"),
        (SILENCE, ["AA", "AA"], ["yes"], "listed twice"),
        (CONSTRUCTIVE, ["AA"], ["abstain"], "cannot be secret"),
        (QMV, ["AA"], ["yes"], "cannot be secret"),
    ],
)
def test_a_secret_count_that_cannot_be_right_is_refused(
    rule: VotingRule, voters: list[str], choices: list[str], message: str
) -> None:
    """More choices than voters, a stranger voting, or a rule that weighs voters is refused."""
    with pytest.raises(RuleError, match=message):
        anonymous_ballots(electorate(SIX, rule), voters, choices)
