"""Every notification this app sends: one place, so the wording and the recipients are reviewed
together. ``notifications.services.notify`` writes the in-app rows in the caller's transaction and
sends SMS/WeChat after it commits, so a rolled-back change notifies nobody."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.notifications.services import notify


def _when(meeting) -> str:
    return f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"


def _members(meeting):
    return [attendee.member for attendee in meeting.attendees.select_related("member__user")]


def _send(meeting, *, actor, kind: str, title, body, dedupe_key: str) -> None:
    """One notice about ``meeting`` to every expected attendee, linking to the meeting's page."""
    notify(
        recipients=_members(meeting),
        kind=kind,
        title=title,
        body=body,
        url=reverse("meetings:detail", args=[meeting.pk]),
        org=meeting.org,
        actor=actor,
        dedupe_key=dedupe_key,
    )


def _where(meeting) -> dict:
    return {
        "kind": meeting.get_kind_display(),
        "when": _when(meeting),
        "place": meeting.place or meeting.get_mode_display(),
    }


def meeting_published(meeting, *, actor) -> None:
    _send(
        meeting,
        actor=actor,
        kind="meeting.published",
        title=_("Meeting notice: %(title)s") % {"title": meeting.title},
        body=_("%(kind)s at %(when)s, %(place)s.") % _where(meeting),
        dedupe_key=f"meeting.published:{meeting.pk}",
    )


def meeting_changed(meeting, *, actor) -> None:
    _send(
        meeting,
        actor=actor,
        kind="meeting.changed",
        title=_("Meeting changed: %(title)s") % {"title": meeting.title},
        body=_("Now %(kind)s at %(when)s, %(place)s.") % _where(meeting),
        dedupe_key=f"meeting.changed:{meeting.pk}:{meeting.updated_at:%Y%m%d%H%M%S%f}",
    )


def meeting_cancelled(meeting, *, actor) -> None:
    _send(
        meeting,
        actor=actor,
        kind="meeting.cancelled",
        title=_("Meeting cancelled: %(title)s") % {"title": meeting.title},
        body=_("The meeting of %(when)s is cancelled. %(reason)s")
        % {"when": _when(meeting), "reason": meeting.cancel_reason},
        dedupe_key=f"meeting.cancelled:{meeting.pk}",
    )


def leave_decided(leave, *, actor) -> None:
    notify(
        recipients=[leave.member],
        kind="meeting.leave_decided",
        title=_("Your leave request: %(status)s") % {"status": leave.get_status_display()},
        body=_("%(title)s, %(when)s.") % {"title": leave.meeting.title, "when": _when(leave.meeting)},
        url=reverse("meetings:me"),
        org=leave.meeting.org,
        actor=actor,
        dedupe_key=f"meeting.leave:{leave.pk}:{leave.status}",
    )


def makeups_assigned(tasks, *, meeting, actor) -> None:
    if not tasks:
        return
    notify(
        recipients=[task.member for task in tasks],
        kind="meeting.makeup",
        title=_("Make-up study: %(title)s") % {"title": meeting.title},
        body=_("You missed the meeting of %(when)s. Study its content and record what you studied.")
        % {"when": _when(meeting)},
        url=reverse("meetings:me"),
        org=meeting.org,
        actor=actor,
        dedupe_key=f"meeting.makeup:{meeting.pk}",
    )


def series_published(series, meetings, *, actor) -> None:
    """One notice for a whole series (not one per date)."""
    if not meetings:
        return
    first = meetings[0]
    dates = "、".join(f"{timezone.localtime(m.starts_at):%m-%d}" for m in meetings[:12])
    notify(
        recipients=_members(first),
        kind="meeting.series",
        title=_("Meetings planned: %(title)s") % {"title": series.title},
        body=_("%(kind)s on %(dates)s, from %(time)s.")
        % {"kind": first.get_kind_display(), "dates": dates, "time": f"{series.start_time:%H:%M}"},
        url=reverse("meetings:me"),
        org=series.org,
        actor=actor,
        dedupe_key=f"meeting.series:{series.pk}",
    )
