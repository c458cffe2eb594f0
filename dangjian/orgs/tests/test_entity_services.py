"""entity_create / entity_update, coverage links and instructor assignments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry
from dangjian.orgs import services
from dangjian.orgs.models import HostEntity, InstructorAssignment, OrgEntityLink
from dangjian.orgs.tests.helpers import entity

VALID = "91350100M000100Y43"


@pytest.fixture
def admin(tree):
    return make_user("org_admin", tree.root, username="admin")


@pytest.mark.parametrize(
    "kind, category",
    [
        ("platform_company", "new_economic"),
        ("digital_firm", "new_economic"),
        ("other_enterprise", "new_economic"),
        ("association", "new_social"),
        ("foundation", "new_social"),
        ("social_service", "new_social"),
        ("worker_group", "new_employment"),
    ],
)
def test_category_follows_kind(tree, kind, category):
    e = entity(tree.street_a, "单位", kind=kind)
    assert HostEntity.objects.get(pk=e.pk).category == category


def test_create_normalises_the_credit_code_and_audits(tree, admin):
    e = services.entity_create(
        actor=admin,
        owner_org=tree.street_a,
        name=" 某平台公司 ",
        kind="platform_company",
        uscc=" 9135 0100m000100y43 ",
        industry="internet",
        employee_count=200,
        member_count=12,
    )
    stored = HostEntity.objects.get(pk=e.pk)
    assert (stored.name, stored.uscc, stored.category) == ("某平台公司", VALID, "new_economic")
    entry = AuditEntry.objects.get(action="entity.create")
    assert entry.org_path == tree.street_a.path
    assert entry.changes == {
        "address": [None, ""],
        "employee_count": [None, 200],
        "industry": [None, "internet"],
        "kind": [None, "platform_company"],
        "member_count": [None, 12],
        "name": [None, "某平台公司"],
        "owner_org_id": [None, tree.street_a.pk],
        "uscc": [None, VALID],
    }


@pytest.mark.parametrize(
    "code, error_code",
    [
        ("91350100M000100Y44", "invalid_uscc"),
        ("91350100M000100Y4", "invalid_uscc"),
        ("91350100O000100Y43", "invalid_uscc"),
    ],
)
def test_malformed_credit_code_is_refused(tree, code, error_code):
    with pytest.raises(DomainError) as error:
        entity(tree.street_a, "坏代码公司", uscc=code)
    assert (error.value.code, list(error.value.fields)) == (error_code, ["uscc"])
    assert not HostEntity.objects.exists()


def test_only_worker_groups_go_without_a_credit_code(tree):
    with pytest.raises(DomainError) as error:
        entity(tree.street_a, "无代码协会", kind="association", uscc="")
    assert list(error.value.fields) == ["uscc"]
    a = entity(tree.street_a, "骑手群体一", kind="worker_group", uscc="")
    b = entity(tree.street_a, "骑手群体二", kind="worker_group", uscc=None)
    assert list(HostEntity.objects.filter(pk__in=[a.pk, b.pk]).values_list("uscc", flat=True)) == [None, None]


def test_duplicate_credit_code_conflicts_whatever_its_spelling(tree):
    entity(tree.street_a, "甲公司", uscc=VALID)
    for spelling in (VALID, VALID.lower(), " 9135 0100 M000 100Y 43"):
        with pytest.raises(ConflictError) as error:
            entity(tree.street_b, "乙公司", uscc=spelling)
        assert (error.value.status, list(error.value.fields)) == (409, ["uscc"])
    assert HostEntity.objects.count() == 1


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"member_count": 11, "employee_count": 10}, "member_count"),
        ({"member_count": -1}, "member_count"),
        ({"employee_count": -5}, "employee_count"),
        ({"name": "名" * 151}, "name"),
        ({"name": "  "}, "name"),
        ({"kind": "bogus"}, "kind"),
        ({"industry": None}, "industry"),
        ({"address": "址" * 201}, "address"),
        ({"latitude": 26}, "latitude"),
        ({"owner_org_id": None}, "owner_org_id"),
    ],
)
def test_bad_entity_fields(tree, extra, field):
    data = {"name": "新单位", "kind": "worker_group", **extra}
    with pytest.raises(DomainError) as error:
        services.entity_create(actor=None, owner_org=tree.street_a, **data)
    assert type(error.value) is DomainError
    assert list(error.value.fields) == [field]
    assert not HostEntity.objects.exists()


def test_no_employee_count_allows_any_member_count(tree):
    e = entity(tree.street_a, "群体", kind="worker_group", employee_count=0, member_count=7)
    assert e.member_count == 7


def test_entity_scope(tree):
    secretary_b = make_user("secretary", tree.branch_b)
    with pytest.raises(NotFoundError):
        services.entity_create(actor=secretary_b, owner_org=tree.street_a, name="x", kind="worker_group")
    viewer = make_user("committee_member", tree.street_a)
    with pytest.raises(ScopeDenied):
        services.entity_create(actor=viewer, owner_org=tree.street_a, name="x", kind="worker_group")
    assert not HostEntity.objects.exists()
    own = services.entity_create(actor=secretary_b, owner_org=tree.branch_b, name="快递群体", kind="worker_group")
    assert own.owner_org_id == tree.branch_b.pk


def test_update_fields_owner_and_audit(tree):
    admin_a = make_user("org_admin", tree.street_a)
    e = entity(tree.street_a, "甲公司", uscc=VALID)
    services.entity_update(actor=admin_a, entity=e, owner_org=tree.branch_a, employee_count=30)
    stored = HostEntity.objects.get(pk=e.pk)
    assert (stored.owner_org_id, stored.employee_count) == (tree.branch_a.pk, 30)
    assert AuditEntry.objects.get(action="entity.update").changes == {
        "employee_count": [0, 30],
        "owner_org_id": [tree.street_a.pk, tree.branch_a.pk],
    }
    with pytest.raises(NotFoundError):
        services.entity_update(actor=admin_a, entity=e, owner_org=tree.street_b)
    assert HostEntity.objects.get(pk=e.pk).owner_org_id == tree.branch_a.pk


def test_update_duplicate_credit_code_and_switch_to_worker_group(tree):
    a = entity(tree.street_a, "甲公司", uscc=VALID)
    b = entity(tree.street_a, "乙公司")
    with pytest.raises(ConflictError):
        services.entity_update(actor=None, entity=b, uscc=VALID.lower())
    services.entity_update(actor=None, entity=a, uscc=VALID)  # its own code is no conflict
    services.entity_update(actor=None, entity=b, kind="worker_group", uscc="")
    stored = HostEntity.objects.get(pk=b.pk)
    assert (stored.kind, stored.category, stored.uscc) == ("worker_group", "new_employment", None)


def test_parent_entity_rules(tree):
    secretary_a = make_user("secretary", tree.street_a)
    platform = entity(tree.street_a, "平台")
    foreign = entity(tree.street_b, "别处平台")
    child = services.entity_create(
        actor=secretary_a, owner_org=tree.street_a, name="站点", kind="worker_group", parent_entity_id=platform.pk
    )
    assert child.parent_entity_id == platform.pk
    with pytest.raises(DomainError) as error:
        services.entity_update(actor=secretary_a, entity=child, parent_entity_id=foreign.pk)
    assert list(error.value.fields) == ["parent_entity_id"]
    with pytest.raises(DomainError) as error:
        services.entity_update(actor=secretary_a, entity=platform, parent_entity_id=platform.pk)
    assert list(error.value.fields) == ["parent_entity_id"]
    with pytest.raises(DomainError):
        services.entity_update(actor=None, entity=child, parent_entity_id=999999)
    assert HostEntity.objects.get(pk=child.pk).parent_entity_id == platform.pk


# --- Coverage links ----------------------------------------------------------------------------------


def test_link_and_unlink(tree, admin):
    e = entity(tree.street_a, "甲公司")
    link = services.coverage_link(actor=admin, org=tree.branch_a, entity=e)
    assert (link.org_id, link.entity_id, link.linked_on) == (tree.branch_a.pk, e.pk, timezone.localdate())
    assert AuditEntry.objects.get(action="coverage.link").changes == {
        "org": [None, tree.branch_a.pk],
        "entity": [None, e.pk],
    }
    with pytest.raises(ConflictError):
        services.coverage_link(actor=admin, org=tree.branch_a, entity=e)
    assert OrgEntityLink.objects.count() == 1
    services.coverage_unlink(actor=admin, link=link)
    assert not OrgEntityLink.objects.exists()
    entry = AuditEntry.objects.get(action="coverage.unlink")
    assert (entry.changes, entry.org_path) == (
        {"org": [tree.branch_a.pk, None], "entity": [e.pk, None]},
        tree.branch_a.path,
    )


def test_link_refusals(tree):
    admin_a = make_user("org_admin", tree.street_a)
    e = entity(tree.street_a, "甲公司")
    with pytest.raises(DomainError) as error:
        services.coverage_link(actor=admin_a, org=tree.group_a, entity=e)
    assert list(error.value.fields) == ["org"]
    with pytest.raises(NotFoundError):
        services.coverage_link(actor=admin_a, org=tree.branch_b, entity=e)
    with pytest.raises(NotFoundError):
        services.coverage_link(actor=admin_a, org=tree.branch_a, entity=entity(tree.street_b, "乙公司"))
    with pytest.raises(ScopeDenied):
        services.coverage_link(actor=make_user("secretary", tree.street_a), org=tree.branch_a, entity=e)
    assert not OrgEntityLink.objects.exists()


# --- Instructors --------------------------------------------------------------------------------------


def test_instructor_assign_and_end(tree, admin):
    e = entity(tree.street_a, "甲公司")
    a = services.instructor_assign(
        actor=admin, entity=e, instructor_name=" 王指导 ", assigned_by=tree.street_a, start_date=dt.date(2025, 3, 1)
    )
    assert (a.instructor_name, a.start_date, a.end_date) == ("王指导", dt.date(2025, 3, 1), None)
    assert AuditEntry.objects.get(action="coverage.instructor_assign").changes == {"instructor_name": [None, "王指导"]}
    with pytest.raises(DomainError) as error:
        services.instructor_end(actor=admin, assignment=a, end_date=dt.date(2025, 2, 28))
    assert list(error.value.fields) == ["end_date"]
    ended = services.instructor_end(actor=admin, assignment=a, end_date=dt.date(2025, 3, 1))
    assert InstructorAssignment.objects.get(pk=a.pk).end_date == dt.date(2025, 3, 1) == ended.end_date
    assert AuditEntry.objects.get(action="coverage.instructor_end").changes == {"end_date": [None, "2025-03-01"]}
    with pytest.raises(ConflictError):  # ending again would rewrite history
        services.instructor_end(actor=admin, assignment=a)
    assert InstructorAssignment.objects.get(pk=a.pk).end_date == dt.date(2025, 3, 1)


def test_instructor_defaults_and_refusals(tree):
    admin_a = make_user("org_admin", tree.street_a)
    e = entity(tree.street_a, "甲公司")
    a = services.instructor_assign(actor=admin_a, entity=e, instructor_name="王", assigned_by=tree.branch_a)
    assert a.start_date == timezone.localdate()
    for name, field in (("  ", "instructor_name"), ("王" * 51, "instructor_name")):
        with pytest.raises(DomainError) as error:
            services.instructor_assign(actor=admin_a, entity=e, instructor_name=name, assigned_by=tree.street_a)
        assert list(error.value.fields) == [field]
    with pytest.raises(NotFoundError):
        services.instructor_assign(actor=admin_a, entity=e, instructor_name="王", assigned_by=tree.street_b)
    with pytest.raises(ScopeDenied):
        services.instructor_end(actor=make_user("secretary", tree.street_a), assignment=a)
    assert InstructorAssignment.objects.count() == 1


def test_parent_entity_cycle_is_refused(tree):
    a = services.entity_create(actor=None, owner_org=tree.street_a, name="甲平台", kind="worker_group")
    b = services.entity_create(
        actor=None, owner_org=tree.street_a, name="乙群体", kind="worker_group", parent_entity_id=a.pk
    )
    with pytest.raises(DomainError) as info:
        services.entity_update(actor=None, entity=a, parent_entity_id=b.pk)
    assert info.value.fields.keys() == {"parent_entity_id"}
    a.refresh_from_db()
    assert a.parent_entity_id is None
