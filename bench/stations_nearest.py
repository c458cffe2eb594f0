"""Nearest-station search and grid routing at district scale.

Creates BENCH_STATIONS (5,000) stations and BENCH_GRIDS (1,000) grid squares around one city in a
throw-away database (SQLite in a temp dir, or BENCH_DATABASE_URL naming a database that starts with
"bench"), then times ``stations.selectors.nearest`` (haversine in Python after an indexed
bounding-box filter, radius = the policy's 30 km) and ``reports.services.grid_for_point``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal

STATIONS = int(os.environ.get("BENCH_STATIONS", "5000"))
GRIDS = int(os.environ.get("BENCH_GRIDS", "1000"))
CENTRE = (30.2741, 120.1551)
AMENITIES = [
    "water",
    "charging",
    "microwave",
    "rest",
    "toilet",
    "first_aid",
    "umbrella",
    "storage",
    "canteen",
    "advice",
]


def _setup() -> None:
    from bench.audit_chain import _setup_django

    _setup_django()
    from dangjian.reports.models import Grid
    from dangjian.stations.models import Station

    Station.objects.all().delete()
    Grid.objects.all().delete()


def _seed(rng: random.Random):
    from dangjian.orgs import services as org_services
    from dangjian.orgs.models import PartyOrganisation
    from dangjian.reports.models import Grid
    from dangjian.stations.models import Station

    org = PartyOrganisation.objects.filter(code="BENCH-ST").first() or org_services.org_create(
        actor=None, parent=None, name="基准测试区", code="BENCH-ST", kind="committee", category="comprehensive"
    )
    stations = []
    for i in range(STATIONS):
        lat = Decimal(CENTRE[0] + rng.uniform(-0.45, 0.45)).quantize(Decimal("0.000001"))
        lng = Decimal(CENTRE[1] + rng.uniform(-0.55, 0.55)).quantize(Decimal("0.000001"))
        opens = dt.time(rng.choice([0, 7, 8, 9])) if rng.random() < 0.6 else None
        stations.append(
            Station(
                name=f"驿站{i:05d}",
                kind="rider_station",
                address="某路",
                latitude=lat,
                longitude=lng,
                opens_at=opens,
                closes_at=dt.time(rng.choice([18, 21, 23])) if opens else None,
                amenities=sorted(rng.sample(AMENITIES, rng.randint(2, 7))),
                org=org,
            )
        )
    Station.objects.bulk_create(stations, batch_size=1000)
    side = int(GRIDS**0.5)
    step_lat, step_lng = 0.9 / side, 1.1 / side
    grids = []
    for r in range(side):
        for c in range(side):
            s, w = CENTRE[0] - 0.45 + r * step_lat, CENTRE[1] - 0.55 + c * step_lng
            polygon = [[s, w], [s, w + step_lng], [s + step_lat, w + step_lng], [s + step_lat, w]]
            grids.append(
                Grid(
                    name=f"网格{r}-{c}",
                    org=org,
                    polygon=polygon,
                    min_lat=s,
                    max_lat=s + step_lat,
                    min_lng=w,
                    max_lng=w + step_lng,
                )
            )
    Grid.objects.bulk_create(grids, batch_size=1000)


def _time(call, points) -> tuple[float, float]:
    timings = []
    for lat, lng in points:
        started = time.perf_counter()
        call(lat, lng)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    _setup()
    from django.db import connection
    from django.utils import timezone

    from dangjian.reports.services import grid_for_point
    from dangjian.stations.selectors import nearest

    rng = random.Random(8)
    _seed(rng)
    now = timezone.now()
    points = [(CENTRE[0] + rng.uniform(-0.3, 0.3), CENTRE[1] + rng.uniform(-0.3, 0.3)) for _ in range(50)]
    rows = [
        ("nearest 50, no filter", lambda lat, lng: nearest(latitude=lat, longitude=lng, now=now, radius_km=30)),
        (
            "nearest 50, water+charging, open now",
            lambda lat, lng: nearest(
                latitude=lat, longitude=lng, now=now, radius_km=30, amenities=["water", "charging"], open_now=True
            ),
        ),
        ("nearest 50 within 3 km", lambda lat, lng: nearest(latitude=lat, longitude=lng, now=now, radius_km=3)),
        ("grid containing a point", grid_for_point),
    ]
    print(f"\n== stations_nearest on {connection.vendor}: {STATIONS:,} stations, {GRIDS:,} grids, 50 points each")
    print(f"{'operation':<42}{'median ms':>11}{'p95 ms':>9}")
    for name, call in rows:
        median, p95 = _time(call, points)
        print(f"{name:<42}{median:>11.1f}{p95:>9.1f}")
