"""The deliberation council over the JSON API (tag ``council``). Published results are public."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.errors import DomainError
from dangjian.meetings.models import Meeting

from . import services
from .models import Topic, TopicStatus

router = Router()


class TopicOut(Schema):
    id: int
    title: str
    description: str
    org_id: int
    status: TopicStatus
    meeting_id: int | None
    meeting_on: dt.date | None
    meeting_place: str
    decision: str
    follow_up: str
    decided_at: dt.datetime | None
    created_at: dt.datetime


class TopicPage(Schema):
    items: list[TopicOut]
    count: int


class TopicIn(Schema):
    title: str = Field(max_length=120)
    description: str = Field(max_length=2000)


class ScheduleIn(Schema):
    """Either ``meeting_id`` (a published meeting that has not ended, of the council's organisation
    or one above or below it: its date and place are copied) or ``meeting_on`` (and a place)."""

    meeting_id: int | None = None
    meeting_on: dt.date | None = None
    meeting_place: str = Field("", max_length=120)


class TextIn(Schema):
    text: str = Field(max_length=2000)


@router.get("/published", auth=None, response={200: TopicPage, **ERROR_RESPONSES}, summary="Published results (public)")
def published(request, page: Query[PageParams]):
    topics = Topic.objects.filter(status__in=[TopicStatus.DECIDED, TopicStatus.DECLINED]).order_by("-decided_at", "-id")
    items, count = paginate(topics, page)
    return {"items": items, "count": count}


@router.post("/topics", response={201: TopicOut, **ERROR_RESPONSES}, summary="Raise a topic")
def raise_topic(request, payload: TopicIn):
    return Status(201, services.topic_raise(actor=request.user, title=payload.title, description=payload.description))


@router.get("/topics", response={200: TopicPage, **ERROR_RESPONSES}, summary="Council topics to handle")
def list_topics(request, page: Query[PageParams]):
    scope.require_action(request.user, "council.view")
    items, count = paginate(scope.restrict(request.user, "council.view", model=Topic), page)
    return {"items": items, "count": count}


def _topic(request, topic_id: int) -> Topic:
    return scope.get_in_scope(request.user, "council.view", Topic, pk=topic_id)


@router.post(
    "/topics/{int:topic_id}/schedule", response={200: TopicOut, **ERROR_RESPONSES}, summary="Put on the agenda"
)
def schedule(request, topic_id: int, payload: ScheduleIn):
    topic = _topic(request, topic_id)
    meeting = None
    if payload.meeting_id is not None:
        meeting = (
            scope.restrict(request.user, "meeting.view", model=Meeting)
            .select_related("org")
            .filter(pk=payload.meeting_id)
            .first()
        )
        if meeting is None:
            raise DomainError(_("Choose a meeting of an organisation you manage."), field="meeting")
    return services.topic_schedule(
        actor=request.user,
        topic=topic,
        meeting=meeting,
        meeting_on=payload.meeting_on,
        meeting_place=payload.meeting_place,
    )


@router.post(
    "/topics/{int:topic_id}/decide", response={200: TopicOut, **ERROR_RESPONSES}, summary="Record the decision"
)
def decide(request, topic_id: int, payload: TextIn):
    return services.topic_decide(actor=request.user, topic=_topic(request, topic_id), decision=payload.text)


@router.post("/topics/{int:topic_id}/decline", response={200: TopicOut, **ERROR_RESPONSES}, summary="Not taken up")
def decline(request, topic_id: int, payload: TextIn):
    return services.topic_decline(actor=request.user, topic=_topic(request, topic_id), reason=payload.text)


@router.post(
    "/topics/{int:topic_id}/follow-up", response={200: TopicOut, **ERROR_RESPONSES}, summary="Publish the follow-up"
)
def follow_up(request, topic_id: int, payload: TextIn):
    return services.topic_follow_up(actor=request.user, topic=_topic(request, topic_id), follow_up=payload.text)
