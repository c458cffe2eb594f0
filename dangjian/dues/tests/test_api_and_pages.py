"""Dues over the API and on pages: structured errors, masking, query budgets, Excel, own page."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.dues import services
from dangjian.dues.gateway import SandboxGateway
from dangjian.dues.models import DuesAssessment, DuesPayment
from dangjian.members import services as member_services

from .factories import declared_member, key, month

D = Decimal


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


@pytest.fixture
def assessed(tree):
    people = [declared_member(tree.branch_a, base, name=name) for name, base in (("甲", "4000.00"), ("乙", "12000.00"))]
    declared_member(tree.branch_b, "4000.00", name="外")
    services.assessment_run(actor=None, month=month(0), org=None)
    return people


def test_api_ledger_and_arrears(tree, secretary, assessed, login_as, django_assert_max_num_queries):
    client = login_as(secretary)
    with django_assert_max_num_queries(12):
        body = client.get(f"/api/v1/dues/ledger?month={month(0):%Y-%m}").json()
    assert body["totals"]["assessed"] == "280.00" and body["count"] == 1
    assert body["items"][0]["org_name"] == "骑手党支部" and body["items"][0]["collection_rate"] == "0.00"
    with django_assert_max_num_queries(12):
        arrears = client.get("/api/v1/dues/arrears").json()
    assert [(r["name"], r["outstanding"], r["alert"]) for r in arrears["items"]] == [
        ("乙", "240.00", False),
        ("甲", "40.00", False),
    ]
    assert client.get("/api/v1/dues/ledger?month=2026-13").status_code == 422


def test_api_payment_errors_are_structured_and_replays_are_idempotent(tree, secretary, assessed, login_as):
    client = login_as(secretary)
    url = f"/api/v1/dues/members/{assessed[0].pk}/payments"
    data = {"amount": "40.01", "method": "cash", "receipt_no": "R7", "idempotency_key": "api-key-0001"}
    too_much = client.post(url, data=data, content_type="application/json")
    assert too_much.status_code == 400 and too_much.json()["error"]["code"] == "amount_mismatch"
    assert "amount" in too_much.json()["error"]["fields"]
    negative = client.post(url, data={**data, "amount": "-1"}, content_type="application/json")
    assert negative.status_code == 400 and negative.json()["error"]["fields"]["amount"]
    garbage = client.post(url, data={**data, "amount": "lots"}, content_type="application/json")
    assert garbage.status_code == 422
    ok = client.post(url, data={**data, "amount": "40.00"}, content_type="application/json")
    again = client.post(url, data={**data, "amount": "40.00"}, content_type="application/json")
    assert ok.status_code == again.status_code == 201 and ok.json()["id"] == again.json()["id"]
    assert DuesPayment.objects.count() == 1
    with_other_amount = client.post(url, data={**data, "amount": "20.00"}, content_type="application/json")
    assert with_other_amount.status_code == 409


def test_api_account_is_masked_and_reveal_is_audited(tree, secretary, assessed, login_as):
    client = login_as(secretary)
    body = client.get(f"/api/v1/dues/members/{assessed[1].pk}").json()
    assert "12000" not in str(body)
    assert body["declarations"][0]["base_masked"] == "1****.**"
    assert body["assessments"][0]["band"] == ">10000.00" and body["assessments"][0]["amount"] == "240.00"
    declaration_id = body["declarations"][0]["id"]
    refused = client.post(
        f"/api/v1/dues/declarations/{declaration_id}/reveal", data={"reason": ""}, content_type="application/json"
    )
    assert refused.status_code == 400
    shown = client.post(
        f"/api/v1/dues/declarations/{declaration_id}/reveal", data={"reason": "核对"}, content_type="application/json"
    )
    assert shown.json() == {"base": "12000.00"}
    assert AuditEntry.objects.filter(action="dues.reveal").count() == 1


def test_signed_callback_endpoint(tree, assessed, login_as):
    user = make_user(None, tree.branch_a)
    member_services.member_link_account(actor=None, member=assessed[0], user=user)
    client = login_as(user)
    order = client.post(
        "/api/v1/dues/me/orders", data={"idempotency_key": "me-order-0001"}, content_type="application/json"
    )
    assert order.status_code == 201 and order.json()["amount"] == "40.00"
    order_no = order.json()["order_no"]
    gateway = SandboxGateway()
    body = gateway.callback_body(order_no, D("40.00"))
    anonymous = type(client)()
    forged = anonymous.post(
        "/api/v1/dues/callbacks/sandbox", data=body, content_type="application/json", HTTP_X_DUES_SIGNATURE="00"
    )
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "bad_signature"
    for _ in range(2):
        paid = anonymous.post(
            "/api/v1/dues/callbacks/sandbox",
            data=body,
            content_type="application/json",
            HTTP_X_DUES_SIGNATURE=gateway.sign(body),
        )
        assert paid.json() == {"order_no": order_no, "status": "paid"}
    assert DuesAssessment.objects.get(member=assessed[0]).paid == D("40.00")
    assert client.get("/api/v1/dues/me").json()["outstanding"] == "0.00"


def test_ledger_page_and_excel(tree, secretary, assessed, login_as, django_assert_max_num_queries):
    client = login_as(secretary)
    with django_assert_max_num_queries(14):
        page = client.get(f"/dues/?month={month(0):%Y-%m}")
    assert (
        page.status_code == 200 and "骑手党支部" in page.content.decode() and "快递党支部" not in page.content.decode()
    )
    export = client.get(f"/dues/export.xlsx?month={month(0):%Y-%m}")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert rows[1][:4] == ("骑手党支部", "BA", 280, 0) and rows[-1][0] == "合计"


def test_member_page_records_a_payment_and_shows_errors(
    tree, secretary, assessed, login_as, django_assert_max_num_queries
):
    client = login_as(secretary)
    url = f"/dues/members/{assessed[0].pk}/"
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    bad = client.post(
        url, {"action": "pay", "amount": "99", "method": "cash", "receipt_no": "R1", "idempotency_key": key()}
    )
    assert bad.status_code == 200 and "99.00" in bad.content.decode() and not DuesPayment.objects.exists()
    done = client.post(
        url, {"action": "pay", "amount": "40", "method": "cash", "receipt_no": "R1", "idempotency_key": key()}
    )
    assert done.status_code == 302 and DuesPayment.objects.get().amount == D("40.00")
    arrears = client.get("/dues/arrears").content.decode()
    assert "乙" in arrears and "甲" not in arrears


def test_member_pays_online_through_the_sandbox_pages(tree, assessed, login_as, django_assert_max_num_queries):
    user = make_user(None, tree.branch_a)
    member_services.member_link_account(actor=None, member=assessed[0], user=user)
    client = login_as(user)
    with django_assert_max_num_queries(12):
        assert "40.00" in client.get("/dues/me/").content.decode()
    checkout = client.post("/dues/me/", {"idempotency_key": key()})
    assert checkout.status_code == 302
    paid = client.post(checkout["Location"], {"pay": "1"})
    assert paid.status_code == 302 and DuesPayment.objects.get().status == "paid"
    assert (
        make_user(None, tree.branch_a)
        and login_as(make_user(None, tree.branch_a)).get(checkout["Location"]).status_code == 404
    )


def test_reliefs_page_approves(tree, secretary, assessed, login_as):
    relief = services.relief_request(
        actor=secretary, member=assessed[0], from_month=month(1), to_month=month(1), amount="0", reason="困难"
    )
    approver = make_user("org_admin", tree.root)
    client = login_as(approver)
    assert "困难" in client.get("/dues/reliefs").content.decode()
    assert client.post("/dues/reliefs", {"relief": relief.pk, "approve": "1"}).status_code == 302
    relief.refresh_from_db()
    assert relief.status == "approved"
