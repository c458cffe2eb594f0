"""Online payment: a pending order, the gateway's signed callback, and nothing paid twice."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, scope
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.members import lost_contact
from dangjian.members.models import Member

from . import gateway as gateways
from . import rules
from .choices import PaymentMethod, PaymentStatus
from .models import DuesPayment
from .services import (
    _allocate,
    _ensure_assessed,
    _key,
    _limits,
    _open_assessments,
    _refresh,
    _replayed,
    _through,
    current_month,
)


def _earliest(member: Member) -> dt.date:
    """Online payment covers the back-payment window; older arrears are settled with the branch."""
    back, _advance = _limits(member)
    return rules.add_months(current_month(), -back)


def order_no() -> str:
    return f"DJ{timezone.now():%Y%m%d}{secrets.token_hex(8).upper()}"


@transaction.atomic
def order_create(
    *, actor, member: Member, idempotency_key: str, through_month: dt.date | None = None, gateway: str = "sandbox"
) -> DuesPayment:
    """A pending online payment of everything open up to ``through_month``, for the member
    themself (or a branch manager). The same key gives back the same order (double clicks)."""
    if actor is None or member.user_id != actor.pk:
        scope.require(actor, "dues.manage", member)
    key = _key(idempotency_key)
    gateways.get(gateway)
    existing = DuesPayment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.member_id != member.pk or existing.gateway != gateway:
            raise ConflictError(
                _("This idempotency key was already used for a different payment."),
                code="idempotency_conflict",
                field="idempotency_key",
            )
        return existing
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    through = _through(member, through_month)
    _ensure_assessed(member, through)
    rows = _open_assessments(member, through, _earliest(member))
    amount = sum((row.amount - row.paid for row in rows), Decimal("0.00"))
    if amount <= 0:
        raise DomainError(_("Nothing is due up to that month."), code="nothing_due", field="through_month")
    try:
        with transaction.atomic():
            payment = DuesPayment.objects.create(
                member=member,
                org=member.org,
                method=PaymentMethod.ONLINE,
                status=PaymentStatus.PENDING,
                amount=amount,
                through_month=through,
                idempotency_key=key,
                gateway=gateway,
                recorded_by=actor,
            )
    except IntegrityError:
        existing = _replayed(key, member_id=member.pk, gateway=gateway)
        if existing is None:
            raise
        return existing
    audit.record(
        actor=actor,
        action="dues.order",
        obj=payment,
        org_path=member.org.path,
        changes={
            "amount": [None, str(amount)],
            "through_month": [None, f"{through:%Y-%m}"],
            "gateway": [None, gateway],
        },
    )
    return payment


@transaction.atomic
def callback_handle(*, gateway: str, body: bytes, signature: str) -> DuesPayment:
    """A gateway's callback: verified signature, the order locked, amounts equal. A replayed or
    concurrent duplicate callback finds the order already paid and changes nothing."""
    data = gateways.get(gateway).verify(body, signature)
    payment = (
        DuesPayment.objects.select_for_update()
        .select_related("member__org")
        .filter(idempotency_key=data.order_no, gateway=gateway)
        .first()
    )
    if payment is None:
        raise NotFoundError(_("Unknown order."))
    if payment.status == PaymentStatus.PAID:
        if payment.gateway_txn != data.txn_id:
            raise ConflictError(_("This order was already paid by another transaction."), code="already_paid")
        return payment
    if payment.status != PaymentStatus.PENDING:
        raise ConflictError(_("This order is closed."), code="order_closed")
    if data.amount != payment.amount:
        raise ConflictError(
            _("The amount paid (%(paid)s) does not match the order (%(due)s).")
            % {"paid": data.amount, "due": payment.amount},
            code="amount_mismatch",
        )
    if not data.succeeded:
        payment.status = PaymentStatus.FAILED
        payment.gateway_txn = data.txn_id
        payment.save(update_fields=["status", "gateway_txn"])
        audit.record(actor=None, action="dues.order_failed", obj=payment, org_path=payment.member.org.path)
        return payment
    member = Member.objects.select_for_update().select_related("org").get(pk=payment.member_id)
    rows = _open_assessments(member, payment.through_month, _earliest(member))
    open_amount = sum((row.amount - row.paid for row in rows), Decimal("0.00"))
    through = payment.through_month
    _back, advance = _limits(member)
    limit = rules.add_months(current_month(), advance)
    # Paid meanwhile at the branch: the surplus pays the following months in advance.
    while open_amount < payment.amount and through < limit:
        through = rules.add_months(through, 1)
        _ensure_assessed(member, through)
        rows = _open_assessments(member, through, _earliest(member))
        open_amount = sum((row.amount - row.paid for row in rows), Decimal("0.00"))
    if open_amount < payment.amount:
        raise ConflictError(
            _("The amount paid is more than the member owes; refund it through the gateway."), code="amount_mismatch"
        )
    payment.status = PaymentStatus.PAID
    payment.gateway_txn = data.txn_id
    payment.paid_at = timezone.now()
    payment.through_month = through
    payment.save(update_fields=["status", "gateway_txn", "paid_at", "through_month"])
    _refresh(_allocate(payment, rows, payment.amount))
    lost_contact.record_contact(member=payment.member, kind="dues")  # paying dues is contact (DOMAIN §3.4)
    audit.record(
        actor=None,
        action="dues.pay",
        obj=payment,
        org_path=member.org.path,
        changes={
            "amount": [None, str(payment.amount)],
            "method": [None, PaymentMethod.ONLINE],
            "gateway_txn": [None, data.txn_id],
        },
    )
    return payment
