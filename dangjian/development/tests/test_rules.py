"""Working days and month arithmetic of the pipeline's time rules."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dangjian.development import rules


def test_working_days_examples():
    monday = dt.date(2026, 11, 23)
    assert rules.working_days_between(monday, monday + dt.timedelta(days=4)) == 5
    assert rules.working_days_between(dt.date(2026, 11, 27), dt.date(2026, 12, 3)) == 5  # Fri → Thu over a weekend
    assert rules.working_days_between(dt.date(2026, 11, 28), dt.date(2026, 11, 29)) == 0  # a weekend
    assert rules.working_days_between(monday, monday - dt.timedelta(days=1)) == 0
    assert rules.add_working_days(dt.date(2026, 11, 27), 5) == dt.date(2026, 12, 3)
    assert rules.add_working_days(dt.date(2026, 11, 28), 1) == dt.date(2026, 11, 30)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(0, 400))
def test_working_days_match_a_day_by_day_count(start, length):
    end = start + dt.timedelta(days=length)
    naive = sum(1 for i in range(length + 1) if (start + dt.timedelta(days=i)).weekday() < 5)
    assert rules.working_days_between(start, end) == naive


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(1, 60))
def test_add_working_days_inverts_the_count(start, n):
    end = rules.add_working_days(start, n)
    assert rules.working_days_between(start, end) == n and end.weekday() < 5


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2010, 12, 31)))
def test_age_on_birthdays_including_29_february(birth):
    eighteen = rules.add_months(birth, 18 * 12)
    if eighteen.day != birth.day:  # born on 29 February, the year 18 years on is not a leap year
        eighteen += dt.timedelta(days=1)
    assert rules.age_on(birth, eighteen) == 18
    assert rules.age_on(birth, eighteen - dt.timedelta(days=1)) == 17


def test_leap_day_birthday():
    assert rules.age_on(dt.date(2004, 2, 29), dt.date(2022, 2, 28)) == 17
    assert rules.age_on(dt.date(2004, 2, 29), dt.date(2022, 3, 1)) == 18
