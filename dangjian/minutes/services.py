"""Every write to minutes: access checked, validated, audited in the same transaction.

The signed record is never edited: once host and recorder have both signed, the minutes are
locked and later changes are appended as corrections. An edit before that clears any signature
already given, so nobody's signature stands under text they have not seen."""

from __future__ import annotations

import io
import os
import uuid
import zipfile

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, images
from dangjian.core.errors import ConflictError, DomainError, ScopeDenied
from dangjian.meetings.choices import AttendeeStatus, LeaveStatus, MeetingStatus
from dangjian.meetings.models import Attendee, CheckIn, LeaveRequest, Meeting

from . import access, sections
from .models import Minutes, MinutesAttachment, MinutesCorrection, MinutesPhoto

MAX_TEXT = 8000
MAX_PHOTOS = 12
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_ZIP_KINDS = {
    "docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
ATTACHMENT_TYPES = ("pdf", *_ZIP_KINDS)


def attendance_of(meeting: Meeting) -> dict:
    """Who was present (checked in), on leave (an approved request, or marked so) and absent, with
    reasons, from the meeting's attendees, check-ins and leave requests: three queries."""
    attendees = list(Attendee.objects.filter(meeting=meeting).select_related("member").order_by("id"))
    checkins = list(CheckIn.objects.filter(meeting=meeting).select_related("member").order_by("at", "id"))
    leaves = dict(
        LeaveRequest.objects.filter(meeting=meeting, status=LeaveStatus.APPROVED).values_list("member_id", "reason")
    )
    present_ids = {c.member_id for c in checkins}
    absentees = []
    for attendee in attendees:
        if attendee.member_id in present_ids:
            continue
        if attendee.member_id in leaves or attendee.status == AttendeeStatus.LEAVE:
            reason = leaves.get(attendee.member_id) or attendee.absence_reason
            absentees.append({"name": attendee.member.name, "kind": "leave", "reason": reason})
        else:
            absentees.append({"name": attendee.member.name, "kind": "absent", "reason": attendee.absence_reason})
    return {
        "expected": len(attendees),
        "present": len(checkins),
        "leave": sum(1 for a in absentees if a["kind"] == "leave"),
        "absent": sum(1 for a in absentees if a["kind"] == "absent"),
        "present_names": [c.member.name for c in checkins],
        "absentees": absentees,
    }


def _locked_error() -> ConflictError:
    return ConflictError(
        _("The minutes are signed by host and recorder and locked. Add a correction instead."), code="minutes_locked"
    )


def _lock(minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__org", "meeting__host", "meeting__recorder")
        .get(pk=minutes.pk)
    )


def _clear_signatures(minutes: Minutes) -> list[str]:
    cleared = [role for role in (access.HOST, access.RECORDER) if getattr(minutes, f"{role}_signed_at")]
    for role in cleared:
        setattr(minutes, f"{role}_signed_at", None)
        setattr(minutes, f"{role}_signed_by", None)
    return cleared


def minutes_start(*, actor, meeting: Meeting) -> Minutes:
    """Open the minutes of a held (published, started) meeting from the kind's template, with the
    attendance filled in from check-ins and leave requests."""
    access.require_write(actor, meeting)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org", "lecturer").get(pk=meeting.pk)
        if meeting.status != MeetingStatus.PUBLISHED:
            raise DomainError(_("Only a published meeting that was not cancelled has minutes."), code="not_held")
        if meeting.starts_at > timezone.now():
            raise DomainError(_("The meeting has not started yet."), code="not_held")
        if Minutes.objects.filter(meeting=meeting).exists():
            raise ConflictError(_("This meeting already has minutes."), code="duplicate")
        minutes = Minutes(
            meeting=meeting,
            sections=sections.prefilled(meeting),
            attendance=attendance_of(meeting),
            created_by=actor,
        )
        try:
            with transaction.atomic():
                minutes.save()
        except IntegrityError:
            raise ConflictError(_("This meeting already has minutes."), code="duplicate") from None
        audit.record(
            actor=actor,
            action="minutes.start",
            obj=minutes,
            org_path=meeting.org.path,
            changes={"meeting": meeting.pk, "expected": minutes.attendance["expected"]},
        )
    return minutes


def minutes_update(
    *, actor, minutes: Minutes, sections_text: dict[str, str] | None = None, resolutions: str | None = None
) -> Minutes:
    """Change section texts and/or the resolutions of unlocked minutes."""
    access.require_write(actor, minutes.meeting)
    known = {item["key"] for item in minutes.sections}
    cleaned: dict[str, str] = {}
    for key, text in (sections_text or {}).items():
        if key not in known:
            raise DomainError(_("Unknown section %(key)s.") % {"key": key}, field="sections")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise DomainError(_("Each section has at most %(n)d characters.") % {"n": MAX_TEXT}, field=key)
        cleaned[key] = text.strip()
    if resolutions is not None and (not isinstance(resolutions, str) or len(resolutions) > MAX_TEXT):
        raise DomainError(_("Each section has at most %(n)d characters.") % {"n": MAX_TEXT}, field="resolutions")
    with transaction.atomic():
        minutes = _lock(minutes)
        if minutes.locked:
            raise _locked_error()
        changed = [
            item["key"] for item in minutes.sections if item["key"] in cleaned and item["text"] != cleaned[item["key"]]
        ]
        minutes.sections = [{**item, "text": cleaned.get(item["key"], item["text"])} for item in minutes.sections]
        if resolutions is not None and resolutions.strip() != minutes.resolutions:
            minutes.resolutions = resolutions.strip()
            changed.append(sections.RESOLUTIONS)
        if not changed:
            return minutes
        cleared = _clear_signatures(minutes)
        minutes.updated_at = timezone.now()
        minutes.save()
        audit.record(
            actor=actor,
            action="minutes.update",
            obj=minutes,
            org_path=minutes.meeting.org.path,
            changes={"sections": changed, "signatures_cleared": cleared},
        )
    return minutes


def minutes_refresh_attendance(*, actor, minutes: Minutes) -> Minutes:
    """Take the attendance again from the meeting (late check-ins, leave decided afterwards)."""
    access.require_write(actor, minutes.meeting)
    with transaction.atomic():
        minutes = _lock(minutes)
        if minutes.locked:
            raise _locked_error()
        fresh = attendance_of(minutes.meeting)
        if fresh == minutes.attendance:
            return minutes
        before = {k: minutes.attendance.get(k) for k in ("expected", "present", "leave", "absent")}
        minutes.attendance = fresh
        cleared = _clear_signatures(minutes)
        minutes.updated_at = timezone.now()
        minutes.save()
        audit.record(
            actor=actor,
            action="minutes.attendance",
            obj=minutes,
            org_path=minutes.meeting.org.path,
            changes={
                "counts": [before, {k: fresh[k] for k in ("expected", "present", "leave", "absent")}],
                "signatures_cleared": cleared,
            },
        )
    return minutes


def minutes_sign(*, actor, minutes: Minutes, role: str) -> Minutes:
    """The host or the recorder signs as themselves; the second signature locks the minutes."""
    if role not in (access.HOST, access.RECORDER):
        raise DomainError(_("Sign as the host or as the recorder."), field="role")
    access.require_view(actor, minutes.meeting)
    with transaction.atomic():
        minutes = _lock(minutes)
        meeting = minutes.meeting
        person = meeting.host if role == access.HOST else meeting.recorder
        if person is None:
            raise DomainError(
                _("The meeting has no host.") if role == access.HOST else _("The meeting has no recorder."),
                code="no_signer",
            )
        if actor is None or person.user_id != actor.pk:
            raise ScopeDenied(
                _("Only the meeting's host signs as host.")
                if role == access.HOST
                else _("Only the meeting's recorder signs as recorder.")
            )
        if minutes.locked:
            raise _locked_error()
        if getattr(minutes, f"{role}_signed_at"):
            raise ConflictError(_("You have already signed these minutes."), code="already_signed")
        if not any(item["text"].strip() for item in minutes.sections) and not minutes.resolutions.strip():
            raise DomainError(_("The minutes are empty. Write them before signing."), code="empty")
        now = timezone.now()
        setattr(minutes, f"{role}_signed_at", now)
        setattr(minutes, f"{role}_signed_by", actor)
        if minutes.host_signed_at and minutes.recorder_signed_at:
            minutes.locked_at = now
        minutes.save()
        audit.record(
            actor=actor,
            action="minutes.sign",
            obj=minutes,
            org_path=meeting.org.path,
            changes={"role": role, "locked": minutes.locked},
        )
    return minutes


def minutes_correct(*, actor, minutes: Minutes, section: str, text: str, reason: str) -> MinutesCorrection:
    """Append a correction to locked minutes: what the section should say, and why."""
    meeting = minutes.meeting
    access.require_view(actor, meeting)
    if not (access.can_write(actor, meeting) or access.is_host(actor, meeting)):
        raise ScopeDenied(_("Only the host, the recorder or the branch's secretary and committee correct minutes."))
    names = sections.labels(meeting.kind)
    if section not in names or (
        section != sections.RESOLUTIONS and section not in {s["key"] for s in minutes.sections}
    ):
        raise DomainError(_("Choose the section to correct."), field="section")
    text = (text or "").strip()
    reason = (reason or "").strip()
    if not text:
        raise DomainError(_("Write the corrected text."), field="text")
    if len(text) > 4000:
        raise DomainError(_("The correction has at most 4000 characters."), field="text")
    if not reason:
        raise DomainError(_("Give the reason for the correction."), field="reason")
    if len(reason) > 300:
        raise DomainError(_("The reason has at most 300 characters."), field="reason")
    with transaction.atomic():
        minutes = _lock(minutes)
        if not minutes.locked:
            raise ConflictError(
                _("The minutes are not locked yet: edit them directly instead."), code="minutes_not_locked"
            )
        author_name = getattr(getattr(actor, "member", None), "name", "") or getattr(actor, "username", "") or "system"
        correction = MinutesCorrection.objects.create(
            minutes=minutes,
            section=section,
            section_label=names[section],
            text=text,
            reason=reason,
            author=actor,
            author_name=author_name[:50],
        )
        audit.record(
            actor=actor,
            action="minutes.correct",
            obj=minutes,
            org_path=meeting.org.path,
            changes={"correction": correction.pk, "section": section, "reason": reason},
        )
    return correction


def _editable(actor, minutes: Minutes) -> Minutes:
    access.require_write(actor, minutes.meeting)
    locked = _lock(minutes)
    if locked.locked:
        raise _locked_error()
    return locked


def minutes_photo_add(*, actor, minutes: Minutes, photo, caption: str = "") -> MinutesPhoto:
    """Add a photo of the meeting: type sniffed, size bounded, re-encoded without EXIF/location."""
    access.require_write(actor, minutes.meeting)
    clean = images.clean_photo(photo)
    with transaction.atomic():
        minutes = _editable(actor, minutes)
        if minutes.photos.count() >= MAX_PHOTOS:
            raise DomainError(_("Minutes have at most %(n)d photos.") % {"n": MAX_PHOTOS}, field="photo")
        item = MinutesPhoto(
            minutes=minutes,
            width=clean.width,
            height=clean.height,
            caption=(caption or "").strip()[:100],
            uploaded_by=actor,
        )
        item.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean.content), save=False)
        try:
            item.save()
            audit.record(
                actor=actor,
                action="minutes.photo_add",
                obj=minutes,
                org_path=minutes.meeting.org.path,
                changes={"photo": item.pk, "bytes": len(clean.content), "location_stripped": clean.had_location},
            )
        except Exception:
            item.image.delete(save=False)
            raise
    return item


def minutes_photo_delete(*, actor, photo: MinutesPhoto) -> None:
    with transaction.atomic():
        minutes = _editable(actor, photo.minutes)
        audit.record(
            actor=actor,
            action="minutes.photo_delete",
            obj=minutes,
            org_path=minutes.meeting.org.path,
            changes={"photo": photo.pk},
        )
        name = photo.image.name
        photo.delete()
        transaction.on_commit(lambda: photo.image.storage.delete(name))


def _sniff_attachment(data: bytes, name: str) -> tuple[str, str]:
    """The extension and content type, checked against the content; DomainError otherwise."""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    refused = DomainError(
        _("Attach a PDF, Word (.docx), Excel (.xlsx) or PowerPoint (.pptx) file."), code="invalid_file", field="file"
    )
    if extension == "pdf":
        if not data.startswith(b"%PDF-"):
            raise refused
        return "pdf", "application/pdf"
    if extension not in _ZIP_KINDS or not data.startswith(b"PK\x03\x04"):
        raise refused
    folder, content_type = _ZIP_KINDS[extension]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        raise refused from None
    if "[Content_Types].xml" not in names or not any(n.startswith(folder) for n in names):
        raise refused
    return extension, content_type


def minutes_attachment_add(*, actor, minutes: Minutes, upload) -> MinutesAttachment:
    """Attach a document (PDF, DOCX, XLSX, PPTX; at most 10 MB), its type checked from the content."""
    access.require_write(actor, minutes.meeting)
    size = getattr(upload, "size", None)
    too_big = DomainError(
        _("An attachment is at most %(n)d MB.") % {"n": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
        code="invalid_file",
        field="file",
    )
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise too_big
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise too_big
    if not data:
        raise DomainError(_("The file is empty."), code="invalid_file", field="file")
    original = os.path.basename(str(getattr(upload, "name", "") or "")).strip() or "file"
    extension, content_type = _sniff_attachment(data, original)
    with transaction.atomic():
        minutes = _editable(actor, minutes)
        if minutes.attachments.count() >= MAX_ATTACHMENTS:
            raise DomainError(_("Minutes have at most %(n)d attachments.") % {"n": MAX_ATTACHMENTS}, field="file")
        item = MinutesAttachment(
            minutes=minutes, name=original[-120:], content_type=content_type, size=len(data), uploaded_by=actor
        )
        item.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        try:
            item.save()
            audit.record(
                actor=actor,
                action="minutes.attachment_add",
                obj=minutes,
                org_path=minutes.meeting.org.path,
                changes={"attachment": item.pk, "type": extension, "bytes": len(data)},
            )
        except Exception:
            item.file.delete(save=False)
            raise
    return item


def minutes_attachment_delete(*, actor, attachment: MinutesAttachment) -> None:
    with transaction.atomic():
        minutes = _editable(actor, attachment.minutes)
        audit.record(
            actor=actor,
            action="minutes.attachment_delete",
            obj=minutes,
            org_path=minutes.meeting.org.path,
            changes={"attachment": attachment.pk},
        )
        name = attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: attachment.file.storage.delete(name))
