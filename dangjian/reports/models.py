"""Snap-and-report (随手拍): grids (网格) owned by organisations, rider grid members (骑士网格员),
reports of public problems routed to the grid containing the point, and their photos."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import PhotoStage, ReportCategory, ReportStatus


class Grid(models.Model):
    """A grid cell: a polygon of (latitude, longitude) vertices owned by an organisation. The bounding
    box columns let the point-in-polygon test run only on the few grids that can contain a point."""

    name = models.CharField(_("name"), max_length=100)
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="grids"
    )
    polygon = models.JSONField(_("boundary"))
    min_lat = models.FloatField()
    max_lat = models.FloatField()
    min_lng = models.FloatField()
    max_lng = models.FloatField()
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["min_lat", "max_lat", "min_lng", "max_lng"], name="grid_bbox_idx")]

    def __str__(self) -> str:
        return self.name


class GridMember(models.Model):
    """A worker enrolled as an informant for a grid (骑士网格员)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="grid_memberships"
    )
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="members")
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        constraints = [models.UniqueConstraint(fields=["user", "grid"], name="grid_member_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.grid}"


class Report(models.Model):
    """A public problem reported by a worker. ``org`` handles it: the grid's organisation, or the
    reporter's home organisation when no grid contains the point. ``duplicate_of`` links a report
    made of the same problem nearby within days to the first one."""

    category = models.CharField(_("category"), max_length=20, choices=ReportCategory.choices)
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="reports"
    )
    by_grid_member = models.BooleanField(_("by a grid member"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("same problem as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    resolution = models.CharField(_("what was done"), max_length=500, blank=True, default="")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["category", "created_at"], name="report_category_time_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"


def _photo_path(instance, filename: str) -> str:
    return f"reports/{instance.report_id}/{filename}"


class ReportPhoto(models.Model):
    """A photo before or after the fix, re-encoded on upload (no EXIF, no location)."""

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=10, choices=PhotoStage.choices)
    image = models.FileField(_("photo"), upload_to=_photo_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["stage", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.stage}"
