"""Volunteer activities over the JSON API (tag ``volunteering``). The list of open activities is
public; signing up needs an account; publishing and checking in need ``activity.manage``."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.errors import NotFoundError
from dangjian.orgs.models import PartyOrganisation

from . import selectors, services
from .models import Activity, ActivityCategory, ActivityStatus, CheckInMethod

router = Router()


class ActivityOut(Schema):
    id: int
    org_id: int
    org_name: str = Field(validation_alias="org.name")
    title: str
    description: str
    category: ActivityCategory
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    points: int
    capacity: int | None
    status: ActivityStatus
    cancel_reason: str
    signed_up: int
    checked_in: int


class ActivityPage(Schema):
    items: list[ActivityOut]
    count: int


class ActivityIn(Schema):
    org_id: int
    title: str = Field(max_length=80)
    description: str = Field(max_length=2000)
    category: ActivityCategory
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field(max_length=120)
    points: int = Field(ge=1, le=100)
    capacity: int | None = Field(None, ge=1, le=services.MAX_CAPACITY)


class SignUpOut(Schema):
    activity_id: int
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None


class ActivityCheckInIn(Schema):
    code: str = Field(max_length=300)


class ActivityCheckInOut(Schema):
    activity_id: int
    user_id: int
    volunteer: str
    method: CheckInMethod
    points_awarded: int
    checked_in_at: dt.datetime


class ActivityCancelIn(Schema):
    reason: str = Field(max_length=200)


def _public(activity_id: int) -> Activity:
    activity = selectors.public_detail(activity_id)
    if activity is None:
        raise NotFoundError(_("No such activity."))
    return activity


def _managed(request, activity_id: int) -> Activity:
    return scope.get_in_scope(request.user, "activity.manage", Activity, pk=activity_id)


@router.get(
    "/activities", auth=None, response={200: ActivityPage, **ERROR_RESPONSES}, summary="Open activities (public)"
)
def open_activities(request, page: Query[PageParams]):
    items, count = paginate(selectors.upcoming(), page)
    return {"items": items, "count": count}


@router.get(
    "/activities/{int:activity_id}", auth=None, response={200: ActivityOut, **ERROR_RESPONSES}, summary="One activity"
)
def activity_detail(request, activity_id: int):
    return _public(activity_id)


@router.post("/activities", response={201: ActivityOut, **ERROR_RESPONSES}, summary="Publish an activity")
def publish(request, payload: ActivityIn):
    org = scope.get_in_scope(request.user, "activity.manage", PartyOrganisation, pk=payload.org_id)
    data = payload.dict(exclude={"org_id"})
    activity = services.activity_publish(actor=request.user, org=org, **data)
    return Status(201, selectors.public_detail(activity.pk))


@router.get("/managed", response={200: ActivityPage, **ERROR_RESPONSES}, summary="Activities I organise")
def managed(request, page: Query[PageParams]):
    scope.require_action(request.user, "activity.manage")
    items, count = paginate(selectors.managed(request.user), page)
    return {"items": items, "count": count}


@router.post("/activities/{int:activity_id}/signup", response={201: SignUpOut, **ERROR_RESPONSES}, summary="Sign up")
def signup(request, activity_id: int):
    signup = services.signup_create(actor=request.user, activity=_public(activity_id))
    return Status(201, signup)


@router.post("/activities/{int:activity_id}/withdraw", response={200: SignUpOut, **ERROR_RESPONSES}, summary="Withdraw")
def withdraw(request, activity_id: int):
    return services.signup_withdraw(actor=request.user, activity=_public(activity_id))


@router.post(
    "/activities/{int:activity_id}/check-in",
    response={201: ActivityCheckInOut, **ERROR_RESPONSES},
    summary="Check a volunteer in by their code",
)
def check_in(request, activity_id: int, payload: ActivityCheckInIn):
    done = services.participation_record(actor=request.user, activity=_managed(request, activity_id), code=payload.code)
    return Status(
        201,
        {
            "activity_id": done.activity_id,
            "user_id": done.user_id,
            "volunteer": str(done.user),
            "method": done.method,
            "points_awarded": done.points_awarded,
            "checked_in_at": done.checked_in_at,
        },
    )


@router.post("/activities/{int:activity_id}/cancel", response={200: ActivityOut, **ERROR_RESPONSES}, summary="Cancel")
def cancel(request, activity_id: int, payload: ActivityCancelIn):
    services.activity_cancel(actor=request.user, activity=_managed(request, activity_id), reason=payload.reason)
    return selectors.public_detail(activity_id)
