"""Volunteer activities (志愿服务活动): an organisation publishes an activity, workers sign up, and
the organiser checks each volunteer in by scanning their code on the day; the check-in earns the
activity's volunteer points once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActivityCategory(models.TextChoices):
    TRAFFIC_SAFETY = "traffic_safety", _("Traffic safety")
    COMMUNITY = "community", _("Community service")
    ENVIRONMENT = "environment", _("Environment")
    CARE = "care", _("Care for the elderly and children")
    STATION_DUTY = "station_duty", _("Station duty")
    EMERGENCY = "emergency", _("Emergency help")
    OTHER = "other", _("Other")


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", pgettext_lazy("activity status", "Open")
    CANCELLED = "cancelled", _("Cancelled")


class CheckInMethod(models.TextChoices):
    WORKER_CODE = "worker_code", _("Worker's points code")
    MEMBER_CODE = "member_code", _("Personal code (电子党员证)")


class Activity(models.Model):
    """A volunteer activity of ``org``. Every volunteer checked in earns ``points`` once (subject to
    the daily cap of volunteer points)."""

    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("what volunteers will do"), max_length=2000)
    category = models.CharField(_("category"), max_length=20, choices=ActivityCategory.choices)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=120)
    points = models.PositiveSmallIntegerField(_("volunteer points for taking part"))
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PUBLISHED, db_index=True
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(  # empty when the platform itself published it (demo data, imports)
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(points__gte=1, points__lte=100), name="activity_points_in_range"),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1), name="activity_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    """A worker's sign-up for an activity. Withdrawing keeps the row (with ``withdrawn_at``) so the
    organiser can see who changed their mind; signing up again reopens it."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="activity_signups"
    )
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="signup_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.user} → {self.activity}"


class Participation(models.Model):
    """A volunteer checked in at an activity by the organiser scanning their code. At most one per
    volunteer and activity (a database constraint, so two scans at once cannot both count)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="participations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="participations"
    )
    method = models.CharField(_("checked in with"), max_length=12, choices=CheckInMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    points_awarded = models.PositiveSmallIntegerField(_("points awarded"), default=0)
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["checked_in_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="participation_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.activity}"
