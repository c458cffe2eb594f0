import pytest

from conftest import make_user
from dangjian.members.tests.factories import member


@pytest.fixture
def people(tree):
    """A secretary of street_a and full members who can mentor and sponsor."""
    from types import SimpleNamespace

    return SimpleNamespace(
        sec=make_user("secretary", tree.street_a, username="dev_sec"),
        sec_b=make_user("secretary", tree.street_b, username="dev_sec_b"),
        cm=make_user("committee_member", tree.street_a, username="dev_cm"),
        mentor=member(tree.branch_a, "王导师"),
        sponsor=member(tree.branch_a, "赵介绍"),
        probationary=member(tree.branch_a, "钱预备", political_status="probationary", full_member_date=None),
    )
