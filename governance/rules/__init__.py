"""Voting rules of Concordia's councils: who counts, what is needed, and whether a motion passes.

Pure arithmetic on frozen dataclasses, with no Django and no I/O. Only int and Fraction are
used, so a result can be recomputed exactly and every step shown on a page. The package is
split by what each part holds (`base`: the vocabulary and exact numbers; `rule`: a rule as
data; `electorate`: who may vote, typed, with its canonical JSON and hash; `eligibility`: who may
cast which ballot; `tally`: a counted vote as stored; `voting`: the count, `tally(...)`);
every public name is re-exported here, so `from governance import rules; rules.evaluate(...)`
keeps working.
"""

from governance.rules.base import (
    HALF,
    Absences,
    Ballots,
    Choice,
    ConditionCode,
    Figure,
    Outcome,
    QuorumBase,
    Reason,
    RuleError,
    RuleKind,
    TieBreak,
    TieEffect,
    exact,
)
from governance.rules.electorate import Elector, Electorate, Excluded
from governance.rules.eligibility import Refusal, RefusalCode, ballot_refusal, caster_of
from governance.rules.rule import ONE_THIRD, Requirement, RuleDescription, VotingRule
from governance.rules.tally import Condition, Margin, Tally, Verdict
from governance.rules.totals import Totals, Weighting, tally_from_totals, weightings_for
from governance.rules.voting import anonymous_ballots, evaluate, tally

__all__ = [
    "HALF",
    "ONE_THIRD",
    "Absences",
    "Ballots",
    "Choice",
    "Condition",
    "ConditionCode",
    "Elector",
    "Electorate",
    "Excluded",
    "Figure",
    "Margin",
    "Outcome",
    "QuorumBase",
    "Reason",
    "Refusal",
    "RefusalCode",
    "Requirement",
    "RuleDescription",
    "RuleError",
    "RuleKind",
    "Tally",
    "TieBreak",
    "TieEffect",
    "Totals",
    "Verdict",
    "VotingRule",
    "Weighting",
    "anonymous_ballots",
    "ballot_refusal",
    "caster_of",
    "evaluate",
    "exact",
    "tally",
    "tally_from_totals",
    "weightings_for",
]
