import datetime as dt
from decimal import Decimal

import pytest

from dangjian.compliance import selectors
from dangjian.core.models import PolicyValue
from dangjian.meetings.choices import MeetingStatus
from dangjian.members.tests.factories import member
from dangjian.minutes.tests.factories import at, attend, meeting

D = dt.date
pytestmark = pytest.mark.django_db


def _row(rows, org):
    return next(r for r in rows if r.org_id == org.pk)


def _kind(row, kind):
    return next(k for k in row.kinds if k.kind == kind)


def test_required_kinds_by_org():
    assert selectors.required_kinds("branch", False) == [
        "branch_general",
        "lecture",
        "themed_day",
        "org_life",
        "heart_talk",
    ]
    assert "committee" in selectors.required_kinds("branch", True)
    assert selectors.required_kinds("group", False) == ["group"]
    assert selectors.required_kinds("committee", True) == []


def test_held_missed_due_per_period(tree):
    a = tree.branch_a
    meeting(a, "branch_general", at(2026, 2, 10))  # Q1 held
    meeting(a, "branch_general", at(2026, 3, 31, 23))  # Q1 again: still one period held
    meeting(a, "branch_general", at(2026, 4, 1, 0), status=MeetingStatus.CANCELLED)  # cancelled: not held
    meeting(a, "themed_day", at(2026, 1, 15))
    meeting(a, "themed_day", at(2026, 3, 15))
    meeting(a, "themed_day", at(2026, 5, 20), status=MeetingStatus.DRAFT)  # a draft is not held
    meeting(tree.group_a, "group", at(2026, 4, 30, 20))
    rows = selectors.compute(None, year=2026, today=D(2026, 5, 10))
    row = _row(rows, a)
    general = _kind(row, "branch_general")
    assert [(p.label, s, n) for p, s, n in general.periods] == [
        ("2026年第1季度", "held", 2),
        ("2026年第2季度", "due", 0),
        ("2026年第3季度", "upcoming", 0),
        ("2026年第4季度", "upcoming", 0),
    ]
    themed = _kind(row, "themed_day")
    assert [s for _p, s, _n in themed.periods[:6]] == ["held", "missed", "held", "missed", "due", "upcoming"]
    assert (themed.held, themed.missed, themed.due) == (2, 2, 1)
    # lecture quarterly: Q1 missed, Q2 due; org life and talks yearly: due
    assert (_kind(row, "lecture").missed, _kind(row, "lecture").due) == (1, 1)
    assert _kind(row, "org_life").due == 1 and _kind(row, "heart_talk").due == 1
    assert (row.held, row.missed, row.due) == (3, 3, 5)
    group = _row(rows, tree.group_a)
    assert [(k.kind, k.held, k.missed, k.due) for k in group.kinds] == [("group", 1, 3, 1)]
    assert {r.org_id for r in rows} == {tree.branch_a.pk, tree.branch_b.pk, tree.group_a.pk}


def test_meeting_in_the_future_is_not_held(tree):
    meeting(tree.branch_a, "themed_day", at(2026, 5, 10, 14))
    rows = selectors.compute(None, year=2026, today=D(2026, 5, 10))
    themed = _kind(_row(rows, tree.branch_a), "themed_day")
    assert themed.periods[4][1:] == ("held", 1)  # 09:00 start counts on the day itself…
    rows = selectors.compute(None, year=2026, today=D(2026, 5, 9))
    assert _kind(_row(rows, tree.branch_a), "themed_day").periods[4][1:] == ("due", 0)  # …not the day before


def test_frequencies_follow_the_region(tree):
    PolicyValue.objects.create(key="compliance.months.themed_day", scope_path=tree.street_a.path, value=3)
    PolicyValue.objects.create(key="compliance.months.lecture", scope_path=tree.root.path, value=0)
    PolicyValue.objects.create(key="compliance.themed_day_target", scope_path=tree.street_b.path, value=90)
    rows = selectors.compute(None, year=2026, today=D(2026, 12, 31))
    a, b = _row(rows, tree.branch_a), _row(rows, tree.branch_b)
    assert len(_kind(a, "themed_day").periods) == 4
    assert len(_kind(b, "themed_day").periods) == 12
    assert "lecture" not in {k.kind for k in a.kinds} | {k.kind for k in b.kinds}
    assert (a.target, b.target) == (85, 90)


def test_established_mid_year(tree):
    tree.branch_b.established_on = D(2026, 5, 20)
    tree.branch_b.save()
    rows = selectors.compute(None, year=2026, today=D(2026, 7, 1))
    themed = _kind(_row(rows, tree.branch_b), "themed_day")
    assert [s for _p, s, _n in themed.periods[:7]] == ["n/a", "n/a", "n/a", "n/a", "missed", "missed", "due"]


def test_themed_day_participation_against_target(tree):
    people = [member(tree.branch_a, f"党员{i}") for i in range(20)]
    first = meeting(tree.branch_a, "themed_day", at(2026, 3, 15))
    attend(first, people, present=people[:17])  # 85%: meets the target
    second = meeting(tree.branch_a, "themed_day", at(2026, 4, 15))
    attend(second, people, present=people[:16], leave={people[16]: "出差"})  # 80%
    row = _row(selectors.compute(None, year=2026, today=D(2026, 5, 1)), tree.branch_a)
    assert (row.themed_present, row.themed_expected) == (33, 40)
    assert row.themed_rate == Decimal("82.5")
    assert row.below_target is True
    found = selectors.alerts(None, year=2026, today=D(2026, 5, 1))
    low = [a for a in found if a.code == "participation"]
    assert [(a.meeting_id, a.detail) for a in low] == [(second.pk, "20人应到，16人实到（80.0%），目标85%")]


def test_minutes_missing_after_seven_days(tree):
    from dangjian.minutes.models import Minutes

    old = meeting(tree.branch_a, "themed_day", at(2026, 3, 1))
    recent = meeting(tree.branch_a, "lecture", at(2026, 3, 3))
    signed = meeting(tree.branch_a, "branch_general", at(2026, 2, 1))
    now = at(2026, 2, 2)
    Minutes.objects.create(
        meeting=signed,
        host_signed_at=now,
        host_signed_by=_user(tree),
        recorder_signed_at=now,
        recorder_signed_by=_user(tree),
        locked_at=now,
    )
    Minutes.objects.create(meeting=old)  # a draft is still missing
    rows = selectors.compute(None, year=2026, today=D(2026, 3, 9))
    assert _row(rows, tree.branch_a).minutes_missing == 1  # 8 days after 1 March; 3 March is 6 days ago
    rows = selectors.compute(None, year=2026, today=D(2026, 3, 10))
    assert _row(rows, tree.branch_a).minutes_missing == 1
    rows = selectors.compute(None, year=2026, today=D(2026, 3, 11))
    assert _row(rows, tree.branch_a).minutes_missing == 2
    PolicyValue.objects.create(key="compliance.minutes_due_days", scope_path=tree.branch_a.path, value=30)
    rows = selectors.compute(None, year=2026, today=D(2026, 3, 11))
    assert _row(rows, tree.branch_a).minutes_missing == 0
    lines = selectors.meeting_lines(None, tree.branch_a, 2026, today=D(2026, 4, 30))
    assert [(line.id, line.minutes_state) for line in lines] == [
        (signed.pk, "signed"),
        (old.pk, "overdue"),
        (recent.pk, "overdue"),
    ]
    assert recent.pk


def test_alerts_list_missed_and_minutes(tree):
    meeting(tree.group_a, "group", at(2026, 1, 20))
    found = selectors.alerts(None, under=tree.branch_a, year=2026, today=D(2026, 3, 1))
    codes = [(a.code, a.org_name, a.kind, a.period) for a in found]
    assert ("missed", "骑手党小组", "group", "2026年02月") in codes
    assert ("minutes", "骑手党小组", "group", "2026年01月") in codes
    assert ("missed", "骑手党支部", "themed_day", "2026年02月") in codes
    assert all(a.org_name != "快递党支部" for a in found)
    assert len([a for a in found if a.code == "missed"]) == 3  # group Feb, themed Jan and Feb


def _user(tree):
    from conftest import make_user

    return make_user(org=tree.branch_a)
