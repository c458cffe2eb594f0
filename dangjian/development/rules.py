"""Time rules of the pipeline as pure functions (property-tested): months, working days."""

from __future__ import annotations

import datetime as dt

from dangjian.transfers.rules import add_months

__all__ = ["add_months", "add_working_days", "working_days_between"]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Monday–Friday days from ``start`` to ``end``, both included (0 when end < start).

    Public holidays and the weekend days swapped for them (调休) are not modelled: a notice that
    spans a holiday must be made longer by the branch."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(rest):
        if (start + dt.timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The day on which a period of ``n`` working days starting at ``start`` ends."""
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted >= n:
                return day
        day += dt.timedelta(days=1)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
