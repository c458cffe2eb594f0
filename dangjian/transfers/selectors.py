"""Reads of transfers. A transfer concerns two organisations: both sides see it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from dangjian.core import scope
from dangjian.core.errors import NotFoundError

from .choices import TransferStatus
from .models import Transfer

DIRECTIONS = ("incoming", "outgoing")


def _sides(user) -> tuple[Q, Q]:
    visible = scope.scope_for(user, "transfer.view")
    return visible.q("source_org__path"), visible.q("target_org__path")


def transfer_list(user, *, direction: str = "", status: str = "", expired: bool = False) -> QuerySet[Transfer]:
    """Transfers issued by or addressed to an organisation in the user's scope."""
    outgoing, incoming = _sides(user)
    where = {"incoming": incoming, "outgoing": outgoing}.get(direction, outgoing | incoming)
    transfers = Transfer.objects.filter(where).select_related("member", "source_org", "target_org")
    if status in TransferStatus.values:
        transfers = transfers.filter(status=status)
    if expired:
        transfers = transfers.filter(status=TransferStatus.PENDING, valid_until__lt=timezone.localdate())
    return transfers.order_by("-issued_on", "-id")


def transfer_get(user, pk: int) -> Transfer:
    transfer = transfer_list(user).filter(pk=pk).first()
    if transfer is None:
        raise NotFoundError(scope_message())
    return transfer


def scope_message() -> str:
    from django.utils.translation import gettext as _

    return _("Not found, or outside the organisations you manage.")


def todo(user) -> dict[str, list[Transfer]]:
    """What waits on the user: incoming letters to decide, expired letters to reissue, outward
    letters whose receipt has not come back."""
    outgoing, incoming = _sides(user)
    today = timezone.localdate()
    pending = Transfer.objects.filter(status=TransferStatus.PENDING).select_related(
        "member", "source_org", "target_org"
    )
    return {
        "to_decide": list(pending.filter(incoming, valid_until__gte=today).order_by("valid_until", "id")),
        "expired": list(pending.filter(outgoing, valid_until__lt=today).order_by("valid_until", "id")),
        "awaiting_receipt": list(
            pending.filter(outgoing, target_org__isnull=True, valid_until__gte=today).order_by("valid_until", "id")
        ),
    }


def my_transfers(user) -> list[Transfer]:
    """The transfers of the member linked to this account (a member needs no management role)."""
    return list(
        Transfer.objects.filter(member__user=user, member__user__isnull=False)
        .select_related("source_org", "target_org")
        .order_by("-issued_on", "-id")
    )


def verify(code: str) -> Transfer | None:
    """The letter with this code, for the public verification page; None for a forged code."""
    from . import rules

    code = rules.normalise_code(code)
    if len(code) != rules.CODE_LENGTH:
        return None
    return Transfer.objects.select_related("member", "source_org").filter(verify_code=code).first()
