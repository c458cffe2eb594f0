"""Organisational life over the JSON API (tag ``meetings``): plan, publish, cancel, check in,
quorum, leave, make-up study and resolutions. Members appear by name only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.errors import DomainError, NotFoundError
from dangjian.members.models import Member
from dangjian.orgs.models import PartyOrganisation

from . import attendance, checkin, selectors, services
from .choices import AttendeeStatus, CheckInMethod, LeaveStatus, MakeUpReason, MeetingKind, MeetingMode, MeetingStatus
from .models import LeaveRequest, MakeUpTask, Meeting
from .quorum import quorum_of

router = Router()


class MeetingOut(Schema):
    id: int
    org_id: int
    org_name: str
    series_id: int | None
    kind: MeetingKind
    title: str
    mode: MeetingMode
    status: MeetingStatus
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    latitude: Decimal | None
    longitude: Decimal | None
    geofence_m: int | None
    online_link: str
    host_id: int | None
    recorder_id: int | None
    lecturer_id: int | None
    lecturer_name: str
    agenda: str
    late_after_minutes: int
    cancel_reason: str


class MeetingPage(Schema):
    items: list[MeetingOut]
    count: int


class MeetingIn(Schema):
    org_id: int
    kind: MeetingKind
    title: str = Field("", max_length=120)
    mode: MeetingMode = MeetingMode.OFFLINE
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field("", max_length=200)
    latitude: Decimal | None = Field(None, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, max_digits=9, decimal_places=6)
    geofence_m: int | None = Field(None, ge=50, le=5000)
    online_link: str = Field("", max_length=500, pattern=r"^(|https?://\S+)$")
    host_id: int | None = None
    recorder_id: int | None = None
    lecturer_id: int | None = None
    lecturer_name: str = Field("", max_length=50)
    agenda: str = Field("", max_length=4000)
    late_after_minutes: int = Field(10, ge=0, le=240)
    publish: bool = False


class MeetingFilters(Schema):
    when: str = Field("", pattern=r"^(|upcoming|past)$")
    kind: MeetingKind | None = None
    status: MeetingStatus | None = None


class AttendeeOut(Schema):
    member_id: int
    member_name: str
    has_vote: bool
    is_flowing_in: bool
    in_committee: bool
    status: AttendeeStatus
    checked_in_at: dt.datetime | None
    method: CheckInMethod | None
    late: bool


class QuorumOut(Schema):
    required: bool
    met: bool
    body: int
    present: int
    needed: int
    expected: int
    attended: int
    on_leave: int
    late: int
    rate: Decimal = Field(description="Participation in percent, one decimal")
    target: Decimal | None


class CancelIn(Schema):
    reason: str = Field(max_length=300)


class CheckInIn(Schema):
    code: str = Field(max_length=64, description="The rotating code from the meeting's QR")
    latitude: Decimal | None = Field(None, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, max_digits=9, decimal_places=6)


class MemberCodeIn(Schema):
    token: str = Field(max_length=200, description="The member's personal code (一人一码)")


class CheckInOut(Schema):
    meeting_id: int
    member_id: int
    method: CheckInMethod
    at: dt.datetime
    late: bool
    distance_m: int | None
    created: bool = Field(description="False when the member was already checked in (nothing changed)")


class LeaveIn(Schema):
    reason: str = Field(max_length=300)


class LeaveDecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)


class LeaveOut(Schema):
    id: int
    meeting_id: int
    member_id: int
    reason: str
    status: LeaveStatus
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str


class MakeUpIn(Schema):
    content: str = Field(max_length=4000)


class MakeUpOut(Schema):
    id: int
    meeting_id: int
    meeting_title: str
    reason: MakeUpReason
    content: str
    completed_at: dt.datetime | None


class ResolutionIn(Schema):
    text: str = Field(max_length=2000)
    votes_for: int | None = Field(None, ge=0)
    votes_against: int | None = Field(None, ge=0)
    abstentions: int | None = Field(None, ge=0)


class ResolutionOut(Schema):
    id: int
    meeting_id: int
    text: str
    votes_for: int | None
    votes_against: int | None
    abstentions: int | None
    body_size: int
    present: int
    quorum_met: bool
    recorded_at: dt.datetime


def out(m: Meeting) -> dict:
    data = {name: getattr(m, name) for name in MeetingOut.model_fields if hasattr(m, name)}
    data["org_name"] = m.org.name
    return data


def _member(member_id: int | None, org: PartyOrganisation, field: str) -> Member | None:
    if member_id is None:
        return None
    found = Member.objects.filter(pk=member_id, org=org).first()
    if found is None:
        raise DomainError(_("Choose a member of this organisation."), field=field)
    return found


def _meeting(request, meeting_id: int) -> Meeting:
    return selectors.meeting_get(request.user, meeting_id)


def _quorum(meeting: Meeting) -> dict:
    q = quorum_of(meeting)
    return {
        "required": q.required,
        "met": q.met,
        "body": q.body,
        "present": q.present,
        "needed": q.needed,
        "expected": q.expected,
        "attended": q.attended,
        "on_leave": q.on_leave,
        "late": q.late,
        "rate": q.rate,
        "target": q.target,
    }


def _checkin_out(record, created: bool) -> dict:
    return {
        "meeting_id": record.meeting_id,
        "member_id": record.member_id,
        "method": record.method,
        "at": record.at,
        "late": record.late,
        "distance_m": record.distance_m,
        "created": created,
    }


@router.get("", response={200: MeetingPage, **ERROR_RESPONSES}, summary="List meetings in my organisations")
def list_meetings(request, filters: Query[MeetingFilters], page: Query[PageParams]):
    scope.require_action(request.user, "meeting.view")
    items, count = paginate(
        selectors.meeting_list(request.user, kind=filters.kind or "", status=filters.status or "", when=filters.when),
        page,
    )
    return {"items": [out(m) for m in items], "count": count}


@router.post("", response={201: MeetingOut, **ERROR_RESPONSES}, summary="Plan a meeting (and publish it)")
def plan(request, payload: MeetingIn):
    org = scope.get_in_scope(request.user, "meeting.view", PartyOrganisation, pk=payload.org_id)
    data = payload.dict()
    for name in ("host", "recorder", "lecturer"):
        data[name] = _member(data.pop(f"{name}_id"), org, name)
    data.pop("org_id")
    for name in ("starts_at", "ends_at"):  # a time without a zone is Beijing time
        if timezone.is_naive(data[name]):
            data[name] = timezone.make_aware(data[name], timezone.get_current_timezone())
    meeting = services.meeting_plan(actor=request.user, org=org, **data)
    return Status(201, out(selectors.meeting_get(request.user, meeting.pk)))


@router.get("/mine", response={200: list[MeetingOut], **ERROR_RESPONSES}, summary="Meetings I am expected at")
def mine(request):
    return [out(a.meeting) for a in selectors.my_upcoming(request.user)]


@router.get("/makeups", response={200: list[MakeUpOut], **ERROR_RESPONSES}, summary="My make-up study tasks")
def my_makeups(request):
    return [
        {
            "id": t.pk,
            "meeting_id": t.meeting_id,
            "meeting_title": t.meeting.title,
            "reason": t.reason,
            "content": t.content,
            "completed_at": t.completed_at,
        }
        for t in selectors.my_makeups(request.user)
    ]


@router.post(
    "/makeups/{int:task_id}/complete", response={200: MakeUpOut, **ERROR_RESPONSES}, summary="Record my make-up study"
)
def complete_makeup(request, task_id: int, payload: MakeUpIn):
    task = MakeUpTask.objects.filter(pk=task_id).first()
    if task is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    task = attendance.makeup_complete(actor=request.user, task=task, content=payload.content)
    return {
        "id": task.pk,
        "meeting_id": task.meeting_id,
        "meeting_title": task.meeting.title,
        "reason": task.reason,
        "content": task.content,
        "completed_at": task.completed_at,
    }


@router.post(
    "/checkin",
    response={200: CheckInOut, **ERROR_RESPONSES},
    summary="Check in with the meeting's rotating code (the member's own account)",
)
def checkin_code(request, payload: CheckInIn):
    record, created = checkin.checkin_by_code(
        actor=request.user, token=payload.code, latitude=payload.latitude, longitude=payload.longitude
    )
    return _checkin_out(record, created)


@router.post(
    "/leaves/{int:leave_id}/decide", response={200: LeaveOut, **ERROR_RESPONSES}, summary="Approve or reject leave"
)
def decide_leave(request, leave_id: int, payload: LeaveDecideIn):
    leave = LeaveRequest.objects.select_related("meeting__org").filter(pk=leave_id).first()
    if leave is None or not scope.can(request.user, "meeting.view", leave.meeting):
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    leave = attendance.leave_decide(actor=request.user, leave=leave, approve=payload.approve, note=payload.note)
    return _leave_out(leave)


def _leave_out(leave: LeaveRequest) -> dict:
    return {
        name: getattr(leave, name)
        for name in ("id", "meeting_id", "member_id", "reason", "status", "requested_at", "decided_at", "decision_note")
    }


@router.get("/{int:meeting_id}", response={200: MeetingOut, **ERROR_RESPONSES}, summary="Get a meeting")
def get_meeting(request, meeting_id: int):
    return out(_meeting(request, meeting_id))


@router.post("/{int:meeting_id}/publish", response={200: MeetingOut, **ERROR_RESPONSES}, summary="Publish")
def publish(request, meeting_id: int):
    services.meeting_publish(actor=request.user, meeting=_meeting(request, meeting_id))
    return out(_meeting(request, meeting_id))


@router.post("/{int:meeting_id}/cancel", response={200: MeetingOut, **ERROR_RESPONSES}, summary="Cancel")
def cancel(request, meeting_id: int, payload: CancelIn):
    services.meeting_cancel(actor=request.user, meeting=_meeting(request, meeting_id), reason=payload.reason)
    return out(_meeting(request, meeting_id))


@router.post(
    "/{int:meeting_id}/close",
    response={200: list[MakeUpOut], **ERROR_RESPONSES},
    summary="Close attendance: absentees recorded, make-up study assigned",
)
def close(request, meeting_id: int):
    tasks = services.meeting_close(actor=request.user, meeting=_meeting(request, meeting_id))
    return [
        {
            "id": t.pk,
            "meeting_id": t.meeting_id,
            "meeting_title": "",
            "reason": t.reason,
            "content": t.content,
            "completed_at": t.completed_at,
        }
        for t in tasks
    ]


@router.get(
    "/{int:meeting_id}/attendees", response={200: list[AttendeeOut], **ERROR_RESPONSES}, summary="Expected attendees"
)
def attendees(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    scope.require(request.user, "meeting.view", meeting)
    checkins = selectors.checkins(meeting)
    rows = []
    for a in selectors.attendees(meeting):
        c = checkins.get(a.member_id)
        rows.append(
            {
                "member_id": a.member_id,
                "member_name": a.member.name,
                "has_vote": a.has_vote,
                "is_flowing_in": a.is_flowing_in,
                "in_committee": a.in_committee,
                "status": a.status,
                "checked_in_at": c.at if c else None,
                "method": c.method if c else None,
                "late": c.late if c else False,
            }
        )
    return rows


@router.get(
    "/{int:meeting_id}/quorum", response={200: QuorumOut, **ERROR_RESPONSES}, summary="Quorum and participation"
)
def quorum(request, meeting_id: int):
    return _quorum(_meeting(request, meeting_id))


@router.post(
    "/{int:meeting_id}/checkins/member-code",
    response={200: CheckInOut, **ERROR_RESPONSES},
    summary="Check a member in by scanning their personal code",
)
def checkin_member_code(request, meeting_id: int, payload: MemberCodeIn):
    record, created = checkin.checkin_by_member_code(
        actor=request.user, meeting=_meeting(request, meeting_id), token=payload.token
    )
    return _checkin_out(record, created)


@router.post(
    "/{int:meeting_id}/checkins/{int:member_id}",
    response={200: CheckInOut, **ERROR_RESPONSES},
    summary="Tick a member present by hand",
)
def checkin_manual(request, meeting_id: int, member_id: int):
    meeting = _meeting(request, meeting_id)
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    record, created = checkin.checkin_manual(actor=request.user, meeting=meeting, member=member)
    return _checkin_out(record, created)


@router.post("/{int:meeting_id}/leave", response={201: LeaveOut, **ERROR_RESPONSES}, summary="Ask for leave (member)")
def ask_leave(request, meeting_id: int, payload: LeaveIn):
    leave = attendance.leave_request(actor=request.user, meeting=_meeting(request, meeting_id), reason=payload.reason)
    return Status(201, _leave_out(leave))


@router.get(
    "/{int:meeting_id}/decisions", response={200: list[ResolutionOut], **ERROR_RESPONSES}, summary="Resolutions"
)
def decisions(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    scope.require(request.user, "meeting.view", meeting)
    return [_decision_out(d) for d in meeting.decisions.all()]


def _decision_out(d) -> dict:
    return {name: getattr(d, name) for name in ResolutionOut.model_fields}


@router.post(
    "/{int:meeting_id}/decisions",
    response={201: ResolutionOut, **ERROR_RESPONSES},
    summary="Record a resolution (flagged when taken without a quorum)",
)
def record_decision(request, meeting_id: int, payload: ResolutionIn):
    decision = services.decision_record(actor=request.user, meeting=_meeting(request, meeting_id), **payload.dict())
    return Status(201, _decision_out(decision))
