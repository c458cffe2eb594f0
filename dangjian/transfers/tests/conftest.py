import datetime as dt
from types import SimpleNamespace

import pytest

from conftest import make_org, make_user
from dangjian.members.tests.factories import member


@pytest.fixture
def world(tree):
    """branch_a and branch_a2 under street_a (one committee), branch_b under street_b (the same
    root: one system), branch_far under another root (nationwide)."""
    branch_a2 = make_org(tree.street_a, "外卖第二党支部", code="BA2")
    far_root = make_org(None, "外省两新工委", kind="committee", category="comprehensive", code="FAR")
    branch_far = make_org(far_root, "外省快递党支部", code="BFAR")
    return SimpleNamespace(
        tree=tree,
        branch_a2=branch_a2,
        branch_far=branch_far,
        sec_a=make_user("secretary", tree.street_a, username="sec_a"),
        sec_b=make_user("secretary", tree.street_b, username="sec_b"),
        committee_a=make_user("committee_member", tree.street_a, username="cm_a"),
        sec_far=make_user("secretary", far_root, username="sec_far"),
        zhang=member(tree.branch_a, "张伟"),
        dues=dt.date(2026, 10, 1),
    )
