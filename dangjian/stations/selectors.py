"""Reads of stations: the public nearest-first search (computed here, no map needed) and the
scoped list of stations a user manages."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import QuerySet

from dangjian.core import geo, scope

from .models import Station


@dataclass
class Found:
    station: Station
    distance_m: float | None
    open_now: bool

    @property
    def distance_label(self) -> str:
        if self.distance_m is None:
            return ""
        return f"{self.distance_m:.0f} m" if self.distance_m < 1000 else f"{self.distance_m / 1000:.1f} km"


def nearest(
    *,
    latitude: float | None,
    longitude: float | None,
    now: dt.datetime,
    kind: str = "",
    amenities: list[str] | tuple[str, ...] = (),
    open_now: bool = False,
    radius_km: float | None = None,
    limit: int = 50,
) -> list[Found]:
    """Active stations, nearest first from the point (by name when no point is given), with distance
    and open-now; ``amenities`` must all be offered. The circle grows (2, 6, 18 … km up to
    ``radius_km``) until it holds ``limit`` matches: those are then the nearest ones, and a dense city
    reads a few rows instead of every station of the district."""
    if latitude is None or longitude is None or not radius_km:
        return _search(
            latitude=latitude,
            longitude=longitude,
            now=now,
            kind=kind,
            amenities=amenities,
            open_now=open_now,
            radius_km=radius_km,
            limit=limit,
        )
    radius = min(2.0, radius_km)
    while True:
        found = _search(
            latitude=latitude,
            longitude=longitude,
            now=now,
            kind=kind,
            amenities=amenities,
            open_now=open_now,
            radius_km=radius,
            limit=limit,
        )
        if len(found) >= limit or radius >= radius_km:
            return found
        radius = min(radius * 3, radius_km)


def _search(
    *,
    latitude: float | None,
    longitude: float | None,
    now: dt.datetime,
    kind: str = "",
    amenities: list[str] | tuple[str, ...] = (),
    open_now: bool = False,
    radius_km: float | None = None,
    limit: int = 50,
) -> list[Found]:
    """One query (a bounding box when there is a point and a radius), then the exact haversine circle."""
    stations = Station.objects.filter(active=True)
    if kind:
        stations = stations.filter(kind=kind)
    located = latitude is not None and longitude is not None
    if located and radius_km:
        # A bounding box first (indexed), the exact circle below.
        dlat = radius_km / 111.32
        dlng = radius_km / (111.32 * max(math.cos(math.radians(latitude)), 0.01))
        stations = stations.filter(
            latitude__gte=latitude - dlat,
            latitude__lte=latitude + dlat,
            longitude__gte=longitude - dlng,
            longitude__lte=longitude + dlng,
        )
    wanted = set(amenities)
    found = []
    for station in stations.order_by("name", "id"):
        if wanted and not wanted <= set(station.amenities):
            continue
        is_open = station.is_open(now)
        if open_now and not is_open:
            continue
        distance = (
            geo.haversine_m(latitude, longitude, float(station.latitude), float(station.longitude)) if located else None
        )
        if located and radius_km and distance > radius_km * 1000:
            continue
        found.append(Found(station, distance, is_open))
    if located:
        found.sort(key=lambda f: (f.distance_m, f.station.name, f.station.pk))
    return found[:limit]


def managed(user) -> QuerySet[Station]:
    return scope.restrict(user, "station.view", model=Station).select_related("org", "manager").order_by("name", "id")
