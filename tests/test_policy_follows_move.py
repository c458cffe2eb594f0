"""A regional setting stays with its organisation when the organisation moves."""

from conftest import make_org
from dangjian.core import policy
from dangjian.core.models import PolicyValue
from dangjian.orgs import services


def test_policy_values_move_with_the_subtree(tree):
    sub = make_org(tree.street_a, "东街道第二党委", kind="committee", category="comprehensive", code="SA2")
    branch = make_org(sub, "下属党支部", code="SUBB")
    PolicyValue.objects.create(key="orgs.branch_max_members", scope_path=sub.path, value=30)
    PolicyValue.objects.create(key="orgs.term_warning_months", scope_path=branch.path, value=3)
    PolicyValue.objects.create(key="orgs.branch_max_members", scope_path=tree.street_b.path, value=45)
    services.org_move(actor=None, org=sub, new_parent=tree.street_b)
    sub.refresh_from_db()
    branch.refresh_from_db()
    assert sorted(PolicyValue.objects.values_list("scope_path", "value")) == sorted(
        [(sub.path, 30), (branch.path, 3), (tree.street_b.path, 45)]
    )
    assert policy.value("orgs.branch_max_members", branch.path) == 30
    assert policy.value("orgs.term_warning_months", branch.path) == 3
    # The old place no longer carries the moved subtree's values.
    assert policy.value("orgs.branch_max_members", tree.street_a.path + "0009") == 50
