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
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class RuleKind(StrEnum):
    SIMPLE_MAJORITY = "simple_majority"
    QUALIFIED_OF_VOTING = "qualified_of_voting"
    QUALIFIED_OF_MEMBERS = "qualified_of_members"
    UNANIMITY_ALL_YES = "unanimity_all_yes"
    UNANIMITY_NO_OBJECTION = "unanimity_no_objection"
    DOUBLE_MAJORITY = "double_majority"
    WEIGHTED_DOUBLE_MAJORITY = "weighted_double_majority"


class TieBreak(StrEnum):
    FAILS = "fails"
    CHAIR_CASTING_VOTE = "chair_casting_vote"


class Outcome(StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
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


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else _text(value)


def _percent(value: Fraction) -> str:
    # Rounded down, so a share just below a threshold never prints as the threshold itself.
    whole, tenth = divmod(math.floor(value * 1000), 10)
    return f"{whole}%" if value * 100 == whole else f"{whole}.{tenth}%"


def _words(value: Fraction, strict: bool = False) -> str:
    if value in _NAMED:
        words = _NAMED[value]
    else:
        words = _percent(value) if 100 % value.denominator == 0 else _text(value)
    return f"more than {words}" if strict else words


def _amount(value: Fraction, strict: bool) -> str:
    if strict or (value in _NAMED and value != HALF):
        return _words(value, strict)
    return f"at least {_words(value)}"


def _math(value: Fraction) -> str:
    if value in _NAMED or 100 % value.denominator:
        return _text(value)
    return _percent(value)


def _states(count: int) -> str:
    return "no state" if count == 0 else f"{count} state" + ("" if count == 1 else "s")


def _min_count(fraction: Fraction, base: int, strict: bool) -> int:
    """Return the smallest whole number that meets fraction × base (≥, or > when strict)."""
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
        self._check(simple or tie_break is TieBreak.FAILS, "only a simple majority has a casting vote")
        if simple:
            self._check(threshold == HALF and self.strict, "a simple majority is > 1/2 of those voting")
        elif kind in (RuleKind.UNANIMITY_ALL_YES, RuleKind.UNANIMITY_NO_OBJECTION):
            self._check(threshold == 1 and not self.strict, "unanimity has threshold 1, not strict")
        elif kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
            self._check(threshold >= HALF, "the voting test needs at least half of those voting")
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
        cls, threshold: Fraction = Fraction(2, 3), strict: bool = False, quorum: Fraction | None = None
    ) -> VotingRule:
        """Return the rule: a share (two-thirds by default) of the members represented and voting."""
        return cls(RuleKind.QUALIFIED_OF_VOTING, threshold, strict, quorum=quorum)

    @classmethod
    def qualified_of_members(
        cls, threshold: Fraction = Fraction(2, 3), strict: bool = False, quorum: Fraction | None = None
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

    def describe(self) -> str:
        """Return the rule in plain English: base, threshold, abstentions, ties and quorum."""
        op, t = (">" if self.strict else "≥"), self.threshold
        tie = "a tie fails"
        if self.kind is RuleKind.SIMPLE_MAJORITY:
            if self.tie_break is TieBreak.CHAIR_CASTING_VOTE:
                tie = "a tie is decided by the chair's casting vote, and fails if none is given"
            text = (
                "A simple majority of the members represented and voting (yes > no); "
                f"abstentions and absences are not counted; {tie}."
            )
        elif self.kind is RuleKind.QUALIFIED_OF_VOTING:
            text = (
                f"{_amount(t, self.strict).capitalize()} of the members represented and voting "
                f"(yes {op} {_math(t)} of yes + no); abstentions and absences are not counted; {tie}."
            )
        elif self.kind is RuleKind.QUALIFIED_OF_MEMBERS:
            text = (
                f"{_amount(t, self.strict).capitalize()} of all members entitled to vote "
                f"(yes {op} {_math(t)} of the members, recused members excluded); "
                f"abstentions and absences count against; {tie}."
            )
        elif self.kind is RuleKind.UNANIMITY_ALL_YES:
            text = (
                "Unanimity of all members entitled to vote (every member, recused members "
                f"excluded, votes yes); an abstention or absence blocks adoption; {tie}."
            )
        elif self.kind is RuleKind.UNANIMITY_NO_OBJECTION:
            text = (
                "Unanimity without objection (no = 0 and yes ≥ 1); abstentions and absences do "
                f"not block, but at least one member must vote yes; {tie}."
            )
        elif self.kind is RuleKind.DOUBLE_MAJORITY:
            p = self.population_threshold or Fraction(1)
            blocking = self.min_blocking_minority
            unless = "" if blocking is None else f" or fewer than {blocking} members do not vote yes"
            text = (
                f"A double majority: {_amount(t, self.strict)} of the members vote yes (yes {op} "
                f"{_math(t)} of the members, recused members excluded), and either the yes "
                f"states hold {_amount(p, self.strict)} of the members' population (yes "
                f"population {op} {_math(p)} of the total){unless}; abstentions and absences "
                f"count as not voting yes; {tie}."
            )
        else:
            s = self.share_threshold or Fraction(1)
            if t == HALF and not self.strict:
                tie = "a tie among those voting meets the voting test, so the contributions decide"
            text = (
                f"A contribution-weighted double majority: the yes states hold "
                f"{_amount(s, self.strict)} of the members' contribution shares (yes share {op} "
                f"{_math(s)} of the total, recused members excluded), and {_amount(t, self.strict)} "
                f"of the members represented and voting vote yes (yes {op} {_math(t)} of yes + "
                "no); abstentions and absences count against the contribution test and are not "
                f"counted in the voting test; {tie}."
            )
        if self.quorum is not None:
            text += (
                f" Quorum: {_amount(self.quorum, False)} of the members (recused members "
                "excluded) must cast a ballot, abstentions included, or the motion fails for "
                "lack of quorum."
            )
        return text
