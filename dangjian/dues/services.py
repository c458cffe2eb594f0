"""Every write to dues: rate schedules, declarations, reliefs, assessment runs, payments, refunds,
handovers. Each checks scope, validates, writes and audits in one transaction."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, policy, scope
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.members import lost_contact
from dangjian.members.models import Member
from dangjian.orgs.models import PartyOrganisation

from . import assessment, rules
from .choices import BASED_KINDS, IncomeKind, PaymentKind, PaymentMethod, PaymentStatus, ReliefStatus
from .models import (
    BASE_CONTEXT,
    DuesAllocation,
    DuesAssessment,
    DuesDeclaration,
    DuesHandover,
    DuesLedger,
    DuesPayment,
    DuesRelief,
    RateSchedule,
)

MAX_PAYMENT = Decimal("100000.00")  # one dues payment above 100,000 yuan is a typing error


def _month(value, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError(_("Enter a month."), field=field)
    return rules.month_start(value)


def _money(value, field: str, *, positive: bool = True, maximum: Decimal = MAX_PAYMENT) -> Decimal:
    try:
        amount = rules.to_money(value)
    except ValueError:
        raise DomainError(_("Enter an amount in yuan with at most two decimal places."), field=field) from None
    if amount < 0 or (positive and amount == 0):
        raise DomainError(_("The amount must be greater than zero."), code="bad_amount", field=field)
    if amount > maximum:
        raise DomainError(
            _("The amount cannot exceed %(n)s yuan.") % {"n": f"{maximum:,.2f}"}, code="bad_amount", field=field
        )
    return amount


def current_month() -> dt.date:
    return rules.month_start(timezone.localdate())


# --- Rate schedules ----------------------------------------------------------------------------------


@transaction.atomic
def schedule_create(
    *,
    actor,
    org: PartyOrganisation | None,
    name: str,
    effective_from: dt.date,
    salaried_bands,
    retiree_bands,
    student_amount,
    unemployed_amount,
    subsistence_amount,
    farmer_min,
    farmer_max,
) -> RateSchedule:
    """A new version of the rules for ``org``'s region (None = everywhere, the platform only),
    in force from ``effective_from``. Versions are never edited: a change is a new version."""
    if org is None and actor is not None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    if org is not None:
        scope.require(actor, "dues.configure", org)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the rules a name (e.g. the document number)."), field="name")
    start = _month(effective_from, "effective_from")
    if actor is not None and start < current_month():
        raise DomainError(
            _("A new version starts this month or later; past months keep the rules they were assessed by."),
            field="effective_from",
        )
    for field, raw in (("salaried_bands", salaried_bands), ("retiree_bands", retiree_bands)):
        try:
            rules.parse_bands(raw)
        except ValueError:
            raise DomainError(
                _("Bands are pairs of a rising upper limit and a percentage; only the last has no upper limit."),
                field=field,
            ) from None
    amounts = {}
    for field, raw in (
        ("student_amount", student_amount),
        ("unemployed_amount", unemployed_amount),
        ("subsistence_amount", subsistence_amount),
        ("farmer_min", farmer_min),
        ("farmer_max", farmer_max),
    ):
        amounts[field] = _money(raw, field, positive=False, maximum=Decimal("1000.00"))
    if amounts["farmer_min"] > amounts["farmer_max"]:
        raise DomainError(_("The farmers' minimum cannot exceed their maximum."), field="farmer_min")
    path = org.path if org is not None else ""
    if RateSchedule.objects.filter(scope_path=path, effective_from=start).exists():
        raise ConflictError(
            _("A version for this region already starts in that month."), code="duplicate", field="effective_from"
        )
    schedule = RateSchedule.objects.create(
        scope_path=path,
        name=name[:120],
        effective_from=start,
        salaried_bands=[[None if u is None else str(u), str(p)] for u, p in salaried_bands],
        retiree_bands=[[None if u is None else str(u), str(p)] for u, p in retiree_bands],
        created_by=actor,
        **amounts,
    )
    audit.record(
        actor=actor,
        action="dues.schedule_create",
        obj=schedule,
        org_path=path,
        changes={
            "effective_from": [None, str(start)],
            "salaried_bands": [None, schedule.salaried_bands],
            "retiree_bands": [None, schedule.retiree_bands],
            **{k: [None, str(v)] for k, v in amounts.items()},
        },
    )
    return schedule


def schedule_in_force(org: PartyOrganisation, month: dt.date) -> RateSchedule | None:
    return rules.choose_schedule(list(RateSchedule.objects.all()), org.path, month)


# --- Declarations ------------------------------------------------------------------------------------


@transaction.atomic
def declaration_record(
    *,
    actor,
    member: Member,
    kind: str,
    applies_from: dt.date,
    base=None,
    quarter_income=None,
    fixed_amount=None,
    note: str = "",
) -> DuesDeclaration:
    """Record the member's income (encrypted) from the month ``applies_from``; it changes every
    assessment from that month on. Self-employed members may give the previous quarter's net
    income, whose monthly average becomes the base."""
    scope.require(actor, "dues.manage", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    if kind not in IncomeKind.values:
        raise DomainError(_("Choose a valid value."), field="kind")
    start = _month(applies_from, "applies_from")
    if start > rules.add_months(current_month(), 12):
        raise DomainError(_("A declaration can apply at most 12 months ahead."), field="applies_from")
    if DuesAssessment.objects.filter(member=member, month__gte=start).exists():
        raise ConflictError(
            _("That month is already assessed; the declaration can apply from the first month not yet assessed."),
            code="already_assessed",
            field="applies_from",
        )
    declaration = DuesDeclaration(member=member, kind=kind, applies_from=start, note=(note or "").strip()[:200])
    declaration.recorded_by = actor
    if kind in BASED_KINDS:
        if base in (None, "") and quarter_income in (None, ""):
            raise DomainError(_("Enter the monthly income."), field="base")
        if quarter_income not in (None, ""):
            if kind != IncomeKind.SELF_EMPLOYED:
                raise DomainError(_("Only self-employed members declare a quarter's income."), field="quarter_income")
            monthly = rules.quarter_average(
                _money(quarter_income, "quarter_income", positive=False, maximum=rules.MAX_BASE * 3)
            )
            declaration.quarter_income_declared = True
        else:
            monthly = _money(base, "base", positive=False, maximum=rules.MAX_BASE)
        declaration.base_enc = crypto.encrypt(f"{monthly:.2f}", BASE_CONTEXT)
        declaration.base_masked = rules.mask_base(monthly)
    elif base not in (None, "") or quarter_income not in (None, ""):
        raise DomainError(_("This kind pays a fixed amount; leave the income empty."), field="base")
    if kind == IncomeKind.FARMER and fixed_amount not in (None, ""):
        amount = _money(fixed_amount, "fixed_amount", positive=True, maximum=Decimal("1000.00"))
        schedule = schedule_in_force(member.org, start)
        if schedule is not None and not schedule.farmer_min <= amount <= schedule.farmer_max:
            raise DomainError(
                _("Farmers pay between %(lo)s and %(hi)s yuan a month here.")
                % {"lo": schedule.farmer_min, "hi": schedule.farmer_max},
                field="fixed_amount",
            )
        declaration.fixed_amount = amount
    elif fixed_amount not in (None, ""):
        raise DomainError(_("Only farmers choose a fixed amount."), field="fixed_amount")
    declaration.save()
    audit.record(
        actor=actor,
        action="dues.declare",
        obj=declaration,
        org_path=member.org.path,
        changes={
            "member": [None, member.pk],
            "kind": [None, kind],
            "applies_from": [None, str(start)],
            "base": [None, audit.MASK if declaration.base_enc else ""],
            "fixed_amount": [None, None if declaration.fixed_amount is None else str(declaration.fixed_amount)],
        },
    )
    return declaration


@transaction.atomic
def declaration_reveal(*, actor, declaration: DuesDeclaration, reason: str) -> str:
    """The declared monthly base in full, for a stated reason; audited."""
    member = declaration.member
    scope.require(actor, "dues.reveal", member)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("State why you need to see the full value."), field="reason")
    value = crypto.decrypt(declaration.base_enc, BASE_CONTEXT) if declaration.base_enc else ""
    audit.record(
        actor=actor,
        action="dues.reveal",
        obj=declaration,
        org_path=member.org.path,
        changes={"field": [None, "base"], "reason": [None, reason[:200]]},
    )
    return value


# --- Hardship relief ---------------------------------------------------------------------------------


@transaction.atomic
def relief_request(*, actor, member: Member, from_month: dt.date, to_month: dt.date, amount, reason: str) -> DuesRelief:
    """The branch's decision to reduce (or, with amount 0, waive) a member's dues; it applies to
    assessments only after a higher organisation approves it."""
    scope.require(actor, "dues.manage", member)
    start, end = _month(from_month, "from_month"), _month(to_month, "to_month")
    if end < start:
        raise DomainError(_("The last month cannot come before the first."), field="to_month")
    if rules.months_between(start, end) > 12:
        raise DomainError(_("A relief covers at most 12 months; decide again after that."), field="to_month")
    value = _money(amount, "amount", positive=False, maximum=Decimal("1000.00"))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Give the reason and the branch decision."), field="reason")
    relief = DuesRelief.objects.create(
        member=member, from_month=start, to_month=end, amount=value, reason=reason[:300], requested_by=actor
    )
    audit.record(
        actor=actor,
        action="dues.relief_request",
        obj=relief,
        org_path=member.org.path,
        changes={"months": [None, f"{start:%Y-%m}..{end:%Y-%m}"], "amount": [None, str(value)]},
    )
    return relief


def _higher(org: PartyOrganisation) -> PartyOrganisation:
    return PartyOrganisation.objects.get_parent(org) or org


@transaction.atomic
def relief_decide(*, actor, relief: DuesRelief, approve: bool) -> DuesRelief:
    """Approval (or rejection) by the organisation above the branch, by someone other than the
    person who asked."""
    relief = DuesRelief.objects.select_for_update().select_related("member__org").get(pk=relief.pk)
    scope.require(actor, "dues.view", relief.member)
    scope.require(actor, "dues.approve", _higher(relief.member.org))
    if relief.status != ReliefStatus.PENDING:
        raise ConflictError(_("This relief was already decided."), code="already_decided")
    if actor is not None and relief.requested_by_id == actor.pk:
        raise ConflictError(_("The person who asked for a relief cannot approve it."), code="separation_of_duties")
    relief.status = ReliefStatus.APPROVED if approve else ReliefStatus.REJECTED
    relief.decided_by, relief.decided_at = actor, timezone.now()
    relief.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="dues.relief_decide",
        obj=relief,
        org_path=relief.member.org.path,
        changes={"status": [ReliefStatus.PENDING, relief.status]},
    )
    return relief


# --- Assessment --------------------------------------------------------------------------------------


def _lock_month(month: dt.date) -> None:
    """One run per month at a time (PostgreSQL; SQLite serialises writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7007, month.year * 100 + month.month])


@transaction.atomic
def assessment_run(*, actor, month: dt.date, org: PartyOrganisation | None = None, timings: dict | None = None) -> int:
    """Assess every due member under ``org`` (everything: the platform only) for ``month``.
    Already assessed members keep their rows. Returns the number of new assessments."""
    if org is None and actor is not None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    if org is not None:
        scope.require(actor, "dues.manage", org)
    month = _month(month, "month")
    if month > rules.add_months(current_month(), policy.value("dues.advance_months", org.path if org else "")):
        raise DomainError(_("That month is too far ahead to assess."), field="month")
    _lock_month(month)
    started = time.perf_counter()
    count = assessment.assess(month, path=org.path if org is not None else "", timings=timings)
    audit.record(
        actor=actor,
        action="dues.assess",
        object_type="dues.month",
        object_id=f"{month:%Y-%m}",
        object_repr=f"{month:%Y-%m} {org.name if org else ''}".strip(),
        org_path=org.path if org is not None else "",
        changes={"month": [None, f"{month:%Y-%m}"], "assessed": [None, count]},
    )
    if timings is not None:
        timings["total"] = time.perf_counter() - started
    return count


# --- Payments ----------------------------------------------------------------------------------------


def _limits(member: Member) -> tuple[int, int]:
    values = policy.values_for(["dues.back_pay_months", "dues.advance_months"], member.org.path)
    return values["dues.back_pay_months"], values["dues.advance_months"]


def _ensure_assessed(member: Member, through: dt.date) -> None:
    """Assess the months up to ``through`` not assessed yet (advance payments), at the declaration
    and rules in force for each month."""
    month = current_month()
    while month <= through:
        assessment.assess(month, member_ids=[member.pk])
        month = rules.add_months(month, 1)


def _open_assessments(member: Member, through: dt.date, earliest: dt.date | None):
    rows = DuesAssessment.objects.select_for_update().filter(member=member, month__lte=through, paid__lt=F("amount"))
    if earliest is not None:
        rows = rows.filter(month__gte=earliest)
    return list(rows.order_by("month"))


def _through(member: Member, through_month: dt.date | None) -> dt.date:
    through = current_month() if through_month is None else _month(through_month, "through_month")
    _back, advance = _limits(member)
    if through > rules.add_months(current_month(), advance):
        raise DomainError(
            _("Dues can be paid at most %(n)d months in advance.") % {"n": advance},
            code="too_far_ahead",
            field="through_month",
        )
    return through


def _allocate(payment: DuesPayment, open_rows: list[DuesAssessment], amount: Decimal) -> set[tuple[int, dt.date]]:
    """Spread ``amount`` over the open months, oldest first; returns the ledger rows touched."""
    touched = set()
    left = amount
    for row in open_rows:
        if left <= 0:
            break
        part = min(left, row.amount - row.paid)
        DuesAllocation.objects.create(payment=payment, assessment=row, amount=part)
        DuesAssessment.objects.filter(pk=row.pk).update(paid=F("paid") + part)
        touched.add((row.org_id, row.month))
        left -= part
    return touched


def _refresh(touched) -> None:
    by_month: dict[dt.date, set[int]] = {}
    for org_id, month in touched:
        by_month.setdefault(month, set()).add(org_id)
    for month, org_ids in by_month.items():
        assessment.ledger_refresh(month, org_ids=org_ids)


def _replayed(key: str, **expected) -> DuesPayment | None:
    """The payment already recorded under ``key``, if the request is the same; else a conflict."""
    existing = DuesPayment.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if any(getattr(existing, name) != value for name, value in expected.items()):
        raise ConflictError(
            _("This idempotency key was already used for a different payment."),
            code="idempotency_conflict",
            field="idempotency_key",
        )
    return existing


def _key(value: str) -> str:
    key = (value or "").strip()
    if not 8 <= len(key) <= 80:
        raise DomainError(_("Send an idempotency key of 8 to 80 characters."), field="idempotency_key")
    return key


@transaction.atomic
def payment_record(
    *,
    actor,
    member: Member,
    amount,
    method: str,
    receipt_no: str,
    idempotency_key: str,
    through_month: dt.date | None = None,
    back_pay_reason: str = "",
) -> DuesPayment:
    """Cash or a transfer received by the branch, settling the open months oldest first up to
    ``through_month`` (this month by default; later months are paid in advance). A smaller amount
    is a partial payment; a larger one than is open is refused. Replaying the same key returns
    the same payment.

    Back payment is normally limited to the last ``dues.back_pay_months`` (6) months (DOMAIN §5):
    older open months are left alone unless someone holding ``dues.back_pay_exception`` gives a
    ``back_pay_reason``, which is audited with the payment."""
    scope.require(actor, "dues.manage", member)
    reason = (back_pay_reason or "").strip()
    if reason:
        if not scope.can(actor, "dues.back_pay_exception", member):
            raise DomainError(
                _("Only an organisation-department administrator may accept back payments beyond the normal window."),
                code="back_pay_not_allowed",
                field="back_pay_reason",
            )
        if len(reason) < 4:
            raise DomainError(_("Explain the exception in a few words."), field="back_pay_reason")
    key = _key(idempotency_key)
    value = _money(amount, "amount")
    if method not in (PaymentMethod.CASH, PaymentMethod.TRANSFER):
        raise DomainError(_("The branch records cash or bank transfers."), field="method")
    receipt_no = (receipt_no or "").strip()
    if not receipt_no:
        raise DomainError(_("Enter the receipt number."), field="receipt_no")
    if existing := _replayed(key, member_id=member.pk, amount=value, method=method):
        return existing
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    through = _through(member, through_month)
    _ensure_assessed(member, through)
    back, _advance = _limits(member)
    window_start = rules.add_months(current_month(), -back)
    open_rows = _open_assessments(member, through, None if reason else window_start)
    outstanding = sum((row.amount - row.paid for row in open_rows), Decimal("0.00"))
    if value > outstanding:
        older = (
            not reason
            and DuesAssessment.objects.filter(member=member, month__lt=window_start, paid__lt=F("amount")).exists()
        )
        if older:
            raise DomainError(
                _(
                    "The amount %(amount)s is more than the %(open)s yuan open since %(start)s. Months before "
                    "%(start)s are beyond the %(n)d-month back-payment window: an organisation-department "
                    "administrator must accept them, giving the reason for the exception."
                )
                % {"amount": value, "open": outstanding, "start": f"{window_start:%Y-%m}", "n": back},
                code="back_pay_window",
                field="amount",
            )
        raise DomainError(
            _("The amount %(amount)s is more than the %(open)s yuan open up to %(month)s.")
            % {"amount": value, "open": outstanding, "month": f"{through:%Y-%m}"},
            code="amount_mismatch",
            field="amount",
        )
    try:
        with transaction.atomic():
            payment = DuesPayment.objects.create(
                member=member,
                org=member.org,
                method=method,
                amount=value,
                through_month=through,
                receipt_no=receipt_no[:40],
                idempotency_key=key,
                recorded_by=actor,
                paid_at=timezone.now(),
            )
    except IntegrityError:
        existing = _replayed(key, member_id=member.pk, amount=value, method=method)
        if existing is None:
            raise
        return existing
    _refresh(_allocate(payment, open_rows, value))
    lost_contact.record_contact(member=member, kind="dues")  # paying dues is contact (DOMAIN §3.4)
    audit.record(
        actor=actor,
        action="dues.pay",
        obj=payment,
        org_path=member.org.path,
        changes={
            "amount": [None, str(value)],
            "method": [None, method],
            "receipt_no": [None, payment.receipt_no],
            "through_month": [None, f"{through:%Y-%m}"],
            **({"back_pay_reason": [None, reason[:200]]} if reason else {}),
        },
    )
    return payment


@transaction.atomic
def refund_record(*, actor, payment: DuesPayment, amount, reason: str, idempotency_key: str) -> DuesPayment:
    """Return (part of) a payment: a new negative entry that releases the latest months it paid."""
    scope.require(actor, "dues.manage", payment.member)
    key = _key(idempotency_key)
    value = _money(amount, "amount")
    if existing := _replayed(key, refund_of_id=payment.pk, amount=-value):
        return existing
    payment = DuesPayment.objects.select_for_update().select_related("member__org").get(pk=payment.pk)
    if payment.kind != PaymentKind.PAYMENT or payment.status != PaymentStatus.PAID:
        raise ConflictError(_("Only a completed payment can be refunded."), code="not_refundable")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Give the reason for the refund."), field="reason")
    refunded = -sum((r.amount for r in payment.refunds.all()), Decimal("0.00"))
    if value > payment.amount - refunded:
        raise DomainError(
            _("At most %(n)s yuan of this payment can still be refunded.") % {"n": payment.amount - refunded},
            code="amount_mismatch",
            field="amount",
        )
    refund = DuesPayment.objects.create(
        member=payment.member,
        org=payment.org,
        kind=PaymentKind.REFUND,
        method=payment.method,
        amount=-value,
        through_month=payment.through_month,
        receipt_no=payment.receipt_no,
        idempotency_key=key,
        refund_of=payment,
        reason=reason[:200],
        recorded_by=actor,
        paid_at=timezone.now(),
    )
    # What the payment still holds per month (its allocations net of earlier refunds), latest first.
    held: dict[int, Decimal] = {}
    for allocation in DuesAllocation.objects.filter(payment__in=[payment, *payment.refunds.exclude(pk=refund.pk)]):
        held[allocation.assessment_id] = held.get(allocation.assessment_id, Decimal(0)) + allocation.amount
    rows = DuesAssessment.objects.select_for_update().filter(pk__in=[k for k, v in held.items() if v > 0])
    touched = set()
    left = value
    for row in rows.order_by("-month"):
        if left <= 0:
            break
        part = min(left, held[row.pk])
        DuesAllocation.objects.create(payment=refund, assessment=row, amount=-part)
        DuesAssessment.objects.filter(pk=row.pk).update(paid=F("paid") - part)
        touched.add((row.org_id, row.month))
        left -= part
    _refresh(touched)
    audit.record(
        actor=actor,
        action="dues.refund",
        obj=refund,
        org_path=payment.member.org.path,
        changes={"refund_of": [None, payment.pk], "amount": [None, str(-value)], "reason": [None, reason[:200]]},
    )
    return refund


@transaction.atomic
def handover_record(
    *, actor, org: PartyOrganisation, month: dt.date, amount, handed_on: dt.date, receipt_no: str = "", note: str = ""
) -> DuesHandover:
    """Dues of ``month`` handed over to the higher committee (上缴); never more than was collected."""
    scope.require(actor, "dues.manage", org)
    month = _month(month, "month")
    value = _money(amount, "amount", maximum=Decimal("100000000.00"))
    if not isinstance(handed_on, dt.date) or handed_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="handed_on")
    PartyOrganisation.objects.select_for_update().filter(pk=org.pk).first()
    ledger = DuesLedger.objects.filter(org=org, month=month).first()
    available = (ledger.paid - ledger.handed_over) if ledger else Decimal("0.00")
    if value > available:
        raise DomainError(
            _("Only %(n)s yuan collected for this month has not been handed over yet.") % {"n": available},
            code="amount_mismatch",
            field="amount",
        )
    handover = DuesHandover.objects.create(
        org=org,
        month=month,
        amount=value,
        handed_on=handed_on,
        receipt_no=(receipt_no or "").strip()[:40],
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    assessment.ledger_refresh(month, org_ids={org.pk})
    audit.record(
        actor=actor,
        action="dues.handover",
        obj=handover,
        org_path=org.path,
        changes={"month": [None, f"{month:%Y-%m}"], "amount": [None, str(value)]},
    )
    return handover
