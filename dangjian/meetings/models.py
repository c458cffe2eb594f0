"""Organisational life (组织生活, DOMAIN §4): meetings, their expected attendees, check-in, leave,
make-up study and the decisions taken."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    AttendeeStatus,
    CheckInMethod,
    FeedOwner,
    Frequency,
    HolidayRule,
    LeaveStatus,
    MakeUpReason,
    MeetingKind,
    MeetingMode,
    MeetingStatus,
)


class MeetingSeries(models.Model):
    """A recurring plan (e.g. the themed party day on the 15th of every month). Each occurrence is
    a :class:`Meeting` row created when the series is planned; the rule is kept for the record."""

    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=120)
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices)
    day_of_month = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"), null=True, blank=True)
    starts_on = models.DateField(_("first date"))
    ends_on = models.DateField(_("last date"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    holiday_rule = models.CharField(
        _("on a rest day"), max_length=10, choices=HolidayRule.choices, default=HolidayRule.NEXT_WORKDAY
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="series_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(frequency="monthly", day_of_month__gte=1, day_of_month__lte=31)
                | models.Q(frequency="weekly", weekday__gte=0, weekday__lte=6),
                name="series_rule_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """One meeting of an organisation (三会一课, themed party day, ...). Published meetings have
    their expected attendees stored as :class:`Attendee` rows so that check-in and quorum are exact.
    ``checkin_key`` signs the rotating check-in code of this meeting only."""

    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="meetings"
    )
    series = models.ForeignKey(
        MeetingSeries,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    mode = models.CharField(_("mode"), max_length=10, choices=MeetingMode.choices, default=MeetingMode.OFFLINE)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT, db_index=True
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    geofence_m = models.PositiveIntegerField(
        _("check-in radius (metres)"),
        null=True,
        blank=True,
        help_text=_("Members must be within this distance of the place to check in. Empty: no check."),
    )
    online_link = models.URLField(_("meeting link"), max_length=500, blank=True, default="")
    host = models.ForeignKey(
        "members.Member", verbose_name=_("host"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        "members.Member",
        verbose_name=_("recorder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lecturer = models.ForeignKey(
        "members.Member",
        verbose_name=_("lecturer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lecturer_name = models.CharField(_("lecturer (if not a member here)"), max_length=50, blank=True, default="")
    agenda = models.TextField(_("agenda"), max_length=4000, blank=True, default="")
    late_after_minutes = models.PositiveSmallIntegerField(_("late after (minutes past the start)"), default=10)
    checkin_key = models.CharField(_("check-in key"), max_length=64, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["org", "starts_at"], name="meeting_org_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="meeting_location_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(geofence_m__isnull=True) | models.Q(latitude__isnull=False),
                name="meeting_geofence_needs_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {timezone.localtime(self.starts_at):%Y-%m-%d}"


class Attendee(models.Model):
    """An expected attendee, fixed when the meeting is published (and refreshed while it is not yet
    held). ``has_vote`` is False for probationary members and members flowing in from elsewhere;
    ``in_committee`` marks the committee members counted for a committee meeting's quorum."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendees")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="meeting_attendances"
    )
    has_vote = models.BooleanField(_("has a vote"))
    is_flowing_in = models.BooleanField(_("flowing member from elsewhere"), default=False)
    in_committee = models.BooleanField(_("committee member"), default=False)
    status = models.CharField(
        _("attendance"), max_length=10, choices=AttendeeStatus.choices, default=AttendeeStatus.EXPECTED
    )
    absence_reason = models.CharField(_("reason for absence"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("expected attendee")
        verbose_name_plural = _("expected attendees")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendee_once_per_meeting"),
        ]
        indexes = [models.Index(fields=["member", "meeting"], name="attendee_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}"


class CheckIn(models.Model):
    """A member's presence at a meeting, recorded once (the unique constraint makes a second,
    concurrent or repeated check-in a no-op). ``method`` says how: the member scanned the rotating
    code, the secretary scanned the member's code, or ticked the member by hand."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="checkins")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="meeting_checkins"
    )
    method = models.CharField(_("method"), max_length=12, choices=CheckInMethod.choices)
    at = models.DateTimeField(_("checked in at"), default=timezone.now)
    late = models.BooleanField(_("late"), default=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance from the place (metres)"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["meeting", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="checkin_once_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}"


class LeaveRequest(models.Model):
    """A member's request for leave (请假) with a reason, asked before the meeting and decided by
    the secretary. One open or approved request per member and meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="leaves")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="meeting_leaves"
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="leave_one_open_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}: {self.status}"


class MakeUpTask(models.Model):
    """Make-up study (补学) for a member who was on leave or absent: done when the member records
    what they studied."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="makeups")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="makeup_tasks"
    )
    reason = models.CharField(_("because"), max_length=10, choices=MakeUpReason.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    content = models.TextField(_("what was studied"), max_length=4000, blank=True, default="")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("make-up study")
        verbose_name_plural = _("make-up studies")
        ordering = ["completed_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="makeup_once_per_meeting"),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True) | ~models.Q(content=""),
                name="makeup_done_has_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}"


class Decision(models.Model):
    """A resolution taken at a meeting, with the quorum as it stood when recorded. ``quorum_met``
    False flags a decision taken without a quorum (the minutes show it)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("resolution"), max_length=2000)
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    abstentions = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    body_size = models.PositiveIntegerField(_("members counted for the quorum"))
    present = models.PositiveIntegerField(_("of them present"))
    quorum_met = models.BooleanField(_("quorum met"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(present__lte=models.F("body_size")), name="decision_present_le_body"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class CalendarFeed(models.Model):
    """A private iCalendar feed of a member's or an organisation's meetings. Only the SHA-256 of the
    token is stored; revoking keeps the row (a new token is a new row)."""

    owner_kind = models.CharField(_("feed of"), max_length=10, choices=FeedOwner.choices)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_kind="member", member__isnull=False, org__isnull=True)
                | models.Q(owner_kind="org", org__isnull=False, member__isnull=True),
                name="feed_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(revoked_at__isnull=True, member__isnull=False),
                name="feed_one_live_per_member",
            ),
            models.UniqueConstraint(
                fields=["org"],
                condition=models.Q(revoked_at__isnull=True, org__isnull=False),
                name="feed_one_live_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_kind} {self.member_id or self.org_id}"
