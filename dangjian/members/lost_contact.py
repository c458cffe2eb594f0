"""Lost contact (失联党员, DOMAIN §3.4).

A member with no contact for ``members.lost_contact_months`` (6) months is flagged — by the daily
scan (``manage.py members_lost_contact_scan``) or by the branch. The branch records search attempts
and the outcome: found; membership stopped by the branch meeting (the search goes on); restored
when contact comes back within ``members.lost_contact_restore_years`` (2) years of the stop;
removed. A probationary member who lost contact has the qualification cancelled (removed).

Other apps call:

- :func:`record_contact` when a member shows up (check-in, dues, study, a reply);
- :func:`ensure_transferable` before a transfer: it refuses lost-contact members;
- :func:`is_lost_contact`.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.orgs.models import PartyOrganisation

from .choices import ACTIVE_STATUSES, MembershipStatus, PoliticalStatus
from .models import LostContactCase, Member, SearchAttempt

OPEN = [LostContactCase.State.SEARCHING, LostContactCase.State.STOPPED]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it has fewer days)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_lost_contact(member: Member) -> bool:
    return member.lost_contact_since is not None


def ensure_transferable(member: Member) -> None:
    """Refuse to transfer a member who lost contact (DOMAIN §3.2); transfers call this."""
    if is_lost_contact(member):
        raise ConflictError(
            _("%(name)s has been out of contact since %(date)s and cannot be transferred; record the outcome first.")
            % {"name": member.name, "date": member.lost_contact_since},
            code="lost_contact",
        )


def record_contact(*, member: Member, on: dt.date | None = None, kind: str = "") -> None:
    """Note that the member was in contact on ``on`` (check-in, dues, study, a reply …). Never moves
    the date backwards. A flagged member stays flagged until the branch records the outcome."""
    on = on or timezone.localdate()
    Member.objects.filter(pk=member.pk).filter(Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=on)).update(
        last_contact_on=on
    )


def _open_case(member: Member) -> LostContactCase | None:
    return LostContactCase.objects.select_for_update().filter(member=member, state__in=OPEN).first()


def _flag(actor, member: Member, on: dt.date, basis: str) -> LostContactCase:
    case = LostContactCase.objects.create(member=member, flagged_on=on, basis=basis[:200])
    Member.objects.filter(pk=member.pk).update(lost_contact_since=on)
    member.lost_contact_since = on
    audit.record(
        actor=actor,
        action="member.lost_contact_flag",
        obj=member,
        org_path=member.org.path,
        changes={"lost_contact_since": [None, str(on)], "basis": [None, basis[:200]]},
    )
    return case


@transaction.atomic
def lost_contact_flag(*, actor, member: Member, basis: str, on: dt.date | None = None) -> LostContactCase:
    """The branch flags a member it cannot reach."""
    scope.require(actor, "member.status", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    basis = (basis or "").strip()
    if not basis:
        raise DomainError(_("Say how the member was found to be out of contact."), field="basis")
    if member.status not in ACTIVE_STATUSES:
        raise ConflictError(_("Only members whose membership is active can be flagged."), code="member_inactive")
    if _open_case(member) is not None:
        raise ConflictError(_("This member is already flagged as lost contact."), code="already_flagged")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="on")
    return _flag(actor, member, on, basis)


def lost_contact_scan(*, today: dt.date | None = None) -> int:
    """Flag every active member whose last contact (or registration) is older than the policy's
    months at their organisation. Returns how many were flagged. Run daily by the platform."""
    today = today or timezone.localdate()
    key = "members.lost_contact_months"
    from dangjian.core.models import PolicyValue

    shortest = min([policy.value(key), *PolicyValue.objects.filter(key=key).values_list("value", flat=True)])
    candidates = (
        Member.objects.filter(status__in=ACTIVE_STATUSES, lost_contact_since__isnull=True)
        .annotate(contact=Coalesce("last_contact_on", TruncDate("created_at")))
        .filter(contact__lte=months_before(today, int(shortest)))
        .select_related("org")
        .order_by("pk")
    )
    flagged = 0
    months_at: dict[str, int] = {}
    for member in candidates.iterator(chunk_size=1000):
        months = months_at.setdefault(member.org.path, int(policy.value(key, member.org.path)))
        if member.contact > months_before(today, months):
            continue
        with transaction.atomic():
            locked = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
            if locked.lost_contact_since is not None or _open_case(locked) is not None:
                continue
            basis = _("No contact since %(date)s (more than %(n)d months).") % {"date": member.contact, "n": months}
            _flag(None, locked, today, basis)
            flagged += 1
    return flagged


@transaction.atomic
def search_attempt_record(
    *, actor, member: Member, method: str, result: str, on: dt.date | None = None
) -> SearchAttempt:
    scope.require(actor, "member.status", member)
    case = _open_case(member)
    if case is None:
        raise ConflictError(_("This member is not flagged as lost contact."), code="not_lost")
    if method not in SearchAttempt.Method.values:
        raise DomainError(_("Choose a valid value."), field="method")
    result = (result or "").strip()
    if not result:
        raise DomainError(_("Say what came of the attempt."), field="result")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="on")
    if on < case.flagged_on:
        raise DomainError(_("The attempt cannot be before the member was flagged."), field="on")
    attempt = SearchAttempt.objects.create(
        case=case, on=on, method=method, result=result[:300], recorded_by=actor if getattr(actor, "pk", None) else None
    )
    audit.record(
        actor=actor,
        action="member.lost_contact_attempt",
        obj=member,
        org_path=member.org.path,
        changes={"method": [None, method], "on": [None, str(on)], "result": [None, result[:200]]},
    )
    return attempt


OUTCOMES = ("found", "stopped", "restored", "removed")


@transaction.atomic
def lost_contact_outcome(
    *, actor, member: Member, outcome: str, note: str, on: dt.date | None = None
) -> LostContactCase:
    """Record the outcome of the search: ``found``, ``stopped`` (branch meeting decision, the case
    stays open), ``restored`` (back within the policy's years of the stop) or ``removed``."""
    from . import services

    scope.require(actor, "member.status", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    case = _open_case(member)
    if case is None:
        raise ConflictError(_("This member is not flagged as lost contact."), code="not_lost")
    if outcome not in OUTCOMES:
        raise DomainError(_("Choose a valid value."), field="outcome")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Give the reason or the meeting decision."), field="note")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="on")
    if on < case.flagged_on:
        raise DomainError(_("The date cannot be before the member was flagged."), field="on")
    stopped = member.status == MembershipStatus.STOPPED
    probationary = member.political_status == PoliticalStatus.PROBATIONARY
    if outcome == "found" and stopped:
        raise ConflictError(
            _("Membership was stopped: record “restored” (within the time allowed) or “removed”."), code="outcome"
        )
    if outcome == "stopped":
        if stopped:
            raise ConflictError(_("Membership is already stopped."), code="outcome")
        if probationary:
            raise ConflictError(
                _("A probationary member who lost contact has the qualification cancelled: record “removed”."),
                code="outcome",
            )
    if outcome == "restored":
        if not stopped:
            raise ConflictError(_("Only stopped membership can be restored; record “found”."), code="outcome")
        years = int(policy.value("members.lost_contact_restore_years", member.org.path))
        since = member.status_changed_on or case.flagged_on
        if on > months_before(since, -12 * years):
            raise ConflictError(
                _("More than %(n)d years have passed since membership was stopped (%(date)s); only removal remains.")
                % {"n": years, "date": since},
                code="restore_too_late",
            )
    status_for = {
        "stopped": MembershipStatus.STOPPED,
        "restored": MembershipStatus.RESTORED,
        "removed": MembershipStatus.REMOVED,
    }
    if outcome in status_for:
        services.member_change_status(actor=actor, member=member, status=status_for[outcome], on=on, reason=note)
    if outcome == "stopped":
        case.state = LostContactCase.State.STOPPED
    else:
        case.state, case.outcome, case.closed_on = LostContactCase.State.CLOSED, outcome, on
        fields = {"lost_contact_since": None}
        if outcome in ("found", "restored"):
            fields["last_contact_on"] = on
        Member.objects.filter(pk=member.pk).update(**fields)
    case.note = note[:500]
    case.save()
    audit.record(
        actor=actor,
        action="member.lost_contact_outcome",
        obj=member,
        org_path=member.org.path,
        changes={"outcome": [None, outcome], "on": [None, str(on)], "note": [None, note[:200]]},
    )
    return case


# --- Reads ----------------------------------------------------------------------------------------


def lost_members(user, *, under: PartyOrganisation | None = None) -> QuerySet[Member]:
    members = scope.restrict(user, "member.view", model=Member).filter(lost_contact_since__isnull=False)
    if under is not None:
        members = members.filter(org__path__startswith=under.path)
    return members.select_related("org").order_by("lost_contact_since", "name", "id")


def counts_by_child(user, under: PartyOrganisation) -> list[dict]:
    """Lost-contact members per child organisation of ``under`` (and those directly in it), in one
    grouped query: every subtree's members share the child's path prefix."""
    children = list(
        PartyOrganisation.objects.filter(path__startswith=under.path, depth=under.depth + 1)
        .order_by("path")
        .values("id", "name", "path")
    )
    rows: dict[str, int] = {}
    if children:
        width = len(children[0]["path"])
        grouped = (
            lost_members(user, under=under)
            .order_by()
            .annotate(prefix=Substr(F("org__path"), 1, width))
            .values("prefix")
            .annotate(n=Count("id"))
        )
        rows = {row["prefix"]: row["n"] for row in grouped}
    result = [{"id": c["id"], "name": c["name"], "count": rows.get(c["path"], 0)} for c in children]
    direct = lost_members(user).filter(org=under).count()
    if direct:
        result.insert(0, {"id": under.pk, "name": under.name, "count": direct})
    return result
