"""/api/v1/orgs/entities, links, instructors and coverage, with exact JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import login, make_user
from dangjian.orgs import services
from dangjian.orgs.models import HostEntity, InstructorAssignment, OrgEntityLink
from dangjian.orgs.tests.helpers import api_error, entity

URL = "/api/v1/orgs/entities"
VALID = "91350100M000100Y43"


@pytest.fixture
def admin(tree):
    return login(make_user("org_admin", tree.root))


def post(client, url, data):
    return client.post(url, data=data, content_type="application/json")


def entity_json(e, **changes):
    data = {
        "id": e.pk,
        "name": e.name,
        "kind": e.kind,
        "category": e.category,
        "uscc": e.uscc,
        "industry": e.industry,
        "address": "",
        "latitude": None,
        "longitude": None,
        "employee_count": 0,
        "member_count": 0,
        "owner_org_id": e.owner_org_id,
        "owner_org_name": e.owner_org.name,
        "parent_entity_id": None,
        "org_covered": False,
        "work_covered": False,
    }
    data.update(changes)
    return data


def test_create_and_get(tree, admin):
    payload = {
        "owner_org_id": tree.street_a.pk,
        "name": "某外卖平台",
        "kind": "platform_company",
        "uscc": "9135 0100 m000 100y43",
        "industry": "food_delivery",
        "employee_count": 300,
        "member_count": 21,
        "address": "东街1号",
    }
    response = post(admin, URL, payload)
    assert response.status_code == 201, response.content
    e = HostEntity.objects.get()
    expected = entity_json(
        e,
        uscc=VALID,
        employee_count=300,
        member_count=21,
        address="东街1号",
        category="new_economic",
        owner_org_name="东街道党工委",
    )
    assert response.json() == expected
    assert admin.get(f"{URL}/{e.pk}").json() == expected


def test_worker_group_without_code(tree, admin):
    response = post(admin, URL, {"owner_org_id": tree.branch_a.pk, "name": "骑手群体", "kind": "worker_group"})
    assert response.status_code == 201
    body = response.json()
    assert (body["uscc"], body["category"], body["industry"], body["owner_org_name"]) == (
        None,
        "new_employment",
        "other",
        "骑手党支部",
    )


@pytest.mark.parametrize(
    "change, status, code, field",
    [
        ({"uscc": "91350100M000100Y44"}, 422, "validation_error", "uscc"),  # wrong check character
        ({"uscc": "91350100M00010"}, 422, "validation_error", "uscc"),
        ({"uscc": "91350100I000100Y43"}, 422, "validation_error", "uscc"),
        ({"kind": "company"}, 422, "validation_error", "kind"),
        ({"industry": "mining"}, 422, "validation_error", "industry"),
        ({"employee_count": "lots"}, 422, "validation_error", "employee_count"),
        ({"uscc": ""}, 400, "invalid", "uscc"),  # only worker groups go without
        ({"member_count": 5, "employee_count": 4}, 400, "invalid", "member_count"),
        ({"member_count": -1}, 400, "invalid", "member_count"),
        ({"name": "名" * 151}, 400, "invalid", "name"),
        ({"industry": None}, 400, "invalid", "industry"),
        ({"parent_entity_id": 999999}, 400, "invalid", "parent_entity_id"),
    ],
)
def test_create_refusals(tree, admin, change, status, code, field):
    payload = {"owner_org_id": tree.street_a.pk, "name": "某公司", "kind": "digital_firm", "uscc": VALID, **change}
    response = post(admin, URL, payload)
    assert response.status_code == status, response.content
    error = api_error(response)
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert error["fields"][field][0]
    assert not HostEntity.objects.exists()


def test_duplicate_code_is_409(tree, admin):
    entity(tree.street_b, "已登记公司", uscc=VALID)
    response = post(
        admin, URL, {"owner_org_id": tree.street_a.pk, "name": "x", "kind": "digital_firm", "uscc": VALID.lower()}
    )
    assert response.status_code == 409
    assert api_error(response)["fields"].keys() == {"uscc"}
    assert HostEntity.objects.count() == 1


def test_create_scope(tree):
    secretary = login(make_user("secretary", tree.street_b))
    data = {"owner_org_id": tree.street_a.pk, "name": "x", "kind": "worker_group"}
    assert post(secretary, URL, data).status_code == 404
    viewer = login(make_user("committee_member", tree.street_a))
    response = post(viewer, URL, data)
    assert (response.status_code, api_error(response)["code"]) == (403, "forbidden")
    assert not HostEntity.objects.exists()


def test_list_filters_and_scope(tree, admin):
    a = entity(tree.street_a, "A平台", industry="internet")
    b = entity(tree.branch_a, "B骑手", kind="worker_group", industry="food_delivery")
    c = entity(tree.street_b, "C协会", kind="association", industry="trade_association")
    services.coverage_link(actor=None, org=tree.branch_a, entity=a)
    services.instructor_assign(actor=None, entity=c, instructor_name="王", assigned_by=tree.root)

    def names(query="", client=admin):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [i["name"] for i in response.json()["items"]], response.json()["count"]

    assert names() == (["A平台", "B骑手", "C协会"], 3)
    assert admin.get(URL).json()["items"][0] == entity_json(a, org_covered=True)
    assert admin.get(URL).json()["items"][2] == entity_json(c, work_covered=True)
    assert names("covered=org") == (["A平台"], 1)
    assert names("covered=work") == (["C协会"], 1)
    assert names("covered=none") == (["B骑手"], 1)
    assert names("category=new_social") == (["C协会"], 1)
    assert names("kind=worker_group") == (["B骑手"], 1)
    assert names("industry=internet") == (["A平台"], 1)
    assert names(f"under_id={tree.street_a.pk}") == (["A平台", "B骑手"], 2)
    assert names(f"q={c.uscc.lower()}") == (["C协会"], 1)
    assert names("limit=1&offset=1") == (["B骑手"], 3)
    secretary_b = login(make_user("secretary", tree.street_b))
    assert names(client=secretary_b) == (["C协会"], 1)
    assert secretary_b.get(f"{URL}/{b.pk}").status_code == 404
    assert secretary_b.get(f"{URL}?under_id={tree.street_a.pk}").status_code == 404
    member = login(make_user("member", tree.root))  # sees organisations, not host entities
    assert member.get(URL).status_code == 403


def test_update(tree, admin):
    e = entity(tree.street_a, "旧名", uscc=VALID)
    response = admin.patch(
        f"{URL}/{e.pk}",
        data={"name": "新名", "owner_org_id": tree.branch_a.pk, "latitude": "26.1", "longitude": "119.3"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == entity_json(
        e,
        name="新名",
        owner_org_id=tree.branch_a.pk,
        owner_org_name="骑手党支部",
        latitude="26.100000",
        longitude="119.300000",
    )


def test_update_refusals(tree, admin):
    e = entity(tree.street_a, "甲", uscc=VALID)
    other = entity(tree.street_a, "乙")
    before = HostEntity.objects.filter(pk=other.pk).values().get()
    for payload, status, field in [
        ({"uscc": VALID}, 409, "uscc"),
        ({"uscc": "91350100M000100Y40"}, 422, "uscc"),
        ({"kind": None}, 400, "kind"),
        ({"latitude": "26"}, 400, "latitude"),
        ({"parent_entity_id": other.pk}, 400, "parent_entity_id"),
    ]:
        response = admin.patch(f"{URL}/{other.pk}", data=payload, content_type="application/json")
        assert response.status_code == status, (payload, response.content)
        assert list(api_error(response)["fields"]) == [field]
    assert HostEntity.objects.filter(pk=other.pk).values().get() == before
    admin_a = login(make_user("org_admin", tree.street_a))
    response = admin_a.patch(f"{URL}/{e.pk}", data={"owner_org_id": tree.street_b.pk}, content_type="application/json")
    assert response.status_code == 404
    viewer = login(make_user("station_manager", tree.street_a))
    assert viewer.patch(f"{URL}/{e.pk}", data={"name": "x"}, content_type="application/json").status_code == 403
    assert HostEntity.objects.get(pk=e.pk).owner_org_id == tree.street_a.pk


def test_links(tree, admin):
    e = entity(tree.street_a, "甲")
    response = post(admin, f"{URL}/{e.pk}/links", {"org_id": tree.branch_a.pk})
    assert response.status_code == 201
    link = OrgEntityLink.objects.get()
    assert response.json() == {
        "id": link.pk,
        "org_id": tree.branch_a.pk,
        "entity_id": e.pk,
        "linked_on": timezone.localdate().isoformat(),
    }
    assert admin.get(f"{URL}/{e.pk}").json()["org_covered"] is True
    again = post(admin, f"{URL}/{e.pk}/links", {"org_id": tree.branch_a.pk})
    assert (again.status_code, api_error(again)["code"], api_error(again)["fields"]) == (409, "conflict", {})
    group = post(admin, f"{URL}/{e.pk}/links", {"org_id": tree.group_a.pk})
    assert (group.status_code, list(api_error(group)["fields"])) == (400, ["org"])
    assert admin.delete(f"{URL}/{e.pk}/links/{tree.branch_a.pk}").status_code == 204
    assert not OrgEntityLink.objects.exists()
    gone = admin.delete(f"{URL}/{e.pk}/links/{tree.branch_a.pk}")
    assert (gone.status_code, api_error(gone)["code"]) == (404, "not_found")


def test_links_scope(tree):
    e = entity(tree.street_a, "甲")
    services.coverage_link(actor=None, org=tree.branch_a, entity=e)
    secretary = login(make_user("secretary", tree.street_a))
    assert post(secretary, f"{URL}/{e.pk}/links", {"org_id": tree.street_a.pk}).status_code == 403
    assert secretary.delete(f"{URL}/{e.pk}/links/{tree.branch_a.pk}").status_code == 403
    admin_b = login(make_user("org_admin", tree.street_b))
    assert post(admin_b, f"{URL}/{e.pk}/links", {"org_id": tree.branch_b.pk}).status_code == 404
    assert OrgEntityLink.objects.count() == 1


def test_instructors(tree, admin):
    e = entity(tree.street_a, "甲")
    response = post(
        admin,
        f"{URL}/{e.pk}/instructors",
        {"instructor_name": "李指导", "assigned_by_id": tree.street_a.pk, "start_date": "2025-01-02"},
    )
    assert response.status_code == 201
    a = InstructorAssignment.objects.get()
    assert response.json() == {
        "id": a.pk,
        "entity_id": e.pk,
        "instructor_name": "李指导",
        "assigned_by_id": tree.street_a.pk,
        "start_date": "2025-01-02",
        "end_date": None,
    }
    assert admin.get(f"{URL}/{e.pk}").json()["work_covered"] is True
    early = post(admin, f"/api/v1/orgs/instructors/{a.pk}/end", {"end_date": "2025-01-01"})
    assert (early.status_code, list(api_error(early)["fields"])) == (400, ["end_date"])
    ended = post(admin, f"/api/v1/orgs/instructors/{a.pk}/end", {"end_date": "2025-03-31"})
    assert ended.status_code == 200
    assert ended.json()["end_date"] == "2025-03-31"
    again = post(admin, f"/api/v1/orgs/instructors/{a.pk}/end", {})
    assert (again.status_code, api_error(again)["code"]) == (409, "conflict")
    assert InstructorAssignment.objects.get().end_date == dt.date(2025, 3, 31)
    missing = post(admin, f"{URL}/{e.pk}/instructors", {"assigned_by_id": tree.street_a.pk})
    assert (missing.status_code, list(api_error(missing)["fields"])) == (422, ["instructor_name"])
    blank = post(admin, f"{URL}/{e.pk}/instructors", {"instructor_name": " ", "assigned_by_id": tree.root.pk})
    assert (blank.status_code, list(api_error(blank)["fields"])) == (400, ["instructor_name"])


def test_instructor_scope(tree):
    e = entity(tree.street_a, "甲")
    a = services.instructor_assign(actor=None, entity=e, instructor_name="王", assigned_by=tree.street_a)
    secretary = login(make_user("secretary", tree.street_a))
    assert post(secretary, f"/api/v1/orgs/instructors/{a.pk}/end", {}).status_code == 403
    outsider = login(make_user("org_admin", tree.street_b))
    assert post(outsider, f"/api/v1/orgs/instructors/{a.pk}/end", {}).status_code == 404
    admin_a = login(make_user("org_admin", tree.street_a))
    foreign = post(admin_a, f"{URL}/{e.pk}/instructors", {"instructor_name": "赵", "assigned_by_id": tree.street_b.pk})
    assert foreign.status_code == 404
    assert InstructorAssignment.objects.get().end_date is None


def test_coverage_endpoint(tree, admin):
    a = entity(tree.street_a, "A", industry="internet")
    entity(tree.street_a, "B", industry="internet")
    c = entity(tree.street_b, "C", kind="worker_group", industry="food_delivery")
    services.coverage_link(actor=None, org=tree.branch_a, entity=a)
    services.instructor_assign(actor=None, entity=c, instructor_name="王", assigned_by=tree.root)
    body = admin.get("/api/v1/orgs/coverage").json()
    total = {k: v for k, v in body["total"].items() if k != "label"}
    assert total == {
        "key": "all",
        "total": 3,
        "org_covered": 1,
        "work_covered": 1,
        "covered": 2,
        "org_rate": 33.3,
        "rate": 66.7,
    }
    assert [(r["key"], r["total"], r["covered"], r["rate"]) for r in body["by_category"]] == [
        ("new_economic", 2, 1, 50.0),
        ("new_social", 0, 0, 0.0),
        ("new_employment", 1, 1, 100.0),
    ]
    assert [(r["key"], r["total"], r["org_covered"], r["work_covered"]) for r in body["by_industry"]] == [
        ("internet", 2, 1, 0),
        ("food_delivery", 1, 0, 1),
    ]
    under = admin.get(f"/api/v1/orgs/coverage?under_id={tree.street_b.pk}").json()["total"]
    assert (under["total"], under["rate"]) == (1, 100.0)
    secretary = login(make_user("secretary", tree.street_a))
    assert secretary.get("/api/v1/orgs/coverage").json()["total"]["total"] == 2
    assert secretary.get(f"/api/v1/orgs/coverage?under_id={tree.street_b.pk}").status_code == 404
    assert login(make_user("station_manager", tree.root)).get("/api/v1/orgs/coverage").status_code == 403
