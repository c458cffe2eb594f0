"""Transfers over the API and pages: both sides, the member's own view, letter and public check."""

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from dangjian.accounts import services as account_services
from dangjian.members import services as member_services
from dangjian.transfers import rules, services
from dangjian.transfers.models import Transfer

TODAY = timezone.localdate


def pdf_text(pdf: bytes) -> str:
    """The text drawn in the CID font: PDF literal strings of UTF-16BE code units (uncompressed)."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
    out = []
    for raw in re.findall(rb"/F2 [\d.]+ Tf.*?ET", pdf, re.S):
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", raw, re.S):
            data, i = bytearray(), 0
            while i < len(literal):
                if literal[i : i + 1] == b"\\":
                    octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
                    if octal:
                        data.append(int(octal.group(), 8))
                        i += 1 + len(octal.group())
                        continue
                    data += escapes.get(literal[i + 1 : i + 2], literal[i + 1 : i + 2])
                    i += 2
                    continue
                data.append(literal[i])
                i += 1
            out.append(bytes(data).decode("utf-16-be", errors="replace"))
    return "".join(out)


def _issue(w, target, **extra):
    return services.transfer_issue(
        actor=w.sec_a, member=w.zhang, target_org=target, dues_paid_until=dt.date(2026, 10, 1), **extra
    )


def test_api_issue_by_target_code_and_decide(world, login_as):
    a, b = login_as(world.sec_a), login_as(world.sec_b)
    payload = {"member_id": world.zhang.pk, "target_org_code": "bb", "dues_paid_until": "2026-10", "in_city": False}
    response = a.post("/api/v1/transfers", data=payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["kind"] == "within_system" and body["target_name"] == "快递党支部" and body["dues_paid_until"] == "2026-10"
    )
    assert body["valid_until"] == str(TODAY() + dt.timedelta(days=30)) and body["status"] == "pending"
    assert body["member_id_number_masked"].count("*") == 8
    again = a.post("/api/v1/transfers", data=payload, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "transfer_pending"
    todo = b.get("/api/v1/transfers/todo").json()
    assert [t["id"] for t in todo["to_decide"]] == [body["id"]] and todo["expired"] == []
    assert a.get("/api/v1/transfers/todo").json()["to_decide"] == []
    assert a.post(f"/api/v1/transfers/{body['id']}/accept").status_code == 404
    assert b.get("/api/v1/transfers?direction=incoming").json()["count"] == 1
    assert b.get("/api/v1/transfers?direction=outgoing").json()["count"] == 0
    done = b.post(f"/api/v1/transfers/{body['id']}/accept")
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    assert a.get(f"/api/v1/transfers/{body['id']}").json()["status"] == "accepted"  # history stays with the source


def test_api_refusals_are_structured(world, login_as):
    a = login_as(world.sec_a)
    base = {"member_id": world.zhang.pk, "dues_paid_until": "2026-10"}
    r = a.post("/api/v1/transfers", data={**base, "target_name": "外地"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "target_address_required"
    assert r.json()["error"]["fields"] == {"target_address": ["本平台以外的组织需填写地址，以便开具介绍信。"]}
    r = a.post("/api/v1/transfers", data={**base, "target_org_code": "BA"}, content_type="application/json")
    assert r.json()["error"]["code"] == "same_org"
    r = a.post("/api/v1/transfers", data={**base, "target_org_code": "NOPE"}, content_type="application/json")
    assert r.status_code == 400 and "target_org_code" in r.json()["error"]["fields"]
    r = a.post("/api/v1/transfers", data={**base, "dues_paid_until": "2026-13"}, content_type="application/json")
    assert r.status_code == 422
    member_services.member_change_status(actor=None, member=world.zhang, status="stopped", reason="失联")
    r = a.post("/api/v1/transfers", data={**base, "target_org_code": "BB"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "member_not_transferable"
    assert Transfer.objects.count() == 0


def test_api_reject_reissue_receipt(world, login_as):
    a, b = login_as(world.sec_a), login_as(world.sec_b)
    t = _issue(world, world.tree.branch_b)
    assert (
        b.post(f"/api/v1/transfers/{t.pk}/reject", data={"reason": ""}, content_type="application/json").status_code
        == 400
    )
    r = b.post(f"/api/v1/transfers/{t.pk}/reject", data={"reason": "人员不符"}, content_type="application/json")
    assert r.json()["status"] == "rejected" and r.json()["reason"] == "人员不符"
    old = _issue(world, world.tree.branch_b, issued_on=TODAY() - dt.timedelta(days=20))
    assert a.get("/api/v1/transfers?expired=true").json()["items"][0]["id"] == old.pk
    r = a.post(f"/api/v1/transfers/{old.pk}/reissue", data={}, content_type="application/json")
    assert r.status_code == 201 and r.json()["reissue_of_id"] == old.pk
    Transfer.objects.filter(status="pending").update(status="rejected")
    out = _issue(world, None, target_name="外省党支部", target_address="外省某路")
    r = a.post(f"/api/v1/transfers/{out.pk}/receipt", data={}, content_type="application/json")
    assert r.json()["status"] == "completed" and r.json()["receipt_on"] == str(TODAY())


def test_public_verification(world):
    t = _issue(world, None, target_name="外省党支部", target_address="外省某路")
    anonymous = Client()
    body = anonymous.get(f"/api/v1/transfers/verify/{rules.format_code(t.verify_code).lower()}").json()
    assert body["genuine"] and body["valid"] and body["member_name_masked"] == "张*"
    assert body["member_id_number_masked"] == world.zhang.id_number_masked and "张伟" not in str(body)
    forged = t.verify_code[:-1] + ("A" if t.verify_code[-1] != "A" else "B")
    assert anonymous.get(f"/api/v1/transfers/verify/{forged}").json() == {
        "genuine": False,
        "valid": False,
        "letter_number": "",
        "status": None,
        "member_name_masked": "",
        "member_id_number_masked": "",
        "source_org_name": "",
        "target_name": "",
        "issued_on": None,
        "valid_until": None,
    }
    page = anonymous.get(f"/transfers/verify?code={t.verify_code}").content.decode()
    assert "张*" in page and "张伟" not in page and "仍在有效期内" in page
    assert "伪造" in anonymous.get("/transfers/verify?code=AAAA-BBBB-CCCC-DDDD").content.decode()
    Transfer.objects.filter(pk=t.pk).update(
        issued_on=TODAY() - dt.timedelta(days=20), valid_until=TODAY() - dt.timedelta(days=1)
    )
    body = anonymous.get(f"/api/v1/transfers/verify/{t.verify_code}").json()
    assert body["genuine"] and not body["valid"]
    assert "已失效" in anonymous.get(f"/transfers/verify?code={t.verify_code}").content.decode()


def test_letter_pdf_has_chinese_text_and_code(world, login_as):
    t = _issue(world, None, target_name="外省党支部", target_address="外省某路")
    response = login_as(world.sec_a).get(f"/transfers/{t.pk}/letter.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF") and b"/STSong-Light" in pdf and b"UniGB-UCS2-H" in pdf
    text = pdf_text(pdf)
    for expected in ("中国共产党党员组织关系介绍信", "张伟", "外省党支部", "回执", "存根", "党费已交到2026年10月"):
        assert expected in text, expected
    assert world.zhang.id_number_masked in text and rules.format_code(t.verify_code) in text
    assert login_as(world.sec_far).get(f"/transfers/{t.pk}/letter.pdf").status_code == 404


def test_pages_both_sides_and_member_view(world, login_as):
    t = _issue(world, world.tree.branch_b)
    page = login_as(world.sec_b).get("/transfers/").content.decode()
    assert "张伟" in page and "1 份待接收" in page
    detail = login_as(world.sec_b).get(f"/transfers/{t.pk}/").content.decode()
    assert "接收该党员" in detail
    assert "接收该党员" not in login_as(world.sec_a).get(f"/transfers/{t.pk}/").content.decode()
    r = login_as(world.sec_b).post(f"/transfers/{t.pk}/reject", data={"reason": "x"}, follow=True)
    assert "请填写退回原因。" in r.content.decode() and Transfer.objects.get(pk=t.pk).status == "pending"
    r = login_as(world.sec_b).post(f"/transfers/{t.pk}/reject", data={"reason": "人员不符"})
    assert r.status_code == 302 and Transfer.objects.get(pk=t.pk).status == "rejected"
    account = account_services.user_create(
        actor=None, username="zhangwei", password="Correct-Horse-42", home_org=world.tree.branch_a
    )
    member_services.member_link_account(actor=None, member=world.zhang, user=account)
    mine = login_as(account).get("/transfers/me/").content.decode()
    assert "快递党支部" in mine and "已退回" in mine and "人员不符" in mine
    assert login_as(account).get("/api/v1/transfers/mine").json()[0]["status"] == "rejected"
    assert login_as(account).get("/transfers/").status_code == 403


def test_issue_page_flow(world, login_as):
    client = login_as(world.sec_a)
    found = client.get("/transfers/?q=张伟").content.decode()
    assert f"/transfers/new/{world.zhang.pk}" in found
    bad = client.post(f"/transfers/new/{world.zhang.pk}", data={"dues_paid_until": "2026-10", "target_name": "外地"})
    assert bad.status_code == 200 and "本平台以外的组织需填写地址" in bad.content.decode()
    ok = client.post(
        f"/transfers/new/{world.zhang.pk}",
        data={"dues_paid_until": "2026-10", "target_org_code": "BA2", "in_city": "on"},
    )
    assert ok.status_code == 302
    t = Transfer.objects.get()
    assert t.target_org == world.branch_a2 and t.kind == "within_committee"
    assert login_as(world.sec_b).get(f"/transfers/new/{world.zhang.pk}").status_code == 404


def test_query_budgets(world, login_as, django_assert_max_num_queries):
    for target in (world.tree.branch_b, world.branch_a2):
        t = _issue(world, target)
        Transfer.objects.filter(pk=t.pk).update(status="rejected")
    for i in range(3):
        from dangjian.members.tests.factories import member

        m = member(world.tree.branch_a, f"成员{i}")
        services.transfer_issue(
            actor=world.sec_a, member=m, target_org=world.tree.branch_b, dues_paid_until=dt.date(2026, 10, 1)
        )
    client = login_as(world.sec_a)
    with django_assert_max_num_queries(14):
        assert client.get("/transfers/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/transfers").json()["count"] == 5
    with django_assert_max_num_queries(10):
        client.get("/api/v1/transfers/todo")
    t = Transfer.objects.filter(status="pending").first()
    with django_assert_max_num_queries(12):
        assert client.get(f"/transfers/{t.pk}/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/transfers/{t.pk}").status_code == 200
    with django_assert_max_num_queries(4):
        Client().get(f"/transfers/verify?code={t.verify_code}")
