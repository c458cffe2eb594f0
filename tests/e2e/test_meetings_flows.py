"""Organisational life: the secretary plans a themed party day series, a member checks in on a
phone by the rotating code, and the meeting page shows attendance and participation."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from dangjian.accounts.models import User
from dangjian.meetings import codes
from dangjian.meetings.models import CheckIn, Meeting, MeetingSeries
from dangjian.members.models import Member


def test_secretary_plans_themed_day_member_checks_in_on_phone(demo, session_for):
    member = Member.objects.select_related("org").get(user__username="member")
    User.objects.filter(username="member").update(elder_mode=True)
    org = member.org
    now = timezone.localtime()
    start = (now - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    if start.date() != now.date():  # just after midnight: start at 00:00 today
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = now.date()

    s = session_for("desktop", "meetings-secretary")
    s.login("secretary")
    s.goto(f"/meetings/new-series?org={org.pk}")
    s.page.fill("#id_title", "主题党日：e2e")
    s.page.select_option("#id_frequency", "monthly")
    s.page.fill("#id_day_of_month", str(today.day))
    s.page.fill("#id_starts_on", today.isoformat())
    s.page.fill("#id_ends_on", (today + dt.timedelta(days=62)).isoformat())
    s.page.fill("#id_start_time", start.strftime("%H:%M"))
    s.page.fill("#id_duration_minutes", "120")
    s.page.select_option("#id_holiday_rule", "keep")
    s.page.fill("#id_place", "东湖商圈小哥驿站")
    s.shot("plan-series")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert "已安排" in s.page.content(), s.page.content()[:2000]
    series = MeetingSeries.objects.get(title="主题党日：e2e")
    meeting = series.meetings.order_by("starts_at").first()
    assert timezone.localtime(meeting.starts_at).date() == today and meeting.status == "published"
    expected = meeting.attendees.count()
    assert expected > 0
    s.goto(f"/meetings/{meeting.pk}/")
    s.page.wait_for_selector("[data-testid=checkin-qr] svg")
    s.shot("meeting-with-code")

    phone = session_for("phone", "meetings-member")
    phone.login("member")
    phone.goto("/meetings/me/")
    assert "主题党日：e2e" in phone.page.content()
    phone.shot("my-meetings")
    # The phone camera opens the address inside the QR; the test reads the same current code.
    phone.goto(f"/meetings/c/{codes.code_for(Meeting.objects.get(pk=meeting.pk))}")
    phone.shot("checkin-confirm")
    phone.page.click("[data-testid=checkin-button]")
    phone.page.wait_for_selector("[data-testid=checkin-done]")
    assert "签到成功" in phone.page.content()
    phone.shot("checkin-done")
    assert CheckIn.objects.filter(meeting=meeting, member=member, method="qr").count() == 1
    # A second tap (double submission) changes nothing.
    phone.page.go_back()
    phone.page.wait_for_load_state()
    phone.page.click("[data-testid=checkin-button]")
    phone.page.wait_for_selector("[data-testid=checkin-done]")
    assert "您已签到过" in phone.page.content()
    assert CheckIn.objects.filter(meeting=meeting).count() == 1

    # The secretary's page updates by itself (htmx polling) to one present.
    expect(s.page.locator("[data-testid=attended]")).to_have_text("1", timeout=15000)
    assert f"/ {expected}" in s.page.inner_text("[data-testid=quorum]")
    s.shot("quorum-live")
    s.goto("/meetings/?when=")
    s.shot("list")
