"""Every write to transfers: issue, accept, reject, reissue, register the returned receipt."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.members import lost_contact
from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PartyOrganisation

from . import rules
from .choices import TRANSFERABLE_STATUSES, TransferKind, TransferStatus
from .models import Transfer

POLICY_KEYS = ["transfers.validity_days_in_city", "transfers.validity_days_elsewhere", "transfers.validity_max_months"]
AUDIT_FIELDS = [
    "member_id",
    "kind",
    "source_org_id",
    "target_org_id",
    "target_name",
    "target_address",
    "in_city",
    "dues_paid_until",
    "issued_on",
    "valid_until",
    "status",
]


def _committee_of(org: PartyOrganisation) -> PartyOrganisation | None:
    """The nearest committee at or above ``org`` (the committee the relationship stays within)."""
    if org.kind == OrgKind.COMMITTEE:
        return org
    step = PartyOrganisation.steplen
    above = [org.path[:end] for end in range(step, len(org.path), step)]
    return PartyOrganisation.objects.filter(path__in=above, kind=OrgKind.COMMITTEE).order_by("-depth").first()


def kind_between(source: PartyOrganisation, target: PartyOrganisation | None) -> str:
    """Within one committee, within the province or system (the same root), nationwide, or outward."""
    if target is None:
        return TransferKind.OUTWARD
    source_committee, target_committee = _committee_of(source), _committee_of(target)
    if source_committee is not None and source_committee == target_committee:
        return TransferKind.WITHIN_COMMITTEE
    if source.path[: PartyOrganisation.steplen] == target.path[: PartyOrganisation.steplen]:
        return TransferKind.WITHIN_SYSTEM
    return TransferKind.NATIONWIDE


def _validity(source: PartyOrganisation, issued_on: dt.date, in_city: bool, valid_until: dt.date | None) -> dt.date:
    rule = policy.values_for(POLICY_KEYS, source.path)
    latest = rules.latest_valid_until(issued_on, rule["transfers.validity_max_months"])
    if valid_until is None:
        valid_until = rules.default_valid_until(
            issued_on,
            in_city=in_city,
            days_in_city=rule["transfers.validity_days_in_city"],
            days_elsewhere=rule["transfers.validity_days_elsewhere"],
        )
        return min(valid_until, latest)
    if valid_until < issued_on:
        raise DomainError(_("The letter cannot expire before it is issued."), field="valid_until")
    if valid_until > latest:
        raise DomainError(
            _("A letter is valid for at most %(n)d months, until %(date)s.")
            % {"n": rule["transfers.validity_max_months"], "date": latest},
            code="validity_too_long",
            field="valid_until",
        )
    return valid_until


def _check_member(member: Member) -> None:
    if member.status not in TRANSFERABLE_STATUSES:
        raise DomainError(
            _(
                "%(name)s's membership is “%(status)s”: a member who lost contact or whose membership is "
                "stopped cannot be transferred."
            )
            % {"name": member.name, "status": member.get_status_display()},
            code="member_not_transferable",
            field="member",
        )
    if Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
        raise ConflictError(
            _("%(name)s already has a transfer waiting to be accepted. Reissue or wait for that one.")
            % {"name": member.name},
            code="transfer_pending",
            field="member",
        )


def _save_new(transfer: Transfer) -> None:
    for _attempt in range(3):
        transfer.verify_code = rules.new_code()
        try:
            with transaction.atomic():
                transfer.save(force_insert=True)
            return
        except IntegrityError:
            if Transfer.objects.filter(member=transfer.member, status=TransferStatus.PENDING).exists():
                raise ConflictError(
                    _("%(name)s already has a transfer waiting to be accepted.") % {"name": transfer.member.name},
                    code="transfer_pending",
                    field="member",
                ) from None
            transfer.pk = None  # a verification code collided: draw another
    raise ConflictError(_("Could not issue the letter; try again."))


@transaction.atomic
def transfer_issue(
    *,
    actor,
    member: Member,
    dues_paid_until: dt.date,
    target_org: PartyOrganisation | None = None,
    target_name: str = "",
    target_address: str = "",
    in_city: bool = True,
    valid_until: dt.date | None = None,
    issued_on: dt.date | None = None,
    note: str = "",
) -> Transfer:
    """The source organisation issues a transfer of ``member`` to ``target_org`` (on the platform)
    or, with ``target_org`` None, an outward letter to ``target_name`` at ``target_address``."""
    scope.require(actor, "transfer.issue", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    _check_member(member)
    lost_contact.ensure_transferable(member)  # DOMAIN §3.2: a lost-contact member's outcome comes first
    today = timezone.localdate()
    issued_on = issued_on or today
    if issued_on > today:
        raise DomainError(_("The issue date cannot be in the future."), field="issued_on")
    target_name, target_address = (target_name or "").strip(), (target_address or "").strip()
    if target_org is not None:
        if target_org.pk == member.org_id:
            raise DomainError(
                _("The member already belongs to %(org)s.") % {"org": target_org.name},
                code="same_org",
                field="target_org",
            )
        if target_org.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE):
            raise DomainError(
                _("Members are received by a branch (or a general branch or committee), not by a party group."),
                field="target_org",
            )
        target_name = target_org.name
    else:
        if not target_name:
            raise DomainError(_("Name the receiving organisation."), field="target_name")
        if not target_address:
            raise DomainError(
                _("An organisation outside the platform needs an address for the letter."),
                code="target_address_required",
                field="target_address",
            )
    if dues_paid_until is None:
        raise DomainError(_("Enter the month dues are paid up to."), field="dues_paid_until")
    dues_paid_until = rules.month_start(dues_paid_until)
    if dues_paid_until > rules.add_months(rules.month_start(issued_on), 12):
        raise DomainError(_("Dues can be paid at most a year ahead."), field="dues_paid_until")
    transfer = Transfer(
        member=member,
        kind=kind_between(member.org, target_org),
        source_org=member.org,
        target_org=target_org,
        target_name=target_name[:120],
        target_address=target_address[:200],
        in_city=in_city,
        dues_paid_until=dues_paid_until,
        issued_on=issued_on,
        valid_until=_validity(member.org, issued_on, in_city, valid_until),
        note=(note or "").strip()[:300],
        issued_by=actor,
    )
    _save_new(transfer)
    audit.record(
        actor=actor,
        action="transfer.issue",
        obj=transfer,
        org_path=member.org.path,
        changes=audit.changed_fields({}, audit.snapshot(transfer, AUDIT_FIELDS)),
    )
    return transfer


def _locked(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "source_org", "target_org")
        .get(pk=transfer.pk)
    )


def _must_be_pending(transfer: Transfer) -> None:
    if transfer.status != TransferStatus.PENDING:
        raise ConflictError(
            _("This transfer was already decided (%(status)s).") % {"status": transfer.get_status_display()},
            code="transfer_decided",
        )


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer) -> Transfer:
    """The receiving organisation accepts: only now does the member's organisation change."""
    if transfer.target_org is None:
        raise DomainError(_("An outward transfer is completed by registering its receipt."), code="outward")
    scope.require(actor, "transfer.accept", transfer.target_org)
    transfer = _locked(transfer)
    _must_be_pending(transfer)
    today = timezone.localdate()
    if transfer.is_expired(today):
        raise ConflictError(
            _("The letter expired on %(date)s. Ask the issuing organisation to reissue it.")
            % {"date": transfer.valid_until},
            code="transfer_expired",
        )
    if transfer.member.status not in TRANSFERABLE_STATUSES:
        raise DomainError(
            _("%(name)s's membership became “%(status)s” after the letter was issued; it cannot be accepted.")
            % {"name": transfer.member.name, "status": transfer.member.get_status_display()},
            code="member_not_transferable",
        )
    member_services.member_transfer_org(
        actor=actor,
        member=transfer.member,
        org=transfer.target_org,
        reason=_("Transfer %(no)s accepted") % {"no": transfer.letter_number},
    )
    transfer.status, transfer.decided_on, transfer.decided_by = TransferStatus.ACCEPTED, today, actor
    transfer.save(update_fields=["status", "decided_on", "decided_by"])
    audit.record(
        actor=actor,
        action="transfer.accept",
        obj=transfer,
        org_path=transfer.target_org.path,
        changes={"status": [TransferStatus.PENDING, TransferStatus.ACCEPTED]},
    )
    return transfer


@transaction.atomic
def transfer_reject(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """The receiving organisation refuses, with a reason the issuing side sees."""
    if transfer.target_org is None:
        raise DomainError(_("An outward transfer is completed by registering its receipt."), code="outward")
    scope.require(actor, "transfer.accept", transfer.target_org)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Give the reason for the rejection."), field="reason")
    transfer = _locked(transfer)
    _must_be_pending(transfer)
    transfer.status, transfer.decided_on, transfer.decided_by = (
        TransferStatus.REJECTED,
        timezone.localdate(),
        actor,
    )
    transfer.reason = reason[:300]
    transfer.save(update_fields=["status", "decided_on", "decided_by", "reason"])
    audit.record(
        actor=actor,
        action="transfer.reject",
        obj=transfer,
        org_path=transfer.target_org.path,
        changes={"status": [TransferStatus.PENDING, TransferStatus.REJECTED], "reason": [None, reason[:200]]},
    )
    return transfer


@transaction.atomic
def transfer_reissue(*, actor, transfer: Transfer, valid_until: dt.date | None = None) -> Transfer:
    """Replace an expired letter by a new one (new code and validity); the old one is kept, marked
    reissued, and its code no longer verifies as valid."""
    scope.require(actor, "transfer.issue", transfer.source_org)
    old = _locked(transfer)
    _must_be_pending(old)
    today = timezone.localdate()
    if not old.is_expired(today):
        raise ConflictError(
            _("The letter is still valid until %(date)s.") % {"date": old.valid_until}, code="transfer_not_expired"
        )
    old.status = TransferStatus.SUPERSEDED
    old.save(update_fields=["status"])
    new = Transfer(
        member=old.member,
        kind=old.kind,
        source_org=old.source_org,
        target_org=old.target_org,
        target_name=old.target_name,
        target_address=old.target_address,
        in_city=old.in_city,
        dues_paid_until=old.dues_paid_until,
        issued_on=today,
        valid_until=_validity(old.source_org, today, old.in_city, valid_until),
        note=old.note,
        issued_by=actor,
        reissue_of=old,
    )
    _save_new(new)
    audit.record(
        actor=actor,
        action="transfer.reissue",
        obj=new,
        org_path=old.source_org.path,
        changes={"reissue_of": [None, old.pk], "valid_until": [str(old.valid_until), str(new.valid_until)]},
    )
    return new


@transaction.atomic
def transfer_register_receipt(*, actor, transfer: Transfer, received_on: dt.date | None = None) -> Transfer:
    """The receipt (回执) of an outward letter came back: the transfer is complete."""
    scope.require(actor, "transfer.issue", transfer.source_org)
    transfer = _locked(transfer)
    if transfer.kind != TransferKind.OUTWARD:
        raise DomainError(_("Only an outward letter has a paper receipt to register."), code="not_outward")
    _must_be_pending(transfer)
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate() or received_on < transfer.issued_on:
        raise DomainError(_("The receipt date must lie between the issue date and today."), field="received_on")
    transfer.status, transfer.receipt_on = TransferStatus.COMPLETED, received_on
    transfer.save(update_fields=["status", "receipt_on"])
    audit.record(
        actor=actor,
        action="transfer.receipt",
        obj=transfer,
        org_path=transfer.source_org.path,
        changes={"status": [TransferStatus.PENDING, TransferStatus.COMPLETED], "receipt_on": [None, str(received_on)]},
    )
    return transfer
