"""Role assignments: the separation of the three administrators, self-assignment, scope."""

import pytest

from conftest import make_user
from dangjian.accounts import services
from dangjian.accounts.models import RoleAssignment
from dangjian.core import scope
from dangjian.core.errors import ConflictError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry


@pytest.mark.parametrize(
    "first,second",
    [
        ("system_admin", "security_admin"),
        ("system_admin", "audit_admin"),
        ("security_admin", "audit_admin"),
        ("audit_admin", "system_admin"),
    ],
)
def test_one_person_cannot_hold_two_of_the_three(tree, first, second):
    user = make_user(first, tree.root)
    with pytest.raises(ConflictError) as info:
        services.role_assign(actor=None, user=user, role=second, org=tree.street_a)
    assert info.value.code == "separation_of_duties"
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == [first]


def test_same_admin_role_over_another_subtree_is_allowed(tree):
    user = make_user("audit_admin", tree.street_a)
    services.role_assign(actor=None, user=user, role="audit_admin", org=tree.street_b)
    assert RoleAssignment.objects.filter(user=user).count() == 2


def test_security_admin_assigns_within_scope(tree):
    sec = make_user("security_admin", tree.street_a)
    target = make_user(None, home_org=tree.branch_a)
    assignment = services.role_assign(actor=sec, user=target, role="secretary", org=tree.branch_a)
    assert assignment.granted_by == sec
    entry = AuditEntry.objects.get(action="role.assign", object_id=str(assignment.pk))
    assert entry.actor_id == sec.pk and entry.org_path == tree.branch_a.path
    assert scope.has_action(target, "org.change")


def test_security_admin_cannot_assign_outside_scope(tree):
    sec = make_user("security_admin", tree.street_a)
    target = make_user(None, home_org=tree.branch_a)
    with pytest.raises(NotFoundError):
        services.role_assign(actor=sec, user=target, role="secretary", org=tree.branch_b)
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_no_one_changes_their_own_roles(tree):
    sec = make_user("security_admin", tree.root)
    with pytest.raises(ScopeDenied):
        services.role_assign(actor=sec, user=sec, role="org_admin", org=tree.root)
    with pytest.raises(ScopeDenied):
        services.role_revoke(actor=sec, assignment=RoleAssignment.objects.get(user=sec))
    assert RoleAssignment.objects.filter(user=sec).count() == 1


def test_other_roles_cannot_assign(tree):
    admin = make_user("org_admin", tree.root)
    target = make_user(None, home_org=tree.branch_a)
    with pytest.raises((NotFoundError, ScopeDenied)):
        services.role_assign(actor=admin, user=target, role="secretary", org=tree.branch_a)


def test_duplicate_assignment_refused(tree):
    user = make_user("secretary", tree.branch_a)
    with pytest.raises(ConflictError):
        services.role_assign(actor=None, user=user, role="secretary", org=tree.branch_a)


def test_revoke_removes_access(tree):
    sec = make_user("security_admin", tree.root)
    user = make_user("secretary", tree.branch_a)
    assert scope.has_action(user, "org.change")
    services.role_revoke(actor=sec, assignment=RoleAssignment.objects.get(user=user))
    scope.forget(user)
    assert not scope.has_action(user, "org.change")
    assert AuditEntry.objects.filter(action="role.revoke").count() == 1


def test_scope_of_a_role_is_its_subtree(tree):
    secretary = make_user("secretary", tree.street_a)
    assert scope.can(secretary, "org.view", tree.group_a)
    assert scope.can(secretary, "org.change", tree.branch_a)
    assert not scope.can(secretary, "org.view", tree.root)
    assert not scope.can(secretary, "org.view", tree.branch_b)
    assert not scope.can(secretary, "org.move", tree.branch_a)


def test_the_three_admins_see_no_business_writes(tree):
    for role in ("system_admin", "security_admin", "audit_admin"):
        user = make_user(role, tree.root)
        for action in ("org.change", "org.create", "entity.change", "coverage.change"):
            assert not scope.has_action(user, action), (role, action)
    auditor = make_user("audit_admin", tree.street_a)
    assert not scope.has_action(auditor, "org.view")
    assert scope.has_action(auditor, "audit.view")
