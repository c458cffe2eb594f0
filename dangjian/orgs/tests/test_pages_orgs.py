"""Organisation pages: tree, search, htmx children, detail with warnings, create / edit / move forms."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from conftest import login, make_user
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import PartyOrganisation

LANGUAGES = [{}, {"HTTP_ACCEPT_LANGUAGE": "en"}]  # the default (zh-hans) and English


@pytest.fixture
def admin(tree):
    return login(make_user("org_admin", tree.root))


def org_rows():
    return list(PartyOrganisation.objects.order_by("pk").values())


def form_errors(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    return set(response.context["form"].errors)


ORG_FORM = {
    "name": "新党支部",
    "code": "NEW-1",
    "kind": "branch",
    "special_type": "standard",
    "category": "new_employment",
    "member_count": 5,
    "full_member_count": 3,
}


def test_tree_shows_the_scope_roots(tree, admin):
    response = admin.get("/orgs/")
    assert response.status_code == 200
    assert [o.code for o in response.context["roots"]] == ["ROOT"]
    assert response.context["can_create"] is True
    secretary = login(make_user("secretary", tree.street_b))
    response = secretary.get("/orgs/")
    assert [o.code for o in response.context["roots"]] == ["SB"]
    assert response.context["can_create"] is False
    assert "东街道党工委" not in response.content.decode()


def test_tree_needs_login_and_a_role(tree):
    assert Client().get("/orgs/")["Location"].startswith("/accounts/login/")
    nobody = login(make_user(None, tree.root))
    assert nobody.get("/orgs/").status_code == 403


def test_search_with_trails_limited_to_the_scope(tree, admin):
    response = admin.get("/orgs/", {"q": "骑手"})
    assert [(o.code, trail) for o, trail in response.context["trails"]] == [
        ("BA", "区两新工委 › 东街道党工委"),
        ("GA", "区两新工委 › 东街道党工委 › 骑手党支部"),
    ]
    assert response.context["results"].paginator.count == 2
    secretary = login(make_user("secretary", tree.branch_a))
    trails = secretary.get("/orgs/", {"q": "骑手"}).context["trails"]
    assert [(o.code, trail) for o, trail in trails] == [("BA", ""), ("GA", "骑手党支部")]
    assert "区两新工委" not in secretary.get("/orgs/", {"q": "骑手"}).content.decode()
    assert [o.code for o, _ in admin.get("/orgs/", {"q": "bb"}).context["trails"]] == ["BB"]
    assert admin.get("/orgs/", {"q": "不存在"}).context["results"].paginator.count == 0


def test_children_partial(tree, admin):
    response = admin.get(f"/orgs/{tree.street_a.pk}/children", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert [o.code for o in response.context["nodes"]] == ["BA"]
    assert "骑手党支部" in body and "快递党支部" not in body
    assert "<html" not in body  # a fragment for htmx, not a page
    assert f'hx-get="/orgs/{tree.branch_a.pk}/children"' in body  # branch_a has a child to expand
    empty = admin.get(f"/orgs/{tree.branch_b.pk}/children")
    assert list(empty.context["nodes"]) == []
    outsider = login(make_user("member", tree.street_b))
    assert outsider.get(f"/orgs/{tree.street_a.pk}/children").status_code == 404


def test_detail_shows_warnings_breadcrumb_and_actions(tree, admin):
    response = admin.get(f"/orgs/{tree.branch_a.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    warnings = response.context["warnings"]
    assert [w.code for w in warnings] == ["branch_committee_needed", "term_unknown"]
    for w in warnings:
        assert html.escape(w.message) in body
    assert body.count('class="alert alert-warning') == 2
    assert [o.code for o in response.context["breadcrumb"]] == ["ROOT", "SA"]
    assert [o.code for o in response.context["children"]] == ["GA"]
    assert (response.context["can_change"], response.context["can_move"]) == (True, True)
    assert f'href="/orgs/{tree.branch_a.pk}/edit"' in body
    assert response.context["coverage"].total == 0


def test_detail_for_a_reader(tree):
    member = login(make_user("member", tree.street_a))
    response = member.get(f"/orgs/{tree.branch_a.pk}/")
    assert (response.context["can_change"], response.context["can_move"]) == (False, False)
    assert response.context["coverage"] is None
    assert f'href="/orgs/{tree.branch_a.pk}/edit"' not in response.content.decode()
    assert [o.code for o in response.context["breadcrumb"]] == ["SA"]  # the root is outside the scope
    assert member.get(f"/orgs/{tree.branch_b.pk}/").status_code == 404
    assert member.get("/orgs/999999/").status_code == 404


@pytest.mark.parametrize("lang", LANGUAGES)
def test_create(tree, admin, lang):
    form = admin.get(f"/orgs/new?parent={tree.street_a.pk}", **lang)
    assert form.status_code == 200
    assert form.context["form"].initial == {"category": "comprehensive", "kind": "branch"}
    response = admin.post(f"/orgs/new?parent={tree.street_a.pk}", ORG_FORM, **lang)
    org = PartyOrganisation.objects.get(code="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{org.pk}/"
    assert PartyOrganisation.objects.get_parent(org).pk == tree.street_a.pk
    assert (org.member_count, org.full_member_count) == (5, 3)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "change, fields",
    [
        ({"code": "NEW 1!"}, {"code"}),
        ({"name": ""}, {"name"}),
        ({"kind": "cell"}, {"kind"}),
        ({"member_count": 2, "full_member_count": 3}, {"full_member_count"}),
        ({"latitude": "26.1"}, {"longitude"}),
        ({"term_years": "4"}, {"term_years"}),
        ({"member_count": -1}, {"member_count"}),
        ({"established_on": "2020-13-01"}, {"established_on"}),
        ({"kind": "group"}, {"kind"}),  # refused by the service: placed on its field
        ({"code": "ba"}, {"code"}),  # a duplicate, found by the service
    ],
)
def test_create_errors_save_nothing(tree, admin, lang, change, fields):
    before, audit_before = org_rows(), AuditEntry.objects.count()
    response = admin.post(f"/orgs/new?parent={tree.street_a.pk}", {**ORG_FORM, **change}, **lang)
    assert form_errors(response) == fields
    body = response.content.decode()
    for field in fields:
        assert f'id="id_{field}_errors"' in body
    assert org_rows() == before
    assert AuditEntry.objects.count() == audit_before


def test_error_language_follows_the_request(tree, admin):
    zh = admin.post(f"/orgs/new?parent={tree.street_a.pk}", {**ORG_FORM, "name": ""})
    en = admin.post(f"/orgs/new?parent={tree.street_a.pk}", {**ORG_FORM, "name": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert zh["Content-Language"] == "zh-hans"
    assert en["Content-Language"] == "en"
    assert zh.context["form"].errors["name"] and en.context["form"].errors["name"]


@pytest.mark.parametrize("parent", ["abc", "", "999999"])
def test_create_with_a_bad_parent_is_404(tree, admin, parent):
    assert admin.get(f"/orgs/new?parent={parent}").status_code == 404
    assert admin.post(f"/orgs/new?parent={parent}", ORG_FORM).status_code == 404
    assert not PartyOrganisation.objects.filter(code="NEW-1").exists()


def test_create_scope(tree):
    secretary = login(make_user("secretary", tree.street_a))
    assert secretary.get(f"/orgs/new?parent={tree.street_a.pk}").status_code == 403  # visible: forbidden
    admin_b = login(make_user("org_admin", tree.street_b))
    assert admin_b.post(f"/orgs/new?parent={tree.street_a.pk}", ORG_FORM).status_code == 404
    assert not PartyOrganisation.objects.filter(code="NEW-1").exists()


def test_edit(tree, admin):
    form = admin.get(f"/orgs/{tree.branch_a.pk}/edit")
    initial = form.context["form"].initial
    assert (initial["name"], initial["code"], initial["member_count"], initial["full_member_count"]) == (
        "骑手党支部",
        "BA",
        10,
        8,
    )
    data = {
        **ORG_FORM,
        "name": "骑手一支部",
        "code": "BA",
        "member_count": 12,
        "full_member_count": 9,
        "has_committee": "on",
    }
    response = admin.post(f"/orgs/{tree.branch_a.pk}/edit", data)
    assert (response.status_code, response["Location"]) == (302, f"/orgs/{tree.branch_a.pk}/")
    org = PartyOrganisation.objects.get(pk=tree.branch_a.pk)
    assert (org.name, org.member_count, org.full_member_count, org.has_committee) == ("骑手一支部", 12, 9, True)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "change, fields",
    [({"kind": "committee"}, {"kind"}), ({"code": "BB"}, {"code"}), ({"full_member_count": 99}, {"full_member_count"})],
)
def test_edit_errors_save_nothing(tree, admin, lang, change, fields):
    before = org_rows()
    response = admin.post(f"/orgs/{tree.branch_a.pk}/edit", {**ORG_FORM, "code": "BA", **change}, **lang)
    assert form_errors(response) == fields
    assert org_rows() == before


def test_edit_scope(tree):
    viewer = login(make_user("committee_member", tree.street_a))
    assert viewer.get(f"/orgs/{tree.branch_a.pk}/edit").status_code == 403
    assert viewer.post(f"/orgs/{tree.branch_a.pk}/edit", {**ORG_FORM, "code": "BA"}).status_code == 403
    assert PartyOrganisation.objects.get(pk=tree.branch_a.pk).name == "骑手党支部"


def test_move(tree, admin):
    assert admin.get(f"/orgs/{tree.branch_a.pk}/move").status_code == 200
    response = admin.post(f"/orgs/{tree.branch_a.pk}/move", {"parent": tree.street_b.pk})
    assert (response.status_code, response["Location"]) == (302, f"/orgs/{tree.branch_a.pk}/")
    assert PartyOrganisation.objects.get(pk=tree.group_a.pk).path.startswith(tree.street_b.path)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_move_errors_leave_the_tree(tree, lang):
    admin_a = login(make_user("org_admin", tree.street_a))
    before = org_rows()
    for parent in (tree.group_a.pk, tree.branch_a.pk, tree.street_b.pk, 999999, ""):
        response = admin_a.post(f"/orgs/{tree.street_a.pk}/move", {"parent": parent}, **lang)
        assert form_errors(response) == {"parent"}, parent
        assert 'id="id_parent_errors"' in response.content.decode()
    assert org_rows() == before


def test_picker_lists_only_what_the_action_allows(tree):
    admin_a = login(make_user("org_admin", tree.street_a))
    response = admin_a.get("/orgs/pick", {"q": "党", "action": "org.create"})
    assert [o.code for o in response.context["results"]] == ["SA", "BA", "GA"]
    assert admin_a.get("/orgs/pick", {"q": ""}).context["results"] == []
    assert [o.code for o in admin_a.get("/orgs/pick", {"q": "快递"}).context["results"]] == []
