"""Party dues over the JSON API (tag ``dues``). Declared incomes are masked except through the
audited reveal; the gateway callback is the one endpoint without a login (it is signed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.errors import InvalidInput
from dangjian.members.models import Member
from dangjian.orgs.models import PartyOrganisation

from . import gateway as gateways
from . import online, rules, selectors, services
from .choices import IncomeKind, PaymentMethod
from .models import DuesDeclaration, DuesPayment, DuesRelief

router = Router()


def parse_month(value: str | None, field: str = "month") -> dt.date:
    if not value:
        return services.current_month()
    try:
        return dt.datetime.strptime(value.strip()[:7], "%Y-%m").date()
    except ValueError:
        raise InvalidInput(_("Enter a month as YYYY-MM."), field=field) from None


class LedgerRowOut(Schema):
    org_id: int
    org_name: str
    org_kind: str
    assessed: Decimal
    paid: Decimal
    outstanding: Decimal
    handed_over: Decimal
    members_total: int
    members_paid: int
    collection_rate: Decimal | None


class LedgerTotalsOut(Schema):
    assessed: Decimal
    paid: Decimal
    outstanding: Decimal
    handed_over: Decimal
    members_total: int
    members_paid: int
    collection_rate: Decimal | None


class LedgerOut(Schema):
    month: str
    totals: LedgerTotalsOut
    items: list[LedgerRowOut]
    count: int


class ArrearsOut(Schema):
    member_id: int
    name: str
    org_name: str
    months: int
    outstanding: Decimal
    oldest: dt.date
    alert: bool


class ArrearsPage(Schema):
    items: list[ArrearsOut]
    count: int


class DeclarationOut(Schema):
    id: int
    kind: IncomeKind
    base_masked: str
    quarter_income_declared: bool
    fixed_amount: Decimal | None
    applies_from: dt.date
    note: str


class AssessmentOut(Schema):
    id: int
    month: dt.date
    kind: IncomeKind
    base_masked: str
    band: str
    rate: Decimal | None
    amount: Decimal
    paid: Decimal
    schedule_name: str
    relief_id: int | None


class PaymentOut(Schema):
    id: int
    kind: str
    method: str
    status: str
    amount: Decimal
    through_month: dt.date
    receipt_no: str
    refund_of_id: int | None
    paid_at: dt.datetime | None


class AccountOut(Schema):
    member_id: int
    name: str
    org_name: str
    outstanding: Decimal
    declarations: list[DeclarationOut]
    assessments: list[AssessmentOut]
    payments: list[PaymentOut]


class DeclarationIn(Schema):
    kind: IncomeKind
    applies_from: dt.date
    base: Decimal | None = None
    quarter_income: Decimal | None = None
    fixed_amount: Decimal | None = None
    note: str = ""


class DuesRevealIn(Schema):
    reason: str


class DuesRevealOut(Schema):
    base: str


class PaymentIn(Schema):
    amount: Decimal
    method: PaymentMethod
    receipt_no: str
    idempotency_key: str
    through_month: dt.date | None = None
    back_pay_reason: str = Field(
        "",
        max_length=200,
        description="Settle months older than the back-payment window (6 months): dues.back_pay_exception only",
    )


class RefundIn(Schema):
    amount: Decimal
    reason: str
    idempotency_key: str


class ReliefIn(Schema):
    from_month: dt.date
    to_month: dt.date
    amount: Decimal
    reason: str


class ReliefOut(Schema):
    id: int
    member_id: int
    from_month: dt.date
    to_month: dt.date
    amount: Decimal
    status: str


class DecisionIn(Schema):
    approve: bool


class AssessIn(Schema):
    month: dt.date
    org_id: int


class AssessOut(Schema):
    month: str
    assessed: int


class HandoverIn(Schema):
    org_id: int
    month: dt.date
    amount: Decimal
    handed_on: dt.date
    receipt_no: str = ""
    note: str = ""


class HandoverOut(Schema):
    id: int
    org_id: int
    month: dt.date
    amount: Decimal


class DuesScheduleIn(Schema):
    org_id: int
    name: str
    effective_from: dt.date
    salaried_bands: list[tuple[Decimal | None, Decimal]]
    retiree_bands: list[tuple[Decimal | None, Decimal]]
    student_amount: Decimal
    unemployed_amount: Decimal
    subsistence_amount: Decimal
    farmer_min: Decimal
    farmer_max: Decimal


class DuesScheduleOut(Schema):
    id: int
    scope_path: str
    name: str
    effective_from: dt.date
    salaried_bands: list
    retiree_bands: list
    student_amount: Decimal
    unemployed_amount: Decimal
    subsistence_amount: Decimal
    farmer_min: Decimal
    farmer_max: Decimal


class OrderIn(Schema):
    idempotency_key: str
    through_month: dt.date | None = None
    gateway: str = "sandbox"


class OrderOut(Schema):
    order_no: str
    amount: Decimal
    status: str
    checkout_url: str


class CallbackOut(Schema):
    order_no: str
    status: str


def _rate(paid: Decimal, assessed: Decimal) -> Decimal | None:
    return (paid * 100 / assessed).quantize(Decimal("0.01")) if assessed else None


def _org(request, org_id: int, action: str = "dues.view") -> PartyOrganisation:
    return scope.get_in_scope(request.user, action, PartyOrganisation, pk=org_id)


def _member(request, member_id: int) -> Member:
    return scope.get_in_scope(request.user, "dues.view", Member, pk=member_id)


def account(member: Member) -> dict:
    return {
        "member_id": member.pk,
        "name": member.name,
        "org_name": member.org.name,
        "outstanding": selectors.member_outstanding(member),
        "declarations": selectors.member_declarations(member),
        "assessments": [
            {
                **{f: getattr(a, f) for f in AssessmentOut.model_fields if hasattr(a, f)},
                "schedule_name": a.schedule.name,
            }
            for a in selectors.member_assessments(member)
        ],
        "payments": selectors.member_payments(member),
    }


@router.get("/ledger", response={200: LedgerOut, **ERROR_RESPONSES}, summary="Monthly dues ledger of a subtree")
def ledger(request, page: Query[PageParams], month: str = "", under_id: int | None = None):
    scope.require_action(request.user, "dues.view")
    when = parse_month(month)
    under = _org(request, under_id) if under_id else None
    rows = selectors.ledger_rows(request.user, month=when, under=under)
    totals = selectors.ledger_totals(rows)
    items, count = paginate(rows, page)
    return {
        "month": f"{when:%Y-%m}",
        "totals": {**totals, "collection_rate": _rate(totals["paid"], totals["assessed"])},
        "items": [
            {
                "org_id": r.org_id,
                "org_name": r.org.name,
                "org_kind": r.org.kind,
                "assessed": r.assessed,
                "paid": r.paid,
                "outstanding": r.outstanding,
                "handed_over": r.handed_over,
                "members_total": r.members_total,
                "members_paid": r.members_paid,
                "collection_rate": _rate(r.paid, r.assessed),
            }
            for r in items
        ],
        "count": count,
    }


@router.get("/arrears", response={200: ArrearsPage, **ERROR_RESPONSES}, summary="Members with unpaid dues")
def arrears(
    request,
    page: Query[PageParams],
    as_of: str = "",
    min_months: int = 1,
    alert_only: bool = False,
    under_id: int | None = None,
):
    scope.require_action(request.user, "dues.view")
    under = _org(request, under_id) if under_id else None
    rows = selectors.arrears_list(
        request.user, as_of=parse_month(as_of, "as_of"), min_months=min_months, under=under, alert_only=alert_only
    )
    items, count = paginate(rows, page)
    return {"items": items, "count": count}


@router.get("/members/{int:member_id}", response={200: AccountOut, **ERROR_RESPONSES}, summary="A member's dues")
def member_account(request, member_id: int):
    return account(_member(request, member_id))


@router.post(
    "/members/{int:member_id}/declarations",
    response={201: DeclarationOut, **ERROR_RESPONSES},
    summary="Record an income declaration",
)
def declare(request, member_id: int, payload: DeclarationIn):
    declaration = services.declaration_record(actor=request.user, member=_member(request, member_id), **payload.dict())
    return Status(201, declaration)


@router.post(
    "/declarations/{int:declaration_id}/reveal",
    response={200: DuesRevealOut, **ERROR_RESPONSES},
    summary="See a declared income in full (audited, with a reason)",
)
def reveal(request, declaration_id: int, payload: DuesRevealIn):
    declaration = scope.get_in_scope(request.user, "dues.view", DuesDeclaration, pk=declaration_id)
    return {"base": services.declaration_reveal(actor=request.user, declaration=declaration, reason=payload.reason)}


@router.post(
    "/members/{int:member_id}/payments",
    response={201: PaymentOut, **ERROR_RESPONSES},
    summary="Record cash or a transfer (idempotent)",
)
def pay(request, member_id: int, payload: PaymentIn):
    payment = services.payment_record(actor=request.user, member=_member(request, member_id), **payload.dict())
    return Status(201, payment)


@router.post(
    "/payments/{int:payment_id}/refunds", response={201: PaymentOut, **ERROR_RESPONSES}, summary="Refund a payment"
)
def refund(request, payment_id: int, payload: RefundIn):
    payment = scope.get_in_scope(request.user, "dues.view", DuesPayment, pk=payment_id)
    return Status(201, services.refund_record(actor=request.user, payment=payment, **payload.dict()))


@router.post(
    "/members/{int:member_id}/reliefs",
    response={201: ReliefOut, **ERROR_RESPONSES},
    summary="Record a branch decision to reduce or waive dues",
)
def relief_request(request, member_id: int, payload: ReliefIn):
    relief = services.relief_request(actor=request.user, member=_member(request, member_id), **payload.dict())
    return Status(201, relief)


@router.post(
    "/reliefs/{int:relief_id}/decision",
    response={200: ReliefOut, **ERROR_RESPONSES},
    summary="Approve or reject a relief (higher organisation)",
)
def relief_decide(request, relief_id: int, payload: DecisionIn):
    relief = scope.get_in_scope(request.user, "dues.view", DuesRelief, pk=relief_id)
    return services.relief_decide(actor=request.user, relief=relief, approve=payload.approve)


@router.post("/assessments", response={200: AssessOut, **ERROR_RESPONSES}, summary="Assess a month for a subtree")
def assess(request, payload: AssessIn):
    org = _org(request, payload.org_id)
    count = services.assessment_run(actor=request.user, month=payload.month, org=org)
    return {"month": f"{rules.month_start(payload.month):%Y-%m}", "assessed": count}


@router.post("/handovers", response={201: HandoverOut, **ERROR_RESPONSES}, summary="Record dues handed over (上缴)")
def handover(request, payload: HandoverIn):
    data = payload.dict()
    org = _org(request, data.pop("org_id"))
    return Status(201, services.handover_record(actor=request.user, org=org, **data))


@router.get(
    "/schedules", response={200: list[DuesScheduleOut], **ERROR_RESPONSES}, summary="Rate schedules in force here"
)
def schedules(request):
    scope.require_action(request.user, "dues.view")
    return selectors.schedule_list(request.user)


@router.post(
    "/schedules", response={201: DuesScheduleOut, **ERROR_RESPONSES}, summary="Add a version of a region's rates"
)
def schedule_create(request, payload: DuesScheduleIn):
    data = payload.dict()
    org = _org(request, data.pop("org_id"))
    return Status(201, services.schedule_create(actor=request.user, org=org, **data))


@router.get("/me", response={200: AccountOut, **ERROR_RESPONSES}, summary="My own dues")
def my_account(request):
    return account(_own(request))


def _own(request) -> Member:
    from dangjian.core.errors import NotFoundError

    member = Member.objects.select_related("org").filter(user=request.user).first()
    if member is None:
        raise NotFoundError(_("Your account is not linked to a member record."))
    return member


@router.post("/me/orders", response={201: OrderOut, **ERROR_RESPONSES}, summary="Pay my dues online")
def my_order(request, payload: OrderIn):
    order = online.order_create(actor=request.user, member=_own(request), **payload.dict())
    return Status(201, _order_out(order))


def _order_out(order: DuesPayment) -> dict:
    return {
        "order_no": order.idempotency_key,
        "amount": order.amount,
        "status": order.status,
        "checkout_url": gateways.get(order.gateway).checkout_url(order),
    }


@router.post(
    "/callbacks/{gateway}",
    auth=None,
    response={200: CallbackOut, **ERROR_RESPONSES},
    summary="Payment gateway callback (signed: header X-Dues-Signature)",
)
def gateway_callback(request, gateway: str):
    payment = online.callback_handle(
        gateway=gateway, body=request.body, signature=request.headers.get("X-Dues-Signature", "")
    )
    return {"order_no": payment.idempotency_key, "status": payment.status}
