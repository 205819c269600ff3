"""The two arrears rules as pure arithmetic: where each draws the line."""

from __future__ import annotations

import datetime as dt

import pytest

from funding.arrears_rule import ArrearsRule, YearPosition, assess_arrears

ON = dt.date(2026, 6, 1)


def years(*rows: tuple[int, int, int]) -> list[YearPosition]:
    """(year, assessed, outstanding), each due on 15 February of its year."""
    return [YearPosition(y, a, o, dt.date(y, 2, 15)) for y, a, o in rows]


@pytest.mark.parametrize(
    ("positions", "over", "arrears", "threshold"),
    [
        # nothing owed
        (years((2025, 100, 0), (2026, 100, 0)), False, 0, 200),
        # the current and the previous year unpaid: equal to the line, not above it
        (years((2025, 100, 100), (2026, 100, 100)), False, 200, 200),
        # one cent of an older year on top: above the line
        (years((2024, 100, 1), (2025, 100, 100), (2026, 100, 100)), True, 201, 200),
        # a call not yet due is not in arrears
        (
            [
                YearPosition(2026, 100, 100, dt.date(2026, 6, 2)),
                *years((2024, 90, 90), (2025, 50, 50)),
            ],
            False,
            140,
            150,
        ),
        # a first year left unpaid is never above a line that includes it
        (years((2026, 100, 100)), False, 100, 100),
    ],
)
def test_cern_rule_suspends_when_arrears_exceed_two_years(positions, over, arrears, threshold):
    """CERN: arrears past due must exceed the contributions of the current and previous year."""
    finding = assess_arrears(ArrearsRule.CERN, positions, on=ON)
    assert (finding.over_line, finding.arrears, finding.threshold) == (over, arrears, threshold)


@pytest.mark.parametrize(
    ("positions", "over", "arrears", "threshold"),
    [
        # the current year unpaid is not arrears under Article 19
        (years((2024, 100, 0), (2025, 100, 0), (2026, 100, 100)), False, 0, 200),
        # the two preceding years unpaid: equal to the line, which suffices
        (years((2024, 100, 100), (2025, 100, 100), (2026, 100, 100)), True, 200, 200),
        # one cent short of the line
        (years((2024, 100, 100), (2025, 100, 99)), False, 199, 200),
        # nothing owed and nothing called: no vote is lost over a line of zero
        ([], False, 0, 0),
    ],
)
def test_un_article_19_suspends_when_arrears_equal_two_preceding_years(
    positions, over, arrears, threshold
):
    """UN Article 19: arrears of past years equal to or above the two preceding years' dues."""
    finding = assess_arrears(ArrearsRule.UN_ARTICLE_19, positions, on=ON)
    assert (finding.over_line, finding.arrears, finding.threshold) == (over, arrears, threshold)


def test_the_finding_explains_itself():
    """The sentence kept with a suspension states the figures, the years and the rule."""
    finding = assess_arrears(
        ArrearsRule.CERN, years((2024, 100, 1), (2025, 100, 100), (2026, 100, 100)), on=ON
    )
    text = finding.explain()
    assert "2.01" in text and "2.00" in text
    assert "2024, 2025, 2026" in text
    assert "exceed" in text and "cern" in text
