"""Lost contact: flagging by policy, search attempts, outcomes, transfer refusal, counts per subtree."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_org, make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.members import lost_contact as lc
from dangjian.members.models import LostContactCase, Member
from dangjian.members.tests.factories import member

TODAY = timezone.localdate()


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


def _last_contact(m, days_ago):
    Member.objects.filter(pk=m.pk).update(last_contact_on=TODAY - dt.timedelta(days=days_ago))


def test_months_before():
    assert lc.months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert lc.months_before(dt.date(2026, 3, 15), 6) == dt.date(2025, 9, 15)
    assert lc.months_before(dt.date(2024, 2, 29), -24) == dt.date(2026, 2, 28)


def test_scan_flags_by_policy_and_is_idempotent(tree):
    quiet = member(tree.branch_a, "沉默")
    recent = member(tree.branch_a, "活跃")
    elsewhere = member(tree.branch_b, "西边")
    _last_contact(quiet, 200)
    _last_contact(recent, 20)
    _last_contact(elsewhere, 100)
    PolicyValue.objects.create(key="members.lost_contact_months", scope_path=tree.street_b.path, value=3)
    assert lc.lost_contact_scan() == 2
    assert lc.lost_contact_scan() == 0
    flagged = dict(Member.objects.filter(lost_contact_since__isnull=False).values_list("name", "lost_contact_since"))
    assert flagged == {"沉默": TODAY, "西边": TODAY}
    case = LostContactCase.objects.get(member=quiet)
    assert case.basis.startswith(f"自{TODAY - dt.timedelta(days=200)}起无联系")
    assert AuditEntry.objects.filter(action="member.lost_contact_flag").count() == 2


def test_registration_counts_as_contact(tree):
    fresh = member(tree.branch_a, "新人")
    assert lc.lost_contact_scan() == 0
    Member.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    assert lc.lost_contact_scan() == 1


def test_record_contact_never_moves_backwards(tree):
    m = member(tree.branch_a)
    lc.record_contact(member=m, on=dt.date(2025, 5, 1))
    lc.record_contact(member=m, on=dt.date(2025, 1, 1))
    m.refresh_from_db()
    assert m.last_contact_on == dt.date(2025, 5, 1)


def test_search_found_and_transfer_check(tree, secretary):
    m = member(tree.branch_a, "王五")
    case = lc.lost_contact_flag(actor=secretary, member=m, basis="电话停机，住址已搬")
    m.refresh_from_db()
    with pytest.raises(ConflictError) as exc:
        lc.ensure_transferable(m)
    assert exc.value.code == "lost_contact"
    assert exc.value.message == f"王五自{TODAY}起失联，不能转接组织关系；请先记录查找结果。"
    with pytest.raises(ConflictError):
        lc.lost_contact_flag(actor=secretary, member=m, basis="再次")
    lc.search_attempt_record(actor=secretary, member=m, method="phone", result="无人接听")
    with pytest.raises(DomainError) as bad:
        lc.search_attempt_record(actor=secretary, member=m, method="pigeon", result="x")
    assert bad.value.fields == {"method": ["请选择有效的选项。"]}
    lc.lost_contact_outcome(actor=secretary, member=m, outcome="found", note="在外地送外卖，已恢复联系")
    m.refresh_from_db()
    case.refresh_from_db()
    assert (case.state, case.outcome, case.closed_on) == ("closed", "found", TODAY)
    assert m.lost_contact_since is None and m.last_contact_on == TODAY and m.status == "normal"
    lc.ensure_transferable(m)


def test_stopped_then_restored_or_removed(tree, secretary):
    m = member(tree.branch_a, "赵六")
    lc.lost_contact_flag(actor=secretary, member=m, basis="半年未参加组织生活", on=TODAY - dt.timedelta(days=30))
    with pytest.raises(ConflictError):
        lc.lost_contact_outcome(actor=secretary, member=m, outcome="restored", note="x")
    lc.lost_contact_outcome(actor=secretary, member=m, outcome="stopped", note="支部大会决定停止党籍")
    m.refresh_from_db()
    assert m.status == "stopped" and m.lost_contact_since is not None
    assert LostContactCase.objects.get(member=m).state == "stopped"
    with pytest.raises(ConflictError):
        lc.lost_contact_outcome(actor=secretary, member=m, outcome="found", note="x")
    lc.lost_contact_outcome(actor=secretary, member=m, outcome="restored", note="两年内恢复联系")
    m.refresh_from_db()
    assert m.status == "restored" and m.lost_contact_since is None


def test_restore_too_late(tree, secretary):
    m = member(tree.branch_a, "钱七")
    lc.lost_contact_flag(actor=secretary, member=m, basis="失联", on=TODAY - dt.timedelta(days=900))
    lc.lost_contact_outcome(
        actor=secretary, member=m, outcome="stopped", note="停止党籍", on=TODAY - dt.timedelta(days=800)
    )
    with pytest.raises(ConflictError) as exc:
        lc.lost_contact_outcome(actor=secretary, member=m, outcome="restored", note="回来了")
    assert exc.value.code == "restore_too_late"
    lc.lost_contact_outcome(actor=secretary, member=m, outcome="removed", note="支部大会决定除名")
    m.refresh_from_db()
    assert m.status == "removed" and m.lost_contact_since is None


def test_probationary_member_cannot_be_stopped(tree, secretary):
    m = member(tree.branch_a, "孙八", political_status="probationary", full_member_date=None)
    lc.lost_contact_flag(actor=secretary, member=m, basis="失联")
    with pytest.raises(ConflictError) as exc:
        lc.lost_contact_outcome(actor=secretary, member=m, outcome="stopped", note="x")
    assert exc.value.message == "预备党员失联的，取消其预备党员资格：请记录“除名”。"


def test_scope(tree, secretary):
    m = member(tree.branch_b, "西边人")
    with pytest.raises(NotFoundError):
        lc.lost_contact_flag(actor=secretary, member=m, basis="失联")


def test_counts_per_subtree_and_pages(tree, secretary, login_as, django_assert_max_num_queries):
    deep = make_org(tree.branch_a, "骑手二组", kind="group")
    assert deep  # groups hold no members; the count still rolls up through the branch
    a1, a2 = member(tree.branch_a, "甲"), member(tree.branch_a, "乙")
    member(tree.branch_a, "丙")
    b1 = member(tree.branch_b, "丁")
    for m in (a1, a2, b1):
        lc.lost_contact_flag(actor=None, member=m, basis="失联")
    admin = make_user("org_admin", tree.root)
    assert lc.counts_by_child(admin, tree.root) == [
        {"id": tree.street_a.pk, "name": "东街道党工委", "count": 2},
        {"id": tree.street_b.pk, "name": "西街道党工委", "count": 1},
    ]
    assert lc.counts_by_child(secretary, tree.root) == [
        {"id": tree.street_a.pk, "name": "东街道党工委", "count": 2},
        {"id": tree.street_b.pk, "name": "西街道党工委", "count": 0},
    ]
    client = login_as(secretary)
    with django_assert_max_num_queries(12):
        page = client.get("/members/lost-contact/")
    html = page.content.decode()
    assert "甲" in html and "乙" in html and "丁" not in html and "丙" not in html
    with django_assert_max_num_queries(14):
        case_page = client.get(f"/members/{a1.pk}/lost-contact")
    assert "记录查找情况" in case_page.content.decode()
    response = client.post(
        f"/members/{a1.pk}/lost-contact", {"op": "attempt", "attempt-method": "visit", "attempt-result": "已搬家"}
    )
    assert response.status_code == 302
    bad = client.post(f"/members/{a1.pk}/lost-contact", {"op": "outcome", "outcome-outcome": "restored"})
    assert "请填写此项" in bad.content.decode() or "这个字段是必填项" in bad.content.decode()
    assert client.get(f"/members/{b1.pk}/lost-contact").status_code == 404


def test_api(tree, secretary, login_as, django_assert_max_num_queries):
    m = member(tree.branch_a, "周九")
    client = login_as(secretary)
    flagged = client.post(
        f"/api/v1/members/{m.pk}/lost-contact/flag", data={"basis": "电话空号"}, content_type="application/json"
    )
    assert flagged.status_code == 201 and flagged.json()["state"] == "searching"
    again = client.post(
        f"/api/v1/members/{m.pk}/lost-contact/flag", data={"basis": "电话空号"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_flagged"
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/members/lost-contact").json()
    assert listed["count"] == 1 and listed["items"][0]["lost_contact_since"] == str(TODAY)
    counts = client.get(f"/api/v1/members/lost-contact/counts?under_id={tree.street_a.pk}").json()
    assert counts == [{"id": tree.branch_a.pk, "name": "骑手党支部", "count": 1}]
    attempt = client.post(
        f"/api/v1/members/{m.pk}/lost-contact/attempts",
        data={"method": "employer", "result": "平台称已离职"},
        content_type="application/json",
    )
    assert attempt.status_code == 201
    done = client.post(
        f"/api/v1/members/{m.pk}/lost-contact/outcome",
        data={"outcome": "found", "note": "找到了"},
        content_type="application/json",
    ).json()
    assert done["outcome"] == "found" and done["attempts"] == [
        {"on": str(TODAY), "method": "employer", "result": "平台称已离职"}
    ]
