"""Services: declarations, assessment runs, rule versions, payments, refunds, handovers, ledgers."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.core.models import AuditEntry
from dangjian.dues import selectors, services
from dangjian.dues.models import DuesAllocation, DuesAssessment, DuesDeclaration, DuesLedger, DuesPayment
from dangjian.members.tests.factories import member as make_member

from .factories import declared_member, key, month

D = Decimal


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.branch_a)


def assess(org, offset=0, actor=None):
    return services.assessment_run(actor=actor, month=month(offset), org=org)


def test_declaration_is_encrypted_masked_and_audited(tree, secretary):
    person = make_member(tree.branch_a, "张伟")
    declaration = services.declaration_record(
        actor=secretary, member=person, kind="salaried", base="4500.00", applies_from=month(-1)
    )
    stored = DuesDeclaration.objects.get(pk=declaration.pk)
    assert "4500" not in stored.base_enc and stored.base_masked == "4***.**"
    entry = AuditEntry.objects.get(action="dues.declare")
    assert entry.changes["base"] == [None, "***"] and "4500" not in str(entry.changes)
    assert services.declaration_reveal(actor=secretary, declaration=stored, reason="核对工资") == "4500.00"
    assert AuditEntry.objects.filter(action="dues.reveal").count() == 1


def test_declaration_validation(tree, secretary):
    person = make_member(tree.branch_a)
    cases = [
        ({"kind": "salaried"}, "base"),
        ({"kind": "salaried", "base": "-1"}, "base"),
        ({"kind": "salaried", "base": "12.345"}, "base"),
        ({"kind": "salaried", "base": "99999999"}, "base"),
        ({"kind": "student", "base": "100"}, "base"),
        ({"kind": "farmer", "fixed_amount": "1.50"}, "fixed_amount"),
        ({"kind": "salaried", "quarter_income": "9000"}, "quarter_income"),
        ({"kind": "nobody"}, "kind"),
    ]
    for data, field in cases:
        with pytest.raises(DomainError) as caught:
            services.declaration_record(actor=secretary, member=person, applies_from=month(0), **data)
        assert field in caught.value.fields, data
    assert not DuesDeclaration.objects.exists()


def test_self_employed_quarter_average_is_the_base(tree):
    person = make_member(tree.branch_a)
    services.declaration_record(
        actor=None, member=person, kind="self_employed", quarter_income="15000.00", applies_from=month(0)
    )
    assess(tree.branch_a)
    row = DuesAssessment.objects.get(member=person)
    assert (row.amount, row.band, row.rate) == (D("50.00"), "3000.00–5000.00", D("1.0000"))


def test_assessment_keeps_rule_and_base_and_skips_the_inactive(tree):
    a = declared_member(tree.branch_a, "3000.00", name="甲")
    b = declared_member(tree.branch_a, "3000.01", name="乙")
    c = declared_member(tree.branch_a, "8000.00", kind="retiree", name="丙")
    declared_member(tree.branch_a, kind="student", name="丁")
    make_member(tree.branch_a, "戊")  # no declaration: not assessed
    gone = declared_member(tree.branch_a, name="己")
    from dangjian.members import services as member_services

    member_services.member_change_status(actor=None, member=gone, status="deceased", reason="病故")
    assert assess(tree.branch_a) == 4
    rows = {r.member.name: r for r in DuesAssessment.objects.select_related("member")}
    assert {n: r.amount for n, r in rows.items()} == {
        "甲": D("15.00"),
        "乙": D("30.00"),
        "丙": D("80.00"),
        "丁": D("0.20"),
    }
    assert rows["乙"].band == "3000.00–5000.00" and rows["乙"].base_masked == "3***.**"
    assert rows["丙"].kind == "retiree" and rows["丁"].rate is None
    assert rows["甲"].declaration.member_id == a.pk and rows["乙"].member_id == b.pk and rows["丙"].member_id == c.pk
    assert assess(tree.branch_a) == 0  # repeatable: nobody is assessed twice
    ledger = DuesLedger.objects.get(org=tree.branch_a, month=month(0))
    assert (ledger.assessed, ledger.paid, ledger.members_total, ledger.members_paid) == (D("125.20"), 0, 4, 0)


def test_probationary_member_pays_from_the_branch_meeting_month(tree):
    today = services.current_month()
    person = make_member(tree.branch_a, "预备", political_status="probationary", join_date=today, full_member_date=None)
    services.declaration_record(actor=None, member=person, kind="salaried", base="2000", applies_from=month(-3))
    assert services.assessment_run(actor=None, month=month(-1), org=tree.branch_a) == 0
    assert assess(tree.branch_a) == 1


def test_rule_versions_across_a_month_boundary(tree):
    org_admin = make_user("org_admin", tree.street_a)
    declared_member(tree.branch_a, "4000.00")
    services.schedule_create(
        actor=org_admin,
        org=tree.street_a,
        name="东街道试行办法",
        effective_from=month(1),
        salaried_bands=[["5000.00", "0.8"], [None, "1.6"]],
        retiree_bands=[[None, "0.5"]],
        student_amount="0.50",
        unemployed_amount="0.20",
        subsistence_amount="0",
        farmer_min="0.20",
        farmer_max="1.00",
    )
    declared_member(tree.branch_b, "4000.00", name="李娜")
    assess(tree.branch_a, 0)
    assess(tree.branch_a, 1)
    assess(tree.branch_b, 1)
    amounts = {
        (r.org_id, r.month): (r.amount, r.schedule.name) for r in DuesAssessment.objects.select_related("schedule")
    }
    assert amounts == {
        (tree.branch_a.pk, month(0)): (D("40.00"), "中组发〔2008〕3号"),
        (tree.branch_a.pk, month(1)): (D("32.00"), "东街道试行办法"),
        (tree.branch_b.pk, month(1)): (D("40.00"), "中组发〔2008〕3号"),  # another region
    }


def test_schedule_rules(tree):
    org_admin = make_user("org_admin", tree.street_a)
    data = {
        "name": "x",
        "salaried_bands": [[None, "1"]],
        "retiree_bands": [[None, "1"]],
        "student_amount": "0.2",
        "unemployed_amount": "0.2",
        "subsistence_amount": "0.2",
        "farmer_min": "0.2",
        "farmer_max": "1",
    }
    with pytest.raises(DomainError) as past:
        services.schedule_create(actor=org_admin, org=tree.street_a, effective_from=month(-1), **data)
    assert "effective_from" in past.value.fields
    with pytest.raises(NotFoundError):
        services.schedule_create(actor=org_admin, org=tree.street_b, effective_from=month(1), **data)
    with pytest.raises(DomainError):
        services.schedule_create(
            actor=org_admin, org=tree.street_a, effective_from=month(1), **{**data, "salaried_bands": [["1", "1"]]}
        )


def test_declaration_changes_assessment_from_its_month_only(tree, secretary):
    person = declared_member(tree.branch_a, "4000.00")
    assess(tree.branch_a, 0)
    with pytest.raises(ConflictError):
        services.declaration_record(actor=secretary, member=person, kind="salaried", base="9000", applies_from=month(0))
    services.declaration_record(actor=secretary, member=person, kind="salaried", base="9000", applies_from=month(1))
    assess(tree.branch_a, 1)
    assert list(DuesAssessment.objects.order_by("month").values_list("amount", flat=True)) == [D("40.00"), D("135.00")]


def test_relief_needs_higher_approval_by_someone_else(tree, secretary):
    person = declared_member(tree.branch_a, "4000.00")
    relief = services.relief_request(
        actor=secretary,
        member=person,
        from_month=month(0),
        to_month=month(2),
        amount="0",
        reason="重病，支部大会决定免交",
    )
    assess(tree.branch_a, 0)
    assert DuesAssessment.objects.get().amount == D("40.00")  # not approved yet
    with pytest.raises(NotFoundError):
        services.relief_decide(actor=make_user("org_admin", tree.branch_b), relief=relief, approve=True)
    with pytest.raises(NotFoundError):  # a branch secretary is not the higher organisation
        services.relief_decide(actor=make_user("org_admin", tree.branch_a), relief=relief, approve=True)
    services.relief_decide(actor=make_user("org_admin", tree.street_a), relief=relief, approve=True)
    assess(tree.branch_a, 1)
    row = DuesAssessment.objects.get(month=month(1))
    assert row.amount == D("0.00") and row.relief_id == relief.pk
    with pytest.raises(ConflictError):
        services.relief_decide(actor=make_user("org_admin", tree.street_a), relief=relief, approve=False)


def pay(person, amount, actor=None, **extra):
    data = {"method": "cash", "receipt_no": "R001", "idempotency_key": key()}
    data.update(extra)
    return services.payment_record(actor=actor, member=person, amount=amount, **data)


def test_payment_partial_back_and_advance_with_exact_ledger(tree, secretary):
    person = declared_member(tree.branch_a, "4000.00")
    for offset in (-2, -1, 0):
        assess(tree.branch_a, offset)
    first = pay(person, "50.00", actor=secretary)  # settles month -2, 10 of month -1
    assert [
        (a.assessment.month, a.amount)
        for a in first.allocations.select_related("assessment").order_by("assessment__month")
    ] == [
        (month(-2), D("40.00")),
        (month(-1), D("10.00")),
    ]
    pay(person, "190.00", actor=secretary, through_month=month(3))  # 30 + 40 + three months ahead
    paid = dict(DuesAssessment.objects.values_list("month", "paid"))
    assert paid == {month(m): D("40.00") for m in range(-2, 4)}
    with pytest.raises(DomainError) as too_much:
        pay(person, "0.01", actor=secretary, through_month=month(3))
    assert too_much.value.code == "amount_mismatch"
    with pytest.raises(DomainError) as far:
        pay(person, "40.00", actor=secretary, through_month=month(13))
    assert far.value.code == "too_far_ahead"
    for m in range(-2, 4):
        check = selectors.ledger_reconcile(tree.branch_a, month(m))
        assert check["ok"], check
    ledger = DuesLedger.objects.get(org=tree.branch_a, month=month(-1))
    assert (ledger.paid, ledger.members_paid, ledger.outstanding) == (D("40.00"), 1, D("0.00"))


@pytest.mark.parametrize("amount", ["0", "-5", "0.001", "1e9", "abc", 10.5])
def test_bad_amounts_write_nothing(tree, secretary, amount):
    person = declared_member(tree.branch_a, "4000.00")
    assess(tree.branch_a)
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        pay(person, amount, actor=secretary)
    assert "amount" in caught.value.fields
    assert not DuesPayment.objects.exists() and AuditEntry.objects.count() == before


def test_idempotency_key_replay_and_conflict(tree, secretary):
    person = declared_member(tree.branch_a, "4000.00")
    assess(tree.branch_a)
    first = pay(person, "40.00", actor=secretary, idempotency_key="double-click-1")
    again = pay(person, "40.00", actor=secretary, idempotency_key="double-click-1")
    assert first.pk == again.pk and DuesPayment.objects.count() == 1 and DuesAllocation.objects.count() == 1
    with pytest.raises(ConflictError) as caught:
        pay(person, "20.00", actor=secretary, idempotency_key="double-click-1")
    assert caught.value.code == "idempotency_conflict"


def test_refund_is_its_own_entry_and_releases_the_latest_months(tree, secretary):
    person = declared_member(tree.branch_a, "4000.00")
    assess(tree.branch_a, -1)
    assess(tree.branch_a, 0)
    payment = pay(person, "80.00", actor=secretary)
    refund = services.refund_record(
        actor=secretary, payment=payment, amount="30.00", reason="多收退还", idempotency_key=key()
    )
    assert refund.amount == D("-30.00") and refund.kind == "refund" and refund.refund_of_id == payment.pk
    assert DuesPayment.objects.get(pk=payment.pk).amount == D("80.00")  # never edited
    assert dict(DuesAssessment.objects.values_list("month", "paid")) == {month(-1): D("40.00"), month(0): D("10.00")}
    with pytest.raises(DomainError):
        services.refund_record(actor=secretary, payment=payment, amount="50.01", reason="再退", idempotency_key=key())
    services.refund_record(actor=secretary, payment=payment, amount="50.00", reason="再退", idempotency_key=key())
    assert set(DuesAssessment.objects.values_list("paid", flat=True)) == {D("0.00")}
    assert selectors.ledger_reconcile(tree.branch_a, month(0))["ok"]
    assert AuditEntry.objects.filter(action="dues.refund").count() == 2


def test_handover_never_exceeds_collection(tree, secretary):
    person = declared_member(tree.branch_a, "4000.00")
    assess(tree.branch_a)
    pay(person, "40.00", actor=secretary)
    today = dt.date.today()
    services.handover_record(actor=secretary, org=tree.branch_a, month=month(0), amount="30.00", handed_on=today)
    with pytest.raises(DomainError):
        services.handover_record(actor=secretary, org=tree.branch_a, month=month(0), amount="10.01", handed_on=today)
    ledger = DuesLedger.objects.get(org=tree.branch_a, month=month(0))
    assert ledger.handed_over == D("30.00")


def test_out_of_scope_writes_are_refused(tree, secretary):
    other = declared_member(tree.branch_b, "4000.00")
    with pytest.raises(NotFoundError):
        pay(other, "40.00", actor=secretary)
    with pytest.raises(NotFoundError):
        services.assessment_run(actor=secretary, month=month(0), org=tree.branch_b)
    with pytest.raises(NotFoundError):
        services.assessment_run(actor=secretary, month=month(0), org=None)


def test_arrears_and_six_month_alert(tree, secretary):
    late = declared_member(tree.branch_a, "4000.00", name="欠缴")
    prompt = declared_member(tree.branch_a, "4000.00", name="按时")
    for offset in range(-5, 1):
        assess(tree.branch_a, offset)
    pay(prompt, "240.00", actor=secretary)
    pay(late, "40.00", actor=secretary)  # pays the oldest month: five months left unpaid
    rows = selectors.arrears_list(secretary, as_of=month(0))
    assert [(r["name"], r["months"], r["outstanding"], r["alert"]) for r in rows] == [("欠缴", 5, D("200.00"), False)]
    assess(tree.branch_a, 1)
    rows = selectors.arrears_list(secretary, as_of=month(1))
    assert [(r["name"], r["months"], r["alert"]) for r in rows] == [("欠缴", 6, True), ("按时", 1, False)]
    assert [r["name"] for r in selectors.arrears_list(secretary, as_of=month(1), min_months=6)] == ["欠缴"]


def test_ledger_rows_and_regional_rules_follow_an_organisation_move(tree, secretary):
    from dangjian.orgs import services as org_services

    declared_member(tree.branch_a, "4000.00")
    assess(tree.branch_a)
    org_services.org_move(actor=None, org=tree.branch_a, new_parent=tree.street_b)
    tree.branch_a.refresh_from_db()
    ledger = DuesLedger.objects.get(org=tree.branch_a)
    assert ledger.org_path == tree.branch_a.path and ledger.org_path.startswith(tree.street_b.path)
    east = make_user("secretary", tree.street_a)
    assert list(selectors.ledger_rows(east, month=month(0))) == []
    west = make_user("secretary", tree.street_b)
    assert [r.org_id for r in selectors.ledger_rows(west, month=month(0))] == [tree.branch_a.pk]


def test_parallel_run_gives_the_same_rows(tree, monkeypatch, settings):
    """The PostgreSQL run in worker processes (forced here with tiny chunks) equals the serial one."""
    from django.db import connection

    from dangjian.dues import assessment

    bases = ["3000.00", "3000.01", "5000.00", "10000.01", "2999.00", "777.77", "12345.67"]
    for n, base in enumerate(bases):
        declared_member(tree.branch_a if n % 2 else tree.branch_b, base, name=f"党员{n}")
    monkeypatch.setattr(assessment, "CHUNK", 2)
    settings.DUES_ASSESS_WORKERS = 2
    assert services.assessment_run(actor=None, month=month(0), org=None) == len(bases)
    got = dict(DuesAssessment.objects.values_list("member__name", "amount"))
    expected = [D("15.00"), D("30.00"), D("50.00"), D("200.00"), D("15.00"), D("3.89"), D("246.91")]
    assert got == {f"党员{n}": amount for n, amount in enumerate(expected)}
    assert DuesLedger.objects.get(org=tree.branch_a).assessed == D("30.00") + D("200.00") + D("3.89")
    assert connection.vendor in ("postgresql", "sqlite")


def test_back_payment_window_needs_an_authorised_exception(tree, secretary):
    admin = make_user("org_admin", tree.street_a)
    person = declared_member(tree.branch_a, "4000.00", applies_from=month(-8))
    for offset in range(-8, 1):
        assess(tree.branch_a, offset)
    # Months -8 and -7 are beyond the six-month window: a normal payment settles -6 .. 0 only.
    paid = pay(person, "280.00", actor=secretary)
    assert sorted(a.assessment.month for a in paid.allocations.select_related("assessment")) == [
        month(m) for m in range(-6, 1)
    ]
    with pytest.raises(DomainError) as refused:
        pay(person, "40.00", actor=secretary)
    assert refused.value.code == "back_pay_window" and list(refused.value.fields) == ["amount"]
    assert f"{month(-6):%Y-%m}" in refused.value.message
    with pytest.raises(DomainError) as not_allowed:
        pay(person, "40.00", actor=secretary, back_pay_reason="长期外出务工，返乡后补交")
    assert not_allowed.value.code == "back_pay_not_allowed"
    with pytest.raises(DomainError) as short:
        pay(person, "40.00", actor=admin, back_pay_reason="补")
    assert list(short.value.fields) == ["back_pay_reason"]
    assert DuesPayment.objects.count() == 1
    exception = pay(person, "80.00", actor=admin, back_pay_reason="长期外出务工，返乡后补交")
    assert [
        a.assessment.month for a in exception.allocations.select_related("assessment").order_by("assessment__month")
    ] == [month(-8), month(-7)]
    entry = AuditEntry.objects.filter(action="dues.pay").order_by("-id").first()
    assert entry.changes["back_pay_reason"] == [None, "长期外出务工，返乡后补交"]
    assert selectors.member_outstanding(person) == D("0.00")


def test_online_orders_cover_only_the_back_payment_window(tree):
    from dangjian.dues import online

    person = declared_member(tree.branch_a, "4000.00", applies_from=month(-8))
    for offset in range(-8, 1):
        assess(tree.branch_a, offset)
    account = make_user("member", tree.branch_a)
    from dangjian.members import services as member_services

    member_services.member_link_account(actor=None, member=person, user=account)
    person.refresh_from_db()
    order = online.order_create(actor=account, member=person, idempotency_key=key())
    assert order.amount == D("280.00")  # months -6 .. 0; -8 and -7 are settled with the branch
