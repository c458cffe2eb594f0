"""Points on the ground: great-circle distance and the service area's bounding box."""

from __future__ import annotations

import math
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import DomainError

EARTH_RADIUS_M = 6_371_008.8
# Mainland China's bounding box; a deployment narrows it to its district (DANGJIAN_SERVICE_AREA).
DEFAULT_AREA = (18.0, 73.5, 53.6, 135.1)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance in metres between two WGS-84/GCJ-02 points (the sphere is exact enough at city scale)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def service_area() -> tuple[float, float, float, float]:
    """(south, west, north, east) of the area this installation serves."""
    area = getattr(settings, "DANGJIAN_SERVICE_AREA", None)
    return tuple(area) if area else DEFAULT_AREA  # type: ignore[return-value]


def check_point(latitude, longitude, *, field: str = "latitude") -> tuple[Decimal, Decimal] | None:
    """Both coordinates or neither; inside the service area; rounded to 6 decimals (about 0.1 m)."""
    if latitude in (None, "") and longitude in (None, ""):
        return None
    if latitude in (None, "") or longitude in (None, ""):
        raise DomainError(_("Give both latitude and longitude, or neither."), code="invalid_location", field=field)
    try:
        lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    except ArithmeticError:
        raise DomainError(_("The location is not a valid point."), code="invalid_location", field=field) from None
    if not (lat.is_finite() and lng.is_finite()):
        raise DomainError(_("The location is not a valid point."), code="invalid_location", field=field)
    south, west, north, east = service_area()
    if not (south <= lat <= north and west <= lng <= east):
        raise DomainError(
            _("The location is outside the area this service covers."), code="outside_service_area", field=field
        )
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))
