"""Deliberation council: a rider raises a topic on a phone, the branch secretary puts it before a
planned meeting on a desktop, the meeting's page lists it and the rider is told."""

import datetime as dt

from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.council import services
from dangjian.council.models import Topic
from dangjian.meetings import services as meetings
from dangjian.notifications.models import Notification


def test_topic_goes_before_a_planned_meeting(demo, session_for):
    worker = session_for("phone", "council-rider")
    worker.login("member")
    worker.goto("/council/new")
    worker.page.fill("#id_title", "小区门禁不让骑手进")
    worker.page.fill("#id_description", "很多小区门禁不让外卖骑手进入，只能步行送餐，超时被罚")
    worker.page.click("main button[type=submit].btn-lg")
    worker.page.wait_for_url("**/council/mine")
    worker.shot("raised")
    topic = Topic.objects.get(title="小区门禁不让骑手进")

    secretary = User.objects.get(username="secretary")
    if not services.schedulable_meetings(secretary, topic).exists():
        start = timezone.now() + dt.timedelta(days=3)
        meetings.meeting_plan(
            actor=secretary,
            org=topic.org,
            kind="group_meeting",
            title="骑手议事会",
            mode="offline",
            place="快递物流党群服务站",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            publish=True,
        )
    meeting = services.schedulable_meetings(secretary, topic).first()

    desk = session_for("desktop", "council-secretary")
    desk.login("secretary")
    desk.goto(f"/council/{topic.pk}/")
    desk.page.click("form:has(input[value=schedule]) button[type=submit]")  # neither meeting nor date
    desk.page.wait_for_load_state()
    assert "请选择已计划的会议，或填写会议日期。" in desk.page.content()
    desk.shot("schedule-error")
    desk.page.select_option("#id_schedule-meeting", str(meeting.pk))
    desk.page.click("form:has(input[value=schedule]) button[type=submit]")
    desk.page.wait_for_load_state()
    topic.refresh_from_db()
    assert (topic.status, topic.meeting_id) == ("scheduled", meeting.pk)
    assert "列入议程：" in desk.page.content()
    desk.shot("scheduled")
    desk.page.click(f"a[href='/meetings/{meeting.pk}/']")
    desk.page.wait_for_load_state()
    assert "议事会议题" in desk.page.content() and "小区门禁不让骑手进" in desk.page.content()
    desk.shot("meeting-page")

    assert Notification.objects.filter(recipient__username="member", kind="council.scheduled").count() == 1
    worker.goto("/council/mine")
    assert "已列入议程" in worker.page.content()
    worker.shot("mine-scheduled")
