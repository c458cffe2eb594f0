"""Fictional but format-valid identifiers for demo data."""

from __future__ import annotations

import random

from dangjian.core.validators import USCC_ALPHABET, uscc_check_character

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_code_check(first8: str) -> str:
    """GB 11714 check character of the 9-character organisation code inside a credit code."""
    total = sum(_value(ch) * w for ch, w in zip(first8, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 55


def make_uscc(rng: random.Random, authority_and_type: str = "91", region: str = "330199") -> str:
    """A unified social credit code with valid inner and outer check characters."""
    while True:
        body = "".join(rng.choice(_ORG_CODE_CHARS[:10] + "ABCDEFGH") for _ in range(8))
        check = org_code_check(body)
        if check in USCC_ALPHABET:
            break
    first17 = f"{authority_and_type}{region}{body}{check}"
    return first17 + uscc_check_character(first17)
