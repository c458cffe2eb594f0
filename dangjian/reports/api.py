"""Snap-and-report over the JSON API (tag ``reports``). Photos are multipart uploads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from dangjian.core import ratelimit, scope
from dangjian.core.api import ERROR_RESPONSES, LIMITED_RESPONSES, PageParams, paginate
from dangjian.core.errors import NotFoundError
from dangjian.orgs.models import PartyOrganisation

from . import services
from .choices import ReportCategory, ReportStatus
from .models import Grid, Report

router = Router()
OPTIONAL_PHOTO = File(None)


class ReportOut(Schema):
    id: int
    category: ReportCategory
    description: str
    latitude: Decimal
    longitude: Decimal
    grid_id: int | None
    org_id: int
    by_grid_member: bool
    duplicate_of_id: int | None
    status: ReportStatus
    resolution: str
    closed_at: dt.datetime | None
    created_at: dt.datetime
    photos: list[str]


class ReportPage(Schema):
    items: list[ReportOut]
    count: int


class ReportFilters(Schema):
    status: ReportStatus | None = None


class ReportIn(Schema):
    category: ReportCategory
    latitude: Decimal
    longitude: Decimal
    description: str = Field("", max_length=500)


class CloseIn(Schema):
    resolution: str = Field(max_length=500)


class GridIn(Schema):
    org_id: int
    name: str = Field(max_length=100)
    polygon: list[list[float]]


class GridOut(Schema):
    id: int
    name: str
    org_id: int
    polygon: list[list[float]]


def _out(report: Report) -> dict:
    from django.urls import reverse

    data = {name: getattr(report, name) for name in ReportOut.model_fields if name != "photos"}
    data["photos"] = [reverse("reports:photo", args=[p.pk]) for p in report.photos.all()]
    return data


def _reload(pk: int) -> Report:
    return Report.objects.prefetch_related("photos").get(pk=pk)


@router.post("", response={201: ReportOut, **LIMITED_RESPONSES}, summary="Report a public problem (with a photo)")
def submit(request, payload: Form[ReportIn], photo: UploadedFile | None = OPTIONAL_PHOTO):
    ratelimit.check("report", request)
    report = services.report_submit(actor=request.user, photo=photo, **payload.model_dump())
    return Status(201, _out(_reload(report.pk)))


@router.get("/mine", response={200: ReportPage, **ERROR_RESPONSES}, summary="My reports")
def mine(request, page: Query[PageParams]):
    items, count = paginate(Report.objects.filter(reporter=request.user).prefetch_related("photos"), page)
    return {"items": [_out(r) for r in items], "count": count}


@router.get("", response={200: ReportPage, **ERROR_RESPONSES}, summary="Reports to handle")
def list_reports(request, filters: Query[ReportFilters], page: Query[PageParams]):
    scope.require_action(request.user, "report.view")
    reports = scope.restrict(request.user, "report.view", model=Report).prefetch_related("photos")
    if filters.status:
        reports = reports.filter(status=filters.status)
    items, count = paginate(reports, page)
    return {"items": [_out(r) for r in items], "count": count}


@router.post("/{int:report_id}/close", response={200: ReportOut, **ERROR_RESPONSES}, summary="Close a report")
def close(request, report_id: int, payload: Form[CloseIn], photo: UploadedFile | None = OPTIONAL_PHOTO):
    report = scope.get_in_scope(request.user, "report.view", Report, pk=report_id)
    services.report_close(actor=request.user, report=report, resolution=payload.resolution, photo=photo)
    return _out(_reload(report_id))


@router.post("/grids", response={201: GridOut, **ERROR_RESPONSES}, summary="Draw a grid")
def create_grid(request, payload: GridIn):
    org = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=payload.org_id)
    return Status(201, services.grid_create(actor=request.user, org=org, name=payload.name, polygon=payload.polygon))


@router.post("/grids/{int:grid_id}/enrol", response={204: None, **ERROR_RESPONSES}, summary="Enrol as a grid member")
def enrol(request, grid_id: int):
    grid = Grid.objects.select_related("org").filter(pk=grid_id).first()
    if grid is None:
        raise NotFoundError(_not_found())
    services.grid_member_enrol(actor=request.user, grid=grid)
    return Status(204, None)


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("Not found, or outside the organisations you manage.")
