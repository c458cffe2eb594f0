import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.models import AuditEntry
from dangjian.demands.models import CalendarDay
from dangjian.meetings import recurrence, services
from dangjian.meetings.models import Attendee, Meeting, MeetingSeries

from .conftest import at, plan


def _rows(meeting):
    return {
        a.member.name: (a.has_vote, a.is_flowing_in, a.in_committee, a.status)
        for a in Attendee.objects.filter(meeting=meeting).select_related("member")
    }


def test_published_meeting_stores_expected_attendees(life):
    meeting = plan(life, kind="branch_general")
    assert _rows(meeting) == {
        "王书记": (True, False, True, "expected"),
        "李委员": (True, False, True, "expected"),
        "赵一": (True, False, False, "expected"),
        "钱二": (True, False, False, "expected"),
        "孙三": (False, False, False, "expected"),  # probationary: no vote
        "周四": (True, False, False, "expected"),
        "吴五": (False, True, False, "expected"),  # flowing in: attends, votes at home
    }
    entry = AuditEntry.objects.filter(action="meeting.publish", object_id=str(meeting.pk)).get()
    assert entry.changes["attendees"] == [None, 7]


def test_committee_meeting_expects_the_committee_only(life):
    meeting = plan(life, kind="committee")
    assert _rows(meeting) == {"王书记": (True, False, True, "expected"), "李委员": (True, False, True, "expected")}


def test_draft_has_no_attendees_until_published(life):
    meeting = plan(life, publish=False, starts=24)
    assert meeting.status == "draft"
    assert Attendee.objects.filter(meeting=meeting).count() == 0
    services.meeting_publish(actor=life.sec, meeting=meeting)
    assert Attendee.objects.filter(meeting=meeting).count() == 7


def test_planning_refuses_bad_input_and_writes_nothing(life):
    before = Meeting.objects.count()
    with pytest.raises(DomainError) as exc:
        plan(life, starts=5, hours=-1)
    assert exc.value.fields == {"ends_at": ["会议结束时间须晚于开始时间。"]}
    with pytest.raises(DomainError) as exc:
        plan(life, mode="online", place="")
    assert "online_link" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        plan(life, geofence_m=200)
    assert "geofence_m" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        plan(life, kind="lecture")
    assert "lecturer" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        plan(
            life,
            mode="hybrid",
            online_link="https://meet.example.cn/1",
            latitude="30.1",
            longitude="120.1",
            geofence_m=100,
        )
    assert "geofence_m" in exc.value.fields
    assert Meeting.objects.count() == before


def test_secretary_of_another_branch_cannot_plan_here(life):
    with pytest.raises(DomainError) as exc:
        services.meeting_plan(actor=life.sec_b, org=life.org, kind="group", starts_at=at(1), ends_at=at(2), place="x")
    assert exc.value.status == 404
    assert Meeting.objects.count() == 0


def test_cancel_needs_reason_and_a_future_meeting(life):
    meeting = plan(life, starts=24)
    with pytest.raises(DomainError):
        services.meeting_cancel(actor=life.sec, meeting=meeting, reason=" ")
    services.meeting_cancel(actor=life.sec, meeting=meeting, reason="台风预警")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "台风预警")
    with pytest.raises(ConflictError):
        services.meeting_cancel(actor=life.sec, meeting=meeting, reason="again")
    with pytest.raises(ConflictError):
        services.meeting_update(actor=life.sec, meeting=meeting, place="新地点")


def test_update_is_audited_with_the_changed_fields(life):
    meeting = plan(life, starts=24)
    services.meeting_update(actor=life.sec, meeting=meeting, place="新时代文明实践站")
    entry = AuditEntry.objects.filter(action="meeting.update").get()
    assert entry.changes == {"place": ["党群服务中心", "新时代文明实践站"]}


@pytest.mark.django_db
def test_monthly_series_moves_off_holidays_and_weekends():
    CalendarDay.objects.create(date=dt.date(2026, 6, 15), is_workday=False, name="test holiday")
    CalendarDay.objects.create(date=dt.date(2026, 8, 15), is_workday=True, name="调休")  # a working Saturday
    args = {
        "frequency": "monthly",
        "starts_on": dt.date(2026, 5, 1),
        "ends_on": dt.date(2026, 11, 30),
        "day_of_month": 15,
    }
    keep = recurrence.series_dates(**args, holiday_rule="keep")
    assert keep == [dt.date(2026, m, 15) for m in range(5, 12)]
    nxt = recurrence.series_dates(**args, holiday_rule="next")
    # 5-15 Fri; 6-15 Mon holiday → 6-16; 7-15 Wed; 8-15 Sat but 调休 working; 9-15 Tue; 10-15 Thu; 11-15 Sun → 11-16
    assert nxt == [
        dt.date(2026, 5, 15),
        dt.date(2026, 6, 16),
        dt.date(2026, 7, 15),
        dt.date(2026, 8, 15),
        dt.date(2026, 9, 15),
        dt.date(2026, 10, 15),
        dt.date(2026, 11, 16),
    ]
    prev = recurrence.series_dates(**args, holiday_rule="previous")
    assert prev[1] == dt.date(2026, 6, 12) and prev[-1] == dt.date(2026, 11, 13)


@pytest.mark.django_db
def test_day_31_is_the_last_day_of_shorter_months_and_weekly_rule():
    dates = recurrence.series_dates(
        frequency="monthly",
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 4, 30),
        day_of_month=31,
        holiday_rule="keep",
    )
    assert dates == [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]
    weekly = recurrence.series_dates(
        frequency="weekly", starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 1, 31), weekday=2, holiday_rule="next"
    )
    assert weekly == [dt.date(2027, 1, 6), dt.date(2027, 1, 13), dt.date(2027, 1, 20), dt.date(2027, 1, 27)]


def test_series_plan_creates_one_published_meeting_per_date(life):
    today = timezone.localdate()
    start = dt.date(today.year + 1, 1, 1)
    CalendarDay.objects.create(date=dt.date(start.year, 3, 15), is_workday=False, name="test")
    series = services.series_plan(
        actor=life.sec,
        org=life.org,
        kind="themed_day",
        title="主题党日",
        frequency="monthly",
        day_of_month=15,
        starts_on=start,
        ends_on=dt.date(start.year, 4, 30),
        start_time=dt.time(14, 30),
        duration_minutes=120,
        holiday_rule="next",
        publish=True,
        mode="offline",
        place="党群服务中心",
    )
    meetings = list(series.meetings.order_by("starts_at"))
    expected_days = recurrence.series_dates(
        frequency="monthly", starts_on=start, ends_on=dt.date(start.year, 4, 30), day_of_month=15, holiday_rule="next"
    )
    assert [timezone.localtime(m.starts_at).date() for m in meetings] == expected_days
    assert dt.date(start.year, 3, 15) not in expected_days
    assert all(timezone.localtime(m.starts_at).time() == dt.time(14, 30) for m in meetings)
    assert all(m.status == "published" and m.attendees.count() == 7 for m in meetings)
    assert MeetingSeries.objects.count() == 1


def test_series_refuses_a_missing_day(life):
    with pytest.raises(DomainError) as exc:
        services.series_plan(
            actor=life.sec,
            org=life.org,
            kind="themed_day",
            title="",
            frequency="monthly",
            day_of_month=None,
            starts_on=dt.date(2027, 1, 1),
            ends_on=dt.date(2027, 3, 1),
            start_time=dt.time(9),
            duration_minutes=60,
            place="x",
        )
    assert "day_of_month" in exc.value.fields
    assert MeetingSeries.objects.count() == 0
