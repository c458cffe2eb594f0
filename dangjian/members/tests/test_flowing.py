"""Flowing members: outflow and inflow, cards, reports home, overdue list, temporary-branch hint."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.core.models import AuditEntry
from dangjian.members import flowing
from dangjian.members.models import FlowRecord, Member
from dangjian.members.tests.factories import id_number, member

TODAY = timezone.localdate()


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


def test_outflow_card_report_and_end(tree, secretary):
    m = member(tree.branch_a, "张伟")
    record = flowing.flow_register_out(
        actor=secretary, member=m, destination="浙江省杭州市西湖区", reason="务工", dest_org=tree.branch_b
    )
    assert record.card_no == f"LD{TODAY:%Y}000001"
    m.refresh_from_db()
    assert m.is_flowing
    assert not flowing.may_vote_in(m, tree.branch_b) and flowing.may_vote_in(m, tree.branch_a)
    with pytest.raises(ConflictError):
        flowing.flow_register_out(actor=secretary, member=m, destination="别处", reason="务工")
    flowing.flow_report_record(actor=secretary, record=record, content="参加了流入地支部主题党日")
    record.refresh_from_db()
    m.refresh_from_db()
    assert record.last_report_on == TODAY and m.last_contact_on == TODAY
    flowing.flow_end(actor=secretary, record=record)
    m.refresh_from_db()
    assert not m.is_flowing and FlowRecord.objects.get().ended_on == TODAY
    second = flowing.flow_register_out(actor=secretary, member=m, destination="上海", reason="务工")
    assert second.card_no == f"LD{TODAY:%Y}000002"
    actions = list(AuditEntry.objects.filter(action__startswith="member.flow").values_list("action", flat=True))
    assert sorted(actions) == ["member.flow_end", "member.flow_out", "member.flow_out", "member.flow_report"]


def test_validation(tree, secretary):
    m = member(tree.branch_a)
    with pytest.raises(DomainError) as exc:
        flowing.flow_register_out(actor=secretary, member=m, destination=" ", reason="务工")
    assert exc.value.fields == {"destination": ["请填写流向地点（市、区或工作单位）。"]}
    with pytest.raises(DomainError) as exc:
        flowing.flow_register_out(
            actor=secretary,
            member=m,
            destination="杭州",
            reason="务工",
            left_on=TODAY - dt.timedelta(days=5),
            expected_return=TODAY - dt.timedelta(days=10),
        )
    assert exc.value.fields == {"expected_return": ["预计返回日期不能早于外出日期。"]}
    outsider = make_user("secretary", tree.street_b)
    with pytest.raises(NotFoundError):
        flowing.flow_register_out(actor=outsider, member=m, destination="杭州", reason="务工")


def test_inflow_by_id_number_seen_by_both_sides(tree, secretary):
    number = id_number()
    m = member(tree.branch_a, "王芳", id_number=number)
    dest = make_user("secretary", tree.street_b)
    with pytest.raises(NotFoundError) as exc:
        flowing.flow_register_in(
            actor=dest, dest_org=tree.branch_b, id_number=id_number(), destination="西街道", reason="送快递"
        )
    assert exc.value.code == "not_registered"
    record = flowing.flow_register_in(
        actor=dest, dest_org=tree.branch_b, id_number=" " + number.lower() + " ", destination="西街道", reason="送快递"
    )
    assert record.direction == "in" and record.member == m
    assert list(flowing.flow_list(dest)) == [record] and list(flowing.flow_list(secretary)) == [record]
    assert list(flowing.flow_list(make_user("org_admin", tree.root))) == [record]
    # The destination may record the yearly report; it still cannot open the home record.
    flowing.flow_report_record(actor=dest, record=record, content="在站点参加学习")
    assert Member.objects.get(pk=m.pk).org == tree.branch_a


def test_overdue_reports_and_temp_branch_suggestion(tree, secretary):
    long_ago = TODAY - dt.timedelta(days=400)
    records = []
    for name in ("甲", "乙", "丙"):
        records.append(
            flowing.flow_register_out(
                actor=secretary,
                member=member(tree.branch_a, name),
                destination="杭州市西湖区",
                reason="务工",
                left_on=long_ago,
            )
        )
    flowing.flow_register_out(actor=secretary, member=member(tree.branch_a, "丁"), destination="上海", reason="务工")
    flowing.flow_report_record(actor=secretary, record=records[0], content="按时汇报")
    assert sorted(r.member.name for r in flowing.overdue_reports(secretary)) == ["丙", "乙"]
    assert flowing.temp_branch_suggestions(secretary) == [
        {"destination": "杭州市西湖区", "org_id": tree.branch_a.pk, "org_name": "骑手党支部", "count": 3}
    ]
    assert flowing.temp_branch_suggestions(make_user("secretary", tree.street_b)) == []


def test_pages(tree, secretary, login_as, django_assert_max_num_queries):
    m = member(tree.branch_a, "张伟")
    client = login_as(secretary)
    assert client.get(f"/members/{m.pk}/flow").status_code == 200
    response = client.post(f"/members/{m.pk}/flow", {"destination": "杭州", "reason": "务工"})
    record = FlowRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/members/flowing/{record.pk}/"
    with django_assert_max_num_queries(10):
        page = client.get(f"/members/flowing/{record.pk}/")
    assert record.card_no in page.content.decode()
    with django_assert_max_num_queries(12):
        listing = client.get("/members/flowing/")
    assert "张伟" in listing.content.decode()
    bad = client.post(f"/members/flowing/{record.pk}/", {"op": "report", "content": ""})
    assert bad.status_code == 200 and "必填" in bad.content.decode()
    assert client.post(f"/members/flowing/{record.pk}/", {"op": "report", "content": "汇报"}).status_code == 302
    assert client.post(f"/members/flowing/{record.pk}/", {"op": "end"}).status_code == 302
    assert login_as(make_user("secretary", tree.street_b)).get(f"/members/flowing/{record.pk}/").status_code == 404


def test_api(tree, secretary, login_as):
    number = id_number()
    m = member(tree.branch_a, "张伟", id_number=number)
    dest = login_as(make_user("secretary", tree.street_b))
    created = dest.post(
        "/api/v1/members/flowing/in",
        data={"dest_org_id": tree.branch_b.pk, "id_number": number, "destination": "西街道", "reason": "送快递"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["member_name"] == "张伟" and body["direction"] == "in" and body["home_org_name"] == "骑手党支部"
    again = login_as(secretary).post(
        f"/api/v1/members/{m.pk}/flow", data={"destination": "杭州", "reason": "务工"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_flowing"
    listed = login_as(secretary).get("/api/v1/members/flowing").json()
    assert listed["count"] == 1
    report = dest.post(
        f"/api/v1/members/flowing/{body['id']}/reports", data={"content": "参加学习"}, content_type="application/json"
    )
    assert report.status_code == 201 and report.json()["last_report_on"] == str(TODAY)
    assert dest.post(f"/api/v1/members/flowing/{body['id']}/end").json()["ended_on"] == str(TODAY)


def test_api_list_query_budget(tree, secretary, login_as, django_assert_max_num_queries):
    for name in ("甲", "乙", "丙"):
        flowing.flow_register_out(
            actor=secretary, member=member(tree.branch_a, name), destination="杭州", reason="务工"
        )
    client = login_as(secretary)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/members/flowing").json()
    assert body["count"] == 3 and sorted(i["member_name"] for i in body["items"]) == ["丙", "乙", "甲"]
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/members/flowing/suggestions").json() == [
            {"destination": "杭州", "org_id": tree.branch_a.pk, "org_name": "骑手党支部", "count": 3}
        ]
