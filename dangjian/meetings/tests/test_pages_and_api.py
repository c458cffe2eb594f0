import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import login
from dangjian.meetings import codes
from dangjian.meetings.models import CheckIn, LeaveRequest, Meeting

from .conftest import plan


def test_secretary_plans_a_meeting_on_the_page(life):
    client = login(life.sec)
    assert client.get("/meetings/new").status_code == 200
    day = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        f"/meetings/new?org={life.org.pk}",
        {
            "org_id": life.org.pk,
            "kind": "group",
            "title": "党小组学习",
            "mode": "offline",
            "date": day.isoformat(),
            "start_time": "19:00",
            "end_time": "20:30",
            "place": "驿站",
            "late_after_minutes": 10,
            "publish": "on",
            "host": life.wang.pk,
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert (meeting.title, meeting.status, meeting.host_id) == ("党小组学习", "published", life.wang.pk)
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "19:00"
    # A host from another branch is refused by the form.
    response = client.post(
        f"/meetings/new?org={life.org.pk}",
        {
            "org_id": life.org.pk,
            "kind": "group",
            "mode": "offline",
            "date": day.isoformat(),
            "start_time": "19:00",
            "end_time": "18:00",
            "place": "驿站",
            "late_after_minutes": 10,
            "host": life.zheng.pk,
        },
    )
    assert response.status_code == 200 and Meeting.objects.count() == 1


def test_series_page_plans_monthly_themed_days(life):
    client = login(life.sec)
    year = timezone.localdate().year + 1
    response = client.post(
        f"/meetings/new-series?org={life.org.pk}",
        {
            "org_id": life.org.pk,
            "kind": "themed_day",
            "title": "主题党日",
            "frequency": "monthly",
            "day_of_month": 15,
            "starts_on": f"{year}-01-01",
            "ends_on": f"{year}-03-31",
            "start_time": "14:30",
            "duration_minutes": 120,
            "holiday_rule": "next",
            "mode": "offline",
            "place": "党群服务中心",
            "late_after_minutes": 10,
            "publish": "on",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.filter(series__isnull=False, status="published").count() == 3


def test_meeting_page_shows_code_and_live_quorum(life, django_assert_max_num_queries):
    meeting = plan(life, kind="branch_general")
    client = login(life.sec)
    with django_assert_max_num_queries(30):
        page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'hx-get="/meetings/{meeting.pk}/code"' in page and "吴五" in page
    code = client.get(f"/meetings/{meeting.pk}/code").content.decode()
    assert "<svg" in code
    quorum = client.get(f"/meetings/{meeting.pk}/quorum").content.decode()
    assert '<span data-testid="attended">0</span> / 7' in quorum
    # A plain member cannot see the code panel.
    assert login(life.zhao_user).get(f"/meetings/{meeting.pk}/code").status_code == 404


def test_list_query_budget(life, django_assert_max_num_queries):
    for hours in range(5):
        plan(life, starts=24 + hours)
    client = login(life.sec)
    with CaptureQueriesContext(connection) as few:
        client.get("/meetings/")
    plan(life, starts=40)
    plan(life, starts=41)
    with CaptureQueriesContext(connection) as more:
        assert client.get("/meetings/").status_code == 200
    assert len(more) == len(few)


def test_member_checks_in_on_the_phone_page(life):
    meeting = plan(life)
    client = login(life.zhao_user)
    token = codes.code_for(meeting)
    page = client.get(f"/meetings/c/{token}").content.decode()
    assert "签到" in page or "Check in" in page
    done = client.post(f"/meetings/c/{token}").content.decode()
    assert 'data-testid="checkin-done"' in done
    again = client.post(f"/meetings/c/{token}").content.decode()
    assert 'data-testid="checkin-done"' in again
    assert CheckIn.objects.filter(meeting=meeting).count() == 1
    bad = login(life.zheng_user).post(f"/meetings/c/{token}").content.decode()
    assert 'data-testid="checkin-error"' in bad
    assert login(life.zhao_user).get("/meetings/c/nonsense").status_code == 200


def test_member_asks_leave_and_sees_makeup_on_own_page(life):
    meeting = plan(life, starts=24)
    client = login(life.qian_user)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    client.post(f"/meetings/{meeting.pk}/leave", {"reason": "出车"})
    leave = LeaveRequest.objects.get()
    response = login(life.sec).post(f"/meetings/leaves/{leave.pk}/decide", {"approve": "1", "note": ""})
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.status == "approved"
    page = client.get("/meetings/me/").content.decode()
    assert meeting.title in page and "出车" in page
    # An outsider cannot open the meeting at all.
    assert login(life.zheng_user).get(f"/meetings/{meeting.pk}/").status_code == 404


def test_feed_endpoint_and_revocation(life):
    plan(life, starts=24)
    client = login(life.zhao_user)
    client.post("/meetings/me/feed", {"op": "issue"})
    url = client.get("/meetings/me/").context["new_feed_url"]
    path = url.split("testserver")[1]
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content
    client.post("/meetings/me/feed", {"op": "revoke"})
    assert client.get(path).status_code == 404


def test_api_checkin_and_quorum(life):
    meeting = plan(life, kind="branch_general")
    client = login(life.zhao_user)
    response = client.post(
        "/api/v1/meetings/checkin", {"code": codes.code_for(meeting)}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] is True and response.json()["method"] == "qr"
    again = client.post("/api/v1/meetings/checkin", {"code": codes.code_for(meeting)}, content_type="application/json")
    assert again.json()["created"] is False
    bad = client.post("/api/v1/meetings/checkin", {"code": "x.y.z"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "forged"
    quorum = login(life.sec).get(f"/api/v1/meetings/{meeting.pk}/quorum").json()
    assert {k: quorum[k] for k in ("required", "met", "body", "present", "needed", "expected", "attended")} == {
        "required": True,
        "met": False,
        "body": 5,
        "present": 1,
        "needed": 3,
        "expected": 7,
        "attended": 1,
    }
