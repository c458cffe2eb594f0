"""Deliberation council: raise, schedule, decide (points to the raiser), decline, follow up, publish."""

import datetime as dt

import pytest

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry
from dangjian.council import services
from dangjian.council.models import Topic
from dangjian.points.selectors import balance


@pytest.fixture
def rider(tree):
    return make_user(username="rider", home_org=tree.branch_a, display_name="李骑手")


def test_topic_cycle(tree, rider):
    secretary = make_user("secretary", tree.street_a)
    topic = services.topic_raise(
        actor=rider, title="小区不让骑手进", description="很多小区门禁不让外卖骑手进入，只能步行送餐"
    )
    assert topic.org == tree.branch_a and topic.status == "raised"
    topic = services.topic_schedule(
        actor=secretary, topic=topic, meeting_on=dt.date(2026, 12, 1), meeting_place="湖滨驿站"
    )
    assert topic.status == "scheduled"
    topic = services.topic_decide(actor=secretary, topic=topic, decision="与物业协商设骑手通行证")
    assert topic.status == "decided" and balance(rider) == 5
    with pytest.raises(ConflictError):
        services.topic_decline(actor=secretary, topic=topic, reason="不处理了")
    topic = services.topic_follow_up(actor=secretary, topic=topic, follow_up="已有12个小区发放通行证")
    assert topic.follow_up == "已有12个小区发放通行证"
    assert list(
        AuditEntry.objects.filter(action__startswith="topic.").order_by("id").values_list("action", flat=True)
    ) == [
        "topic.raise",
        "topic.schedule",
        "topic.decide",
        "topic.follow_up",
    ]


def test_bad_input_and_scope(tree, rider):
    with pytest.raises(DomainError) as exc:
        services.topic_raise(actor=rider, title="短", description="太短")
    assert set(exc.value.fields) == {"title"}
    topic = services.topic_raise(actor=rider, title="夜间充电难", description="夜里找不到充电的地方，电瓶经常没电")
    with pytest.raises(NotFoundError):
        services.topic_decide(actor=make_user("secretary", tree.street_b), topic=topic, decision="同意办理")
    with pytest.raises(ScopeDenied):
        services.topic_decide(actor=make_user("committee_member", tree.street_a), topic=topic, decision="同意办理")
    assert Topic.objects.get().status == "raised"


def test_pages(tree, rider, login_as, client, django_assert_max_num_queries):
    worker = login_as(rider)
    r = worker.post("/council/new", {"title": "夜间充电难", "description": "夜里找不到充电的地方，电瓶经常没电"})
    assert r.status_code == 302
    topic = Topic.objects.get()
    secretary = login_as(make_user("secretary", tree.street_a))
    with django_assert_max_num_queries(10):
        assert "夜间充电难" in secretary.get("/council/manage/").content.decode()
    r = secretary.post(f"/council/{topic.pk}/", {"form": "decide", "decide-decision": "在驿站增设充电柜"})
    assert r.status_code == 302
    with django_assert_max_num_queries(3):
        html = client.get("/council/").content.decode()
    assert "在驿站增设充电柜" in html and "李骑手" not in html
    with django_assert_max_num_queries(8):
        assert "在驿站增设充电柜" in worker.get("/council/mine").content.decode()


def test_api(tree, rider, login_as, client):
    worker = login_as(rider)
    r = worker.post(
        "/api/v1/council/topics",
        {"title": "夜间充电难", "description": "夜里找不到充电的地方，电瓶经常没电"},
        content_type="application/json",
    )
    assert r.status_code == 201
    topic_id = r.json()["id"]
    assert worker.get("/api/v1/council/topics").status_code == 403
    secretary = login_as(make_user("secretary", tree.street_a))
    assert secretary.get("/api/v1/council/topics").json()["count"] == 1
    r = secretary.post(
        f"/api/v1/council/topics/{topic_id}/schedule", {"meeting_on": "2026-12-01"}, content_type="application/json"
    )
    assert r.json()["status"] == "scheduled"
    r = secretary.post(
        f"/api/v1/council/topics/{topic_id}/decide", {"text": "增设充电柜"}, content_type="application/json"
    )
    assert r.json()["status"] == "decided"
    r = secretary.post(
        f"/api/v1/council/topics/{topic_id}/decline", {"text": "不处理了"}, content_type="application/json"
    )
    assert r.status_code == 409
    r = secretary.post(
        f"/api/v1/council/topics/{topic_id}/follow-up", {"text": "已装好两个充电柜"}, content_type="application/json"
    )
    assert r.json()["follow_up"] == "已装好两个充电柜"
    body = client.get("/api/v1/council/published").json()
    assert body["count"] == 1 and body["items"][0]["decision"] == "增设充电柜"
    outsider = login_as(make_user("secretary", tree.street_b))
    assert (
        outsider.post(
            f"/api/v1/council/topics/{topic_id}/decide", {"text": "增设"}, content_type="application/json"
        ).status_code
        == 404
    )
