"""Organisational life in the demo district, through the services: a monthly themed party day
series (past ones held, with check-ins and make-up study), a branch general meeting under way,
and a party lecture next week with a leave request waiting for the secretary."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.members.models import Member

from . import attendance, checkin, codes, services
from .models import Attendee, Meeting

BRANCH = "YX-KDWL-FX"
PLACE = {"place": "东湖商圈小哥驿站二楼会议室", "latitude": "30.274100", "longitude": "120.155100"}


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def _hold(meeting: Meeting, share: int) -> None:
    """Check in about ``share`` in 100 of the attendees (the demo member by the QR code, the others
    ticked by hand), then close attendance (absentees get make-up study)."""
    rows = list(Attendee.objects.filter(meeting=meeting).select_related("member").order_by("member_id"))
    now = meeting.starts_at + dt.timedelta(minutes=3)
    for index, row in enumerate(rows):
        if (index * 100) // max(len(rows), 1) >= share:
            break
        moment = now + dt.timedelta(minutes=index % 17)
        if row.member.user_id:
            token = codes.code_for(meeting, window=codes.current_window(moment.timestamp()))
            checkin.checkin_by_code(
                actor=row.member.user, token=token, latitude=PLACE["latitude"], longitude=PLACE["longitude"], now=moment
            )
        else:
            checkin.checkin_manual(actor=None, meeting=meeting, member=row.member, now=moment)
    if meeting.ends_at < timezone.now():
        services.meeting_close(actor=None, meeting=meeting)


def seed_meetings(orgs: dict, today: dt.date) -> int:
    org = orgs.get(BRANCH)
    if org is None or Meeting.objects.filter(org=org).exists():
        return 0
    host = Member.objects.filter(org=org, status="normal", political_status="full").order_by("pk").first()
    series = services.series_plan(
        actor=None,
        org=org,
        kind="themed_day",
        title="主题党日：学习贯彻党的创新理论",
        frequency="monthly",
        day_of_month=15,
        starts_on=_add_months(today, -3),
        ends_on=_add_months(today, 3) - dt.timedelta(days=1),
        start_time=dt.time(14, 30),
        duration_minutes=120,
        holiday_rule="next",
        publish=True,
        mode="offline",
        geofence_m=300,
        host=host,
        agenda="一、集中学习\n二、交纳党费\n三、志愿服务：驿站义务维修电动车",
        **PLACE,
    )
    now = timezone.now()
    for index, meeting in enumerate(series.meetings.filter(ends_at__lt=now).order_by("starts_at")):
        _hold(meeting, (88, 79, 91)[index % 3])
    tz = timezone.get_current_timezone()
    started = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=20)
    general = services.meeting_plan(
        actor=None,
        org=org,
        kind="branch_general",
        title="支部党员大会：讨论发展对象",
        starts_at=started,
        ends_at=started + dt.timedelta(hours=2),
        mode="hybrid",
        online_link="https://meeting.example.cn/j/202611",
        host=host,
        agenda="一、讨论接收预备党员\n二、通报上季度党费收缴情况",
        publish=True,
        **PLACE,
    )
    _hold(general, 40)
    lecture_day = today + dt.timedelta(days=7)
    lecture = services.meeting_plan(
        actor=None,
        org=org,
        kind="lecture",
        title="书记讲党课：新就业群体党员的责任",
        starts_at=dt.datetime.combine(lecture_day, dt.time(19, 0), tzinfo=tz),
        ends_at=dt.datetime.combine(lecture_day, dt.time(20, 30), tzinfo=tz),
        mode="online",
        online_link="https://meeting.example.cn/j/202612",
        lecturer_name="刘海涛",
        publish=True,
    )
    demo_member = Member.objects.filter(user__username="member").select_related("user").first()
    if demo_member is not None and Attendee.objects.filter(meeting=lecture, member=demo_member).exists():
        attendance.leave_request(actor=demo_member.user, meeting=lecture, reason="当晚跑单高峰，申请请假，会后补学")
    return Meeting.objects.filter(org=org).count()
