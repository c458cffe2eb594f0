import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.members import services as member_services
from dangjian.members.models import FlowRecord
from dangjian.members.tests.factories import member


def linked(org, name, *, role=None, role_org=None, **extra):
    """A member with a login account (the phone that scans the meeting code)."""
    m = member(org, name, **extra)
    user = make_user(role, role_org or org) if role else make_user(None, None, home_org=org)
    member_services.member_link_account(actor=None, member=m, user=user)
    m.refresh_from_db()
    return m, user


@pytest.fixture
def life(tree):
    """branch_a: secretary 王书记 and committee member 李委员 (both full members with logins), full
    members 赵 and 钱 (logins), probationary 孙, 周 (no login), and 吴 from
    branch_b flowing in to branch_a. branch_b has 郑 (outsider)."""
    wang, sec = linked(tree.branch_a, "王书记", role="secretary")
    li, cm = linked(tree.branch_a, "李委员", role="committee_member")
    zhao, zhao_user = linked(tree.branch_a, "赵一")
    qian, qian_user = linked(tree.branch_a, "钱二")
    sun, sun_user = linked(
        tree.branch_a, "孙三", political_status="probationary", full_member_date=None, join_date=dt.date(2026, 1, 5)
    )
    zhou = member(tree.branch_a, "周四")
    wu, wu_user = linked(tree.branch_b, "吴五")
    FlowRecord.objects.create(
        member=wu,
        direction="in",
        card_no="LD2026000001",
        destination="东街道",
        reason="送外卖",
        dest_org=tree.branch_a,
        left_on=dt.date(2026, 3, 1),
    )
    zheng, zheng_user = linked(tree.branch_b, "郑六")
    sec_b = make_user("secretary", tree.branch_b)
    return SimpleNamespace(
        tree=tree,
        org=tree.branch_a,
        sec=sec,
        cm=cm,
        sec_b=sec_b,
        wang=wang,
        li=li,
        zhao=zhao,
        qian=qian,
        sun=sun,
        zhou=zhou,
        wu=wu,
        zheng=zheng,
        zhao_user=zhao_user,
        qian_user=qian_user,
        sun_user=sun_user,
        wu_user=wu_user,
        zheng_user=zheng_user,
    )


def at(hours: float = 0.0) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def plan(life, *, kind="themed_day", starts=-0.1, hours=2.0, publish=True, **extra):
    from dangjian.meetings import services

    fields = {"title": "", "mode": "offline", "place": "党群服务中心", "late_after_minutes": 10}
    fields.update(extra)
    return services.meeting_plan(
        actor=life.sec,
        org=life.org,
        kind=kind,
        starts_at=at(starts),
        ends_at=at(starts + hours),
        publish=publish,
        **fields,
    )
