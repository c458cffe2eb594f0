"""Two-way finding: registration QR, anonymous registration with consent, blind-index matching,
secretary confirmation; nothing changes a member record without it."""

import pytest
from django.test import Client

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.models import AuditEntry
from dangjian.members import codes, finding
from dangjian.members.models import FlowRecord, Member, RegistrationLead
from dangjian.members.tests.factories import id_number, member


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_b)


def _form(number, **over):
    data = {
        "name": "刘洋",
        "id_number": number,
        "mobile": "13712345678",
        "home_org_text": "老家村党支部",
        "employer_text": "某快递公司",
        "work_area": "西街道",
        "consent": "on",
    }
    data.update(over)
    return data


def test_org_token_round_trip_and_forgery(tree):
    token = codes.org_token(tree.branch_b)
    assert codes.resolve_org(token) == tree.branch_b
    with pytest.raises(codes.CodeRefused):
        codes.resolve_org(token[:-2] + "AA")
    # A member code is not a registration code (separate keys).
    m = member(tree.branch_a)
    with pytest.raises(codes.CodeRefused):
        codes.resolve_org(codes.token_for(codes.code_issue(actor=None, member=m)))


def test_known_member_registers_and_secretary_confirms_inflow(tree, secretary, login_as):
    number = id_number()
    m = member(tree.branch_a, "刘洋", id_number=number, mobile="13712345678")
    before = Member.objects.values_list("name", "org_id", "mobile_masked", "is_flowing").get(pk=m.pk)
    anonymous = Client()
    url = f"/members/join/{codes.org_token(tree.branch_b)}"
    page = anonymous.get(url)
    assert "快递党支部" in page.content.decode() and "单独" not in "x"
    no_consent = anonymous.post(url, _form(number, consent=""))
    assert "需要您单独同意" in no_consent.content.decode()
    done = anonymous.post(url, _form(number, name="=刘洋", mobile="137 1234 5678"))
    assert done.status_code == 200 and "将核实您的登记" in done.content.decode()
    lead = RegistrationLead.objects.get()
    assert lead.matched_member == m and lead.id_number_masked == m.id_number_masked
    assert number not in lead.id_number_enc and "13712345678" not in lead.mobile_enc
    assert finding.lead_mobile_matches_member(lead)
    assert Member.objects.values_list("name", "org_id", "mobile_masked", "is_flowing").get(pk=m.pk) == before
    again = anonymous.post(url, _form(number))
    assert "您已在此登记" in again.content.decode()
    client = login_as(secretary)
    assert "刘洋" in client.get("/members/registrations/").content.decode()
    assert client.post(f"/members/registrations/{lead.pk}/decide", {"decision": "inflow"}).status_code == 302
    lead.refresh_from_db()
    assert lead.state == "inflow"
    record = FlowRecord.objects.get()
    assert (record.member, record.direction, record.dest_org, record.destination) == (m, "in", tree.branch_b, "西街道")
    assert AuditEntry.objects.filter(action="member.self_register", actor_id=None).count() == 1


def test_unknown_person_is_a_pocket_member_lead(tree, secretary):
    lead = finding.lead_submit(
        org=tree.branch_b,
        name="陈静",
        id_number=id_number(),
        mobile="13612345678",
        home_org_text="原单位",
        consent=True,
    )
    assert lead.matched_member is None
    with pytest.raises(ConflictError) as exc:
        finding.lead_decide(actor=secretary, lead=lead, decision="inflow")
    assert exc.value.code == "no_match"
    with pytest.raises(DomainError):
        finding.lead_decide(actor=secretary, lead=lead, decision="rejected")
    finding.lead_decide(actor=secretary, lead=lead, decision="verified", note="核实了介绍信")
    assert RegistrationLead.objects.get().state == "verified"
    with pytest.raises(ConflictError):
        finding.lead_decide(actor=secretary, lead=lead, decision="rejected", note="x")
    assert Member.objects.count() == 0


def test_bad_input_and_scope(tree, secretary, login_as):
    with pytest.raises(DomainError) as exc:
        finding.lead_submit(
            org=tree.branch_b, name="张", id_number="123", mobile="13612345678", home_org_text="x", consent=True
        )
    assert exc.value.fields == {"id_number": ["身份证号应为18位，当前输入为3位。"]}
    lead = finding.lead_submit(
        org=tree.branch_b,
        name="陈静",
        id_number=id_number(),
        mobile="13612345678",
        home_org_text="原单位",
        consent=True,
    )
    other = login_as(make_user("secretary", tree.street_a))
    assert "陈静" not in other.get("/members/registrations/").content.decode()
    assert other.post(f"/members/registrations/{lead.pk}/decide", {"decision": "verified"}).status_code == 404
    assert Client().get("/members/join/forged.token.here").status_code == 400


def test_join_code_page_and_api(tree, secretary, login_as, django_assert_max_num_queries):
    client = login_as(secretary)
    page = client.get(f"/members/join-code?org={tree.branch_b.pk}")
    assert "<svg" in page.content.decode()
    finding.lead_submit(
        org=tree.branch_b,
        name="陈静",
        id_number=id_number(),
        mobile="13612345678",
        home_org_text="原单位",
        consent=True,
    )
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/members/registrations").json()
    assert listed["count"] == 1 and listed["items"][0]["mobile_masked"] == "136****5678"
    lead_id = listed["items"][0]["id"]
    decided = client.post(
        f"/api/v1/members/registrations/{lead_id}/decide",
        data={"decision": "rejected", "note": "信息不实"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "rejected"


def test_leads_page_query_budget(tree, secretary, login_as, django_assert_max_num_queries):
    for i in range(3):
        finding.lead_submit(
            org=tree.branch_b,
            name=f"人{i}",
            id_number=id_number(),
            mobile="13612345678",
            home_org_text="原单位",
            consent=True,
        )
    client = login_as(secretary)
    with django_assert_max_num_queries(9):
        page = client.get("/members/registrations/")
    assert page.content.decode().count("平台上未登记：口袋党员？") == 3


def test_home_organisation_picked_from_the_tree(tree, secretary):
    """The public picker lists organisation names (and their parent's) only; a pick sets the lead's
    home organisation and its name; free text still works; a bad pick writes nothing."""
    anonymous = Client()
    token = codes.org_token(tree.branch_b)
    search = anonymous.get(f"/members/join/{token}/orgs", {"q": "骑手"})
    html = search.content.decode()
    assert search.status_code == 200
    assert f'data-pick-id="{tree.branch_a.pk}"' in html and "东街道党工委" in html
    assert "骑手党小组" not in html and tree.branch_a.code not in html  # no party groups, no codes
    assert "请至少输入两个字" in anonymous.get(f"/members/join/{token}/orgs", {"q": "骑"}).content.decode()
    assert anonymous.get("/members/join/forged.token.here/orgs", {"q": "骑手"}).status_code == 404
    assert [o["name"] for o in finding.org_search("支部")] == ["快递党支部", "骑手党支部"]
    page = anonymous.get(f"/members/join/{token}").content.decode()
    assert f'hx-get="/members/join/{token}/orgs"' in page
    url = f"/members/join/{token}"
    bad = anonymous.post(url, _form(id_number(), home_org_text="", home_org="999999"))
    assert "请从列表中选择组织" in bad.content.decode() and not RegistrationLead.objects.exists()
    anonymous.post(url, _form(id_number(), home_org_text="", home_org=str(tree.branch_a.pk)))
    lead = RegistrationLead.objects.get()
    assert (lead.home_org, lead.home_org_text) == (tree.branch_a, "骑手党支部")
    anonymous.post(url, _form(id_number(), name="李雷"))
    typed = RegistrationLead.objects.get(name="李雷")
    assert (typed.home_org, typed.home_org_text) == (None, "老家村党支部")
    neither = anonymous.post(url, _form(id_number(), name="韩梅", home_org_text=""))
    assert "请填写组织关系所在的党组织" in neither.content.decode()


def test_org_search_is_limited(tree):
    from conftest import make_org

    for i in range(finding.ORG_SEARCH_LIMIT + 3):
        make_org(tree.street_a, f"测试{i:02d}党支部")
    assert len(finding.org_search("测试")) == finding.ORG_SEARCH_LIMIT
    assert finding.org_search(" ") == [] and finding.org_search("x" * 500) == []
