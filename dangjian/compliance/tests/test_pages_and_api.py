import datetime as dt

import pytest
from django.utils import timezone

from conftest import login, make_org, make_user
from dangjian.minutes.tests.factories import meeting

pytestmark = pytest.mark.django_db


def _last_month_day():
    today = timezone.localdate()
    day = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 9)), today


def test_table_drill_down_and_book(tree):
    start, _today = _last_month_day()
    meeting(tree.branch_a, "themed_day", start, title="上月主题党日")
    admin = login(make_user("org_admin", tree.root))
    page = admin.get("/compliance/").content.decode()
    assert "东街道党工委" in page and "西街道党工委" in page  # the two streets, to drill into
    assert "骑手党支部" in page and "快递党支部" in page
    page = admin.get(f"/compliance/?under={tree.street_a.pk}").content.decode()
    assert "骑手党支部" in page and "快递党支部" not in page
    assert f"?under={tree.root.pk}" in page  # back up
    book = admin.get(f"/compliance/orgs/{tree.branch_a.pk}/?year={start.year}").content.decode()
    assert "骑手党支部" in book and "上月主题党日" in book
    assert "已逾期" in book  # at least 19 days since the 10th of last month, no minutes


def test_secretary_sees_only_own_branch(tree):
    secretary = login(make_user("secretary", tree.branch_b))
    page = secretary.get("/compliance/").content.decode()
    assert "快递党支部" in page and "骑手党支部" not in page
    assert secretary.get(f"/compliance/orgs/{tree.branch_a.pk}/").status_code == 404
    assert secretary.get(f"/api/v1/compliance/orgs/{tree.branch_a.pk}").status_code == 404


def test_api_table_book_alerts(tree):
    start, _today = _last_month_day()
    m = meeting(tree.branch_a, "themed_day", start, title="上月主题党日")
    client = login(make_user("org_admin", tree.street_a))
    body = client.get("/api/v1/compliance/table").json()
    assert body["under_id"] == tree.street_a.pk
    assert [(r["org_name"], r["org_kind"]) for r in body["items"]] == [
        ("骑手党支部", "branch"),
        ("骑手党小组", "group"),
    ]
    assert client.get("/api/v1/compliance/table", {"year": 1999}).status_code == 422
    assert client.get("/api/v1/compliance/table", {"limit": 0}).status_code == 422
    book = client.get(f"/api/v1/compliance/orgs/{tree.branch_a.pk}", {"year": start.year}).json()
    assert [x["meeting_id"] for x in book["meetings"]] == [m.pk]
    themed = next(k for k in book["kinds"] if k["kind"] == "themed_day")
    assert themed["months"] == 1 and len(themed["periods"]) == 12
    assert themed["periods"][start.month - 1]["status"] == "held"
    assert book["meetings"][0]["minutes_state"] == "overdue"
    alerts = client.get("/api/v1/compliance/alerts", {"year": start.year}).json()
    codes = {(a["code"], a["org_name"]) for a in alerts["items"]}
    assert ("minutes", "骑手党支部") in codes
    assert all(a["org_name"] != "快递党支部" for a in alerts["items"])


def test_table_query_count_does_not_grow_with_branches(tree, django_assert_max_num_queries):
    start, _today = _last_month_day()
    for i in range(30):
        branch = make_org(tree.street_a, f"新支部{i}", code=f"NB{i:03d}", has_committee=True)
        meeting(branch, "themed_day", start)
        meeting(branch, "committee", start)
    client = login(make_user("org_admin", tree.root))
    client.get("/compliance/")
    with django_assert_max_num_queries(14):
        page = client.get("/compliance/")
    assert page.status_code == 200 and "新支部0" in page.content.decode()
    with django_assert_max_num_queries(14):
        assert client.get("/api/v1/compliance/table").json()["count"] == 33
    with django_assert_max_num_queries(18):
        assert client.get("/compliance/alerts").status_code == 200
