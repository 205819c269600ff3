"""Voting rules of Concordia's councils: who counts, what is needed, and whether a motion passes.

Pure arithmetic on frozen dataclasses, with no Django and no I/O. Only int and Fraction are
used, so a result can be recomputed exactly and every step shown on a page. The package is
split by what each part holds (`base`: the vocabulary and exact numbers; `rule`: a rule as
data; `electorate`: who may vote; `tally`: a counted vote as stored; `voting`: the count);
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
    Reason,
    RuleError,
    RuleKind,
    TieBreak,
    TieEffect,
    exact,
)
from governance.rules.electorate import Elector, Electorate
from governance.rules.rule import Requirement, RuleDescription, VotingRule
from governance.rules.tally import Condition, Margin, Tally, Verdict
from governance.rules.voting import evaluate

__all__ = [
    "HALF",
    "Absences",
    "Ballots",
    "Choice",
    "Condition",
    "ConditionCode",
    "Elector",
    "Electorate",
    "Figure",
    "Margin",
    "Outcome",
    "Reason",
    "Requirement",
    "RuleDescription",
    "RuleError",
    "RuleKind",
    "Tally",
    "TieBreak",
    "TieEffect",
    "Verdict",
    "VotingRule",
    "evaluate",
    "exact",
]
