"""Writing audit entries. Services call :func:`record` inside their transaction."""

from __future__ import annotations

import json
from typing import Any

from django.db import models, transaction

from . import context, crypto
from .models import AuditEntry

MASK = "***"


def changed_fields(
    before: dict[str, Any], after: dict[str, Any], sensitive: frozenset[str] = frozenset()
) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields whose value changed; sensitive values are masked."""
    diff: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            diff[key] = [MASK, MASK] if key in sensitive else [_plain(old), _plain(new)]
    return diff


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return str(value)


def _entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    org_path: str = "",
    changes: dict[str, Any] | None = None,
    object_repr: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    entry = AuditEntry(
        actor_id=actor_id,
        actor_label=(getattr(actor, "username", "") or "")[:150] if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        org_path=org_path,
        changes=changes or {},
        request_id=context.request_id.get(),
        client_ip=context.client_ip.get(),
    )
    entry.digest = crypto.digest(_canonical(entry).encode())
    return entry


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    org_path: str = "",
    changes: dict[str, Any] | None = None,
    object_repr: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change being recorded."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the change's transaction")
    entry = _entry(
        actor=actor,
        action=action,
        obj=obj,
        org_path=org_path,
        changes=changes,
        object_repr=object_repr,
        object_type=object_type,
        object_id=object_id,
    )
    entry.save(force_insert=True)
    return entry


def prepare(**kwargs: Any) -> AuditEntry:
    """An unsaved entry with its digest (:func:`record`'s keyword arguments), for a service that
    writes it within a single statement of its own change (one statement is one transaction)."""
    return _entry(**kwargs)


def record_many(items: list[dict[str, Any]]) -> list[AuditEntry]:
    """Append many entries in one insert (bulk imports): each item takes :func:`record`'s keyword
    arguments and gets the same fields and digest. Must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must be called inside the change's transaction")
    return AuditEntry.objects.bulk_create([_entry(**item) for item in items], batch_size=500)


def _canonical(entry: AuditEntry) -> str:
    return json.dumps(
        [
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_repr,
            entry.org_path,
            entry.changes,
            entry.request_id,
            entry.client_ip,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
