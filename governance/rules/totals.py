"""Counting a secret vote from its decrypted totals: every rule kind, no ballot opened.

Pure (no Django), so the service, `verify_votes` and the offline recompute count the same way.
A secret vote's ballots are added up under encryption, once per weighting the rule needs
("count": 1 per state; "population"; "share": each state's contribution weight after the
rule's cap, scaled to integers over the weights' common denominator), and only the totals are
decrypted. That is all the engine's tests look at: yes, no and abstain counts, the yes and
abstaining populations, the yes share; who took part (turnout) is public anyway.

`tally_from_totals` builds the engine's count from those totals and runs the engine's own
tests, so every rule kind gives the outcome a roll-call vote with the same choices gives
(tests/governance/test_rules_totals.py checks it as a property). One figure cannot come from
totals: the margin in states of a weighted rule, which depends on which states voted yes; for
those rules the margin counts heads only (the weighted margin in percentage points is exact).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from governance.rules import Choice, Elector, Electorate, Outcome, RuleError, RuleKind, Tally
from governance.rules.base import (
    ConditionCode,
    QuorumBase,
    TieBreak,
    _choice,
    _math,
    _min_count,
    exact,
)
from governance.rules.rule import VotingRule
from governance.rules.tally import Condition, _Count, _verdict
from governance.rules.voting import (
    _ABSTAIN,
    _AWAY,
    _BY_POPULATION,
    _NO,
    _SILENT,
    _assess,
    _capped_weights,
    _margin,
    _summary,
)

OPTIONS = ("yes", "no", "abstain")


@dataclass(frozen=True)
class Weighting:
    """The integer weights a secret vote's ballots are summed under, and how to read them back.

    `weights[name][state]` is an integer; a total under "share" divided by `share_denominator`
    is the exact (capped) contribution weight of the states that chose that option.
    """

    weights: dict[str, dict[str, int]]
    share_denominator: int = 1

    def to_json(self) -> dict[str, object]:
        return {"weights": self.weights, "share_denominator": self.share_denominator}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Weighting:
        raw = data["weights"]
        if not isinstance(raw, Mapping):
            raise RuleError("weights must be a map")
        weights = {
            str(name): {str(s): int(w) for s, w in dict(values).items()}
            for name, values in raw.items()
        }
        denominator = data.get("share_denominator", 1)
        if not isinstance(denominator, int) or denominator < 1:
            raise RuleError("share_denominator must be a positive integer")
        return cls(weights, denominator)


def weightings_for(electorate: Electorate, rule: VotingRule | None = None) -> Weighting:
    """The weightings a rule needs for its electorate's voting members (count always)."""
    rule = rule or VotingRule.from_dict(electorate.rule)
    members = sorted(electorate.voting_members, key=lambda e: e.state)
    weights: dict[str, dict[str, int]] = {"count": {e.state: 1 for e in members}}
    denominator = 1
    if rule.kind in _BY_POPULATION:
        weights["population"] = {e.state: e.population for e in members}
    if rule.kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
        capped, _capped = _capped_weights(members, rule.weight_cap)
        denominator = math.lcm(*(w.denominator for w in capped.values())) if capped else 1
        weights["share"] = {
            state: int(weight * denominator) for state, weight in sorted(capped.items())
        }
    return Weighting(weights, denominator)


@dataclass(frozen=True)
class Totals:
    """What the trustees decrypt: counts per option, and the weighted sums a rule needs."""

    yes: int
    no: int
    abstain: int
    yes_population: int = 0
    abstain_population: int = 0
    yes_share: Fraction = Fraction(0)

    @classmethod
    def from_decrypted(cls, decrypted: Mapping[str, int], weighting: Weighting) -> Totals:
        """Read the decrypted labelled totals ("count.yes", "population.yes", "share.yes", ...)."""
        return cls(
            yes=int(decrypted["count.yes"]),
            no=int(decrypted["count.no"]),
            abstain=int(decrypted["count.abstain"]),
            yes_population=int(decrypted.get("population.yes", 0)),
            abstain_population=int(decrypted.get("population.abstain", 0)),
            yes_share=Fraction(int(decrypted.get("share.yes", 0)), weighting.share_denominator),
        )

    @classmethod
    def of_choices(
        cls, electorate: Electorate, choices: Mapping[str, Choice | str], weighting: Weighting
    ) -> Totals:
        """The totals the trustees would decrypt for these choices (tests and benchmarks)."""
        sums = {
            f"{name}.{option}": sum(
                w[state] for state, c in choices.items() if str(_choice(c, state)) == option
            )
            for name, w in weighting.weights.items()
            for option in OPTIONS
        }
        return cls.from_decrypted(sums, weighting)


def _read_voters(voters: Iterable[str], electors: Mapping[str, Elector]) -> tuple[str, ...]:
    seen: list[str] = []
    for state in voters:
        elector = electors.get(state)
        if elector is None or elector.recused:
            raise RuleError(f"{state!r} cast a ballot but is not a voting member of this vote")
        if state in seen:
            raise RuleError(f"{state} is listed twice as having voted")
        seen.append(state)
    return tuple(sorted(seen))


def tally_from_totals(
    electorate: Electorate,
    *,
    voters: Iterable[str],
    totals: Totals,
    attendance: Iterable[str] = (),
    casting_vote: Choice | str | None = None,
    rule: VotingRule | None = None,
) -> Tally:
    """Count a secret vote from its decrypted totals, under every rule kind of the engine.

    `voters` are the states with a current ballot (public: who voted is known); the totals
    must add up to them (yes + no + abstain == len(voters)), or it is a RuleError.
    """
    if not isinstance(electorate, Electorate):
        raise RuleError(f"tally_from_totals counts an Electorate, not {type(electorate).__name__}")
    rule = rule or VotingRule.from_dict(electorate.rule)
    electors = {e.state: e for e in electorate.electors}
    voted = _read_voters(voters, electors)
    if min(totals.yes, totals.no, totals.abstain) < 0 or (
        totals.yes + totals.no + totals.abstain != len(voted)
    ):
        raise RuleError(
            f"the totals ({totals.yes} yes, {totals.no} no, {totals.abstain} abstain) do not add "
            f"up to the {len(voted)} states that voted"
        )
    attending = {s for s in attendance if s in electors and not electors[s].recused}
    casting = None if casting_vote is None else _choice(casting_vote, "the casting vote")
    if casting is Choice.ABSTAIN:
        raise RuleError("a casting vote must be yes or no")
    members = sorted((e for e in electors.values() if not e.recused), key=lambda e: e.state)
    if not members:
        raise RuleError("no member of the electorate may vote")
    if rule.kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY and not any(
        e.contribution_share for e in members
    ):
        raise RuleError("a contribution-weighted majority needs the members' contribution shares")
    weights, capped = _capped_weights(members, rule.weight_cap)
    present_states = tuple(sorted(attending | set(voted)))
    silent = [e for e in members if e.state not in voted and e.state in attending]
    away = [e for e in members if e.state not in voted and e.state not in attending]
    c = _Count(
        members=len(members),
        yes=totals.yes,
        no=totals.no,
        yes_population=totals.yes_population,
        total_population=sum(e.population for e in members),
        yes_share=totals.yes_share,
        total_share=sum(weights.values(), Fraction(0)),
        everyone_takes_part=len(members) == len(electors),
        participating_populations=tuple(sorted((e.population for e in members), reverse=True)),
        abstain=totals.abstain,
        present=len(present_states),
        away=len(away),
        abstain_population=totals.abstain_population,
        capped_states=capped,
    )
    if rule.kind in _BY_POPULATION and c.total_population == 0:
        raise RuleError(f"a {rule.kind} vote needs the members' populations")
    adopted, need, tests = _assess(rule, c, casting)
    cast, quorum_need = len(voted), None
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
        # Which voters chose what is secret: the margin is counted on stand-ins without weight
        # (exact for the head-count rules; heads only for the weighted ones).
        codes = iter(f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(26 * 26))
        sizes = {"yes": c.yes, _NO: c.no, _ABSTAIN: c.abstain, _SILENT: len(silent)}
        groups = {
            group: [Elector(next(codes)) for _ in range(size)] for group, size in sizes.items()
        }
        groups[_AWAY] = [Elector(next(codes)) for _ in away]
        stand_in = {e.state: Fraction(0) for group in groups.values() for e in group}
        margin = _margin(rule, c, groups, stand_in, casting, adopted)
        failed = set() if adopted else {test.name for test in tests if not test.passed}
        summary = _summary(rule, c, margin, need, failed, casting)
    casting_out = casting if decides and outcome is not Outcome.NO_QUORUM else None
    return Tally(
        rule=rule,
        outcome=outcome,
        members=c.members,
        yes=c.yes,
        no=c.no,
        abstain=c.abstain,
        absent=len(silent) + len(away),
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
        # A constructive abstention's formal abstainers are not bound; in a secret vote
        # nobody can say which states they were, only how many.
        not_bound_states=(),
        capped_states=capped,
        programme=electorate.programme,
    )
