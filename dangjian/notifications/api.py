"""The caller's own notifications over the JSON API (tag ``notifications``)."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate

from . import selectors, services

router = Router()


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    org_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    unread: int


class NotificationFilters(PageParams):
    unread: bool = False


class NotificationsReadOut(Schema):
    marked: int
    unread: int


@router.get("", response={200: NotificationPage, **ERROR_RESPONSES}, summary="My notifications, newest first")
def notification_list(request, filters: Query[NotificationFilters]):
    items, count = paginate(selectors.inbox(request.user, unread=filters.unread), filters)
    return {"items": items, "count": count, "unread": selectors.unread_count(request.user)}


@router.post(
    "/{int:notification_id}/read",
    response={200: NotificationOut, **ERROR_RESPONSES},
    summary="Mark one of my notifications read",
)
def notification_read(request, notification_id: int):
    return services.notification_mark_read(
        actor=request.user, notification=selectors.notification_get(request.user, notification_id)
    )


@router.post(
    "/read-all", response={200: NotificationsReadOut, **ERROR_RESPONSES}, summary="Mark all my notifications read"
)
def notification_read_all(request):
    marked = services.notification_mark_all_read(actor=request.user)
    return {"marked": marked, "unread": selectors.unread_count(request.user)}
