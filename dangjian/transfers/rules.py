"""Time rules and codes of transfers, as pure functions (property-tested)."""

from __future__ import annotations

import calendar
import datetime as dt
import secrets

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 16  # 80 bits: guessing a valid code is hopeless


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_valid_until(issued_on: dt.date, max_months: int) -> dt.date:
    return add_months(issued_on, max_months)


def default_valid_until(issued_on: dt.date, *, in_city: bool, days_in_city: int, days_elsewhere: int) -> dt.date:
    return issued_on + dt.timedelta(days=days_in_city if in_city else days_elsewhere)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(raw: str) -> str:
    """What a person typed from the letter: any case, with spaces or hyphens, full-width too."""
    import unicodedata

    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: enough for the receiver to recognise, not to identify."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
