"""The audit trail as the audit administrator sees it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from dangjian.core import scope
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import PartyOrganisation


def entry_list(
    user,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries in the user's scope. An auditor whose scope includes a whole tree (a root organisation)
    also sees entries tied to no organisation (failed logins of unknown names, system jobs)."""
    user_scope = scope.scope_for(user, "audit.view")
    condition = user_scope.q("org_path")
    if any(len(path) == PartyOrganisation.steplen for path in user_scope.paths):
        condition |= Q(org_path="")
    entries = AuditEntry.objects.filter(condition)
    if actor:
        entries = entries.filter(actor_label__iexact=actor.strip())
    if action:
        entries = entries.filter(action__startswith=action.strip())
    if object_type:
        entries = entries.filter(object_type=object_type.strip())
    if object_id:
        entries = entries.filter(object_id=object_id.strip())
    if since:
        entries = entries.filter(created_at__gte=since)
    if until:
        entries = entries.filter(created_at__lt=until)
    return entries.order_by("-id")


def chain_status() -> dict:
    """Cheap facts for the page banner; full verification is on demand (it reads every entry)."""
    from dangjian.core.models import AuditBlock

    last = AuditBlock.objects.order_by("-seq").first()
    return {
        "blocks": last.seq if last else 0,
        "last_sealed_at": last.sealed_at if last else None,
        "unsealed": AuditEntry.objects.filter(block_seq__isnull=True).count(),
    }
