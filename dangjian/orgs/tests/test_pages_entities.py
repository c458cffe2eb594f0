"""Host entity pages: list filters, detail, create / edit forms, coverage actions, the coverage page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import login, make_user
from dangjian.core.models import AuditEntry
from dangjian.orgs import services
from dangjian.orgs.models import HostEntity, InstructorAssignment, OrgEntityLink
from dangjian.orgs.tests.helpers import entity

VALID = "91350100M000100Y43"
LANGUAGES = [{}, {"HTTP_ACCEPT_LANGUAGE": "en"}]


@pytest.fixture
def admin(tree):
    return login(make_user("org_admin", tree.root))


@pytest.fixture
def three(tree):
    a = entity(tree.street_a, "A平台", industry="internet")
    b = entity(tree.branch_a, "B骑手", kind="worker_group", industry="food_delivery")
    c = entity(tree.street_b, "C协会", kind="association", industry="trade_association")
    services.coverage_link(actor=None, org=tree.branch_a, entity=a)
    services.instructor_assign(actor=None, entity=c, instructor_name="王", assigned_by=tree.root)
    return a, b, c


def listed(client, **params):
    response = client.get("/orgs/entities/", params)
    assert response.status_code == 200
    return [e.name for e in response.context["page"].object_list]


def entity_rows():
    return list(HostEntity.objects.order_by("pk").values())


def test_list_and_filters(tree, admin, three):
    assert listed(admin) == ["A平台", "B骑手", "C协会"]
    assert listed(admin, covered="org") == ["A平台"]
    assert listed(admin, covered="work") == ["C协会"]
    assert listed(admin, covered="none") == ["B骑手"]
    assert listed(admin, category="new_social") == ["C协会"]
    assert listed(admin, kind="worker_group") == ["B骑手"]
    assert listed(admin, industry="internet") == ["A平台"]
    assert listed(admin, q="协会") == ["C协会"]
    assert listed(admin, q=three[0].uscc) == ["A平台"]
    assert listed(admin, under=str(tree.street_a.pk)) == ["A平台", "B骑手"]
    # Values outside the choices are ignored rather than failing.
    assert listed(admin, kind="bogus", category="x", industry="y") == ["A平台", "B骑手", "C协会"]
    body = admin.get("/orgs/entities/", {"covered": "org"}).content.decode()
    assert "A平台" in body and "B骑手" not in body and three[0].uscc in body


def test_list_scope(tree, three):
    secretary = login(make_user("secretary", tree.street_b))
    assert listed(secretary) == ["C协会"]
    assert secretary.get("/orgs/entities/", {"under": tree.street_a.pk}).status_code == 404
    assert login(make_user("member", tree.root)).get("/orgs/entities/").status_code == 403


def test_detail(tree, admin, three):
    a, _, c = three
    response = admin.get(f"/orgs/entities/{a.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert a.uscc in body and "东街道党工委" in body
    assert response.context["entity"].org_covered is True
    assert [link.org.code for link in response.context["links"]] == ["BA"]
    assert response.context["can_cover"] is True
    detail_c = admin.get(f"/orgs/entities/{c.pk}/")
    assert [i.instructor_name for i in detail_c.context["instructors"]] == ["王"]
    assert detail_c.context["entity"].work_covered is True
    station = login(make_user("station_manager", tree.street_a))
    response = station.get(f"/orgs/entities/{a.pk}/")
    assert (response.context["can_change"], response.context["can_cover"]) == (False, False)
    assert response.context["link_form"] is None
    assert station.get(f"/orgs/entities/{c.pk}/").status_code == 404


ENTITY_FORM = {
    "name": "新平台公司",
    "kind": "platform_company",
    "uscc": VALID,
    "industry": "internet",
    "employee_count": 100,
    "member_count": 9,
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_create(tree, admin, lang):
    assert admin.get(f"/orgs/entities/new?owner={tree.street_a.pk}", **lang).status_code == 200
    response = admin.post(
        "/orgs/entities/new", {**ENTITY_FORM, "uscc": " 9135 0100 m000100y43", "owner_org": tree.street_a.pk}, **lang
    )
    e = HostEntity.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/orgs/entities/{e.pk}/")
    assert (e.uscc, e.owner_org_id, e.category, e.employee_count) == (VALID, tree.street_a.pk, "new_economic", 100)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "change, fields",
    [
        ({"uscc": "91350100M000100Y44"}, {"uscc"}),
        ({"uscc": "123"}, {"uscc"}),
        ({"uscc": ""}, {"uscc"}),
        ({"member_count": 101}, {"member_count"}),
        ({"kind": "company"}, {"kind"}),
        ({"latitude": "26.1"}, {"longitude"}),
        ({"owner_org": "999999"}, {"owner_org"}),
        ({"owner_org": ""}, {"owner_org"}),
        ({"name": ""}, {"name"}),
        ({"uscc": "dup"}, {"uscc"}),  # a duplicate found by the service
    ],
)
def test_create_errors_save_nothing(tree, admin, lang, change, fields):
    existing = entity(tree.street_b, "已登记")
    if change.get("uscc") == "dup":
        change = {"uscc": existing.uscc.lower()}
    before, audit_before = entity_rows(), AuditEntry.objects.count()
    response = admin.post("/orgs/entities/new", {**ENTITY_FORM, "owner_org": tree.street_a.pk, **change}, **lang)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == fields
    for field in fields:
        assert f'id="id_{field}_errors"' in response.content.decode()
    assert entity_rows() == before
    assert AuditEntry.objects.count() == audit_before


def test_create_owner_outside_scope_is_a_field_error(tree):
    secretary = login(make_user("secretary", tree.street_a))
    response = secretary.post("/orgs/entities/new", {**ENTITY_FORM, "owner_org": tree.street_b.pk})
    assert set(response.context["form"].errors) == {"owner_org"}
    assert not HostEntity.objects.exists()
    assert login(make_user("committee_member", tree.street_a)).get("/orgs/entities/new").status_code == 403


def test_edit(tree, admin):
    e = entity(tree.street_a, "旧名", uscc=VALID)
    form = admin.get(f"/orgs/entities/{e.pk}/edit")
    initial = form.context["form"].initial
    assert (initial["name"], initial["owner_org"]) == ("旧名", tree.street_a.pk)
    data = {**ENTITY_FORM, "name": "新名", "owner_org": tree.branch_a.pk}
    response = admin.post(f"/orgs/entities/{e.pk}/edit", data)
    assert (response.status_code, response["Location"]) == (302, f"/orgs/entities/{e.pk}/")
    stored = HostEntity.objects.get(pk=e.pk)
    assert (stored.name, stored.owner_org_id, stored.member_count) == ("新名", tree.branch_a.pk, 9)


def test_edit_errors_save_nothing(tree, admin):
    e = entity(tree.street_a, "甲", uscc=VALID)
    other = entity(tree.street_a, "乙")
    before = entity_rows()
    for change, fields in [
        ({"uscc": VALID}, {"uscc"}),
        ({"member_count": 500}, {"member_count"}),
        ({"parent_entity": other.pk}, {"parent_entity"}),
    ]:
        response = admin.post(
            f"/orgs/entities/{other.pk}/edit",
            {**ENTITY_FORM, "uscc": other.uscc, "owner_org": tree.street_a.pk, "parent_entity": "", **change},
        )
        assert set(response.context["form"].errors) == fields, change
    assert entity_rows() == before
    station = login(make_user("station_manager", tree.street_a))
    assert station.get(f"/orgs/entities/{e.pk}/edit").status_code == 403


def test_link_and_unlink_pages(tree, admin):
    e = entity(tree.street_a, "甲")
    response = admin.post(f"/orgs/entities/{e.pk}/link", {"org": tree.branch_a.pk})
    assert (response.status_code, response["Location"]) == (302, f"/orgs/entities/{e.pk}/")
    link = OrgEntityLink.objects.get()
    assert (link.org_id, link.entity_id) == (tree.branch_a.pk, e.pk)
    admin.post(f"/orgs/entities/{e.pk}/link", {"org": tree.branch_a.pk})  # a duplicate: a message, no second row
    admin.post(f"/orgs/entities/{e.pk}/link", {"org": tree.group_a.pk})  # a group cannot serve
    assert OrgEntityLink.objects.count() == 1
    assert admin.get(f"/orgs/entities/{e.pk}/link").status_code == 405
    response = admin.post(f"/orgs/entities/{e.pk}/unlink/{link.pk}")
    assert response.status_code == 302
    assert not OrgEntityLink.objects.exists()
    assert admin.post(f"/orgs/entities/{e.pk}/unlink/{link.pk}").status_code == 404


def test_instructor_pages(tree, admin):
    e = entity(tree.street_a, "甲")
    response = admin.post(
        f"/orgs/entities/{e.pk}/instructors",
        {"instructor_name": "李", "assigned_by": tree.street_a.pk, "start_date": "2025-01-02"},
    )
    assert response.status_code == 302
    a = InstructorAssignment.objects.get()
    assert (a.instructor_name, a.start_date, a.assigned_by_id) == ("李", dt.date(2025, 1, 2), tree.street_a.pk)
    admin.post(f"/orgs/entities/{e.pk}/instructors", {"instructor_name": "", "assigned_by": tree.street_a.pk})
    assert InstructorAssignment.objects.count() == 1
    assert admin.post(f"/orgs/instructors/{a.pk}/end").status_code == 302
    assert InstructorAssignment.objects.get().end_date == timezone.localdate()
    secretary = login(make_user("secretary", tree.street_a))
    assert (
        secretary.post(
            f"/orgs/entities/{e.pk}/instructors", {"instructor_name": "赵", "assigned_by": tree.street_a.pk}
        ).status_code
        == 403
    )
    assert InstructorAssignment.objects.count() == 1


def test_coverage_page(tree, admin, three):
    response = admin.get("/orgs/coverage/")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.total, report.total.org_covered, report.total.work_covered, report.total.rate) == (
        3,
        1,
        1,
        66.7,
    )
    assert "66.7%" in response.content.decode()
    under = admin.get("/orgs/coverage/", {"under": tree.street_a.pk}).context["report"].total
    assert (under.total, under.rate) == (2, 50.0)
    empty = login(make_user("secretary", tree.group_a)).get("/orgs/coverage/")
    assert empty.context["report"].total.total == 0
    assert login(make_user("station_manager", tree.root)).get("/orgs/coverage/").status_code == 403
