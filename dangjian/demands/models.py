"""The demand list (需求清单), triage rules, the working-day calendar, and the resource and project
lists (资源清单 / 项目清单). Contact mobiles are stored only encrypted, with a keyed blind index."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Category, DemandStatus, EventKind, ResourceKind

MOBILE_CONTEXT = "demands.demand.mobile"
CODE_CONTEXT = "demands.sms_code"


class Resource(models.Model):
    """A service offered by a department, company or association (resource), or a time-boxed
    project. Public: workers browse them without logging in."""

    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices, default=ResourceKind.RESOURCE)
    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    provider = models.CharField(_("provider"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    area = models.CharField(_("area"), max_length=100, blank=True, default="")
    contact = models.CharField(_("contact"), max_length=100, blank=True, default="")
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="resources"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["category", "title", "id"]
        indexes = [models.Index(fields=["category", "area"], name="resource_category_area_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="resource_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TriageRule(models.Model):
    """Sends new demands of a category (and area) raised under ``org`` to ``assignee``. The most
    specific rule wins: deepest organisation, then a named category, then a named area."""

    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("region"), on_delete=models.CASCADE, related_name="triage_rules"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True, default="")
    area = models.CharField(_("area contains"), max_length=100, blank=True, default="")
    assignee = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("assign to"), on_delete=models.CASCADE, related_name="+"
    )
    department = models.CharField(_("partner department"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("triage rule")
        verbose_name_plural = _("triage rules")
        ordering = ["org__path", "category", "area", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "category", "area"], name="triage_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display() or '*'} {self.area or '*'} → {self.assignee}"


class CalendarDay(models.Model):
    """An exception to "Monday to Friday are working days": a public holiday on a weekday
    (``is_workday`` False) or a weekend working day (调休, ``is_workday`` True)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True, default="")

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Demand(models.Model):
    """A worker's request or complaint. ``org`` is the organisation responsible now: the one whose
    QR code took it in until triage, then the assignee. Anyone holding ``tracking_code`` sees its
    public progress; nobody else outside the responsible subtree sees it at all."""

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"))
    area = models.CharField(_("location"), max_length=100, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True, default="")
    mobile_enc = models.TextField(_("mobile number (encrypted)"), blank=True, default="")
    mobile_bidx = models.CharField(_("mobile number index"), max_length=100, blank=True, default="", db_index=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True, default="")
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
    )
    source = models.CharField(_("submitted at"), max_length=120, blank=True, default="")
    intake_org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    department = models.CharField(_("partner department"), max_length=100, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.NEW, db_index=True
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("matched resource"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
    )
    first_response_due = models.DateField(_("first response due"))
    resolution_due = models.DateField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True, default="")
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalated_to = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "status"], name="demand_org_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="demand_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.get_category_display()}"

    @property
    def tracking_display(self) -> str:
        code = self.tracking_code
        return f"{code[:4]}-{code[4:8]}-{code[8:]}"

    def overdue(self, today) -> str:
        """ "response", "resolution" or "" — which SLA clock has run out on ``today``."""
        if self.status in (DemandStatus.ANSWERED, DemandStatus.CLOSED):
            return ""
        if self.first_response_at is None and today > self.first_response_due:
            return "response"
        if today > self.resolution_due:
            return "resolution"
        return ""


class DemandEvent(models.Model):
    """One step of a demand's history. ``public`` steps appear on the tracking page."""

    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    note = models.TextField(_("note"), blank=True, default="")
    public = models.BooleanField(_("shown to the worker"), default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("demand event")
        verbose_name_plural = _("demand events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.kind}"


class MobileVerification(models.Model):
    """A code sent to a mobile (through the SMS backend) so a worker without an account can
    submit. Only keyed digests are stored: of the mobile (to rate-limit) and of mobile+code."""

    mobile_bidx = models.CharField(_("mobile number index"), max_length=100, db_index=True)
    code_digest = models.CharField(_("code digest"), max_length=120)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mobile verification")
        verbose_name_plural = _("mobile verifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.created_at:%Y-%m-%d %H:%M}"


def _photo_path(instance, filename: str) -> str:
    return f"demands/{instance.demand_id}/{filename}"


class DemandPhoto(models.Model):
    """A photo sent with a demand, re-encoded on upload (no EXIF, no location); shown only to those
    who may view the demand."""

    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=_photo_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("demand photo")
        verbose_name_plural = _("demand photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} #{self.pk}"


class AssistSession(models.Model):
    """代办: a station manager or secretary acts for a worker who cannot use a phone, for a limited
    time, after the worker agreed in person at the station. Everything done in the session is
    audited as done on the worker's behalf."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="assist_sessions"
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acting person"), on_delete=models.PROTECT, related_name="+"
    )
    worker_name = models.CharField(_("worker's name"), max_length=50)
    mobile_enc = models.TextField(_("mobile number (encrypted)"))
    mobile_bidx = models.CharField(_("mobile number index"), max_length=100, db_index=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11)
    consent_note = models.CharField(_("how the worker agreed"), max_length=200)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assisted session")
        verbose_name_plural = _("assisted sessions")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.worker_name} @ {self.station_id}"

    def is_active(self, now) -> bool:
        return self.ended_at is None and now < self.expires_at
