"""Working days: Monday to Friday, except the ``CalendarDay`` exceptions (holidays and 调休 days)."""

from __future__ import annotations

import datetime as dt

from .models import CalendarDay

_HORIZON_DAYS = 120


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts). One query."""
    exceptions = dict(
        CalendarDay.objects.filter(date__gt=start, date__lte=start + dt.timedelta(days=_HORIZON_DAYS)).values_list(
            "date", "is_workday"
        )
    )
    current, left = start, days
    while left > 0:
        current += dt.timedelta(days=1)
        workday = exceptions.get(current, current.weekday() < 5)
        if workday:
            left -= 1
    return current
