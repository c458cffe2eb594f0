"""Pages: a meeting's minutes (write, sign, correct, photos and attachments) and the DOCX/PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.errors import DomainError, NotFoundError
from dangjian.core.forms import run_service

from . import access, sections, selectors, services
from .api import document_response
from .forms import AttachmentForm, CorrectionForm, MinutesForm, PhotoForm
from .models import Minutes, MinutesAttachment, MinutesPhoto


def _back(minutes_or_meeting_id):
    return redirect("minutes:meeting", meeting_id=minutes_or_meeting_id)


def _try(request, call, done: str) -> None:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
def meeting_minutes(request, meeting_id):
    meeting = access.visible_meeting(request.user, meeting_id)
    try:
        minutes = selectors.minutes_of(request.user, meeting.pk)
    except NotFoundError:
        minutes = None
    can_write = access.can_write(request.user, meeting)
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "can_write": can_write,
        "is_host": access.is_host(request.user, meeting),
        "is_recorder": access.is_recorder(request.user, meeting),
    }
    if minutes is not None:
        editable = can_write and not minutes.locked
        context.update(
            {
                "labelled": sections.labelled(minutes),
                "form": MinutesForm(minutes=minutes) if editable else None,
                "photo_form": PhotoForm() if editable else None,
                "attachment_form": AttachmentForm() if editable else None,
                "correction_form": CorrectionForm(minutes=minutes)
                if minutes.locked and (can_write or context["is_host"])
                else None,
                "corrections": list(minutes.corrections.all()),
                "photos": list(minutes.photos.all()),
                "attachments": list(minutes.attachments.all()),
            }
        )
    return render(request, "minutes/minutes.html", context)


@login_required
@require_POST
def start(request, meeting_id):
    meeting = access.visible_meeting(request.user, meeting_id)
    access.require_write(request.user, meeting)
    _try(request, lambda: services.minutes_start(actor=request.user, meeting=meeting), _("The minutes were started."))
    return _back(meeting.pk)


@login_required
@require_POST
def edit(request, pk):
    minutes = selectors.minutes_by_id(request.user, pk)
    access.require_write(request.user, minutes.meeting)
    form = MinutesForm(request.POST, minutes=minutes)
    if form.is_valid() and run_service(
        form,
        lambda: services.minutes_update(
            actor=request.user,
            minutes=minutes,
            sections_text=form.section_texts(),
            resolutions=form.cleaned_data["resolutions"],
        ),
    ):
        messages.success(request, _("Saved."))
    else:
        _form_errors(request, form)
    return _back(minutes.meeting_id)


@login_required
@require_POST
def attendance(request, pk):
    minutes = selectors.minutes_by_id(request.user, pk)
    access.require_write(request.user, minutes.meeting)
    _try(
        request,
        lambda: services.minutes_refresh_attendance(actor=request.user, minutes=minutes),
        _("The attendance was taken again from the check-ins."),
    )
    return _back(minutes.meeting_id)


@login_required
@require_POST
def sign(request, pk):
    minutes = selectors.minutes_by_id(request.user, pk)
    _try(
        request,
        lambda: services.minutes_sign(actor=request.user, minutes=minutes, role=request.POST.get("role", "")),
        _("Signed."),
    )
    return _back(minutes.meeting_id)


@login_required
@require_POST
def correct(request, pk):
    minutes = selectors.minutes_by_id(request.user, pk)
    form = CorrectionForm(request.POST, minutes=minutes)
    if form.is_valid() and run_service(
        form, lambda: services.minutes_correct(actor=request.user, minutes=minutes, **form.cleaned_data)
    ):
        messages.success(request, _("The correction was added after the signatures."))
    else:
        _form_errors(request, form)
    return _back(minutes.meeting_id)


@login_required
@require_POST
def photo_add(request, pk):
    minutes = selectors.minutes_by_id(request.user, pk)
    access.require_write(request.user, minutes.meeting)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid() and run_service(
        form, lambda: services.minutes_photo_add(actor=request.user, minutes=minutes, **form.cleaned_data)
    ):
        messages.success(request, _("The photo was added."))
    else:
        _form_errors(request, form)
    return _back(minutes.meeting_id)


@login_required
@require_POST
def attachment_add(request, pk):
    minutes = selectors.minutes_by_id(request.user, pk)
    access.require_write(request.user, minutes.meeting)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid() and run_service(
        form,
        lambda: services.minutes_attachment_add(actor=request.user, minutes=minutes, upload=form.cleaned_data["file"]),
    ):
        messages.success(request, _("The file was attached."))
    else:
        _form_errors(request, form)
    return _back(minutes.meeting_id)


def _photo(request, pk) -> MinutesPhoto:
    item = (
        MinutesPhoto.objects.select_related("minutes__meeting__host", "minutes__meeting__recorder")
        .filter(pk=pk)
        .first()
    )
    if item is None or not access.can_view(request.user, item.minutes.meeting):
        raise Http404
    return item


def _attachment(request, pk) -> MinutesAttachment:
    item = (
        MinutesAttachment.objects.select_related("minutes__meeting__host", "minutes__meeting__recorder")
        .filter(pk=pk)
        .first()
    )
    if item is None or not access.can_view(request.user, item.minutes.meeting):
        raise Http404
    return item


@login_required
@require_POST
def photo_delete(request, pk):
    item = _photo(request, pk)
    access.require_write(request.user, item.minutes.meeting)
    _try(request, lambda: services.minutes_photo_delete(actor=request.user, photo=item), _("The photo was removed."))
    return _back(item.minutes.meeting_id)


@login_required
@require_POST
def attachment_delete(request, pk):
    item = _attachment(request, pk)
    access.require_write(request.user, item.minutes.meeting)
    _try(
        request,
        lambda: services.minutes_attachment_delete(actor=request.user, attachment=item),
        _("The attachment was removed."),
    )
    return _back(item.minutes.meeting_id)


@login_required
def photo(request, pk):
    item = _photo(request, pk)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def attachment(request, pk):
    item = _attachment(request, pk)
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, as_attachment=True, filename=item.name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def record(request, pk, fmt):
    minutes: Minutes = selectors.minutes_by_id(request.user, pk)
    return document_response(minutes, fmt)
