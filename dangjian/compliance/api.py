"""Compliance of organisational life over the JSON API (tag ``compliance``): the table of a
subtree, an organisation's record book, and the irregularities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES
from dangjian.core.errors import InvalidInput
from dangjian.orgs.models import PartyOrganisation

from . import selectors
from .views_common import parse_year, root_for

router = Router()


class ComplianceFilters(Schema):
    year: int | None = None
    under: int | None = None
    limit: int = 50
    offset: int = 0


class ComplianceRowOut(Schema):
    org_id: int
    org_name: str
    org_kind: str
    held: int
    missed: int
    due: int
    themed_present: int
    themed_expected: int
    themed_rate: Decimal | None
    themed_target: int
    below_target: bool
    minutes_missing: int
    irregular: bool


class ComplianceTableOut(Schema):
    year: int
    under_id: int | None
    count: int
    irregular: int
    items: list[ComplianceRowOut]


class CompliancePeriodOut(Schema):
    label: str
    start: dt.date
    end: dt.date
    status: str
    held: int


class ComplianceKindOut(Schema):
    kind: str
    label: str
    months: int
    periods: list[CompliancePeriodOut]


class ComplianceMeetingOut(Schema):
    meeting_id: int
    kind: str
    title: str
    starts_at: dt.datetime
    expected: int
    present: int
    rate: Decimal | None
    minutes_id: int | None
    minutes_state: str


class ComplianceBookOut(Schema):
    year: int
    org_id: int
    org_name: str
    summary: ComplianceRowOut | None
    kinds: list[ComplianceKindOut]
    meetings: list[ComplianceMeetingOut]


class ComplianceAlertOut(Schema):
    code: str
    org_id: int
    org_name: str
    kind: str
    kind_label: str
    period: str
    meeting_id: int | None
    detail: str
    day: dt.date | None


class ComplianceAlertsOut(Schema):
    year: int
    count: int
    items: list[ComplianceAlertOut]


def _page(items: list, limit: int, offset: int) -> list:
    if not 1 <= limit <= 500:
        raise InvalidInput(_("limit must be between 1 and %(n)d.") % {"n": 500}, field="limit")
    if offset < 0:
        raise InvalidInput(_("offset cannot be negative."), field="offset")
    return items[offset : offset + limit]


def _row(r: selectors.OrgCompliance) -> dict:
    return {
        "org_id": r.org_id,
        "org_name": r.name,
        "org_kind": r.kind,
        "held": r.held,
        "missed": r.missed,
        "due": r.due,
        "themed_present": r.themed_present,
        "themed_expected": r.themed_expected,
        "themed_rate": r.themed_rate,
        "themed_target": r.target,
        "below_target": r.below_target,
        "minutes_missing": r.minutes_missing,
        "irregular": r.irregular,
    }


@router.get(
    "/table", response={200: ComplianceTableOut, **ERROR_RESPONSES}, summary="Compliance of the branches in a subtree"
)
def table(request, filters: Query[ComplianceFilters]):
    year = parse_year(filters.year, strict=True)
    root = root_for(request.user, filters.under)
    scope.require_action(request.user, "compliance.view")
    rows = selectors.compute(request.user, under=root, year=year)
    rows.sort(key=lambda r: (not r.irregular, -r.missed, -r.minutes_missing, r.path))
    return {
        "year": year,
        "under_id": root.pk if root else None,
        "count": len(rows),
        "irregular": sum(1 for r in rows if r.irregular),
        "items": [_row(r) for r in _page(rows, filters.limit, filters.offset)],
    }


class BookFilters(Schema):
    year: int | None = None


@router.get(
    "/orgs/{int:org_id}",
    response={200: ComplianceBookOut, **ERROR_RESPONSES},
    summary="An organisation's record book: required meetings by period and the year's meetings",
)
def book(request, org_id: int, filters: Query[BookFilters]):
    org = scope.get_in_scope(request.user, "compliance.view", PartyOrganisation, pk=org_id)
    year = parse_year(filters.year, strict=True)
    summary = next((r for r in selectors.compute(request.user, under=org, year=year) if r.org_id == org.pk), None)
    return {
        "year": year,
        "org_id": org.pk,
        "org_name": org.name,
        "summary": _row(summary) if summary else None,
        "kinds": [
            {
                "kind": k.kind,
                "label": k.label,
                "months": k.months,
                "periods": [
                    {"label": p.label, "start": p.start, "end": p.end, "status": s, "held": n} for p, s, n in k.periods
                ],
            }
            for k in (summary.kinds if summary else [])
        ],
        "meetings": [
            {
                "meeting_id": m.id,
                "kind": m.kind,
                "title": m.title,
                "starts_at": m.starts_at,
                "expected": m.expected,
                "present": m.present,
                "rate": m.rate,
                "minutes_id": m.minutes_id,
                "minutes_state": m.minutes_state,
            }
            for m in selectors.meeting_lines(request.user, org, year)
        ],
    }


@router.get(
    "/alerts",
    response={200: ComplianceAlertsOut, **ERROR_RESPONSES},
    summary="Irregular organisational life: missed meetings, low participation, minutes missing",
)
def alerts(request, filters: Query[ComplianceFilters]):
    year = parse_year(filters.year, strict=True)
    root = root_for(request.user, filters.under)
    scope.require_action(request.user, "compliance.view")
    found = selectors.alerts(request.user, under=root, year=year)
    return {
        "year": year,
        "count": len(found),
        "items": [a.__dict__ for a in _page(found, filters.limit, filters.offset)],
    }
