"""Volunteer points (志愿服务积分): one balance per worker account and an append-only ledger.
Entries are never changed or deleted: a mistake is put right by a ``correct`` entry."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    CORRECT = "correct", _("Correction")
    EXPIRE = "expire", _("Expired")


class PointAccount(models.Model):
    """A worker's balance. The row is locked for every entry, so concurrent redemptions queue up
    and the balance can never go below zero (also a database constraint)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="point_account"
    )
    balance = models.IntegerField(_("balance"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [models.CheckConstraint(condition=models.Q(balance__gte=0), name="points_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.user} {self.balance}"


class PointEntry(models.Model):
    """One immutable ledger line. ``source`` (e.g. ``report:12``) makes an award idempotent."""

    account = models.ForeignKey(
        PointAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=200)
    source = models.CharField(_("source"), max_length=60, null=True, blank=True, unique=True)
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="points_entry_balance_not_negative"),
            models.CheckConstraint(
                condition=models.Q(kind="earn", points__gt=0)
                | models.Q(kind="redeem", points__lt=0)
                | models.Q(kind="expire", points__lt=0)
                | (models.Q(kind="correct") & ~models.Q(points=0)),
                name="points_entry_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"
