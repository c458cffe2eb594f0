"""Every write to council topics: raised by any worker, handled by the organisation's managers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.meetings.choices import MeetingStatus
from dangjian.meetings.models import Meeting
from dangjian.notifications.services import notify
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


def _related(meeting_org: PartyOrganisation, topic_org: PartyOrganisation) -> bool:
    """The council's own organisation, one above it or one below it holds the meeting."""
    return meeting_org.path.startswith(topic_org.path) or topic_org.path.startswith(meeting_org.path)


def schedulable_meetings(actor, topic: Topic, *, now: dt.datetime | None = None):
    """Published meetings that have not ended, of the council's organisation or one above or below
    it, that ``actor`` may see: the meetings a topic can be put before."""
    now = now or timezone.now()
    step = PartyOrganisation.steplen
    ancestors = [topic.org.path[:end] for end in range(step, len(topic.org.path), step)]
    meetings = scope.restrict(actor, "meeting.view", model=Meeting).filter(
        status=MeetingStatus.PUBLISHED, ends_at__gt=now
    )
    return (
        meetings.filter(Q(org__path__startswith=topic.org.path) | Q(org__path__in=ancestors))
        .select_related("org")
        .order_by("starts_at", "id")
    )


def topic_schedule(
    *,
    actor,
    topic: Topic,
    meeting_on: dt.date | None = None,
    meeting_place: str = "",
    meeting: Meeting | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """Put a topic on the agenda: of a planned meeting (its date and place are taken from it and the
    topic is listed on the meeting's page), or on a date and at a place given by hand. The worker who
    raised it is told."""
    scope.require(actor, "council.manage", topic)
    now = now or timezone.now()
    if meeting is not None:
        if not scope.can(actor, "meeting.view", meeting):
            raise DomainError(_("Choose a meeting of an organisation you manage."), field="meeting")
        if meeting.status != MeetingStatus.PUBLISHED or meeting.ends_at <= now:
            raise DomainError(_("Choose a published meeting that has not ended."), field="meeting")
        if not _related(meeting.org, topic.org):
            raise DomainError(
                _("Choose a meeting of the council's organisation or of one above or below it."), field="meeting"
            )
        meeting_on = timezone.localdate(meeting.starts_at)
        meeting_place = meeting.place or meeting.get_mode_display()
    elif meeting_on is None:
        raise DomainError(_("Choose a planned meeting or give the meeting date."), field="meeting_on")
    with transaction.atomic():
        topic = _locked(topic)
        if topic.status not in (TopicStatus.RAISED, TopicStatus.SCHEDULED):
            raise ConflictError(_("This topic has already been settled."), code="topic_settled")
        topic.status, topic.meeting_on, topic.meeting = TopicStatus.SCHEDULED, meeting_on, meeting
        topic.meeting_place = (meeting_place or "").strip()[:120]
        topic.save()
        audit.record(
            actor=actor,
            action="topic.schedule",
            obj=topic,
            org_path=topic.org.path,
            changes={"meeting_on": str(meeting_on), "meeting": meeting.pk if meeting else None},
        )
        notify(
            recipients=[topic.raised_by],
            kind="council.scheduled",
            title=_("Your topic is on the council's agenda"),
            body=_("“%(t)s” will be discussed on %(d)s %(p)s.")
            % {"t": topic.title[:60], "d": meeting_on.isoformat(), "p": topic.meeting_place},
            url=reverse("council:mine"),
            org=topic.org,
            actor=actor,
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
