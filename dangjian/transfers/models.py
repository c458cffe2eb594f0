"""Organisational-relationship transfers (组织关系转接) between organisations, and outward letters."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import TransferKind, TransferStatus


class Transfer(models.Model):
    """One transfer of a member's relationship. The source issues it; the target (on the platform)
    accepts or rejects it, or, for an outward transfer, the receipt (回执) is registered when it
    comes back. The member's organisation changes only on acceptance. Rows are never deleted: they
    are the history."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="transfers"
    )
    kind = models.CharField(_("scope"), max_length=20, choices=TransferKind.choices)
    source_org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("issuing organisation"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    target_org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("receiving organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    target_name = models.CharField(_("receiving organisation"), max_length=120)
    target_address = models.CharField(_("address of the receiving organisation"), max_length=200, blank=True)
    in_city = models.BooleanField(_("within the same city"), default=True)
    dues_paid_until = models.DateField(_("dues paid up to (month)"))
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING, db_index=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    verify_code = models.CharField(_("verification code"), max_length=24, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    receipt_on = models.DateField(_("receipt returned on"), null=True, blank=True)
    reissue_of = models.OneToOneField(
        "self",
        verbose_name=_("reissue of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_as",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("relationship transfer")
        verbose_name_plural = _("relationship transfers")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["status", "valid_until"], name="transfer_status_valid_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(status="pending"), name="transfer_one_pending_per_member"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("issued_on")), name="transfer_valid_after_issue"
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="outward", target_org__isnull=True) & ~models.Q(target_address=""))
                | (~models.Q(kind="outward") & models.Q(target_org__isnull=False)),
                name="transfer_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_number} {self.member}"

    @property
    def letter_number(self) -> str:
        return f"{self.issued_on:%Y}-{self.pk or 0:06d}"

    def is_expired(self, today=None) -> bool:
        """A pending transfer past its validity: flagged, cannot be accepted, can be reissued."""
        today = today or timezone.localdate()
        return self.status == TransferStatus.PENDING and self.valid_until < today

    @property
    def expired(self) -> bool:
        return self.is_expired()
