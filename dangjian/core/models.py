"""Core models: configurable policy values and the audit trail."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyValue(models.Model):
    """An administrator's override of a rule number for one region (an organisation subtree).

    ``scope_path`` is the organisation's materialized path; the longest matching prefix wins, the
    empty path is the platform-wide value, and a key with no row falls back to the code default.
    """

    key = models.CharField(_("key"), max_length=100)
    scope_path = models.CharField(_("organisation path"), max_length=255, blank=True, default="")
    value = models.JSONField(_("value"))
    updated_by_id = models.BigIntegerField(_("updated by"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy value")
        verbose_name_plural = _("policy values")
        constraints = [
            models.UniqueConstraint(fields=["key", "scope_path"], name="policy_value_unique_key_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.scope_path or '*'}={self.value!r}"


class AuditEntry(models.Model):
    """One audited action, written in the same transaction as the change it records.

    Append-only: nothing in the platform updates or deletes these rows. ``digest`` commits to the
    entry's own content at insert time, so no lock on a chain head is taken on the request path.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    org_path = models.CharField(_("organisation path"), max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_ip = models.CharField(_("client address"), max_length=64, blank=True)
    digest = models.CharField(_("digest"), max_length=64)
    block_seq = models.BigIntegerField(_("sealed in block"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["block_seq", "id"], name="audit_block_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"


class AuditBlock(models.Model):
    """A sealed block of audit entries. Each block commits to its entries (``entries_hash``) and to
    the previous block (``prev_hash``); see ``core.audit_chain`` for the exact constructions."""

    seq = models.BigIntegerField(_("sequence"), primary_key=True)
    entry_count = models.PositiveIntegerField(_("entries"))
    first_entry_id = models.BigIntegerField(_("first entry"))
    last_entry_id = models.BigIntegerField(_("last entry"))
    entries_hash = models.CharField(_("entries hash"), max_length=64)
    prev_hash = models.CharField(_("previous block hash"), max_length=64)
    block_hash = models.CharField(_("block hash"), max_length=64, unique=True)
    sealed_at = models.DateTimeField(_("sealed at"))

    class Meta:
        verbose_name = _("audit block")
        verbose_name_plural = _("audit blocks")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_entry_id__lte=models.F("last_entry_id")), name="audit_block_first_le_last"
            ),
            models.CheckConstraint(condition=models.Q(entry_count__gt=0), name="audit_block_not_empty"),
        ]

    def __str__(self) -> str:
        return f"block {self.seq} ({self.entry_count} entries)"
