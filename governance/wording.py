"""Voting rules and results in the reader's language.

`governance.rules` counts and returns structures (a rule's requirements, each test with its
code and figures, a verdict with its reason and margin); this module puts them into words
through gettext, one translatable string per sentence, with named placeholders and plural
forms. Percentages are written for people (core.l10n); the exact figures stay one click away.

Two figures are never rounded into each other: an actual share just under a threshold is shown
with as many decimals as it takes to look under it (66.66 % against 66.67 %).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from babel.lists import format_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core import l10n
from governance import rules
from governance.rules import (
    Absences,
    ConditionCode,
    Outcome,
    QuorumBase,
    Reason,
    RuleKind,
    TieEffect,
)

logger = logging.getLogger(__name__)

Code = ConditionCode
# Tests whose figures are counts of states against a share of a base (shown as percentages).
_COUNTED = (
    Code.QUORUM,
    Code.QUORUM_PRESENT,
    Code.SHARE_OF_VOTING_YES,
    Code.SHARE_OF_MEMBERS_YES,
    Code.SHARE_OF_PRESENT_YES,
)
_MAX_PLACES = 6


# -- numbers ---------------------------------------------------------------------------------


def _fraction_words(value: Fraction) -> str | None:
    named = {
        Fraction(1, 2): pgettext("share of a whole", "half"),
        Fraction(1, 3): pgettext("share of a whole", "one third"),
        Fraction(2, 3): pgettext("share of a whole", "two thirds"),
        Fraction(3, 4): pgettext("share of a whole", "three quarters"),
        Fraction(3, 5): pgettext("share of a whole", "three fifths"),
        Fraction(4, 5): pgettext("share of a whole", "four fifths"),
    }
    return named.get(value)


def _places(value: Fraction, at_least: int = 0) -> int:
    """The fewest decimals (from `at_least`, at most one) that write a percentage exactly."""
    for places in range(at_least, 2):
        if (value * 100 * 10**places).denominator == 1:
            return places
    return 1


def _pct(value: Fraction, places: int | None = None) -> str:
    return l10n.percent(value, _places(value) if places is None else places)


def _pair(actual: Fraction, needed: Fraction) -> tuple[str, str]:
    """Both shares as percentages, with enough decimals that unequal shares never look equal."""
    got, need = _places(actual), _places(needed)
    places = max(got, need)
    while (
        actual != needed and _pct(actual, places) == _pct(needed, places) and places < _MAX_PLACES
    ):
        places += 1
        got = need = places
    return _pct(actual, got), _pct(needed, need)


def _points(value: Fraction) -> str:
    """A difference of two shares in percentage points, never rounded to zero unless it is."""
    points, places = abs(value) * 100, 1
    while points and round(points, places) == 0 and places < _MAX_PLACES:
        places += 1
    return l10n.number(Decimal(points.numerator) / Decimal(points.denominator), places)


def _share(value: Fraction) -> str:
    """A threshold in words where it has a common name (two thirds), else as a percentage."""
    return _fraction_words(value) or _pct(value)


def _needed(value: Fraction, strict: bool, words: bool = False) -> str:
    share = _share(value) if words else _pct(value)
    if strict:
        return _("more than %(share)s") % {"share": share}
    return _("at least %(share)s") % {"share": share}


def _int(value: int) -> str:
    return l10n.number(value)


def _exact(value: rules.Figure) -> str:
    """An exact figure: whole numbers grouped, terminating decimals written out, else n/d."""
    if isinstance(value, str):
        return value
    written = rules.exact(value)
    if "/" in written:
        return written
    places = len(written.partition(".")[2])
    return l10n.number(Decimal(written), places)


def _names(codes: Iterable[str]) -> str:
    names = l10n.sorted_by_name((l10n.country_name(c) for c in codes), lambda name: name)
    return format_list(names, locale=l10n.language()) if names else ""


# -- the rule --------------------------------------------------------------------------------


def rule_sentences(
    rule: rules.VotingRule | Mapping[str, Any], programme: str | None = None
) -> list[str]:
    """The rule in words: what it needs, what abstentions and ties do, and its quorum.

    `programme` names the programme whose participating states form the electorate, where
    the motion is a programme's: "all members" then means all its participants.
    """
    if not isinstance(rule, rules.VotingRule):
        rule = rules.VotingRule.from_dict(rule)
    d = rule.description()
    need = {r.code: r for r in d.requirements}
    sentences: list[str] = []

    def words(code: ConditionCode) -> str:
        r = need[code]
        assert r.threshold is not None  # noqa: S101 - every share test has one
        return _needed(r.threshold, r.strict, words=True)

    if d.kind is RuleKind.SIMPLE_MAJORITY:
        sentences.append(
            _(
                "A simple majority of the members represented and voting: more yes votes than "
                "no votes."
            )
        )
    elif d.kind is RuleKind.QUALIFIED_OF_VOTING:
        sentences.append(
            _("Yes votes are needed from %(needed)s of the members represented and voting.")
            % {"needed": words(Code.SHARE_OF_VOTING_YES)}
        )
    elif d.kind is RuleKind.QUALIFIED_OF_MEMBERS:
        sentences.append(
            _(
                "Yes votes are needed from %(needed)s of all members entitled to vote, "
                "recused members aside."
            )
            % {"needed": words(Code.SHARE_OF_MEMBERS_YES)}
        )
    elif d.kind is RuleKind.UNANIMITY_ALL_YES:
        sentences.append(
            _("Unanimity: every member entitled to vote must vote yes, recused members aside.")
        )
    elif d.kind is RuleKind.UNANIMITY_NO_OBJECTION:
        sentences.append(
            _("Unanimity without objection: no member may vote no, and at least one must vote yes.")
        )
    elif d.kind is RuleKind.DOUBLE_MAJORITY:
        sentences.append(
            _(
                "A double majority: yes votes are needed from %(members)s of the members, "
                "recused members aside, and the states voting yes must hold %(population)s of "
                "the members' population."
            )
            % {
                "members": words(Code.SHARE_OF_MEMBERS_YES),
                "population": words(Code.POPULATION_SHARE),
            }
        )
        if d.blocking_minority is not None:
            b = d.blocking_minority
            sentences.append(
                ngettext(
                    "Without that population the motion still passes unless at least %(n)s "
                    "member does not vote yes (a blocking minority).",
                    "Without that population the motion still passes unless at least %(n)s "
                    "members do not vote yes (a blocking minority).",
                    b,
                )
                % {"n": _int(b)}
            )
            population = need[Code.POPULATION_SHARE].threshold or Fraction(1)
            sentences.append(
                _(
                    "Where not every member takes part, a blocking minority is instead the "
                    "fewest participating members holding more than %(share)s of their "
                    "population, plus one."
                )
                % {"share": _pct(1 - population)}
            )
    elif d.kind is RuleKind.QUALIFIED_OF_PRESENT:
        sentences.append(
            _(
                "Yes votes are needed from %(needed)s of the members present, whether or not "
                "they cast a ballot."
            )
            % {"needed": words(Code.SHARE_OF_PRESENT_YES)}
        )
    elif d.kind is RuleKind.SILENCE:
        sentences.append(
            _(
                "Silence procedure: the motion is adopted unless a member objects by voting no "
                "before the deadline; no ballot is needed."
            )
        )
    elif d.kind is RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION:
        sentences.append(
            _(
                "Unanimity with constructive abstention: no member may vote no, at least one "
                "must vote yes, and every member must be present or represented."
            )
        )
        sentences.append(
            _(
                "A member that abstains is a formal abstainer: it is not bound by the decision "
                "and does not prevent it, unless the formal abstainers are at least one third "
                "of the members holding at least one third of their population."
            )
        )
    else:
        sentences.append(
            _(
                "A contribution-weighted double majority: the states voting yes must hold "
                "%(contributions)s of the members' contribution shares, recused members aside, "
                "and yes votes are needed from %(voting)s of the members represented and voting."
            )
            % {
                "contributions": words(Code.CONTRIBUTION_SHARE),
                "voting": words(Code.SHARE_OF_VOTING_YES),
            }
        )
        if d.weight_cap is not None:
            sentences.append(
                _(
                    "No state's contribution weight may exceed %(cap)s of the total; any excess "
                    "is shared among the other states in proportion to their shares."
                )
                % {"cap": _pct(d.weight_cap)}
            )
    sentences.append(
        {
            Absences.IGNORED: _("Abstentions and absences are not counted."),
            Absences.COUNT_AGAINST: _("Abstentions and absences count against the motion."),
            Absences.BLOCK: _("An abstention or an absence blocks adoption."),
            Absences.DO_NOT_BLOCK: _("Abstentions and absences do not block adoption."),
            Absences.NOT_YES: _("Abstentions and absences count as not voting yes."),
            Absences.COUNT_AGAINST_IN_CONTRIBUTION_TEST: _(
                "Abstentions and absences count against the motion in the contribution test only."
            ),
            Absences.PRESENT_COUNT_AGAINST: _(
                "Abstentions, and members present who cast no ballot, count against the motion; "
                "absent members are not counted."
            ),
            Absences.ONLY_ABSENCE_BLOCKS: _(
                "Abstentions of members present or represented do not block adoption; a member "
                "neither present nor represented does."
            ),
            Absences.SILENCE_CONSENTS: _(
                "Yes votes, abstentions and silence all count as no objection."
            ),
        }[d.absences]
    )
    if d.tie is TieEffect.CHAIR_CASTING_VOTE:
        sentences.append(
            _("A tie is decided by the chair's casting vote; without one, the motion fails.")
        )
    elif d.tie is TieEffect.CONTRIBUTIONS_DECIDE:
        sentences.append(
            _("A tie among those voting meets the head-count test, so the contributions decide.")
        )
    elif d.kind in (RuleKind.SIMPLE_MAJORITY, RuleKind.QUALIFIED_OF_VOTING):
        sentences.append(_("A tie fails."))
    if d.quorum is not None and d.quorum_base is QuorumBase.PRESENT:
        sentences.append(
            _(
                "Quorum: %(needed)s of the members must be present, whether or not they cast a "
                "ballot, or the motion fails for lack of quorum."
            )
            % {"needed": _needed(d.quorum, False, words=True)}
        )
    elif d.quorum is not None:
        sentences.append(
            _(
                "Quorum: %(needed)s of the members must cast a ballot, abstentions included, or "
                "the motion fails for lack of quorum."
            )
            % {"needed": _needed(d.quorum, False, words=True)}
        )
    if programme:
        sentences.append(_programme_sentence(programme))
    return sentences


def _programme_sentence(programme: str) -> str:
    return _(
        "Only the states taking part in the programme %(programme)s vote: the members are its "
        "participating states."
    ) % {"programme": programme}


def rule_in_words(rule: rules.VotingRule | Mapping[str, Any], programme: str | None = None) -> str:
    """The rule in words as one paragraph, in the active language."""
    return " ".join(rule_sentences(rule, programme))


# -- the tests of a counted vote -------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One test of a counted vote, ready for a table: what was needed, what it got, and why."""

    code: str
    label: str
    explanation: str
    needed: str
    needed_detail: str
    got: str
    got_detail: str
    passed: bool
    exact: str


def _label(code: ConditionCode) -> str:
    return {
        Code.QUORUM: _("Quorum"),
        Code.SHARE_OF_VOTING_YES: _("Yes among the votes for and against"),
        Code.SHARE_OF_MEMBERS_YES: _("Yes among all members"),
        Code.ALL_MEMBERS_YES: _("Unanimity"),
        Code.NO_OBJECTION: _("No objection"),
        Code.AT_LEAST_ONE_YES: _("At least one yes"),
        Code.POPULATION_SHARE: _("Population of the states voting yes"),
        Code.BLOCKING_MINORITY: _("No blocking minority"),
        Code.CONTRIBUTION_SHARE: _("Contributions of the states voting yes"),
        Code.CASTING_VOTE: _("The chair's casting vote"),
        Code.QUORUM_PRESENT: _("Quorum of members present"),
        Code.SHARE_OF_PRESENT_YES: _("Yes among the members present"),
        Code.NONE_ABSENT: _("Every member present or represented"),
        Code.FORMAL_ABSTAINERS: _("Formal abstainers among the members"),
        Code.FORMAL_ABSTAINERS_POPULATION: _("Population of the formal abstainers"),
    }[code]


def _of(count: int, base: int) -> str:
    return _("%(count)s of %(base)s") % {"count": _int(count), "base": _int(base)}


def _row(tally: rules.Tally, c: rules.Condition) -> Row:
    code, threshold, base = c.code, c.threshold, c.base
    needed = got = needed_detail = got_detail = exact = ""
    explanation = ""
    if code in _COUNTED or code is Code.ALL_MEMBERS_YES:
        share_of = threshold or Fraction(0)
        actual, required, counted = int(c.actual), int(c.required), int(base or 0)
        exact = (
            f"{_exact(actual)} {c.comparison} {_exact(required)} · "
            f"{_exact(share_of)} × {_exact(counted)} = {_exact(share_of * counted)}"
        )
        needed_detail, got_detail = _of(required, counted), _of(actual, counted)
        got, share = (
            _pair(Fraction(actual, counted), share_of) if counted else ("—", _pct(share_of))
        )
        needed = _("more than %(share)s") if c.strict else _("at least %(share)s")
        needed = _("all") if code is Code.ALL_MEMBERS_YES else needed % {"share": share}
        explanation = {
            Code.QUORUM: _("Every ballot cast counts towards the quorum, abstentions included."),
            Code.QUORUM_PRESENT: _(
                "Every member present counts towards the quorum, whether or not it cast a ballot."
            ),
            Code.SHARE_OF_PRESENT_YES: _(
                "The share of the members present that voted yes; abstaining, and attending "
                "without a ballot, count against; absent members are not counted."
            ),
            Code.SHARE_OF_VOTING_YES: _(
                "The share of yes among the yes and no votes; abstentions and absences are not "
                "counted."
            ),
            Code.SHARE_OF_MEMBERS_YES: _(
                "The share of all members, recused members aside, that voted yes; abstaining "
                "and absent members count against."
            ),
            Code.ALL_MEMBERS_YES: _("Every member, recused members aside, must vote yes."),
        }[code]
        if code is Code.SHARE_OF_VOTING_YES and not counted:
            explanation = _("No member voted yes or no, so nothing was carried.")
        if code is Code.SHARE_OF_PRESENT_YES and not counted:
            explanation = _("No member was present, so nothing was carried.")
    elif code in (Code.POPULATION_SHARE, Code.CONTRIBUTION_SHARE):
        threshold, base = threshold or Fraction(1), base or 0
        weight = Fraction(c.actual)
        held = weight / base if base else Fraction(0)
        got, needed_share = _pair(held, threshold)
        needed = (_("more than %(share)s") if c.strict else _("at least %(share)s")) % {
            "share": needed_share
        }
        exact = f"{_exact(c.actual)} {c.comparison} {_exact(threshold)} × {_exact(base)}"
        if code is Code.POPULATION_SHARE:
            needed_detail = _("%(count)s of %(base)s people") % {
                "count": _int(int(c.required)),
                "base": _int(int(base)),
            }
            got_detail = _("%(count)s of %(base)s people") % {
                "count": _int(int(weight)),
                "base": _int(int(base)),
            }
            exact += f" = {_exact(threshold * base)}"
            explanation = _("The share of the members' population held by the states voting yes.")
        else:
            exact += f" = {_exact(c.required)}"
            explanation = _(
                "The share of the members' contribution shares held by the states voting yes; "
                "abstaining and absent members count against."
            )
    elif code is Code.BLOCKING_MINORITY:
        b, not_yes = int(c.required), int(c.actual)
        needed = ngettext("fewer than %(n)s member", "fewer than %(n)s members", b) % {"n": _int(b)}
        got = ngettext(
            "%(n)s member did not vote yes", "%(n)s members did not vote yes", not_yes
        ) % {"n": _int(not_yes)}
        exact = f"{_exact(not_yes)} {c.comparison} {_exact(b)}"
        if c.fewest is None:
            explanation = ngettext(
                "A blocking minority needs at least %(n)s member not voting yes.",
                "A blocking minority needs at least %(n)s members not voting yes.",
                b,
            ) % {"n": _int(b)}
        else:
            explanation = ngettext(
                "Not every member takes part, so a blocking minority is the fewest participating "
                "members holding more than %(share)s of their population (%(fewest)s) plus one: "
                "%(n)s member.",
                "Not every member takes part, so a blocking minority is the fewest participating "
                "members holding more than %(share)s of their population (%(fewest)s) plus one: "
                "%(n)s members.",
                b,
            ) % {"share": _pct(threshold or Fraction(0)), "fewest": _int(c.fewest), "n": _int(b)}
    elif code is Code.NONE_ABSENT:
        needed, got = _("none"), _int(int(c.actual))
        exact = f"{_exact(c.actual)} {c.comparison} {_exact(c.required)}"
        explanation = _(
            "Abstentions of members present or represented do not prevent unanimity; a member "
            "neither present nor represented does."
        )
    elif code is Code.FORMAL_ABSTAINERS:
        bound, abstainers = int(c.required), int(c.actual)
        needed = ngettext("fewer than %(n)s member", "fewer than %(n)s members", bound) % {
            "n": _int(bound)
        }
        got = ngettext("%(n)s formal abstainer", "%(n)s formal abstainers", abstainers) % {
            "n": _int(abstainers)
        }
        exact = f"{_exact(abstainers)} {c.comparison} {_exact(bound)}"
        needed_detail, got_detail = _of(bound, int(base or 0)), _of(abstainers, int(base or 0))
        explanation = _(
            "A formal abstainer is not bound by the decision. The formal abstainers stop it "
            "only if they are at least one third of the members and hold at least one third of "
            "the population."
        )
    elif code is Code.FORMAL_ABSTAINERS_POPULATION:
        total, held_people = int(base or 0), int(c.actual)
        share_of = threshold or Fraction(1, 3)
        got, bound_share = _pair(Fraction(held_people, total) if total else Fraction(0), share_of)
        needed = _("less than %(share)s") % {"share": bound_share}
        needed_detail = _("%(count)s of %(base)s people") % {
            "count": _int(int(c.required)),
            "base": _int(total),
        }
        got_detail = _("%(count)s of %(base)s people") % {
            "count": _int(held_people),
            "base": _int(total),
        }
        exact = f"{_exact(held_people)} {c.comparison} {_exact(c.required)}"
        explanation = _("The share of the members' population held by the formal abstainers.")
    elif code is Code.NO_OBJECTION:
        needed, got = _("no vote against"), _int(int(c.actual))
        exact = f"{_exact(c.actual)} {c.comparison} {_exact(c.required)}"
        explanation = _("No member may vote no.")
    elif code is Code.AT_LEAST_ONE_YES:
        needed, got = _("at least one"), _int(int(c.actual))
        exact = f"{_exact(c.actual)} {c.comparison} {_exact(c.required)}"
        explanation = _("At least one member must vote yes.")
    else:  # the chair's casting vote
        given = {"yes": _("yes"), "no": _("no")}
        needed, got = _("yes"), given.get(str(c.actual), _("not given"))
        explanation = _(
            "The vote was tied %(yes)s to %(no)s, so the chair's casting vote decides."
        ) % {"yes": _int(tally.yes), "no": _int(tally.no)}
    return Row(
        code=code.value,
        label=_label(code),
        explanation=explanation,
        needed=needed,
        needed_detail=needed_detail,
        got=got,
        got_detail=got_detail,
        passed=c.passed,
        exact=exact,
    )


def condition_rows(tally: rules.Tally) -> list[Row]:
    """Each test of the rule, in the order it applies, ready for a table."""
    return [_row(tally, c) for c in tally.conditions]


# -- the result ------------------------------------------------------------------------------


def _test(tally: rules.Tally, code: ConditionCode) -> rules.Condition | None:
    return next((c for c in tally.conditions if c.code is code), None)


def _must(tally: rules.Tally, code: ConditionCode) -> rules.Condition:
    test = _test(tally, code)
    if test is None:
        raise rules.RuleError(f"a {tally.rule.kind} tally without its {code} test")
    return test


def _held(c: rules.Condition) -> tuple[str, str]:
    """A weighted test's share held and share needed, written for people."""
    base = c.base or 1
    held = Fraction(c.actual) / base
    got, needed = _pair(held, c.threshold or Fraction(1))
    return got, (_("more than %(share)s") if c.strict else _("at least %(share)s")) % {
        "share": needed
    }


def _voting_sentence(tally: rules.Tally, c: rules.Condition, lead: Outcome | None) -> str:
    voting = tally.yes + tally.no
    got, needed = _pair(Fraction(tally.yes, voting), c.threshold or Fraction(1))
    values = {
        "yes": _int(tally.yes),
        "no": _int(tally.no),
        "got": got,
        "needed": (_("more than %(share)s") if c.strict else _("at least %(share)s"))
        % {"share": needed},
    }
    if lead is Outcome.ADOPTED:
        text = _(
            "Adopted: %(yes)s yes to %(no)s no, so %(got)s of the votes for or against were yes; "
            "%(needed)s were needed."
        )
    elif lead is Outcome.REJECTED:
        text = _(
            "Rejected: %(yes)s yes to %(no)s no, so %(got)s of the votes for or against were yes; "
            "%(needed)s were needed."
        )
    else:
        text = _(
            "Among those voting, %(yes)s yes to %(no)s no: %(got)s of the votes for or against "
            "were yes; %(needed)s were needed."
        )
    return text % values


def _members_sentence(tally: rules.Tally, c: rules.Condition, adopted: bool) -> str:
    got, needed = _pair(Fraction(tally.yes, tally.members), c.threshold or Fraction(1))
    values = {
        "yes": _int(tally.yes),
        "members": _int(tally.members),
        "got": got,
        "needed": (_("more than %(share)s") if c.strict else _("at least %(share)s"))
        % {"share": needed},
    }
    if adopted:
        text = _(
            "Adopted: %(yes)s of the %(members)s members voted yes (%(got)s); %(needed)s were "
            "needed."
        )
    else:
        text = _(
            "Rejected: %(yes)s of the %(members)s members voted yes (%(got)s); %(needed)s were "
            "needed."
        )
    return text % values


def _present_sentence(tally: rules.Tally, c: rules.Condition, adopted: bool) -> str:
    got, needed = _pair(Fraction(tally.yes, tally.present), c.threshold or Fraction(1))
    values = {
        "yes": _int(tally.yes),
        "present": _int(tally.present),
        "got": got,
        "needed": (_("more than %(share)s") if c.strict else _("at least %(share)s"))
        % {"share": needed},
    }
    if adopted:
        text = _(
            "Adopted: %(yes)s of the %(present)s members present voted yes (%(got)s); "
            "%(needed)s were needed."
        )
    else:
        text = _(
            "Rejected: %(yes)s of the %(present)s members present voted yes (%(got)s); "
            "%(needed)s were needed."
        )
    return text % values


def _not_yes_states(tally: rules.Tally, roll_call: Sequence[Mapping[str, Any]] | None) -> str:
    """The states that did not vote yes, by name, where the vote was by roll call."""
    if not roll_call:
        return ""
    codes = [str(r["state"]) for r in roll_call if r.get("choice") in ("no", "abstain", "absent")]
    return _names(codes) if len(codes) == tally.members - tally.yes else ""


def _blocking_sentence(
    tally: rules.Tally, c: rules.Condition, roll_call: Sequence[Mapping[str, Any]] | None
) -> str:
    n, b = int(c.actual), int(c.required)
    if not c.passed:
        states = _not_yes_states(tally, roll_call)
        if states:
            return ngettext(
                "The %(n)s member that did not vote yes forms a blocking minority: %(states)s.",
                "The %(n)s members that did not vote yes form a blocking minority: %(states)s.",
                n,
            ) % {"n": _int(n), "states": states}
        return ngettext(
            "The %(n)s member that did not vote yes forms a blocking minority.",
            "The %(n)s members that did not vote yes form a blocking minority.",
            n,
        ) % {"n": _int(n)}
    return ngettext(
        "Only %(n)s member did not vote yes, fewer than the %(b)s a blocking minority needs, so "
        "the motion passes without that population.",
        "Only %(n)s members did not vote yes, fewer than the %(b)s a blocking minority needs, so "
        "the motion passes without that population.",
        n,
    ) % {"n": _int(n), "b": _int(b)}


def _population_sentence(c: rules.Condition, lead: Outcome | None) -> str:
    got, needed = _held(c)
    values = {"got": got, "needed": needed}
    if lead is Outcome.REJECTED:
        return (
            _(
                "Rejected: the states voting yes hold %(got)s of the members' population; "
                "%(needed)s were needed."
            )
            % values
        )
    return (
        _("The states voting yes hold %(got)s of the members' population; %(needed)s were needed.")
        % values
    )


def _contribution_sentence(c: rules.Condition, adopted: bool) -> str:
    got, needed = _held(c)
    values = {"got": got, "needed": needed}
    if adopted:
        text = _(
            "Adopted: the states voting yes hold %(got)s of the members' contribution shares; "
            "%(needed)s were needed."
        )
    else:
        text = _(
            "Rejected: the states voting yes hold %(got)s of the members' contribution shares; "
            "%(needed)s were needed."
        )
    return text % values


def _findings(tally: rules.Tally, roll_call: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """The lead sentence and the tests behind it, for every reason but the special cases."""
    v, kind = tally.verdict, tally.rule.kind
    adopted = v.outcome is Outcome.ADOPTED
    failed = set(v.failed)
    voting = _test(tally, Code.SHARE_OF_VOTING_YES)
    if kind in (RuleKind.SIMPLE_MAJORITY, RuleKind.QUALIFIED_OF_VOTING) and voting:
        return [_voting_sentence(tally, voting, v.outcome)]
    if kind is RuleKind.QUALIFIED_OF_MEMBERS:
        return [_members_sentence(tally, _must(tally, Code.SHARE_OF_MEMBERS_YES), adopted)]
    if kind is RuleKind.UNANIMITY_ALL_YES:
        values = {"yes": _int(tally.yes), "members": _int(tally.members)}
        if adopted:
            return [_("Adopted unanimously: all %(members)s members voted yes.") % values]
        return [
            _("Rejected: %(yes)s of the %(members)s members voted yes; unanimity needs every one.")
            % values
        ]
    if kind in (RuleKind.UNANIMITY_NO_OBJECTION, RuleKind.UNANIMITY_CONSTRUCTIVE_ABSTENTION):
        sentences = [
            ngettext(
                "Adopted without objection: %(n)s member voted yes and none voted no.",
                "Adopted without objection: %(n)s members voted yes and none voted no.",
                tally.yes,
            )
            % {"n": _int(tally.yes)}
        ]
        if tally.not_bound_states:
            sentences.append(
                ngettext(
                    "%(states)s abstained formally and is not bound by the decision.",
                    "%(states)s abstained formally and are not bound by the decision.",
                    len(tally.not_bound_states),
                )
                % {"states": _names(tally.not_bound_states)}
            )
        return sentences
    if kind is RuleKind.SILENCE:
        return [_("Adopted: no member objected by the deadline.")]
    if kind is RuleKind.QUALIFIED_OF_PRESENT:
        return [_present_sentence(tally, _must(tally, Code.SHARE_OF_PRESENT_YES), adopted)]
    if kind is RuleKind.WEIGHTED_DOUBLE_MAJORITY:
        shares, voting = (
            _must(tally, Code.CONTRIBUTION_SHARE),
            _must(tally, Code.SHARE_OF_VOTING_YES),
        )
        if adopted or Code.CONTRIBUTION_SHARE in failed:
            sentences = [_contribution_sentence(shares, adopted)]
            if adopted or Code.SHARE_OF_VOTING_YES in failed:
                sentences.append(_voting_sentence(tally, voting, None))
            return sentences
        return [_voting_sentence(tally, voting, Outcome.REJECTED)]
    # the double majority
    members = _must(tally, Code.SHARE_OF_MEMBERS_YES)
    population = _must(tally, Code.POPULATION_SHARE)
    blocking = _test(tally, Code.BLOCKING_MINORITY)
    population_failed = Code.POPULATION_SHARE in failed and (
        blocking is None or Code.BLOCKING_MINORITY in failed
    )
    sentences = []
    if adopted or Code.SHARE_OF_MEMBERS_YES in failed:
        sentences.append(_members_sentence(tally, members, adopted))
        if adopted or population_failed:
            sentences.append(_population_sentence(population, None))
    else:
        sentences.append(_population_sentence(population, Outcome.REJECTED))
    if blocking is not None and (population_failed or (adopted and not population.passed)):
        sentences.append(_blocking_sentence(tally, blocking, roll_call))
    return sentences


def _margin_sentences(tally: rules.Tally) -> list[str]:
    v, m = tally.verdict, tally.verdict.margin
    adopted = v.outcome is Outcome.ADOPTED
    if v.outcome is Outcome.NO_QUORUM and tally.rule.quorum_base is QuorumBase.PRESENT:
        return [
            ngettext(
                "%(n)s more member present would have met the quorum.",
                "%(n)s more members present would have met the quorum.",
                -m.states,
            )
            % {"n": _int(-m.states)}
        ]
    if v.outcome is not Outcome.NO_QUORUM and tally.rule.kind is RuleKind.SILENCE:
        if adopted:
            return [_("A single objection would have stopped it.")]
        return [
            ngettext(
                "Without the objection of %(n)s member, the motion would have been adopted.",
                "Without the objections of %(n)s members, the motion would have been adopted.",
                tally.no,
            )
            % {"n": _int(tally.no)}
        ]
    if v.outcome is Outcome.NO_QUORUM:
        return [
            ngettext(
                "%(n)s more ballot would have met the quorum.",
                "%(n)s more ballots would have met the quorum.",
                -m.states,
            )
            % {"n": _int(-m.states)}
        ]
    if m.weighted_test is None or m.weighted_share is None or m.headcount is None:
        if adopted and m.states:
            return [
                ngettext(
                    "%(n)s state voting yes could have voted no instead, and the motion would "
                    "still have been adopted.",
                    "%(n)s states voting yes could have voted no instead, and the motion would "
                    "still have been adopted.",
                    m.states,
                )
                % {"n": _int(m.states)}
            ]
        if adopted:
            return [_("Had one state voting yes voted no instead, the motion would have failed.")]
        return [
            ngettext(
                "%(n)s more state voting yes instead would have carried the motion.",
                "%(n)s more states voting yes instead would have carried the motion.",
                -m.states,
            )
            % {"n": _int(-m.states)}
        ]
    # Weights decide: a states count would be a worst case one heavy state settles, so the
    # weighted test's margin is given in percentage points, and the head count's in states.
    sentences = []
    weighted = _test(tally, m.weighted_test)
    population = m.weighted_test is Code.POPULATION_SHARE
    points = {"points": _points(m.weighted_share)}
    if weighted is not None and weighted.passed == adopted:
        if m.weighted_share > 0:
            text = (
                _(
                    "The states voting yes held %(points)s percentage points more of the "
                    "population than needed."
                )
                if population
                else _(
                    "The states voting yes held %(points)s percentage points more of the "
                    "contributions than needed."
                )
            )
        elif m.weighted_share == 0 and weighted.passed:
            text = (
                _("The states voting yes held exactly the share of the population needed.")
                if population
                else _("The states voting yes held exactly the share of the contributions needed.")
            )
        elif m.weighted_share == 0:
            text = _(
                "The states voting yes held exactly the share the rule names, and it needs more."
            )
        else:
            text = (
                _(
                    "The states voting yes held %(points)s percentage points less of the "
                    "population than needed."
                )
                if population
                else _(
                    "The states voting yes held %(points)s percentage points less of the "
                    "contributions than needed."
                )
            )
        sentences.append(text % points)
    blocking = _test(tally, Code.BLOCKING_MINORITY)
    if adopted and blocking is not None and weighted is not None and not weighted.passed:
        more = int(blocking.required) - int(blocking.actual)
        sentences.append(
            ngettext(
                "%(n)s more member not voting yes would have formed a blocking minority.",
                "%(n)s more members not voting yes would have formed a blocking minority.",
                more,
            )
            % {"n": _int(more)}
        )
    if adopted and m.headcount > 0:
        sentences.append(
            ngettext(
                "On the head count, %(n)s state voting yes could have voted no instead.",
                "On the head count, %(n)s states voting yes could have voted no instead.",
                m.headcount,
            )
            % {"n": _int(m.headcount)}
        )
    elif adopted:
        sentences.append(
            _("On the head count there was no state to spare: one more no would have failed it.")
        )
    elif m.headcount < 0:
        sentences.append(
            ngettext(
                "On the head count, %(n)s more state voting yes was needed.",
                "On the head count, %(n)s more states voting yes were needed.",
                -m.headcount,
            )
            % {"n": _int(-m.headcount)}
        )
    return sentences


def summary_sentences(
    tally: rules.Tally, roll_call: Sequence[Mapping[str, Any]] | None = None
) -> list[str]:
    """The result in words: a lead sentence with the outcome, the tests behind it, the margin.

    `roll_call` (each state's vote, for votes that were not secret) lets a blocking minority
    be named state by state.
    """
    v = tally.verdict
    values = {
        "yes": _int(tally.yes),
        "no": _int(tally.no),
        "cast": _int(tally.cast),
        "members": _int(tally.members),
    }
    if v.reason is Reason.NO_QUORUM and tally.rule.quorum_base is QuorumBase.PRESENT:
        needed = tally.quorum_required or 0
        lead = [
            ngettext(
                "Failed for lack of quorum: %(present)s of %(members)s members were present; "
                "%(needed)s was needed.",
                "Failed for lack of quorum: %(present)s of %(members)s members were present; "
                "%(needed)s were needed.",
                needed,
            )
            % (values | {"needed": _int(needed), "present": _int(tally.present)})
        ]
    elif v.reason is Reason.NO_QUORUM:
        needed = tally.quorum_required or 0
        lead = [
            ngettext(
                "Failed for lack of quorum: %(cast)s of %(members)s members cast a ballot; "
                "%(needed)s was needed.",
                "Failed for lack of quorum: %(cast)s of %(members)s members cast a ballot; "
                "%(needed)s were needed.",
                needed,
            )
            % (values | {"needed": _int(needed)})
        ]
    elif v.reason is Reason.TIE_FAILS:
        lead = [_("Rejected: the vote was tied %(yes)s to %(no)s, and a tie fails.") % values]
    elif v.reason is Reason.CASTING_VOTE_YES:
        lead = [_("Adopted on the chair's casting vote after a tie of %(yes)s to %(no)s.") % values]
    elif v.reason is Reason.CASTING_VOTE_NO:
        lead = [
            _("Rejected: the vote was tied %(yes)s to %(no)s, and the chair's casting vote was no.")
            % values
        ]
    elif v.reason is Reason.CASTING_VOTE_NOT_GIVEN:
        lead = [
            _(
                "Rejected: the vote was tied %(yes)s to %(no)s, and the chair gave no casting "
                "vote, so the tie fails."
            )
            % values
        ]
    elif v.reason is Reason.NOBODY_VOTED:
        lead = [_("Rejected: no member voted yes or no.")]
    elif v.reason is Reason.OBJECTION:
        lead = [
            ngettext(
                "Rejected: %(n)s member objected.", "Rejected: %(n)s members objected.", tally.no
            )
            % {"n": _int(tally.no)}
        ]
    elif v.reason is Reason.NO_YES:
        lead = [_("Rejected: no member voted yes.")]
    elif v.reason is Reason.ABSENT:
        away = tally.members - tally.present
        lead = [
            ngettext(
                "Rejected: %(n)s member was neither present nor represented, and this unanimity "
                "needs every member present or represented.",
                "Rejected: %(n)s members were neither present nor represented, and this "
                "unanimity needs every member present or represented.",
                away,
            )
            % {"n": _int(away)}
        ]
    elif v.reason is Reason.ABSTAINERS_BLOCK:
        lead = [
            ngettext(
                "Rejected: %(n)s member abstained formally, at least one third of the members, "
                "holding at least one third of their population.",
                "Rejected: %(n)s members abstained formally, at least one third of the members, "
                "holding at least one third of their population.",
                tally.abstain,
            )
            % {"n": _int(tally.abstain)}
        ]
    else:
        lead = _findings(tally, roll_call)
    return lead + _weight_cap_sentences(tally) + _margin_sentences(tally)


def _weight_cap_sentences(tally: rules.Tally) -> list[str]:
    """Which states' contribution weights the rule's cap reduced, and what happened to it."""
    cap = tally.rule.weight_cap
    if not tally.capped_states or cap is None:
        return []
    return [
        ngettext(
            "The contribution weight of %(states)s was capped at %(cap)s of the total; the "
            "excess went to the other states in proportion to their shares.",
            "The contribution weights of %(states)s were capped at %(cap)s of the total; the "
            "excess went to the other states in proportion to their shares.",
            len(tally.capped_states),
        )
        % {"states": _names(tally.capped_states), "cap": _pct(cap)}
    ]


def summary_text(tally: rules.Tally, roll_call: Sequence[Mapping[str, Any]] | None = None) -> str:
    """The result in words as one paragraph, in the active language."""
    return " ".join(summary_sentences(tally, roll_call))


# -- for pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TallyWords:
    """A counted vote ready for a page: the lead sentence, the rest, and a row per test."""

    tally: rules.Tally | None
    lead: str
    sentences: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    recused: str = ""


def read(stored: Mapping[str, Any] | None) -> rules.Tally | None:
    """The tally a motion stored at close, whichever release stored it (None if unreadable)."""
    if not stored:
        return None
    try:
        return rules.Tally.from_dict(stored)
    except rules.RuleError as exc:
        logger.warning("a stored tally could not be read: %s", exc)
        return None


def tally_words(
    stored: Mapping[str, Any] | None, roll_call: Sequence[Mapping[str, Any]] | None = None
) -> TallyWords | None:
    """The stored tally of a closed vote in the reader's language, for `_tally.html`."""
    tally = read(stored)
    if tally is None:
        if not stored:
            return None
        # Unreadable (it should not happen): show what was stored rather than nothing.
        return TallyWords(None, str(stored.get("summary") or ""))
    sentences = summary_sentences(tally, roll_call)
    if tally.programme:
        sentences.append(_programme_sentence(tally.programme))
    return TallyWords(
        tally=tally,
        lead=sentences[0],
        sentences=sentences[1:],
        rows=condition_rows(tally),
        recused=_names(tally.recused_states),
    )


def lead(stored: Mapping[str, Any] | None) -> str:
    """The lead sentence of a stored tally (the outcome and what decided it)."""
    tally = read(stored)
    if tally is None:
        return str((stored or {}).get("summary") or "")
    return summary_sentences(tally)[0]
