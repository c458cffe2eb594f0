"""Resident ID card numbers (GB 11643): check digit, birth date, gender, masking."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.validators import (
    id_check_character,
    mask_id_number,
    mask_mobile,
    normalise_id_number,
    parse_id_number,
)

# The standard's own worked example: 11010519491231002X, born 1949-12-31, female.
EXAMPLE = "11010519491231002X"


def test_the_standard_example():
    facts = parse_id_number(EXAMPLE)
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.gender == "female"
    assert id_check_character(EXAMPLE[:17]) == "X"


def test_male_from_odd_seventeenth_digit():
    first17 = "11010519900307123"
    facts = parse_id_number(first17 + id_check_character(first17))
    assert facts.gender == "male" and facts.birth_date == dt.date(1990, 3, 7)


def test_lower_case_x_full_width_digits_and_spaces_are_normalised():
    typed = "１１０１０５ 19491231002x"
    assert normalise_id_number(typed) == EXAMPLE
    assert parse_id_number(typed).birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    "value,code",
    [
        ("1101051949123100", "id_length"),
        ("11010519491231002XX", "id_length"),
        ("1101051949123100AX", "id_characters"),
        ("110105194902300021", "id_birth"),  # 30 February
        ("110105180001010021", "id_birth"),  # before 1900
        ("110105194912310021", "id_check"),
    ],
)
def test_malformed_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as info:
        parse_id_number(value)
    assert info.value.code == code


@given(
    st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2007, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=1, max_value=10),
)
def test_any_single_wrong_check_character_is_refused(birth, serial, shift):
    first17 = f"330199{birth:%Y%m%d}{serial:03d}"
    right = id_check_character(first17)
    assert parse_id_number(first17 + right).birth_date == birth
    wrong = "0123456789X"[("0123456789X".index(right) + shift) % 11]
    with pytest.raises(ValidationError):
        parse_id_number(first17 + wrong)


def test_masks():
    assert mask_id_number(EXAMPLE) == "110105********002X"
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("123") == ""
