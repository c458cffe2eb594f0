"""Reads of meetings that cross a permission line. Managers see meetings in their scope
(``meeting.view``); any member sees the meetings they are expected at."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.errors import NotFoundError
from dangjian.members.models import Member

from .choices import AttendeeStatus, LeaveStatus
from .models import Attendee, CheckIn, LeaveRequest, MakeUpTask, Meeting

WHEN = ("upcoming", "past", "")


def meeting_list(user, *, kind: str = "", status: str = "", when: str = "", q: str = "") -> QuerySet[Meeting]:
    meetings = scope.restrict(user, "meeting.view", model=Meeting).select_related("org")
    if kind:
        meetings = meetings.filter(kind=kind)
    if status:
        meetings = meetings.filter(status=status)
    now = timezone.now()
    if when == "upcoming":
        meetings = meetings.filter(ends_at__gte=now).order_by("starts_at", "id")
    else:
        meetings = meetings.order_by("-starts_at", "-id")
        if when == "past":
            meetings = meetings.filter(ends_at__lt=now)
    if q:
        meetings = meetings.filter(Q(title__icontains=q) | Q(org__name__icontains=q))
    return meetings.annotate(
        expected_count=Count("attendees", distinct=True),
        present_count=Count("attendees", filter=Q(attendees__status=AttendeeStatus.PRESENT), distinct=True),
    )


def my_member(user) -> Member | None:
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_meetings_member", None)
    if cached is None:
        cached = Member.objects.select_related("org").filter(user=user).first() or False
        user._meetings_member = cached
    return cached or None


def meeting_get(user, pk: int) -> Meeting:
    """A meeting the user may view: in their scope, or one they are expected at."""
    meeting = Meeting.objects.select_related("org", "host", "recorder", "lecturer", "series").filter(pk=pk).first()
    if meeting is not None:
        if scope.can(user, "meeting.view", meeting):
            return meeting
        member = my_member(user)
        if member is not None and Attendee.objects.filter(meeting=meeting, member=member).exists():
            return meeting
    raise NotFoundError(_("Not found, or outside the organisations you manage."))


def attendees(meeting: Meeting) -> QuerySet[Attendee]:
    return (
        meeting.attendees.select_related("member")
        .only(
            *("id", "status", "has_vote", "is_flowing_in", "in_committee", "absence_reason", "member_id"),
            *("member__id", "member__name", "member__political_status"),
        )
        .order_by("status", "member__name", "member_id")
    )


def checkins(meeting: Meeting) -> dict[int, CheckIn]:
    return {c.member_id: c for c in CheckIn.objects.filter(meeting=meeting).only("member_id", "method", "at", "late")}


def pending_leaves(meeting: Meeting) -> QuerySet[LeaveRequest]:
    return meeting.leaves.filter(status=LeaveStatus.PENDING).select_related("member").order_by("requested_at", "id")


def my_upcoming(user, *, days: int = 60) -> list[Attendee]:
    member = my_member(user)
    if member is None:
        return []
    now = timezone.now()
    return list(
        Attendee.objects.filter(
            member=member, meeting__ends_at__gte=now, meeting__starts_at__lte=now + dt.timedelta(days=days)
        )
        .exclude(meeting__status="draft")
        .select_related("meeting__org")
        .order_by("meeting__starts_at", "meeting_id")[:50]
    )


def my_leaves(user) -> list[LeaveRequest]:
    member = my_member(user)
    if member is None:
        return []
    return list(LeaveRequest.objects.filter(member=member).select_related("meeting").order_by("-requested_at")[:20])


def my_makeups(user) -> list[MakeUpTask]:
    member = my_member(user)
    if member is None:
        return []
    return list(
        MakeUpTask.objects.filter(member=member).select_related("meeting").order_by("completed_at", "-created_at")[:50]
    )


def todays_meetings_for(user, member: Member) -> list[Meeting]:
    """Meetings open for check-in now (or recently ended) where ``member`` is expected and ``user``
    runs check-in: the choices after scanning a member's personal code."""
    now = timezone.now()
    meetings = scope.restrict(user, "meeting.checkin", model=Meeting).filter(
        status="published",
        starts_at__lte=now + dt.timedelta(minutes=30),
        ends_at__gte=now - dt.timedelta(hours=2),
        attendees__member=member,
    )
    return list(meetings.select_related("org").order_by("starts_at")[:10])
