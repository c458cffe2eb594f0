"""Leave (请假) and make-up study (补学): the member asks, the secretary decides; absentees and
members on leave record what they studied."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, scope
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.members.models import Member

from . import notify
from .choices import AttendeeStatus, LeaveStatus, MeetingStatus
from .models import Attendee, LeaveRequest, MakeUpTask, Meeting

MIN_STUDY_CHARS = 10


def member_of(user) -> Member:
    member = Member.objects.select_related("org").filter(user=user).first() if user is not None else None
    if member is None:
        raise NotFoundError(_("Your account is not linked to a party member."), code="no_member")
    return member


@transaction.atomic
def leave_request(*, actor, meeting: Meeting, reason: str) -> LeaveRequest:
    """The member asks for leave from a published meeting that has not started, with a reason."""
    member = member_of(actor)
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    attendee = Attendee.objects.filter(meeting=meeting, member=member).first()
    if attendee is None:
        raise DomainError(_("You are not expected at this meeting."), code="not_attendee")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Give the reason for your leave."), field="reason")
    if meeting.status != MeetingStatus.PUBLISHED:
        raise ConflictError(_("Leave can only be asked for a published meeting."), code="not_published")
    if meeting.starts_at <= timezone.now():
        raise ConflictError(_("Leave must be asked before the meeting starts."), code="meeting_started")
    if attendee.status == AttendeeStatus.PRESENT:
        raise ConflictError(_("You are already checked in."), code="already_present")
    try:
        with transaction.atomic():
            leave = LeaveRequest.objects.create(meeting=meeting, member=member, reason=reason[:300])
    except IntegrityError:
        raise ConflictError(
            _("You have already asked for leave from this meeting."), code="leave_exists", field="reason"
        ) from None
    audit.record(
        actor=actor,
        action="meeting.leave_request",
        obj=leave,
        org_path=meeting.org.path,
        changes={"meeting": [None, meeting.pk], "reason": [None, leave.reason]},
    )
    return leave


@transaction.atomic
def leave_decide(*, actor, leave: LeaveRequest, approve: bool, note: str = "") -> LeaveRequest:
    """The secretary approves (the member is then on leave) or rejects (still expected)."""
    leave = LeaveRequest.objects.select_for_update().select_related("meeting__org", "member").get(pk=leave.pk)
    scope.require(actor, "meeting.leave", leave.meeting)
    if leave.status != LeaveStatus.PENDING:
        raise ConflictError(_("This leave request was already decided."), code="already_decided")
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(_("Say why the leave is rejected."), field="note")
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    leave.decided_by = actor
    leave.decided_at = timezone.now()
    leave.decision_note = note[:300]
    leave.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        Attendee.objects.filter(meeting=leave.meeting, member=leave.member, status=AttendeeStatus.EXPECTED).update(
            status=AttendeeStatus.LEAVE, absence_reason=leave.reason
        )
    audit.record(
        actor=actor,
        action="meeting.leave_decide",
        obj=leave,
        org_path=leave.meeting.org.path,
        changes={"status": [LeaveStatus.PENDING, leave.status], "note": [None, leave.decision_note]},
    )
    notify.leave_decided(leave, actor=actor)
    return leave


@transaction.atomic
def makeup_complete(*, actor, task: MakeUpTask, content: str) -> MakeUpTask:
    """The member records what they studied in place of the missed meeting."""
    member = member_of(actor)
    task = MakeUpTask.objects.select_for_update().select_related("meeting__org").get(pk=task.pk)
    if task.member_id != member.pk:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    if task.completed_at is not None:
        raise ConflictError(_("This make-up study is already recorded."), code="already_done")
    content = (content or "").strip()
    if len(content) < MIN_STUDY_CHARS:
        raise DomainError(
            _("Describe what you studied (at least %(n)d characters).") % {"n": MIN_STUDY_CHARS}, field="content"
        )
    task.content = content[:4000]
    task.completed_at = timezone.now()
    task.save(update_fields=["content", "completed_at"])
    audit.record(
        actor=actor,
        action="meeting.makeup_complete",
        obj=task,
        org_path=task.meeting.org.path,
        changes={"completed_at": [None, str(task.completed_at)], "content_chars": [None, len(task.content)]},
    )
    return task
