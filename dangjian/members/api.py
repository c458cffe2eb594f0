"""The member registry over the JSON API (tag ``members``). Numbers are always masked here, except
through the audited reveal endpoint."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.errors import NotFoundError
from dangjian.core.validators import parse_id_number, validate_mobile
from dangjian.orgs.choices import FieldCategory
from dangjian.orgs.models import PartyOrganisation

from . import codes, finding, flowing, lost_contact, selectors, services
from .choices import Education, EmploymentForm, Gender, MembershipStatus, PoliticalStatus
from .models import Member

router = Router()


class MemberOut(Schema):
    id: int
    name: str
    gender: Gender
    ethnicity: str
    birth_date: dt.date
    id_number_masked: str
    mobile_masked: str
    education: str
    occupation: str
    employment_form: EmploymentForm
    employer_id: int | None
    work_area: str
    political_status: PoliticalStatus
    status: MembershipStatus
    status_changed_on: dt.date | None
    join_date: dt.date
    full_member_date: dt.date | None
    party_age: int | None
    org_id: int
    org_name: str
    is_flowing: bool
    last_contact_on: dt.date | None
    lost_contact_since: dt.date | None


class MemberPage(Schema):
    items: list[MemberOut]
    count: int


class MemberFields(Schema):
    name: str | None = None
    id_number: str | None = None
    mobile: str | None = None
    ethnicity: str | None = None
    education: Education | None = None
    occupation: str | None = None
    employment_form: EmploymentForm | None = None
    employer_id: int | None = None
    work_area: str | None = None
    political_status: PoliticalStatus | None = None
    join_date: dt.date | None = None
    full_member_date: dt.date | None = None
    is_flowing: bool | None = None
    org_id: int | None = None

    @field_validator("id_number")
    @classmethod
    def _id_number_shape(cls, value: str | None) -> str | None:
        """A malformed ID number is a payload error (422 on ``id_number``), like a bad enum value."""
        if value is not None:
            try:
                parse_id_number(value)
            except ValidationError as exc:
                raise PydanticCustomError("id_number", exc.messages[0]) from None
        return value

    @field_validator("mobile")
    @classmethod
    def _mobile_shape(cls, value: str | None) -> str | None:
        if value:
            try:
                validate_mobile(value)
            except ValidationError as exc:
                raise PydanticCustomError("mobile", exc.messages[0]) from None
        return value


class MemberCreateIn(MemberFields):
    name: str
    id_number: str
    political_status: PoliticalStatus
    join_date: dt.date
    org_id: int


class StatusIn(Schema):
    status: MembershipStatus
    on: dt.date | None = None
    reason: str


class RevealIn(Schema):
    field: str
    reason: str


class RevealOut(Schema):
    field: str
    value: str


class MemberFilters(Schema):
    q: str = ""
    status: MembershipStatus | None = None
    employment_form: EmploymentForm | None = None
    category: FieldCategory | None = None
    political_status: PoliticalStatus | None = None
    flowing: bool | None = None
    under_id: int | None = None


def _out(member: Member) -> dict:
    data = {name: getattr(member, name) for name in MemberOut.model_fields if hasattr(member, name)}
    data["party_age"] = member.party_age()
    data["org_name"] = member.org.name
    return data


def _visible(request, member_id: int) -> Member:
    member = selectors.member_list(request.user).filter(pk=member_id).first()
    if member is None:
        scope.get_in_scope(request.user, "member.view", Member, pk=member_id)  # raises NotFoundError
    return member


def _data(request, payload: Schema) -> dict:
    data = payload.model_dump(exclude_unset=True)
    org_id = data.pop("org_id", None)
    if org_id is not None:
        data["org"] = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=org_id)
    for key in ("education",):
        if key in data and data[key] is None:
            data[key] = ""
    return data


@router.get("", response={200: MemberPage, **ERROR_RESPONSES}, summary="List party members (masked)")
def list_members(request, filters: Query[MemberFilters], page: Query[PageParams]):
    scope.require_action(request.user, "member.view")
    under = (
        scope.get_in_scope(request.user, "member.view", PartyOrganisation, pk=filters.under_id)
        if filters.under_id
        else None
    )
    flowing = "" if filters.flowing is None else ("1" if filters.flowing else "0")
    members = selectors.member_list(
        request.user,
        q=filters.q,
        status=filters.status or "",
        employment_form=filters.employment_form or "",
        category=filters.category or "",
        political_status=filters.political_status or "",
        flowing=flowing,
        under=under,
    )
    items, count = paginate(members, page)
    return {"items": [_out(m) for m in items], "count": count}


@router.get("/{int:member_id}", response={200: MemberOut, **ERROR_RESPONSES}, summary="Get a party member")
def get_member(request, member_id: int):
    return _out(_visible(request, member_id))


@router.post("", response={201: MemberOut, **ERROR_RESPONSES}, summary="Register a party member")
def create_member(request, payload: MemberCreateIn):
    member = services.member_register(actor=request.user, **_data(request, payload))
    return Status(201, _out(_visible(request, member.pk)))


@router.patch("/{int:member_id}", response={200: MemberOut, **ERROR_RESPONSES}, summary="Update a party member")
def update_member(request, member_id: int, payload: MemberFields):
    services.member_update(actor=request.user, member=_visible(request, member_id), **_data(request, payload))
    return _out(_visible(request, member_id))


@router.post(
    "/{int:member_id}/status", response={200: MemberOut, **ERROR_RESPONSES}, summary="Record a membership status change"
)
def change_status(request, member_id: int, payload: StatusIn):
    services.member_change_status(
        actor=request.user,
        member=_visible(request, member_id),
        status=payload.status,
        on=payload.on,
        reason=payload.reason,
    )
    return _out(_visible(request, member_id))


@router.post(
    "/{int:member_id}/reveal",
    response={200: RevealOut, **ERROR_RESPONSES},
    summary="See a full ID card or mobile number (audited, with a reason)",
)
def reveal(request, member_id: int, payload: RevealIn):
    value = services.member_reveal(
        actor=request.user, member=_visible(request, member_id), field=payload.field, reason=payload.reason
    )
    return {"field": payload.field, "value": value}


# --- Personal codes (一人一码) -------------------------------------------------------------------


class CodeOut(Schema):
    member_id: int
    token: str
    issued_at: dt.datetime
    expires_at: dt.datetime


class CodeRevokeIn(Schema):
    reason: str


class ScanIn(Schema):
    token: str


class ScanNext(Schema):
    label: str
    url: str


class ScanOut(Schema):
    member_id: int
    name: str
    org_name: str
    political_status: PoliticalStatus
    status: MembershipStatus
    id_number_masked: str
    mobile_masked: str
    is_flowing: bool
    expires_at: dt.datetime
    next: list[ScanNext]


def _code_out(code) -> dict:
    return {
        "member_id": code.member_id,
        "token": codes.token_for(code),
        "issued_at": code.issued_at,
        "expires_at": code.expires_at,
    }


@router.post(
    "/{int:member_id}/code",
    response={201: CodeOut, **ERROR_RESPONSES},
    summary="Issue (or reissue) a member's personal code; the previous one is revoked",
)
def issue_code(request, member_id: int):
    return Status(201, _code_out(codes.code_issue(actor=request.user, member=_visible(request, member_id))))


@router.post(
    "/{int:member_id}/code/revoke",
    response={204: None, **ERROR_RESPONSES},
    summary="Revoke a member's personal code",
)
def revoke_code(request, member_id: int, payload: CodeRevokeIn):
    codes.code_revoke(actor=request.user, member=_visible(request, member_id), reason=payload.reason)
    return Status(204, None)


@router.post(
    "/codes/scan",
    response={200: ScanOut, **ERROR_RESPONSES},
    summary="Resolve a scanned personal code to the member's masked card (audited)",
)
def scan_code(request, payload: ScanIn):
    code = codes.code_scan(actor=request.user, token=payload.token)
    member = code.member
    return {
        "member_id": member.pk,
        "name": member.name,
        "org_name": member.org.name,
        "political_status": member.political_status,
        "status": member.status,
        "id_number_masked": member.id_number_masked,
        "mobile_masked": member.mobile_masked,
        "is_flowing": member.is_flowing,
        "expires_at": code.expires_at,
        "next": [{"label": str(a["label"]), "url": a["url"]} for a in codes.scan_actions(request.user, member)],
    }


# --- Lost contact (失联) --------------------------------------------------------------------------


class AttemptOut(Schema):
    on: dt.date
    method: str
    result: str


class CaseOut(Schema):
    id: int
    member_id: int
    flagged_on: dt.date
    basis: str
    state: str
    outcome: str
    closed_on: dt.date | None
    note: str
    attempts: list[AttemptOut]


class FlagIn(Schema):
    basis: str
    on: dt.date | None = None


class AttemptIn(Schema):
    method: str
    result: str
    on: dt.date | None = None


class OutcomeIn(Schema):
    outcome: str
    note: str
    on: dt.date | None = None


class LostCount(Schema):
    id: int
    name: str
    count: int


def _case_out(case) -> dict:
    return {
        **{k: getattr(case, k) for k in ("id", "member_id", "flagged_on", "basis", "state", "outcome", "closed_on")},
        "note": case.note,
        "attempts": [{"on": a.on, "method": a.method, "result": a.result} for a in case.attempts.all()],
    }


@router.get("/lost-contact", response={200: MemberPage, **ERROR_RESPONSES}, summary="Members who lost contact")
def list_lost(request, page: Query[PageParams], under_id: int | None = None):
    scope.require_action(request.user, "member.view")
    under = scope.get_in_scope(request.user, "member.view", PartyOrganisation, pk=under_id) if under_id else None
    items, count = paginate(lost_contact.lost_members(request.user, under=under), page)
    return {"items": [_out(m) for m in items], "count": count}


@router.get(
    "/lost-contact/counts",
    response={200: list[LostCount], **ERROR_RESPONSES},
    summary="Lost-contact members per child organisation",
)
def lost_counts(request, under_id: int):
    under = scope.get_in_scope(request.user, "member.view", PartyOrganisation, pk=under_id)
    return lost_contact.counts_by_child(request.user, under)


@router.post(
    "/{int:member_id}/lost-contact/flag", response={201: CaseOut, **ERROR_RESPONSES}, summary="Flag as lost contact"
)
def flag_lost(request, member_id: int, payload: FlagIn):
    case = lost_contact.lost_contact_flag(actor=request.user, member=_visible(request, member_id), **payload.dict())
    return Status(201, _case_out(case))


@router.post(
    "/{int:member_id}/lost-contact/attempts",
    response={201: AttemptOut, **ERROR_RESPONSES},
    summary="Record a search attempt",
)
def add_attempt(request, member_id: int, payload: AttemptIn):
    attempt = lost_contact.search_attempt_record(
        actor=request.user, member=_visible(request, member_id), **payload.dict()
    )
    return Status(201, {"on": attempt.on, "method": attempt.method, "result": attempt.result})


@router.post(
    "/{int:member_id}/lost-contact/outcome",
    response={200: CaseOut, **ERROR_RESPONSES},
    summary="Record the outcome of the search (found, stopped, restored, removed)",
)
def record_outcome(request, member_id: int, payload: OutcomeIn):
    case = lost_contact.lost_contact_outcome(actor=request.user, member=_visible(request, member_id), **payload.dict())
    return _case_out(case)


# --- Flowing members (流动党员) --------------------------------------------------------------------


class FlowOut(Schema):
    id: int
    member_id: int
    member_name: str
    home_org_name: str
    direction: str
    card_no: str
    destination: str
    dest_org_id: int | None
    reason: str
    left_on: dt.date
    expected_return: dt.date | None
    pays_dues_at_destination: bool
    last_report_on: dt.date | None
    ended_on: dt.date | None


class FlowPage(Schema):
    items: list[FlowOut]
    count: int


class FlowOutIn(Schema):
    destination: str
    reason: str
    left_on: dt.date | None = None
    expected_return: dt.date | None = None
    dest_org_id: int | None = None
    pays_dues_at_destination: bool = False


class FlowInIn(Schema):
    dest_org_id: int
    id_number: str
    destination: str
    reason: str
    left_on: dt.date | None = None
    expected_return: dt.date | None = None
    pays_dues_at_destination: bool = False


class FlowReportIn(Schema):
    content: str
    on: dt.date | None = None


class Suggestion(Schema):
    destination: str
    org_id: int
    org_name: str
    count: int


def _flow_out(r) -> dict:
    data = {k: getattr(r, k) for k in FlowOut.model_fields if hasattr(r, k)}
    data.update(member_name=r.member.name, home_org_name=r.member.org.name)
    return data


def _flow(request, record_id: int):
    record = flowing.flow_list(request.user, active_only=False).filter(pk=record_id).first()
    if record is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    return record


@router.get("/flowing", response={200: FlowPage, **ERROR_RESPONSES}, summary="Flowing members (out of and into scope)")
def list_flowing(request, page: Query[PageParams], overdue: bool = False):
    scope.require_action(request.user, "member.view")
    records = flowing.overdue_reports(request.user) if overdue else flowing.flow_list(request.user)
    items, count = paginate(records, page)
    return {"items": [_flow_out(r) for r in items], "count": count}


@router.get(
    "/flowing/suggestions",
    response={200: list[Suggestion], **ERROR_RESPONSES},
    summary="Places where a temporary branch is suggested",
)
def flowing_suggestions(request):
    scope.require_action(request.user, "member.view")
    return flowing.temp_branch_suggestions(request.user)


@router.post(
    "/{int:member_id}/flow", response={201: FlowOut, **ERROR_RESPONSES}, summary="Register an outflow (home side)"
)
def register_outflow(request, member_id: int, payload: FlowOutIn):
    data = payload.dict()
    dest_org_id = data.pop("dest_org_id")
    dest_org = PartyOrganisation.objects.filter(pk=dest_org_id).first() if dest_org_id else None
    if dest_org_id and dest_org is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."), field="dest_org_id")
    record = flowing.flow_register_out(
        actor=request.user, member=_visible(request, member_id), dest_org=dest_org, **data
    )
    return Status(201, _flow_out(record))


@router.post("/flowing/in", response={201: FlowOut, **ERROR_RESPONSES}, summary="Register an inflow (destination side)")
def register_inflow(request, payload: FlowInIn):
    data = payload.dict()
    dest_org = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=data.pop("dest_org_id"))
    record = flowing.flow_register_in(actor=request.user, dest_org=dest_org, **data)
    return Status(201, _flow_out(record))


@router.post(
    "/flowing/{int:record_id}/reports", response={201: FlowOut, **ERROR_RESPONSES}, summary="Record a report home"
)
def add_flow_report(request, record_id: int, payload: FlowReportIn):
    record = _flow(request, record_id)
    flowing.flow_report_record(actor=request.user, record=record, **payload.dict())
    return Status(201, _flow_out(_flow(request, record_id)))


@router.post("/flowing/{int:record_id}/end", response={200: FlowOut, **ERROR_RESPONSES}, summary="End the record")
def end_flow(request, record_id: int):
    flowing.flow_end(actor=request.user, record=_flow(request, record_id))
    return _flow_out(_flow(request, record_id))


# --- Self-registrations (双向寻找) ------------------------------------------------------------------


class LeadOut(Schema):
    id: int
    org_id: int
    name: str
    id_number_masked: str
    mobile_masked: str
    home_org_text: str
    employer_text: str
    work_area: str
    matched_member_id: int | None
    state: str
    note: str
    created_at: dt.datetime


class LeadPage(Schema):
    items: list[LeadOut]
    count: int


class LeadDecisionIn(Schema):
    decision: str
    note: str = ""


def _lead_out(lead) -> dict:
    return {k: getattr(lead, k) for k in LeadOut.model_fields}


@router.get(
    "/registrations",
    response={200: LeadPage, **ERROR_RESPONSES},
    summary="Self-registrations through registration QRs (masked)",
)
def list_leads(request, page: Query[PageParams], state: str = "new"):
    scope.require_action(request.user, "member.view")
    items, count = paginate(finding.lead_list(request.user, state=state), page)
    return {"items": [_lead_out(lead) for lead in items], "count": count}


@router.post(
    "/registrations/{int:lead_id}/decide",
    response={200: LeadOut, **ERROR_RESPONSES},
    summary="Confirm a self-registration as an inflow, verify a pocket member, or reject",
)
def decide_lead(request, lead_id: int, payload: LeadDecisionIn):
    lead = finding.lead_list(request.user, state="").filter(pk=lead_id).first()
    if lead is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    return _lead_out(finding.lead_decide(actor=request.user, lead=lead, **payload.dict()))
