"""Stations: validation, nearest-first search with distance, open-now and amenities, scope,
photos sniffed and stripped of EXIF, pages and API with query budgets."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import make_user
from dangjian.core import geo
from dangjian.core.errors import DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry
from dangjian.stations import selectors, services
from dangjian.stations.models import Station, StationPhoto

# West Lake area, Hangzhou. 0.001° of latitude is about 111 m.
HOME = (30.2500, 120.1600)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DANGJIAN_MAP_TILE_URL = ""


def station(org, name, lat, lng, **extra):
    data = {"kind": "rider_station", "address": "某路1号", "amenities": ["water", "charging"]}
    data.update(extra)
    return services.station_create(actor=None, org=org, name=name, latitude=lat, longitude=lng, **data)


@pytest.fixture
def stations(tree):
    return {
        "near": station(tree.branch_a, "湖滨小哥驿站", "30.2510", "120.1600"),
        "mid": station(
            tree.branch_a,
            "武林暖新驿站",
            "30.2600",
            "120.1600",
            kind="warm_station",
            amenities=["water", "microwave", "toilet"],
            opens_at=dt.time(9),
            closes_at=dt.time(18),
            open_days="12345",
        ),
        "far": station(tree.branch_b, "西溪小哥食堂", "30.2800", "120.1600", kind="canteen", amenities=["canteen"]),
        "night": station(
            tree.branch_b,
            "夜班驿站",
            "30.2550",
            "120.1600",
            opens_at=dt.time(20),
            closes_at=dt.time(6),
            amenities=["rest"],
        ),
    }


def test_haversine_is_exact_enough():
    assert round(geo.haversine_m(30.25, 120.16, 30.26, 120.16)) == 1112
    assert round(geo.haversine_m(39.9042, 116.4074, 31.2304, 121.4737) / 1000) == 1067


def test_nearest_first_with_distances(stations):
    noon = dt.datetime(2026, 11, 23, 12, tzinfo=SHANGHAI)  # a Monday
    found = selectors.nearest(latitude=HOME[0], longitude=HOME[1], now=noon)
    assert [(f.station.name, round(f.distance_m)) for f in found] == [
        ("湖滨小哥驿站", 111),
        ("夜班驿站", 556),
        ("武林暖新驿站", 1112),
        ("西溪小哥食堂", 3336),
    ]
    assert [f.open_now for f in found] == [True, False, True, True]
    unlocated = selectors.nearest(latitude=None, longitude=None, now=noon)
    assert len(unlocated) == 4 and {f.distance_m for f in unlocated} == {None}
    within = selectors.nearest(latitude=HOME[0], longitude=HOME[1], now=noon, radius_km=2)
    assert [f.station.name for f in within] == ["湖滨小哥驿站", "夜班驿站", "武林暖新驿站"]


def test_filters_open_now_and_amenities(stations):
    saturday_noon = dt.datetime(2026, 11, 28, 12, tzinfo=SHANGHAI)
    names = lambda **kw: [f.station.name for f in selectors.nearest(latitude=HOME[0], longitude=HOME[1], **kw)]  # noqa: E731
    assert names(now=saturday_noon, open_now=True) == ["湖滨小哥驿站", "西溪小哥食堂"]
    assert names(now=saturday_noon, amenities=["water"]) == ["湖滨小哥驿站", "武林暖新驿站"]
    assert names(now=saturday_noon, amenities=["water", "microwave"]) == ["武林暖新驿站"]
    assert names(now=saturday_noon, kind="canteen") == ["西溪小哥食堂"]
    # Past midnight the night station is still open (it opened the evening before).
    assert names(now=dt.datetime(2026, 11, 24, 2, tzinfo=SHANGHAI), open_now=True, amenities=["rest"]) == ["夜班驿站"]
    assert names(now=dt.datetime(2026, 11, 24, 7, tzinfo=SHANGHAI), open_now=True, amenities=["rest"]) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "bar"}, "kind"),
        ({"latitude": "10.0"}, "latitude"),
        ({"amenities": ["sauna"]}, "amenities"),
        ({"opens_at": dt.time(9)}, "closes_at"),
        ({"open_days": "089"}, "open_days"),
    ],
)
def test_bad_station_input(tree, kwargs, field):
    data = {"name": "驿站", "kind": "rider_station", "address": "某路", "latitude": "30.25", "longitude": "120.16"}
    data.update(kwargs)
    with pytest.raises(DomainError) as exc:
        services.station_create(actor=None, org=tree.branch_a, **data)
    assert field in exc.value.fields and Station.objects.count() == 0


def test_scope_of_station_changes(tree, stations):
    manager = make_user("station_manager", tree.branch_a)
    s = services.station_update(actor=manager, station=stations["near"], phone="0571-12345678", amenities=["water"])
    assert s.phone == "0571-12345678" and s.amenities == ["water"]
    assert AuditEntry.objects.filter(action="station.update", actor_id=manager.pk).count() == 1
    with pytest.raises(NotFoundError):
        services.station_update(actor=manager, station=stations["far"], phone="1")
    with pytest.raises(ScopeDenied):
        services.station_create(
            actor=manager,
            org=tree.branch_a,
            name="新站",
            kind="canteen",
            address="路",
            latitude="30.2",
            longitude="120.1",
        )
    secretary = make_user("secretary", tree.street_a)
    s = services.station_update(actor=secretary, station=stations["near"], manager=manager)
    assert s.manager == manager
    other = make_user("station_manager", tree.branch_b)
    with pytest.raises(DomainError) as exc:
        services.station_update(actor=secretary, station=stations["near"], manager=other)
    assert exc.value.fields.keys() == {"manager"}


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_reencoded_without_exif(tree, stations):
    raw = _jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as original:
        assert original.getexif().get_ifd(0x8825)
    photo = services.station_photo_add(
        actor=None, station=stations["near"], photo=SimpleUploadedFile("a.jpg", raw, "image/jpeg")
    )
    with photo.image.open("rb") as stored, Image.open(stored) as cleaned:
        assert cleaned.format == "JPEG" and (cleaned.width, cleaned.height) == (64, 48)
        assert not cleaned.getexif()
    assert AuditEntry.objects.get(action="station.photo_add").changes["location_stripped"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a" + b"\x00" * 100, "不是照片"),
        (b"%PDF-1.4 not an image", "不是照片"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "无法读取"),
        (b"\xff\xd8\xff" + b"\x00" * (9 * 1024 * 1024), "大于"),
    ],
)
def test_bad_uploads_are_refused(tree, stations, content, message):
    with pytest.raises(DomainError) as exc:
        services.station_photo_add(actor=None, station=stations["near"], photo=SimpleUploadedFile("x.jpg", content))
    assert exc.value.fields.keys() == {"photo"} and message in exc.value.message
    assert StationPhoto.objects.count() == 0


def test_pixel_bomb_is_refused(tree, stations):
    # A tiny PNG that declares 10000 × 10000 pixels: refused from the header, never decoded.
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, format="PNG", optimize=True)
    with pytest.raises(DomainError) as exc:
        services.station_photo_add(
            actor=None, station=stations["near"], photo=SimpleUploadedFile("b.png", out.getvalue())
        )
    assert "像素" in exc.value.message


def test_public_page_lists_nearest_without_tiles(client, stations, django_assert_max_num_queries):
    # The policy, then one query per growing circle (2, 6, 18, 30 km) while fewer than 50 match.
    with django_assert_max_num_queries(5):
        response = client.get(f"/stations/?lat={HOME[0]}&lng={HOME[1]}&amenity=water")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        html.index("湖滨小哥驿站") < html.index("武林暖新驿站")
        and "西溪小哥食堂" not in html.split("station-map-data")[-1].split("</ol>")[0]
    )
    assert "111 m" in html and "1.1 km" in html
    assert "leaflet.js" not in html
    assert client.get("/stations/?lat=abc&lng=").status_code == 200


def test_public_page_with_tiles_loads_leaflet(client, stations, settings):
    settings.DANGJIAN_MAP_TILE_URL = "https://tiles.example.cn/{z}/{x}/{y}.png"
    html = client.get("/stations/").content.decode()
    assert "vendor/leaflet/leaflet.js" in html and "tiles.example.cn" in html


def test_station_detail_and_photo(client, stations, django_assert_max_num_queries):
    services.station_photo_add(
        actor=None, station=stations["near"], photo=SimpleUploadedFile("a.jpg", _jpeg_with_gps(), "image/jpeg")
    )
    with django_assert_max_num_queries(4):
        response = client.get(f"/stations/{stations['near'].pk}/")
    html = response.content.decode()
    assert "饮用水" in html and f"/demands/new/{stations['near'].org_id}/" in html
    photo = StationPhoto.objects.get()
    image = client.get(f"/stations/photos/{photo.pk}.jpg")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    services.station_update(actor=None, station=stations["near"], active=False)
    assert client.get(f"/stations/{stations['near'].pk}/").status_code == 404
    assert client.get(f"/stations/photos/{photo.pk}.jpg").status_code == 404


def test_api_search_and_change(client, tree, stations, login_as, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        body = client.get(f"/api/v1/stations?lat={HOME[0]}&lng={HOME[1]}&amenity=water&amenity=charging").json()
    assert [(i["name"], i["distance_m"]) for i in body["items"]] == [("湖滨小哥驿站", 111)]
    assert body["items"][0]["org_name"] == "骑手党支部"
    assert client.get("/api/v1/stations?lat=95&lng=1").status_code == 422
    manager = make_user("station_manager", tree.branch_a)
    api = login_as(manager)
    r = api.patch(
        f"/api/v1/stations/{stations['near'].pk}",
        {"opens_at": "08:00", "closes_at": "22:00"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["opens_at"] == "08:00:00"
    r = api.patch(f"/api/v1/stations/{stations['far'].pk}", {"phone": "1"}, content_type="application/json")
    assert r.status_code == 404
    r = api.post(
        f"/api/v1/stations/{stations['near'].pk}/photos", {"photo": SimpleUploadedFile("x.gif", b"GIF89a....")}
    )
    assert r.status_code == 400 and r.json()["error"]["fields"].keys() == {"photo"}
    r = api.post(
        f"/api/v1/stations/{stations['near'].pk}/photos", {"photo": SimpleUploadedFile("a.jpg", _jpeg_with_gps())}
    )
    assert r.status_code == 201 and len(r.json()["photos"]) == 1
    secretary = make_user("secretary", tree.street_a)
    r = login_as(secretary).post(
        "/api/v1/stations",
        {
            "org_id": tree.branch_a.pk,
            "name": "新驿站",
            "kind": "canteen",
            "address": "某路2号",
            "latitude": "30.3",
            "longitude": "120.2",
            "amenities": ["canteen"],
        },
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["amenities"] == ["canteen"]


def test_manage_pages(tree, stations, login_as, django_assert_max_num_queries):
    secretary = make_user("secretary", tree.street_a)
    client = login_as(secretary)
    with django_assert_max_num_queries(8):
        html = client.get("/stations/manage/").content.decode()
    assert "湖滨小哥驿站" in html and "西溪小哥食堂" not in html
    assert client.get(f"/stations/{stations['near'].pk}/edit").status_code == 200
    assert client.get(f"/stations/{stations['far'].pk}/edit").status_code == 404
    r = client.post(
        "/stations/new",
        {
            "org": tree.branch_a.pk,
            "name": "新驿站",
            "kind": "rider_station",
            "address": "某路3号",
            "latitude": "30.3",
            "longitude": "120.2",
            "open_days": ["1", "2"],
            "amenities": ["water"],
            "active": "on",
        },
    )
    assert r.status_code == 302
    assert Station.objects.get(name="新驿站").open_days == "12"


def test_hub_is_public(db, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        html = client.get("/services/").content.decode()
    assert "附近的驿站" in html and "/demands/track/" in html


def test_growing_circle_finds_the_true_nearest(tree):
    # 60 stations on a line going north 100 m apart: the nearest 50 need the circle to grow past 2 km.
    for i in range(60):
        station(tree.branch_a, f"站{i:02d}", f"{30.2000 + i * 0.0009:.6f}", "120.100000")
    noon = dt.datetime(2026, 11, 23, 12, tzinfo=SHANGHAI)
    found = selectors.nearest(latitude=30.2, longitude=120.1, now=noon, radius_km=30)
    assert [f.station.name for f in found] == [f"站{i:02d}" for i in range(50)]
    assert round(found[-1].distance_m) == 4904
    assert [
        f.station.name for f in selectors.nearest(latitude=30.2, longitude=120.1, now=noon, radius_km=30, limit=3)
    ] == ["站00", "站01", "站02"]
