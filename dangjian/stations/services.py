"""Every write to stations and their photos: scope checked, validated, audited in one transaction."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.core import audit, geo, images, scope
from dangjian.core.errors import DomainError
from dangjian.orgs.models import PartyOrganisation

from .choices import Amenity, StationKind
from .models import ALL_DAYS, Station, StationPhoto

FIELDS = [
    "name",
    "kind",
    "address",
    "latitude",
    "longitude",
    "open_days",
    "opens_at",
    "closes_at",
    "amenities",
    "phone",
    "notes",
    "manager_id",
    "active",
]
_SETTABLE = {*FIELDS, "manager"} - {"manager_id"}


def _apply(actor, station: Station, data: dict) -> None:
    for key, value in data.items():
        if key not in _SETTABLE:
            raise DomainError(_("Unknown field %(f)s.") % {"f": key}, field=key)
        setattr(station, key, value.strip() if isinstance(value, str) else value)
    if not station.name:
        raise DomainError(_("Enter the station's name."), field="name")
    if station.kind not in StationKind.values:
        raise DomainError(_("Choose a valid value."), field="kind")
    if not station.address:
        raise DomainError(_("Enter the address."), field="address")
    point = geo.check_point(station.latitude, station.longitude)
    if point is None:
        raise DomainError(_("Give the station's position (latitude and longitude)."), field="latitude")
    station.latitude, station.longitude = point
    days = "".join(sorted(set(str(station.open_days or ""))))
    if not days or any(d not in ALL_DAYS for d in days):
        raise DomainError(_("Choose the days the station is open."), field="open_days")
    station.open_days = days
    if (station.opens_at is None) != (station.closes_at is None):
        raise DomainError(
            _("Give both the opening and the closing time, or neither (open all day)."), field="closes_at"
        )
    if station.opens_at is not None and station.opens_at == station.closes_at:
        raise DomainError(_("The closing time must differ from the opening time."), field="closes_at")
    amenities = list(dict.fromkeys(station.amenities or []))
    if any(a not in Amenity.values for a in amenities):
        raise DomainError(_("Choose a valid value."), field="amenities")
    station.amenities = [a for a in Amenity.values if a in amenities]  # canonical order


def _check_manager(station: Station) -> None:
    manager = station.manager
    if manager is not None and (not manager.is_active or not scope.can(manager, "station.change", station)):
        raise DomainError(
            _("The station manager must hold a role (such as station manager) in the managing organisation."),
            field="manager",
        )


def station_create(*, actor, org: PartyOrganisation, **data) -> Station:
    station = Station(org=org)
    scope.require(actor, "station.create", station)
    _apply(actor, station, data)
    _check_manager(station)
    with transaction.atomic():
        station.save()
        audit.record(
            actor=actor,
            action="station.create",
            obj=station,
            org_path=org.path,
            changes=audit.snapshot(station, FIELDS),
        )
    return station


def station_update(*, actor, station: Station, org: PartyOrganisation | None = None, **data) -> Station:
    scope.require(actor, "station.change", station)
    with transaction.atomic():
        station = Station.objects.select_for_update(of=("self",)).select_related("org", "manager").get(pk=station.pk)
        before = {**audit.snapshot(station, FIELDS), "org_id": station.org_id}
        if org is not None and org.pk != station.org_id:
            station.org = org
            scope.require(actor, "station.create", station)
        _apply(actor, station, data)
        _check_manager(station)
        station.save()
        scope.ensure_in_scope(actor, "station.change", station)
        audit.record(
            actor=actor,
            action="station.update",
            obj=station,
            org_path=station.org.path,
            changes=audit.changed_fields(before, {**audit.snapshot(station, FIELDS), "org_id": station.org_id}),
        )
    return station


def station_photo_add(*, actor, station: Station, photo, caption: str = "") -> StationPhoto:
    """Add a photo: type sniffed, size bounded, re-encoded without EXIF or location."""
    scope.require(actor, "station.change", station)
    clean = images.clean_photo(photo)
    with transaction.atomic():
        if station.photos.count() >= 12:
            raise DomainError(_("A station has at most 12 photos. Remove one first."), field="photo")
        item = StationPhoto(
            station=station,
            width=clean.width,
            height=clean.height,
            caption=(caption or "").strip()[:100],
            uploaded_by=actor,
        )
        item.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean.content), save=False)
        try:
            item.save()
            audit.record(
                actor=actor,
                action="station.photo_add",
                obj=station,
                org_path=station.org.path,
                changes={"photo": item.pk, "bytes": len(clean.content), "location_stripped": clean.had_location},
            )
        except Exception:
            item.image.delete(save=False)
            raise
    return item


def station_photo_delete(*, actor, photo: StationPhoto) -> None:
    station = photo.station
    scope.require(actor, "station.change", station)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="station.photo_delete",
            obj=station,
            org_path=station.org.path,
            changes={"photo": photo.pk},
        )
        name = photo.image.name
        photo.delete()
        transaction.on_commit(lambda: photo.image.storage.delete(name))
