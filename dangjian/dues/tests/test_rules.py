"""The rules as pure functions: band edges, rounding, schedule choice, month arithmetic."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.dues import rules

NATIONAL = SimpleNamespace(
    pk=1,
    scope_path="",
    effective_from=dt.date(2008, 4, 1),
    salaried_bands=[["3000.00", "0.5"], ["5000.00", "1"], ["10000.00", "1.5"], [None, "2"]],
    retiree_bands=[["5000.00", "0.5"], [None, "1"]],
    student_amount=Decimal("0.20"),
    unemployed_amount=Decimal("0.20"),
    subsistence_amount=Decimal("0.20"),
    farmer_min=Decimal("0.20"),
    farmer_max=Decimal("1.00"),
)
SCHEDULE = rules.CompiledSchedule.of(NATIONAL)


def due(kind, base=None, fixed=None):
    base_fen = None if base is None else rules.fen(Decimal(base))
    fixed_fen = None if fixed is None else rules.fen(Decimal(fixed))
    result = rules.compute(SCHEDULE, kind, base_fen, fixed_fen)
    return rules.yuan(result.amount_fen), result.band


@pytest.mark.parametrize(
    ("base", "amount", "band"),
    [
        ("0.00", "0.00", "≤3000.00"),
        ("3000.00", "15.00", "≤3000.00"),
        ("3000.01", "30.00", "3000.00–5000.00"),
        ("5000.00", "50.00", "3000.00–5000.00"),
        ("5000.01", "75.00", "5000.00–10000.00"),
        ("10000.00", "150.00", "5000.00–10000.00"),
        ("10000.01", "200.00", ">10000.00"),
        ("2999.99", "15.00", "≤3000.00"),  # 14.99995 rounds half up to 15.00
        ("2999.00", "15.00", "≤3000.00"),  # 14.995 → 15.00 (half up, not to even)
        ("2998.99", "14.99", "≤3000.00"),  # 14.99495 → 14.99
        ("4321.50", "43.22", "3000.00–5000.00"),  # 43.215 → 43.22
    ],
)
def test_salaried_band_edges_and_rounding(base, amount, band):
    assert due("salaried", base) == (Decimal(amount), band)
    assert due("self_employed", base) == (Decimal(amount), band)


@pytest.mark.parametrize(
    ("base", "amount"), [("5000.00", "25.00"), ("5000.01", "50.00"), ("4999.99", "25.00"), ("8000.00", "80.00")]
)
def test_retiree_bands(base, amount):
    assert due("retiree", base)[0] == Decimal(amount)


def test_fixed_amounts_and_farmers_range():
    assert due("student")[0] == due("unemployed")[0] == due("subsistence")[0] == Decimal("0.20")
    assert due("farmer")[0] == Decimal("0.20")
    assert due("farmer", fixed="0.50")[0] == Decimal("0.50")
    assert due("farmer", fixed="5.00")[0] == Decimal("1.00")


def test_quarter_average_and_mask():
    assert rules.quarter_average(Decimal("10000.00")) == Decimal("3333.33")
    assert rules.quarter_average(Decimal("10000.01")) == Decimal("3333.34")  # 3333.336…
    assert rules.mask_base(Decimal("4500.00")) == "4***.**"
    assert rules.mask_base(Decimal("12000.50")) == "1****.**"


def test_money_parsing_refuses_floats_and_extra_places():
    assert rules.to_money("12.5") == Decimal("12.50")
    for bad in (1.5, "1.005", "abc", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            rules.to_money(bad)


def test_bands_must_rise_and_end_open():
    with pytest.raises(ValueError):
        rules.parse_bands([["5000", "1"], ["3000", "2"], [None, "3"]])
    with pytest.raises(ValueError):
        rules.parse_bands([["3000", "1"]])
    with pytest.raises(ValueError):
        rules.parse_bands([[None, "101"]])
    assert rules.parse_bands([[None, "1.25"]])[0].units == 12500


def test_schedule_choice_longest_region_then_latest_start():
    later = SimpleNamespace(scope_path="", effective_from=dt.date(2027, 1, 1))
    region = SimpleNamespace(scope_path="0001", effective_from=dt.date(2026, 6, 1))
    options = [NATIONAL, later, region]
    assert rules.choose_schedule(options, "00020001", dt.date(2026, 12, 1)) is NATIONAL
    assert rules.choose_schedule(options, "00020001", dt.date(2027, 1, 1)) is later
    assert rules.choose_schedule(options, "00010003", dt.date(2027, 1, 1)) is region
    assert rules.choose_schedule(options, "00010003", dt.date(2026, 5, 1)) is NATIONAL


def test_months():
    assert rules.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert rules.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert rules.month_end(dt.date(2028, 2, 1)) == dt.date(2028, 2, 29)
    assert rules.months_between(dt.date(2026, 7, 1), dt.date(2026, 12, 1)) == 6


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=1_000_000))
def test_integer_rounding_equals_decimal_half_up(base_fen, units):
    exact = (Decimal(base_fen) / 100) * (Decimal(units) / rules.RATE_SCALE) / 100
    expected = exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert rules.yuan(rules.amount_fen(base_fen, units)) == expected
