"""Time rules of transfers: validity defaults, the three-month cap across month ends and leap years."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dangjian.transfers import rules


def test_add_months_clamps_to_month_end():
    assert rules.add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)
    assert rules.add_months(dt.date(2023, 11, 30), 3) == dt.date(2024, 2, 29)  # leap year
    assert rules.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert rules.add_months(dt.date(2024, 12, 15), 3) == dt.date(2025, 3, 15)
    assert rules.add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), st.integers(0, 36))
def test_add_months_properties(day, months):
    later = rules.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and (later + dt.timedelta(days=1)).day == 1)
    assert later >= day


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.booleans())
def test_default_validity_never_exceeds_three_months(day, in_city):
    until = rules.default_valid_until(day, in_city=in_city, days_in_city=10, days_elsewhere=30)
    assert until - day == dt.timedelta(days=10 if in_city else 30)
    assert until <= rules.latest_valid_until(day, 3)


def test_codes_and_masks():
    code = rules.new_code()
    assert len(code) == 16 and set(code) <= set(rules.CODE_ALPHABET)
    assert rules.normalise_code(" " + rules.format_code(code).lower() + " ") == code
    assert rules.normalise_code("ＡＢＣＤ-ｅｆｇｈ") == "ABCDEFGH"
    assert (
        rules.mask_name("张伟") == "张*" and rules.mask_name("欧阳娜娜") == "欧***" and rules.mask_name("李") == "李*"
    )
