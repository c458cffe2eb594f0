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


def _meeting(tree, org, *, hours_from_now=24, publish=True):
    from django.utils import timezone

    from dangjian.meetings import services as meetings
    from dangjian.members.tests.factories import member

    member(org, "陈骑手" if org == tree.branch_a else "林骑手", id_number=None)
    starts = timezone.now() + dt.timedelta(hours=hours_from_now)
    return meetings.meeting_plan(
        actor=None,
        org=org,
        kind="group_meeting",
        title="骑手议事会",
        mode="offline",
        place="湖滨驿站",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        publish=publish,
    )


def test_topic_goes_before_a_planned_meeting(tree, rider, login_as):
    from django.utils import timezone

    from dangjian.notifications.models import Notification

    secretary = make_user("secretary", tree.street_a)
    meeting = _meeting(tree, tree.branch_a)
    topic = services.topic_raise(actor=rider, title="夜间充电难", description="夜里找不到充电的地方，电瓶经常没电")
    assert list(services.schedulable_meetings(secretary, topic)) == [meeting]
    topic = services.topic_schedule(actor=secretary, topic=topic, meeting=meeting)
    topic.refresh_from_db()
    assert (topic.status, topic.meeting_id, topic.meeting_place) == ("scheduled", meeting.pk, "湖滨驿站")
    assert topic.meeting_on == timezone.localdate(meeting.starts_at)
    notice = Notification.objects.get(recipient=rider)
    assert (notice.kind, notice.title, notice.url) == (
        "council.scheduled",
        "你提出的议题已列入议事会议程",
        "/council/mine",
    )
    assert AuditEntry.objects.get(action="topic.schedule").changes == {
        "meeting_on": str(topic.meeting_on),
        "meeting": meeting.pk,
    }
    # The meeting's page lists the topic; the secretary may open it, a member attending may only read it.
    html = login_as(secretary).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "议事会议题" in html and f'href="/council/{topic.pk}/">夜间充电难</a>' in html


def test_a_topic_refuses_meetings_it_cannot_go_before(tree, rider):
    secretary = make_user("secretary", tree.street_a)
    topic = services.topic_raise(actor=rider, title="夜间充电难", description="夜里找不到充电的地方，电瓶经常没电")
    elsewhere = _meeting(tree, tree.street_b)  # out of the secretary's scope and not on the council's path
    draft = _meeting(tree, tree.branch_a, publish=False)
    for meeting, message in [
        (elsewhere, "请选择你管理的组织的会议。"),
        (draft, "请选择已发布且尚未结束的会议。"),
    ]:
        with pytest.raises(DomainError) as exc:
            services.topic_schedule(actor=secretary, topic=topic, meeting=meeting)
        assert exc.value.fields == {"meeting": [message]}
    with pytest.raises(DomainError) as exc:
        services.topic_schedule(actor=secretary, topic=topic)
    assert exc.value.fields == {"meeting_on": ["请选择已计划的会议，或填写会议日期。"]}
    root_secretary = make_user("secretary", tree.root)  # sees street_b's meeting, but it is not the council's
    with pytest.raises(DomainError) as exc:
        services.topic_schedule(actor=root_secretary, topic=topic, meeting=elsewhere)
    assert exc.value.fields == {"meeting": ["请选择议事会所在组织或其上级、下级组织的会议。"]}
    topic.refresh_from_db()
    assert (topic.status, topic.meeting_id, topic.meeting_on) == ("raised", None, None)
    assert not AuditEntry.objects.filter(action="topic.schedule").exists()


def test_schedule_to_a_meeting_by_page_and_api(tree, rider, login_as):
    secretary = login_as(make_user("secretary", tree.street_a))
    meeting = _meeting(tree, tree.branch_a)
    first = services.topic_raise(actor=rider, title="夜间充电难", description="夜里找不到充电的地方，电瓶经常没电")
    second = services.topic_raise(actor=rider, title="小区不让进", description="很多小区门禁不让外卖骑手进入")
    page = secretary.get(f"/council/{first.pk}/").content.decode()
    assert f'<option value="{meeting.pk}">' in page and "骑手议事会" in page
    r = secretary.post(f"/council/{first.pk}/", {"form": "schedule", "schedule-meeting": str(meeting.pk)})
    assert r.status_code == 302
    r = secretary.post(f"/council/{first.pk}/", {"form": "schedule"})
    assert "请选择已计划的会议，或填写会议日期。" in r.content.decode()
    api = f"/api/v1/council/topics/{second.pk}/schedule"
    r = secretary.post(api, {"meeting_id": 999999}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["fields"] == {"meeting": ["请选择你管理的组织的会议。"]}
    r = secretary.post(api, {"meeting_id": meeting.pk}, content_type="application/json")
    assert (r.status_code, r.json()["meeting_id"], r.json()["meeting_place"]) == (200, meeting.pk, "湖滨驿站")
    assert list(Topic.objects.filter(meeting=meeting).order_by("id").values_list("title", flat=True)) == [
        "夜间充电难",
        "小区不让进",
    ]
