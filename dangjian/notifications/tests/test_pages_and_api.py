"""The inbox page, the navbar badge and the API: each user sees only their own notifications."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from dangjian.notifications import services
from dangjian.notifications.models import Notification


@pytest.fixture
def two(tree):
    a = make_user("secretary", tree.branch_a, username="sec_a")
    return a, make_user("secretary", tree.branch_b, username="sec_b")


def test_inbox_empty_state_and_badge(two, login_as):
    client = login_as(two[0])
    page = client.get("/notifications/").content.decode()
    assert "暂无通知" in page and 'href="/notifications/"' in page


def test_inbox_lists_newest_first_and_mark_read(two, login_as):
    a, b = two
    services.notify(recipients=[a], kind="test", title="第一条", body="正文一", url="/dues/")
    services.notify(recipients=[a], kind="test", title="第二条", body="")
    services.notify(recipients=[b], kind="test", title="别人的", body="")
    client = login_as(a)
    page = client.get("/notifications/").content.decode()
    assert page.index("第二条") < page.index("第一条") and "别人的" not in page
    assert "通知，2 条未读" in page
    first = Notification.objects.get(title="第一条")
    response = client.post(f"/notifications/{first.pk}/read", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/dues/"
    other = Notification.objects.get(title="别人的")
    assert client.post(f"/notifications/{other.pk}/read").status_code == 404
    assert client.post("/notifications/read-all").status_code == 302
    assert Notification.objects.filter(recipient=a, read_at__isnull=True).count() == 0
    assert Notification.objects.get(title="别人的").read_at is None


def test_inbox_query_budget(two, login_as):
    a = two[0]
    for i in range(30):
        services.notify(recipients=[a], kind="test", title=f"通知{i}", body="")
    client = login_as(a)
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for i in range(30, 60):
        services.notify(recipients=[a], kind="test", title=f"通知{i}", body="")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/notifications/").status_code == 200
    assert len(many) == len(few) <= 12


def test_api_list_and_mark_read(two, login_as):
    a, b = two
    services.notify(recipients=[a], kind="test", title="一", body="")
    services.notify(recipients=[a, b], kind="test", title="二", body="", url="/x/")
    client = login_as(a)
    body = client.get("/api/v1/notifications").json()
    assert [n["title"] for n in body["items"]] == ["二", "一"] and (body["count"], body["unread"]) == (2, 2)
    first = body["items"][1]["id"]
    read = client.post(f"/api/v1/notifications/{first}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications", {"unread": True}).json()["count"] == 1
    theirs = Notification.objects.get(recipient=b).pk
    assert client.post(f"/api/v1/notifications/{theirs}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notifications", {"limit": 0}).status_code == 422


def test_anonymous_is_refused(db, client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/notifications/").status_code == 302


FOREIGN = ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", FOREIGN)
def test_mark_read_never_redirects_off_site(two, login_as, target):
    a = two[0]
    services.notify(recipients=[a], kind="test", title="一", body="")
    pk = Notification.objects.get().pk
    response = login_as(a).post(f"/notifications/{pk}/read", {"next": target})
    assert (response.status_code, response["Location"]) == (302, "/notifications/")


def test_notification_text_is_escaped(two, login_as):
    a = two[0]
    services.notify(recipients=[a], kind="test", title="<script>alert(1)</script>", body="<img src=x onerror=1>")
    page = login_as(a).get("/notifications/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page and "<img src=x" not in page
