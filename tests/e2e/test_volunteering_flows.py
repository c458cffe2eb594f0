"""Volunteer activities: a station manager publishes one on a desktop, a worker signs up on a phone
from the services hub, and the manager checks the worker in at the desk by their points code."""

import datetime as dt

from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.points import services as points
from dangjian.points.selectors import balance
from dangjian.volunteering.models import Activity, Participation, SignUp


def test_publish_sign_up_and_check_in(demo, session_for):
    manager = session_for("desktop", "volunteering-manager")
    manager.login("station")
    manager.goto("/volunteering/manage/")
    manager.shot("manage")
    manager.page.click("text=发布活动")
    manager.page.wait_for_load_state()
    manager.page.click("button[type=submit].btn-lg")  # empty form: every field says what is missing
    manager.page.wait_for_load_state()
    assert manager.page.locator(".invalid-feedback").count() >= 6
    manager.shot("publish-errors")
    manager.page.fill(".org-picker input[type=search]", "东湖")
    manager.page.wait_for_selector(".org-picker-results [data-pick-id]")
    manager.page.click(".org-picker-results [data-pick-id] >> nth=0")
    manager.page.fill("#id_title", "东湖路口晚高峰劝导")
    manager.page.select_option("#id_category", "traffic_safety")
    manager.page.fill("#id_description", "晚高峰在东湖路口劝导骑手不闯红灯、不逆行")
    start = timezone.localtime() + dt.timedelta(minutes=20)
    manager.page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    manager.page.fill("#id_ends_at", (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    manager.page.fill("#id_place", "东湖路与文一路口")
    manager.page.fill("#id_points", "6")
    manager.page.fill("#id_capacity", "10")
    manager.page.click("button[type=submit].btn-lg")
    manager.page.wait_for_url("**/volunteering/manage/*/")
    activity = Activity.objects.get(title="东湖路口晚高峰劝导")
    manager.shot("desk-empty")

    worker = session_for("phone", "volunteering-worker")
    worker.login("member")
    worker.goto("/services/")
    worker.page.click("a.hub-tile:has-text('志愿活动')")
    worker.page.wait_for_load_state()
    worker.shot("list")
    worker.page.click(f"a[href='/volunteering/{activity.pk}/']")
    worker.page.wait_for_load_state()
    worker.page.click("button:has-text('报名')")
    worker.page.wait_for_load_state()
    assert "报名成功" in worker.page.content()
    worker.shot("signed-up")
    assert SignUp.objects.filter(activity=activity, user__username="member").count() == 1

    member = User.objects.get(username="member")
    before = balance(member)
    manager.page.reload()
    manager.page.fill("#id_code", points.worker_code(member))
    manager.page.click("button[type=submit]:has-text('签到')")
    manager.page.wait_for_load_state()
    assert "马小军 已签到，获得 6 积分。" in manager.page.content()
    manager.shot("desk-checked-in")
    manager.page.fill("#id_code", points.worker_code(member))
    manager.page.click("button[type=submit]:has-text('签到')")
    manager.page.wait_for_load_state()
    assert "马小军 已签到。" in manager.page.locator(".invalid-feedback").inner_text()
    manager.shot("desk-twice")
    assert Participation.objects.filter(activity=activity).count() == 1 and balance(member) == before + 6

    worker.goto("/volunteering/mine")
    assert "东湖路口晚高峰劝导" in worker.page.content()
    worker.shot("mine")
