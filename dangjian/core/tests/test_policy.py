"""Per-region rule numbers: defaults, the longest-prefix override, input bounds, and the services."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import make_user
from dangjian.core import policy
from dangjian.core.errors import DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.core.services import policy_clear, policy_set

ORG_DEFAULTS = {
    "orgs.min_full_members_own_branch": 3,
    "orgs.branch_max_members": 50,
    "orgs.committee_min_members": 100,
    "orgs.branch_committee_full_members": 7,
    "orgs.joint_branch_max_entities": 5,
    "orgs.term_warning_months": 6,
    "orgs.term_years_committee": 5,
    "orgs.term_years_branch": 3,
}
KEY = "orgs.branch_max_members"


def test_defaults_of_the_domain_handbook(db):
    assert policy.values_for(list(ORG_DEFAULTS)) == ORG_DEFAULTS
    assert policy.value(KEY, "0001") == 50


def test_definitions_are_sorted_and_carry_bounds():
    definitions = policy.definitions()
    assert list(definitions) == sorted(definitions)
    d = definitions[KEY]
    assert (d.default, d.minimum, d.maximum) == (50, 3, 500)
    assert (definitions["orgs.term_years_branch"].minimum, definitions["orgs.term_years_branch"].maximum) == (3, 5)


def test_longest_matching_prefix_wins(tree, django_assert_num_queries):
    # Created longest first, so the answer cannot depend on the rows' order.
    PolicyValue.objects.create(key=KEY, scope_path=tree.branch_a.path, value=12)
    PolicyValue.objects.create(key=KEY, scope_path=tree.street_a.path, value=20)
    PolicyValue.objects.create(key=KEY, scope_path=tree.street_b.path, value=25)
    PolicyValue.objects.create(key=KEY, scope_path=tree.root.path, value=30)
    PolicyValue.objects.create(key=KEY, scope_path="", value=40)
    with django_assert_num_queries(1):
        assert policy.value(KEY, tree.branch_a.path) == 12
    assert policy.value(KEY, tree.group_a.path) == 12
    assert policy.value(KEY, tree.street_a.path) == 20
    assert policy.value(KEY, tree.branch_b.path) == 25
    assert policy.value(KEY, tree.root.path) == 30
    assert policy.value(KEY, "") == 40
    assert policy.value(KEY, "0002") == 40
    # Other keys keep their defaults.
    assert policy.values_for([KEY, "orgs.term_warning_months"], tree.branch_a.path) == {
        KEY: 12,
        "orgs.term_warning_months": 6,
    }


def test_a_sibling_override_does_not_leak(tree):
    PolicyValue.objects.create(key=KEY, scope_path=tree.street_b.path, value=25)
    assert policy.value(KEY, tree.branch_a.path) == 50


@pytest.mark.parametrize("raw, number", [("40", 40), (" 7 ", 7), (3, 3), (500, 500), (4.0, 4)])
def test_clean_value_accepts_whole_numbers_within_bounds(raw, number):
    assert policy.clean_value(KEY, raw) == number


@pytest.mark.parametrize(
    "raw, message",
    [
        (2, "The value must be at least 3."),
        (501, "The value must be at most 500."),
        ("abc", "Enter a whole number."),
        ("", "Enter a whole number."),
        (None, "Enter a whole number."),
        ("3.5", "Enter a whole number."),
        (2.7, "Enter a whole number."),
        (True, "Enter a whole number."),
    ],
)
def test_clean_value_refuses(raw, message):
    with translation.override("en"), pytest.raises(DomainError) as error:
        policy.clean_value(KEY, raw)
    assert error.value.message == message
    assert error.value.fields == {"value": [message]}
    assert error.value.status == 400


def test_clean_value_unknown_key():
    with pytest.raises(DomainError) as error:
        policy.clean_value("orgs.no_such_rule", 5)
    assert list(error.value.fields) == ["key"]


# --- Services: policy_set / policy_clear ----------------------------------------------------------------


@pytest.fixture
def sysadmin(tree):
    return make_user("system_admin", tree.root, username="sys")


def test_policy_set_creates_then_updates_with_audit(tree, sysadmin):
    row = policy_set(actor=sysadmin, key=KEY, org=tree.street_a, value="40")
    assert (row.key, row.scope_path, row.value, row.updated_by_id) == (KEY, tree.street_a.path, 40, sysadmin.pk)
    first = AuditEntry.objects.get(action="policy.set")
    assert first.changes == {KEY: [None, 40]}
    assert (first.actor_id, first.actor_label, first.org_path) == (sysadmin.pk, "sys", tree.street_a.path)
    assert (first.object_type, first.object_id) == ("core.policyvalue", str(row.pk))

    again = policy_set(actor=sysadmin, key=KEY, org=tree.street_a, value=30)
    assert again.pk == row.pk
    assert PolicyValue.objects.filter(key=KEY).count() == 1
    assert AuditEntry.objects.filter(action="policy.set").first().changes == {KEY: [40, 30]}
    assert policy.value(KEY, tree.branch_a.path) == 30
    assert policy.value(KEY, tree.branch_b.path) == 50


def test_policy_set_by_the_platform_itself(tree):
    row = policy_set(actor=None, key=KEY, org=tree.root, value=45)
    assert row.updated_by_id is None
    assert AuditEntry.objects.get(action="policy.set").actor_label == "system"


def test_policy_set_refuses_a_bad_value_without_writing(tree, sysadmin):
    with pytest.raises(DomainError) as error:
        policy_set(actor=sysadmin, key=KEY, org=tree.street_a, value=1)
    assert list(error.value.fields) == ["value"]
    assert not PolicyValue.objects.exists()
    assert not AuditEntry.objects.filter(action="policy.set").exists()


def test_policy_set_outside_scope_is_not_found(tree):
    admin_a = make_user("system_admin", tree.street_a)
    with pytest.raises(NotFoundError):
        policy_set(actor=admin_a, key=KEY, org=tree.street_b, value=40)
    assert not PolicyValue.objects.exists()


def test_policy_set_by_a_viewer_is_forbidden(tree):
    org_admin = make_user("org_admin", tree.root)  # holds policy.view, not policy.change
    with pytest.raises(ScopeDenied):
        policy_set(actor=org_admin, key=KEY, org=tree.street_a, value=40)
    with pytest.raises(ScopeDenied):
        policy_clear(actor=org_admin, key=KEY, org=tree.street_a)
    assert not PolicyValue.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="policy.").exists()


def test_policy_clear_inherits_from_above(tree, sysadmin):
    policy_set(actor=sysadmin, key=KEY, org=tree.root, value=60)
    policy_set(actor=sysadmin, key=KEY, org=tree.street_a, value=40)
    assert policy.value(KEY, tree.branch_a.path) == 40
    policy_clear(actor=sysadmin, key=KEY, org=tree.street_a)
    assert policy.value(KEY, tree.branch_a.path) == 60
    entry = AuditEntry.objects.get(action="policy.clear")
    assert entry.changes == {KEY: [40, None]}
    assert entry.org_path == tree.street_a.path


def test_policy_clear_without_override_does_nothing(tree, sysadmin):
    policy_clear(actor=sysadmin, key=KEY, org=tree.street_a)
    assert not AuditEntry.objects.filter(action="policy.clear").exists()


@pytest.mark.django_db(transaction=True)
def test_overrides_are_cached_outside_transactions_and_forgotten_when_changed(settings, django_assert_num_queries):
    from django.db import transaction

    from dangjian.orgs import services as org_services

    settings.POLICY_CACHE_SECONDS = 30
    policy.forget()
    root = org_services.org_create(
        actor=None, parent=None, name="缓存测试党委", code="CACHE", kind="committee", category="comprehensive"
    )
    with django_assert_num_queries(1):
        assert policy.value(KEY, root.path) == 50
    with django_assert_num_queries(0):  # from the process cache
        assert policy.value(KEY, root.path) == 50
    policy_set(actor=None, key=KEY, org=root, value=40)
    with django_assert_num_queries(1):  # forgotten by the change
        assert policy.value(KEY, root.path) == 40
    with django_assert_num_queries(0):
        assert policy.value(KEY, root.path) == 40
    # A change rolled back must not stay cached: reads inside a transaction do not fill the cache.
    try:
        with transaction.atomic():
            policy_set(actor=None, key=KEY, org=root, value=30)
            assert policy.value(KEY, root.path) == 30
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert policy.value(KEY, root.path) == 40
    policy.forget()
