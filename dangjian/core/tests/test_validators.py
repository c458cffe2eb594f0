"""Shared validators: unified social credit code, mobile numbers, full-width input, password classes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.validators import (
    USCC_ALPHABET,
    CharacterClassesValidator,
    normalise_mobile,
    normalise_text,
    normalise_uscc,
    uscc_check_character,
    validate_mobile,
    validate_uscc,
)

ALPHA = st.sampled_from(USCC_ALPHABET)
DIGIT = st.sampled_from("0123456789")
# The shape GB 32100-2015 fixes: 2 alphabet chars, a 6-digit region code, 9 alphabet chars.
FIRST17 = st.tuples(
    st.lists(ALPHA, min_size=2, max_size=2),
    st.lists(DIGIT, min_size=6, max_size=6),
    st.lists(ALPHA, min_size=9, max_size=9),
).map(lambda parts: "".join(parts[0] + parts[1] + parts[2]))


def _code(error: pytest.ExceptionInfo) -> str:
    return error.value.code


# --- Unified social credit code --------------------------------------------------------------------


def test_alphabet_leaves_out_i_o_s_v_z():
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


@pytest.mark.parametrize(
    "first17, check",
    [
        ("91350100M000100Y4", "3"),  # the sample code printed on business licences
        ("91110101000000001", "5"),
        ("91110101000000002", "8"),
        ("91110101123456789", "C"),
        ("00000000000000000", "0"),  # sum 0 → (31 - 0) % 31 = 0, not the 32nd character
    ],
)
def test_check_character_known_values(first17, check):
    assert uscc_check_character(first17) == check


def test_check_character_by_hand():
    # Σ value×weight for "10000000000000000" is 1×1 = 1 → 31 − 1 = 30 → "Y" (index 30).
    assert uscc_check_character("10000000000000000") == "Y"
    # "01000000000000000": 1×3 = 3 → 28 → "W" (U is 27, W 28).
    assert uscc_check_character("01000000000000000") == "W"


def test_check_character_needs_exactly_17():
    with pytest.raises(ValueError):
        uscc_check_character("9135010")


def test_valid_code_passes_including_lower_case_and_spaces():
    validate_uscc("91350100M000100Y43")
    validate_uscc(" 91350100m000100y43 ")
    validate_uscc("9135 0100 M000 100Y 43")
    assert normalise_uscc(" 9135 0100m000100y43 ") == "91350100M000100Y43"


def test_full_width_digits_are_normalised_before_checking():
    code = "９１３５０１００M０００１００Y４３"
    assert normalise_uscc(code) == "91350100M000100Y43"
    validate_uscc(code)


@pytest.mark.parametrize(
    "value, code, n",
    [("", "uscc_length", 0), ("91350100M000100Y4", "uscc_length", 17), ("91350100M000100Y433", "uscc_length", 19)],
)
def test_wrong_length_is_refused_with_its_length(value, code, n):
    with pytest.raises(ValidationError) as error:
        validate_uscc(value)
    assert _code(error) == code
    assert str(n) in error.value.messages[0]


@pytest.mark.parametrize(
    "value",
    [
        "91350100I000100Y43",  # I is not in the alphabet
        "91350100M000100O43",  # nor O
        "9135A100M000100Y43",  # the region code (positions 3–8) is digits only
        "91350100M000100Y4-",
    ],
)
def test_characters_outside_the_shape_are_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_uscc(value)
    assert _code(error) == "uscc_characters"


def test_wrong_check_character_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_uscc("91350100M000100Y44")
    assert _code(error) == "uscc_check"


@given(FIRST17)
def test_generated_codes_pass(first17):
    code = first17 + uscc_check_character(first17)
    assert len(code) == 18
    validate_uscc(code)
    validate_uscc(code.lower())


@given(FIRST17, ALPHA)
def test_any_other_check_character_is_refused(first17, replacement):
    good = uscc_check_character(first17)
    if replacement == good:
        return
    with pytest.raises(ValidationError) as error:
        validate_uscc(first17 + replacement)
    assert _code(error) == "uscc_check"


@given(FIRST17, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=30))
def test_any_single_substitution_in_the_body_is_caught(first17, position, shift):
    """31 is prime and no weight is 0 mod 31, so every one-character typo changes the check."""
    code = first17 + uscc_check_character(first17)
    alphabet = "0123456789" if 2 <= position <= 7 else USCC_ALPHABET
    old = alphabet.index(code[position])
    new_char = alphabet[(old + shift) % len(alphabet)]
    if new_char == code[position]:
        return
    typo = code[:position] + new_char + code[position + 1 :]
    with pytest.raises(ValidationError) as error:
        validate_uscc(typo)
    assert _code(error) == "uscc_check"


# --- Mobile numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+8619912345678", "19912345678"),
    ],
)
def test_mobile_normalised_and_accepted(raw, normal):
    assert normalise_mobile(raw) == normal
    validate_mobile(raw)


@pytest.mark.parametrize(
    "raw",
    ["", "1381234567", "138123456789", "12812345678", "23812345678", "8613812345678", "1381234567a", "+85213812345678"],
)
def test_mobile_refused(raw):
    with pytest.raises(ValidationError) as error:
        validate_mobile(raw)
    assert _code(error) == "mobile"


# --- Full-width normalisation ----------------------------------------------------------------------


def test_normalise_text():
    assert normalise_text("０１２３４５６７８９") == "0123456789"
    assert normalise_text("\u3000党支部\u3000１号 ") == "党支部 1号"
    assert normalise_text(None) == ""
    assert normalise_text("ＡＢ－１") == "AB-1"  # full-width letters and signs fold too (NFKC)


# --- Password character classes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, classes",
    [("", 0), ("abcdef", 1), ("abcDEF", 2), ("abcDEF12", 3), ("abcDEF12!", 4), ("党员党员", 0), ("12 34", 2)],
)
def test_character_classes_counted(password, classes):
    assert CharacterClassesValidator.classes(password) == classes


def test_character_classes_validator_threshold():
    validator = CharacterClassesValidator(min_classes=3)
    validator.validate("abcDEF12")
    with pytest.raises(ValidationError) as error:
        validator.validate("abcDEFghi")
    assert _code(error) == "password_classes"
    assert "3" in validator.get_help_text()
    CharacterClassesValidator(min_classes=2).validate("abcDEF")
    with pytest.raises(ValidationError):
        CharacterClassesValidator(min_classes=4).validate("abcDEF12")


def test_password_validation_setting_uses_it(db):
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError) as error:
        validate_password("abcdefghijkl")
    assert "password_classes" in [e.code for e in error.value.error_list]
    validate_password("Abcdefghij-42")


def test_full_width_letters_and_digits_in_a_credit_code_are_accepted():
    from dangjian.core.validators import normalise_uscc, uscc_check_character

    code = "91330199MA2ABCDE1" + uscc_check_character("91330199MA2ABCDE1")
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code)  # the full-width forms
    assert normalise_uscc(typed) == code
    validate_uscc(typed)
