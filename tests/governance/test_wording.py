"""Votes in the reader's language: the rule, each test and the result, in English, German, French."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given

from governance import rules, wording
from governance.rules import Choice, Elector, VotingRule, evaluate
from tests.governance.test_rules import casting_votes, votes
from tests.governance.test_rules import rules as any_rule

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN
LEGACY = json.loads((Path(__file__).parent / "data" / "legacy_tallies.json").read_text("utf-8"))

EU_POPULATION = {
    "DE": 84_359_000, "FR": 68_173_000, "IT": 58_997_000, "ES": 48_085_000, "PL": 36_754_000,
    "RO": 19_052_000, "NL": 17_811_000, "BE": 11_743_000, "CZ": 10_828_000, "SE": 10_522_000,
    "PT": 10_467_000, "GR": 10_414_000, "HU": 9_597_000, "AT": 9_105_000, "BG": 6_448_000,
    "DK": 5_933_000, "FI": 5_564_000, "SK": 5_429_000, "IE": 5_271_000, "HR": 3_851_000,
    "LT": 2_857_000, "SI": 2_117_000, "LV": 1_883_000, "EE": 1_366_000, "CY": 921_000,
    "LU": 661_000, "MT": 542_000,
}  # fmt: skip
CODES = tuple(EU_POPULATION)


def plain(text: str) -> str:
    """Text with the locale's no-break spaces (French "99,4 %") as plain spaces."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def in_language(lang: str, make: Any) -> Any:
    with translation.override(lang):
        return make()


def budget_tally() -> rules.Tally:
    """A budget carried by 99.4 % of the contributions, one state paying 40 % of them."""
    shares = [Fraction(40, 100)] + [Fraction(594, 10_000)] * 10
    shares.append(1 - sum(shares))
    electorate = [Elector(c, contribution_share=s) for c, s in zip(CODES, shares, strict=False)]
    votes = dict.fromkeys(CODES[:11], Y) | {CODES[11]: N}
    return evaluate(VotingRule.weighted_double_majority(), electorate, votes)


def blocked_double_majority() -> tuple[rules.Tally, list[dict[str, str]]]:
    """The EU-27 with Germany, France, Italy and Spain voting no, and its roll call."""
    votes = {c: (N if c in {"DE", "FR", "IT", "ES"} else Y) for c in CODES}
    electorate = [Elector(c, p) for c, p in EU_POPULATION.items()]
    roll_call = [{"state": c, "choice": str(v)} for c, v in votes.items()]
    return evaluate(VotingRule.double_majority(), electorate, votes), roll_call


BUDGET_LEAD = {
    "en": "Adopted: the states voting yes hold 99.4% of the members' contribution shares; at "
    "least 66.7% were needed.",
    "de": "Angenommen: Die mit Ja stimmenden Staaten halten 99,4 % der Beitragsanteile der "
    "Mitglieder; erforderlich waren mindestens 66,7 %.",
    "fr": "Adoptée : les États ayant voté oui détiennent 99,4 % des quotes-parts de contribution "
    "des membres ; il en fallait au moins 66,7 %.",
}
BUDGET_MARGIN = {
    "en": "The states voting yes held 32.7 percentage points more of the contributions than "
    "needed.",
    "de": "Die mit Ja stimmenden Staaten hielten 32,7 Prozentpunkte mehr der Beiträge als "
    "erforderlich.",
    "fr": "Les États ayant voté oui détenaient 32,7 points de pourcentage de contributions de "
    "plus que nécessaire.",
}


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_a_budget_carried_by_99_percent_says_so_with_its_margin_in_points(lang: str) -> None:
    """99.4 % yes against 66.7 % needed reads as that, with 32.7 points to spare, not 'no state'."""
    # given
    tally = budget_tally()
    # when
    sentences = [plain(s) for s in in_language(lang, lambda: wording.summary_sentences(tally))]
    # then
    assert sentences[0] == BUDGET_LEAD[lang]
    assert BUDGET_MARGIN[lang] in sentences
    assert not any("no state" in s or "kein Staat" in s or "aucun État" in s for s in sentences)


SIMPLE = {
    "en": [
        "Adopted: 9 yes to 2 no, so 81.8% of the votes for or against were yes; more than 50% "
        "were needed.",
        "3 states voting yes could have voted no instead, and the motion would still have been "
        "adopted.",
    ],
    "de": [
        "Angenommen: 9 Ja- zu 2 Nein-Stimmen, also 81,8 % Ja unter den Ja- und Nein-Stimmen; "
        "erforderlich waren mehr als 50 %.",
        "3 mit Ja stimmende Staaten hätten stattdessen mit Nein stimmen können, und der Antrag "
        "wäre dennoch angenommen worden.",
    ],
    "fr": [
        "Adoptée : 9 voix pour et 2 contre, soit 81,8 % de oui parmi les voix pour et contre ; il "
        "en fallait plus de 50 %.",
        "3 États ayant voté oui auraient pu voter contre, et la motion aurait tout de même été "
        "adoptée.",
    ],
}


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_a_simple_majority_counts_its_states_to_spare(lang: str) -> None:
    """Nine yes to two no: adopted with three states to spare, said in the reader's language."""
    # given
    electorate = [Elector(c) for c in CODES[:12]]
    votes = dict.fromkeys(CODES[:9], Y) | dict.fromkeys(CODES[9:11], N) | {CODES[11]: "abstain"}
    tally = evaluate(VotingRule.simple_majority(), electorate, votes)
    # when
    sentences = in_language(lang, lambda: wording.summary_sentences(tally))
    # then
    assert [plain(s) for s in sentences] == SIMPLE[lang]


BLOCKED = {
    "en": (
        "Rejected: the states voting yes hold 42.1% of the members' population; at least 65% "
        "were needed.",
        "The 4 members that did not vote yes form a blocking minority: France, Germany, Italy, "
        "and Spain.",
    ),
    "de": (
        "Abgelehnt: Die mit Ja stimmenden Staaten vertreten 42,1 % der Bevölkerung der "
        "Mitglieder; erforderlich waren mindestens 65 %.",
        "Die 4 Mitglieder, die nicht mit Ja gestimmt haben, bilden eine Sperrminorität: "
        "Deutschland, Frankreich, Italien und Spanien.",
    ),
    "fr": (
        "Rejetée : les États ayant voté oui représentent 42,1 % de la population des membres ; "
        "il en fallait au moins 65 %.",
        "Les 4 membres qui n'ont pas voté oui forment une minorité de blocage : Allemagne, "
        "Espagne, France et Italie.",
    ),
}


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_a_failed_double_majority_names_its_blocking_minority(lang: str) -> None:
    """Four big states voting no block the EU rule; a roll-call vote names them in the reader's language."""
    # given
    tally, roll_call = blocked_double_majority()
    # when
    sentences = in_language(lang, lambda: wording.summary_sentences(tally, roll_call))
    # then
    lead, blocking = BLOCKED[lang]
    assert plain(sentences[0]) == lead
    assert plain(sentences[1]) == blocking


def test_a_secret_ballot_names_no_state_in_its_blocking_minority() -> None:
    """Without a roll call the blocking minority is counted, never named."""
    # given
    tally, _ = blocked_double_majority()
    # when
    sentences = in_language("en", lambda: wording.summary_sentences(tally))
    # then
    assert sentences[1] == "The 4 members that did not vote yes form a blocking minority."


def test_a_share_just_under_the_threshold_never_looks_like_the_threshold() -> None:
    """66.66 % against two thirds needed shows enough decimals to see it fall short."""
    # given yes states holding 6666 of 10,000 parts of the contributions
    shares = [Fraction(6666, 10_000), Fraction(3334, 10_000)]
    electorate = [Elector(c, contribution_share=s) for c, s in zip(CODES, shares, strict=False)]
    tally = evaluate(VotingRule.weighted_double_majority(), electorate, {"DE": Y, "FR": N})
    # when
    [row, _] = in_language("en", lambda: wording.condition_rows(tally))
    # then
    assert not row.passed
    assert (row.got, row.needed) == ("66.66%", "at least 66.67%")
    assert row.exact == "0.6666 ≥ 2/3 × 1 = 2/3"


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
@pytest.mark.parametrize("name", sorted(LEGACY))
def test_tallies_stored_before_this_release_still_read_in_every_language(
    name: str, lang: str
) -> None:
    """A vote closed by the first release shows its result, tests and rule in any language."""
    # given a tally exactly as the first release stored it
    stored = LEGACY[name]
    # when
    words = in_language(lang, lambda: wording.tally_words(stored))
    rule = in_language(lang, lambda: wording.rule_in_words(stored["rule"]))
    # then
    assert words is not None
    assert words.tally is not None
    assert words.lead
    assert len(words.rows) == len(stored["conditions"])
    assert rule


def test_the_budget_rule_in_words() -> None:
    """The budget rule says both tests, what abstentions do and that contributions decide a tie."""
    # when
    english = in_language(
        "en", lambda: wording.rule_in_words(VotingRule.weighted_double_majority())
    )
    german = in_language("de", lambda: wording.rule_in_words(VotingRule.weighted_double_majority()))
    # then
    assert english == (
        "A contribution-weighted double majority: the states voting yes must hold at least two "
        "thirds of the members' contribution shares, recused members aside, and yes votes are "
        "needed from at least half of the members represented and voting. Abstentions and "
        "absences count against the motion in the contribution test only. A tie among those "
        "voting meets the head-count test, so the contributions decide."
    )
    assert german.startswith(
        "Nach Beiträgen gewichtete doppelte Mehrheit: Die mit Ja stimmenden Staaten müssen "
        "mindestens zwei Drittel der Beitragsanteile der Mitglieder halten"
    )


# English words that never occur in German text (each a whole word).
ENGLISH = re.compile(
    r"\b(the|of|and|were|was|needed|votes?|voted|voting|members?|states?|yes|no|adopted|"
    r"rejected|test|needed|got|met|exact|figures|population|contributions?|blocking|minority)\b",
    re.IGNORECASE,
)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    "name", ["budget_adopted", "eu_blocked", "no_quorum", "casting_yes", "no_objection_rejected"]
)
def test_the_german_tally_partial_has_no_english_sentence(name: str) -> None:
    """The count and its arithmetic, rendered for a German reader, hold no English words."""
    # given a stored tally and the English page, to know what English would have shown
    stored = LEGACY[name]
    english = in_language(
        "en", lambda: render_to_string("governance/_tally.html", {"tally": stored})
    )
    # when
    german = in_language(
        "de", lambda: render_to_string("governance/_tally.html", {"tally": stored})
    )
    # then
    text = visible_text(german)
    assert ENGLISH.findall(text) == []
    assert wording.lead(stored) not in text
    for sentence in visible_text(english).split(". "):
        if len(sentence) > 20:
            assert sentence not in text


@given(any_rule(), votes(), casting_votes)
def test_every_counted_vote_can_be_put_into_words(
    rule: VotingRule, vote: tuple[tuple[Elector, ...], list[tuple[str, Choice]]], casting: Any
) -> None:
    """Whatever the rule and the ballots, the result reads as its outcome, with a row per test."""
    # given
    electorate, cast = vote
    tally = evaluate(rule, electorate, cast, casting)
    # when
    sentences = in_language("en", lambda: wording.summary_sentences(tally))
    rows = in_language("en", lambda: wording.condition_rows(tally))
    # then
    opening = {"adopted": "Adopted", "rejected": "Rejected", "no_quorum": "Failed for lack"}
    assert sentences[0].startswith(opening[tally.outcome.value])
    assert all(s.endswith(".") for s in sentences)
    assert [r.passed for r in rows] == [c.passed for c in tally.conditions]
    assert all(r.label and r.needed and r.got for r in rows)
    for lang in ("de", "fr"):  # every placeholder of every translation is filled
        assert in_language(lang, lambda: wording.summary_sentences(tally))
        assert len(in_language(lang, lambda: wording.condition_rows(tally))) == len(rows)
        assert in_language(lang, lambda: wording.rule_in_words(rule))


# -- the rule-books added with the typed electorate -------------------------------------------

SEVEN = [Elector(c, p) for c, p in list(EU_POPULATION.items())[:7]]


def test_a_majority_of_those_present_and_its_presence_quorum_are_described() -> None:
    """The rule says who counts (those present, voting or not) and what the quorum counts."""
    # given
    rule = VotingRule.qualified_of_present(quorum=Fraction(1, 2)).with_quorum_base(
        rules.QuorumBase.PRESENT
    )
    # when
    sentences = in_language("en", lambda: wording.rule_sentences(rule))
    # then
    assert sentences == [
        "Yes votes are needed from more than half of the members present, whether or not they "
        "cast a ballot.",
        "Abstentions, and members present who cast no ballot, count against the motion; absent "
        "members are not counted.",
        "Quorum: at least half of the members must be present, whether or not they cast a "
        "ballot, or the motion fails for lack of quorum.",
    ]


def test_a_vote_short_of_a_presence_quorum_says_how_many_were_present() -> None:
    """Two ballots and one attendee of seven: three present, four needed."""
    # given
    rule = VotingRule.simple_majority(quorum=Fraction(1, 2)).with_quorum_base(
        rules.QuorumBase.PRESENT
    )
    tally = rules.tally(electorate_of(SEVEN, rule), {"DE": Y, "FR": N}, attendance=["IT"])
    # when
    sentences = in_language("en", lambda: wording.summary_sentences(tally))
    # then
    assert sentences == [
        "Failed for lack of quorum: 3 of 7 members were present; 4 were needed.",
        "1 more member present would have met the quorum.",
    ]
    rows = in_language("en", lambda: wording.condition_rows(tally))
    assert (rows[0].label, rows[0].got_detail) == ("Quorum of members present", "3 of 7")


def test_those_present_who_vote_yes_are_set_against_all_present() -> None:
    """Three yes of five present (one silent) is more than half of those present."""
    tally = rules.tally(
        electorate_of(SEVEN, VotingRule.qualified_of_present()),
        {"DE": Y, "FR": Y, "IT": Y, "ES": A},
        attendance=["PL"],
    )
    lead = in_language("en", lambda: wording.summary_sentences(tally))[0]
    assert lead == (
        "Adopted: 3 of the 5 members present voted yes (60%); more than 50% were needed."
    )


def test_a_silence_procedure_is_described_and_its_result_told() -> None:
    """Silence adopts; a single objection stops it, and the result says so."""
    # given
    rule = VotingRule.silence()
    adopted = rules.tally(electorate_of(SEVEN, rule), {})
    stopped = rules.tally(electorate_of(SEVEN, rule), {"DE": N})
    # when
    described = in_language("en", lambda: wording.rule_in_words(rule))
    # then
    assert described == (
        "Silence procedure: the motion is adopted unless a member objects by voting no before "
        "the deadline; no ballot is needed. Yes votes, abstentions and silence all count as no "
        "objection."
    )
    assert in_language("en", lambda: wording.summary_sentences(adopted)) == [
        "Adopted: no member objected by the deadline.",
        "A single objection would have stopped it.",
    ]
    assert in_language("en", lambda: wording.summary_sentences(stopped)) == [
        "Rejected: 1 member objected.",
        "Without the objection of 1 member, the motion would have been adopted.",
    ]


def test_constructive_abstention_names_the_states_not_bound() -> None:
    """The formal abstainers are named as not bound by the decision."""
    # given
    rule = VotingRule.unanimity_constructive_abstention()
    ballots = {e.state: Y for e in SEVEN} | {"NL": A, "RO": A}
    tally = rules.tally(electorate_of(SEVEN, rule), ballots)
    # when
    sentences = in_language("en", lambda: wording.summary_sentences(tally))
    # then
    assert sentences[:2] == [
        "Adopted without objection: 5 members voted yes and none voted no.",
        "Netherlands and Romania abstained formally and are not bound by the decision.",
    ]
    described = in_language("en", lambda: wording.rule_in_words(rule))
    assert "unless the formal abstainers are at least one third of the members" in described


@pytest.mark.parametrize(
    ("ballots", "attendance", "lead"),
    [
        (
            {"DE": Y, "FR": Y, "IT": Y, "ES": Y, "PL": Y, "RO": Y},
            [],
            "Rejected: 1 member was neither present nor represented, and this unanimity needs "
            "every member present or represented.",
        ),
        (
            {"DE": A, "FR": A, "IT": A, "ES": Y, "PL": Y, "RO": Y, "NL": Y},
            [],
            "Rejected: 3 members abstained formally, at least one third of the members, holding "
            "at least one third of their population.",
        ),
    ],
    ids=["an absence", "a third abstaining"],
)
def test_a_failed_constructive_abstention_says_why(
    ballots: dict[str, Choice], attendance: list[str], lead: str
) -> None:
    """An absence, or formal abstainers over both thirds, are each told as the reason."""
    rule = VotingRule.unanimity_constructive_abstention()
    tally = rules.tally(electorate_of(SEVEN, rule), ballots, attendance=attendance)
    assert in_language("en", lambda: wording.summary_sentences(tally))[0] == lead


def test_a_capped_budget_says_whose_weight_was_capped() -> None:
    """The rule states the cap; the result names the states whose weight it cut."""
    # given
    rule = VotingRule.weighted_double_majority().with_weight_cap(Fraction(1, 2))
    electors = [Elector("DE", contribution_share=Fraction(6, 10))] + [
        Elector(c, contribution_share=Fraction(1, 10)) for c in ("FR", "IT", "ES", "PL")
    ]
    tally = rules.tally(electorate_of(electors, rule), {"DE": Y, "FR": Y, "IT": Y, "ES": N})
    # when
    sentences = in_language("en", lambda: wording.summary_sentences(tally))
    # then
    assert (
        "The contribution weight of Germany was capped at 50% of the total; the excess went to "
        "the other states in proportion to their shares." in sentences
    )
    assert (
        "No state's contribution weight may exceed 50% of the total; any excess is shared among "
        "the other states in proportion to their shares."
        in in_language("en", lambda: wording.rule_sentences(rule))
    )


def test_a_programmes_vote_says_only_its_participants_vote() -> None:
    """A programme's motion describes its electorate as the programme's participating states."""
    # given
    rule = VotingRule.qualified_of_members()
    tally = rules.tally(electorate_of(SEVEN, rule, programme="HL-LHC"), dict.fromkeys(CODES[:5], Y))
    programme = (
        "Only the states taking part in the programme HL-LHC vote: the members are its "
        "participating states."
    )
    # when
    words = in_language("en", lambda: wording.tally_words(tally.to_dict()))
    # then
    assert words is not None and programme in words.sentences
    assert in_language("en", lambda: wording.rule_in_words(rule, "HL-LHC")).endswith(programme)
    assert programme not in in_language("en", lambda: wording.rule_in_words(rule))


def electorate_of(
    electors: list[Elector], rule: VotingRule, programme: str | None = None
) -> rules.Electorate:
    return rules.Electorate(
        motion="GC/2026/003",
        council="GC",
        frozen_at="2026-01-01T00:00:00+00:00",
        rule=rule.to_dict(),
        electors=tuple(electors),
        programme=programme,
    )
