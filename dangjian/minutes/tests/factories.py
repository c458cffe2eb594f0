"""Meetings with attendees, check-ins and leave for the minutes and compliance tests.

The rows are created directly: these tests need meetings in given states at given times (held
last quarter, published and started), which the meetings app's planning services do not produce
for past dates."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.meetings.choices import AttendeeStatus, LeaveStatus, MeetingStatus
from dangjian.meetings.models import Attendee, CheckIn, LeaveRequest, Meeting


def at(year, month, day, hour=9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def meeting(
    org,
    kind="themed_day",
    start=None,
    *,
    title="",
    status=MeetingStatus.PUBLISHED,
    host=None,
    recorder=None,
    lecturer=None,
    agenda="",
    place="党群服务中心",
) -> Meeting:
    start = start or at(2026, 3, 15)
    return Meeting.objects.create(
        org=org,
        kind=kind,
        title=title or f"{org.name}{kind}",
        status=status,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        place=place,
        host=host,
        recorder=recorder,
        lecturer=lecturer,
        agenda=agenda,
        checkin_key="test-key",
        published_at=start - dt.timedelta(days=3) if status == MeetingStatus.PUBLISHED else None,
    )


def attend(meeting_obj, members, *, present=(), leave=None, absent_reason=None) -> None:
    """``members`` expected; those in ``present`` check in; ``leave`` maps member → reason."""
    leave = leave or {}
    absent_reason = absent_reason or {}
    for person in members:
        status = AttendeeStatus.EXPECTED
        if person in present:
            status = AttendeeStatus.PRESENT
        elif person in leave:
            status = AttendeeStatus.LEAVE
        Attendee.objects.create(
            meeting=meeting_obj,
            member=person,
            has_vote=True,
            status=status,
            absence_reason=absent_reason.get(person, ""),
        )
    for index, person in enumerate(present):
        CheckIn.objects.create(
            meeting=meeting_obj,
            member=person,
            method="qr",
            at=meeting_obj.starts_at + dt.timedelta(minutes=index),
        )
    for person, reason in leave.items():
        LeaveRequest.objects.create(meeting=meeting_obj, member=person, reason=reason, status=LeaveStatus.APPROVED)
