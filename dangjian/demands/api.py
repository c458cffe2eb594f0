"""Demands, triage rules and resources over the JSON API (tag ``demands``).

The intake, tracking and resource-list endpoints are public (no authentication): a worker without
an account verifies a mobile number by SMS code and keeps the tracking code. Mobiles are masked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangjian.core import ratelimit, scope
from dangjian.core.api import ERROR_RESPONSES, LIMITED_RESPONSES, PageParams, paginate
from dangjian.core.errors import NotFoundError
from dangjian.core.validators import normalise_mobile
from dangjian.orgs.models import PartyOrganisation

from . import selectors, services
from .choices import Category, DemandStatus, EventKind, ResourceKind
from .models import Demand, Resource, TriageRule

router = Router()


class SmsCodeIn(Schema):
    mobile: str


class DemandIn(Schema):
    org_id: int
    category: Category
    description: str = Field(max_length=2000)
    area: str = Field("", max_length=100)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str = Field("", max_length=50)
    mobile: str
    code: str = Field(max_length=6)
    source: str = Field("", max_length=120)


class EventOut(Schema):
    kind: EventKind
    note: str
    at: dt.datetime


class ResourceOut(Schema):
    id: int
    kind: ResourceKind
    title: str
    category: Category
    provider: str
    description: str
    area: str
    contact: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    active: bool
    org_id: int


class TrackOut(Schema):
    tracking_code: str
    category: Category
    status: DemandStatus
    handled_by: str
    created_at: dt.datetime
    resolution_due: dt.date
    answer: str
    rating: int | None
    resource: ResourceOut | None
    events: list[EventOut]


class RateIn(Schema):
    rating: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=500)


class ReopenIn(Schema):
    reason: str = Field(max_length=2000)


class DemandOut(Schema):
    id: int
    tracking_code: str
    category: Category
    description: str
    area: str
    latitude: Decimal | None
    longitude: Decimal | None
    contact_name: str
    mobile_masked: str
    source: str
    intake_org_id: int
    org_id: int
    org_name: str
    department: str
    status: DemandStatus
    resource_id: int | None
    first_response_due: dt.date
    resolution_due: dt.date
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    answer: str
    rating: int | None
    reopen_count: int
    escalated_to_id: int | None
    escalated_at: dt.datetime | None
    created_at: dt.datetime
    overdue: str


class DemandPage(Schema):
    items: list[DemandOut]
    count: int


class DemandFilters(Schema):
    status: DemandStatus | None = None
    category: Category | None = None
    area: str = ""
    q: str = ""
    overdue: bool = False


class AssignIn(Schema):
    org_id: int
    department: str = Field("", max_length=100)


class NoteIn(Schema):
    note: str = Field(max_length=2000)


class AnswerIn(Schema):
    answer: str = Field(max_length=2000)


class MatchIn(Schema):
    resource_id: int | None


class RuleIn(Schema):
    org_id: int
    assignee_id: int
    category: Category | None = None
    area: str = Field("", max_length=100)
    department: str = Field("", max_length=100)


class RuleOut(Schema):
    id: int
    org_id: int
    assignee_id: int
    category: str
    area: str
    department: str


class ResourceIn(Schema):
    org_id: int
    kind: ResourceKind = ResourceKind.RESOURCE
    title: str = Field(max_length=120)
    category: Category
    provider: str = Field(max_length=120)
    description: str = ""
    area: str = Field("", max_length=100)
    contact: str = Field("", max_length=100)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class ResourcePatch(Schema):
    title: str | None = Field(None, max_length=120)
    provider: str | None = Field(None, max_length=120)
    description: str | None = None
    area: str | None = Field(None, max_length=100)
    contact: str | None = Field(None, max_length=100)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    active: bool | None = None


class ResourcePage(Schema):
    items: list[ResourceOut]
    count: int


class ResourceFilters(Schema):
    kind: ResourceKind | None = None
    category: Category | None = None
    area: str = ""


class TrackingCodeOut(Schema):
    tracking_code: str


def _out(demand: Demand) -> dict:
    from django.utils import timezone

    data = {name: getattr(demand, name) for name in DemandOut.model_fields if hasattr(demand, name)}
    data["org_name"] = demand.org.name
    data["overdue"] = demand.overdue(timezone.localdate())
    return data


def _track(demand: Demand) -> dict:
    return {
        "tracking_code": demand.tracking_code,
        "category": demand.category,
        "status": demand.status,
        "handled_by": f"{demand.org.name} · {demand.department}" if demand.department else demand.org.name,
        "created_at": demand.created_at,
        "resolution_due": demand.resolution_due,
        "answer": demand.answer,
        "rating": demand.rating,
        "resource": demand.resource,
        "events": list(demand.events.filter(public=True).order_by("at", "id")),
    }


def _by_code(code: str) -> Demand:
    demand = services.find_by_tracking_code(code)
    if demand is None:
        raise NotFoundError(_not_found())
    return demand


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("No demand has this tracking code. Check the code and try again.")


def _visible(request, demand_id: int) -> Demand:
    demand = selectors.demand_list(request.user).filter(pk=demand_id).first()
    if demand is None:
        scope.get_in_scope(request.user, "demand.view", Demand, pk=demand_id)  # raises NotFoundError
    return demand


@router.post(
    "/sms-code", auth=None, response={204: None, **LIMITED_RESPONSES}, summary="Send a verification code (public)"
)
def send_code(request, payload: SmsCodeIn):
    ratelimit.check("sms_code", request)
    ratelimit.check("sms_mobile", request, target=normalise_mobile(payload.mobile))
    services.sms_code_send(mobile=payload.mobile)
    return Status(204, None)


@router.post(
    "/submit", auth=None, response={201: TrackingCodeOut, **LIMITED_RESPONSES}, summary="Submit a demand (public)"
)
def submit(request, payload: DemandIn):
    ratelimit.check("demand_submit", request)
    org = PartyOrganisation.objects.filter(pk=payload.org_id).first()
    if org is None:
        raise NotFoundError(_org_not_found())
    data = payload.model_dump(exclude={"org_id"})
    demand = services.demand_submit(actor=None, intake_org=org, **data)
    return Status(201, {"tracking_code": demand.tracking_code})


def _org_not_found() -> str:
    from django.utils.translation import gettext as _

    return _("Not found, or outside the organisations you manage.")


@router.get(
    "/track/{code}", auth=None, response={200: TrackOut, **LIMITED_RESPONSES}, summary="Progress of a demand (public)"
)
def track(request, code: str):
    ratelimit.check("demand_track", request)
    return _track(_by_code(code))


@router.post(
    "/track/{code}/rate", auth=None, response={200: TrackOut, **LIMITED_RESPONSES}, summary="Rate the answer (public)"
)
def rate(request, code: str, payload: RateIn):
    ratelimit.check("demand_track", request)
    return _track(services.demand_rate(demand=_by_code(code), rating=payload.rating, comment=payload.comment))


@router.post(
    "/track/{code}/reopen", auth=None, response={200: TrackOut, **LIMITED_RESPONSES}, summary="Reopen a demand (public)"
)
def reopen(request, code: str, payload: ReopenIn):
    ratelimit.check("demand_track", request)
    return _track(services.demand_reopen(demand=_by_code(code), reason=payload.reason))


@router.get(
    "/resources", auth=None, response={200: ResourcePage, **ERROR_RESPONSES}, summary="Resources and projects (public)"
)
def list_resources(request, filters: Query[ResourceFilters], page: Query[PageParams]):
    items, count = paginate(
        selectors.resource_list(kind=filters.kind or "", category=filters.category or "", area=filters.area), page
    )
    return {"items": items, "count": count}


@router.post("/resources", response={201: ResourceOut, **ERROR_RESPONSES}, summary="Publish a resource or project")
def create_resource(request, payload: ResourceIn):
    data = payload.model_dump()
    org = scope.get_in_scope(request.user, "resource.manage", PartyOrganisation, pk=data.pop("org_id"))
    return Status(201, services.resource_create(actor=request.user, org=org, **data))


@router.patch(
    "/resources/{int:resource_id}", response={200: ResourceOut, **ERROR_RESPONSES}, summary="Change a resource"
)
def update_resource(request, resource_id: int, payload: ResourcePatch):
    resource = scope.get_in_scope(request.user, "resource.manage", Resource, pk=resource_id)
    return services.resource_update(actor=request.user, resource=resource, **payload.model_dump(exclude_unset=True))


@router.get("", response={200: DemandPage, **ERROR_RESPONSES}, summary="List demands")
def list_demands(request, filters: Query[DemandFilters], page: Query[PageParams]):
    scope.require_action(request.user, "demand.view")
    demands = selectors.demand_list(
        request.user,
        status=filters.status or "",
        category=filters.category or "",
        area=filters.area,
        q=filters.q,
        overdue=filters.overdue,
    )
    items, count = paginate(demands, page)
    return {"items": [_out(d) for d in items], "count": count}


@router.get("/alerts", response={200: DemandPage, **ERROR_RESPONSES}, summary="Overdue demands")
def list_alerts(request, page: Query[PageParams]):
    scope.require_action(request.user, "demand.view")
    items, count = paginate(selectors.alerts(request.user), page)
    return {"items": [_out(d) for d in items], "count": count}


@router.get("/rules", response={200: list[RuleOut], **ERROR_RESPONSES}, summary="Triage rules")
def list_rules(request):
    scope.require_action(request.user, "demand.rules")
    return list(scope.restrict(request.user, "demand.rules", model=TriageRule).order_by("id"))


@router.post("/rules", response={201: RuleOut, **ERROR_RESPONSES}, summary="Add a triage rule")
def create_rule(request, payload: RuleIn):
    org = scope.get_in_scope(request.user, "demand.rules", PartyOrganisation, pk=payload.org_id)
    assignee = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=payload.assignee_id)
    rule = services.triage_rule_create(
        actor=request.user,
        org=org,
        assignee=assignee,
        category=payload.category or "",
        area=payload.area,
        department=payload.department,
    )
    return Status(201, rule)


@router.delete("/rules/{int:rule_id}", response={204: None, **ERROR_RESPONSES}, summary="Remove a triage rule")
def delete_rule(request, rule_id: int):
    rule = scope.get_in_scope(request.user, "demand.rules", TriageRule, pk=rule_id)
    services.triage_rule_delete(actor=request.user, rule=rule)
    return Status(204, None)


@router.get("/{int:demand_id}", response={200: DemandOut, **ERROR_RESPONSES}, summary="Get a demand")
def get_demand(request, demand_id: int):
    return _out(_visible(request, demand_id))


@router.post("/{int:demand_id}/assign", response={200: DemandOut, **ERROR_RESPONSES}, summary="Assign a demand by hand")
def assign(request, demand_id: int, payload: AssignIn):
    demand = _visible(request, demand_id)
    org = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=payload.org_id)
    services.demand_assign(actor=request.user, demand=demand, org=org, department=payload.department)
    return _out(_visible(request, demand_id))


@router.post("/{int:demand_id}/reply", response={200: DemandOut, **ERROR_RESPONSES}, summary="Reply to the worker")
def reply(request, demand_id: int, payload: NoteIn):
    services.demand_reply(actor=request.user, demand=_visible(request, demand_id), note=payload.note)
    return _out(_visible(request, demand_id))


@router.post("/{int:demand_id}/resolve", response={200: DemandOut, **ERROR_RESPONSES}, summary="Answer a demand")
def resolve(request, demand_id: int, payload: AnswerIn):
    services.demand_resolve(actor=request.user, demand=_visible(request, demand_id), answer=payload.answer)
    return _out(_visible(request, demand_id))


@router.post("/{int:demand_id}/match", response={200: DemandOut, **ERROR_RESPONSES}, summary="Match a resource")
def match(request, demand_id: int, payload: MatchIn):
    demand = _visible(request, demand_id)
    resource = None
    if payload.resource_id is not None:
        resource = Resource.objects.filter(pk=payload.resource_id).first()
        if resource is None:
            raise NotFoundError(_org_not_found(), field="resource_id")
    services.demand_match(actor=request.user, demand=demand, resource=resource)
    return _out(_visible(request, demand_id))
