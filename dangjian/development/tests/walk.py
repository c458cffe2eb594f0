"""A valid schedule through the default template, relative to a start date."""

import datetime as dt

from dangjian.development.rules import add_months

from .factories import record


def schedule(start: dt.date) -> list[tuple[str, dt.date, dict]]:
    d = dt.timedelta
    meeting = add_months(start, 16) + d(days=1)
    return [
        ("application", start, {}),
        ("talk", start + d(days=20), {}),
        ("activist", add_months(start, 1), {}),
        ("mentors", add_months(start, 1), {"people": "mentor"}),
        ("assessment", add_months(start, 7), {}),
        ("candidate", add_months(start, 13), {}),
        ("sponsors", add_months(start, 13) + d(days=1), {"people": "sponsors"}),
        ("review", add_months(start, 13) + d(days=2), {}),
        ("training", add_months(start, 14), {"end_on": add_months(start, 14) + d(days=2)}),
        ("branch_review", add_months(start, 15), {}),
        ("pre_review", add_months(start, 15) + d(days=1), {}),
        ("notice", add_months(start, 15) + d(days=2), {"end_on": add_months(start, 15) + d(days=8)}),
        ("volunteer_form", add_months(start, 16), {}),
        ("admission_meeting", meeting, {}),
        ("approval_talk", meeting + d(days=1), {}),
        ("admission_approval", add_months(start, 17), {}),
        ("oath", add_months(start, 17) + d(days=1), {}),
        ("full_application", add_months(meeting, 12), {}),
        ("full_meeting", add_months(meeting, 12) + d(days=1), {}),
        ("full_approval", add_months(meeting, 12) + d(days=2), {"outcome": "on_time"}),
    ]


def walk(person, people, start, *, until=None, actor=None):
    """Record every step up to and including ``until``; returns {code: date}."""
    done = {}
    for code, on, extra in schedule(start):
        extra = dict(extra)
        if extra.get("people") == "mentor":
            extra["people"] = [people.mentor]
        elif extra.get("people") == "sponsors":
            extra["people"] = [people.mentor, people.sponsor]
        record(person, code, on, actor=actor, **extra)
        done[code] = on
        if code == until:
            break
    return done
