"""The engine: count the ballots of an electorate under a rule, with every figure shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from fractions import Fraction

from governance.rules.base import (
    Ballots,
    Choice,
    ConditionCode,
    Figure,
    Outcome,
    RuleError,
    RuleKind,
    TieBreak,
    _choice,
    _math,
    _min_count,
    _percent,
    _states,
    _words,
    exact,
)
from governance.rules.electorate import Elector
from governance.rules.rule import VotingRule
from governance.rules.tally import _LEGACY_CODES, Condition, Tally, _Count, _verdict


def _blocking_minimum(rule: VotingRule, c: _Count) -> tuple[int, int | None, str]:
    """The fewest members not voting yes that block a double majority, the Treaty's count
    behind it where not every member takes part (else None), and why.

    With every member taking part it is the rule's fixed number (TEU Art. 16(4): four). Where
    not all take part, TFEU Art. 238(3)(a): the fewest participating members holding more than
    35 % (1 − the population threshold) of the participating population, plus one member.
    """
    b = rule.min_blocking_minority
    assert b is not None  # noqa: S101 - only asked of a rule with a blocking minority
    if c.everyone_takes_part:
        return b, None, f"a blocking minority needs at least {b} members"
    share = 1 - (rule.population_threshold or Fraction(1))
    held, fewest = 0, 0
    for population in c.participating_populations:
        if held > share * c.total_population:
            break
        held += population
        fewest += 1
    need = fewest + 1
    why = (
        f"not every member takes part, so a blocking minority needs the fewest participating "
        f"members holding more than {_math(share)} of their population ({fewest}) plus one, "
        f"{need} members (TFEU Art. 238(3)(a))"
    )
    return need, fewest, why


def _assess(
    rule: VotingRule, c: _Count, casting: Choice | None
) -> tuple[bool, int, list[Condition]]:
    """Apply the rule's own tests (the quorum aside) and return passed, yes needed, tests."""
    kind, t, strict = rule.kind, rule.threshold, rule.strict
    op, voting, not_yes = (">" if strict else "≥"), c.yes + c.no, c.members - c.yes
    tests: list[Condition] = []

    def test(
        name: str,
        need: Figure,
        actual: Figure,
        cmp: str,
        ok: bool,
        why: str,
        share: Fraction | None = None,
        base: int | Fraction | None = None,
        fewest: int | None = None,
    ) -> bool:
        code = _LEGACY_CODES[name]
        if code is ConditionCode.SHARE_OF_MEMBERS_YES and kind is RuleKind.UNANIMITY_ALL_YES:
            code = ConditionCode.ALL_MEMBERS_YES
        strict_test = strict and share is not None and code is not ConditionCode.BLOCKING_MINORITY
        tests.append(
            Condition(name, need, actual, cmp, ok, why, code, share, base, strict_test, fewest)
        )
        return ok

    def of_voting() -> tuple[bool, int]:
        # Nobody voting yes carries nothing, even where 0 ≥ 2/3 of 0 would hold.
        need = max(1, _min_count(t, voting, strict))
        why = "No member voted yes or no, so nothing was carried."
        if voting:
            why = (
                f"{c.yes} yes to {c.no} no; yes must be {op} {_math(t)} of {voting} voting = "
                f"{exact(t * voting)}, so {need} yes are needed."
            )
        passed = test("majority of those voting", need, c.yes, "≥", c.yes >= need, why, t, voting)
        return passed, need

    if kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
        s = rule.share_threshold or Fraction(1)
        share_need = s * c.total_share
        share_ok = c.yes_share > share_need if strict else c.yes_share >= share_need
        held = _percent(c.yes_share / c.total_share)
        why = (
            f"The yes states hold {exact(c.yes_share)} of {exact(c.total_share)} in "
            f"contribution shares ({held}); they must hold {op} {_math(s)} of the total = "
            f"{exact(share_need)}."
        )
        test("contribution shares", share_need, c.yes_share, op, share_ok, why, s, c.total_share)
        voting_ok, need = of_voting()
        return share_ok and voting_ok, need, tests
    if kind in (RuleKind.SIMPLE_MAJORITY, RuleKind.QUALIFIED_OF_VOTING):
        passed, need = of_voting()
        if rule.tie_break is TieBreak.CHAIR_CASTING_VOTE and c.yes == c.no > 0:
            given = "not given" if casting is None else str(casting)
            why = f"The vote is tied {c.yes} to {c.no}; the chair's casting vote ({given}) decides."
            passed = test("chair's casting vote", "yes", given, "=", casting is Choice.YES, why)
        return passed, need, tests
    if kind is RuleKind.UNANIMITY_NO_OBJECTION:
        none_no = test("no objection", 0, c.no, "=", c.no == 0, f"Votes against: {c.no}.")
        why = f"Votes in favour: {c.yes}; at least one is needed."
        return test("at least one yes", 1, c.yes, "≥", c.yes >= 1, why) and none_no, 1, tests
    need = _min_count(t, c.members, strict)
    why = (
        f"{c.yes} of the {c.members} members voted yes; yes must be {op} {_math(t)} of "
        f"{c.members} = {exact(t * c.members)}, so {need} are needed; abstaining and absent "
        "members count against."
    )
    if kind is RuleKind.UNANIMITY_ALL_YES:
        why = f"{c.yes} of the {c.members} members voted yes; every one of them must."
    passed = test("members voting yes", need, c.yes, "≥", c.yes >= need, why, t, c.members)
    if kind is not RuleKind.DOUBLE_MAJORITY:
        return passed, need, tests
    p, total = rule.population_threshold or Fraction(1), c.total_population
    pop_need = _min_count(p, total, strict)
    why = (
        f"The yes states hold {c.yes_population:,} of {total:,} people "
        f"({_percent(Fraction(c.yes_population, total))}); the yes population must be {op} "
        f"{_math(p)} of {total:,}, so {pop_need:,} are needed."
    )
    population_ok = test(
        "population", pop_need, c.yes_population, "≥", c.yes_population >= pop_need, why, p, total
    )
    unblocked = False
    if rule.min_blocking_minority is not None:
        b, fewest, rule_why = _blocking_minimum(rule, c)
        why = (
            f"{not_yes} members did not vote yes; {rule_why}, so fewer adopts the motion "
            "whatever the population."
        )
        unblocked = test(
            "no blocking minority", b, not_yes, "<", not_yes < b, why, 1 - p, c.members, fewest
        )
    return passed and (population_ok or unblocked), need, tests


def _moved(c: _Count, electors: list[Elector], sign: int, from_no: int) -> _Count:
    population = sum(e.population for e in electors)
    share = sum((e.contribution_share for e in electors), Fraction(0))
    return replace(
        c,
        yes=c.yes + sign * len(electors),
        no=c.no - sign * from_no,
        yes_population=c.yes_population + sign * population,
        yes_share=c.yes_share + sign * share,
    )


def _margin(
    rule: VotingRule,
    c: _Count,
    groups: Mapping[Choice | None, list[Elector]],
    casting: Choice | None,
    adopted: bool,
) -> int:
    """Count the states to spare (≥ 0) or short (< 0), in the worst or best case for the motion.

    Adopted: how many yes states, whichever they are, could have voted no instead and the motion
    still pass (the weightiest are tried, as the worst case). Rejected: minus the fewest states
    that would have had to vote yes instead, whichever way they voted (the weightiest from the
    no side and from the abstaining or absent, in the best mix). Staying away instead of voting
    is not counted here: it can also break a quorum, which the quorum test shows on its own.
    """

    def weight(e: Elector) -> Fraction:
        if rule.kind is RuleKind.DOUBLE_MAJORITY:
            return Fraction(e.population)
        if rule.kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
            return e.contribution_share
        return Fraction(0)

    def passes(count: _Count) -> bool:
        return _assess(rule, count, casting)[0]

    if adopted:
        # Voting no hurts a motion at least as much as abstaining or staying away.
        yes = sorted(groups[Choice.YES], key=weight, reverse=True)
        lost = next(
            (k for k in range(1, len(yes) + 1) if not passes(_moved(c, yes[:k], -1, k))), None
        )
        return len(yes) if lost is None else lost - 1
    no = sorted(groups[Choice.NO], key=weight, reverse=True)
    rest = sorted(groups[Choice.ABSTAIN] + groups[None], key=weight, reverse=True)
    for k in range(1, len(no) + len(rest) + 1):
        for n in range(max(0, k - len(rest)), min(k, len(no)) + 1):
            if passes(_moved(c, no[:n] + rest[: k - n], 1, n)):
                return -k
    return -(len(no) + len(rest))  # unreachable: every valid rule adopts a unanimous yes


def _summary(
    rule: VotingRule, c: _Count, margin: int, need: int, failed: set[str], casting: Choice | None
) -> str:
    """Say the outcome in one plain-English phrase, naming what was missing."""
    t, strict, voting, kind = rule.threshold, rule.strict, c.yes + c.no, rule.kind
    chair = rule.tie_break is TieBreak.CHAIR_CASTING_VOTE
    if kind is RuleKind.SIMPLE_MAJORITY and c.yes == c.no > 0:
        tie = f"tie ({c.yes} to {c.no})"
        if chair and casting is Choice.YES:
            return f"adopted on the chair's casting vote after a {tie}"
        given = "no" if casting is Choice.NO else "not given, so the tie fails"
        return f"rejected: {tie}; " + (
            f"the chair's casting vote was {given}" if chair else "a tie fails"
        )
    # Where weights decide, a count of states to spare is a worst case one heavy state settles
    # ("no state to spare" with 99 % in favour): the stored phrase gives the share instead.
    if not failed and kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
        held, s = _percent(c.yes_share / c.total_share), rule.share_threshold or Fraction(1)
        return (
            f"adopted: the yes states hold {held} of the contributions, {_words(s, strict)} needed"
        )
    if not failed and kind is RuleKind.DOUBLE_MAJORITY:
        p, total = rule.population_threshold or Fraction(1), c.total_population
        if c.yes_population >= _min_count(p, total, strict):
            held = _percent(Fraction(c.yes_population, total))
            return (
                f"adopted: the yes states hold {held} of the population, {_words(p, strict)} needed"
            )
        can_block = _blocking_minimum(rule, c)[0]
        return f"adopted: {c.members - c.yes} members did not vote yes, fewer than the {can_block} that can block"
    if not failed:
        return f"adopted with {_states(margin)} to spare"
    if kind is RuleKind.UNANIMITY_NO_OBJECTION:
        objected = f"{c.no} member{'s' if c.no > 1 else ''} objected"
        return f"rejected: {objected}" if c.no else "rejected: no member voted yes"
    if voting == 0 and "majority of those voting" in failed:
        return "rejected: no member voted yes or no"
    short = f"rejected: {_states(-margin)} short of"
    if kind is RuleKind.UNANIMITY_ALL_YES:
        return f"{short} unanimity"
    if kind is RuleKind.SIMPLE_MAJORITY:
        # With a yes casting vote in hand, reaching a tie is enough.
        casting_yes = chair and casting is Choice.YES
        return f"{short} " + (
            "adoption, counting the chair's casting vote"
            if casting_yes
            else "a majority of those voting"
        )
    if kind is RuleKind.QUALIFIED_OF_VOTING:
        return f"{short} {_words(t, strict)} of those voting"
    if kind is RuleKind.QUALIFIED_OF_MEMBERS:
        return f"{short} {_words(t, strict)} of the members"
    reasons = []
    if "members voting yes" in failed:
        reasons.append(f"{_states(need - c.yes)} short of {_words(t, strict)} of the members")
    b = rule.min_blocking_minority
    if "population" in failed and (b is None or "no blocking minority" in failed):
        held = _percent(Fraction(c.yes_population, c.total_population))
        p = rule.population_threshold or Fraction(1)
        reason = f"the yes states hold {held} of the population, {_words(p, strict)} needed"
        if b is not None:
            can_block = _blocking_minimum(rule, c)[0]
            reason += f", and {c.members - c.yes} members did not vote yes ({can_block} can block)"
        reasons.append(reason)
    if "contribution shares" in failed:
        held = _percent(c.yes_share / c.total_share)
        s = rule.share_threshold or Fraction(1)
        reasons.append(
            f"the yes states hold {held} of the contributions, {_words(s, strict)} needed"
        )
    if "majority of those voting" in failed:
        goal = _words(t, strict)
        reasons.append(f"{c.yes} yes of {voting} voting, {need} needed for {goal} of those voting")
    return "rejected: " + "; ".join(reasons)


def _read_ballots(ballots: Ballots, electors: Mapping[str, Elector]) -> dict[str, Choice]:
    pairs = ballots.items() if isinstance(ballots, Mapping) else ballots
    votes: dict[str, Choice] = {}
    for state, choice in pairs:
        elector = electors.get(state)
        if elector is None:
            raise RuleError(f"a ballot from {state!r}, which is not in the electorate of this vote")
        if elector.recused:
            raise RuleError(f"a ballot from {state}, which is recused and may not vote")
        if state in votes:
            raise RuleError(f"two ballots from {state}; pass only the one that counts")
        votes[state] = _choice(choice, f"the ballot of {state}")
    return votes


def evaluate(
    rule: VotingRule,
    electorate: Iterable[Elector],
    ballots: Ballots,
    casting_vote: Choice | None = None,
) -> Tally:
    """Count the ballots under the rule and return the outcome with every figure behind it."""
    electors: dict[str, Elector] = {}
    for elector in electorate:
        if not isinstance(elector, Elector) or elector.state in electors:
            raise RuleError(f"the electorate must list each state once as an Elector: {elector!r}")
        electors[elector.state] = elector
    votes = _read_ballots(ballots, electors)
    casting = None if casting_vote is None else _choice(casting_vote, "the casting vote")
    if casting is Choice.ABSTAIN:
        raise RuleError("a casting vote must be yes or no")
    members = sorted((e for e in electors.values() if not e.recused), key=lambda e: e.state)
    if not members:
        raise RuleError("no member of the electorate may vote")
    groups: dict[Choice | None, list[Elector]] = {choice: [] for choice in (*Choice, None)}
    for elector in members:
        groups[votes.get(elector.state)].append(elector)
    yes = groups[Choice.YES]
    c = _Count(
        members=len(members),
        yes=len(yes),
        no=len(groups[Choice.NO]),
        yes_population=sum(e.population for e in yes),
        total_population=sum(e.population for e in members),
        yes_share=sum((e.contribution_share for e in yes), Fraction(0)),
        total_share=sum((e.contribution_share for e in members), Fraction(0)),
        everyone_takes_part=len(members) == len(electors),
        participating_populations=tuple(sorted((e.population for e in members), reverse=True)),
    )
    # Weighted tests against an empty total would pass or fail on nothing at all.
    if rule.kind is RuleKind.DOUBLE_MAJORITY and c.total_population == 0:
        raise RuleError("a double majority needs the members' populations")
    if rule.kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY and c.total_share == 0:
        raise RuleError("a contribution-weighted majority needs the members' contribution shares")
    adopted, need, tests = _assess(rule, c, casting)
    cast, quorum_need = len(votes), None
    if rule.quorum is not None:
        q = rule.quorum
        quorum_need = _min_count(q, c.members, False)
        why = (
            f"{cast} of the {c.members} members cast a ballot, abstentions included; the quorum "
            f"is {_math(q)} of {c.members} = {exact(q * c.members)}, so {quorum_need} are needed."
        )
        met = cast >= quorum_need
        code = ConditionCode.QUORUM
        tests.insert(0, Condition("quorum", quorum_need, cast, "≥", met, why, code, q, c.members))
    tie = c.yes == c.no > 0
    decides = tie and rule.tie_break is TieBreak.CHAIR_CASTING_VOTE
    if quorum_need is not None and cast < quorum_need:
        outcome, margin = Outcome.NO_QUORUM, cast - quorum_need
        summary = (
            f"fails for lack of quorum: {cast} of {c.members} members voted, {quorum_need} needed"
        )
    else:
        outcome = Outcome.ADOPTED if adopted else Outcome.REJECTED
        margin = _margin(rule, c, groups, casting, adopted)
        failed = set() if adopted else {test.name for test in tests if not test.passed}
        summary = _summary(rule, c, margin, need, failed, casting)
    casting_out = casting if decides and outcome is not Outcome.NO_QUORUM else None
    return Tally(
        rule=rule,
        outcome=outcome,
        members=c.members,
        yes=c.yes,
        no=c.no,
        abstain=len(groups[Choice.ABSTAIN]),
        absent=len(groups[None]),
        recused=len(electors) - c.members,
        recused_states=tuple(sorted(s for s, e in electors.items() if e.recused)),
        yes_population=c.yes_population,
        total_population=c.total_population,
        yes_share=c.yes_share,
        total_share=c.total_share,
        required_yes=need,
        quorum_required=quorum_need,
        tie=tie,
        casting_vote=casting_out,
        conditions=tuple(tests),
        margin=margin,
        summary=summary,
        verdict=_verdict(rule, outcome, tests, c, casting_out, margin, need),
    )
