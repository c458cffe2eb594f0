import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.compliance import rules

D = dt.date


@pytest.mark.parametrize(
    ("setting", "length"),
    [(0, 0), (-1, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (6, 6), (7, 12), (12, 12), (30, 12)],
)
def test_period_length_rounds_up_to_a_divisor_of_the_year(setting, length):
    assert rules.period_length(setting) == length


def test_periods_of_year_and_boundaries():
    quarters = rules.periods_of_year(2026, 3)
    assert [(p.start, p.end) for p in quarters] == [
        (D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 7, 1), D(2026, 9, 30)),
        (D(2026, 10, 1), D(2026, 12, 31)),
    ]
    months = rules.periods_of_year(2028, 1)
    assert len(months) == 12 and months[1].end == D(2028, 2, 29)  # leap year
    assert [(p.start, p.end) for p in rules.periods_of_year(2026, 12)] == [(D(2026, 1, 1), D(2026, 12, 31))]
    assert rules.periods_of_year(2026, 0) == []
    assert [p.start.month for p in rules.periods_of_year(2026, 5)] == [1, 7]


def test_period_containing():
    assert rules.period_containing(D(2026, 3, 31), 3) == rules.Period(D(2026, 1, 1), 3)
    assert rules.period_containing(D(2026, 4, 1), 3) == rules.Period(D(2026, 4, 1), 3)
    assert rules.period_containing(D(2026, 12, 31), 1) == rules.Period(D(2026, 12, 1), 1)
    assert rules.period_containing(D(2026, 8, 9), 12) == rules.Period(D(2026, 1, 1), 12)
    assert rules.period_containing(D(2026, 8, 9), 0) == rules.Period(D(2026, 1, 1), 12)


def test_labels():
    assert rules.Period(D(2026, 4, 1), 3).label == "2026年第2季度"
    assert rules.Period(D(2026, 2, 1), 1).label == "2026年02月"
    assert rules.Period(D(2026, 1, 1), 12).label == "2026年"
    assert rules.Period(D(2026, 7, 1), 6).label == "2026年下半年"
    assert rules.Period(D(2026, 3, 1), 2).label == "2026年03–04月"


def test_status_held_missed_due_upcoming():
    q2 = rules.Period(D(2026, 4, 1), 3)
    assert rules.period_status(q2, 1, D(2026, 5, 1)) == rules.HELD
    assert rules.period_status(q2, 2, D(2027, 1, 1)) == rules.HELD
    assert rules.period_status(q2, 0, D(2026, 6, 30)) == rules.DUE  # the last day is still due
    assert rules.period_status(q2, 0, D(2026, 7, 1)) == rules.MISSED
    assert rules.period_status(q2, 0, D(2026, 4, 1)) == rules.DUE
    assert rules.period_status(q2, 0, D(2026, 3, 31)) == rules.UPCOMING


def test_status_respects_establishment():
    q1 = rules.Period(D(2026, 1, 1), 3)
    assert rules.period_status(q1, 0, D(2026, 9, 1), established_on=D(2026, 4, 1)) == rules.NOT_APPLICABLE
    assert rules.period_status(q1, 0, D(2026, 9, 1), established_on=D(2026, 3, 31)) == rules.MISSED


def test_rate_and_target_are_exact():
    assert rules.rate(17, 20) == Decimal("85.0")
    assert rules.rate(2, 3) == Decimal("66.7")
    assert rules.rate(1, 8) == Decimal("12.5")
    assert rules.rate(0, 0) is None
    assert rules.below_target(17, 20, 85) is False
    assert rules.below_target(16, 20, 85) is True
    assert rules.below_target(0, 0, 85) is False
    # 85 of 100 meets the target; 84.999...% never rounds up into compliance
    assert rules.below_target(5666, 6667, 85) is True


def test_minutes_overdue_after_a_full_week():
    assert rules.minutes_overdue(D(2026, 3, 1), D(2026, 3, 8), 7) is False
    assert rules.minutes_overdue(D(2026, 3, 1), D(2026, 3, 9), 7) is True


@settings(max_examples=300, deadline=None)
@given(
    months=st.sampled_from([1, 2, 3, 4, 6, 12]),
    held_months=st.sets(st.integers(1, 12)),
    today=st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 30)),
)
def test_fast_counts_agree_with_the_periods(months, held_months, today):
    """The table's set arithmetic gives the same held / missed / due as walking the periods."""
    from dangjian.compliance.selectors import KindStatus, YearPlan

    by_month = {m: 1 for m in held_months if dt.date(2026, m, 1) <= today}
    plan = YearPlan(2026, today)
    fast = KindStatus("themed_day", months, by_month, plan).counts()
    slow = KindStatus("themed_day", months, by_month, plan)
    walked = tuple(slow.count(state) for state in (rules.HELD, rules.MISSED, rules.DUE))
    assert fast == walked
