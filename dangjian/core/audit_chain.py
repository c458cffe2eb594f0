"""Sealing audit entries into hash-chained blocks, off the request path, and verifying the chain.

Requests only insert entries, each with its own ``digest`` (no lock on a chain head, so the trail
never throttles writes). A sealer (``manage.py audit_seal --follow``) takes the unsealed entries that
are older than a short settle delay, in id order, and seals them into the next block:

- ``entries_hash = H("\\n".join(f"{id}|{digest}|{created_at UTC ISO}" for each entry in id order))``
- ``block_hash  = H(f"{seq}|{entry_count}|{first_id}|{last_id}|{entries_hash}|{prev_hash}|{sealed_at UTC ISO}")``
- ``prev_hash`` is the previous block's ``block_hash`` (64 zeros for block 1)

``H`` is the suite's hash (SM3 or SHA-256). Entries join a block by ``block_seq``; an entry whose
transaction commits late (a lower id after higher ids were sealed) is simply sealed in a later
block, so nothing is skipped. Sealers serialise on a lock (a PostgreSQL advisory lock; SQLite's
write lock), so two sealers never fork the chain.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from . import crypto
from .audit import _canonical
from .models import AuditBlock, AuditEntry

GENESIS = "0" * 64
_ADVISORY_KEY = 0x64616E676A69616E  # "dangjian"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entries_hash(rows: list[tuple[int, str, dt.datetime]]) -> str:
    return crypto.digest("\n".join(f"{pk}|{digest}|{_iso(created)}" for pk, digest, created in rows).encode())


def block_hash(seq: int, count: int, first: int, last: int, e_hash: str, prev: str, sealed_at: dt.datetime) -> str:
    return crypto.digest(f"{seq}|{count}|{first}|{last}|{e_hash}|{prev}|{_iso(sealed_at)}".encode())


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_KEY])
    # SQLite: the project's IMMEDIATE transactions already hold the database write lock.


def seal_pending(max_entries: int = 5000, settle_seconds: float | None = None) -> AuditBlock | None:
    """Seal the oldest unsealed entries into one new block; None when there is nothing to seal.

    Another sealer holding the lock makes SQLite answer "locked" at once in some modes: retry then."""
    for attempt in range(20):
        try:
            return _seal_once(max_entries, settle_seconds)
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.02 * (attempt + 1))
    return None


def _seal_once(max_entries: int, settle_seconds: float | None) -> AuditBlock | None:
    settle = settle_seconds if settle_seconds is not None else getattr(settings, "AUDIT_SEAL_SETTLE_SECONDS", 2)
    with transaction.atomic():
        _lock()
        cutoff = timezone.now() - dt.timedelta(seconds=settle)
        rows = list(
            AuditEntry.objects.filter(block_seq__isnull=True, created_at__lte=cutoff)
            .order_by("id")
            .values_list("id", "digest", "created_at")[:max_entries]
        )
        if not rows:
            return None
        last = AuditBlock.objects.order_by("-seq").first()
        seq = (last.seq + 1) if last else 1
        prev = last.block_hash if last else GENESIS
        sealed_at = timezone.now()
        e_hash = entries_hash(rows)
        first_id, last_id = rows[0][0], rows[-1][0]
        block = AuditBlock.objects.create(
            seq=seq,
            entry_count=len(rows),
            first_entry_id=first_id,
            last_entry_id=last_id,
            entries_hash=e_hash,
            prev_hash=prev,
            block_hash=block_hash(seq, len(rows), first_id, last_id, e_hash, prev, sealed_at),
            sealed_at=sealed_at,
        )
        ids = [pk for pk, _, _ in rows]
        for start in range(0, len(ids), 900):  # stay under SQLite's parameter limit
            AuditEntry.objects.filter(pk__in=ids[start : start + 900], block_seq__isnull=True).update(block_seq=seq)
        return block


def seal_all(max_entries: int = 5000, settle_seconds: float | None = None) -> int:
    """Seal until nothing is left; returns the number of blocks made."""
    made = 0
    while seal_pending(max_entries, settle_seconds) is not None:
        made += 1
    return made


@dataclass
class VerifyResult:
    ok: bool = True
    blocks: int = 0
    sealed_entries: int = 0
    unsealed_entries: int = 0
    problem: str = ""
    entry_id: int | None = None
    block_seq: int | None = None
    details: list[str] = field(default_factory=list)

    def fail(self, problem: str, *, entry_id: int | None = None, block_seq: int | None = None) -> VerifyResult:
        if self.ok:
            self.ok, self.problem, self.entry_id, self.block_seq = False, problem, entry_id, block_seq
        return self


_CONTENT = [
    "id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "org_path",
    "changes",
    "request_id",
    "client_ip",
    "digest",
    "created_at",
    "block_seq",
]


def _entry_intact(entry: AuditEntry) -> bool:
    return crypto.constant_time_equal(crypto.digest(_canonical(entry).encode()), entry.digest)


def verify_chain(batch: int = 5000) -> VerifyResult:
    """Walk every block and entry: the first problem found is reported (and verification stops)."""
    result = VerifyResult()
    prev = GENESIS
    for block in AuditBlock.objects.order_by("seq").iterator(chunk_size=500):
        result.blocks += 1
        expected_seq = result.blocks
        if block.seq != expected_seq:
            return result.fail(
                f"block {expected_seq} is missing (found block {block.seq} next)", block_seq=expected_seq
            )
        if block.prev_hash != prev:
            return result.fail(f"block {block.seq} does not point to the previous block's hash", block_seq=block.seq)
        rows = []
        for entry in (
            AuditEntry.objects.filter(block_seq=block.seq).order_by("id").only(*_CONTENT).iterator(chunk_size=batch)
        ):
            if not _entry_intact(entry):
                return result.fail(
                    f"entry {entry.pk} was changed after it was written", entry_id=entry.pk, block_seq=block.seq
                )
            rows.append((entry.pk, entry.digest, entry.created_at))
        if len(rows) != block.entry_count or (
            rows and (rows[0][0], rows[-1][0]) != (block.first_entry_id, block.last_entry_id)
        ):
            return result.fail(
                f"block {block.seq} should hold {block.entry_count} entries "
                f"({block.first_entry_id}–{block.last_entry_id}) but holds {len(rows)}: "
                "entries were deleted or added",
                block_seq=block.seq,
            )
        if entries_hash(rows) != block.entries_hash:
            return result.fail(f"the entries of block {block.seq} no longer match its hash", block_seq=block.seq)
        recomputed = block_hash(
            block.seq,
            block.entry_count,
            block.first_entry_id,
            block.last_entry_id,
            block.entries_hash,
            block.prev_hash,
            block.sealed_at,
        )
        if recomputed != block.block_hash:
            return result.fail(f"block {block.seq} was altered", block_seq=block.seq)
        result.sealed_entries += len(rows)
        prev = block.block_hash
    stray = AuditEntry.objects.filter(block_seq__gt=result.blocks).order_by("id").first()
    if stray is not None:
        return result.fail(f"entry {stray.pk} claims a block that does not exist", entry_id=stray.pk)
    for entry in (
        AuditEntry.objects.filter(block_seq__isnull=True).order_by("id").only(*_CONTENT).iterator(chunk_size=batch)
    ):
        if not _entry_intact(entry):
            return result.fail(f"entry {entry.pk} (not yet sealed) was changed after it was written", entry_id=entry.pk)
        result.unsealed_entries += 1
    return result
