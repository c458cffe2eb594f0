"""Consent to sensitive processing, and destruction of personal data after the retention period."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError, ScopeDenied

from .choices import MembershipStatus
from .models import Consent, ConsentPurpose, DestructionRecord, Member

RETENTION_STATUSES = (MembershipStatus.REMOVED, MembershipStatus.RESIGNED)
DESTROYED_FIELDS = ["id_number", "mobile", "ethnicity", "occupation", "work_area"]


def _may_act_for(actor, member: Member) -> bool:
    """The member themself (through the linked account), or a manager of their organisation."""
    return (
        actor is None
        or (member.user_id is not None and member.user_id == getattr(actor, "pk", None))
        or scope.can(actor, "member.change", member)
    )


@transaction.atomic
def consent_record(*, actor, member: Member, purpose: str, scope_text: str, channel: str = "") -> Consent:
    if not _may_act_for(actor, member):
        scope.require(actor, "member.change", member)
    if purpose not in ConsentPurpose.values:
        raise DomainError(_("Choose the purpose of the consent."), field="purpose")
    scope_text = (scope_text or "").strip()
    if not scope_text:
        raise DomainError(_("Say what personal information is processed."), field="scope_text")
    Member.objects.select_for_update().filter(pk=member.pk).first()
    if Consent.objects.filter(member=member, purpose=purpose, withdrawn_at__isnull=True).exists():
        raise ConflictError(_("This consent is already in force."), field="purpose")
    consent = Consent.objects.create(
        member=member, purpose=purpose, scope_text=scope_text[:300], channel=(channel or "").strip()[:100]
    )
    audit.record(
        actor=actor,
        action="consent.grant",
        obj=consent,
        org_path=member.org.path,
        changes={"purpose": [None, purpose], "channel": [None, consent.channel]},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent) -> Consent:
    member = consent.member
    if not _may_act_for(actor, member):
        raise ScopeDenied(_("Only the member or the branch may withdraw this consent."))
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ConflictError(_("This consent was already withdrawn."))
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    audit.record(
        actor=actor,
        action="consent.withdraw",
        obj=consent,
        org_path=member.org.path,
        changes={"purpose": [consent.purpose, None]},
    )
    return consent


def expired_members(today: dt.date | None = None):
    """Members who left (removed or resigned) longer ago than their region's retention period."""
    today = today or timezone.localdate()
    candidates = Member.objects.select_related("org").filter(
        status__in=RETENTION_STATUSES, personal_data_destroyed_at__isnull=True, status_changed_on__isnull=False
    )
    for member in candidates.iterator(chunk_size=500):
        years = policy.value("members.retention_years", member.org.path)
        if member.status_changed_on <= _years_before(today, years):
            yield member


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@transaction.atomic
def personal_data_destroy(*, member: Member, today: dt.date | None = None) -> DestructionRecord:
    """Destroy the member's personal fields (the platform itself acts: run by a command)."""
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    if member.personal_data_destroyed_at is not None:
        raise ConflictError(_("The personal data of this member was already destroyed."))
    years = policy.value("members.retention_years", member.org.path)
    member.id_number_enc = ""
    member.id_number_bidx = f"destroyed:{member.pk}"
    member.id_number_masked = ""
    member.mobile_enc = member.mobile_bidx = member.mobile_masked = ""
    member.ethnicity = member.occupation = member.work_area = ""
    member.personal_data_destroyed_at = timezone.now()
    member.save()
    record = DestructionRecord.objects.create(
        member_id_ref=member.pk,
        org_path=member.org.path,
        fields=DESTROYED_FIELDS,
        basis=f"status {member.status} since {member.status_changed_on}; retention {years} years",
    )
    audit.record(
        actor=None,
        action="member.personal_data_destroy",
        obj=member,
        org_path=member.org.path,
        changes={"fields": [None, DESTROYED_FIELDS], "basis": [None, record.basis]},
    )
    return record
