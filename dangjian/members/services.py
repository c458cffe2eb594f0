"""Every write to the member registry, and the audited reveal of protected values."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, bulk, crypto, policy, scope
from dangjian.core.errors import ConflictError, DomainError, ScopeDenied
from dangjian.core.validators import (
    mask_id_number,
    mask_mobile,
    normalise_id_number,
    normalise_mobile,
    parse_id_number,
    validate_mobile,
)
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import HostEntity, PartyOrganisation

from .choices import (
    ETHNICITIES,
    STATUS_TRANSITIONS,
    Education,
    EmploymentForm,
    Gender,
    MembershipStatus,
    PoliticalStatus,
)
from .models import ID_CONTEXT, MOBILE_CONTEXT, Member

PLAIN_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "occupation",
    "employment_form",
    "employer_id",
    "work_area",
    "political_status",
    "join_date",
    "full_member_date",
    "is_flowing",
]
AUDIT_FIELDS = [*PLAIN_FIELDS, "org_id", "status", "id_number_masked", "mobile_masked"]


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def find_by_id_number(value: str):
    """The member with this ID number (any scope; callers decide what they may reveal)."""
    number = normalise_id_number(value)
    return (
        Member.objects.select_related("org").filter(id_number_bidx__in=crypto.blind_indexes(number, ID_CONTEXT)).first()
    )


def _set_id_number(member: Member, raw: str, data: dict) -> None:
    number = normalise_id_number(raw)
    try:
        facts = parse_id_number(number)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_id_number", field="id_number") from None
    if data.get("birth_date") and data["birth_date"] != facts.birth_date:
        raise DomainError(
            _("The birth date does not match the ID card number (%(date)s).") % {"date": facts.birth_date},
            field="birth_date",
        )
    if data.get("gender") and data["gender"] != facts.gender:
        raise DomainError(_("The gender does not match the ID card number."), field="gender")
    member.birth_date, member.gender = facts.birth_date, facts.gender
    member.id_number_enc = crypto.encrypt(number, ID_CONTEXT)
    member.id_number_bidx = crypto.blind_index(number, ID_CONTEXT)
    member.id_number_masked = mask_id_number(number)


def _set_mobile(member: Member, raw: str) -> None:
    mobile = normalise_mobile(raw or "")
    if not mobile:
        member.mobile_enc = member.mobile_bidx = member.mobile_masked = ""
        return
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_mobile", field="mobile") from None
    member.mobile_enc = crypto.encrypt(mobile, MOBILE_CONTEXT)
    member.mobile_bidx = crypto.blind_index(mobile, MOBILE_CONTEXT)
    member.mobile_masked = mask_mobile(mobile)


def _apply(actor, member: Member, data: dict, cache: dict | None = None) -> None:
    for key, value in data.items():
        if key not in PLAIN_FIELDS:
            raise DomainError(_("Unknown field %(f)s.") % {"f": key}, field=key)
        setattr(member, key, value.strip() if isinstance(value, str) else value)
    if not member.name:
        raise DomainError(_("Enter the member's name."), field="name")
    if len(member.name) > 50:
        raise DomainError(_("A name has at most 50 characters."), field="name")
    if member.ethnicity not in ETHNICITIES:
        raise DomainError(_("Choose one of the 56 ethnic groups."), field="ethnicity")
    for field, choices in (
        ("education", Education),
        ("employment_form", EmploymentForm),
        ("political_status", PoliticalStatus),
        ("gender", Gender),
    ):
        value = getattr(member, field)
        if value and value not in choices.values:
            raise DomainError(_("Choose a valid value."), field=field)
    today = timezone.localdate()
    if member.join_date is None:
        raise DomainError(_("Enter the date of joining the Party."), field="join_date")
    if member.join_date > today:
        raise DomainError(_("The join date cannot be in the future."), field="join_date")
    path = member.org.path if member.org_id else ""
    if cache is not None and ("min_age", path) in cache:
        min_age = cache[("min_age", path)]
    else:
        min_age = policy.value("members.min_age", path)
        if cache is not None:
            cache[("min_age", path)] = min_age
    if _age(member.birth_date, member.join_date) < min_age:
        raise DomainError(
            _("A member must have been at least %(n)d when joining the Party.") % {"n": min_age}, field="join_date"
        )
    if member.political_status == PoliticalStatus.FULL:
        if member.full_member_date is None:
            raise DomainError(_("Enter the date of becoming a full member."), field="full_member_date")
        if not member.join_date <= member.full_member_date <= today:
            raise DomainError(
                _("The full-membership date must lie between the join date and today."), field="full_member_date"
            )
    else:
        member.full_member_date = None
    if member.employer_id is not None and not HostEntity.objects.filter(pk=member.employer_id).exists():
        raise DomainError(_("Choose an employer from the list."), field="employer_id")


def _duplicate_error(actor, org_path: str, org_name: str) -> ConflictError:
    if actor is None or scope.scope_for(actor, "member.view").covers(org_path):
        message = _("A member with this ID card number is already registered in %(org)s.") % {"org": org_name}
    else:
        message = _(
            "A member with this ID card number is already registered in another organisation. "
            "Ask the organisation department to transfer the record."
        )
    return ConflictError(message, code="duplicate_id_number", field="id_number")


def _duplicate(number: str, exclude_pk: int | None, actor) -> ConflictError | None:
    existing = (
        Member.objects.select_related("org")
        .filter(id_number_bidx__in=crypto.blind_indexes(number, ID_CONTEXT))
        .exclude(pk=exclude_pk)
        .first()
    )
    if existing is None:
        return None
    return _duplicate_error(actor, existing.org.path, existing.org.name)


def _check_org(org: PartyOrganisation) -> None:
    if org.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE):
        raise DomainError(
            _("Members belong to a branch (or a general branch or committee), not to a party group."), field="org"
        )


def _build(actor, org: PartyOrganisation, id_number: str, mobile: str, data: dict, cache: dict):
    """A new, unsaved member checked by every rule except uniqueness, and its normalised number."""
    if ("org", org.pk) not in cache:
        try:
            scope.require(actor, "member.create", org)
            _check_org(org)
            cache[("org", org.pk)] = None
        except DomainError as exc:
            cache[("org", org.pk)] = exc
    if cache[("org", org.pk)] is not None:
        raise cache[("org", org.pk)]
    number = normalise_id_number(id_number)
    member = Member(org=org, status=MembershipStatus.NORMAL)
    data = dict(data)
    _set_id_number(member, number, data)
    data.pop("birth_date", None)
    data.pop("gender", None)
    _apply(actor, member, data, cache)
    _set_mobile(member, mobile)
    return member, number


def _audit_register(actor, member: Member) -> dict:
    return {
        "actor": actor,
        "action": "member.register",
        "obj": member,
        "org_path": member.org.path,
        "changes": audit.changed_fields({}, audit.snapshot(member, AUDIT_FIELDS)),
    }


@transaction.atomic
def member_register(*, actor, org: PartyOrganisation, id_number: str, mobile: str = "", **data) -> Member:
    """Register a member in ``org``. Birth date and gender come from the ID number."""
    member, number = _build(actor, org, id_number, mobile, data, {})
    if conflict := _duplicate(number, None, actor):
        raise conflict
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise _duplicate(number, None, actor) or ConflictError(_("This member is already registered.")) from None
    audit.record(**_audit_register(actor, member))
    scope.ensure_in_scope(actor, "member.view", member)
    return member


def member_register_many(*, actor, rows: list[dict], batch: dict | None = None) -> list[Member | DomainError]:
    """Register many members at once (imports). Each row holds ``member_register``'s arguments and
    is checked by exactly the same rules; the valid rows are written with one bulk insert (COPY on
    PostgreSQL). Returns, per row, the new member or the error. Runs inside the caller's
    transaction; if a concurrent registration collides, the rows fall back to ``member_register``
    one by one.

    Audit: one ``member.register`` entry per member, or, when ``batch`` describes the batch (an
    import: ``{"job": id, "rows": "2-2001", "org_path": ...}``), one ``member.register_batch``
    entry listing the new members' ids — the file's rows are already recorded by the job."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("member_register_many() must run inside a transaction")
    cache: dict = {}
    results: list[Member | DomainError] = []
    indexes: dict[str, int] = {}  # every blind index of every valid row → its position
    for position, row in enumerate(rows):
        row = dict(row)
        try:
            member, number = _build(actor, row.pop("org"), row.pop("id_number"), row.pop("mobile", ""), row, cache)
        except DomainError as exc:
            results.append(exc)
            continue
        mine = crypto.blind_indexes(number, ID_CONTEXT)
        twin = next((indexes[i] for i in mine if i in indexes), None)
        if twin is not None:
            results.append(ConflictError(_("This member is already registered."), field="id_number"))
            continue
        indexes.update(dict.fromkeys(mine, position))
        results.append(member)
    for start in range(0, len(indexes), 900):
        chunk = list(indexes)[start : start + 900]
        for bidx, path, name in Member.objects.filter(id_number_bidx__in=chunk).values_list(
            "id_number_bidx", "org__path", "org__name"
        ):
            results[indexes[bidx]] = _duplicate_error(actor, path, name)
    fresh = [r for r in results if isinstance(r, Member)]
    if not fresh:
        return results
    try:
        with transaction.atomic():
            bulk.insert(Member, fresh)
    except IntegrityError:
        return [r if not isinstance(r, Member) else _register_one(actor, rows[i]) for i, r in enumerate(results)]
    if batch is None:
        audit.record_many([_audit_register(actor, m) for m in fresh])
    else:
        audit.record(
            actor=actor,
            action="member.register_batch",
            object_type="members.member",
            object_repr=str(batch.get("label", ""))[:200],
            org_path=batch["org_path"],
            changes={
                "job": [None, batch.get("job")],
                "rows": [None, batch.get("rows")],
                "count": [None, len(fresh)],
                "members": [None, [m.pk for m in fresh]],
            },
        )
    if actor is not None:
        visible = Member.objects.filter(pk__in=[m.pk for m in fresh])
        if visible.filter(scope.scope_for(actor, "member.view").q("org__path")).count() != len(fresh):
            raise ScopeDenied(_("This change would move the record outside the organisations you manage."))
    return results


def _register_one(actor, row: dict) -> Member | DomainError:
    try:
        with transaction.atomic():
            return member_register(actor=actor, **row)
    except DomainError as exc:
        return exc


@transaction.atomic
def member_update(
    *,
    actor,
    member: Member,
    id_number: str | None = None,
    mobile: str | None = None,
    org: PartyOrganisation | None = None,
    **data,
) -> Member:
    scope.require(actor, "member.change", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    before = audit.snapshot(member, AUDIT_FIELDS)
    if org is not None and org.pk != member.org_id:
        scope.require(actor, "member.create", org)
        _check_org(org)
        member.org = org
    if id_number is not None:
        number = normalise_id_number(id_number)
        _set_id_number(member, number, data)
        if conflict := _duplicate(number, member.pk, actor):
            raise conflict
    data.pop("birth_date", None)
    data.pop("gender", None)
    _apply(actor, member, data)
    if mobile is not None:
        _set_mobile(member, mobile)
    member.save()
    audit.record(
        actor=actor,
        action="member.update",
        obj=member,
        org_path=member.org.path,
        changes=audit.changed_fields(before, audit.snapshot(member, AUDIT_FIELDS)),
    )
    scope.ensure_in_scope(actor, "member.view", member)
    return member


@transaction.atomic
def member_change_status(*, actor, member: Member, status: str, on: dt.date | None = None, reason: str = "") -> Member:
    """Record a membership status change decided by the branch (stopped, restored, removed, …)."""
    scope.require(actor, "member.status", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    if status not in MembershipStatus.values:
        raise DomainError(_("Choose a valid status."), field="status")
    if status not in STATUS_TRANSITIONS[MembershipStatus(member.status)]:
        raise DomainError(
            _("A member whose status is “%(old)s” cannot become “%(new)s”.")
            % {"old": MembershipStatus(member.status).label, "new": MembershipStatus(status).label},
            code="status_transition",
            field="status",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason or the meeting decision."), field="reason")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="on")
    old = member.status
    member.status, member.status_changed_on = status, on
    member.save(update_fields=["status", "status_changed_on", "updated_at"])
    audit.record(
        actor=actor,
        action="member.status",
        obj=member,
        org_path=member.org.path,
        changes={"status": [old, status], "on": [None, str(on)], "reason": [None, reason[:200]]},
    )
    return member


@transaction.atomic
def member_reveal(*, actor, member: Member, field: str, reason: str) -> str:
    """The full ID number or mobile of ``member``, for a stated reason; every reveal is audited."""
    scope.require(actor, "member.reveal", member)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("State why you need to see the full value."), field="reason")
    if field == "id_number":
        value = crypto.decrypt(member.id_number_enc, ID_CONTEXT)
    elif field == "mobile":
        value = crypto.decrypt(member.mobile_enc, MOBILE_CONTEXT) if member.mobile_enc else ""
    else:
        raise DomainError(_("Only the ID card number or the mobile number can be revealed."), field="field")
    audit.record(
        actor=actor,
        action="member.reveal",
        obj=member,
        org_path=member.org.path,
        changes={"field": [None, field], "reason": [None, reason[:200]]},
    )
    return value


@transaction.atomic
def member_link_account(*, actor, member: Member, user) -> Member:
    """Link a login account to the member record, so the member can see their own record."""
    scope.require(actor, "member.change", member)
    if Member.objects.filter(user=user).exclude(pk=member.pk).exists():
        raise ConflictError(_("This account is already linked to another member."), field="user")
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    audit.record(
        actor=actor,
        action="member.link_account",
        obj=member,
        org_path=member.org.path,
        changes={"user": [None, user.username]},
    )
    return member


@transaction.atomic
def member_transfer_org(*, actor, member: Member, org: PartyOrganisation, reason: str) -> Member:
    """Move the member's organisational relationship to ``org`` when a transfer is accepted.

    The source side authorised the move by issuing the transfer (``transfers.services``); here the
    receiving side acts, so the actor needs ``member.create`` in ``org``, not rights over the source.
    Only ``transfers.services.transfer_accept`` calls this.
    """
    scope.require(actor, "member.create", org)
    _check_org(org)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    old_org_id = member.org_id
    member.org = org
    member.save(update_fields=["org", "updated_at"])
    audit.record(
        actor=actor,
        action="member.transfer",
        obj=member,
        org_path=org.path,
        changes={"org_id": [old_org_id, org.pk], "reason": [None, (reason or "")[:200]]},
    )
    scope.ensure_in_scope(actor, "member.view", member)
    return member
