"""/api/v1/orgs: list, get, create, update, move and warnings, with exact JSON."""

from __future__ import annotations

import pytest

from conftest import login, make_user
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import PartyOrganisation
from dangjian.orgs.tests.helpers import api_error

URL = "/api/v1/orgs"


@pytest.fixture
def admin(tree):
    return login(make_user("org_admin", tree.root))


def codes(response):
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def org_json(org, parent_id, **changes):
    data = {
        "id": org.pk,
        "name": org.name,
        "code": org.code,
        "kind": org.kind,
        "special_type": "standard",
        "category": org.category,
        "parent_id": parent_id,
        "depth": org.depth,
        "child_count": org.numchild,
        "established_on": None,
        "term_start": None,
        "term_years": None,
        "term_end": None,
        "secretary_name": "",
        "has_committee": False,
        "member_count": org.member_count,
        "full_member_count": org.full_member_count,
        "address": "",
        "latitude": None,
        "longitude": None,
    }
    data.update(changes)
    return data


def test_get_org(tree, admin):
    response = admin.get(f"{URL}/{tree.branch_a.pk}")
    assert response.status_code == 200
    assert response.json() == org_json(tree.branch_a, tree.street_a.pk, child_count=1)
    assert admin.get(f"{URL}/{tree.root.pk}").json()["parent_id"] is None


def test_list_in_tree_order_with_pagination(tree, admin):
    response = admin.get(URL)
    assert codes(response) == ["ROOT", "SA", "BA", "GA", "SB", "BB"]
    assert response.json()["count"] == 6
    assert response.json()["items"][2] == org_json(tree.branch_a, tree.street_a.pk, child_count=1)
    page = admin.get(f"{URL}?limit=2&offset=1").json()
    assert ([i["code"] for i in page["items"]], page["count"]) == (["SA", "BA"], 6)
    assert admin.get(f"{URL}?offset=6").json() == {"items": [], "count": 6}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=branch", ["BA", "BB"]),
        ("kind=committee&category=comprehensive", ["ROOT", "SA", "SB"]),
        ("q=骑手", ["BA", "GA"]),
        ("q=bb", ["BB"]),  # a code matches whole, in any case
        ("q=B", []),
        ("special_type=joint", []),
    ],
)
def test_list_filters(tree, admin, query, expected):
    assert codes(admin.get(f"{URL}?{query}")) == expected


def test_list_parent_and_under(tree, admin):
    assert codes(admin.get(f"{URL}?parent_id={tree.root.pk}")) == ["SA", "SB"]
    assert codes(admin.get(f"{URL}?under_id={tree.street_a.pk}")) == ["SA", "BA", "GA"]


def test_list_term_expiring(tree, admin):
    admin.patch(f"{URL}/{tree.branch_b.pk}", data={"term_start": "2020-01-01"}, content_type="application/json")
    assert codes(admin.get(f"{URL}?term_expiring=true")) == ["BB"]


def test_list_is_limited_to_the_scope(tree):
    client = login(make_user("member", tree.street_b))
    response = client.get(URL)
    assert (codes(response), response.json()["count"]) == (["SB", "BB"], 2)
    # The top of the scope names its parent's id only; the parent itself stays hidden.
    assert response.json()["items"][0]["parent_id"] == tree.root.pk
    assert client.get(f"{URL}/{tree.root.pk}").status_code == 404
    for query in (f"under_id={tree.street_a.pk}", f"parent_id={tree.branch_a.pk}"):
        response = client.get(f"{URL}?{query}")
        assert (response.status_code, api_error(response)["code"]) == (404, "not_found")


def test_create(tree, admin):
    payload = {
        "parent_id": tree.street_a.pk,
        "name": " 外卖党支部 ",
        "code": "wm-1",
        "kind": "branch",
        "category": "new_employment",
        "term_start": "2024-02-29",
        "member_count": 8,
        "full_member_count": 6,
        "latitude": "26.074508",
        "longitude": "119.296494",
        "special_type": "platform",
    }
    response = admin.post(URL, data=payload, content_type="application/json")
    assert response.status_code == 201, response.content
    org = PartyOrganisation.objects.get(code="WM-1")
    assert response.json() == org_json(
        org,
        tree.street_a.pk,
        name="外卖党支部",
        code="WM-1",
        special_type="platform",
        term_start="2024-02-29",
        term_years=3,
        term_end="2027-02-28",
        member_count=8,
        full_member_count=6,
        latitude="26.074508",
        longitude="119.296494",
        depth=3,
        child_count=0,
    )
    assert org.path.startswith(tree.street_a.path) and org.depth == 3
    assert AuditEntry.objects.filter(action="org.create", object_id=str(org.pk)).count() == 1


@pytest.mark.parametrize(
    "change, status, code, field",
    [
        ({"kind": "cell"}, 422, "validation_error", "kind"),
        ({"category": "government"}, 422, "validation_error", "category"),
        ({"member_count": "many"}, 422, "validation_error", "member_count"),
        ({"term_start": "2024-02-30"}, 422, "validation_error", "term_start"),
        ({"name": None}, 422, "validation_error", "name"),
        ({"kind": "group"}, 400, "kind_not_allowed", "kind"),
        ({"term_years": 4, "term_start": "2024-01-01"}, 400, "invalid", "term_years"),
        ({"member_count": 3, "full_member_count": 4}, 400, "invalid", "full_member_count"),
        ({"member_count": -1, "full_member_count": -1}, 400, "invalid", "member_count"),
        ({"name": "长" * 121}, 400, "invalid", "name"),
        ({"code": "BA"}, 409, "conflict", "code"),
    ],
)
def test_create_refusals(tree, admin, change, status, code, field):
    payload = {
        "parent_id": tree.street_a.pk,
        "name": "新支部",
        "code": "NEW",
        "kind": "branch",
        "category": "new_employment",
        **change,
    }
    response = admin.post(URL, data=payload, content_type="application/json")
    assert response.status_code == status
    error = api_error(response)
    assert error["code"] == code
    assert list(error["fields"]) == [field]
    assert error["message"]
    assert PartyOrganisation.objects.count() == 6


def test_create_missing_fields_lists_each(tree, admin):
    response = admin.post(URL, data={"parent_id": tree.street_a.pk}, content_type="application/json")
    assert response.status_code == 422
    assert sorted(api_error(response)["fields"]) == ["category", "code", "kind", "name"]


def test_create_scope(tree):
    admin_a = login(make_user("org_admin", tree.street_a))
    payload = {"parent_id": tree.street_b.pk, "name": "x", "code": "X1", "kind": "branch", "category": "new_employment"}
    response = admin_a.post(URL, data=payload, content_type="application/json")
    assert (response.status_code, api_error(response)["code"]) == (404, "not_found")
    secretary = login(make_user("secretary", tree.street_a))
    response = secretary.post(URL, data={**payload, "parent_id": tree.street_a.pk}, content_type="application/json")
    assert (response.status_code, api_error(response)["code"]) == (403, "forbidden")
    assert PartyOrganisation.objects.count() == 6


def test_update(tree, admin):
    response = admin.patch(
        f"{URL}/{tree.branch_a.pk}",
        data={"name": "骑手一支部", "has_committee": True, "term_start": "2023-07-01"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == org_json(
        tree.branch_a,
        tree.street_a.pk,
        name="骑手一支部",
        has_committee=True,
        child_count=1,
        term_start="2023-07-01",
        term_years=3,
        term_end="2026-07-01",
    )
    assert AuditEntry.objects.get(action="org.update").changes == {
        "has_committee": [False, True],
        "name": ["骑手党支部", "骑手一支部"],
        "term_end": [None, "2026-07-01"],
        "term_start": [None, "2023-07-01"],
        "term_years": [None, 3],
    }


@pytest.mark.parametrize(
    "payload, status, field",
    [
        ({"kind": None}, 400, "kind"),
        ({"category": None}, 400, "category"),
        ({"has_committee": None}, 400, "has_committee"),
        ({"kind": "committee"}, 400, "kind"),  # it holds a group
        ({"code": "bb"}, 409, "code"),
        ({"term_years": 7}, 400, "term_years"),
        ({"latitude": "95", "longitude": "100"}, 400, "latitude"),
        ({"secretary_name": "张" * 51}, 400, "secretary_name"),
        ({"member_count": "x"}, 422, "member_count"),
    ],
)
def test_update_refusals_leave_the_row_unchanged(tree, admin, payload, status, field):
    before = PartyOrganisation.objects.filter(pk=tree.branch_a.pk).values().get()
    response = admin.patch(f"{URL}/{tree.branch_a.pk}", data=payload, content_type="application/json")
    assert response.status_code == status
    assert list(api_error(response)["fields"]) == [field]
    assert PartyOrganisation.objects.filter(pk=tree.branch_a.pk).values().get() == before


def test_update_scope(tree):
    viewer = login(make_user("committee_member", tree.street_a))
    response = viewer.patch(f"{URL}/{tree.branch_a.pk}", data={"name": "x"}, content_type="application/json")
    assert (response.status_code, api_error(response)["code"]) == (403, "forbidden")
    secretary = login(make_user("secretary", tree.branch_a))
    response = secretary.patch(f"{URL}/{tree.branch_b.pk}", data={"name": "x"}, content_type="application/json")
    assert (response.status_code, api_error(response)["code"]) == (404, "not_found")
    ok = secretary.patch(f"{URL}/{tree.branch_a.pk}", data={"secretary_name": "王五"}, content_type="application/json")
    assert ok.json()["secretary_name"] == "王五"
    assert PartyOrganisation.objects.get(pk=tree.branch_b.pk).name == "快递党支部"


def test_move(tree, admin):
    response = admin.post(
        f"{URL}/{tree.branch_a.pk}/move", data={"parent_id": tree.street_b.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["parent_id"], response.json()["depth"]) == (tree.street_b.pk, 3)
    assert codes(admin.get(f"{URL}?under_id={tree.street_b.pk}")) == ["SB", "BB", "BA", "GA"]
    assert codes(admin.get(f"{URL}?parent_id={tree.street_a.pk}")) == []


def test_move_refusals(tree, admin):
    before = list(PartyOrganisation.objects.order_by("pk").values_list("path", flat=True))
    response = admin.post(
        f"{URL}/{tree.street_a.pk}/move", data={"parent_id": tree.branch_a.pk}, content_type="application/json"
    )
    assert (response.status_code, api_error(response)["code"]) == (400, "move_into_own_subtree")
    assert api_error(response)["fields"].keys() == {"parent"}
    response = admin.post(f"{URL}/{tree.branch_a.pk}/move", data={}, content_type="application/json")
    assert list(api_error(response)["fields"]) == ["parent_id"] and response.status_code == 422
    admin_a = login(make_user("org_admin", tree.street_a))
    response = admin_a.post(
        f"{URL}/{tree.branch_a.pk}/move", data={"parent_id": tree.street_b.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    assert list(PartyOrganisation.objects.order_by("pk").values_list("path", flat=True)) == before


def test_warnings_endpoint(tree, admin):
    response = admin.get(f"{URL}/{tree.branch_a.pk}/warnings")
    assert response.status_code == 200
    assert [(w["level"], w["code"]) for w in response.json()] == [
        ("warning", "branch_committee_needed"),
        ("warning", "term_unknown"),
    ]
    assert "8" in response.json()[0]["message"] and "7" in response.json()[0]["message"]
    assert admin.get(f"{URL}/{tree.group_a.pk}/warnings").json() == []
    outsider = login(make_user("member", tree.street_b))
    assert outsider.get(f"{URL}/{tree.branch_a.pk}/warnings").status_code == 404


@pytest.mark.parametrize(
    "query, field", [("limit=0", "limit"), ("limit=201", "limit"), ("offset=-1", "offset"), ("limit=abc", "limit")]
)
def test_bad_paging_is_422(tree, admin, query, field):
    response = admin.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert api_error(response)["code"] == "validation_error"
    assert list(api_error(response)["fields"]) == [field]
