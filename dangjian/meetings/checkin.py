"""Check-in: the member scans the meeting's rotating code on their own logged-in phone, or the
secretary scans the member's personal code or ticks them by hand (recorded with the method).

A member is checked in at most once: the unique constraint on (meeting, member) decides between
concurrent requests, and a repeated request answers with the first check-in (idempotent). The
check-in row, the attendee's status and the audit entry are written together or not at all."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, fastsql, geo, scope
from dangjian.core.errors import DomainError
from dangjian.members import codes as member_codes
from dangjian.members.models import Member

from . import codes
from .choices import AttendeeStatus, CheckInMethod, MeetingMode, MeetingStatus
from .codes import CheckInRefused
from .models import Attendee, CheckIn, Meeting

OPENS_BEFORE = dt.timedelta(minutes=30)
# The secretary may still record presence (a member code scanned late, a tick) shortly after the end.
RECORDING_GRACE = dt.timedelta(hours=2)
_MEETING_FIELDS = (
    "id",
    "org_id",
    "kind",
    "mode",
    "status",
    "starts_at",
    "ends_at",
    "latitude",
    "longitude",
    "geofence_m",
    "late_after_minutes",
    "checkin_key",
)


def check_open(meeting: Meeting, now: dt.datetime, *, grace: dt.timedelta = dt.timedelta(0)) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise CheckInRefused(_("This meeting was cancelled."), code="cancelled")
    if meeting.status != MeetingStatus.PUBLISHED:
        raise CheckInRefused(_("This meeting has not been published."), code="not_published")
    if now < meeting.starts_at - OPENS_BEFORE:
        raise CheckInRefused(_("Check-in opens 30 minutes before the meeting starts."), code="not_open")
    if now > meeting.ends_at + grace:
        raise CheckInRefused(_("This meeting is over; check-in is closed."), code="closed")


def _attendee(meeting: Meeting, **member_lookup) -> Attendee:
    """The meeting's attendee row of the member given by one lookup (``user=`` or ``pk=``), with
    the member loaded. Every check-in makes it: SQL built once (core.fastsql), not per call."""
    ((key, value),) = member_lookup.items()
    column = Member._meta.pk.column if key == "pk" else Member._meta.get_field(key).column
    value = getattr(value, "pk", value)
    attendee = fastsql.first_where(Attendee, "member", own={"meeting_id": meeting.pk}, related={column: value})
    if attendee is None:
        raise CheckInRefused(
            _("You are not on the list of expected attendees of this meeting. Ask the secretary."),
            code="not_attendee",
        )
    return attendee


def _existing(meeting: Meeting, member_id: int) -> CheckIn:
    return CheckIn.objects.get(meeting=meeting, member_id=member_id)


def _record(
    *,
    actor,
    meeting: Meeting,
    attendee: Attendee,
    method: str,
    now: dt.datetime,
    point: tuple[Decimal, Decimal] | None = None,
    distance: int | None = None,
) -> tuple[CheckIn, bool]:
    """Insert the check-in, mark the attendee present and audit, in one transaction; a second
    request (repeated or concurrent) finds the first check-in and changes nothing."""
    if attendee.status == AttendeeStatus.PRESENT:
        return _existing(meeting, attendee.member_id), False
    if attendee.status == AttendeeStatus.ABSENT:
        raise CheckInRefused(
            _("Attendance of this meeting was closed and %(name)s was recorded absent.")
            % {"name": attendee.member.name},
            code="attendance_closed",
        )
    late = now > meeting.starts_at + dt.timedelta(minutes=meeting.late_after_minutes)
    row = CheckIn(
        meeting=meeting,
        member_id=attendee.member_id,
        method=method,
        at=now,
        late=late,
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        distance_m=distance,
        recorded_by=actor,
    )
    entry = audit.prepare(
        actor=actor,
        action="meeting.checkin",
        object_type="meetings.attendee",
        object_id=str(attendee.pk),
        object_repr=f"{attendee.member.name} @ {meeting.pk}",
        org_path=meeting.org.path,
        changes={
            "meeting": [None, meeting.pk],
            "member": [None, attendee.member_id],
            "method": [None, method],
            "late": [None, late],
            "distance_m": [None, distance],
        },
    )
    if connection.vendor == "postgresql":
        created = _insert_one_statement(row, attendee, entry)
    else:
        created = _insert_orm(row, attendee, entry)
    if not created:  # the concurrent twin won the unique constraint: answer with its check-in
        return _existing(meeting, attendee.member_id), False
    return row, True


def _insert_orm(row: CheckIn, attendee: Attendee, entry) -> bool:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            Attendee.objects.filter(pk=attendee.pk).update(status=AttendeeStatus.PRESENT)
            entry.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _insert_one_statement(row: CheckIn, attendee: Attendee, entry) -> bool:
    """PostgreSQL: the check-in, the attendee's status and the audit entry in ONE statement
    (data-modifying CTEs), so one round trip and one implicit transaction: the attendee update and
    the audit row happen exactly when the insert does (ON CONFLICT DO NOTHING for the twin).
    At 10,000 check-ins a minute the round trips, not Python, are the cost (docs/performance.md)."""
    checkin_table = CheckIn._meta.db_table
    attendee_table = Attendee._meta.db_table
    audit_table = type(entry)._meta.db_table
    sql = f"""
        WITH ins AS (
            INSERT INTO {checkin_table}
                (meeting_id, member_id, method, at, late, latitude, longitude, distance_m, recorded_by_id)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (meeting_id, member_id) DO NOTHING
            RETURNING id
        ), upd AS (
            UPDATE {attendee_table} SET status = %s WHERE id = %s AND EXISTS (SELECT 1 FROM ins) RETURNING id
        ), aud AS (
            INSERT INTO {audit_table} (created_at, actor_id, actor_label, action, object_type, object_id,
                object_repr, org_path, changes, request_id, client_ip, digest)
            SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s FROM ins
            RETURNING id
        )
        SELECT id FROM ins
    """  # noqa: S608 table names come from the models' own metadata, every value is a parameter
    params = [
        row.meeting_id,
        row.member_id,
        row.method,
        row.at,
        row.late,
        row.latitude,
        row.longitude,
        row.distance_m,
        row.recorded_by_id,
        AttendeeStatus.PRESENT.value,
        attendee.pk,
        timezone.now(),
        entry.actor_id,
        entry.actor_label,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.org_path,
        json.dumps(entry.changes, ensure_ascii=False),
        entry.request_id,
        entry.client_ip,
        entry.digest,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return False
    row.pk = found[0]
    return True


def _geofence(meeting: Meeting, latitude, longitude) -> tuple[tuple[Decimal, Decimal] | None, int | None]:
    if meeting.geofence_m is None or meeting.mode != MeetingMode.OFFLINE:
        try:
            point = geo.check_point(latitude, longitude)
        except DomainError:  # a location is optional here: a bad one is simply not stored
            point = None
        return point, None
    if latitude in (None, "") or longitude in (None, ""):
        raise CheckInRefused(
            _("This meeting checks where you are. Allow the page to use your location and try again."),
            code="location_needed",
        )
    point = geo.check_point(latitude, longitude)
    distance = round(
        geo.haversine_m(float(meeting.latitude), float(meeting.longitude), float(point[0]), float(point[1]))
    )
    if distance > meeting.geofence_m:
        raise CheckInRefused(
            _("You are %(d)d metres from the meeting place; check-in is only possible within %(r)d metres.")
            % {"d": distance, "r": meeting.geofence_m},
            code="outside_geofence",
        )
    return point, distance


def meeting_for_code(token: str, *, now_ts: float | None = None) -> Meeting:
    """The meeting a valid, current check-in code belongs to (one query), else CheckInRefused."""
    meeting_id, window, tag = codes.parse(token)
    meeting = Meeting.objects.select_related("org").only(*_MEETING_FIELDS, "org__path").filter(pk=meeting_id).first()
    if meeting is None:
        raise CheckInRefused(_("This check-in code is not valid. Scan the code shown at the meeting."), code="forged")
    codes.verify(meeting, window, tag, now=now_ts)
    return meeting


def checkin_by_code(
    *, actor, token: str, latitude=None, longitude=None, now: dt.datetime | None = None
) -> tuple[CheckIn, bool]:
    """The member (``actor``, logged in) scanned the code shown at the meeting. Returns the
    check-in and whether it is new (False: the member was already checked in)."""
    now = now or timezone.now()
    meeting = meeting_for_code(token, now_ts=now.timestamp())
    check_open(meeting, now)
    attendee = _attendee(meeting, user=actor)
    if attendee.status == AttendeeStatus.PRESENT:
        return _existing(meeting, attendee.member_id), False
    point, distance = _geofence(meeting, latitude, longitude)
    return _record(
        actor=actor,
        meeting=meeting,
        attendee=attendee,
        method=CheckInMethod.QR,
        now=now,
        point=point,
        distance=distance,
    )


def checkin_by_member_code(
    *, actor, meeting: Meeting, token: str, now: dt.datetime | None = None
) -> tuple[CheckIn, bool]:
    """The secretary scanned the member's personal code (一人一码) at the meeting."""
    scope.require(actor, "meeting.checkin", meeting)
    now = now or timezone.now()
    check_open(meeting, now, grace=RECORDING_GRACE)
    member = member_codes.code_scan(actor=actor, token=token).member
    attendee = _attendee(meeting, pk=member.pk)
    return _record(actor=actor, meeting=meeting, attendee=attendee, method=CheckInMethod.MEMBER_CODE, now=now)


def checkin_manual(*, actor, meeting: Meeting, member: Member, now: dt.datetime | None = None) -> tuple[CheckIn, bool]:
    """The secretary ticked a member present by hand (a member without a phone, a failed scan)."""
    scope.require(actor, "meeting.checkin", meeting)
    now = now or timezone.now()
    check_open(meeting, now, grace=RECORDING_GRACE)
    attendee = _attendee(meeting, pk=member.pk)
    return _record(actor=actor, meeting=meeting, attendee=attendee, method=CheckInMethod.MANUAL, now=now)
