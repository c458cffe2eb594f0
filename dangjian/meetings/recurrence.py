"""Dates of a recurring series (python-dateutil's rrule), moved off rest days by the series' rule.

Working days are Monday to Friday except the exceptions in ``demands.CalendarDay`` (public holidays
on weekdays, 调休 working weekends), the one working-day calendar of the platform."""

from __future__ import annotations

import calendar
import datetime as dt

from dateutil.rrule import MONTHLY, WEEKLY, rrule

from dangjian.demands.models import CalendarDay

from .choices import Frequency, HolidayRule

# A move never needs more than the longest run of rest days (the National Day week is 7-8 days).
_MOVE_LIMIT_DAYS = 20


def _raw_dates(frequency: str, starts_on: dt.date, ends_on: dt.date, day_of_month, weekday) -> list[dt.date]:
    until = dt.datetime.combine(ends_on, dt.time())
    if frequency == Frequency.MONTHLY:
        # The 29th-31st in a shorter month is that month's last day (a monthly meeting is never skipped).
        months = rrule(MONTHLY, dtstart=dt.datetime(starts_on.year, starts_on.month, 1), until=until)
        dates = []
        for month in months:
            last = calendar.monthrange(month.year, month.month)[1]
            day = dt.date(month.year, month.month, min(day_of_month, last))
            if starts_on <= day <= ends_on:
                dates.append(day)
        return dates
    start = dt.datetime.combine(starts_on, dt.time())
    return [moment.date() for moment in rrule(WEEKLY, dtstart=start, until=until, byweekday=weekday)]


def _workday_map(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "is_workday"))


def is_workday(day: dt.date, exceptions: dict[dt.date, bool]) -> bool:
    return exceptions.get(day, day.weekday() < 5)


def series_dates(
    *,
    frequency: str,
    starts_on: dt.date,
    ends_on: dt.date,
    day_of_month: int | None = None,
    weekday: int | None = None,
    holiday_rule: str = HolidayRule.NEXT_WORKDAY,
) -> list[dt.date]:
    """The meeting dates of a series, each moved by ``holiday_rule`` when it falls on a rest day.
    Two dates moved onto the same day are kept once. One query for the calendar."""
    raw = _raw_dates(frequency, starts_on, ends_on, day_of_month, weekday)
    if not raw or holiday_rule == HolidayRule.KEEP:
        return raw
    margin = dt.timedelta(days=_MOVE_LIMIT_DAYS)
    exceptions = _workday_map(raw[0] - margin, raw[-1] + margin)
    step = dt.timedelta(days=1 if holiday_rule == HolidayRule.NEXT_WORKDAY else -1)
    moved: list[dt.date] = []
    for day in raw:
        current = day
        for _ in range(_MOVE_LIMIT_DAYS):
            if is_workday(current, exceptions):
                break
            current += step
        if current not in moved:
            moved.append(current)
    return moved
