"""The shared vocabulary of the voting engine: choices, kinds, codes, errors and exact numbers.

Pure: no Django and no I/O (the offline recompute runs this on a bare Python).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
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
    # A share of the members present (EU Council RoP Art. 11(4); "majority of those present").
    QUALIFIED_OF_PRESENT = "qualified_of_present"
    # A written procedure adopted unless a member objects by the deadline.
    SILENCE = "silence"
    # TEU Art. 31(1) second subparagraph: unanimity that formal abstainers do not prevent.
    UNANIMITY_CONSTRUCTIVE_ABSTENTION = "unanimity_constructive_abstention"


class QuorumBase(StrEnum):
    """What a quorum counts: the ballots cast, or the members present (voting or not)."""

    CAST = "cast"
    PRESENT = "present"


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
    QUORUM_PRESENT = "quorum_present"
    SHARE_OF_PRESENT_YES = "share_of_present_yes"
    NONE_ABSENT = "none_absent"
    FORMAL_ABSTAINERS = "formal_abstainers"
    FORMAL_ABSTAINERS_POPULATION = "formal_abstainers_population"


class Absences(StrEnum):
    """What abstaining or staying away does to a motion under a rule."""

    IGNORED = "ignored"
    COUNT_AGAINST = "count_against"
    BLOCK = "block"
    DO_NOT_BLOCK = "do_not_block"
    NOT_YES = "not_yes"
    COUNT_AGAINST_IN_CONTRIBUTION_TEST = "count_against_in_contribution_test"
    # Abstaining, or attending without a ballot, counts against; staying away does not count.
    PRESENT_COUNT_AGAINST = "present_count_against"
    # Abstentions of members present or represented do not block; a member neither does.
    ONLY_ABSENCE_BLOCKS = "only_absence_blocks"
    # Yes, abstaining and silence are all no objection.
    SILENCE_CONSENTS = "silence_consents"


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
    # Constructive abstention: a member neither present nor represented prevents unanimity.
    ABSENT = "absent"
    # Constructive abstention: the formal abstainers reach one third of states and population.
    ABSTAINERS_BLOCK = "abstainers_block"


Figure = int | Fraction | str
Ballots = Mapping[str, Choice | str] | Iterable[tuple[str, Choice | str]]


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


def _jsonable(value: object) -> object:
    if isinstance(value, Fraction):
        return _text(value)
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return value


def _choice(value: object, what: str) -> Choice:
    try:
        return Choice(value if isinstance(value, str) else "")
    except ValueError as exc:
        raise RuleError(f"{what} must be yes, no or abstain, not {value!r}") from exc
