"""Every write to meetings: plan (one or a series), change, publish, cancel, close, decisions.

Check-in lives in :mod:`.checkin`, leave and make-up study in :mod:`.attendance`, calendar feeds
in :mod:`.feeds`; all follow the same rules (scope check, one transaction, audit inside it)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.choices import Role
from dangjian.core import audit, geo, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.members.choices import ACTIVE_STATUSES
from dangjian.members.models import FlowRecord, Member
from dangjian.orgs.models import PartyOrganisation

from . import notify, recurrence
from .choices import (
    AttendeeStatus,
    Frequency,
    HolidayRule,
    MakeUpReason,
    MeetingKind,
    MeetingMode,
    MeetingStatus,
)
from .models import Attendee, Decision, MakeUpTask, Meeting, MeetingSeries
from .quorum import quorum_of

AUDIT_FIELDS = [
    "kind",
    "title",
    "mode",
    "status",
    "starts_at",
    "ends_at",
    "place",
    "latitude",
    "longitude",
    "geofence_m",
    "online_link",
    "host_id",
    "recorder_id",
    "lecturer_id",
    "lecturer_name",
    "agenda",
    "late_after_minutes",
]
EDITABLE = [name for name in AUDIT_FIELDS if name not in ("status",)]
MAX_SERIES_MEETINGS = 60
COMMITTEE_ROLES = (Role.SECRETARY, Role.COMMITTEE_MEMBER)


# --- expected attendees -----------------------------------------------------------------------


def committee_member_ids(org: PartyOrganisation) -> set[int]:
    """Members whose login holds the secretary or committee-member role on this organisation."""
    from dangjian.accounts.models import RoleAssignment

    users = RoleAssignment.objects.filter(org=org, role__in=COMMITTEE_ROLES).values("user_id")
    return set(Member.objects.filter(user_id__in=users, status__in=ACTIVE_STATUSES).values_list("pk", flat=True))


def expected_attendees(meeting: Meeting) -> list[Attendee]:
    """Unsaved attendee rows: the organisation's active members, members flowing
    in to it, and, for a committee meeting, the committee only. Probationary members and members
    flowing in from elsewhere have no vote (``members.flowing.may_vote_in``)."""
    org = meeting.org
    committee = committee_member_ids(org)
    home = Member.objects.filter(org=org, status__in=ACTIVE_STATUSES)
    inflow_ids = FlowRecord.objects.filter(dest_org=org, ended_on__isnull=True).values("member_id")
    inflow = Member.objects.filter(pk__in=inflow_ids, status__in=ACTIVE_STATUSES).exclude(org=org)
    rows: list[Attendee] = []
    for member in home.only("pk", "political_status", "org_id", "status"):
        rows.append(
            Attendee(
                meeting=meeting,
                member=member,
                has_vote=member.political_status == "full",
                in_committee=member.pk in committee,
            )
        )
    for member in inflow.only("pk"):
        rows.append(
            Attendee(
                meeting=meeting, member=member, has_vote=False, is_flowing_in=True, in_committee=member.pk in committee
            )
        )
    if meeting.kind == MeetingKind.COMMITTEE:
        rows = [row for row in rows if row.in_committee]
    return rows


def _store_attendees(meeting: Meeting) -> None:
    """Replace the expected-attendee rows of a meeting nobody has checked in to yet; rows with a
    check-in, leave or make-up task are kept as they are (their history matters)."""
    fresh = {row.member_id: row for row in expected_attendees(meeting)}
    keep = set(meeting.attendees.exclude(status=AttendeeStatus.EXPECTED).values_list("member_id", flat=True)) | set(
        meeting.leaves.values_list("member_id", flat=True)
    )
    meeting.attendees.exclude(member_id__in=keep).delete()
    Attendee.objects.bulk_create([row for member_id, row in fresh.items() if member_id not in keep], batch_size=1000)


# --- planning ---------------------------------------------------------------------------------


def _clean(meeting: Meeting) -> None:
    """The rules every planned meeting meets (the form already checked types and lengths)."""
    if meeting.ends_at <= meeting.starts_at:
        raise DomainError(_("The meeting must end after it starts."), code="invalid_time", field="ends_at")
    if meeting.ends_at - meeting.starts_at > dt.timedelta(hours=24):
        raise DomainError(_("A meeting lasts at most 24 hours."), code="invalid_time", field="ends_at")
    if meeting.mode in (MeetingMode.ONLINE, MeetingMode.HYBRID) and not meeting.online_link:
        raise DomainError(_("An online or hybrid meeting needs the meeting link."), field="online_link")
    if meeting.mode in (MeetingMode.OFFLINE, MeetingMode.HYBRID) and not meeting.place:
        raise DomainError(_("Enter where the meeting takes place."), field="place")
    point = geo.check_point(meeting.latitude, meeting.longitude)
    meeting.latitude, meeting.longitude = point if point else (None, None)
    if meeting.geofence_m is not None:
        if meeting.mode != MeetingMode.OFFLINE:
            raise DomainError(_("Only an offline meeting can limit check-in to a place."), field="geofence_m")
        if point is None:
            raise DomainError(_("Mark the place on the map to limit check-in to it."), field="geofence_m")
        if not 50 <= meeting.geofence_m <= 5000:
            raise DomainError(_("The check-in radius must be between 50 and 5,000 metres."), field="geofence_m")
    if meeting.kind == MeetingKind.LECTURE and meeting.lecturer_id is None and not meeting.lecturer_name:
        raise DomainError(_("A party lecture needs its lecturer."), field="lecturer")
    for field in ("host", "recorder", "lecturer"):
        person = getattr(meeting, field)
        if person is not None and person.status not in ACTIVE_STATUSES:
            raise DomainError(_("%(name)s is not an active member.") % {"name": person.name}, field=field)


def _new_meeting(*, actor, org: PartyOrganisation, series: MeetingSeries | None = None, **fields) -> Meeting:
    meeting = Meeting(org=org, series=series, created_by=actor, checkin_key=secrets.token_hex(32), **fields)
    meeting.title = (meeting.title or "").strip() or str(MeetingKind(meeting.kind).label)
    _clean(meeting)
    meeting.save(force_insert=True)
    audit.record(
        actor=actor,
        action="meeting.plan",
        obj=meeting,
        org_path=org.path,
        changes=audit.changed_fields({}, audit.snapshot(meeting, AUDIT_FIELDS)),
    )
    return meeting


def _publish(*, actor, meeting: Meeting, announce: bool = True) -> None:
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = timezone.now()
    meeting.save(update_fields=["status", "published_at", "updated_at"])
    _store_attendees(meeting)
    audit.record(
        actor=actor,
        action="meeting.publish",
        obj=meeting,
        org_path=meeting.org.path,
        changes={
            "status": [MeetingStatus.DRAFT, MeetingStatus.PUBLISHED],
            "attendees": [None, meeting.attendees.count()],
        },
    )
    if announce:
        notify.meeting_published(meeting, actor=actor)


@transaction.atomic
def meeting_plan(*, actor, org: PartyOrganisation, publish: bool = False, **fields) -> Meeting:
    """Plan one meeting (draft), or plan and publish it at once. ``fields`` are Meeting fields."""
    probe = Meeting(org=org)
    scope.require(actor, "meeting.manage", probe)
    meeting = _new_meeting(actor=actor, org=org, **fields)
    if publish:
        _publish(actor=actor, meeting=meeting)
    scope.ensure_in_scope(actor, "meeting.manage", meeting)
    return meeting


@transaction.atomic
def series_plan(
    *,
    actor,
    org: PartyOrganisation,
    kind: str,
    title: str,
    frequency: str,
    starts_on: dt.date,
    ends_on: dt.date,
    start_time: dt.time,
    duration_minutes: int,
    day_of_month: int | None = None,
    weekday: int | None = None,
    holiday_rule: str = HolidayRule.NEXT_WORKDAY,
    publish: bool = False,
    **fields,
) -> MeetingSeries:
    """Plan a recurring series: one meeting per date, each moved off rest days by ``holiday_rule``."""
    scope.require(actor, "meeting.manage", Meeting(org=org))
    if frequency == Frequency.MONTHLY and not (day_of_month and 1 <= day_of_month <= 31):
        raise DomainError(_("Choose the day of the month (1-31)."), field="day_of_month")
    if frequency == Frequency.WEEKLY and (weekday is None or not 0 <= weekday <= 6):
        raise DomainError(_("Choose the weekday."), field="weekday")
    if ends_on < starts_on:
        raise DomainError(_("The series must end after it starts."), field="ends_on")
    if not 15 <= duration_minutes <= 24 * 60:
        raise DomainError(_("A meeting lasts between 15 minutes and 24 hours."), field="duration_minutes")
    dates = recurrence.series_dates(
        frequency=frequency,
        starts_on=starts_on,
        ends_on=ends_on,
        day_of_month=day_of_month if frequency == Frequency.MONTHLY else None,
        weekday=weekday if frequency == Frequency.WEEKLY else None,
        holiday_rule=holiday_rule,
    )
    if not dates:
        raise DomainError(_("No meeting date falls between the first and the last date."), field="ends_on")
    if len(dates) > MAX_SERIES_MEETINGS:
        raise DomainError(
            _("A series plans at most %(n)d meetings; choose an earlier last date.") % {"n": MAX_SERIES_MEETINGS},
            field="ends_on",
        )
    series = MeetingSeries.objects.create(
        org=org,
        kind=kind,
        title=(title or "").strip() or str(MeetingKind(kind).label),
        frequency=frequency,
        day_of_month=day_of_month if frequency == Frequency.MONTHLY else None,
        weekday=weekday if frequency == Frequency.WEEKLY else None,
        starts_on=starts_on,
        ends_on=ends_on,
        start_time=start_time,
        duration_minutes=duration_minutes,
        holiday_rule=holiday_rule,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="meeting.series_plan",
        obj=series,
        org_path=org.path,
        changes={"dates": [None, [day.isoformat() for day in dates]], "holiday_rule": [None, holiday_rule]},
    )
    tz = timezone.get_current_timezone()
    planned = []
    for day in dates:
        starts_at = dt.datetime.combine(day, start_time, tzinfo=tz)
        meeting = _new_meeting(
            actor=actor,
            org=org,
            series=series,
            kind=kind,
            title=series.title,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
            **fields,
        )
        if publish:
            _publish(actor=actor, meeting=meeting, announce=False)
        planned.append(meeting)
    if publish:
        notify.series_published(series, planned, actor=actor)
    scope.ensure_in_scope(actor, "meeting.manage", series)
    return series


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, **fields) -> Meeting:
    """Change a meeting not yet over; attendees of a published meeting are told what changed."""
    scope.require(actor, "meeting.manage", meeting)
    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ConflictError(_("A cancelled meeting cannot be changed."), code="meeting_cancelled")
    if meeting.ends_at < timezone.now():
        raise ConflictError(_("This meeting is over; record corrections in its minutes."), code="meeting_over")
    before = audit.snapshot(meeting, AUDIT_FIELDS)
    unknown = set(fields) - {name.removesuffix("_id") for name in EDITABLE} - set(EDITABLE)
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.title = (meeting.title or "").strip() or str(MeetingKind(meeting.kind).label)
    _clean(meeting)
    meeting.save()
    changes = audit.changed_fields(before, audit.snapshot(meeting, AUDIT_FIELDS))
    if not changes:
        return meeting
    audit.record(actor=actor, action="meeting.update", obj=meeting, org_path=meeting.org.path, changes=changes)
    if meeting.status == MeetingStatus.PUBLISHED:
        if "kind" in changes and not meeting.checkins.exists():
            _store_attendees(meeting)
        notify.meeting_changed(meeting, actor=actor)
    scope.ensure_in_scope(actor, "meeting.manage", meeting)
    return meeting


@transaction.atomic
def meeting_publish(*, actor, meeting: Meeting) -> Meeting:
    """Fix the expected attendees and notify them."""
    scope.require(actor, "meeting.manage", meeting)
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.DRAFT:
        raise ConflictError(_("Only a draft meeting can be published."), code="not_draft")
    if meeting.ends_at < timezone.now():
        raise ConflictError(_("This meeting is already over."), code="meeting_over")
    _publish(actor=actor, meeting=meeting)
    if not meeting.attendees.exists():
        raise DomainError(
            _("Nobody is expected at this meeting: the organisation has no active member (or no committee)."),
            code="no_attendees",
        )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    scope.require(actor, "meeting.manage", meeting)
    meeting = _locked(meeting)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for cancelling, for the attendees."), field="reason")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting is already cancelled."), code="meeting_cancelled")
    if meeting.starts_at <= timezone.now():
        raise ConflictError(_("A meeting that has started cannot be cancelled."), code="meeting_started")
    was_published = meeting.status == MeetingStatus.PUBLISHED
    old = meeting.status
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason[:300]
    meeting.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="meeting.cancel",
        obj=meeting,
        org_path=meeting.org.path,
        changes={"status": [old, MeetingStatus.CANCELLED], "reason": [None, meeting.cancel_reason]},
    )
    if was_published:
        notify.meeting_cancelled(meeting, actor=actor)
    return meeting


@transaction.atomic
def meeting_close(*, actor, meeting: Meeting) -> list[MakeUpTask]:
    """After the meeting: everyone still expected is absent; absentees and members on leave get a
    make-up study task. Running it twice changes nothing the second time."""
    scope.require(actor, "meeting.manage", meeting)
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise ConflictError(_("Only a published meeting can be closed."), code="not_published")
    if meeting.starts_at > timezone.now():
        raise ConflictError(_("The meeting has not started yet."), code="not_started")
    absent = meeting.attendees.filter(status=AttendeeStatus.EXPECTED)
    absent_count = absent.update(status=AttendeeStatus.ABSENT)
    have = set(meeting.makeups.values_list("member_id", flat=True))
    tasks = [
        MakeUpTask(
            meeting=meeting,
            member_id=row.member_id,
            reason=MakeUpReason.LEAVE if row.status == AttendeeStatus.LEAVE else MakeUpReason.ABSENT,
        )
        for row in meeting.attendees.filter(status__in=[AttendeeStatus.ABSENT, AttendeeStatus.LEAVE]).only(
            "member_id", "status"
        )
        if row.member_id not in have
    ]
    MakeUpTask.objects.bulk_create(tasks)
    audit.record(
        actor=actor,
        action="meeting.close",
        obj=meeting,
        org_path=meeting.org.path,
        changes={"absent": [None, absent_count], "makeup_tasks": [None, len(tasks)]},
    )
    tasks = list(
        MakeUpTask.objects.filter(meeting=meeting, member_id__in=[t.member_id for t in tasks]).select_related("member")
    )
    notify.makeups_assigned(tasks, meeting=meeting, actor=actor)
    return tasks


@transaction.atomic
def decision_record(
    *,
    actor,
    meeting: Meeting,
    text: str,
    votes_for: int | None = None,
    votes_against: int | None = None,
    abstentions: int | None = None,
) -> Decision:
    """Record a resolution with the quorum as it stands now; one taken without a quorum is
    recorded and flagged (``quorum_met`` False), never silently accepted."""
    scope.require(actor, "meeting.manage", meeting)
    meeting = _locked(meeting)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Enter the resolution."), field="text")
    if meeting.status != MeetingStatus.PUBLISHED or meeting.starts_at > timezone.now():
        raise ConflictError(_("Decisions are recorded at a published meeting that has started."), code="not_started")
    quorum = quorum_of(meeting)
    votes = [v for v in (votes_for, votes_against, abstentions) if v is not None]
    if any(v < 0 for v in votes):
        raise DomainError(_("Vote counts cannot be negative."), field="votes_for")
    if votes and sum(votes) > quorum.present:
        raise DomainError(
            _("%(n)d votes were counted but only %(p)d members with a vote are present.")
            % {"n": sum(votes), "p": quorum.present},
            code="too_many_votes",
            field="votes_for",
        )
    decision = Decision.objects.create(
        meeting=meeting,
        text=text,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        body_size=quorum.body,
        present=quorum.present,
        quorum_met=quorum.met if quorum.required else True,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="meeting.decision",
        obj=meeting,
        org_path=meeting.org.path,
        changes={
            "decision": [None, decision.pk],
            "quorum": [None, f"{quorum.present}/{quorum.body}"],
            "quorum_met": [None, decision.quorum_met],
        },
    )
    return decision
