from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeetingKind(models.TextChoices):
    """The kinds of organisational life (DOMAIN §4)."""

    BRANCH_GENERAL = "branch_general", _("Branch general meeting")
    COMMITTEE = "committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LECTURE = "lecture", _("Party lecture")
    THEMED_DAY = "themed_day", _("Themed party day")
    ORG_LIFE = "org_life", _("Organisational life meeting")
    HEART_TALK = "heart_talk", _("Heart-to-heart talk")


# Kinds whose decisions need a quorum, and whose body is counted: the general meeting counts the
# voting members present, the committee meeting the committee members present (DOMAIN §4).
QUORUM_KINDS = frozenset({MeetingKind.BRANCH_GENERAL, MeetingKind.COMMITTEE})


class MeetingMode(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Online and offline")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", pgettext_lazy("meeting status", "Published")
    CANCELLED = "cancelled", pgettext_lazy("meeting status", "Cancelled")


class HolidayRule(models.TextChoices):
    """What a recurring date that falls on a rest day becomes."""

    KEEP = "keep", _("Keep the date")
    NEXT_WORKDAY = "next", _("Move to the next working day")
    PREVIOUS_WORKDAY = "previous", _("Move to the previous working day")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly, on a day of the month")
    WEEKLY = "weekly", _("Weekly, on a weekday")


class AttendeeStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    PRESENT = "present", _("Present")
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("Scanned the meeting code")
    MEMBER_CODE = "member_code", _("Member code scanned by the secretary")
    MANUAL = "manual", _("Ticked by hand")


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("leave status", "Approved")
    REJECTED = "rejected", pgettext_lazy("leave status", "Rejected")


class MakeUpReason(models.TextChoices):
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")


class FeedOwner(models.TextChoices):
    MEMBER = "member", _("Member")
    ORG = "org", _("Organisation")
