"""org_create / org_update / org_move: the kind hierarchy, codes, terms, counts, moves and scope."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.orgs import services
from dangjian.orgs.models import PartyOrganisation


def create(parent, code, kind="branch", actor=None, **extra):
    return services.org_create(
        actor=actor, parent=parent, name=f"组织{code}", code=code, kind=kind, category="new_employment", **extra
    )


def tree_state():
    return list(PartyOrganisation.objects.order_by("pk").values_list("pk", "path", "depth", "numchild", "kind"))


@pytest.fixture
def admin(tree):
    return make_user("org_admin", tree.root, username="admin")


# --- Kind hierarchy ----------------------------------------------------------------------------------

HIERARCHY = [
    ("committee", "committee", True),
    ("committee", "general_branch", True),
    ("committee", "branch", True),
    ("committee", "group", False),
    ("general_branch", "committee", False),
    ("general_branch", "general_branch", False),
    ("general_branch", "branch", True),
    ("general_branch", "group", False),
    ("branch", "committee", False),
    ("branch", "general_branch", False),
    ("branch", "branch", False),
    ("branch", "group", True),
    ("group", "committee", False),
    ("group", "general_branch", False),
    ("group", "branch", False),
    ("group", "group", False),
]


@pytest.mark.parametrize("parent_kind, child_kind, allowed", HIERARCHY)
def test_kind_hierarchy(tree, parent_kind, child_kind, allowed):
    parent = {"committee": tree.street_a, "branch": tree.branch_a, "group": tree.group_a}.get(parent_kind)
    if parent is None:
        parent = create(tree.street_a, "GEN", "general_branch")
    before = PartyOrganisation.objects.count()
    if allowed:
        child = create(parent, "CHILD", child_kind)
        assert PartyOrganisation.objects.get_parent(child).pk == parent.pk
        assert child.depth == parent.depth + 1
    else:
        with pytest.raises(DomainError) as error:
            create(parent, "CHILD", child_kind)
        assert (error.value.code, list(error.value.fields), error.value.status) == ("kind_not_allowed", ["kind"], 400)
        assert PartyOrganisation.objects.count() == before


def test_only_a_committee_stands_at_the_top(db):
    with pytest.raises(DomainError) as error:
        create(None, "TOP", "branch")
    assert list(error.value.fields) == ["kind"]
    root = create(None, "TOP", "committee")
    assert (root.depth, root.path) == (1, "0001")


def test_a_user_cannot_create_a_root(tree, admin):
    with pytest.raises(DomainError) as error:
        create(None, "TOP2", "committee", actor=admin)
    assert list(error.value.fields) == ["parent"]


@pytest.mark.parametrize(
    "field, value", [("kind", "bogus"), ("kind", None), ("special_type", "bogus"), ("special_type", None)]
)
def test_unknown_or_empty_choice_is_a_field_error(tree, field, value):
    data = {"name": "x", "code": "K1", "kind": "branch", "category": "new_employment", field: value}
    with pytest.raises(DomainError) as error:
        services.org_create(actor=None, parent=tree.street_a, **data)
    assert list(error.value.fields) == [field]
    assert not PartyOrganisation.objects.filter(code="K1").exists()


# --- Codes and counts -----------------------------------------------------------------------------


def test_code_is_normalised_and_duplicates_conflict(tree):
    org = create(tree.street_a, " new-7 ")
    assert org.code == "NEW-7"
    for code in ("NEW-7", "new-7", "BA"):
        with pytest.raises(ConflictError) as error:
            create(tree.street_b, code)
        assert error.value.status == 409
        assert list(error.value.fields) == ["code"]
        assert error.value.code == "conflict"
    assert PartyOrganisation.objects.count() == 7


def test_full_members_cannot_outnumber_members(tree):
    with pytest.raises(DomainError) as error:
        create(tree.street_a, "FM", member_count=4, full_member_count=5)
    assert list(error.value.fields) == ["full_member_count"]
    assert not PartyOrganisation.objects.filter(code="FM").exists()
    assert create(tree.street_a, "FM", member_count=5, full_member_count=5).full_member_count == 5


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"member_count": -1, "full_member_count": -2}, "member_count"),
        ({"name": "长" * 121}, "name"),
        ({"secretary_name": "张" * 51}, "secretary_name"),
        ({"has_committee": None}, "has_committee"),
        ({"category": None}, "category"),
        ({"category": "bogus"}, "category"),
        ({"latitude": 30}, "latitude"),
        ({"latitude": 91, "longitude": 120}, "latitude"),
        ({"latitude": 30, "longitude": -181}, "longitude"),
        ({"established_on": dt.date.today() + dt.timedelta(days=2)}, "established_on"),
        ({"established_on": dt.date(2020, 5, 1), "term_start": dt.date(2020, 4, 30)}, "term_start"),
        ({"term_start": dt.date(2024, 1, 1), "term_years": 4}, "term_years"),
        ({"term_end": dt.date(2030, 1, 1)}, "term_end"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_field_errors_and_nothing_is_saved(tree, extra, field):
    data = {"name": "新支部", "code": "BAD", "kind": "branch", "category": "new_employment", **extra}
    with pytest.raises(DomainError) as error:
        services.org_create(actor=None, parent=tree.street_a, **data)
    assert type(error.value) is DomainError  # a 400, never a 409 for a non-conflict
    assert list(error.value.fields) == [field]
    assert PartyOrganisation.objects.count() == 6
    assert not AuditEntry.objects.filter(action="org.create", object_repr="新支部").exists()


def test_secretary_name_none_becomes_empty(tree):
    org = services.org_update(actor=None, org=tree.branch_a, secretary_name=None, address=None)
    assert (org.secretary_name, org.address) == ("", "")


# --- Terms ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, start, years, end",
    [
        ("branch", dt.date(2024, 3, 1), None, dt.date(2027, 3, 1)),
        ("committee", dt.date(2024, 3, 1), None, dt.date(2029, 3, 1)),
        ("committee", dt.date(2024, 3, 1), 3, dt.date(2027, 3, 1)),
        ("branch", dt.date(2024, 3, 1), 5, dt.date(2029, 3, 1)),
        ("branch", dt.date(2024, 2, 29), None, dt.date(2027, 2, 28)),
        ("branch", dt.date(2024, 2, 29), 5, dt.date(2029, 2, 28)),
        ("general_branch", dt.date(2023, 12, 31), None, dt.date(2026, 12, 31)),
    ],
)
def test_term_end_is_computed(tree, kind, start, years, end):
    org = create(tree.street_a, "TERM", kind, term_start=start, term_years=years)
    assert (org.term_years, org.term_end) == (years or (5 if kind == "committee" else 3), end)
    stored = PartyOrganisation.objects.get(pk=org.pk)
    assert (stored.term_start, stored.term_end) == (start, end)


def test_add_years_on_29_february():
    assert services.add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert services.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert services.add_years(dt.date(2023, 6, 30), 3) == dt.date(2026, 6, 30)


def test_term_without_start_has_no_end(tree):
    org = create(tree.street_a, "NOSTART", term_years=5)
    assert (org.term_years, org.term_end) == (5, None)


def test_regional_term_length_applies_on_create_and_update(tree):
    PolicyValue.objects.create(key="orgs.term_years_branch", scope_path=tree.street_a.path, value=5)
    in_region = create(tree.street_a, "R5", term_start=dt.date(2024, 1, 10))
    elsewhere = create(tree.street_b, "R3", term_start=dt.date(2024, 1, 10))
    assert (in_region.term_years, in_region.term_end) == (5, dt.date(2029, 1, 10))
    assert (elsewhere.term_years, elsewhere.term_end) == (3, dt.date(2027, 1, 10))
    updated = services.org_update(actor=None, org=tree.branch_a, term_start=dt.date(2023, 7, 1))
    assert (updated.term_years, updated.term_end) == (5, dt.date(2028, 7, 1))


# --- Update -----------------------------------------------------------------------------------------


def test_update_records_only_the_changed_fields(tree, admin):
    org = services.org_update(actor=admin, org=tree.branch_a, name=" 骑手第一党支部 ", member_count=12)
    assert (org.name, org.member_count) == ("骑手第一党支部", 12)
    entry = AuditEntry.objects.get(action="org.update")
    assert entry.changes == {"member_count": [10, 12], "name": ["骑手党支部", "骑手第一党支部"]}
    assert (entry.actor_id, entry.org_path, entry.object_id) == (admin.pk, tree.branch_a.path, str(tree.branch_a.pk))


def test_create_audit_lists_the_initial_values(tree, admin):
    org = create(tree.street_a, "AUD", actor=admin, member_count=4, full_member_count=3)
    assert AuditEntry.objects.get(action="org.create", object_id=str(org.pk)).changes == {
        "address": [None, ""],
        "category": [None, "new_employment"],
        "code": [None, "AUD"],
        "full_member_count": [None, 3],
        "has_committee": [None, False],
        "kind": [None, "branch"],
        "member_count": [None, 4],
        "name": [None, "组织AUD"],
        "secretary_name": [None, ""],
        "special_type": [None, "standard"],
    }


def test_update_kind_must_fit_parent_and_children(tree):
    with pytest.raises(DomainError) as error:  # branch_a holds a group: a committee cannot
        services.org_update(actor=None, org=tree.branch_a, kind="committee")
    assert list(error.value.fields) == ["kind"]
    with pytest.raises(DomainError):  # street_a holds a branch: a branch cannot
        services.org_update(actor=None, org=tree.street_a, kind="branch")
    with pytest.raises(DomainError):  # the root must stay a committee
        services.org_update(actor=None, org=tree.root, kind="general_branch")
    assert services.org_update(actor=None, org=tree.branch_b, kind="general_branch").kind == "general_branch"
    assert PartyOrganisation.objects.get(pk=tree.branch_a.pk).kind == "branch"


def test_update_code_conflict_and_own_code(tree):
    with pytest.raises(ConflictError) as error:
        services.org_update(actor=None, org=tree.branch_a, code="bb")
    assert list(error.value.fields) == ["code"]
    assert services.org_update(actor=None, org=tree.branch_a, code="ba").code == "BA"


def test_update_scope(tree):
    secretary = make_user("secretary", tree.branch_a)
    assert services.org_update(actor=secretary, org=tree.branch_a, secretary_name="李四").secretary_name == "李四"
    with pytest.raises(NotFoundError):
        services.org_update(actor=secretary, org=tree.branch_b, name="x")
    viewer = make_user("committee_member", tree.street_a)
    with pytest.raises(ScopeDenied):
        services.org_update(actor=viewer, org=tree.branch_a, name="x")
    assert PartyOrganisation.objects.get(pk=tree.branch_b.pk).name == "快递党支部"


# --- Move -------------------------------------------------------------------------------------------


def test_move_carries_the_subtree(tree, admin):
    moved = services.org_move(actor=admin, org=tree.branch_a, new_parent=tree.street_b)
    rows = dict(PartyOrganisation.objects.values_list("code", "path"))
    assert rows["BA"] == moved.path == "000100020002"
    assert rows["GA"] == "0001000200020001"
    assert rows["BB"] == "000100020001"
    assert dict(PartyOrganisation.objects.values_list("code", "numchild"))["SA"] == 0
    assert dict(PartyOrganisation.objects.values_list("code", "numchild"))["SB"] == 2
    assert PartyOrganisation.objects.find_problems() == ([], [], [], [], [])
    entry = AuditEntry.objects.get(action="org.move")
    assert entry.changes == {"parent": [tree.street_a.pk, tree.street_b.pk], "path": ["000100010001", "000100020002"]}


@pytest.mark.parametrize("target", ["street_a", "branch_a", "group_a"])
def test_move_under_itself_or_a_descendant_is_refused(tree, admin, target):
    before = tree_state()
    with pytest.raises(DomainError) as error:
        services.org_move(actor=admin, org=tree.street_a, new_parent=getattr(tree, target))
    assert error.value.code == "move_into_own_subtree"
    assert list(error.value.fields) == ["parent"]
    assert tree_state() == before
    assert not AuditEntry.objects.filter(action="org.move").exists()


def test_move_under_the_same_parent_or_a_wrong_kind_is_refused(tree):
    before = tree_state()
    with pytest.raises(DomainError) as error:
        services.org_move(actor=None, org=tree.branch_a, new_parent=tree.street_a)
    assert list(error.value.fields) == ["parent"]
    with pytest.raises(DomainError) as error:
        services.org_move(actor=None, org=tree.group_a, new_parent=tree.street_b)
    assert error.value.code == "kind_not_allowed"
    assert tree_state() == before


def test_move_outside_the_actors_scope_is_not_found(tree):
    admin_a = make_user("org_admin", tree.street_a)
    before = tree_state()
    with pytest.raises(NotFoundError):
        services.org_move(actor=admin_a, org=tree.branch_a, new_parent=tree.street_b)
    with pytest.raises(NotFoundError):
        services.org_move(actor=admin_a, org=tree.branch_b, new_parent=tree.street_a)
    assert tree_state() == before


def test_move_that_leaves_the_scope_is_rolled_back(tree):
    """Every check before the move passes (the actor may move and create here) but the re-check after
    the move does not: the actor's token carries no read scope. The move must not survive."""
    second = create(tree.street_a, "SA2", "committee")
    admin_a = make_user("org_admin", tree.street_a)
    admin_a._api_token_scopes = frozenset({"orgs:write"})
    before = tree_state()
    with pytest.raises(ScopeDenied):
        services.org_move(actor=admin_a, org=tree.branch_a, new_parent=second)
    assert tree_state() == before
    assert not AuditEntry.objects.filter(action="org.move").exists()


def test_secretary_cannot_move(tree):
    secretary = make_user("secretary", tree.street_a)
    with pytest.raises(ScopeDenied):
        services.org_move(actor=secretary, org=tree.branch_a, new_parent=tree.street_a)
