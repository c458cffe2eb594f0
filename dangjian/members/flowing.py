"""Flowing members (流动党员, DOMAIN §3.3).

- The home organisation registers an outflow (:func:`flow_register_out`); a destination registers
  an inflow of a member whose relationship stays elsewhere, found by ID number through the blind
  index (:func:`flow_register_in`). Either issues the flowing-member card (its number).
- Reports home are recorded (:func:`flow_report_record`); :func:`overdue_reports` lists those
  with none for ``members.flow_report_months`` (12) months.
- ``members.temp_branch_min`` (3) or more members flowing to one place → :func:`temp_branch_suggestions`.
- They vote at home only: voting features call :func:`may_vote_in`.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.core.validators import normalise_text
from dangjian.orgs.models import PartyOrganisation

from .choices import ACTIVE_STATUSES
from .lost_contact import months_before
from .models import FlowRecord, FlowReport, Member


def may_vote_in(member: Member, org: PartyOrganisation) -> bool:
    """Whether ``member`` votes in ``org``: only at home — flowing members have no vote at the
    destination (and probationary members none anywhere)."""
    return member.political_status == "full" and member.org_id == org.pk and member.status in ACTIVE_STATUSES


def active_flow(member: Member) -> FlowRecord | None:
    return FlowRecord.objects.filter(member=member, ended_on__isnull=True).select_related("dest_org").first()


def _card_no(on: dt.date) -> str:
    prefix = f"LD{on:%Y}"
    last = (
        FlowRecord.objects.select_for_update()
        .filter(card_no__startswith=prefix)
        .order_by("-card_no")
        .values_list("card_no", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:06d}"


def _check(member: Member, destination: str, reason: str, left_on, expected_return) -> tuple[str, str, dt.date]:
    destination, reason = normalise_text(destination or ""), (reason or "").strip()
    if not destination:
        raise DomainError(
            _("Enter where the member is going (city and district, or the workplace)."), field="destination"
        )
    if not reason:
        raise DomainError(_("Enter the reason, e.g. work or study."), field="reason")
    left_on = left_on or timezone.localdate()
    if left_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="left_on")
    if expected_return is not None and expected_return < left_on:
        raise DomainError(_("The expected return cannot be before leaving."), field="expected_return")
    if member.status not in ACTIVE_STATUSES:
        raise ConflictError(
            _("Only members whose membership is active can be registered as flowing."), code="member_inactive"
        )
    if active_flow(member) is not None:
        raise ConflictError(_("This member is already registered as flowing."), code="already_flowing")
    return destination[:120], reason[:200], left_on


def _create(actor, member, direction, destination, reason, left_on, expected_return, dest_org, dues) -> FlowRecord:
    try:
        with transaction.atomic():
            record = FlowRecord.objects.create(
                member=member,
                direction=direction,
                card_no=_card_no(left_on),
                destination=destination,
                dest_org=dest_org,
                reason=reason,
                left_on=left_on,
                expected_return=expected_return,
                pays_dues_at_destination=dues,
            )
    except IntegrityError:
        raise ConflictError(_("This member is already registered as flowing."), code="already_flowing") from None
    Member.objects.filter(pk=member.pk).update(is_flowing=True)
    audit.record(
        actor=actor,
        action=f"member.flow_{direction}",
        obj=member,
        org_path=member.org.path,
        changes={
            "card_no": [None, record.card_no],
            "destination": [None, destination],
            "dest_org": [None, dest_org.pk if dest_org else None],
            "left_on": [None, str(left_on)],
        },
    )
    return record


@transaction.atomic
def flow_register_out(
    *,
    actor,
    member: Member,
    destination: str,
    reason: str,
    left_on: dt.date | None = None,
    expected_return: dt.date | None = None,
    dest_org: PartyOrganisation | None = None,
    pays_dues_at_destination: bool = False,
) -> FlowRecord:
    """The home organisation registers a member going away (< 6 months, or unable to transfer)."""
    scope.require(actor, "member.change", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    destination, reason, left_on = _check(member, destination, reason, left_on, expected_return)
    if dest_org is not None and dest_org.pk == member.org_id:
        raise DomainError(_("The destination must be another organisation."), field="dest_org")
    return _create(
        actor, member, "out", destination, reason, left_on, expected_return, dest_org, pays_dues_at_destination
    )


@transaction.atomic
def flow_register_in(
    *,
    actor,
    dest_org: PartyOrganisation,
    id_number: str,
    destination: str,
    reason: str,
    left_on: dt.date | None = None,
    expected_return: dt.date | None = None,
    pays_dues_at_destination: bool = False,
) -> FlowRecord:
    """A destination registers a member working here whose relationship stays elsewhere. The member
    is found by ID number (blind index); nothing of the member record is changed but the flag."""
    from .services import find_by_id_number

    scope.require(actor, "member.create", dest_org)
    found = find_by_id_number(id_number or "")
    if found is None:
        raise NotFoundError(
            _("No member with this ID card number is registered. Ask the organisation department to verify them."),
            code="not_registered",
            field="id_number",
        )
    member = Member.objects.select_for_update().select_related("org").get(pk=found.pk)
    if member.org_id == dest_org.pk:
        raise DomainError(_("The member already belongs to this organisation."), field="id_number")
    destination, reason, left_on = _check(member, destination, reason, left_on, expected_return)
    return _create(
        actor, member, "in", destination, reason, left_on, expected_return, dest_org, pays_dues_at_destination
    )


def _record_for(actor, record: FlowRecord, action: str) -> FlowRecord:
    """Either side may act: the home side through the member, the destination through its org."""
    member = record.member
    if actor is None or scope.can(actor, action, member):
        return record
    if record.dest_org is not None and scope.can(actor, "member.create", record.dest_org):
        return record
    scope.require(actor, action, member)  # raises the right refusal
    return record


@transaction.atomic
def flow_report_record(*, actor, record: FlowRecord, content: str, on: dt.date | None = None) -> FlowReport:
    record = (
        FlowRecord.objects.select_for_update(of=("self",)).select_related("member__org", "dest_org").get(pk=record.pk)
    )
    _record_for(actor, record, "member.change")
    if record.ended_on is not None:
        raise ConflictError(_("This flowing-member record has ended."), code="flow_ended")
    content = (content or "").strip()
    if not content:
        raise DomainError(_("Write what the member reported."), field="content")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="on")
    if on < record.left_on:
        raise DomainError(_("The report cannot be before leaving."), field="on")
    report = FlowReport.objects.create(
        record=record, on=on, content=content[:2000], recorded_by=actor if getattr(actor, "pk", None) else None
    )
    if record.last_report_on is None or on > record.last_report_on:
        FlowRecord.objects.filter(pk=record.pk).update(last_report_on=on)
    from .lost_contact import record_contact

    record_contact(member=record.member, on=on, kind="report")
    audit.record(
        actor=actor,
        action="member.flow_report",
        obj=record.member,
        org_path=record.member.org.path,
        changes={"card_no": [None, record.card_no], "on": [None, str(on)]},
    )
    return report


@transaction.atomic
def flow_end(*, actor, record: FlowRecord, on: dt.date | None = None) -> FlowRecord:
    """The member came back (or transferred): the record ends and the flag is cleared."""
    record = (
        FlowRecord.objects.select_for_update(of=("self",)).select_related("member__org", "dest_org").get(pk=record.pk)
    )
    _record_for(actor, record, "member.change")
    if record.ended_on is not None:
        raise ConflictError(_("This flowing-member record has ended."), code="flow_ended")
    on = on or timezone.localdate()
    if on < record.left_on or on > timezone.localdate():
        raise DomainError(_("The date must lie between leaving and today."), field="on")
    record.ended_on = on
    record.save(update_fields=["ended_on"])
    Member.objects.filter(pk=record.member_id).update(is_flowing=False)
    audit.record(
        actor=actor,
        action="member.flow_end",
        obj=record.member,
        org_path=record.member.org.path,
        changes={"card_no": [None, record.card_no], "ended_on": [None, str(on)]},
    )
    return record


# --- Reads ----------------------------------------------------------------------------------------


def flow_list(user, *, active_only: bool = True) -> QuerySet[FlowRecord]:
    """Records the user may see: outflows of members in scope, and inflows into orgs in scope."""
    members_q = scope.scope_for(user, "member.view").q("member__org__path")
    dest_q = scope.scope_for(user, "member.view").q("dest_org__path")
    records = FlowRecord.objects.filter(members_q | dest_q).select_related("member__org", "dest_org")
    if active_only:
        records = records.filter(ended_on__isnull=True)
    return records.order_by("-left_on", "-id")


def overdue_reports(user, *, today: dt.date | None = None) -> QuerySet[FlowRecord]:
    """Active records with no report home for ``members.flow_report_months`` months (the policy at
    the platform level; a region's override applies through its own scan)."""
    today = today or timezone.localdate()
    months = int(policy.value("members.flow_report_months"))
    return (
        flow_list(user)
        .annotate(last=Coalesce("last_report_on", "left_on"))
        .filter(last__lte=months_before(today, months))
    )


def temp_branch_suggestions(user) -> list[dict]:
    """Places with at least ``members.temp_branch_min`` active flowing members of one home
    organisation: a temporary branch (临时党支部) is suggested there."""
    minimum = int(policy.value("members.temp_branch_min"))
    members_q = scope.scope_for(user, "member.view").q("member__org__path")
    grouped = (
        FlowRecord.objects.filter(members_q, ended_on__isnull=True)
        .values("destination", "member__org_id", "member__org__name")
        .annotate(n=Count("id"))
        .filter(n__gte=minimum)
        .order_by("-n", "destination")
    )
    return [
        {
            "destination": g["destination"],
            "org_id": g["member__org_id"],
            "org_name": g["member__org__name"],
            "count": g["n"],
        }
        for g in grouped
    ]
