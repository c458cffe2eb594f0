"""Every write to council topics: raised by any worker, handled by the organisation's managers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.orgs.models import PartyOrganisation
from dangjian.points import services as points

from .models import Topic, TopicStatus


def _text(value: str, field: str, minimum: int, maximum: int) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise DomainError(_("Write at least %(n)s characters.") % {"n": minimum}, field=field)
    if len(value) > maximum:
        raise DomainError(_("At most %(n)s characters.") % {"n": maximum}, field=field)
    return value


def topic_raise(*, actor, title: str, description: str, org: PartyOrganisation | None = None) -> Topic:
    """A worker puts a topic to the council of their organisation (or of the one given)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(_("Log in to raise a topic."))
    org = org or actor.home_org
    if org is None:
        raise DomainError(_("Choose the council."), field="org")
    topic = Topic(
        title=_text(title, "title", 4, 120),
        description=_text(description, "description", 10, 2000),
        org=org,
        raised_by=actor,
    )
    with transaction.atomic():
        topic.save()
        audit.record(actor=actor, action="topic.raise", obj=topic, org_path=org.path, changes={"title": topic.title})
    return topic


def _locked(topic: Topic) -> Topic:
    return Topic.objects.select_for_update(of=("self",)).select_related("org", "raised_by").get(pk=topic.pk)


def topic_schedule(*, actor, topic: Topic, meeting_on: dt.date, meeting_place: str = "") -> Topic:
    scope.require(actor, "council.manage", topic)
    with transaction.atomic():
        topic = _locked(topic)
        if topic.status not in (TopicStatus.RAISED, TopicStatus.SCHEDULED):
            raise ConflictError(_("This topic has already been settled."), code="topic_settled")
        topic.status, topic.meeting_on = TopicStatus.SCHEDULED, meeting_on
        topic.meeting_place = (meeting_place or "").strip()[:120]
        topic.save()
        audit.record(
            actor=actor,
            action="topic.schedule",
            obj=topic,
            org_path=topic.org.path,
            changes={"meeting_on": str(meeting_on)},
        )
    return topic


def topic_decide(*, actor, topic: Topic, decision: str, now: dt.datetime | None = None) -> Topic:
    """Record the council's decision and publish it; the worker who raised it earns points."""
    scope.require(actor, "council.manage", topic)
    decision = _text(decision, "decision", 4, 2000)
    now = now or timezone.now()
    with transaction.atomic():
        topic = _locked(topic)
        if topic.status not in (TopicStatus.RAISED, TopicStatus.SCHEDULED):
            raise ConflictError(_("This topic has already been settled."), code="topic_settled")
        topic.status, topic.decision, topic.decided_at = TopicStatus.DECIDED, decision, now
        topic.save()
        audit.record(actor=actor, action="topic.decide", obj=topic, org_path=topic.org.path)
        award = policy.value("points.topic_decided", topic.org.path)
        if award:
            points.points_earn(
                user=topic.raised_by,
                points=award,
                reason=_("Council topic decided: %(t)s") % {"t": topic.title[:60]},
                org=topic.org,
                source=f"topic:{topic.pk}",
                now=now,
            )
    return topic


def topic_decline(*, actor, topic: Topic, reason: str, now: dt.datetime | None = None) -> Topic:
    scope.require(actor, "council.manage", topic)
    reason = _text(reason, "decision", 4, 2000)
    with transaction.atomic():
        topic = _locked(topic)
        if topic.status not in (TopicStatus.RAISED, TopicStatus.SCHEDULED):
            raise ConflictError(_("This topic has already been settled."), code="topic_settled")
        topic.status, topic.decision, topic.decided_at = TopicStatus.DECLINED, reason, now or timezone.now()
        topic.save()
        audit.record(actor=actor, action="topic.decline", obj=topic, org_path=topic.org.path)
    return topic


def topic_follow_up(*, actor, topic: Topic, follow_up: str) -> Topic:
    """Publish what has been done since the decision (replaces the earlier text; audited)."""
    scope.require(actor, "council.manage", topic)
    follow_up = _text(follow_up, "follow_up", 4, 2000)
    with transaction.atomic():
        topic = _locked(topic)
        if topic.status != TopicStatus.DECIDED:
            raise ConflictError(_("Only a decided topic has a follow-up."), code="topic_not_decided")
        before = topic.follow_up
        topic.follow_up = follow_up
        topic.save()
        audit.record(
            actor=actor,
            action="topic.follow_up",
            obj=topic,
            org_path=topic.org.path,
            changes={"follow_up": [before, follow_up]},
        )
    return topic
