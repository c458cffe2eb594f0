"""Online payment: pending orders, signed callbacks, replays, forgeries, mismatches, races."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.dues import online, selectors, services
from dangjian.dues.gateway import SandboxGateway
from dangjian.dues.models import DuesAllocation, DuesAssessment, DuesPayment
from dangjian.members import services as member_services

from .factories import declared_member, key, month

D = Decimal


def member_with_login(org, base="4000.00"):
    person = declared_member(org, base)
    user = make_user(None, org)
    member_services.member_link_account(actor=None, member=person, user=user)
    person.refresh_from_db()
    return person, user


def callback(order, amount=None, *, succeeded=True, txn="T1", signature=None):
    gateway = SandboxGateway()
    body = gateway.callback_body(
        order.idempotency_key, order.amount if amount is None else amount, succeeded=succeeded, txn_id=txn
    )
    return online.callback_handle(gateway="sandbox", body=body, signature=signature or gateway.sign(body))


def test_member_pays_own_dues_online_once(tree):
    person, user = member_with_login(tree.branch_a)
    for offset in (-1, 0):
        services.assessment_run(actor=None, month=month(offset), org=tree.branch_a)
    order = online.order_create(actor=user, member=person, idempotency_key="order-click-1")
    assert (order.status, order.amount, order.method) == ("pending", D("80.00"), "online")
    assert online.order_create(actor=user, member=person, idempotency_key="order-click-1").pk == order.pk
    paid = callback(order)
    assert paid.status == "paid" and paid.gateway_txn == "T1"
    again = callback(order)  # the gateway retries: nothing changes
    assert again.pk == paid.pk and DuesAllocation.objects.count() == 2
    assert selectors.member_outstanding(person) == D("0.00")
    assert selectors.ledger_reconcile(tree.branch_a, month(0))["ok"]
    person.refresh_from_db()
    assert person.last_contact_on == timezone.localdate()  # paying dues counts as contact (lost-contact rule)
    with pytest.raises(ConflictError):
        callback(order, txn="T2")


def test_someone_else_cannot_order_for_a_member(tree):
    person, _user = member_with_login(tree.branch_a)
    services.assessment_run(actor=None, month=month(0), org=tree.branch_a)
    stranger = make_user(None, tree.branch_a)
    with pytest.raises(NotFoundError):
        online.order_create(actor=stranger, member=person, idempotency_key=key())


def test_forged_signature_and_amount_mismatch_pay_nothing(tree):
    person, user = member_with_login(tree.branch_a)
    services.assessment_run(actor=None, month=month(0), org=tree.branch_a)
    order = online.order_create(actor=user, member=person, idempotency_key=key())
    with pytest.raises(DomainError) as forged:
        callback(order, signature="0" * 64)
    assert forged.value.code == "bad_signature"
    gateway = SandboxGateway()
    body = gateway.callback_body(order.idempotency_key, order.amount)
    tampered = body.replace(b'"40.00"', b'"0.01"')
    with pytest.raises(DomainError):
        online.callback_handle(gateway="sandbox", body=tampered, signature=gateway.sign(body))
    with pytest.raises(ConflictError) as mismatch:
        callback(order, D("39.99"))
    assert mismatch.value.code == "amount_mismatch"
    assert DuesPayment.objects.get().status == "pending" and not DuesAllocation.objects.exists()


def test_failed_payment_is_recorded_and_allocates_nothing(tree):
    person, user = member_with_login(tree.branch_a)
    services.assessment_run(actor=None, month=month(0), org=tree.branch_a)
    order = online.order_create(actor=user, member=person, idempotency_key=key())
    assert callback(order, succeeded=False).status == "failed"
    assert not DuesAllocation.objects.exists()


def test_paid_meanwhile_at_the_branch_goes_to_the_next_month(tree):
    person, user = member_with_login(tree.branch_a)
    services.assessment_run(actor=None, month=month(0), org=tree.branch_a)
    order = online.order_create(actor=user, member=person, idempotency_key=key())
    services.payment_record(
        actor=None, member=person, amount="40.00", method="cash", receipt_no="R9", idempotency_key=key()
    )
    callback(order)
    assert dict(DuesAssessment.objects.values_list("month", "paid")) == {month(0): D("40.00"), month(1): D("40.00")}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_duplicate_callbacks_pay_exactly_once(tree):
    person, user = member_with_login(tree.branch_a)
    services.assessment_run(actor=None, month=month(0), org=tree.branch_a)
    order = online.order_create(actor=user, member=person, idempotency_key=key())
    barrier = threading.Barrier(4)
    results, errors = [], []

    def deliver():
        try:
            barrier.wait()
            results.append(callback(order).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [order.pk] * 4
    assert DuesAllocation.objects.filter(payment=order).count() == 1
    assert DuesAssessment.objects.get().paid == D("40.00")
