"""The engine against a reference count written straight from the rule-books' texts.

The reference shares no code with governance.rules: it is each text read literally, with
plain loops and fractions, so a change to the engine that departs from a text shows here.
Random electorates with recusals, absences, attendance and programmes, every rule kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from governance.rules import (
    Choice,
    Elector,
    Electorate,
    Outcome,
    QuorumBase,
    RuleKind,
    TieBreak,
    VotingRule,
    tally,
)
from tests.governance.test_rules import rules as any_rule

POOL = ("AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GR", "IT", "NL", "PL", "PT")
FAST = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Vote:
    electorate: Electorate
    ballots: dict[str, Choice]
    attendance: frozenset[str]
    casting: Choice | None


@st.composite
def votes(draw: st.DrawFn) -> Vote:
    """A random electorate (recusals, populations, contribution keys, perhaps a programme),
    ballots from some members, and some members marked present who may cast nothing."""
    rule = draw(any_rule())
    states = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=len(POOL), unique=True))
    recused = draw(st.lists(st.booleans(), min_size=len(states), max_size=len(states)))
    recused[0] = False
    electors = [
        Elector(
            state,
            population=draw(st.integers(1, 90_000_000)),
            contribution_share=Fraction(draw(st.integers(0, 300)), 1000),
            recused=out,
        )
        for state, out in zip(states, recused, strict=True)
    ]
    members = [e.state for e in electors if not e.recused]
    if rule.kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
        if not any(e.contribution_share for e in electors if not e.recused):
            electors[0] = Elector(electors[0].state, electors[0].population, Fraction(1, 10))
        weighted = sum(1 for e in electors if not e.recused and e.contribution_share)
        caps = [Fraction(k, 20) for k in range(1, 20) if Fraction(k, 20) * weighted >= 1]
        if caps:  # one weighted member alone can meet no cap below the whole
            rule = rule.with_weight_cap(draw(st.none() | st.sampled_from(caps)))
    choices = st.sampled_from([Choice.YES, Choice.NO, Choice.ABSTAIN, None])
    ballots = {s: c for s in members if (c := draw(choices)) is not None}
    attendance = frozenset(draw(st.lists(st.sampled_from(members), unique=True)))
    electorate = Electorate(
        motion="GC/2026/099",
        council="GC",
        frozen_at="2026-01-01T00:00:00+00:00",
        rule=rule.to_dict(),
        electors=tuple(electors),
        programme=draw(st.none() | st.just("HL-LHC")),
    )
    casting = draw(st.sampled_from([None, Choice.YES, Choice.NO]))
    return Vote(electorate, ballots, attendance, casting)


def meets(value: Fraction | int, share: Fraction, base: Fraction | int, strict: bool) -> bool:
    """`value` is at least (or, strict, more than) `share` of `base`."""
    return value > share * base if strict else value >= share * base


def capped(
    shares: dict[str, Fraction], cap: Fraction | None
) -> tuple[dict[str, Fraction], set[str]]:
    """Weights with none above `cap` of the total, the excess shared pro rata.

    Found by trying the k largest as the capped ones, k = 0, 1, ..., and taking the first k
    for which every other state, scaled up to share what is left, stays within the cap.
    """
    if cap is None:
        return shares, set()
    total = sum(shares.values(), Fraction(0))
    limit = cap * total
    order = sorted(shares, key=lambda s: shares[s], reverse=True)
    for k in range(len(order) + 1):
        top, rest = order[:k], order[k:]
        rest_total = sum((shares[s] for s in rest), Fraction(0))
        left = total - limit * k
        weights = dict.fromkeys(top, limit)
        for s in rest:
            weights[s] = shares[s] * left / rest_total if rest_total else Fraction(0)
        if all(weights[s] <= limit for s in rest):
            return weights, set(top)
    raise AssertionError("a feasible cap always has an answer")


def reference(vote: Vote) -> tuple[Outcome, dict[str, object]]:
    """The outcome the texts give, and the counts the tally must show."""
    rule = VotingRule.from_dict(vote.electorate.rule)
    everyone = vote.electorate.electors
    members = [e for e in everyone if not e.recused]
    b = vote.ballots
    yes = [e for e in members if b.get(e.state) == Choice.YES]
    no = [e for e in members if b.get(e.state) == Choice.NO]
    abstain = [e for e in members if b.get(e.state) == Choice.ABSTAIN]
    present = {e.state for e in members if e.state in b or e.state in vote.attendance}
    m, y, n = len(members), len(yes), len(no)
    population = sum(e.population for e in members)
    t, strict = rule.threshold, rule.strict
    counts: dict[str, object] = {
        "yes": y,
        "no": n,
        "abstain": len(abstain),
        "absent": m - len(b),
        "present": len(present),
        "present_states": tuple(sorted(present)),
    }
    if rule.quorum is not None:
        # The quorum counts ballots cast, or with quorum_base "present" the members present.
        counted = len(present) if rule.quorum_base is QuorumBase.PRESENT else len(b)
        if counted < rule.quorum * m:
            return Outcome.NO_QUORUM, counts
    kind = rule.kind
    if kind is RuleKind.SIMPLE_MAJORITY:
        # CERN Convention Art. V(5): more yes than no among those voting; a tie fails unless
        # the chair has a casting vote and gives it yes.
        chair = rule.tie_break is TieBreak.CHAIR_CASTING_VOTE
        adopted = y > n or (y == n > 0 and chair and vote.casting == Choice.YES)
    elif kind is RuleKind.QUALIFIED_OF_VOTING:
        adopted = y + n > 0 and meets(y, t, y + n, strict)
    elif kind is RuleKind.QUALIFIED_OF_MEMBERS:
        adopted = meets(y, t, m, strict)
    elif kind is RuleKind.QUALIFIED_OF_PRESENT:
        adopted = len(present) > 0 and meets(y, t, len(present), strict)
    elif kind is RuleKind.UNANIMITY_ALL_YES:
        adopted = y == m
    elif kind is RuleKind.UNANIMITY_NO_OBJECTION:
        adopted = n == 0 and y >= 1
    elif kind is RuleKind.SILENCE:
        adopted = n == 0
    elif kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
        # TEU Art. 31(1): not adopted if the formal abstainers are at least one third of the
        # members holding at least one third of the population; TFEU Art. 238(4): only
        # abstentions of members present or represented leave unanimity intact.
        abstainers_people = sum(e.population for e in abstain)
        blocked = 3 * len(abstain) >= m and 3 * abstainers_people >= population
        adopted = n == 0 and y >= 1 and len(present) == m and not blocked
        counts["not_bound_states"] = tuple(sorted(e.state for e in abstain)) if adopted else ()
    elif kind is RuleKind.DOUBLE_MAJORITY:
        # TEU Art. 16(4) / TFEU Art. 238(3)(a).
        p = rule.population_threshold or Fraction(1)
        yes_people = sum(e.population for e in yes)
        adopted = meets(y, t, m, strict) and meets(yes_people, p, population, strict)
        if meets(y, t, m, strict) and not adopted and rule.min_blocking_minority is not None:
            if len(members) == len(everyone):
                blocking = rule.min_blocking_minority
            else:
                largest = sorted((e.population for e in members), reverse=True)
                fewest = (
                    next(k for k in range(1, m + 1) if sum(largest[:k]) > (1 - p) * population)
                    if sum(largest) > (1 - p) * population
                    else m
                )
                blocking = fewest + 1
            adopted = m - y < blocking
    else:
        shares = {e.state: e.contribution_share for e in members}
        weights, capped_states = capped(shares, rule.weight_cap)
        counts["capped_states"] = tuple(sorted(capped_states))
        held = sum((weights[e.state] for e in yes), Fraction(0))
        s = rule.share_threshold or Fraction(1)
        adopted = meets(held, s, sum(weights.values()), strict) and y + n > 0
        adopted = adopted and meets(y, t, y + n, strict) and y >= 1
    return (Outcome.ADOPTED if adopted else Outcome.REJECTED), counts


@FAST
@given(votes())
def test_the_engine_counts_as_the_texts_say(vote: Vote) -> None:
    """Outcome and every count agree with the reference, for every kind of rule."""
    # when
    result = tally(
        vote.electorate, vote.ballots, attendance=vote.attendance, casting_vote=vote.casting
    )
    expected, counts = reference(vote)
    # then
    assert result.outcome is expected
    for name, value in counts.items():
        assert getattr(result, name) == value, name
    assert result.programme == vote.electorate.programme
    assert result.yes + result.no + result.abstain + result.absent == result.members


@FAST
@given(votes(), st.data())
def test_with_attendance_the_margin_holds_whichever_states_change(
    vote: Vote, data: st.DataObject
) -> None:
    """Any `margin` yes states could vote no; no fewer than the shortfall could carry it."""
    # given
    result = tally(
        vote.electorate, vote.ballots, attendance=vote.attendance, casting_vote=vote.casting
    )
    if result.outcome is Outcome.NO_QUORUM:
        return
    members = [e.state for e in vote.electorate.voting_members]
    if result.adopted:
        pool = [s for s in members if vote.ballots.get(s) is Choice.YES]
        switch, size = Choice.NO, result.margin
    else:
        pool = [s for s in members if vote.ballots.get(s) is not Choice.YES]
        switch, size = Choice.YES, -result.margin - 1
    changed = (
        data.draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size, unique=True))
        if pool
        else []
    )
    # when
    after = tally(
        vote.electorate,
        vote.ballots | dict.fromkeys(changed, switch),
        attendance=vote.attendance,
        casting_vote=vote.casting,
    )
    # then
    assert after.adopted is result.adopted
