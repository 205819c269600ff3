"""The engine: count the ballots of an electorate under a rule, with every figure shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction

from governance.rules.base import (
    Ballots,
    Choice,
    ConditionCode,
    Figure,
    Outcome,
    QuorumBase,
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
from governance.rules.electorate import Elector, Electorate
from governance.rules.rule import ONE_THIRD, VotingRule
from governance.rules.tally import _LEGACY_CODES, Condition, Tally, _Count, _verdict

# Tests that are never "strict" whatever the rule says: they compare counts of states, not shares.
_NEVER_STRICT = (
    ConditionCode.BLOCKING_MINORITY,
    ConditionCode.FORMAL_ABSTAINERS,
    ConditionCode.FORMAL_ABSTAINERS_POPULATION,
)
# Kinds whose tests weigh the members' populations.
_BY_POPULATION = (RuleKind.DOUBLE_MAJORITY, RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION)


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
        code: ConditionCode | None = None,
    ) -> bool:
        code = code or _LEGACY_CODES[name]
        if code is ConditionCode.SHARE_OF_MEMBERS_YES and kind is RuleKind.UNANIMITY_ALL_YES:
            code = ConditionCode.ALL_MEMBERS_YES
        strict_test = strict and share is not None and code not in _NEVER_STRICT
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
        if c.capped_states and rule.weight_cap is not None:
            why += (
                f" No state may hold more than {_math(rule.weight_cap)} of the weight: "
                f"{', '.join(c.capped_states)} capped at {exact(rule.weight_cap * c.total_share)}"
                ", the excess shared among the others in proportion to their shares."
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
    if kind is RuleKind.SILENCE:
        why = (
            f"Objections (votes against): {c.no}; a single one stops the procedure, while yes, "
            "abstaining and silence are all no objection."
        )
        return test("no objection", 0, c.no, "=", c.no == 0, why), 0, tests
    if kind is RuleKind.QUALIFIED_OF_PRESENT:
        # Nobody present carries nothing, as nobody voting does under a share of those voting.
        need = max(1, _min_count(t, c.present, strict))
        why = "No member was present, so nothing was carried."
        if c.present:
            why = (
                f"{c.yes} of the {c.present} members present voted yes; yes must be {op} "
                f"{_math(t)} of {c.present} present = {exact(t * c.present)}, so {need} are "
                "needed; abstaining, and attending without a ballot, count against."
            )
        passed = test(
            "majority of those present",
            need,
            c.yes,
            "≥",
            c.yes >= need,
            why,
            t,
            c.present,
            code=ConditionCode.SHARE_OF_PRESENT_YES,
        )
        return passed, need, tests
    if kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
        return _constructive_abstention(c, test), 1, tests
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


def _constructive_abstention(c: _Count, test: Callable[..., bool]) -> bool:
    """TEU Art. 31(1) second subparagraph, with TFEU Art. 238(4) for who may stay silent.

    "When abstaining in a vote, any member of the Council may qualify its abstention by making
    a formal declaration [...]. In that case, it shall not be obliged to apply the decision
    [...]. If the members of the Council qualifying their abstention in this way represent at
    least one third of the Member States comprising at least one third of the population of
    the Union, the decision shall not be adopted." An abstaining ballot here is such a
    qualified abstention. Unanimity otherwise: no member may vote no, and (as for every
    unanimity of this engine) at least one must vote yes.

    Absence: TFEU Art. 238(4) says only that "abstentions by Members present in person or
    represented shall not prevent the adoption [...] of acts which require unanimity"; the
    Treaty spares no member that is neither. So a member present (marked as attending) that
    casts nothing is a simple abstainer, bound and not blocking, while a member neither
    present nor represented by a ballot (its own, or its proxy holder's) prevents unanimity.
    Recused members are outside every base, as non-participating members are (the thirds
    are of the members taking part and of their population).
    """
    third = ONE_THIRD
    none_no = test("no objection", 0, c.no, "=", c.no == 0, f"Votes against: {c.no}.")
    why = f"Votes in favour: {c.yes}; at least one is needed."
    one_yes = test("at least one yes", 1, c.yes, "≥", c.yes >= 1, why)
    why = (
        f"Members neither present nor represented: {c.away}. Abstentions of members present "
        "or represented do not prevent unanimity (TFEU Art. 238(4)); an absence does."
    )
    everyone = test(
        "present or represented",
        0,
        c.away,
        "=",
        c.away == 0,
        why,
        code=ConditionCode.NONE_ABSENT,
    )
    count_bound = _min_count(third, c.members, False)
    why = (
        f"{c.abstain} of the {c.members} members abstained formally; at least one third "
        f"({count_bound}) holding at least one third of the population would stop the "
        "decision (TEU Art. 31(1))."
    )
    few = test(
        "formal abstainers",
        count_bound,
        c.abstain,
        "<",
        c.abstain < count_bound,
        why,
        third,
        c.members,
        code=ConditionCode.FORMAL_ABSTAINERS,
    )
    total = c.total_population
    pop_bound = _min_count(third, total, False)
    why = (
        f"The formal abstainers hold {c.abstain_population:,} of {total:,} people "
        f"({_percent(Fraction(c.abstain_population, total))}); holding at least one third "
        f"({pop_bound:,}) while at least one third of the members would stop the decision."
    )
    light = test(
        "formal abstainers' population",
        pop_bound,
        c.abstain_population,
        "<",
        c.abstain_population < pop_bound,
        why,
        third,
        total,
        code=ConditionCode.FORMAL_ABSTAINERS_POPULATION,
    )
    return none_no and one_yes and everyone and (few or light)


def _capped_weights(
    members: Sequence[Elector], cap: Fraction | None
) -> tuple[dict[str, Fraction], tuple[str, ...]]:
    """Each member's weight and the states capped: no weight above `cap` of the total.

    The excess of a state above the cap is shared among the others in proportion to their
    own shares, repeated until none exceeds it; the total stays the same. Exact fractions.
    """
    shares = {e.state: e.contribution_share for e in members}
    if cap is None:
        return shares, ()
    weighted = [state for state, share in shares.items() if share > 0]
    if cap * len(weighted) < 1:
        raise RuleError(
            f"a weight cap of {_math(cap)} cannot hold for {len(weighted)} weighted members: "
            f"together they could hold only {exact(cap * len(weighted))} of the weight"
        )
    total = sum(shares.values(), Fraction(0))
    limit = cap * total
    capped: set[str] = set()
    weights = dict(shares)
    while True:
        free = [state for state in weighted if state not in capped]
        free_total = sum((shares[state] for state in free), Fraction(0))
        remaining = total - limit * len(capped)
        for state in free:
            weights[state] = shares[state] * remaining / free_total
        over = {state for state in free if weights[state] > limit}
        if not over:
            break
        capped |= over
        for state in capped:
            weights[state] = limit
    return weights, tuple(sorted(capped))


# Where a member who has not voted yes stands: against, abstaining, attending without a
# ballot, or neither present nor represented.
_NO, _ABSTAIN, _SILENT, _AWAY = "no", "abstain", "silent", "away"


def _moved(
    c: _Count,
    moves: Sequence[tuple[Elector, str]],
    weights: Mapping[str, Fraction],
    to_yes: bool,
) -> _Count:
    """The count with the given members turned to yes (from where each stood), or yes to no."""
    yes, no, abstain, present, away = c.yes, c.no, c.abstain, c.present, c.away
    yes_population, yes_share, abstain_population = (
        c.yes_population,
        c.yes_share,
        c.abstain_population,
    )
    for elector, origin in moves:
        sign = 1 if to_yes else -1
        yes += sign
        yes_population += sign * elector.population
        yes_share += sign * weights[elector.state]
        if not to_yes:
            no += 1
        elif origin == _NO:
            no -= 1
        elif origin == _ABSTAIN:
            abstain -= 1
            abstain_population -= elector.population
        elif origin == _AWAY:
            away -= 1
            present += 1
    return replace(
        c,
        yes=yes,
        no=no,
        abstain=abstain,
        present=present,
        away=away,
        yes_population=yes_population,
        yes_share=yes_share,
        abstain_population=abstain_population,
    )


def _margin(
    rule: VotingRule,
    c: _Count,
    groups: Mapping[str, list[Elector]],
    weights: Mapping[str, Fraction],
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
    kind = rule.kind

    def weight(e: Elector) -> Fraction:
        if kind in (RuleKind.DOUBLE_MAJORITY, RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION):
            return Fraction(e.population)
        if kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
            return weights[e.state]
        return Fraction(0)

    # Which of those not voting yes help most by turning to yes, first. Under a share of those
    # present, a member already present adds a yes without adding to the base; under
    # constructive abstention every absence must go, then the heaviest formal abstainers.
    first: dict[str, int] = {_ABSTAIN: 0, _SILENT: 0, _AWAY: 0}
    if kind is RuleKind.QUALIFIED_OF_PRESENT:
        first = {_ABSTAIN: 0, _SILENT: 0, _AWAY: 1}
    elif kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
        first = {_AWAY: 0, _ABSTAIN: 1, _SILENT: 2}

    def passes(count: _Count) -> bool:
        return _assess(rule, count, casting)[0]

    if adopted:
        # Voting no hurts a motion at least as much as abstaining or staying away.
        yes = [(e, "yes") for e in sorted(groups["yes"], key=weight, reverse=True)]
        lost = next(
            (
                k
                for k in range(1, len(yes) + 1)
                if not passes(_moved(c, yes[:k], weights, to_yes=False))
            ),
            None,
        )
        return len(yes) if lost is None else lost - 1
    no = [(e, _NO) for e in sorted(groups[_NO], key=weight, reverse=True)]
    others = [(e, origin) for origin in (_ABSTAIN, _SILENT, _AWAY) for e in groups[origin]]
    rest = sorted(others, key=lambda move: (first[move[1]], -weight(move[0])))
    for k in range(1, len(no) + len(rest) + 1):
        for n in range(max(0, k - len(rest)), min(k, len(no)) + 1):
            if passes(_moved(c, no[:n] + rest[: k - n], weights, to_yes=True)):
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
    objected = f"{c.no} member{'s' if c.no > 1 else ''} objected"
    if kind is RuleKind.SILENCE:
        return f"rejected: {objected}" if failed else "adopted: no member objected"
    if kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
        if not failed:
            bound = f"; {c.abstain} formal abstainer{'s' if c.abstain > 1 else ''} not bound"
            return "adopted: no member voted no" + (bound if c.abstain else "")
        if c.no:
            return f"rejected: {objected}"
        if "at least one yes" in failed:
            return "rejected: no member voted yes"
        if "present or represented" in failed:
            return f"rejected: {_states(c.away)} neither present nor represented"
        return (
            "rejected: the formal abstainers are at least one third of the members, holding at "
            "least one third of the population"
        )
    if not failed:
        return f"adopted with {_states(margin)} to spare"
    if kind is RuleKind.UNANIMITY_NO_OBJECTION:
        return f"rejected: {objected}" if c.no else "rejected: no member voted yes"
    if kind is RuleKind.QUALIFIED_OF_PRESENT:
        if c.present == 0:
            return "rejected: no member was present"
        return f"rejected: {_states(-margin)} short of {_words(t, strict)} of those present"
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


def _read_attendance(attendance: Iterable[str], electors: Mapping[str, Elector]) -> set[str]:
    if isinstance(attendance, str):
        raise RuleError("attendance is a list of states, not one text")
    present: set[str] = set()
    for state in attendance:
        elector = electors.get(state)
        if elector is None:
            raise RuleError(f"{state!r} is marked present but is not in the electorate")
        if elector.recused:
            raise RuleError(f"{state} is marked present but is recused from this vote")
        present.add(state)
    return present


def evaluate(
    rule: VotingRule,
    electorate: Iterable[Elector],
    ballots: Ballots,
    casting_vote: Choice | str | None = None,
    *,
    attendance: Iterable[str] = (),
    programme: str | None = None,
) -> Tally:
    """Count the ballots under the rule and return the outcome with every figure behind it.

    `attendance` lists the states marked present; a state that casts a ballot is present
    whether marked or not. `programme` names the programme whose participants the electorate
    is, carried into the tally for the reader. Prefer `tally`, which takes an `Electorate`.
    """
    electors: dict[str, Elector] = {}
    for elector in electorate:
        if not isinstance(elector, Elector) or elector.state in electors:
            raise RuleError(f"the electorate must list each state once as an Elector: {elector!r}")
        electors[elector.state] = elector
    votes = _read_ballots(ballots, electors)
    attending = _read_attendance(attendance, electors)
    casting = None if casting_vote is None else _choice(casting_vote, "the casting vote")
    if casting is Choice.ABSTAIN:
        raise RuleError("a casting vote must be yes or no")
    members = sorted((e for e in electors.values() if not e.recused), key=lambda e: e.state)
    if not members:
        raise RuleError("no member of the electorate may vote")
    present_states = tuple(sorted(attending | set(votes)))
    groups: dict[str, list[Elector]] = {"yes": [], _NO: [], _ABSTAIN: [], _SILENT: [], _AWAY: []}
    for elector in members:
        choice = votes.get(elector.state)
        if choice is not None:
            groups[str(choice)].append(elector)
        else:
            groups[_SILENT if elector.state in attending else _AWAY].append(elector)
    yes = groups["yes"]
    if rule.kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY and not any(
        e.contribution_share for e in members
    ):
        raise RuleError("a contribution-weighted majority needs the members' contribution shares")
    weights, capped = _capped_weights(members, rule.weight_cap)
    c = _Count(
        members=len(members),
        yes=len(yes),
        no=len(groups[_NO]),
        yes_population=sum(e.population for e in yes),
        total_population=sum(e.population for e in members),
        yes_share=sum((weights[e.state] for e in yes), Fraction(0)),
        total_share=sum(weights.values(), Fraction(0)),
        everyone_takes_part=len(members) == len(electors),
        participating_populations=tuple(sorted((e.population for e in members), reverse=True)),
        abstain=len(groups[_ABSTAIN]),
        present=len(present_states),
        away=len(groups[_AWAY]),
        abstain_population=sum(e.population for e in groups[_ABSTAIN]),
        capped_states=capped,
    )
    # Weighted tests against an empty total would pass or fail on nothing at all.
    if rule.kind in _BY_POPULATION and c.total_population == 0:
        raise RuleError(f"a {rule.kind} vote needs the members' populations")
    adopted, need, tests = _assess(rule, c, casting)
    cast, quorum_need = len(votes), None
    counted = cast
    if rule.quorum is not None:
        q = rule.quorum
        quorum_need = _min_count(q, c.members, False)
        if rule.quorum_base is QuorumBase.PRESENT:
            counted, code = c.present, ConditionCode.QUORUM_PRESENT
            why = (
                f"{counted} of the {c.members} members were present, whether or not they cast "
                f"a ballot; the quorum is {_math(q)} of {c.members} = {exact(q * c.members)}, "
                f"so {quorum_need} are needed."
            )
        else:
            code = ConditionCode.QUORUM
            why = (
                f"{cast} of the {c.members} members cast a ballot, abstentions included; the "
                f"quorum is {_math(q)} of {c.members} = {exact(q * c.members)}, so "
                f"{quorum_need} are needed."
            )
        met = counted >= quorum_need
        tests.insert(
            0, Condition("quorum", quorum_need, counted, "≥", met, why, code, q, c.members)
        )
    tie = c.yes == c.no > 0
    decides = tie and rule.tie_break is TieBreak.CHAIR_CASTING_VOTE
    if quorum_need is not None and counted < quorum_need:
        outcome, margin = Outcome.NO_QUORUM, counted - quorum_need
        what = "were present" if rule.quorum_base is QuorumBase.PRESENT else "voted"
        summary = (
            f"fails for lack of quorum: {counted} of {c.members} members {what}, "
            f"{quorum_need} needed"
        )
    else:
        outcome = Outcome.ADOPTED if adopted else Outcome.REJECTED
        margin = _margin(rule, c, groups, weights, casting, adopted)
        failed = set() if adopted else {test.name for test in tests if not test.passed}
        summary = _summary(rule, c, margin, need, failed, casting)
    casting_out = casting if decides and outcome is not Outcome.NO_QUORUM else None
    not_bound: tuple[str, ...] = ()
    if rule.kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION and outcome is Outcome.ADOPTED:
        not_bound = tuple(e.state for e in groups[_ABSTAIN])
    return Tally(
        rule=rule,
        outcome=outcome,
        members=c.members,
        yes=c.yes,
        no=c.no,
        abstain=c.abstain,
        absent=len(groups[_SILENT]) + len(groups[_AWAY]),
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
        present=c.present,
        present_states=present_states,
        not_bound_states=not_bound,
        capped_states=capped,
        programme=programme,
    )


def tally(
    electorate: Electorate,
    ballots: Mapping[str, Choice | str],
    *,
    attendance: Iterable[str] = (),
    casting_vote: Choice | str | None = None,
    rule: VotingRule | None = None,
) -> Tally:
    """Count a vote: the one tally the motion service, the verifier and the recompute call.

    `ballots` maps each state that voted to its choice (the last ballot of each; a secret
    vote's through `anonymous_ballots`); `attendance` lists the states marked present (a
    state that casts a ballot is present whether marked or not; a recused state or one
    outside the electorate is a RuleError); `casting_vote` is the chair's, used where the
    rule has one and the vote is tied. `rule` defaults to the electorate's frozen rule.
    """
    if not isinstance(electorate, Electorate):
        raise RuleError(f"tally counts an Electorate, not {type(electorate).__name__}")
    if rule is None:
        rule = VotingRule.from_dict(electorate.rule)
    return evaluate(
        rule,
        electorate.electors,
        ballots,
        casting_vote,
        attendance=attendance,
        programme=electorate.programme,
    )


def anonymous_ballots(
    electorate: Electorate, voters: Iterable[str], choices: Iterable[Choice | str]
) -> dict[str, Choice]:
    """Ballots for a secret vote: who voted is known, how each voted is not.

    The choices, sorted, go to the voters, sorted by state: the counts of yes, no and
    abstain, and who took part, are right, which is all a rule counting heads needs. A rule
    that weighs states (population, contributions) or names its formal abstainers cannot be
    counted so, and is refused; so are more choices than voters and a voter that is not a
    voting member of the electorate.
    """
    kind = VotingRule.from_dict(electorate.rule).kind
    if kind in _BY_POPULATION or kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
        raise RuleError(f"a {kind} vote weighs or names each voter and cannot be secret")
    members = {e.state for e in electorate.voting_members}
    states: list[str] = []
    for state in voters:
        if state not in members:
            raise RuleError(f"{state!r} took part in the vote but is not a voting member of it")
        if state in states:
            raise RuleError(f"{state} is listed twice as having voted")
        states.append(state)
    read = sorted(_choice(choice, "a secret ballot") for choice in choices)
    if len(read) > len(states):
        raise RuleError(
            f"{len(read)} secret ballots are counted but only {len(states)} states took part"
        )
    return dict(zip(sorted(states), read, strict=False))
