"""Key rotation: re-encrypt every registered column under the current key, in resumable batches.

Rows already under the current key and suite are skipped, so an interrupted run simply continues
where it stopped. Readers keep working throughout: every key stays in the keyring until
:func:`retire_old_keys`, and lookups try the blind index under every key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from . import crypto


@dataclass
class RotationProgress:
    column: str
    done: int
    remaining: int


def _stale(column: crypto.EncryptedColumn) -> Q:
    ring = crypto.keyring()
    from django.conf import settings

    condition = ~Q(**{f"{column.cipher_field}__startswith": f"{settings.CRYPTO_SUITE}:{ring.encryption_current}:"})
    if column.index_field:
        condition |= ~Q(**{f"{column.index_field}__startswith": f"{settings.CRYPTO_SUITE}.{ring.blind_current}:"})
    non_empty = ~Q(**{column.cipher_field: ""}) & Q(**{f"{column.cipher_field}__isnull": False})
    return condition & non_empty


def count_stale() -> dict[str, int]:
    return {
        f"{c.model._meta.label}.{c.cipher_field}": c.model._default_manager.filter(_stale(c)).count()
        for c in crypto.encrypted_columns()
    }


def reencrypt_all(batch_size: int = 1000, report: Callable[[RotationProgress], None] | None = None) -> int:
    """Re-encrypt (and re-index) every stale value; returns the number of rows rewritten."""
    total = 0
    for column in crypto.encrypted_columns():
        manager = column.model._default_manager
        label = f"{column.model._meta.label}.{column.cipher_field}"
        last_pk = 0
        done = 0
        while True:
            with transaction.atomic():
                rows = list(
                    manager.select_for_update().filter(_stale(column), pk__gt=last_pk).order_by("pk")[:batch_size]
                )
                if not rows:
                    break
                fields = [column.cipher_field] + ([column.index_field] if column.index_field else [])
                for row in rows:
                    plain = crypto.decrypt(getattr(row, column.cipher_field), column.context)
                    setattr(row, column.cipher_field, crypto.encrypt(plain, column.context))
                    if column.index_field:
                        indexed = column.normalise(plain) if column.normalise else plain
                        setattr(row, column.index_field, crypto.blind_index(indexed, column.context))
                manager.bulk_update(rows, fields)
                last_pk = rows[-1].pk
                done += len(rows)
            if report:
                report(RotationProgress(label, done, manager.filter(_stale(column)).count()))
        total += done
    return total


def add_key(ring: crypto.Keyring, *, encryption: bool = True, blind_index: bool = False) -> crypto.Keyring:
    import secrets

    if encryption:
        key_id = crypto.new_key_id(ring.encryption_keys, "e")
        ring.encryption_keys[key_id] = secrets.token_bytes(32)
        ring.encryption_current = key_id
    if blind_index:
        key_id = crypto.new_key_id(ring.blind_keys, "b")
        ring.blind_keys[key_id] = secrets.token_bytes(32)
        ring.blind_current = key_id
    return ring


def retire_old_keys(ring: crypto.Keyring) -> list[str]:
    """Drop every non-current key. Refused while any row still needs an old key."""
    stale = {name: n for name, n in count_stale().items() if n}
    if stale:
        raise RuntimeError(f"rows still use old keys: {stale}; run rotate_keys to finish first")
    retired = [k for k in ring.encryption_keys if k != ring.encryption_current]
    retired += [k for k in ring.blind_keys if k != ring.blind_current]
    ring.encryption_keys = {ring.encryption_current: ring.encryption_keys[ring.encryption_current]}
    ring.blind_keys = {ring.blind_current: ring.blind_keys[ring.blind_current]}
    return retired
