"""Notifications: in-app messages to a user, and each attempt to reach someone over an external
channel (SMS, WeChat...). Targets are stored masked only: the plaintext mobile is decrypted from
the member record at the moment of sending and never written anywhere."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DeliveryStatus


class Notification(models.Model):
    """One in-app message in a user's inbox. ``dedupe_key`` (when set) makes a repeated send of the
    same notice to the same user a no-op, e.g. one dues reminder per member per month."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, default="")
    url = models.CharField(_("link"), max_length=300, blank=True, default="")
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=120, blank=True, default="")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox (newest first) and the navbar's unread count both walk one user's rows.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe_per_recipient",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None


class Delivery(models.Model):
    """One message over an external channel to a member who has no login account (or, for a
    channel that reaches account holders, alongside an in-app notification). Failures are kept
    here with the error; nothing is raised into the request that caused the notice."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20)
    target_masked = models.CharField(_("target (masked)"), max_length=40, blank=True, default="")
    text = models.CharField(_("text"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True, default="")
    dedupe_key = models.CharField(_("deduplication key"), max_length=120, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "channel", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="delivery_dedupe_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False) | models.Q(member__isnull=False),
                name="delivery_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.target_masked}"
