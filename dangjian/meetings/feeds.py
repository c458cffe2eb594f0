"""Private iCalendar feeds (RFC 5545, written with ``icalendar``): a member's meetings and an
organisation's meetings, behind a random token URL. Only the token's SHA-256 is stored; issuing
a new token revokes the previous one, and a feed can be revoked outright."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from dangjian.core import audit, scope
from dangjian.core.errors import NotFoundError
from dangjian.orgs.models import PartyOrganisation

from .attendance import member_of
from .choices import FeedOwner, MeetingStatus
from .models import CalendarFeed, Meeting

PAST_DAYS = 92
FUTURE_DAYS = 400


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _revoke_live(**owner) -> int:
    return CalendarFeed.objects.filter(revoked_at__isnull=True, **owner).update(revoked_at=timezone.now())


@transaction.atomic
def feed_issue(*, actor, org: PartyOrganisation | None = None) -> tuple[CalendarFeed, str]:
    """A new feed token for the actor's own meetings, or for ``org`` (needs ``meeting.view``
    there). The previous live token of the same owner stops working. Returns (feed, token)."""
    token = secrets.token_urlsafe(32)
    if org is None:
        member = member_of(actor)
        revoked = _revoke_live(member=member)
        feed = CalendarFeed.objects.create(
            owner_kind=FeedOwner.MEMBER, member=member, token_hash=_hash(token), created_by=actor
        )
        path = member.org.path
    else:
        scope.require(actor, "meeting.view", Meeting(org=org))
        revoked = _revoke_live(org=org)
        feed = CalendarFeed.objects.create(owner_kind=FeedOwner.ORG, org=org, token_hash=_hash(token), created_by=actor)
        path = org.path
    audit.record(
        actor=actor, action="meeting.feed_issue", obj=feed, org_path=path, changes={"revoked": [None, revoked]}
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, actor, org: PartyOrganisation | None = None) -> int:
    """Revoke the live feed of the actor (or of ``org``). Returns how many were revoked (0 or 1)."""
    if org is None:
        member = member_of(actor)
        revoked, path = _revoke_live(member=member), member.org.path
    else:
        scope.require(actor, "meeting.view", Meeting(org=org))
        revoked, path = _revoke_live(org=org), org.path
    audit.record(
        actor=actor,
        action="meeting.feed_revoke",
        object_type="meetings.calendarfeed",
        org_path=path,
        changes={"revoked": [None, revoked]},
    )
    return revoked


def live_feed(*, member=None, org=None) -> CalendarFeed | None:
    owner = {"member": member} if member is not None else {"org": org}
    return CalendarFeed.objects.filter(revoked_at__isnull=True, **owner).first()


def feed_for_token(token: str) -> CalendarFeed:
    if not token or len(token) > 100:
        raise NotFoundError(_("This calendar address is not valid (it may have been revoked)."))
    feed = CalendarFeed.objects.filter(token_hash=_hash(token), revoked_at__isnull=True).first()
    if feed is None:
        raise NotFoundError(_("This calendar address is not valid (it may have been revoked)."))
    return feed


def feed_meetings(feed: CalendarFeed, *, now: dt.datetime | None = None):
    now = now or timezone.now()
    meetings = Meeting.objects.filter(
        status__in=[MeetingStatus.PUBLISHED, MeetingStatus.CANCELLED],
        starts_at__gte=now - dt.timedelta(days=PAST_DAYS),
        starts_at__lte=now + dt.timedelta(days=FUTURE_DAYS),
    )
    if feed.owner_kind == FeedOwner.MEMBER:
        meetings = meetings.filter(attendees__member_id=feed.member_id)
    else:
        meetings = meetings.filter(org_id=feed.org_id)
    return meetings.select_related("org", "host").order_by("starts_at", "id")


def render(feed: CalendarFeed, *, base_url: str, now: dt.datetime | None = None) -> bytes:
    """The feed as text/calendar. UIDs are stable so calendar apps update events in place."""
    cal = Calendar()
    cal.add("prodid", "-//dangjian//meetings//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Organisational life"))
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for meeting in feed_meetings(feed, now=now):
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@dangjian")
        event.add("dtstamp", meeting.updated_at)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", f"{meeting.get_kind_display()}：{meeting.title}")
        lines = [meeting.org.name]
        if meeting.host_id:
            lines.append(_("Host: %(name)s") % {"name": meeting.host.name})
        if meeting.agenda:
            lines.append(meeting.agenda)
        if meeting.online_link:
            lines.append(meeting.online_link)
        event.add("description", "\n".join(lines))
        if meeting.place:
            event.add("location", meeting.place)
        if meeting.latitude is not None:
            event.add("geo", (float(meeting.latitude), float(meeting.longitude)))
        event.add("url", f"{base_url}/meetings/{meeting.pk}/")
        event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
        event.add("sequence", int(meeting.updated_at.timestamp()) % 2_000_000_000)
        cal.add_component(event)
    return cal.to_ical()
