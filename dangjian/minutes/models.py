"""Minutes (会议记录) of a meeting, their photos and attachments, and corrections after sign-off."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Minutes(models.Model):
    """The record of one meeting. ``sections`` is the list of the kind's template sections
    (``[{"key", "label", "text"}]``); ``attendance`` is the snapshot of who was present, on leave
    and absent (with reasons) taken from the meeting's check-ins and leave requests. Host and
    recorder each sign as themselves; once both have signed the minutes are locked and only
    :class:`MinutesCorrection` rows are added."""

    meeting = models.OneToOneField(
        "meetings.Meeting", verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="minutes"
    )
    sections = models.JSONField(_("sections"), default=list)
    resolutions = models.TextField(_("resolutions"), max_length=8000, blank=True, default="")
    attendance = models.JSONField(_("attendance"), default=dict)
    host_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by the host"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    host_signed_at = models.DateTimeField(_("host signed at"), null=True, blank=True)
    recorder_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by the recorder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder_signed_at = models.DateTimeField(_("recorder signed at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(locked_at__isnull=True) | Q(host_signed_at__isnull=False, recorder_signed_at__isnull=False),
                name="minutes_locked_only_when_both_signed",
            ),
            models.CheckConstraint(
                condition=Q(host_signed_at__isnull=True, host_signed_by__isnull=True)
                | Q(host_signed_at__isnull=False, host_signed_by__isnull=False),
                name="minutes_host_signature_complete",
            ),
            models.CheckConstraint(
                condition=Q(recorder_signed_at__isnull=True, recorder_signed_by__isnull=True)
                | Q(recorder_signed_at__isnull=False, recorder_signed_by__isnull=False),
                name="minutes_recorder_signature_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}"

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


def _photo_path(instance, filename: str) -> str:
    return f"minutes/{instance.minutes_id}/photos/{filename}"


def _attachment_path(instance, filename: str) -> str:
    return f"minutes/{instance.minutes_id}/files/{filename}"


class MinutesPhoto(models.Model):
    """A photo of the meeting, re-encoded on upload (no EXIF, no location)."""

    minutes = models.ForeignKey(Minutes, verbose_name=_("minutes"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=_photo_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    caption = models.CharField(_("caption"), max_length=100, blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("minutes photo")
        verbose_name_plural = _("minutes photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.minutes_id} #{self.pk}"


class MinutesAttachment(models.Model):
    """A document attached to the minutes (sign-in sheet scan, slides, resolution text). The type is
    sniffed from the content; the stored name is generated, the original name kept for display."""

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_attachment_path)
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("minutes attachment")
        verbose_name_plural = _("minutes attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class MinutesCorrection(models.Model):
    """A correction appended after sign-off: the signed text is never edited; readers see the
    correction, its reason, author and time after the signatures."""

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.PROTECT, related_name="corrections"
    )
    section = models.CharField(_("section"), max_length=40)
    section_label = models.CharField(_("section name"), max_length=60)
    text = models.TextField(_("corrected text"), max_length=4000)
    reason = models.CharField(_("reason"), max_length=300)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(_("author's name"), max_length=50)
    created_at = models.DateTimeField(_("corrected at"), default=timezone.now)

    class Meta:
        verbose_name = _("minutes correction")
        verbose_name_plural = _("minutes corrections")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.minutes_id}: {self.section_label}"
