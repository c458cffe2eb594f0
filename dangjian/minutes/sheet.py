"""Builds the printable :class:`~.documents.Sheet` of a record from the database."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from . import sections
from .documents import CorrectionLine, Sheet, Signature
from .models import Minutes


def _absentee_reason(item: dict) -> str:
    if item["kind"] == "leave":
        return _("on leave: %(reason)s") % {"reason": item["reason"]} if item["reason"] else _("on leave")
    return item["reason"] or _("absent without leave")


def build(minutes: Minutes, *, with_photos: bool = True) -> Sheet:
    """The sheet in Chinese (the record is filed in Chinese whatever the reader's language)."""
    meeting = minutes.meeting
    with translation.override("zh-hans"):
        lecturer = meeting.lecturer.name if meeting.lecturer_id else meeting.lecturer_name
        attendance = minutes.attendance or {}
        host = meeting.host.name if meeting.host_id else ""
        recorder = meeting.recorder.name if meeting.recorder_id else ""
        photos = []
        if with_photos:
            for photo in minutes.photos.all():
                with photo.image.open("rb") as handle:
                    photos.append(handle.read())
        return Sheet(
            org_name=meeting.org.name,
            title=meeting.title,
            kind_label=str(meeting.get_kind_display()),
            start=meeting.starts_at,
            end=meeting.ends_at,
            place=meeting.place,
            mode_label=str(meeting.get_mode_display()),
            host=host,
            recorder=recorder,
            lecturer=lecturer or "",
            expected=attendance.get("expected", 0),
            present=attendance.get("present", 0),
            leave=attendance.get("leave", 0),
            absent=attendance.get("absent", 0),
            present_names=list(attendance.get("present_names", [])),
            absentees=[(a["name"], _absentee_reason(a)) for a in attendance.get("absentees", [])],
            agenda=meeting.agenda,
            sections=[(s["label"], s["text"]) for s in sections.labelled(minutes)],
            resolutions=minutes.resolutions,
            host_signature=Signature(host, minutes.host_signed_at) if minutes.host_signed_at else None,
            recorder_signature=Signature(recorder, minutes.recorder_signed_at) if minutes.recorder_signed_at else None,
            corrections=[
                CorrectionLine(c.created_at, c.author_name, c.section_label, c.text, c.reason)
                for c in minutes.corrections.all()
            ],
            photos=photos,
            attachments=[a.name for a in minutes.attachments.all()],
        )
