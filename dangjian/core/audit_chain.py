"""Sealing audit entries into hash-chained blocks, off the request path, and verifying the chain.

Requests only insert entries, each with its own ``digest`` (no lock on a chain head, so the trail
never throttles writes). A sealer (``manage.py audit_seal --follow``) takes the unsealed entries that
are older than a short settle delay, in id order, and seals them into the next block:

- ``entries_hash = H("\\n".join(f"{id}|{digest}|{created_at UTC ISO}" for each entry in id order))``
- ``block_hash  = H(f"{seq}|{entry_count}|{first_id}|{last_id}|{entries_hash}|{prev_hash}|{sealed_at UTC ISO}")``
- ``prev_hash`` is the previous block's ``block_hash`` (64 zeros for block 1)

``H`` is the suite's hash (SM3 or SHA-256) when the block is sealed. Entries join a block by
``block_seq``; an entry whose transaction commits late (a lower id after higher ids were sealed) is
simply sealed in a later block, so nothing is skipped, and until then verification counts it as
not yet sealed. Sealers serialise on a lock (a PostgreSQL advisory lock; SQLite's write lock), and
``seq`` is the primary key, so two sealers never fork the chain.

Verification accepts either suite's hash for each entry digest and each block (the suite is a
setting that may be switched on a live deployment; a switch must not look like tampering). Each
block is checked under the one hash that reproduces its ``block_hash``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import crypto
from .audit import _canonical
from .models import AuditBlock, AuditEntry

GENESIS = "0" * 64
# Why verification failed (VerifyResult.reason; the API's ``reason``):
ENTRY_CHANGED = "entry_changed"  # an entry's content no longer matches its digest
ENTRY_MISSING = "entry_missing"  # a sealed block holds fewer entries than it sealed
ENTRY_ADDED = "entry_added"  # a sealed block holds more entries, or others, than it sealed
ENTRIES_HASH = "entries_hash"  # same count and range, but not the sealed entries (or digests)
PREV_HASH = "prev_hash"  # a block does not commit to the previous block
BLOCK_ALTERED = "block_altered"  # a block's own fields no longer match its block_hash
BLOCK_MISSING = "block_missing"  # a gap in the block sequence
ENTRY_STRAY = "entry_stray"  # an entry claims a block that does not exist
_ADVISORY_KEY = 0x64616E676A69616E  # "dangjian"
_HASHES = ("sm3", "sha256")  # the hashes of the two suites


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _h(data: str, hash_name: str | None) -> str:
    return hashlib.new(hash_name, data.encode()).hexdigest() if hash_name else crypto.digest(data.encode())


def entries_hash(rows: list[tuple[int, str, dt.datetime]], hash_name: str | None = None) -> str:
    """``rows`` are (id, digest, created_at) in id order; ``hash_name`` None = the current suite's."""
    return _h("\n".join(f"{pk}|{digest}|{_iso(created)}" for pk, digest, created in rows), hash_name)


def block_hash(
    seq: int,
    count: int,
    first: int,
    last: int,
    e_hash: str,
    prev: str,
    sealed_at: dt.datetime,
    hash_name: str | None = None,
) -> str:
    return _h(f"{seq}|{count}|{first}|{last}|{e_hash}|{prev}|{_iso(sealed_at)}", hash_name)


def _hash_names() -> tuple[str, ...]:
    current = crypto.hash_name()
    return (current, *(name for name in _HASHES if name != current))


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
        ids = [row[0] for row in rows]
        updated = 0
        step = (connection.features.max_query_params or len(ids) + 10) - 10  # SQLite: 999 parameters
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            updated += AuditEntry.objects.filter(pk__in=chunk, block_seq__isnull=True).update(block_seq=seq)
        if updated != len(ids):  # cannot happen under the lock; roll back rather than seal a lie
            raise RuntimeError(f"block {seq}: {len(ids)} entries selected but {updated} marked sealed")
        return block


def seal_all(max_entries: int = 5000, settle_seconds: float | None = None) -> int:
    """Seal until nothing is left; returns the number of blocks made."""
    made = 0
    while seal_pending(max_entries, settle_seconds) is not None:
        made += 1
    return made


@dataclass
class VerifyResult:
    """What :func:`verify_chain` found. ``problem`` is empty when ``ok``; otherwise it names the first
    broken entry (``entry_id``) and/or block (``block_seq``) and why. ``head_hash`` is the last
    verified block's hash: keep it outside the database (the cron log) so that a chain rebuilt from
    scratch by someone with write access to the database cannot pass for the original."""

    ok: bool = True
    reason: str = ""
    blocks: int = 0
    sealed_entries: int = 0
    unsealed_entries: int = 0
    problem: str = ""
    entry_id: int | None = None
    block_seq: int | None = None
    head_hash: str = GENESIS

    def fail(
        self, reason: str, problem: str, *, entry_id: int | None = None, block_seq: int | None = None
    ) -> VerifyResult:
        if self.ok:
            self.ok, self.reason, self.problem = False, reason, problem
            self.entry_id, self.block_seq = entry_id, block_seq
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


def _entry_intact(entry: AuditEntry, hash_names: tuple[str, ...]) -> bool:
    """The stored digest matches the entry's content under one of the suites' hashes."""
    canonical = _canonical(entry)
    return any(crypto.constant_time_equal(_h(canonical, name), entry.digest) for name in hash_names)


def verify_chain(batch: int = 5000) -> VerifyResult:
    """Walk every block and entry: the first problem found is reported (and verification stops).

    Safe beside a running sealer without a long transaction: the blocks are those that existed when
    verification began (sealed blocks never change), and an entry sealed into a newer block meanwhile
    is checked and counted as not yet sealed."""
    result = VerifyResult()
    names = _hash_names()
    head = AuditBlock.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    prev = GENESIS
    for block in AuditBlock.objects.filter(seq__lte=head).order_by("seq").iterator(chunk_size=500):
        result.blocks += 1
        expected_seq = result.blocks
        if block.seq != expected_seq:
            return result.fail(
                BLOCK_MISSING,
                _("Block %(seq)s is missing (block %(found)s follows block %(before)s).")
                % {"seq": expected_seq, "found": block.seq, "before": expected_seq - 1},
                block_seq=expected_seq,
            )
        if block.prev_hash != prev:
            return result.fail(
                PREV_HASH,
                _("Block %(seq)s does not point to the previous block's hash.") % {"seq": block.seq},
                block_seq=block.seq,
            )
        fields = (block.seq, block.entry_count, block.first_entry_id, block.last_entry_id, block.entries_hash)
        hash_name = next(
            (n for n in names if block_hash(*fields, block.prev_hash, block.sealed_at, n) == block.block_hash), None
        )
        if hash_name is None:
            return result.fail(
                BLOCK_ALTERED,
                _("Block %(seq)s was altered after it was sealed.") % {"seq": block.seq},
                block_seq=block.seq,
            )
        rows = []
        for entry in (
            AuditEntry.objects.filter(block_seq=block.seq).order_by("id").only(*_CONTENT).iterator(chunk_size=batch)
        ):
            if not _entry_intact(entry, names):
                return result.fail(
                    ENTRY_CHANGED,
                    _("Entry %(id)s was changed after it was written.") % {"id": entry.pk},
                    entry_id=entry.pk,
                    block_seq=block.seq,
                )
            rows.append((entry.pk, entry.digest, entry.created_at))
        if len(rows) != block.entry_count or (
            rows and (rows[0][0], rows[-1][0]) != (block.first_entry_id, block.last_entry_id)
        ):
            facts = {
                "seq": block.seq,
                "count": block.entry_count,
                "first": block.first_entry_id,
                "last": block.last_entry_id,
                "found": len(rows),
            }
            if len(rows) < block.entry_count:
                message = _(
                    "Block %(seq)s sealed %(count)s entries (ids %(first)s–%(last)s) but holds %(found)s: "
                    "entries were deleted or taken out of it."
                )
            else:
                message = _(
                    "Block %(seq)s sealed %(count)s entries (ids %(first)s–%(last)s) but holds %(found)s, "
                    "from id %(found_first)s to %(found_last)s: entries were added to it."
                )
                facts.update(found_first=rows[0][0] if rows else "-", found_last=rows[-1][0] if rows else "-")
            reason = ENTRY_MISSING if len(rows) < block.entry_count else ENTRY_ADDED
            return result.fail(reason, message % facts, block_seq=block.seq)
        if entries_hash(rows, hash_name) != block.entries_hash:
            return result.fail(
                ENTRIES_HASH,
                _("The entries of block %(seq)s no longer match its entries hash.") % {"seq": block.seq},
                block_seq=block.seq,
            )
        result.sealed_entries += len(rows)
        prev = result.head_hash = block.block_hash
    if result.blocks != head:  # the head block was deleted while we walked (or seq values were rewritten)
        return result.fail(
            BLOCK_MISSING,
            _("Block %(seq)s is missing.") % {"seq": result.blocks + 1},
            block_seq=result.blocks + 1,
        )
    # An entry pointing at no block would be neither sealed nor unsealed: never let it go uncounted.
    # Blocks above ``head`` may have been sealed since we started; they must exist (same transaction).
    newer = set(AuditEntry.objects.filter(block_seq__gt=head).order_by().values_list("block_seq", flat=True).distinct())
    newer -= set(AuditBlock.objects.filter(seq__in=newer).values_list("seq", flat=True))
    stray = (
        AuditEntry.objects.filter(Q(block_seq__lt=1) | Q(block_seq__in=newer))
        .order_by("id")
        .values_list("id", "block_seq")
        .first()
    )
    if stray is not None:
        return result.fail(
            ENTRY_STRAY,
            _("Entry %(id)s claims block %(seq)s, which does not exist.") % {"id": stray[0], "seq": stray[1]},
            entry_id=stray[0],
        )
    for entry in (
        AuditEntry.objects.filter(Q(block_seq__isnull=True) | Q(block_seq__gt=head))
        .order_by("id")
        .only(*_CONTENT)
        .iterator(chunk_size=batch)
    ):
        if not _entry_intact(entry, names):
            return result.fail(
                ENTRY_CHANGED,
                _("Entry %(id)s (not yet sealed) was changed after it was written.") % {"id": entry.pk},
                entry_id=entry.pk,
            )
        result.unsealed_entries += 1
    return result
