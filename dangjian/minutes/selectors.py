"""Reads of minutes that cross a permission line: by meeting or by id, checked through access."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from dangjian.core.errors import NotFoundError

from . import access
from .models import Minutes, MinutesCorrection


def _base():
    return Minutes.objects.select_related(
        "meeting__org", "meeting__host", "meeting__recorder", "meeting__lecturer"
    ).prefetch_related(
        "photos", "attachments", Prefetch("corrections", MinutesCorrection.objects.order_by("created_at", "id"))
    )


def minutes_of(user, meeting_id) -> Minutes:
    meeting = access.visible_meeting(user, meeting_id)
    minutes = _base().filter(meeting=meeting).first()
    if minutes is None:
        raise NotFoundError(_("This meeting has no minutes yet."))
    return minutes


def minutes_by_id(user, minutes_id) -> Minutes:
    minutes = _base().filter(pk=minutes_id).first() if str(minutes_id).isdigit() else None
    if minutes is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    access.require_view(user, minutes.meeting)
    return minutes
