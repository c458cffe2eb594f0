"""Transfers over the JSON API (tag ``transfers``). Members appear with masked ID numbers only."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from dangjian.core import ratelimit, scope
from dangjian.core.api import ERROR_RESPONSES, LIMITED_RESPONSES, PageParams, paginate
from dangjian.core.errors import DomainError
from dangjian.members.models import Member
from dangjian.orgs.models import PartyOrganisation

from . import letter, rules, selectors, services
from .choices import TransferKind, TransferStatus
from .models import Transfer

router = Router()


class TransferOut(Schema):
    id: int
    letter_number: str
    member_id: int
    member_name: str
    member_id_number_masked: str
    kind: TransferKind
    status: TransferStatus
    expired: bool
    source_org_id: int
    source_org_name: str
    target_org_id: int | None
    target_name: str
    target_address: str
    in_city: bool
    dues_paid_until: str = Field(description="YYYY-MM")
    issued_on: dt.date
    valid_until: dt.date
    decided_on: dt.date | None
    reason: str
    receipt_on: dt.date | None
    reissue_of_id: int | None
    note: str


class TransferPage(Schema):
    items: list[TransferOut]
    count: int


class TransferTodoOut(Schema):
    to_decide: list[TransferOut]
    expired: list[TransferOut]
    awaiting_receipt: list[TransferOut]


class IssueIn(Schema):
    member_id: int
    target_org_code: str | None = Field(None, description="Code of the receiving organisation on the platform")
    target_name: str = Field("", description="Outward: the receiving organisation's name")
    target_address: str = Field("", description="Outward: its address")
    in_city: bool = True
    dues_paid_until: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    valid_until: dt.date | None = None
    note: str = ""


class RejectIn(Schema):
    reason: str


class ReissueIn(Schema):
    valid_until: dt.date | None = None


class ReceiptIn(Schema):
    received_on: dt.date | None = None


class TransferVerifyOut(Schema):
    genuine: bool
    valid: bool
    letter_number: str = ""
    status: TransferStatus | None = None
    member_name_masked: str = ""
    member_id_number_masked: str = ""
    source_org_name: str = ""
    target_name: str = ""
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None


class TransferFilters(Schema):
    direction: str = Field("", pattern=r"^(|incoming|outgoing)$")
    status: TransferStatus | None = None
    expired: bool = False


def out(t: Transfer) -> dict:
    return {
        "id": t.pk,
        "letter_number": t.letter_number,
        "member_id": t.member_id,
        "member_name": t.member.name,
        "member_id_number_masked": t.member.id_number_masked,
        "kind": t.kind,
        "status": t.status,
        "expired": t.expired,
        "source_org_id": t.source_org_id,
        "source_org_name": t.source_org.name,
        "target_org_id": t.target_org_id,
        "target_name": t.target_name,
        "target_address": t.target_address,
        "in_city": t.in_city,
        "dues_paid_until": f"{t.dues_paid_until:%Y-%m}",
        "issued_on": t.issued_on,
        "valid_until": t.valid_until,
        "decided_on": t.decided_on,
        "reason": t.reason,
        "receipt_on": t.receipt_on,
        "reissue_of_id": t.reissue_of_id,
        "note": t.note,
    }


def verify_out(transfer: Transfer | None) -> dict:
    if transfer is None:
        return {"genuine": False, "valid": False}
    return {
        "genuine": True,
        "valid": transfer.status == TransferStatus.PENDING and not transfer.expired,
        "letter_number": transfer.letter_number,
        "status": transfer.status,
        "member_name_masked": rules.mask_name(transfer.member.name),
        "member_id_number_masked": transfer.member.id_number_masked,
        "source_org_name": transfer.source_org.name,
        "target_name": transfer.target_name,
        "issued_on": transfer.issued_on,
        "valid_until": transfer.valid_until,
    }


def target_by_code(code: str | None) -> PartyOrganisation | None:
    """Any organisation on the platform, by its code: the receiver tells the issuer its code."""
    code = (code or "").strip()
    if not code:
        return None
    target = PartyOrganisation.objects.filter(code__iexact=code).first()
    if target is None:
        from django.utils.translation import gettext as _

        raise DomainError(_("No organisation on the platform has this code."), field="target_org_code")
    return target


@router.get("", response={200: TransferPage, **ERROR_RESPONSES}, summary="List transfers issued or received")
def list_transfers(request, filters: Query[TransferFilters], page: Query[PageParams]):
    scope.require_action(request.user, "transfer.view")
    items, count = paginate(
        selectors.transfer_list(
            request.user, direction=filters.direction, status=filters.status or "", expired=filters.expired
        ),
        page,
    )
    return {"items": [out(t) for t in items], "count": count}


@router.get(
    "/todo", response={200: TransferTodoOut, **ERROR_RESPONSES}, summary="Transfers waiting on my organisations"
)
def todo(request):
    scope.require_action(request.user, "transfer.view")
    return {key: [out(t) for t in items] for key, items in selectors.todo(request.user).items()}


@router.get("/mine", response={200: list[TransferOut], **ERROR_RESPONSES}, summary="My own transfers (members)")
def mine(request):
    return [out(t) for t in selectors.my_transfers(request.user)]


@router.get(
    "/verify/{code}",
    auth=None,
    response={200: TransferVerifyOut, **LIMITED_RESPONSES},
    summary="Check a letter's code (public, masked data)",
)
def verify(request, code: str):
    ratelimit.check("transfer_verify", request)
    return verify_out(selectors.verify(code))


@router.get("/{int:transfer_id}", response={200: TransferOut, **ERROR_RESPONSES}, summary="Get a transfer")
def get_transfer(request, transfer_id: int):
    return out(selectors.transfer_get(request.user, transfer_id))


@router.get(
    "/{int:transfer_id}/letter.pdf",
    response={200: None, **ERROR_RESPONSES},
    summary="The printable introduction letter (PDF: stub, letter, receipt)",
)
def letter_pdf(request, transfer_id: int):
    transfer = selectors.transfer_get(request.user, transfer_id)
    url = request.build_absolute_uri(reverse("transfers:verify")) + f"?code={transfer.verify_code}"
    response = HttpResponse(letter.render(transfer, url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="transfer-{transfer.letter_number}.pdf"'
    return response


@router.post("", response={201: TransferOut, **ERROR_RESPONSES}, summary="Issue a transfer")
def issue(request, payload: IssueIn):
    member = scope.get_in_scope(request.user, "member.view", Member, pk=payload.member_id)
    year, month = (int(part) for part in payload.dues_paid_until.split("-"))
    transfer = services.transfer_issue(
        actor=request.user,
        member=member,
        target_org=target_by_code(payload.target_org_code),
        target_name=payload.target_name,
        target_address=payload.target_address,
        in_city=payload.in_city,
        dues_paid_until=dt.date(year, month, 1),
        valid_until=payload.valid_until,
        note=payload.note,
    )
    return Status(201, out(selectors.transfer_get(request.user, transfer.pk)))


@router.post("/{int:transfer_id}/accept", response={200: TransferOut, **ERROR_RESPONSES}, summary="Accept")
def accept(request, transfer_id: int):
    transfer = services.transfer_accept(actor=request.user, transfer=selectors.transfer_get(request.user, transfer_id))
    return out(Transfer.objects.select_related("member", "source_org", "target_org").get(pk=transfer.pk))


@router.post("/{int:transfer_id}/reject", response={200: TransferOut, **ERROR_RESPONSES}, summary="Reject")
def reject(request, transfer_id: int, payload: RejectIn):
    services.transfer_reject(
        actor=request.user, transfer=selectors.transfer_get(request.user, transfer_id), reason=payload.reason
    )
    return out(selectors.transfer_get(request.user, transfer_id))


@router.post(
    "/{int:transfer_id}/reissue", response={201: TransferOut, **ERROR_RESPONSES}, summary="Reissue an expired letter"
)
def reissue(request, transfer_id: int, payload: ReissueIn):
    new = services.transfer_reissue(
        actor=request.user,
        transfer=selectors.transfer_get(request.user, transfer_id),
        valid_until=payload.valid_until,
    )
    return Status(201, out(selectors.transfer_get(request.user, new.pk)))


@router.post(
    "/{int:transfer_id}/receipt",
    response={200: TransferOut, **ERROR_RESPONSES},
    summary="Register the returned receipt of an outward letter",
)
def receipt(request, transfer_id: int, payload: ReceiptIn):
    services.transfer_register_receipt(
        actor=request.user,
        transfer=selectors.transfer_get(request.user, transfer_id),
        received_on=payload.received_on,
    )
    return out(selectors.transfer_get(request.user, transfer_id))
