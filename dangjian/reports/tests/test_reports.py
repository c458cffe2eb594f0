"""Snap-and-report: routing to the grid containing the point, near-duplicates linked, photos
stripped, closure with after photos, the reporter told and paid in points, scope, pages."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry
from dangjian.demands.sms import MemoryBackend
from dangjian.points.selectors import balance
from dangjian.reports import services
from dangjian.reports.models import Report, ReportPhoto

NOW = dt.datetime(2026, 11, 23, 4, tzinfo=dt.UTC)
SQUARE_A = [[30.20, 120.10], [30.20, 120.20], [30.30, 120.20], [30.30, 120.10]]
SQUARE_B = [[30.20, 120.20], [30.20, 120.30], [30.30, 120.30], [30.30, 120.20]]
SMALL_A = [[30.24, 120.14], [30.24, 120.16], [30.26, 120.16], [30.26, 120.14]]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DANGJIAN_SMS_BACKEND = "dangjian.demands.sms.MemoryBackend"
    MemoryBackend.outbox.clear()


@pytest.fixture
def grids(tree):
    return {
        "a": services.grid_create(actor=None, org=tree.street_a, name="东街网格", polygon=SQUARE_A),
        "b": services.grid_create(actor=None, org=tree.branch_b, name="西街网格", polygon=SQUARE_B),
        "small": services.grid_create(actor=None, org=tree.branch_a, name="湖滨小网格", polygon=SMALL_A),
    }


@pytest.fixture
def rider(tree):
    return make_user(username="rider", home_org=tree.group_a, mobile="13912345678")


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 200, 30))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_point_in_polygon():
    assert services.point_in_polygon(30.25, 120.15, SQUARE_A)
    assert not services.point_in_polygon(30.25, 120.25, SQUARE_A)
    triangle = [[0.0, 0.0], [0.0, 10.0], [10.0, 0.0]]
    assert services.point_in_polygon(2.0, 2.0, triangle) and not services.point_in_polygon(6.0, 6.0, triangle)


def test_grid_validation(tree):
    with pytest.raises(DomainError):
        services.grid_create(actor=None, org=tree.street_a, name="x", polygon=[[30.2, 120.1], [30.3, 120.1]])
    with pytest.raises(DomainError) as exc:
        services.grid_create(actor=None, org=tree.street_a, name="x", polygon=[[1, 1], [1, 2], [2, 2]])
    assert exc.value.code == "outside_service_area"
    secretary = make_user("secretary", tree.street_a)
    with pytest.raises(NotFoundError):
        services.grid_create(actor=secretary, org=tree.street_a, name="x", polygon=SQUARE_A)


def test_routing_to_the_smallest_grid(tree, grids, rider):
    a = services.report_submit(actor=rider, category="street_light", latitude="30.22", longitude="120.12", now=NOW)
    small = services.report_submit(actor=rider, category="road_hazard", latitude="30.25", longitude="120.15", now=NOW)
    b = services.report_submit(actor=rider, category="road_hazard", latitude="30.25", longitude="120.25", now=NOW)
    outside = services.report_submit(actor=rider, category="other", latitude="31.00", longitude="121.00", now=NOW)
    assert [(r.grid, r.org) for r in (a, small, b, outside)] == [
        (grids["a"], tree.street_a),
        (grids["small"], tree.branch_a),
        (grids["b"], tree.branch_b),
        (None, tree.group_a),
    ]
    with pytest.raises(DomainError) as exc:
        services.report_submit(actor=rider, category="other", latitude="10.0", longitude="120.0")
    assert exc.value.code == "outside_service_area"
    with pytest.raises(DomainError):
        services.report_submit(actor=rider, category="other", latitude=None, longitude=None)


def test_near_duplicates_are_linked_not_lost(grids, rider, tree):
    other = make_user(username="rider2", home_org=tree.group_a)
    first = services.report_submit(
        actor=rider, category="street_light", latitude="30.220000", longitude="120.120000", now=NOW
    )
    near = services.report_submit(
        actor=other,
        category="street_light",
        latitude="30.220300",
        longitude="120.120000",
        now=NOW + dt.timedelta(days=2),
    )  # 33 m away
    third = services.report_submit(
        actor=other,
        category="street_light",
        latitude="30.220350",
        longitude="120.120100",
        now=NOW + dt.timedelta(days=3),
    )
    far = services.report_submit(
        actor=other, category="street_light", latitude="30.221000", longitude="120.120000", now=NOW
    )
    other_kind = services.report_submit(
        actor=other, category="road_hazard", latitude="30.220000", longitude="120.120000", now=NOW
    )
    late = services.report_submit(
        actor=other,
        category="street_light",
        latitude="30.220000",
        longitude="120.120000",
        now=NOW + dt.timedelta(days=11),
    )
    assert near.duplicate_of == first and third.duplicate_of == first
    assert (far.duplicate_of, other_kind.duplicate_of, late.duplicate_of) == (None, None, None)
    assert Report.objects.count() == 6


def test_grid_member_reports_are_marked(grids, rider):
    services.grid_member_enrol(actor=rider, grid=grids["small"])
    with pytest.raises(ConflictError):
        services.grid_member_enrol(actor=rider, grid=grids["small"])
    inside = services.report_submit(actor=rider, category="other", latitude="30.25", longitude="120.15")
    elsewhere = services.report_submit(actor=rider, category="other", latitude="30.25", longitude="120.25")
    assert inside.by_grid_member and not elsewhere.by_grid_member


def test_close_with_photos_points_and_message(tree, grids, rider, django_capture_on_commit_callbacks):
    handler = make_user("secretary", tree.street_a)
    report = services.report_submit(
        actor=rider,
        category="street_light",
        latitude="30.25",
        longitude="120.15",
        photo=SimpleUploadedFile("a.jpg", _jpeg_with_gps()),
        now=NOW,
    )
    duplicate = services.report_submit(
        actor=make_user(username="r3", home_org=tree.group_a),
        category="street_light",
        latitude="30.2501",
        longitude="120.15",
        now=NOW,
    )
    assert (
        AuditEntry.objects.get(action="report.submit", object_id=str(report.pk)).changes["photo_location_stripped"]
        is True
    )
    before = ReportPhoto.objects.get(report=report)
    with before.image.open("rb") as f, Image.open(f) as img:
        assert not img.getexif()
    services.report_start(actor=handler, report=report)
    with pytest.raises(ConflictError):
        services.report_start(actor=handler, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_close(
            actor=handler,
            report=report,
            resolution="已更换灯泡",
            photo=SimpleUploadedFile("b.jpg", _jpeg_with_gps()),
            now=NOW,
        )
    report.refresh_from_db()
    duplicate.refresh_from_db()
    assert (report.status, duplicate.status, duplicate.resolution) == ("closed", "closed", "已更换灯泡")
    assert list(report.photos.values_list("stage", flat=True)) == ["after", "before"]
    assert balance(rider) == 5 and balance(duplicate.reporter) == 0
    assert MemoryBackend.outbox == [("13912345678", "您的随手拍（路灯损坏）已处理：已更换灯泡")]
    with pytest.raises(ConflictError):
        services.report_close(actor=handler, report=report, resolution="再次关闭")


def test_scope_of_handling(tree, grids, rider):
    report = services.report_submit(actor=rider, category="other", latitude="30.25", longitude="120.25")  # grid b
    with pytest.raises(NotFoundError):
        services.report_close(actor=make_user("secretary", tree.street_a), report=report, resolution="处理")
    with pytest.raises(ScopeDenied):
        services.report_close(actor=make_user("committee_member", tree.street_b), report=report, resolution="处理")


def test_pages(tree, grids, rider, login_as, django_assert_max_num_queries):
    client = login_as(rider)
    assert client.get("/reports/new").status_code == 200
    r = client.post(
        "/reports/new",
        {
            "category": "blocked_lane",
            "latitude": "30.25",
            "longitude": "120.15",
            "photo": SimpleUploadedFile("a.jpg", _jpeg_with_gps()),
        },
    )
    assert r.status_code == 302
    r = client.post("/reports/new", {"category": "blocked_lane", "photo": SimpleUploadedFile("a.gif", b"GIF89a")})
    assert r.status_code == 200 and Report.objects.count() == 1
    with django_assert_max_num_queries(10):
        html = client.get("/reports/mine").content.decode()
    assert "通道堵塞" in html
    photo = ReportPhoto.objects.get()
    assert client.get(f"/reports/photos/{photo.pk}.jpg").status_code == 200
    stranger = login_as(make_user(username="x", home_org=tree.branch_b))
    assert stranger.get(f"/reports/photos/{photo.pk}.jpg").status_code == 404
    handler = login_as(make_user("secretary", tree.street_a))
    with django_assert_max_num_queries(10):
        assert "通道堵塞" in handler.get("/reports/").content.decode()
    report = Report.objects.get()
    assert handler.get(f"/reports/{report.pk}/").status_code == 200
    r = handler.post(f"/reports/{report.pk}/", {"form": "close", "resolution": "已清理"})
    assert r.status_code == 302 and Report.objects.get().status == "closed"
    assert client.get("/reports/grids/").status_code == 200
    assert client.post(f"/reports/grids/{grids['a'].pk}/enrol").status_code == 302


def test_api(tree, grids, rider, login_as, django_assert_max_num_queries):
    client = login_as(rider)
    r = client.post(
        "/api/v1/reports",
        {
            "category": "road_hazard",
            "latitude": "30.25",
            "longitude": "120.15",
            "photo": SimpleUploadedFile("a.jpg", _jpeg_with_gps()),
        },
    )
    assert r.status_code == 201 and r.json()["grid_id"] == grids["small"].pk and len(r.json()["photos"]) == 1
    bad = client.post("/api/v1/reports", {"category": "road_hazard", "latitude": "10", "longitude": "120.15"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "outside_service_area"
    bad = client.post("/api/v1/reports", {"category": "x", "latitude": "30.25", "longitude": "120.15"})
    assert bad.status_code == 422
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/reports/mine").json()["count"] == 1
    assert client.get("/api/v1/reports").status_code == 403
    handler = login_as(make_user("secretary", tree.street_a))
    with django_assert_max_num_queries(10):
        assert handler.get("/api/v1/reports").json()["count"] == 1
    report_id = r.json()["id"]
    closed = handler.post(f"/api/v1/reports/{report_id}/close", {"resolution": "已设置警示牌"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    outsider = login_as(make_user("secretary", tree.street_b))
    assert outsider.post(f"/api/v1/reports/{report_id}/close", {"resolution": "x"}).status_code == 404
    admin = login_as(make_user("org_admin", tree.street_a))
    g = admin.post(
        "/api/v1/reports/grids",
        {"org_id": tree.street_a.pk, "name": "新网格", "polygon": SQUARE_A},
        content_type="application/json",
    )
    assert g.status_code == 201
    assert client.post(f"/api/v1/reports/grids/{g.json()['id']}/enrol").status_code == 204
