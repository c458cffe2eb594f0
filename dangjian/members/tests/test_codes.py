"""One person, one code: signed tokens, revocation, expiry, scanning by authorised users."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.core.errors import ConflictError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry
from dangjian.members import codes, services
from dangjian.members.models import MemberCode
from dangjian.members.tests.factories import id_number, member


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


@pytest.fixture
def zhang(tree):
    return member(tree.branch_a, "张伟", id_number=id_number(), mobile="13912345678")


def test_token_is_compact_carries_no_personal_data_and_resolves(zhang):
    code = codes.code_issue(actor=None, member=zhang)
    token = codes.token_for(code)
    assert len(token) <= 40
    assert "张伟" not in token and zhang.id_number_masked[:6] not in token and "139" not in token
    assert codes.resolve(token) == zhang
    assert codes.resolve_code(token).pk == code.pk
    assert (code.expires_at - code.issued_at) == dt.timedelta(days=365)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tag changed
        lambda t: t.replace(".", ".1", 1),  # another code id under the same tag
        lambda t: "zz." + t.split(".", 1)[1],  # unknown key id
        lambda t: "garbage",
        lambda t: "",
        lambda t: t + "." + "x" * 100,
    ],
)
def test_forged_tokens_are_refused(zhang, mutate):
    token = codes.token_for(codes.code_issue(actor=None, member=zhang))
    with pytest.raises(codes.CodeRefused) as exc:
        codes.resolve(mutate(token))
    assert exc.value.code == "code_forged"
    assert exc.value.message == "这个码无效，请本人出示新的码。"


def test_reissue_revokes_the_previous_code(zhang):
    first = codes.token_for(codes.code_issue(actor=None, member=zhang))
    second = codes.token_for(codes.code_issue(actor=None, member=zhang))
    assert first != second
    with pytest.raises(codes.CodeRefused) as exc:
        codes.resolve(first)
    assert exc.value.code == "code_revoked"
    assert codes.resolve(second) == zhang
    assert MemberCode.objects.filter(member=zhang, revoked_at__isnull=True).count() == 1


def test_revoke_and_expiry(zhang, secretary):
    code = codes.code_issue(actor=secretary, member=zhang)
    token = codes.token_for(code)
    with pytest.raises(codes.CodeRefused) as exc:
        codes.resolve(token, now=code.expires_at)
    assert exc.value.code == "code_expired"
    assert codes.resolve(token, now=code.expires_at - dt.timedelta(seconds=1)) == zhang
    with pytest.raises(Exception) as missing_reason:
        codes.code_revoke(actor=secretary, member=zhang, reason=" ")
    assert missing_reason.value.fields == {"reason": ["请填写注销原因。"]}
    assert codes.code_revoke(actor=secretary, member=zhang, reason="手机丢失") == 1
    with pytest.raises(codes.CodeRefused) as exc:
        codes.resolve(token)
    assert exc.value.code == "code_revoked"
    with pytest.raises(ConflictError):
        codes.code_revoke(actor=secretary, member=zhang, reason="再次")
    actions = list(AuditEntry.objects.filter(object_id=str(zhang.pk)).values_list("action", flat=True))
    assert actions.count("member.code_issue") == 1 and actions.count("member.code_revoke") == 1


def test_policy_sets_validity_and_inactive_members_are_refused(tree, zhang):
    from dangjian.core.models import PolicyValue

    PolicyValue.objects.create(key="members.code_valid_days", scope_path=tree.street_a.path, value=30)
    code = codes.code_issue(actor=None, member=zhang)
    assert code.expires_at - code.issued_at == dt.timedelta(days=30)
    token = codes.token_for(code)
    services.member_change_status(actor=None, member=zhang, status="stopped", reason="支部大会决定")
    with pytest.raises(codes.CodeRefused) as exc:
        codes.resolve(token)
    assert exc.value.code == "member_inactive"
    with pytest.raises(ConflictError):
        codes.code_issue(actor=None, member=zhang)


def test_who_may_issue(tree, zhang, secretary):
    outsider = make_user("secretary", tree.street_b)
    with pytest.raises(NotFoundError):
        codes.code_issue(actor=outsider, member=zhang)
    viewer = make_user("committee_member", tree.street_a)
    with pytest.raises(ScopeDenied):
        codes.code_issue(actor=viewer, member=zhang)
    own = make_user("member", tree.branch_a)
    services.member_link_account(actor=None, member=zhang, user=own)
    zhang.refresh_from_db()
    assert codes.code_issue(actor=own, member=zhang).issued_by == own


def test_member_sees_own_code_and_reissues(tree, zhang, login_as, django_assert_max_num_queries):
    own = make_user("member", tree.branch_a)
    services.member_link_account(actor=None, member=zhang, user=own)
    client = login_as(own)
    page = client.get("/members/me/code")
    assert "还没有有效的码" in page.content.decode()
    assert client.post("/members/me/code").status_code == 302
    first = codes.current_code(zhang)
    with django_assert_max_num_queries(12):
        page = client.get("/members/me/code")
    html = page.content.decode()
    assert "<svg" in html and codes.token_for(first) in html and "张伟" in html
    client.post("/members/me/code")
    assert codes.current_code(zhang).pk != first.pk


def test_scan_page_shows_masked_card_and_next_actions(tree, zhang, secretary, login_as):
    token = codes.token_for(codes.code_issue(actor=None, member=zhang))
    station = make_user("station_manager", tree.street_b)  # a station elsewhere: sees the card only
    page = login_as(station).get(f"/members/scan/{token}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "张伟" in html and zhang.id_number_masked in html and "139****5678" in html
    assert f"/members/{zhang.pk}/" not in html
    html = login_as(secretary).get(f"/members/scan/{token}").content.decode()
    assert f'href="/members/{zhang.pk}/"' in html
    scans = AuditEntry.objects.filter(action="member.code_scan", object_id=str(zhang.pk)).count()
    assert scans == 2


def test_scan_refusals_are_clear_and_audited(tree, zhang, secretary, login_as):
    client = login_as(secretary)
    page = client.get("/members/scan/b1.1.AAAAAAAAAAAAAAAAAAAAAA")
    assert page.status_code == 400 and "这个码无效" in page.content.decode()
    code = codes.code_issue(actor=None, member=zhang)
    MemberCode.objects.filter(pk=code.pk).update(
        issued_at=timezone.now() - dt.timedelta(days=30), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    page = client.get(f"/members/scan/{codes.token_for(code)}")
    assert page.status_code == 400 and "这个码已于" in page.content.decode()
    assert AuditEntry.objects.filter(action="member.code_scan_refused").count() == 2
    pasted = client.post("/members/scan", {"token": f"https://x.test/members/scan/{codes.token_for(code)}/"})
    assert pasted.status_code == 302 and pasted["Location"] == f"/members/scan/{codes.token_for(code)}"


def test_plain_members_may_not_scan(tree, zhang, login_as):
    token = codes.token_for(codes.code_issue(actor=None, member=zhang))
    plain = make_user("member", tree.branch_a)
    assert login_as(plain).get(f"/members/scan/{token}").status_code == 403


def test_api_issue_revoke_scan(tree, zhang, secretary, login_as, django_assert_max_num_queries):
    client = login_as(secretary)
    issued = client.post(f"/api/v1/members/{zhang.pk}/code")
    assert issued.status_code == 201
    token = issued.json()["token"]
    with django_assert_max_num_queries(10):
        scanned = client.post("/api/v1/members/codes/scan", data={"token": token}, content_type="application/json")
    body = scanned.json()
    assert body["name"] == "张伟" and body["mobile_masked"] == "139****5678"
    assert body["next"] == [
        {"label": "打开党员档案", "url": f"/members/{zhang.pk}/"},
        {"label": "会议签到", "url": f"/meetings/scan/{zhang.pk}"},
    ]
    revoked = client.post(
        f"/api/v1/members/{zhang.pk}/code/revoke", data={"reason": "泄露"}, content_type="application/json"
    )
    assert revoked.status_code == 204
    refused = client.post("/api/v1/members/codes/scan", data={"token": token}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "code_revoked"
    outsider = login_as(make_user("secretary", tree.street_b))
    assert outsider.post(f"/api/v1/members/{zhang.pk}/code").status_code == 404
