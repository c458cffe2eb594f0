"""Writes owned by core: policy values (settings per region)."""

from __future__ import annotations

from django.db import transaction

from . import audit, policy, scope
from .models import PolicyValue


@transaction.atomic
def policy_set(*, actor, key: str, org, value) -> PolicyValue:
    """Set ``key`` for ``org``'s subtree (a region). ``org`` is any scoped object with a ``path``."""
    scope.require(actor, "policy.change", org)
    number = policy.clean_value(key, value)
    row = PolicyValue.objects.select_for_update().filter(key=key, scope_path=org.path).first()
    old = row.value if row else None
    if row is None:
        row = PolicyValue(key=key, scope_path=org.path)
    row.value = number
    row.updated_by_id = getattr(actor, "pk", None)  # None: the platform itself
    row.save()
    policy.changed()
    audit.record(actor=actor, action="policy.set", obj=row, org_path=org.path, changes={key: [old, number]})
    return row


@transaction.atomic
def policy_clear(*, actor, key: str, org) -> None:
    """Remove ``org``'s override so the region inherits the value from above."""
    scope.require(actor, "policy.change", org)
    row = PolicyValue.objects.select_for_update().filter(key=key, scope_path=org.path).first()
    if row is not None:
        audit.record(actor=actor, action="policy.clear", obj=row, org_path=org.path, changes={key: [row.value, None]})
        row.delete()
        policy.changed()
