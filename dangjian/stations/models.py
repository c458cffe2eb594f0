"""Service stations (服务资源地图): where workers can rest, charge, drink, eat and ask for advice."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Amenity, StationKind

ALL_DAYS = "1234567"


class Station(models.Model):
    """A station on the ground, managed by an organisation (and a station manager). Public: anyone
    may list and read stations; changes need ``station.change`` in the managing organisation's subtree."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=StationKind.choices)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    open_days = models.CharField(
        _("open on"), max_length=7, default=ALL_DAYS, help_text=_("ISO weekdays, 1 = Monday … 7 = Sunday")
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    phone = models.CharField(_("station phone"), max_length=30, blank=True, default="")
    notes = models.CharField(_("notes"), max_length=300, blank=True, default="")
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("managing organisation"),
        on_delete=models.PROTECT,
        related_name="stations",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("station manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_stations",
    )
    active = models.BooleanField(_("open to the public"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="station_lat_lng_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True, closes_at__isnull=True)
                | models.Q(opens_at__isnull=False, closes_at__isnull=False),
                name="station_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def always_open(self) -> bool:
        return self.opens_at is None and self.open_days == ALL_DAYS

    def is_open(self, at: dt.datetime) -> bool:
        """Open at local time ``at``. No hours means round the clock on the open days; a closing time
        before the opening time means the station is open past midnight (into the next day)."""
        local = timezone.localtime(at)
        day, now = str(local.isoweekday()), local.time()
        if self.opens_at is None:
            return day in self.open_days
        if self.opens_at <= self.closes_at:
            return day in self.open_days and self.opens_at <= now < self.closes_at
        previous = str((local - dt.timedelta(days=1)).isoweekday())
        return (day in self.open_days and now >= self.opens_at) or (previous in self.open_days and now < self.closes_at)

    def amenity_labels(self) -> list[str]:
        labels = dict(Amenity.choices)
        return [str(labels[a]) for a in self.amenities if a in labels]


def _photo_path(instance, filename: str) -> str:
    return f"stations/{instance.station_id}/{filename}"


class StationPhoto(models.Model):
    """A photo of a station, re-encoded on upload (no EXIF, no location)."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=_photo_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    caption = models.CharField(_("caption"), max_length=100, blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("station photo")
        verbose_name_plural = _("station photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.station} #{self.pk}"
