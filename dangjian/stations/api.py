"""Stations over the JSON API (tag ``stations``). Searching and reading stations is public."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from dangjian.accounts.models import User
from dangjian.core import policy, scope
from dangjian.core.api import ERROR_RESPONSES
from dangjian.core.errors import NotFoundError
from dangjian.orgs.models import PartyOrganisation

from . import selectors, services
from .choices import Amenity, StationKind
from .models import Station

router = Router()


class StationOut(Schema):
    id: int
    name: str
    kind: StationKind
    address: str
    latitude: Decimal
    longitude: Decimal
    open_days: str
    opens_at: dt.time | None
    closes_at: dt.time | None
    amenities: list[Amenity]
    phone: str
    notes: str
    org_id: int
    org_name: str
    active: bool
    open_now: bool
    distance_m: int | None = None
    photos: list[str] = []


class StationPage(Schema):
    items: list[StationOut]
    count: int


class NearFilters(Schema):
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    kind: StationKind | None = None
    amenity: list[Amenity] = []
    open_now: bool = False
    limit: int = Field(50, ge=1, le=200)


class StationFields(Schema):
    name: str | None = Field(None, max_length=120)
    kind: StationKind | None = None
    address: str | None = Field(None, max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    open_days: str | None = Field(None, max_length=7)
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    amenities: list[Amenity] | None = None
    phone: str | None = Field(None, max_length=30)
    notes: str | None = Field(None, max_length=300)
    manager_id: int | None = None
    active: bool | None = None
    org_id: int | None = None


class StationCreateIn(StationFields):
    name: str = Field(max_length=120)
    kind: StationKind
    address: str = Field(max_length=200)
    latitude: Decimal
    longitude: Decimal
    org_id: int


def _out(station: Station, now: dt.datetime, distance: float | None = None, photos: bool = False) -> dict:
    data = {name: getattr(station, name) for name in StationOut.model_fields if hasattr(station, name)}
    data["org_name"] = station.org.name
    data["open_now"] = station.is_open(now)
    data["distance_m"] = round(distance) if distance is not None else None
    data["photos"] = [reverse("stations:photo", args=[p.pk]) for p in station.photos.all()] if photos else []
    return data


def _data(request, payload: Schema) -> dict:
    data = payload.model_dump(exclude_unset=True)
    org_id = data.pop("org_id", None)
    if org_id is not None:
        data["org"] = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=org_id)
    if "manager_id" in data:
        manager_id = data.pop("manager_id")
        data["manager"] = User.objects.filter(pk=manager_id).first() if manager_id else None
        if manager_id and data["manager"] is None:
            raise NotFoundError(_not_found(), field="manager_id")
    if data.get("amenities") is not None:
        data["amenities"] = [str(a) for a in data["amenities"]]
    return data


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("Not found, or outside the organisations you manage.")


@router.get("", auth=None, response={200: StationPage, **ERROR_RESPONSES}, summary="Stations, nearest first (public)")
def search(request, filters: Query[NearFilters]):
    now = timezone.now()
    located = filters.lat is not None and filters.lng is not None
    found = selectors.nearest(
        latitude=filters.lat if located else None,
        longitude=filters.lng if located else None,
        now=now,
        kind=filters.kind or "",
        amenities=[str(a) for a in filters.amenity],
        open_now=filters.open_now,
        radius_km=policy.value("stations.search_radius_km"),
        limit=filters.limit,
    )
    org_names = dict(
        PartyOrganisation.objects.filter(pk__in={f.station.org_id for f in found}).values_list("pk", "name")
    )
    items = [_out_light(f.station, f.open_now, f.distance_m, org_names) for f in found]
    return {"items": items, "count": len(items)}


def _out_light(station: Station, open_now: bool, distance: float | None, org_names: dict) -> dict:
    data = {name: getattr(station, name) for name in StationOut.model_fields if hasattr(station, name)}
    data.update(
        org_name=org_names.get(station.org_id, ""),
        open_now=open_now,
        distance_m=round(distance) if distance is not None else None,
        photos=[],
    )
    return data


@router.get("/{int:station_id}", auth=None, response={200: StationOut, **ERROR_RESPONSES}, summary="A station (public)")
def get_station(request, station_id: int):
    station = (
        Station.objects.select_related("org").prefetch_related("photos").filter(pk=station_id, active=True).first()
    )
    if station is None:
        raise NotFoundError(_not_found())
    return _out(station, timezone.now(), photos=True)


def _reload(station_id: int) -> Station:
    return Station.objects.select_related("org").prefetch_related("photos").get(pk=station_id)


@router.post("", response={201: StationOut, **ERROR_RESPONSES}, summary="Set up a station")
def create_station(request, payload: StationCreateIn):
    station = services.station_create(actor=request.user, **_data(request, payload))
    return Status(201, _out(_reload(station.pk), timezone.now(), photos=True))


@router.patch("/{int:station_id}", response={200: StationOut, **ERROR_RESPONSES}, summary="Update a station")
def update_station(request, station_id: int, payload: StationFields):
    station = scope.get_in_scope(request.user, "station.view", Station, pk=station_id)
    services.station_update(actor=request.user, station=station, **_data(request, payload))
    return _out(_reload(station_id), timezone.now(), photos=True)


@router.post(
    "/{int:station_id}/photos",
    response={201: StationOut, **ERROR_RESPONSES},
    summary="Add a photo (JPEG, PNG or WebP; re-encoded without EXIF or location)",
)
def add_photo(request, station_id: int, photo: File[UploadedFile], caption: Form[str] = ""):
    station = scope.get_in_scope(request.user, "station.view", Station, pk=station_id)
    services.station_photo_add(actor=request.user, station=station, photo=photo, caption=caption)
    return Status(201, _out(_reload(station_id), timezone.now(), photos=True))
