"""Meeting minutes over the JSON API (tag ``minutes``): read, start, edit, sign, correct, and the
DOCX/PDF record. Access follows the meeting's scope; host and recorder sign as themselves."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import Router, Schema, Status

from dangjian.core.api import ERROR_RESPONSES

from . import access, documents, selectors, services
from . import sheet as sheets

router = Router()


class MinutesSectionOut(Schema):
    key: str
    label: str
    text: str


class MinutesAbsenteeOut(Schema):
    name: str
    kind: str
    reason: str


class MinutesAttendanceOut(Schema):
    expected: int
    present: int
    leave: int
    absent: int
    present_names: list[str]
    absentees: list[MinutesAbsenteeOut]


class MinutesSignatureOut(Schema):
    role: str
    name: str
    signed_at: dt.datetime | None


class MinutesCorrectionOut(Schema):
    id: int
    section: str
    section_label: str
    text: str
    reason: str
    author: str
    created_at: dt.datetime


class MinutesFileOut(Schema):
    id: int
    name: str
    url: str


class MinutesOut(Schema):
    id: int
    meeting_id: int
    meeting_title: str
    meeting_kind: str
    org_id: int
    org_name: str
    starts_at: dt.datetime
    sections: list[MinutesSectionOut]
    resolutions: str
    attendance: MinutesAttendanceOut
    signatures: list[MinutesSignatureOut]
    locked: bool
    locked_at: dt.datetime | None
    corrections: list[MinutesCorrectionOut]
    photos: list[MinutesFileOut]
    attachments: list[MinutesFileOut]


class MinutesUpdateIn(Schema):
    sections: dict[str, str] = {}
    resolutions: str | None = None


class MinutesSignIn(Schema):
    role: Literal["host", "recorder"]


class MinutesCorrectionIn(Schema):
    section: str
    text: str
    reason: str


def _out(minutes) -> dict:
    from django.urls import reverse

    from . import sections

    meeting = minutes.meeting
    attendance = {"expected": 0, "present": 0, "leave": 0, "absent": 0, "present_names": [], "absentees": []}
    attendance.update(minutes.attendance or {})
    return {
        "id": minutes.pk,
        "meeting_id": meeting.pk,
        "meeting_title": meeting.title,
        "meeting_kind": meeting.kind,
        "org_id": meeting.org_id,
        "org_name": meeting.org.name,
        "starts_at": meeting.starts_at,
        "sections": sections.labelled(minutes),
        "resolutions": minutes.resolutions,
        "attendance": attendance,
        "signatures": [
            {
                "role": access.HOST,
                "name": meeting.host.name if meeting.host_id else "",
                "signed_at": minutes.host_signed_at,
            },
            {
                "role": access.RECORDER,
                "name": meeting.recorder.name if meeting.recorder_id else "",
                "signed_at": minutes.recorder_signed_at,
            },
        ],
        "locked": minutes.locked,
        "locked_at": minutes.locked_at,
        "corrections": [
            {
                "id": c.pk,
                "section": c.section,
                "section_label": c.section_label,
                "text": c.text,
                "reason": c.reason,
                "author": c.author_name,
                "created_at": c.created_at,
            }
            for c in minutes.corrections.all()
        ],
        "photos": [
            {"id": p.pk, "name": p.caption, "url": reverse("minutes:photo", args=[p.pk])} for p in minutes.photos.all()
        ],
        "attachments": [
            {"id": a.pk, "name": a.name, "url": reverse("minutes:attachment", args=[a.pk])}
            for a in minutes.attachments.all()
        ],
    }


@router.get(
    "/meetings/{int:meeting_id}", response={200: MinutesOut, **ERROR_RESPONSES}, summary="The minutes of a meeting"
)
def get_minutes(request, meeting_id: int):
    return _out(selectors.minutes_of(request.user, meeting_id))


@router.post(
    "/meetings/{int:meeting_id}",
    response={201: MinutesOut, **ERROR_RESPONSES},
    summary="Start the minutes of a held meeting (from the kind's template, attendance filled in)",
)
def start_minutes(request, meeting_id: int):
    meeting = access.visible_meeting(request.user, meeting_id)
    minutes = services.minutes_start(actor=request.user, meeting=meeting)
    return Status(201, _out(selectors.minutes_of(request.user, minutes.meeting_id)))


@router.patch("/{int:minutes_id}", response={200: MinutesOut, **ERROR_RESPONSES}, summary="Edit unlocked minutes")
def update_minutes(request, minutes_id: int, payload: MinutesUpdateIn):
    minutes = selectors.minutes_by_id(request.user, minutes_id)
    services.minutes_update(
        actor=request.user, minutes=minutes, sections_text=payload.sections, resolutions=payload.resolutions
    )
    return _out(selectors.minutes_by_id(request.user, minutes_id))


@router.post(
    "/{int:minutes_id}/attendance",
    response={200: MinutesOut, **ERROR_RESPONSES},
    summary="Take the attendance again from check-ins and leave",
)
def refresh_attendance(request, minutes_id: int):
    minutes = selectors.minutes_by_id(request.user, minutes_id)
    services.minutes_refresh_attendance(actor=request.user, minutes=minutes)
    return _out(selectors.minutes_by_id(request.user, minutes_id))


@router.post(
    "/{int:minutes_id}/sign",
    response={200: MinutesOut, **ERROR_RESPONSES},
    summary="Sign as the meeting's host or recorder (the second signature locks the minutes)",
)
def sign_minutes(request, minutes_id: int, payload: MinutesSignIn):
    minutes = selectors.minutes_by_id(request.user, minutes_id)
    services.minutes_sign(actor=request.user, minutes=minutes, role=payload.role)
    return _out(selectors.minutes_by_id(request.user, minutes_id))


@router.post(
    "/{int:minutes_id}/corrections",
    response={201: MinutesOut, **ERROR_RESPONSES},
    summary="Append a correction to locked minutes",
)
def correct_minutes(request, minutes_id: int, payload: MinutesCorrectionIn):
    minutes = selectors.minutes_by_id(request.user, minutes_id)
    services.minutes_correct(
        actor=request.user, minutes=minutes, section=payload.section, text=payload.text, reason=payload.reason
    )
    return Status(201, _out(selectors.minutes_by_id(request.user, minutes_id)))


@router.get(
    "/{int:minutes_id}/record.{fmt}",
    response={200: None, **ERROR_RESPONSES},
    summary="The record as DOCX or PDF (Chinese, laid out like the paper record)",
)
def export_minutes(request, minutes_id: int, fmt: Literal["pdf", "docx"]):
    minutes = selectors.minutes_by_id(request.user, minutes_id)
    return document_response(minutes, fmt)


def document_response(minutes, fmt: str) -> HttpResponse:
    sheet = sheets.build(minutes)
    if fmt == "pdf":
        response = HttpResponse(documents.render_pdf(sheet), content_type="application/pdf")
    else:
        response = HttpResponse(
            documents.render_docx(sheet),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    day = minutes.meeting.starts_at
    response["Content-Disposition"] = f'attachment; filename="minutes-{minutes.meeting_id}-{day:%Y%m%d}.{fmt}"'
    return response
