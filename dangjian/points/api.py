"""Volunteer points over the JSON API (tag ``points``)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from pydantic import Field

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES
from dangjian.orgs.models import PartyOrganisation
from dangjian.stations.models import Station

from . import selectors, services
from .models import EntryKind

router = Router()


class PointsEntryOut(Schema):
    kind: EntryKind
    points: int
    balance_after: int
    reason: str
    station_id: int | None
    created_at: dt.datetime


class PointsMeOut(Schema):
    balance: int
    code: str
    entries: list[PointsEntryOut]


class RedeemIn(Schema):
    station_id: int
    code: str = Field(max_length=100)
    points: int = Field(ge=1, le=100000)
    reason: str = Field(max_length=200)


class LeaderOut(Schema):
    user_id: int
    name: str
    points: int


@router.get("/me", response={200: PointsMeOut, **ERROR_RESPONSES}, summary="My balance, redemption code and history")
def me(request):
    return {
        "balance": selectors.balance(request.user),
        "code": services.worker_code(request.user),
        "entries": list(selectors.my_entries(request.user)),
    }


@router.post(
    "/redeem", response={200: PointsEntryOut, **ERROR_RESPONSES}, summary="Redeem a worker's points at a station"
)
def redeem(request, payload: RedeemIn):
    station = scope.get_in_scope(request.user, "points.redeem", Station, pk=payload.station_id)
    return services.points_redeem(
        actor=request.user, station=station, code=payload.code, points=payload.points, reason=payload.reason
    )


@router.get(
    "/leaderboard/{int:org_id}",
    response={200: list[LeaderOut], **ERROR_RESPONSES},
    summary="Leaderboard of an organisation",
)
def leaderboard(request, org_id: int):
    org = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=org_id)
    return selectors.leaderboard(org)
