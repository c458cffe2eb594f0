"""A held themed party day of branch_a with a host (the secretary), a recorder (an ordinary
member with a login), ten expected members: seven checked in, two on approved leave, one absent."""

from types import SimpleNamespace

import pytest

from conftest import make_user
from dangjian.members import services as member_services
from dangjian.members.tests.factories import member

from .factories import at, attend, meeting


@pytest.fixture
def held(tree):
    host_user = make_user("secretary", tree.branch_a, username="host")
    recorder_user = make_user("member", tree.branch_a, username="recorder")
    people = [
        member(tree.branch_a, name)
        for name in ["王芳", "李强", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴昊"]
    ]
    host = member_services.member_link_account(actor=None, member=people[0], user=host_user)
    recorder = member_services.member_link_account(actor=None, member=people[1], user=recorder_user)
    m = meeting(
        tree.branch_a,
        "themed_day",
        at(2026, 3, 15),
        title="三月主题党日",
        host=host,
        recorder=recorder,
        agenda="一、学习党章\n二、志愿服务",
    )
    attend(
        m,
        people,
        present=people[:7],
        leave={people[7]: "外地送餐", people[8]: "家中有事"},
        absent_reason={people[9]: "联系不上"},
    )
    return SimpleNamespace(meeting=m, host_user=host_user, recorder_user=recorder_user, people=people, tree=tree)
