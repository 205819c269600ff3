"""A counted vote: its conditions, verdict and margin, stored as JSON and read back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from governance.rules.base import (
    Choice,
    ConditionCode,
    Figure,
    Outcome,
    Reason,
    RuleError,
    RuleKind,
    TieBreak,
    _choice,
    _jsonable,
    _parse_fraction,
)
from governance.rules.rule import VotingRule


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
    # Presence: members present (attending or casting a ballot) and members neither present
    # nor represented; abstentions and the abstainers' population (constructive abstention).
    abstain: int = 0
    present: int = 0
    away: int = 0
    abstain_population: int = 0
    capped_states: tuple[str, ...] = ()


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
    elif kind in (RuleKind.UNANIMITY_NO_OBJECTION, RuleKind.SILENCE):
        reason = Reason.OBJECTION if c.no else Reason.NO_YES
    elif kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
        if c.no:
            reason = Reason.OBJECTION
        elif ConditionCode.AT_LEAST_ONE_YES in failed:
            reason = Reason.NO_YES
        elif ConditionCode.NONE_ABSENT in failed:
            reason = Reason.ABSENT
        else:
            reason = Reason.ABSTAINERS_BLOCK
    elif (c.yes + c.no == 0 and ConditionCode.SHARE_OF_VOTING_YES in failed) or (
        c.present == 0 and ConditionCode.SHARE_OF_PRESENT_YES in failed
    ):
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
    members: `absent` counts the members that cast no ballot, whether they attended or not.
    `present` counts the members present: marked as attending or casting a ballot (in person
    or by proxy); `present_states` names them (None in a tally stored before attendance was
    recorded, where `present` is the ballots cast). `not_bound_states` are a constructive
    abstention's formal abstainers (TEU Art. 31(1)), `capped_states` the states whose
    contribution weight the rule's weight cap reduced, and `programme` the programme whose
    participants formed the electorate (None: the whole council).

    `margin` is in states: spare (≥ 0) when adopted, short (< 0) when rejected, and for
    NO_QUORUM minus the ballots (or, with a quorum of those present, the members) missing. `verdict` is the result as
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
    present: int = 0
    present_states: tuple[str, ...] | None = None
    not_bound_states: tuple[str, ...] = ()
    capped_states: tuple[str, ...] = ()
    programme: str | None = None

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
            members, abstain = int(data["members"]), int(data["abstain"])
            cast = int(data["yes"]) + int(data["no"]) + abstain
            # Before attendance was recorded, those present were those who cast a ballot.
            present = int(data["present"]) if data.get("present") is not None else cast
            stored_present = data.get("present_states")
            c = _Count(
                members=int(data["members"]),
                yes=int(data["yes"]),
                no=int(data["no"]),
                yes_population=int(data.get("yes_population") or 0),
                total_population=int(data.get("total_population") or 0),
                yes_share=_parse_fraction(data.get("yes_share") or 0, "yes_share"),
                total_share=_parse_fraction(data.get("total_share") or 0, "total_share"),
                everyone_takes_part=not data.get("recused"),
                abstain=abstain,
                present=present,
                away=members - present,
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
                abstain=abstain,
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
                present=present,
                present_states=None
                if stored_present is None
                else tuple(str(s) for s in stored_present),
                not_bound_states=tuple(str(s) for s in data.get("not_bound_states") or ()),
                capped_states=tuple(str(s) for s in data.get("capped_states") or ()),
                programme=None if data.get("programme") is None else str(data["programme"]),
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
