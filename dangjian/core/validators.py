"""Validators shared by every app: unified social credit codes, mobile numbers, passwords."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# GB 32100-2015: 31 characters (no I, O, Z, S, V); weights 3^(i) mod 31 for positions 1..17.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"　": " "})


def normalise_text(value: str) -> str:
    """Full-width letters, digits and spaces (common with Chinese input methods) become ASCII;
    surrounding spaces go."""
    return unicodedata.normalize("NFKC", (value or "").translate(_FULLWIDTH)).strip()


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code for its first 17 characters."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(value: str) -> str:
    return normalise_text(value).upper().replace(" ", "")


def validate_uscc(value: str) -> None:
    code = normalise_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)},
            code="uscc_length",
        )
    if not _USCC_SHAPE.match(code):
        raise ValidationError(
            _("A unified social credit code uses digits and capital letters except I, O, Z, S and V."),
            code="uscc_characters",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check the code."),
            code="uscc_check",
        )


def normalise_mobile(value: str) -> str:
    digits = normalise_text(value).replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def validate_mobile(value: str) -> None:
    if not _MOBILE.match(normalise_mobile(value)):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 1, such as 13812345678."),
            code="mobile",
        )


class CharacterClassesValidator:
    """A password must mix at least ``min_classes`` of: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )

    def validate(self, password: str, user=None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self) -> str:
        return str(
            gettext_lazy(
                "Your password must mix at least %(n)d of: lower-case letters, upper-case letters, digits and symbols."
            )
            % {"n": self.min_classes}
        )


# --- Resident ID card numbers (GB 11643-1999) -------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


def id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return normalise_text(value).replace(" ", "").upper()


@dataclass(frozen=True)
class IdNumberFacts:
    birth_date: dt.date
    gender: str  # "male" or "female", from the 17th digit (odd: male)


def parse_id_number(value: str) -> IdNumberFacts:
    """Validate an 18-character ID number and return what it encodes; ValidationError in Chinese
    (through gettext) naming what is wrong."""
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID card number has 18 characters; this one has %(n)d.") % {"n": len(number)}, code="id_length"
        )
    if not _ID_SHAPE.match(number):
        raise ValidationError(_("An ID card number is 17 digits followed by a digit or X."), code="id_characters")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside this ID card number does not exist."), code="id_birth") from None
    if birth.year < 1900 or birth > dt.date.today():
        raise ValidationError(_("The birth date inside this ID card number is not plausible."), code="id_birth")
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this ID card number is wrong; please check the number."), code="id_check"
        )
    return IdNumberFacts(birth_date=birth, gender="male" if int(number[16]) % 2 else "female")


def mask_id_number(value: str) -> str:
    """``110105********1234``: region and last four only."""
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}" if len(value) > 10 else "*" * len(value)


def mask_mobile(value: str) -> str:
    """``138****5678``."""
    return f"{value[:3]}****{value[-4:]}" if len(value) == 11 else ""
