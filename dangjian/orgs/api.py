"""Organisations, host entities and coverage over the JSON API (tag ``orgs``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.validators import validate_uscc

from . import selectors, services
from .choices import EntityKind, FieldCategory, Industry, OrgKind, SpecialType
from .models import HostEntity, InstructorAssignment, OrgEntityLink, PartyOrganisation

router = Router()


class OrgOut(Schema):
    id: int
    name: str
    code: str
    kind: OrgKind
    special_type: SpecialType
    category: FieldCategory
    parent_id: int | None
    depth: int
    child_count: int
    established_on: dt.date | None
    term_start: dt.date | None
    term_years: int | None
    term_end: dt.date | None
    secretary_name: str
    has_committee: bool
    member_count: int
    full_member_count: int
    address: str
    latitude: Decimal | None
    longitude: Decimal | None


class OrgPage(Schema):
    items: list[OrgOut]
    count: int


class OrgFields(Schema):
    name: str | None = None
    code: str | None = None
    kind: OrgKind | None = None
    special_type: SpecialType | None = None
    category: FieldCategory | None = None
    established_on: dt.date | None = None
    term_start: dt.date | None = None
    term_years: int | None = None
    secretary_name: str | None = None
    has_committee: bool | None = None
    member_count: int | None = None
    full_member_count: int | None = None
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class OrgCreateIn(OrgFields):
    parent_id: int
    name: str
    code: str
    kind: OrgKind
    category: FieldCategory


class OrgMoveIn(Schema):
    parent_id: int


class WarningOut(Schema):
    level: str
    code: str
    message: str


class OrgFilters(Schema):
    q: str = ""
    kind: OrgKind | None = None
    category: FieldCategory | None = None
    special_type: SpecialType | None = None
    under_id: int | None = None
    parent_id: int | None = None
    term_expiring: bool = False


def _org_out(org: PartyOrganisation, parent_ids: dict[str, int]) -> dict:
    data = {name: getattr(org, name) for name in OrgOut.model_fields if hasattr(org, name)}
    data["parent_id"] = parent_ids.get(org.path[: -PartyOrganisation.steplen])
    data["child_count"] = org.numchild
    return data


def _parent_ids(orgs: list[PartyOrganisation]) -> dict[str, int]:
    steplen = PartyOrganisation.steplen
    paths = {org.path[:-steplen] for org in orgs if org.depth > 1}
    return dict(PartyOrganisation.objects.filter(path__in=paths).values_list("path", "id"))


def _visible_org(request, org_id: int, action: str = "org.view") -> PartyOrganisation:
    return scope.get_in_scope(request.user, action, PartyOrganisation, pk=org_id)


def _fields(payload: Schema) -> dict:
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if k != "parent_id"}


@router.get("", response={200: OrgPage, **ERROR_RESPONSES}, summary="List party organisations")
def list_orgs(request, filters: Query[OrgFilters], page: Query[PageParams]):
    scope.require_action(request.user, "org.view")
    under = _visible_org(request, filters.under_id) if filters.under_id else None
    parent = _visible_org(request, filters.parent_id) if filters.parent_id else None
    orgs = selectors.org_list(
        request.user,
        q=filters.q,
        kind=filters.kind or "",
        category=filters.category or "",
        special_type=filters.special_type or "",
        under=under,
        parent=parent,
        term_expiring=filters.term_expiring,
    )
    items, count = paginate(orgs, page)
    parents = _parent_ids(items)
    return {"items": [_org_out(org, parents) for org in items], "count": count}


@router.get("/{int:org_id}", response={200: OrgOut, **ERROR_RESPONSES}, summary="Get a party organisation")
def get_org(request, org_id: int):
    org = _visible_org(request, org_id)
    return _org_out(org, _parent_ids([org]))


@router.get(
    "/{int:org_id}/warnings",
    response={200: list[WarningOut], **ERROR_RESPONSES},
    summary="Sizing and term warnings of an organisation",
)
def org_warnings(request, org_id: int):
    return [w.__dict__ for w in selectors.org_warnings(_visible_org(request, org_id))]


@router.post("", response={201: OrgOut, **ERROR_RESPONSES}, summary="Create a party organisation")
def create_org(request, payload: OrgCreateIn):
    parent = _visible_org(request, payload.parent_id)
    org = services.org_create(actor=request.user, parent=parent, **_fields(payload))
    return Status(201, _org_out(org, _parent_ids([org])))


@router.patch("/{int:org_id}", response={200: OrgOut, **ERROR_RESPONSES}, summary="Update a party organisation")
def update_org(request, org_id: int, payload: OrgFields):
    org = services.org_update(actor=request.user, org=_visible_org(request, org_id), **_fields(payload))
    return _org_out(org, _parent_ids([org]))


@router.post(
    "/{int:org_id}/move", response={200: OrgOut, **ERROR_RESPONSES}, summary="Move a party organisation under another"
)
def move_org(request, org_id: int, payload: OrgMoveIn):
    org = _visible_org(request, org_id)
    new_parent = _visible_org(request, payload.parent_id)
    org = services.org_move(actor=request.user, org=org, new_parent=new_parent)
    return _org_out(org, _parent_ids([org]))


# --- Host entities -------------------------------------------------------------------------------------


class EntityOut(Schema):
    id: int
    name: str
    kind: EntityKind
    category: FieldCategory
    uscc: str | None
    industry: Industry
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    employee_count: int
    member_count: int
    owner_org_id: int
    owner_org_name: str
    parent_entity_id: int | None
    org_covered: bool
    work_covered: bool


class EntityPage(Schema):
    items: list[EntityOut]
    count: int


class EntityFields(Schema):
    name: str | None = None
    kind: EntityKind | None = None
    uscc: str | None = None
    industry: Industry | None = None
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    employee_count: int | None = None
    member_count: int | None = None
    parent_entity_id: int | None = None
    owner_org_id: int | None = None

    @field_validator("uscc")
    @classmethod
    def _uscc_shape(cls, value: str | None) -> str | None:
        """A malformed credit code is a payload error (422 on ``uscc``), like a bad enum value."""
        if value and value.strip():
            try:
                validate_uscc(value)
            except ValidationError as exc:
                raise PydanticCustomError("uscc", exc.messages[0]) from None
        return value


class EntityCreateIn(EntityFields):
    name: str
    kind: EntityKind
    owner_org_id: int


class EntityFilters(Schema):
    q: str = ""
    category: FieldCategory | None = None
    kind: EntityKind | None = None
    industry: Industry | None = None
    covered: str = ""
    under_id: int | None = None


def _entity_out(entity: HostEntity) -> dict:
    data = {name: getattr(entity, name) for name in EntityOut.model_fields if hasattr(entity, name)}
    data["owner_org_name"] = entity.owner_org.name
    return data


def _visible_entity(request, entity_id: int) -> HostEntity:
    queryset = selectors.entity_list(request.user).filter(pk=entity_id)
    entity = queryset.first()
    if entity is None:
        scope.get_in_scope(request.user, "entity.view", HostEntity, pk=entity_id)  # raises NotFound
    return entity


def _entity_fields(request, payload: Schema) -> dict:
    data = payload.model_dump(exclude_unset=True)
    owner_id = data.pop("owner_org_id", None)
    if owner_id is not None:
        data["owner_org"] = _visible_org(request, owner_id)
    return data


@router.get("/entities", response={200: EntityPage, **ERROR_RESPONSES}, summary="List host entities")
def list_entities(request, filters: Query[EntityFilters], page: Query[PageParams]):
    scope.require_action(request.user, "entity.view")
    under = _visible_org(request, filters.under_id) if filters.under_id else None
    entities = selectors.entity_list(
        request.user,
        q=filters.q,
        category=filters.category or "",
        kind=filters.kind or "",
        industry=filters.industry or "",
        covered=filters.covered,
        under=under,
    )
    items, count = paginate(entities, page)
    return {"items": [_entity_out(e) for e in items], "count": count}


@router.get("/entities/{int:entity_id}", response={200: EntityOut, **ERROR_RESPONSES}, summary="Get a host entity")
def get_entity(request, entity_id: int):
    return _entity_out(_visible_entity(request, entity_id))


@router.post("/entities", response={201: EntityOut, **ERROR_RESPONSES}, summary="Register a host entity")
def create_entity(request, payload: EntityCreateIn):
    data = _entity_fields(request, payload)
    entity = services.entity_create(actor=request.user, **data)
    return Status(201, _entity_out(_visible_entity(request, entity.pk)))


@router.patch("/entities/{int:entity_id}", response={200: EntityOut, **ERROR_RESPONSES}, summary="Update a host entity")
def update_entity(request, entity_id: int, payload: EntityFields):
    entity = _visible_entity(request, entity_id)
    services.entity_update(actor=request.user, entity=entity, **_entity_fields(request, payload))
    return _entity_out(_visible_entity(request, entity_id))


class EntityMoveIn(Schema):
    owner_org_id: int


@router.post(
    "/entities/{int:entity_id}/move",
    response={200: EntityOut, **ERROR_RESPONSES},
    summary="Hand a host entity to another responsible organisation",
)
def move_entity(request, entity_id: int, payload: EntityMoveIn):
    entity = _visible_entity(request, entity_id)
    new_owner = _visible_org(request, payload.owner_org_id)
    services.entity_update(actor=request.user, entity=entity, owner_org=new_owner)
    return _entity_out(_visible_entity(request, entity_id))


# --- Coverage ------------------------------------------------------------------------------------------


class LinkIn(Schema):
    org_id: int


class LinkOut(Schema):
    id: int
    org_id: int
    entity_id: int
    linked_on: dt.date


class InstructorIn(Schema):
    instructor_name: str
    assigned_by_id: int
    start_date: dt.date | None = None


class InstructorEndIn(Schema):
    end_date: dt.date | None = None


class InstructorOut(Schema):
    id: int
    entity_id: int
    instructor_name: str
    assigned_by_id: int
    start_date: dt.date
    end_date: dt.date | None


class CoverageRowOut(Schema):
    key: str
    label: str
    total: int
    org_covered: int
    work_covered: int
    covered: int
    org_rate: float
    rate: float


class CoverageOut(Schema):
    total: CoverageRowOut
    by_category: list[CoverageRowOut]
    by_industry: list[CoverageRowOut]


@router.post(
    "/entities/{int:entity_id}/links",
    response={201: LinkOut, **ERROR_RESPONSES},
    summary="Record that an organisation serves a host entity",
)
def link_entity(request, entity_id: int, payload: LinkIn):
    entity = _visible_entity(request, entity_id)
    link = services.coverage_link(actor=request.user, org=_visible_org(request, payload.org_id), entity=entity)
    return Status(201, link)


@router.delete(
    "/entities/{int:entity_id}/links/{int:org_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove an organisation's coverage of a host entity",
)
def unlink_entity(request, entity_id: int, org_id: int):
    entity = _visible_entity(request, entity_id)
    link = get_object_or_404(
        OrgEntityLink.objects.select_related("org", "entity__owner_org"), entity=entity, org_id=org_id
    )
    services.coverage_unlink(actor=request.user, link=link)
    return Status(204, None)


@router.post(
    "/entities/{int:entity_id}/instructors",
    response={201: InstructorOut, **ERROR_RESPONSES},
    summary="Assign a party-building instructor to a host entity",
)
def assign_instructor(request, entity_id: int, payload: InstructorIn):
    entity = _visible_entity(request, entity_id)
    assignment = services.instructor_assign(
        actor=request.user,
        entity=entity,
        instructor_name=payload.instructor_name,
        assigned_by=_visible_org(request, payload.assigned_by_id),
        start_date=payload.start_date,
    )
    return Status(201, assignment)


@router.post(
    "/instructors/{int:assignment_id}/end",
    response={200: InstructorOut, **ERROR_RESPONSES},
    summary="End an instructor assignment",
)
def end_instructor(request, assignment_id: int, payload: InstructorEndIn):
    assignment = scope.get_in_scope(request.user, "entity.view", InstructorAssignment, pk=assignment_id)
    services.instructor_end(actor=request.user, assignment=assignment, end_date=payload.end_date)
    assignment.refresh_from_db()
    return assignment


@router.get(
    "/coverage", response={200: CoverageOut, **ERROR_RESPONSES}, summary="Coverage rates over your scope or one subtree"
)
def coverage(request, under_id: int | None = None):
    scope.require_action(request.user, "coverage.view")
    under = _visible_org(request, under_id, "coverage.view") if under_id else None
    report = selectors.coverage_report(request.user, under)

    def row(r):
        return {
            "key": r.key,
            "label": r.label,
            "total": r.total,
            "org_covered": r.org_covered,
            "work_covered": r.work_covered,
            "covered": r.covered,
            "org_rate": r.org_rate,
            "rate": r.rate,
        }

    return {
        "total": row(report.total),
        "by_category": [row(r) for r in report.by_category],
        "by_industry": [row(r) for r in report.by_industry],
    }
