"""Members over the API and on pages: masked everywhere, search by exact numbers, query budgets."""

import datetime as dt

import pytest

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.members.models import Member
from dangjian.members.tests.factories import id_number, member


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


def test_api_list_is_masked_and_scoped(tree, secretary, login_as):
    number = id_number()
    member(tree.branch_a, "张伟", id_number=number, mobile="13912345678", employment_form="rider")
    member(tree.branch_b, "李娜")
    body = login_as(secretary).get("/api/v1/members").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["name"] == "张伟" and item["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert item["mobile_masked"] == "139****5678" and item["party_age"] >= 10
    assert number not in str(body) and "13912345678" not in str(body)


def test_api_search_by_exact_id_number_and_mobile(tree, secretary, login_as):
    number = id_number()
    member(tree.branch_a, "张伟", id_number=number, mobile="13912345678")
    member(tree.branch_a, "王芳")
    client = login_as(secretary)
    assert [m["name"] for m in client.get(f"/api/v1/members?q={number}").json()["items"]] == ["张伟"]
    assert [m["name"] for m in client.get("/api/v1/members?q=139%201234%205678").json()["items"]] == ["张伟"]
    assert client.get(f"/api/v1/members?q={number[:-1]}0").json()["count"] == 0 or number.endswith("0")
    assert [m["name"] for m in client.get("/api/v1/members?q=王").json()["items"]] == ["王芳"]


def test_api_create_with_errors_then_success(tree, secretary, login_as):
    client = login_as(secretary)
    bad = client.post(
        "/api/v1/members",
        data={
            "org_id": tree.branch_a.pk,
            "name": "赵磊",
            "id_number": "123",
            "political_status": "full",
            "join_date": "2015-07-01",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"id_number"}
    assert bad.json()["error"]["fields"]["id_number"] == ["身份证号应为18位，当前输入为3位。"]
    bad_mobile = client.post(
        "/api/v1/members",
        data={
            "org_id": tree.branch_a.pk,
            "name": "赵磊",
            "id_number": id_number(),
            "mobile": "1234",
            "political_status": "full",
            "join_date": "2015-07-01",
        },
        content_type="application/json",
    )
    assert bad_mobile.status_code == 422 and set(bad_mobile.json()["error"]["fields"]) == {"mobile"}
    wrong_type = client.post(
        "/api/v1/members",
        data={
            "org_id": tree.branch_a.pk,
            "name": "赵磊",
            "id_number": id_number(),
            "political_status": "member",
            "join_date": "2015-07-01",
        },
        content_type="application/json",
    )
    assert wrong_type.status_code == 422 and "political_status" in wrong_type.json()["error"]["fields"]
    number = id_number(dt.date(1992, 8, 8))
    ok = client.post(
        "/api/v1/members",
        data={
            "org_id": tree.branch_a.pk,
            "name": "赵磊",
            "id_number": number,
            "political_status": "probationary",
            "join_date": "2025-03-01",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert ok.json()["birth_date"] == "1992-08-08" and ok.json()["full_member_date"] is None
    dup = client.post(
        "/api/v1/members",
        data={
            "org_id": tree.branch_a.pk,
            "name": "赵磊",
            "id_number": number,
            "political_status": "probationary",
            "join_date": "2025-03-01",
        },
        content_type="application/json",
    )
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_id_number"
    assert Member.objects.count() == 1


def test_api_reveal_and_status(tree, secretary, login_as):
    number = id_number()
    m = member(tree.branch_a, id_number=number)
    client = login_as(secretary)
    response = client.post(
        f"/api/v1/members/{m.pk}/reveal",
        data={"field": "id_number", "reason": "核对身份"},
        content_type="application/json",
    )
    assert response.json() == {"field": "id_number", "value": number}
    response = client.post(
        f"/api/v1/members/{m.pk}/status",
        data={"status": "resigned", "reason": "本人申请"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "resigned"


def test_pages_list_detail_and_reveal(tree, secretary, login_as):
    number = id_number()
    m = member(tree.branch_a, "张伟", id_number=number, mobile="13912345678")
    client = login_as(secretary)
    page = client.get("/members/").content.decode()
    assert "张伟" in page and "139****5678" in page and "13912345678" not in page
    detail = client.get(f"/members/{m.pk}/").content.decode()
    assert m.id_number_masked in detail and number not in detail
    revealed = client.post(f"/members/{m.pk}/", {"field": "id_number", "reason": "核对身份"}).content.decode()
    assert number in revealed
    assert AuditEntry.objects.filter(action="member.reveal", actor_id=secretary.pk).count() == 1
    no_reason = client.post(f"/members/{m.pk}/", {"field": "mobile", "reason": ""})
    assert "13912345678" not in no_reason.content.decode()


def test_committee_member_cannot_reveal(tree, login_as):
    m = member(tree.branch_a)
    committee = make_user("committee_member", tree.branch_a)
    response = login_as(committee).post(f"/members/{m.pk}/", {"field": "id_number", "reason": "核对"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="member.reveal").count() == 0


def test_create_page_shows_field_errors_and_saves_nothing(tree, secretary, login_as):
    client = login_as(secretary)
    response = client.post(
        "/members/new",
        {
            "name": "赵磊",
            "id_number": "110105194912310021",
            "ethnicity": "汉族",
            "employment_form": "rider",
            "political_status": "full",
            "join_date": "2015-07-01",
            "org": tree.branch_a.pk,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"id_number", "full_member_date"}
    assert Member.objects.count() == 0
    number = id_number()
    response = client.post(
        "/members/new",
        {
            "name": "赵磊",
            "id_number": number,
            "ethnicity": "汉族",
            "employment_form": "rider",
            "political_status": "full",
            "join_date": "2015-07-01",
            "full_member_date": "2016-07-01",
            "org": tree.branch_a.pk,
        },
    )
    assert response.status_code == 302
    assert Member.objects.get().name == "赵磊"


def test_status_page_offers_only_allowed_transitions(tree, secretary, login_as):
    m = member(tree.branch_a)
    page = login_as(secretary).get(f"/members/{m.pk}/status")
    choices = [value for value, _ in page.context["form"].fields["status"].choices]
    assert choices == ["stopped", "removed", "resigned", "deceased"]


@pytest.mark.parametrize("rows", [5, 30])
def test_member_list_query_budget(tree, secretary, login_as, django_assert_num_queries, rows):
    for i in range(rows):
        member(tree.branch_a, f"党员{i}")
    client = login_as(secretary)
    with django_assert_num_queries(8):
        assert client.get("/members/").status_code == 200
    with django_assert_num_queries(8):
        assert client.get("/api/v1/members").status_code == 200


@pytest.mark.parametrize("consents", [0, 3])
def test_member_detail_query_budget(tree, secretary, login_as, django_assert_num_queries, consents):
    from dangjian.members import privacy

    m = member(tree.branch_a, "张伟")
    for purpose in ["membership", "flowing_location", "services"][:consents]:
        privacy.consent_record(actor=None, member=m, purpose=purpose, scope_text="x")
    client = login_as(secretary)
    with django_assert_num_queries(8):
        page = client.get(f"/members/{m.pk}/")
    assert page.status_code == 200 and len(page.context["consents"]) == consents
    with django_assert_num_queries(7):
        assert client.get(f"/api/v1/members/{m.pk}").status_code == 200
