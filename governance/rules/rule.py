"""A voting rule as data: its kind, thresholds, quorum and tie-break, and its description."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from governance.rules.base import (
    HALF,
    Absences,
    ConditionCode,
    QuorumBase,
    RuleError,
    RuleKind,
    TieBreak,
    TieEffect,
    _fraction,
    _jsonable,
    _parse_fraction,
)

# TEU Art. 31(1): formal abstainers block when they are "at least one third of the Member
# States comprising at least one third of the population of the Union".
ONE_THIRD = Fraction(1, 3)
_UNANIMOUS = (
    RuleKind.UNANIMITY_ALL_YES,
    RuleKind.UNANIMITY_NO_OBJECTION,
    RuleKind.SILENCE,
    RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION,
)


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
    members not voting yes (see `ConditionCode.BLOCKING_MINORITY`), and that under a
    constructive abstention the two one-third tests on the formal abstainers block only
    together (the motion fails only where both are reached).
    """

    kind: RuleKind
    requirements: tuple[Requirement, ...]
    absences: Absences
    tie: TieEffect
    quorum: Fraction | None
    blocking_minority: int | None
    quorum_base: QuorumBase = QuorumBase.CAST
    weight_cap: Fraction | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the description as JSON-ready data, with fractions written as 'n/d'."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class VotingRule:
    """What a motion needs to pass: plain data, chosen per motion kind and council.

    `threshold` always applies to a count of states (of those voting, of those present, or of
    the members); `population_threshold` and `share_threshold` are the weighted second tests.
    `strict` turns every threshold test from ≥ into >; the quorum is always ≥ of the members
    and counts any ballot cast, or with `quorum_base` "present" every member present, whether
    it casts a ballot or not. `weight_cap` caps any one state's share of the contribution
    weights (the excess goes to the others pro rata). The two last fields are written by
    `to_dict` only when set, so every rule stored before them reads and writes back unchanged.
    """

    kind: RuleKind
    threshold: Fraction
    strict: bool = False
    tie_break: TieBreak = TieBreak.FAILS
    quorum: Fraction | None = None
    population_threshold: Fraction | None = None
    min_blocking_minority: int | None = None
    share_threshold: Fraction | None = None
    quorum_base: QuorumBase = QuorumBase.CAST
    weight_cap: Fraction | None = None

    def __post_init__(self) -> None:
        try:
            kind, tie_break = RuleKind(self.kind), TieBreak(self.tie_break)
            quorum_base = QuorumBase(self.quorum_base)
        except ValueError as exc:
            raise RuleError(str(exc)) from exc
        threshold = _fraction(self.threshold, "threshold")
        set_ = object.__setattr__  # frozen: normalise the inputs once, here
        set_(self, "kind", kind)
        set_(self, "tie_break", tie_break)
        set_(self, "quorum_base", quorum_base)
        set_(self, "threshold", threshold)
        if not isinstance(self.strict, bool):
            raise RuleError("strict must be True (>) or False (≥)")
        for name in ("quorum", "population_threshold", "share_threshold", "weight_cap"):
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
        # A casting vote settles an equality of votes cast for and against. Under a majority
        # of those present, abstainers and silent attendees weigh against the motion without
        # voting no, so "yes equal to everyone else present" is no such equality, and neither
        # the EU Council's Rules of Procedure nor the CERN Convention gives a chair one there.
        self._check(
            simple or tie_break is TieBreak.FAILS, "only a simple majority has a casting vote"
        )
        if simple:
            self._check(
                threshold == HALF and self.strict, "a simple majority is > 1/2 of those voting"
            )
        elif kind in _UNANIMOUS:
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
        # Silence is consent: a quorum of ballots or of presence would make silence a veto.
        self._check(kind is not RuleKind.SILENCE or self.quorum is None, "silence has no quorum")
        self._check(
            quorum_base is QuorumBase.CAST or self.quorum is not None,
            "quorum_base 'present' needs a quorum",
        )
        if self.weight_cap is not None:
            self._check(weighted, "weight_cap is only for a contribution-weighted majority")
            self._check(self.weight_cap < 1, "weight_cap must lie in (0, 1)")

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

    @classmethod
    def qualified_of_present(
        cls,
        threshold: Fraction = HALF,
        strict: bool = True,
        quorum: Fraction | None = None,
        quorum_base: QuorumBase = QuorumBase.CAST,
    ) -> VotingRule:
        """Return the rule: a share (a simple majority by default) of the members present.

        Abstaining, or attending without casting a ballot, counts against; staying away does
        not count at all (EU Council Rules of Procedure Art. 11(4) for the presence; a
        "majority of those present" is the default, 1/2 strict).
        """
        kind = RuleKind.QUALIFIED_OF_PRESENT
        return cls(kind, threshold, strict, quorum=quorum, quorum_base=quorum_base)

    @classmethod
    def silence(cls) -> VotingRule:
        """Return the silence procedure: adopted unless a member votes no by the deadline."""
        return cls(RuleKind.SILENCE, Fraction(1))

    @classmethod
    def unanimity_constructive_abstention(
        cls, quorum: Fraction | None = None, quorum_base: QuorumBase = QuorumBase.CAST
    ) -> VotingRule:
        """Return TEU Art. 31(1) unanimity: formal abstainers are not bound and do not block,
        unless they are a third of the members holding a third of the population."""
        kind = RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION
        return cls(kind, Fraction(1), quorum=quorum, quorum_base=quorum_base)

    def with_quorum_base(self, quorum_base: QuorumBase | str) -> VotingRule:
        """Return the same rule with its quorum counting ballots cast or members present."""
        return replace(self, quorum_base=QuorumBase(quorum_base))

    def with_weight_cap(self, weight_cap: Fraction | None) -> VotingRule:
        """Return the same rule with a cap on any one state's share of the weights (or none)."""
        return replace(self, weight_cap=weight_cap)

    def with_quorum(self, quorum: Fraction | None) -> VotingRule:
        """Return the same rule with a participation quorum (or none)."""
        return replace(self, quorum=quorum)

    def to_dict(self) -> dict[str, object]:
        """Return the rule as JSON-ready data, with fractions written as 'n/d'.

        `quorum_base` and `weight_cap` are written only when they differ from their defaults,
        so a rule that does not use them is stored exactly as releases before them stored it.
        """
        data = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
        if self.quorum_base is QuorumBase.CAST:
            del data["quorum_base"]
        if self.weight_cap is None:
            del data["weight_cap"]
        return data

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
            quorum_base = QuorumBase(str(data.get("quorum_base", QuorumBase.CAST)))
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
            quorum_base,
            optional("weight_cap"),
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
        elif kind is RuleKind.QUALIFIED_OF_PRESENT:
            requirements = (Requirement(code.SHARE_OF_PRESENT_YES, t, strict),)
            absences = Absences.PRESENT_COUNT_AGAINST
        elif kind is RuleKind.SILENCE:
            requirements = (Requirement(code.NO_OBJECTION),)
            absences = Absences.SILENCE_CONSENTS
        elif kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
            requirements = (
                Requirement(code.NO_OBJECTION),
                Requirement(code.AT_LEAST_ONE_YES),
                Requirement(code.NONE_ABSENT),
                Requirement(code.FORMAL_ABSTAINERS, ONE_THIRD),
                Requirement(code.FORMAL_ABSTAINERS_POPULATION, ONE_THIRD),
            )
            absences = Absences.ONLY_ABSENCE_BLOCKS
        else:
            requirements = (
                Requirement(code.CONTRIBUTION_SHARE, self.share_threshold, strict),
                Requirement(code.SHARE_OF_VOTING_YES, t, strict),
            )
            absences = Absences.COUNT_AGAINST_IN_CONTRIBUTION_TEST
        return RuleDescription(
            kind,
            requirements,
            absences,
            tie,
            self.quorum,
            self.min_blocking_minority,
            self.quorum_base,
            self.weight_cap,
        )
