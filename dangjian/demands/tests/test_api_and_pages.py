"""Demands over the API and on pages: public intake and tracking, scoped staff lists, query budgets."""

import datetime as dt

import pytest

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.demands import services
from dangjian.demands.models import Demand
from dangjian.demands.tests.factories import demand, last_code


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


def test_public_api_intake_and_tracking(tree, client, _sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/demands/sms-code", {"mobile": "139 1234 5678"}, content_type="application/json")
    assert response.status_code == 204 and _sms_outbox[0][0] == "13912345678"
    payload = {
        "org_id": tree.branch_a.pk,
        "category": "rest",
        "description": "夜里找不到可以休息的地方",
        "mobile": "13912345678",
        "code": last_code(),
        "latitude": "30.25",
        "longitude": "120.16",
    }
    response = client.post("/api/v1/demands/submit", payload, content_type="application/json")
    assert response.status_code == 201
    code = response.json()["tracking_code"]
    body = client.get(f"/api/v1/demands/track/{code[:4]}-{code[4:8]}-{code[8:].lower()}").json()
    assert body["status"] == "new" and body["handled_by"] == "骑手党支部"
    assert [e["kind"] for e in body["events"]] == ["submitted"]
    assert "13912345678" not in str(body) and "139****5678" not in str(body)
    again = client.post("/api/v1/demands/submit", payload, content_type="application/json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_code"
    assert client.get("/api/v1/demands/track/AAAABBBBCCCC").status_code == 404


def test_public_api_validation(tree, client):
    response = client.post(
        "/api/v1/demands/submit",
        {"org_id": tree.branch_a.pk, "category": "nope", "description": "x", "mobile": "1", "code": "1"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "category" in response.json()["error"]["fields"]
    response = client.post("/api/v1/demands/sms-code", {"mobile": "12"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["fields"].keys() == {"mobile"}


def test_rate_and_reopen_through_api(tree, client, secretary):
    d = demand(tree.branch_a)
    assert (
        client.post(
            f"/api/v1/demands/track/{d.tracking_code}/rate", {"rating": 4}, content_type="application/json"
        ).status_code
        == 409
    )
    services.demand_resolve(actor=secretary, demand=d, answer="已协调解决")
    bad = client.post(f"/api/v1/demands/track/{d.tracking_code}/rate", {"rating": 9}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.post(f"/api/v1/demands/track/{d.tracking_code}/rate", {"rating": 4}, content_type="application/json")
    assert ok.json()["status"] == "closed" and ok.json()["rating"] == 4
    again = client.post(
        f"/api/v1/demands/track/{d.tracking_code}/reopen", {"reason": "其实还没有解决"}, content_type="application/json"
    )
    assert again.json()["status"] == "in_progress" and again.json()["rating"] is None


def test_staff_api_list_is_scoped_and_masked(tree, secretary, login_as, django_assert_max_num_queries):
    for i in range(3):
        demand(tree.branch_a, mobile=f"1391234567{i}")
    demand(tree.branch_b, mobile="13912345679")
    client = login_as(secretary)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/demands").json()
    assert body["count"] == 3
    assert {item["mobile_masked"] for item in body["items"]} == {"139****5670", "139****5671", "139****5672"}
    assert body["items"][0]["org_name"] == "骑手党支部" and body["items"][0]["overdue"] == ""
    outside = Demand.objects.get(org=tree.branch_b)
    assert client.get(f"/api/v1/demands/{outside.pk}").status_code == 404
    assert (
        client.post(
            f"/api/v1/demands/{outside.pk}/reply", {"note": "你好"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_staff_api_handling(tree, secretary, login_as):
    d = demand(tree.branch_a)
    client = login_as(secretary)
    r = client.post(
        f"/api/v1/demands/{d.pk}/assign",
        {"org_id": tree.group_a.pk, "department": "人社局"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["org_id"] == tree.group_a.pk and r.json()["status"] == "assigned"
    r = client.post(f"/api/v1/demands/{d.pk}/assign", {"org_id": tree.branch_b.pk}, content_type="application/json")
    assert r.status_code == 404
    r = client.post(f"/api/v1/demands/{d.pk}/reply", {"note": "收到"}, content_type="application/json")
    assert r.json()["status"] == "in_progress" and r.json()["first_response_at"]
    r = client.post(f"/api/v1/demands/{d.pk}/resolve", {"answer": "短"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["fields"].keys() == {"answer"}
    r = client.post(f"/api/v1/demands/{d.pk}/resolve", {"answer": "已协调平台解决"}, content_type="application/json")
    assert r.json()["status"] == "answered"
    resource = client.post(
        "/api/v1/demands/resources",
        {"org_id": tree.street_a.pk, "title": "法律门诊", "category": "legal", "provider": "区司法局"},
        content_type="application/json",
    )
    assert resource.status_code == 201
    r = client.post(
        f"/api/v1/demands/{d.pk}/match", {"resource_id": resource.json()["id"]}, content_type="application/json"
    )
    assert r.json()["resource_id"] == resource.json()["id"]


def test_rules_api(tree, login_as):
    admin = make_user("org_admin", tree.street_a)
    client = login_as(admin)
    r = client.post(
        "/api/v1/demands/rules",
        {"org_id": tree.street_a.pk, "assignee_id": tree.branch_a.pk, "category": "wages"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert [rule["category"] for rule in client.get("/api/v1/demands/rules").json()] == ["wages"]
    assert demand(tree.group_a).org == tree.branch_a
    assert client.delete(f"/api/v1/demands/rules/{r.json()['id']}").status_code == 204
    secretary = make_user("secretary", tree.street_a)
    assert login_as(secretary).get("/api/v1/demands/rules").status_code == 403


def test_public_resource_list(tree, client, secretary, django_assert_max_num_queries):
    services.resource_create(
        actor=secretary, org=tree.street_a, title="免费体检", category="health", provider="社区医院", area="东街道"
    )
    services.resource_create(
        actor=secretary, org=tree.street_a, title="技能培训", category="skills", provider="人社局", kind="project"
    )
    gone = services.resource_create(
        actor=secretary, org=tree.street_a, title="旧项目", category="skills", provider="人社局"
    )
    services.resource_update(actor=secretary, resource=gone, active=False)
    with django_assert_max_num_queries(2):
        body = client.get("/api/v1/demands/resources?category=health").json()
    assert [r["title"] for r in body["items"]] == ["免费体检"]
    assert client.get("/api/v1/demands/resources?kind=project").json()["items"][0]["title"] == "技能培训"
    with django_assert_max_num_queries(3):
        page = client.get("/demands/resources/?area=东街道")
    assert (
        "免费体检" in page.content.decode()
        and "技能培训" in page.content.decode()
        and "旧项目" not in page.content.decode()
    )


def test_intake_page_send_code_then_submit(tree, client, _sms_outbox, django_capture_on_commit_callbacks):
    url = f"/demands/new/{tree.branch_a.pk}/?at=东门小哥驿站"
    page = client.get(url)
    assert page.status_code == 200 and "骑手党支部" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"send": "1", "mobile": "13912345678"})
    assert sent.status_code == 200 and len(_sms_outbox) == 1
    response = client.post(
        url,
        {
            "category": "wages",
            "description": "工资被拖欠两个月",
            "mobile": "13912345678",
            "code": last_code(),
            "area": "东门",
        },
    )
    d = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/demands/t/{d.tracking_code}/"
    assert d.source == "东门小哥驿站"
    track = client.get(response["Location"])
    assert d.tracking_display in track.content.decode()
    assert client.get("/demands/track/?code=" + d.tracking_code.lower())["Location"] == response["Location"]


def test_intake_page_errors_in_chinese(tree, client):
    response = client.post(
        f"/demands/new/{tree.branch_a.pk}/",
        {"category": "wages", "description": "工资被拖欠", "mobile": "13912345678", "code": "123456"},
    )
    assert response.status_code == 200 and "验证码错误或已过期。" in response.content.decode()
    assert Demand.objects.count() == 0
    assert client.get("/demands/new/999999/").status_code == 404


def test_logged_in_worker_page(tree, login_as):
    worker = make_user(username="rider9", home_org=tree.branch_a)
    client = login_as(worker)
    page = client.get(f"/demands/new/{tree.branch_a.pk}/")
    assert 'name="code"' not in page.content.decode()
    response = client.post(
        f"/demands/new/{tree.branch_a.pk}/", {"category": "rest", "description": "附近没有歇脚的地方"}
    )
    assert response.status_code == 302 and Demand.objects.get().submitter == worker


def test_staff_pages(tree, secretary, login_as, django_assert_max_num_queries):
    for i in range(3):
        demand(tree.branch_a, mobile=f"1391234567{i}")
    demand(tree.branch_b, description="西街道的需求内容", mobile="13912345679")
    client = login_as(secretary)
    with django_assert_max_num_queries(12):
        page = client.get("/demands/")
    assert page.status_code == 200 and "西街道的需求内容" not in page.content.decode()
    d = Demand.objects.filter(org=tree.branch_a).first()
    with django_assert_max_num_queries(16):
        detail = client.get(f"/demands/{d.pk}/")
    assert "139****567" in detail.content.decode()
    r = client.post(f"/demands/{d.pk}/", {"form": "reply", "note": "收到，正在处理"})
    assert r.status_code == 302
    r = client.post(f"/demands/{d.pk}/", {"form": "resolve", "answer": "短"})
    assert r.status_code == 200 and "至少" in r.content.decode()
    outside = Demand.objects.get(org=tree.branch_b)
    assert client.get(f"/demands/{outside.pk}/").status_code == 404
    with django_assert_max_num_queries(10):
        assert client.get("/demands/alerts/").status_code == 200


def test_alert_list_shows_overdue(tree, secretary, login_as):
    old = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    late = demand(tree.branch_a, now=old)
    services.demands_escalate_overdue()
    body = login_as(secretary).get("/api/v1/demands/alerts").json()
    assert [item["id"] for item in body["items"]] == [late.pk]
    assert body["items"][0]["escalated_to_id"] == tree.street_a.pk and body["items"][0]["overdue"] == "response"


def test_committee_member_sees_but_cannot_answer(tree, login_as):
    committee = make_user("committee_member", tree.street_a)
    d = demand(tree.branch_a)
    client = login_as(committee)
    assert client.get(f"/demands/{d.pk}/").status_code == 200
    r = client.post(f"/api/v1/demands/{d.pk}/reply", {"note": "你好"}, content_type="application/json")
    assert r.status_code == 403
    assert not AuditEntry.objects.filter(action="demand.reply").exists()


def test_qr_code(tree, secretary, login_as, client):
    response = login_as(secretary).get(f"/demands/qr/{tree.branch_a.pk}.svg?at=驿站")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert login_as(secretary).get(f"/demands/qr/{tree.branch_b.pk}.svg").status_code == 404


def test_photo_with_a_demand_is_stripped_and_shown_to_handlers_only(
    tree, client, secretary, login_as, settings, tmp_path, django_capture_on_commit_callbacks
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    image = Image.new("RGB", (30, 20), (1, 2, 3))
    exif = Image.Exif()
    exif.get_ifd(0x8825)[1] = "N"
    raw = io.BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    url = f"/demands/new/{tree.branch_a.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"send": "1", "mobile": "13912345678"})
    response = client.post(
        url,
        {
            "category": "traffic",
            "description": "路口红绿灯坏了很危险",
            "mobile": "13912345678",
            "code": last_code(),
            "photo": SimpleUploadedFile("a.jpg", raw.getvalue(), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    photo = Demand.objects.get().photos.get()
    with photo.image.open("rb") as f, Image.open(f) as stored:
        assert not stored.getexif()
    assert login_as(secretary).get(f"/demands/photos/{photo.pk}.jpg").status_code == 200
    assert client.get(f"/demands/photos/{photo.pk}.jpg").status_code == 302  # login first
    outsider = login_as(make_user("secretary", tree.street_b))
    assert outsider.get(f"/demands/photos/{photo.pk}.jpg").status_code == 404
    bad = client.post(
        url,
        {
            "category": "traffic",
            "description": "路口红绿灯坏了",
            "mobile": "13912345678",
            "code": "000000",
            "photo": SimpleUploadedFile("a.gif", b"GIF89a"),
        },
    )
    assert "不是照片" in bad.content.decode()
