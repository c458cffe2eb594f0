"""Two-way finding (双向寻找, DOMAIN §3.3): a worker scans an organisation's registration QR and
registers as a party member working in the area, with separate consent; the platform matches the
ID number's blind index against the registry. A known member becomes an inflow to the scanned
organisation once its secretary confirms; an unknown one is a pocket-member lead (口袋党员) for the
organisation department to verify. The anonymous form never changes a member record."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.validators import (
    mask_id_number,
    mask_mobile,
    normalise_id_number,
    normalise_mobile,
    normalise_text,
    parse_id_number,
    validate_mobile,
)
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PartyOrganisation

from .models import ID_CONTEXT, MOBILE_CONTEXT, Member, RegistrationLead

LEAD_ID_CONTEXT = "members.registrationlead.id_number"
LEAD_MOBILE_CONTEXT = "members.registrationlead.mobile"


def consent_text() -> str:
    return _(
        "I agree that the platform processes my name, ID card number, mobile number, Party membership and "
        "place of work to verify my membership and to contact and manage me as a flowing member. The data "
        "are stored encrypted and seen only by the organisation whose code I scanned and the organisation "
        "department."
    )


@transaction.atomic
def lead_submit(
    *,
    org: PartyOrganisation,
    name: str,
    id_number: str,
    mobile: str,
    home_org_text: str = "",
    home_org: int | None = None,
    employer_text: str = "",
    work_area: str = "",
    consent: bool,
) -> RegistrationLead:
    """The anonymous registration. Refuses without consent; never touches the member registry.
    The home organisation is typed as text, or picked from the tree (``home_org``, an id from
    :func:`org_search`): then its name is the text."""
    if not consent:
        raise DomainError(
            _("Registration needs your separate consent to the processing of sensitive personal information."),
            field="consent",
        )
    name = normalise_text(name or "")
    if not name or len(name) > 50:
        raise DomainError(_("Enter your name (at most 50 characters)."), field="name")
    number = normalise_id_number(id_number or "")
    try:
        parse_id_number(number)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="id_number") from None
    phone = normalise_mobile(mobile or "")
    try:
        validate_mobile(phone)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="mobile") from None
    picked = None
    if home_org is not None:
        picked = PartyOrganisation.objects.filter(pk=home_org).exclude(kind=OrgKind.GROUP).first()
        if picked is None:
            raise DomainError(_("Choose an organisation from the list, or type its name."), field="home_org")
    home = picked.name if picked else normalise_text(home_org_text or "")
    if not home:
        raise DomainError(_("Enter the organisation your Party relationship is in."), field="home_org_text")
    bidx = crypto.blind_index(number, LEAD_ID_CONTEXT)
    if RegistrationLead.objects.filter(
        org=org, id_number_bidx__in=crypto.blind_indexes(number, LEAD_ID_CONTEXT), state=RegistrationLead.State.NEW
    ).exists():
        raise ConflictError(_("You have already registered here; the secretary will contact you."), code="duplicate")
    matched = Member.objects.filter(id_number_bidx__in=crypto.blind_indexes(number, ID_CONTEXT)).first()
    lead = RegistrationLead.objects.create(
        org=org,
        name=name,
        id_number_enc=crypto.encrypt(number, LEAD_ID_CONTEXT),
        id_number_bidx=bidx,
        id_number_masked=mask_id_number(number),
        mobile_enc=crypto.encrypt(phone, LEAD_MOBILE_CONTEXT),
        mobile_bidx=crypto.blind_index(phone, LEAD_MOBILE_CONTEXT),
        mobile_masked=mask_mobile(phone),
        home_org_text=home[:120],
        home_org=picked,
        employer_text=normalise_text(employer_text or "")[:120],
        work_area=normalise_text(work_area or "")[:100],
        consent_text=consent_text()[:300],
        matched_member=matched,
    )
    audit.record(
        actor=None,
        action="member.self_register",
        obj=lead,
        org_path=org.path,
        changes={"matched": [None, matched is not None], "id_number": [None, lead.id_number_masked]},
    )
    return lead


ORG_SEARCH_LIMIT = 10


def org_search(query: str) -> list[dict]:
    """Organisations whose name contains ``query`` (at least 2 characters), for the public form's
    picker: public names only (the organisation and its parent), at most ``ORG_SEARCH_LIMIT``."""
    query = normalise_text(query or "")[:50]
    if len(query) < 2:
        return []
    found = (
        PartyOrganisation.objects.filter(name__icontains=query)
        .exclude(kind=OrgKind.GROUP)
        .order_by("depth", "name", "id")
        .values("id", "name", "path", "depth")[:ORG_SEARCH_LIMIT]
    )
    found = list(found)
    step = PartyOrganisation.steplen
    above = {o["path"][:-step] for o in found if o["depth"] > 1}
    parents = dict(PartyOrganisation.objects.filter(path__in=above).values_list("path", "name"))
    return [{"id": o["id"], "name": o["name"], "parent": parents.get(o["path"][:-step], "")} for o in found]


def lead_list(user, *, state: str = RegistrationLead.State.NEW) -> QuerySet[RegistrationLead]:
    leads = scope.restrict(user, "member.view", model=RegistrationLead).select_related("org", "matched_member__org")
    if state:
        leads = leads.filter(state=state)
    return leads.order_by("-created_at", "-id")


DECISIONS = ("inflow", "verified", "rejected")


@transaction.atomic
def lead_decide(*, actor, lead: RegistrationLead, decision: str, note: str = "") -> RegistrationLead:
    """The secretary's decision: ``inflow`` (a known member: registered as flowing into the scanned
    organisation), ``verified`` (an unknown one, a pocket member to be registered after checking
    the relationship letter), or ``rejected``."""
    from . import flowing

    scope.require(actor, "member.create", lead.org)
    lead = (
        RegistrationLead.objects.select_for_update(of=("self",)).select_related("org", "matched_member").get(pk=lead.pk)
    )
    if lead.state != RegistrationLead.State.NEW:
        raise ConflictError(_("This registration has already been decided."), code="decided")
    if decision not in DECISIONS:
        raise DomainError(_("Choose a valid value."), field="decision")
    note = (note or "").strip()
    if decision == "inflow":
        if lead.matched_member is None:
            raise ConflictError(
                _("No registered member matches this ID card number; verify them as a pocket member instead."),
                code="no_match",
            )
        flowing.flow_register_in(
            actor=actor,
            dest_org=lead.org,
            id_number=crypto.decrypt(lead.id_number_enc, LEAD_ID_CONTEXT),
            destination=lead.work_area or lead.org.name,
            reason=_("Works in the area (self-registration)"),
        )
    elif decision == "verified" and lead.matched_member is not None:
        raise ConflictError(_("This person is a registered member; confirm the inflow instead."), code="matched")
    elif decision == "rejected" and not note:
        raise DomainError(_("Give the reason."), field="note")
    lead.state = decision
    lead.note = note[:300]
    lead.decided_by = actor if getattr(actor, "pk", None) else None
    lead.decided_at = timezone.now()
    lead.save(update_fields=["state", "note", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="member.self_register_decide",
        obj=lead,
        org_path=lead.org.path,
        changes={"state": ["new", decision], "note": [None, note[:200]]},
    )
    return lead


def lead_mobile_matches_member(lead: RegistrationLead) -> bool:
    """Whether the mobile given matches the matched member's (a hint for the secretary)."""
    if lead.matched_member is None or not lead.matched_member.mobile_bidx:
        return False
    phone = crypto.decrypt(lead.mobile_enc, LEAD_MOBILE_CONTEXT)
    return lead.matched_member.mobile_bidx in crypto.blind_indexes(phone, MOBILE_CONTEXT)
