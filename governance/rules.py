"""Voting rules of Concordia's councils: who counts, what is needed, and whether a motion passes.

Pure arithmetic on frozen dataclasses, with no Django and no I/O. Only int and Fraction are
used, so a result can be recomputed exactly and every step shown on a page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any

HALF = Fraction(1, 2)
_STATE_CODE = re.compile(r"[A-Z]{2}")
_FRACTION_TEXT = re.compile(r"-?\d+(/\d+)?")
_NAMED = {
    Fraction(1, 2): "half",
    Fraction(1, 3): "one-third",
    Fraction(2, 3): "two-thirds",
    Fraction(3, 4): "three-quarters",
    Fraction(3, 5): "three-fifths",
    Fraction(4, 5): "four-fifths",
}


class RuleError(ValueError):
    """A rule, electorate, ballot or casting vote that cannot be counted."""


class Choice(StrEnum):
    """A ballot: yes, no or abstain (an absent state casts none)."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class RuleKind(StrEnum):
    """The family of a voting rule, which fixes its base and its tests."""

    SIMPLE_MAJORITY = "simple_majority"
    QUALIFIED_OF_VOTING = "qualified_of_voting"
    QUALIFIED_OF_MEMBERS = "qualified_of_members"
    UNANIMITY_ALL_YES = "unanimity_all_yes"
    UNANIMITY_NO_OBJECTION = "unanimity_no_objection"
    DOUBLE_MAJORITY = "double_majority"
    WEIGHTED_DOUBLE_MAJORITY = "weighted_double_majority"


class TieBreak(StrEnum):
    """What ends a tie under a simple majority."""

    FAILS = "fails"
    CHAIR_CASTING_VOTE = "chair_casting_vote"


class Outcome(StrEnum):
    """How a vote ended."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"


class ConditionCode(StrEnum):
    """Which test a condition is: the stable, language-free name pages translate from."""

    QUORUM = "quorum"
    SHARE_OF_VOTING_YES = "share_of_voting_yes"
    SHARE_OF_MEMBERS_YES = "share_of_members_yes"
    ALL_MEMBERS_YES = "all_members_yes"
    NO_OBJECTION = "no_objection"
    AT_LEAST_ONE_YES = "at_least_one_yes"
    POPULATION_SHARE = "population_share"
    BLOCKING_MINORITY = "blocking_minority"
    CONTRIBUTION_SHARE = "contribution_share"
    CASTING_VOTE = "casting_vote"


class Absences(StrEnum):
    """What abstaining or staying away does to a motion under a rule."""

    IGNORED = "ignored"
    COUNT_AGAINST = "count_against"
    BLOCK = "block"
    DO_NOT_BLOCK = "do_not_block"
    NOT_YES = "not_yes"
    COUNT_AGAINST_IN_CONTRIBUTION_TEST = "count_against_in_contribution_test"


class TieEffect(StrEnum):
    """What a tie among those voting yes or no does."""

    FAILS = "fails"
    CHAIR_CASTING_VOTE = "chair_casting_vote"
    CONTRIBUTIONS_DECIDE = "contributions_decide"


class Reason(StrEnum):
    """Why a vote ended as it did: the structure of the summary, in no language."""

    MET = "met"
    CASTING_VOTE_YES = "casting_vote_yes"
    TIE_FAILS = "tie_fails"
    CASTING_VOTE_NO = "casting_vote_no"
    CASTING_VOTE_NOT_GIVEN = "casting_vote_not_given"
    NOBODY_VOTED = "nobody_voted"
    OBJECTION = "objection"
    NO_YES = "no_yes"
    NOT_MET = "not_met"
    NO_QUORUM = "no_quorum"


Figure = int | Fraction | str
Ballots = Mapping[str, Choice] | Iterable[tuple[str, Choice]]


def _fraction(value: object, what: str) -> Fraction:
    # bool is an int subclass, and True as a threshold is always a mistake.
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise RuleError(f"{what} must be a Fraction or an int, not {value!r}")
    return Fraction(value)


def _parse_fraction(value: object, what: str) -> Fraction:
    if isinstance(value, str) and _FRACTION_TEXT.fullmatch(value):
        try:
            return Fraction(value)
        except ZeroDivisionError as exc:
            raise RuleError(f"{what} has a zero denominator: {value!r}") from exc
    if isinstance(value, str):
        raise RuleError(f"{what} must be written as 'n/d', not {value!r}")
    return _fraction(value, what)


def _text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def exact(value: Fraction | int) -> str:
    """Write a value exactly: a whole number, a terminating decimal (14.85), or else n/d."""
    value = Fraction(value)
    places = next((k for k in range(20) if 10**k % value.denominator == 0), None)
    if places is None:
        return _text(value)
    digits = str(abs(value.numerator) * 10**places // value.denominator).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return sign + (f"{digits[:-places]}.{digits[-places:]}" if places else digits)


def _percent(value: Fraction) -> str:
    # Rounded down, so a share just below a threshold never prints as the threshold itself.
    whole, tenth = divmod(math.floor(value * 1000), 10)
    return f"{whole}%" if value * 100 == whole else f"{whole}.{tenth}%"


def _words(value: Fraction, strict: bool = False) -> str:
    words = _NAMED.get(value) or _math(value)
    return f"more than {words}" if strict else words


def _math(value: Fraction) -> str:
    if value in _NAMED or 100 % value.denominator:
        return _text(value)
    return _percent(value)


def _states(count: int) -> str:
    return "no state" if count == 0 else f"{count} state" + ("" if count == 1 else "s")


def _min_count(fraction: Fraction, base: int, strict: bool) -> int:
    """Return the smallest whole number that meets fraction of base (≥, or > when strict)."""
    exact = fraction * base
    return math.floor(exact) + 1 if strict else math.ceil(exact)


@dataclass(frozen=True)
class Elector:
    """One state entitled to vote, with its figures as frozen when the vote opened."""

    state: str
    population: int = 0
    contribution_share: Fraction = Fraction(0)
    recused: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.state, str) or not _STATE_CODE.fullmatch(self.state):
            raise RuleError(f"state must be an ISO alpha-2 code such as 'FR', not {self.state!r}")
        population = self.population
        if isinstance(population, bool) or not isinstance(population, int) or population < 0:
            raise RuleError(f"{self.state}: population must be a whole number ≥ 0")
        share = _fraction(self.contribution_share, f"{self.state}: contribution_share")
        if share < 0:
            raise RuleError(f"{self.state}: contribution_share must be ≥ 0")
        object.__setattr__(self, "contribution_share", share)


Electorate = tuple[Elector, ...]


@dataclass(frozen=True)
class Requirement:
    """One test a rule sets: a share (`threshold`, > when strict, else ≥) of the test's base."""

    code: ConditionCode
    threshold: Fraction | None = None
    strict: bool = False

    def to_dict(self) -> dict[str, object]:
        """Return the requirement as JSON-ready data, with fractions written as 'n/d'."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class RuleDescription:
    """A rule as the structure a page puts into words: its tests, absences, ties and quorum.

    Every requirement must be met, except that under a double majority with a blocking
    minority the population test may instead be met by fewer than `blocking_minority`
    members not voting yes (see `ConditionCode.BLOCKING_MINORITY`).
    """

    kind: RuleKind
    requirements: tuple[Requirement, ...]
    absences: Absences
    tie: TieEffect
    quorum: Fraction | None
    blocking_minority: int | None

    def to_dict(self) -> dict[str, object]:
        """Return the description as JSON-ready data, with fractions written as 'n/d'."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class VotingRule:
    """What a motion needs to pass: plain data, chosen per motion kind and council.

    `threshold` always applies to a count of states (of those voting, or of the members);
    `population_threshold` and `share_threshold` are the weighted second tests. `strict` turns
    every threshold test from ≥ into >; the quorum is always ≥ and counts any ballot cast.
    """

    kind: RuleKind
    threshold: Fraction
    strict: bool = False
    tie_break: TieBreak = TieBreak.FAILS
    quorum: Fraction | None = None
    population_threshold: Fraction | None = None
    min_blocking_minority: int | None = None
    share_threshold: Fraction | None = None

    def __post_init__(self) -> None:
        try:
            kind, tie_break = RuleKind(self.kind), TieBreak(self.tie_break)
        except ValueError as exc:
            raise RuleError(str(exc)) from exc
        threshold = _fraction(self.threshold, "threshold")
        set_ = object.__setattr__  # frozen: normalise the inputs once, here
        set_(self, "kind", kind)
        set_(self, "tie_break", tie_break)
        set_(self, "threshold", threshold)
        if not isinstance(self.strict, bool):
            raise RuleError("strict must be True (>) or False (≥)")
        for name in ("quorum", "population_threshold", "share_threshold"):
            value = getattr(self, name)
            if value is not None:
                value = _fraction(value, name)
                set_(self, name, value)
                self._check(0 < value <= 1, f"{name} must lie in (0, 1]")
        self._check(0 < threshold <= 1, "threshold must lie in (0, 1]")
        # A strict test against the whole (> 100 %) could never be met.
        for value in (threshold, self.population_threshold, self.share_threshold):
            self._check(not (self.strict and value == 1), "a strict threshold must be below 1")
        simple = kind is RuleKind.SIMPLE_MAJORITY
        self._check(
            simple or tie_break is TieBreak.FAILS, "only a simple majority has a casting vote"
        )
        if simple:
            self._check(
                threshold == HALF and self.strict, "a simple majority is > 1/2 of those voting"
            )
        elif kind in (RuleKind.UNANIMITY_ALL_YES, RuleKind.UNANIMITY_NO_OBJECTION):
            self._check(threshold == 1 and not self.strict, "unanimity has threshold 1, not strict")
        elif kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
            self._check(threshold >= HALF, "the voting test needs at least half of those voting")
        elif kind is RuleKind.QUALIFIED_OF_MEMBERS:
            # A share of all members may be set below a majority on purpose: a low bar such as
            # "one third of the Safety Board" lets a minority order a precaution (a freeze).
            pass
        else:
            # A rule that could adopt a tie could also adopt the opposite motion.
            majority = threshold > HALF or (threshold == HALF and self.strict)
            self._check(majority, "threshold must be a majority (> 1/2, or 1/2 with strict)")
        double = kind is RuleKind.DOUBLE_MAJORITY
        weighted = kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY
        self._check(double == (self.population_threshold is not None), "population_threshold")
        self._check(weighted == (self.share_threshold is not None), "share_threshold")
        blocking = self.min_blocking_minority
        if blocking is not None:
            self._check(double, "min_blocking_minority is only for a double majority")
            valid = isinstance(blocking, int) and not isinstance(blocking, bool) and blocking >= 1
            self._check(valid, "min_blocking_minority must be a whole number ≥ 1")

    def _check(self, condition: bool, message: str) -> None:
        if not condition:
            raise RuleError(f"{self.kind}: {message}")

    @classmethod
    def simple_majority(
        cls, tie_break: TieBreak = TieBreak.FAILS, quorum: Fraction | None = None
    ) -> VotingRule:
        """Return the rule: more yes than no among the members represented and voting."""
        return cls(RuleKind.SIMPLE_MAJORITY, HALF, True, tie_break, quorum)

    @classmethod
    def qualified_of_voting(
        cls,
        threshold: Fraction = Fraction(2, 3),
        strict: bool = False,
        quorum: Fraction | None = None,
    ) -> VotingRule:
        """Return the rule: a share (two-thirds by default) of the members represented and voting."""
        return cls(RuleKind.QUALIFIED_OF_VOTING, threshold, strict, quorum=quorum)

    @classmethod
    def qualified_of_members(
        cls,
        threshold: Fraction = Fraction(2, 3),
        strict: bool = False,
        quorum: Fraction | None = None,
    ) -> VotingRule:
        """Return the rule: a share (two-thirds by default) of all members entitled to vote."""
        return cls(RuleKind.QUALIFIED_OF_MEMBERS, threshold, strict, quorum=quorum)

    @classmethod
    def unanimity_all_yes(cls, quorum: Fraction | None = None) -> VotingRule:
        """Return the rule: every member entitled to vote votes yes."""
        return cls(RuleKind.UNANIMITY_ALL_YES, Fraction(1), quorum=quorum)

    @classmethod
    def unanimity_no_objection(cls, quorum: Fraction | None = None) -> VotingRule:
        """Return the rule: nobody votes no and at least one member votes yes."""
        return cls(RuleKind.UNANIMITY_NO_OBJECTION, Fraction(1), quorum=quorum)

    @classmethod
    def double_majority(
        cls,
        threshold: Fraction = Fraction(55, 100),
        population_threshold: Fraction = Fraction(65, 100),
        min_blocking_minority: int | None = 4,
        quorum: Fraction | None = None,
    ) -> VotingRule:
        """Return the EU-style rule: 55 % of the members holding 65 % of their population."""
        return cls(
            RuleKind.DOUBLE_MAJORITY,
            threshold,
            quorum=quorum,
            population_threshold=population_threshold,
            min_blocking_minority=min_blocking_minority,
        )

    @classmethod
    def weighted_double_majority(
        cls,
        share_threshold: Fraction = Fraction(2, 3),
        threshold: Fraction = HALF,
        quorum: Fraction | None = None,
    ) -> VotingRule:
        """Return the budget rule: two-thirds of contributions and half of those voting."""
        kind = RuleKind.WEIGHTED_DOUBLE_MAJORITY
        return cls(kind, threshold, quorum=quorum, share_threshold=share_threshold)

    def with_quorum(self, quorum: Fraction | None) -> VotingRule:
        """Return the same rule with a participation quorum (or none)."""
        return replace(self, quorum=quorum)

    def to_dict(self) -> dict[str, object]:
        """Return the rule as JSON-ready data, with fractions written as 'n/d'."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> VotingRule:
        """Build a rule back from `to_dict` data; anything unknown or malformed is a RuleError."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown or "kind" not in data or "threshold" not in data:
            raise RuleError(f"a rule needs kind and threshold and nothing unknown: {sorted(data)}")

        def optional(name: str) -> Fraction | None:
            value = data.get(name)
            return None if value is None else _parse_fraction(value, name)

        try:
            kind = RuleKind(str(data["kind"]))
            tie_break = TieBreak(str(data.get("tie_break", TieBreak.FAILS)))
        except ValueError as exc:
            raise RuleError(str(exc)) from exc
        strict, blocking = data.get("strict", False), data.get("min_blocking_minority")
        if not isinstance(strict, bool):
            raise RuleError("strict must be true or false")
        if blocking is not None and not isinstance(blocking, int):
            raise RuleError("min_blocking_minority must be a whole number")
        return cls(
            kind,
            _parse_fraction(data["threshold"], "threshold"),
            strict,
            tie_break,
            optional("quorum"),
            optional("population_threshold"),
            blocking,
            optional("share_threshold"),
        )

    def description(self) -> RuleDescription:
        """Return the rule's tests, the effect of absences and ties, and its quorum, as data."""
        t, strict, code = self.threshold, self.strict, ConditionCode
        kind = self.kind
        tie = TieEffect.FAILS
        if self.tie_break is TieBreak.CHAIR_CASTING_VOTE:
            tie = TieEffect.CHAIR_CASTING_VOTE
        elif kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY and t == HALF and not strict:
            tie = TieEffect.CONTRIBUTIONS_DECIDE
        requirements: tuple[Requirement, ...]
        absences: Absences
        if kind in (RuleKind.SIMPLE_MAJORITY, RuleKind.QUALIFIED_OF_VOTING):
            requirements = (Requirement(code.SHARE_OF_VOTING_YES, t, strict),)
            absences = Absences.IGNORED
        elif kind is RuleKind.QUALIFIED_OF_MEMBERS:
            requirements = (Requirement(code.SHARE_OF_MEMBERS_YES, t, strict),)
            absences = Absences.COUNT_AGAINST
        elif kind is RuleKind.UNANIMITY_ALL_YES:
            requirements = (Requirement(code.ALL_MEMBERS_YES, t),)
            absences = Absences.BLOCK
        elif kind is RuleKind.UNANIMITY_NO_OBJECTION:
            requirements = (Requirement(code.NO_OBJECTION), Requirement(code.AT_LEAST_ONE_YES))
            absences = Absences.DO_NOT_BLOCK
        elif kind is RuleKind.DOUBLE_MAJORITY:
            requirements = (
                Requirement(code.SHARE_OF_MEMBERS_YES, t, strict),
                Requirement(code.POPULATION_SHARE, self.population_threshold, strict),
            )
            absences = Absences.NOT_YES
        else:
            requirements = (
                Requirement(code.CONTRIBUTION_SHARE, self.share_threshold, strict),
                Requirement(code.SHARE_OF_VOTING_YES, t, strict),
            )
            absences = Absences.COUNT_AGAINST_IN_CONTRIBUTION_TEST
        return RuleDescription(
            kind, requirements, absences, tie, self.quorum, self.min_blocking_minority
        )


def _jsonable(value: object) -> object:
    if isinstance(value, Fraction):
        return _text(value)
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, VotingRule | Condition | Requirement | RuleDescription | Margin | Verdict):
        return value.to_dict()
    return value


def _choice(value: object, what: str) -> Choice:
    try:
        return Choice(value if isinstance(value, str) else "")
    except ValueError as exc:
        raise RuleError(f"{what} must be yes, no or abstain, not {value!r}") from exc


@dataclass(frozen=True)
class Condition:
    """One test a rule applies: `actual` must stand in `comparison` to `required`.

    `code` names the test; `threshold` (a share, > when `strict`, else ≥) of `base` gives
    `required` (rounded up to a whole count for tests that count states or people). For the
    blocking minority, `fewest` is the fewest participating members holding more than
    `threshold` of their population where not every member takes part (else None: the rule's
    fixed number applies). `name` and `explanation` are the English text stored with tallies
    since the first release; pages put the structure into words instead (governance.wording).
    """

    name: str
    required: Figure
    actual: Figure
    comparison: str
    passed: bool
    explanation: str
    code: ConditionCode
    threshold: Fraction | None = None
    base: int | Fraction | None = None
    strict: bool = False
    fewest: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the test as JSON-ready data, with fractions written as 'n/d'."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


# The English names conditions were stored under before they carried a code.
_LEGACY_CODES = {
    "quorum": ConditionCode.QUORUM,
    "majority of those voting": ConditionCode.SHARE_OF_VOTING_YES,
    "chair's casting vote": ConditionCode.CASTING_VOTE,
    "no objection": ConditionCode.NO_OBJECTION,
    "at least one yes": ConditionCode.AT_LEAST_ONE_YES,
    "members voting yes": ConditionCode.SHARE_OF_MEMBERS_YES,
    "population": ConditionCode.POPULATION_SHARE,
    "no blocking minority": ConditionCode.BLOCKING_MINORITY,
    "contribution shares": ConditionCode.CONTRIBUTION_SHARE,
}


@dataclass(frozen=True)
class _Count:
    members: int
    yes: int
    no: int
    yes_population: int
    total_population: int
    yes_share: Fraction
    total_share: Fraction
    # Whether every member of the electorate takes part (none recused), and the populations of
    # those who do, largest first: the Treaty's blocking minority depends on both.
    everyone_takes_part: bool = True
    participating_populations: tuple[int, ...] = ()


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


@dataclass(frozen=True)
class Margin:
    """How close a vote was, in the units a reader can weigh.

    `states`: as `Tally.margin` (spare ≥ 0, short < 0, or minus the ballots missing for the
    quorum). Where a weighted test applies (`weighted_test`: the population or the
    contributions), the states count is a worst case a single heavy state can decide, so the
    margin is also given as `weighted_share`, the yes states' share of the weight minus the
    share needed (× 100: percentage points; < 0 below it), and `headcount`, the yes votes above
    (≥ 0) or below (< 0) the number the head-count test needs.
    """

    states: int
    weighted_test: ConditionCode | None = None
    weighted_share: Fraction | None = None
    headcount: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the margin as JSON-ready data, with fractions written as 'n/d'."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class Verdict:
    """The outcome with why: the `reason`, the tests not met, and the margin."""

    outcome: Outcome
    reason: Reason
    failed: tuple[ConditionCode, ...]
    margin: Margin

    def to_dict(self) -> dict[str, object]:
        """Return the verdict as JSON-ready data, with fractions written as 'n/d'."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _verdict(
    rule: VotingRule,
    outcome: Outcome,
    conditions: Iterable[Condition],
    counts: _Count,
    casting_vote: Choice | None,
    margin: int,
    required_yes: int,
) -> Verdict:
    """Say why the vote ended as it did, from the figures a stored tally keeps."""
    c, kind = counts, rule.kind
    failed = tuple(test.code for test in conditions if not test.passed)
    if outcome is Outcome.NO_QUORUM:
        reason = Reason.NO_QUORUM
    elif kind is RuleKind.SIMPLE_MAJORITY and c.yes == c.no > 0:
        reason = {
            Choice.YES: Reason.CASTING_VOTE_YES,
            Choice.NO: Reason.CASTING_VOTE_NO,
            None: Reason.CASTING_VOTE_NOT_GIVEN,
        }[casting_vote]
        if rule.tie_break is not TieBreak.CHAIR_CASTING_VOTE:
            reason = Reason.TIE_FAILS
    elif outcome is Outcome.ADOPTED:
        reason = Reason.MET
    elif kind is RuleKind.UNANIMITY_NO_OBJECTION:
        reason = Reason.OBJECTION if c.no else Reason.NO_YES
    elif c.yes + c.no == 0 and ConditionCode.SHARE_OF_VOTING_YES in failed:
        reason = Reason.NOBODY_VOTED
    else:
        reason = Reason.NOT_MET
    weighted: tuple[ConditionCode, Fraction] | None = None
    if kind is RuleKind.DOUBLE_MAJORITY and c.total_population:
        held = Fraction(c.yes_population, c.total_population)
        weighted = ConditionCode.POPULATION_SHARE, held - (rule.population_threshold or 1)
    elif kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY and c.total_share:
        held = c.yes_share / c.total_share
        weighted = ConditionCode.CONTRIBUTION_SHARE, held - (rule.share_threshold or 1)
    detail = Margin(margin)
    if weighted is not None:
        detail = Margin(margin, weighted[0], weighted[1], c.yes - required_yes)
    return Verdict(outcome, reason, failed, detail)


@dataclass(frozen=True)
class Tally:
    """The outcome of a vote under a rule, with every figure and test it rests on.

    `members` counts the entitled, non-recused states, so yes + no + abstain + absent ==
    members. `margin` is in states: spare (≥ 0) when adopted, short (< 0) when rejected, and
    for NO_QUORUM minus the ballots missing for the quorum. `verdict` is the result as
    structure (governance.wording puts it into the reader's language); `summary` is the short
    English phrase stored with every tally since the first release (audit rows, project history
    and open data keep it), not what pages show.
    """

    rule: VotingRule
    outcome: Outcome
    members: int
    yes: int
    no: int
    abstain: int
    absent: int
    recused: int
    recused_states: tuple[str, ...]
    yes_population: int
    total_population: int
    yes_share: Fraction
    total_share: Fraction
    required_yes: int
    quorum_required: int | None
    tie: bool
    casting_vote: Choice | None
    conditions: tuple[Condition, ...]
    margin: int
    summary: str
    verdict: Verdict

    @property
    def adopted(self) -> bool:
        """Whether the motion was adopted."""
        return self.outcome is Outcome.ADOPTED

    @property
    def cast(self) -> int:
        """Count the ballots cast, abstentions included."""
        return self.yes + self.no + self.abstain

    def to_dict(self) -> dict[str, object]:
        """Return the tally as JSON-ready data, with fractions written as 'n/d'."""
        data = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
        return data | {"adopted": self.adopted, "cast": self.cast}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tally:
        """Build a tally back from stored `to_dict` data, whichever release stored it.

        A tally stored before conditions carried a code gets its codes, thresholds and bases
        from its rule and figures; the verdict is always derived again, never read back.
        """
        try:
            rule = VotingRule.from_dict(data["rule"])
            c = _Count(
                members=int(data["members"]),
                yes=int(data["yes"]),
                no=int(data["no"]),
                yes_population=int(data.get("yes_population") or 0),
                total_population=int(data.get("total_population") or 0),
                yes_share=_parse_fraction(data.get("yes_share") or 0, "yes_share"),
                total_share=_parse_fraction(data.get("total_share") or 0, "total_share"),
                everyone_takes_part=not data.get("recused"),
            )
            outcome = Outcome(str(data["outcome"]))
            casting = data.get("casting_vote")
            casting_vote = None if casting is None else _choice(casting, "casting_vote")
            conditions = tuple(_stored_condition(rule, c, row) for row in data["conditions"])
            margin, need = int(data["margin"]), int(data["required_yes"])
            quorum = data.get("quorum_required")
            return cls(
                rule=rule,
                outcome=outcome,
                members=c.members,
                yes=c.yes,
                no=c.no,
                abstain=int(data["abstain"]),
                absent=int(data["absent"]),
                recused=int(data.get("recused") or 0),
                recused_states=tuple(str(s) for s in data.get("recused_states") or ()),
                yes_population=c.yes_population,
                total_population=c.total_population,
                yes_share=c.yes_share,
                total_share=c.total_share,
                required_yes=need,
                quorum_required=None if quorum is None else int(quorum),
                tie=bool(data.get("tie", c.yes == c.no > 0)),
                casting_vote=casting_vote,
                conditions=conditions,
                margin=margin,
                summary=str(data.get("summary") or ""),
                verdict=_verdict(rule, outcome, conditions, c, casting_vote, margin, need),
            )
        except RuleError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise RuleError(f"a stored tally that cannot be read: {exc!r}") from exc


def _stored_figure(value: object, fraction: bool) -> Figure:
    if fraction:
        return _parse_fraction(value, "a condition's figure")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError(f"a condition's figure must be a number or a word, not {value!r}")
    return value


def _stored_condition(rule: VotingRule, c: _Count, row: Mapping[str, Any]) -> Condition:
    """A stored condition, with the structure derived from the rule where it was not stored."""
    name = str(row["name"])
    code = ConditionCode(str(row["code"])) if row.get("code") else _LEGACY_CODES[name]
    if code is ConditionCode.SHARE_OF_MEMBERS_YES and rule.kind is RuleKind.UNANIMITY_ALL_YES:
        code = ConditionCode.ALL_MEMBERS_YES
    weighted = code is ConditionCode.CONTRIBUTION_SHARE
    required = _stored_figure(row["required"], weighted)
    strict, p = rule.strict, rule.population_threshold or Fraction(1)
    fewest = None
    structure: tuple[Fraction | None, int | Fraction | None, bool] = (None, None, False)
    if code is ConditionCode.QUORUM:
        structure = rule.quorum, c.members, False
    elif code is ConditionCode.SHARE_OF_VOTING_YES:
        structure = rule.threshold, c.yes + c.no, strict
    elif code in (ConditionCode.SHARE_OF_MEMBERS_YES, ConditionCode.ALL_MEMBERS_YES):
        structure = rule.threshold, c.members, strict
    elif code is ConditionCode.POPULATION_SHARE:
        structure = p, c.total_population, strict
    elif code is ConditionCode.CONTRIBUTION_SHARE:
        structure = rule.share_threshold, c.total_share, strict
    elif code is ConditionCode.BLOCKING_MINORITY:
        structure = 1 - p, c.members, False
        fewest = None if c.everyone_takes_part else int(required) - 1
    if "threshold" in row:  # stored with its structure: read it back rather than derive it
        threshold = row.get("threshold")
        base = row.get("base")
        structure = (
            None if threshold is None else _parse_fraction(threshold, "threshold"),
            None if base is None else _parse_fraction(base, "base"),
            bool(row.get("strict")),
        )
        fewest = row.get("fewest")
    threshold, base, strict = structure
    if isinstance(base, Fraction) and base.denominator == 1 and not weighted:
        base = int(base)
    return Condition(
        name=name,
        required=required,
        actual=_stored_figure(row["actual"], weighted),
        comparison=str(row["comparison"]),
        passed=bool(row["passed"]),
        explanation=str(row.get("explanation") or ""),
        code=code,
        threshold=threshold,
        base=base,
        strict=strict,
        fewest=None if fewest is None else int(fewest),
    )


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
