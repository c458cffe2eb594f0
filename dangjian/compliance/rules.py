"""The compliance rules of organisational life as pure functions (DOMAIN §4): periods, the status
of a required kind of meeting in a period, and participation rates.

A requirement is "at least one meeting of this kind every N months", with periods aligned on
1 January (N = 1 a month, 3 a quarter, 6 a half-year, 12 a year). N is a per-region setting
(core.policy); 0 means the kind is not required. A value that does not divide the year is taken
up to the next length that does (5 → 6), so every period lies inside one calendar year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

PERIOD_LENGTHS = (1, 2, 3, 4, 6, 12)

# The default minimum frequencies of DOMAIN §4, in months per period, by meeting kind.
DEFAULT_MONTHS = {
    "branch_general": 3,
    "committee": 1,
    "group": 1,
    "lecture": 3,
    "themed_day": 1,
    "org_life": 12,
    "heart_talk": 12,
}
DEFAULT_THEMED_DAY_TARGET = 85  # percent of expected attendees present (DOMAIN §4)
DEFAULT_MINUTES_DUE_DAYS = 7  # minutes signed off within a week of the meeting

HELD = "held"
MISSED = "missed"
DUE = "due"
UPCOMING = "upcoming"
NOT_APPLICABLE = "n/a"


def period_length(months: int) -> int:
    """The period length actually used for a setting of ``months`` (0 = not required)."""
    if months <= 0:
        return 0
    for length in PERIOD_LENGTHS:
        if length >= months:
            return length
    return 12


@dataclass(frozen=True)
class Period:
    """``months`` calendar months from ``start`` (a 1st of the month) to ``end`` inclusive."""

    start: dt.date
    months: int

    @property
    def end(self) -> dt.date:
        return _add_months(self.start, self.months) - dt.timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}/{self.months}"

    @property
    def label(self) -> str:
        return _label(self.start, self.months, get_language())

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@lru_cache(maxsize=4096)
def _label(start: dt.date, months: int, language: str | None) -> str:
    """A period's name in the active language (cached: alert lists repeat the same few)."""
    year, month = start.year, start.month
    if months == 12:
        return _("%(y)d") % {"y": year}
    if months == 1:
        return _("%(y)d-%(m)02d") % {"y": year, "m": month}
    if months == 3:
        return _("%(y)d Q%(q)d") % {"y": year, "q": (month - 1) // 3 + 1}
    if months == 6:
        return (_("%(y)d, first half") if month == 1 else _("%(y)d, second half")) % {"y": year}
    return _("%(y)d-%(a)02d to %(b)02d") % {"y": year, "a": month, "b": month + months - 1}


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def period_containing(day: dt.date, months: int) -> Period:
    length = period_length(months) or 12
    first_month = (day.month - 1) // length * length + 1
    return Period(dt.date(day.year, first_month, 1), length)


def periods_of_year(year: int, months: int) -> list[Period]:
    length = period_length(months)
    if not length:
        return []
    return [Period(dt.date(year, m, 1), length) for m in range(1, 13, length)]


def period_status(period: Period, held: int, today: dt.date, established_on: dt.date | None = None) -> str:
    """Held if a meeting took place in the period; otherwise missed once the period is over, due
    while it runs, upcoming before it starts. A period that ended before the organisation was
    established does not apply; the period in which it was established does."""
    if established_on is not None and established_on > period.end:
        return NOT_APPLICABLE
    if held > 0:
        return HELD
    if today > period.end:
        return MISSED
    if today >= period.start:
        return DUE
    return UPCOMING


def rate(present: int, expected: int) -> Decimal | None:
    """Participation in percent with one decimal, half up; None when nobody was expected."""
    if expected <= 0:
        return None
    return (Decimal(present) * 100 / Decimal(expected)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def below_target(present: int, expected: int, target_percent: int) -> bool:
    """Exact comparison in integers: 17 of 20 (85%) meets a target of 85; 16 of 20 does not."""
    return expected > 0 and present * 100 < target_percent * expected


def minutes_overdue(meeting_day: dt.date, today: dt.date, due_days: int) -> bool:
    """Minutes are missing once more than ``due_days`` full days have passed since the meeting."""
    return (today - meeting_day).days > due_days
