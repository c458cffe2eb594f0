"""Sealing the audit trail into hash-chained blocks, and catching every kind of tampering."""

import datetime as dt
import itertools
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test import override_settings
from django.utils import timezone, translation

from dangjian.core import audit, audit_chain, crypto
from dangjian.core.models import AuditBlock, AuditEntry


def write(n: int, action: str = "test.action") -> list[AuditEntry]:
    entries = []
    with transaction.atomic():
        for i in range(n):
            entries.append(
                audit.record(actor=None, action=action, object_type="t", object_id=str(i), changes={"n": [None, i]})
            )
    return entries


@pytest.fixture
def no_settle(settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 0


def test_sealing_builds_the_documented_hashes(db, no_settle):
    entries = write(3)
    block = audit_chain.seal_pending()
    assert (block.seq, block.entry_count, block.prev_hash) == (1, 3, "0" * 64)
    rows = sorted(AuditEntry.objects.values_list("id", "digest", "created_at"))
    lines = "\n".join(f"{pk}|{d}|{c.astimezone(dt.UTC).isoformat(timespec='microseconds')}" for pk, d, c in rows)
    assert block.entries_hash == crypto.digest(lines.encode())
    assert block.block_hash == crypto.digest(
        f"1|3|{entries[0].pk}|{entries[2].pk}|{block.entries_hash}|{'0' * 64}|"
        f"{block.sealed_at.astimezone(dt.UTC).isoformat(timespec='microseconds')}".encode()
    )
    write(2)
    second = audit_chain.seal_pending()
    assert second.seq == 2 and second.prev_hash == block.block_hash and second.entry_count == 2
    assert audit_chain.seal_pending() is None
    result = audit_chain.verify_chain()
    assert (result.ok, result.blocks, result.sealed_entries, result.unsealed_entries) == (True, 2, 5, 0)


def test_settle_delay_leaves_fresh_entries_unsealed(db, settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 60
    write(2)
    assert audit_chain.seal_pending() is None
    AuditEntry.objects.filter(pk=AuditEntry.objects.order_by("id").first().pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert audit_chain.seal_pending().entry_count == 1
    result = audit_chain.verify_chain()
    assert (result.ok, result.sealed_entries, result.unsealed_entries) == (True, 1, 1)


def test_late_committing_lower_id_is_sealed_in_a_later_block(db, no_settle):
    first, second = write(2)
    AuditEntry.objects.filter(pk=first.pk).update(block_seq=None)
    AuditEntry.objects.filter(pk=second.pk).update(created_at=timezone.now())
    # Seal only the higher id, as if the lower one had not committed yet.
    AuditEntry.objects.filter(pk=first.pk).update(created_at=timezone.now() + dt.timedelta(hours=1))
    assert audit_chain.seal_pending().last_entry_id == second.pk
    AuditEntry.objects.filter(pk=first.pk).update(created_at=first.created_at)
    late = audit_chain.seal_pending()
    assert (late.seq, late.first_entry_id) == (2, first.pk)
    assert audit_chain.verify_chain().ok


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_tampered_entry_content_is_reported(db, no_settle):
    entries = write(3)
    audit_chain.seal_all()
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["forged", entries[1].pk])
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.entry_id, result.block_seq) == (False, "entry_changed", entries[1].pk, 1)
    with translation.override("en"):
        assert audit_chain.verify_chain().problem == f"Entry {entries[1].pk} was changed after it was written."


def test_tampered_unsealed_entry_is_reported(db, settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 3600
    entries = write(2)
    _raw("UPDATE core_auditentry SET action = %s WHERE id = %s", ["role.revoke", entries[0].pk])
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.entry_id, result.block_seq) == (
        False,
        "entry_changed",
        entries[0].pk,
        None,
    )


def test_deleted_entry_is_reported(db, no_settle):
    entries = write(4)
    audit_chain.seal_all()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.block_seq, result.entry_id) == (False, "entry_missing", 1, None)
    with translation.override("en"):
        assert audit_chain.verify_chain().problem == (
            f"Block 1 sealed 4 entries (ids {entries[0].pk}–{entries[3].pk}) but holds 3: "
            "entries were deleted or taken out of it."
        )


def test_entry_slipped_into_a_sealed_block_is_reported(db, no_settle):
    first = write(2)[0]
    audit_chain.seal_all()
    extra = write(1)[0]
    AuditEntry.objects.filter(pk=extra.pk).update(block_seq=1)
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.block_seq) == (False, "entry_added", 1)
    with translation.override("en"):
        assert audit_chain.verify_chain().problem.endswith(
            f"holds 3, from id {first.pk} to {extra.pk}: entries were added to it."
        )


def test_altered_block_is_reported(db, no_settle):
    write(2)
    audit_chain.seal_all()
    write(2)
    audit_chain.seal_all()
    AuditBlock.objects.filter(seq=2).update(prev_hash="f" * 64)
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.block_seq) == (False, "prev_hash", 2)
    AuditBlock.objects.filter(seq=2).update(
        prev_hash=AuditBlock.objects.get(seq=1).block_hash, sealed_at=timezone.now()
    )
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.block_seq) == (False, "block_altered", 2)


def test_missing_block_is_reported(db, no_settle):
    for _ in range(3):
        write(1)
        audit_chain.seal_all()
    AuditEntry.objects.filter(block_seq=2).delete()
    AuditBlock.objects.filter(seq=2).delete()
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.block_seq) == (False, "block_missing", 2)


def test_rewritten_entry_with_a_fresh_digest_is_caught_by_the_block(db, no_settle):
    """Someone who changes an entry and recomputes its digest still breaks the block's entries hash."""
    entries = write(3)
    audit_chain.seal_all()
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.object_repr = "forged"
    forged.digest = crypto.digest(audit._canonical(forged).encode())
    _raw(
        "UPDATE core_auditentry SET object_repr = %s, digest = %s WHERE id = %s",
        [forged.object_repr, forged.digest, forged.pk],
    )
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.block_seq, result.entry_id) == (False, "entries_hash", 1, None)


def test_verify_command_exit_codes(db, no_settle, capsys):
    entries = write(2)
    call_command("audit_seal")
    write(1)
    with override_settings(AUDIT_SEAL_SETTLE_SECONDS=3600):
        call_command("audit_seal")
    call_command("audit_verify")
    head = AuditBlock.objects.get()
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "OK: 2 entries in 1 blocks, 1 not yet sealed",
        f"head: block 1 {head.block_hash}",
    ]
    _raw("UPDATE core_auditentry SET changes = %s WHERE id = %s", ['{"n": [null, 99]}', entries[0].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip() == (
        f"BROKEN (block 1, entry {entries[0].pk}) entry_changed: "
        f"Entry {entries[0].pk} was changed after it was written."
    )


def test_entry_pointing_at_no_block_is_reported(db, no_settle):
    """Moving an unsealed entry out of view (block 0, or a block never sealed) must not hide it."""
    entries = write(3)
    audit_chain.seal_all()
    extra = write(1)[0]
    for bogus in (0, -1, 7):
        AuditEntry.objects.filter(pk=extra.pk).update(block_seq=bogus)
        result = audit_chain.verify_chain()
        assert (result.ok, result.entry_id) == (False, extra.pk)
        assert result.reason == "entry_stray"
        with translation.override("en"):
            assert audit_chain.verify_chain().problem == f"Entry {extra.pk} claims block {bogus}, which does not exist."
    AuditEntry.objects.filter(pk=extra.pk).update(block_seq=None)
    assert audit_chain.verify_chain().ok
    AuditEntry.objects.filter(pk=entries[0].pk).update(block_seq=None)  # unsealing a sealed entry
    result = audit_chain.verify_chain()
    assert (result.ok, result.reason, result.block_seq) == (False, "entry_missing", 1)


def test_last_block_deleted_is_reported_against_the_kept_head_hash(db, no_settle):
    """Cutting blocks off the end leaves a shorter valid chain: the head hash kept outside the
    database (printed by audit_verify) is what shows it."""
    write(1)
    audit_chain.seal_all()
    write(1)
    audit_chain.seal_all()
    kept = audit_chain.verify_chain().head_hash
    AuditEntry.objects.filter(block_seq=2).delete()
    AuditBlock.objects.filter(seq=2).delete()
    result = audit_chain.verify_chain()
    assert result.ok and result.head_hash != kept and result.head_hash == AuditBlock.objects.get(seq=1).block_hash


def test_switching_the_crypto_suite_is_not_tampering(db, no_settle, settings):
    settings.CRYPTO_SUITE = "intl"
    old = write(2)
    first = audit_chain.seal_pending()
    assert first.block_hash == audit_chain.block_hash(
        1, 2, old[0].pk, old[1].pk, first.entries_hash, "0" * 64, first.sealed_at, "sha256"
    )
    settings.CRYPTO_SUITE = "sm"
    straddling = write(1)  # written under sm, then an intl-era entry left unsealed and sealed under sm
    second = audit_chain.seal_pending()
    assert second.block_hash == audit_chain.block_hash(
        2, 1, straddling[0].pk, straddling[0].pk, second.entries_hash, first.block_hash, second.sealed_at, "sm3"
    )
    result = audit_chain.verify_chain()
    assert (result.ok, result.blocks, result.sealed_entries) == (True, 2, 3)
    _raw("UPDATE core_auditentry SET object_id = %s WHERE id = %s", ["x", old[1].pk])
    assert audit_chain.verify_chain().entry_id == old[1].pk
    _raw("UPDATE core_auditentry SET object_id = %s WHERE id = %s", ["1", old[1].pk])
    assert audit_chain.verify_chain().ok
    AuditBlock.objects.filter(seq=1).update(entry_count=3)
    assert audit_chain.verify_chain().reason == "block_altered"


def test_verification_beside_a_sealer_counts_newly_sealed_entries_as_unsealed(db, no_settle, monkeypatch):
    """A block sealed while verification walks must neither break it nor lose entries from the counts."""
    write(2)
    audit_chain.seal_all()
    write(3)
    real_iterator = AuditEntry.objects.none().iterator.__func__
    sealed_meanwhile = []

    def iterator(self, *args, **kwargs):
        if not sealed_meanwhile:
            sealed_meanwhile.append(audit_chain.seal_pending())  # the sealer wins a race mid-walk
        return real_iterator(self, *args, **kwargs)

    monkeypatch.setattr(type(AuditEntry.objects.none()), "iterator", iterator)
    result = audit_chain.verify_chain()
    assert sealed_meanwhile[0].seq == 2
    assert (result.ok, result.blocks, result.sealed_entries, result.unsealed_entries) == (True, 1, 2, 3)


def test_a_lower_id_committing_after_a_sealed_higher_id_is_not_skipped(transactional_db, no_settle):
    """PostgreSQL hands out ids before commit. On SQLite the scenario cannot happen (an id is
    allocated under the database write lock, held until commit); the simulated test above covers it."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite allocates ids under a write lock held until commit")
    inserted, commit = threading.Event(), threading.Event()
    late = []

    def slow_writer():
        try:
            with transaction.atomic():
                late.append(audit.record(actor=None, action="test.slow", object_type="t"))
                inserted.set()
                commit.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    fast = write(1)[0]
    assert fast.pk > late[0].pk
    block = audit_chain.seal_pending()
    assert (block.first_entry_id, block.last_entry_id) == (fast.pk, fast.pk)
    assert audit_chain.verify_chain().unsealed_entries == 0  # the uncommitted entry is not visible yet
    commit.set()
    thread.join()
    result = audit_chain.verify_chain()
    assert (result.ok, result.sealed_entries, result.unsealed_entries) == (True, 1, 1)
    block = audit_chain.seal_pending()
    assert (block.seq, block.first_entry_id, block.entry_count) == (2, late[0].pk, 1)
    assert audit_chain.verify_chain().sealed_entries == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_never_fork_the_chain(settings):
    """Runs on both backends: PostgreSQL sealers queue on the advisory lock, SQLite's on its write lock."""
    settings.AUDIT_SEAL_SETTLE_SECONDS = 0
    write(60)
    errors, made = [], []
    start = threading.Barrier(3)

    def sealer():
        try:
            start.wait(10)
            for _ in range(15):
                block = audit_chain.seal_pending(max_entries=3)
                if block is not None:
                    made.append(block.seq)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def writer():
        try:
            start.wait(10)
            for i in range(10):
                for attempt in range(50):
                    try:
                        write(2, action=f"test.during.{i}")
                        break
                    except OperationalError as exc:
                        # The SQLite test database is in memory with a shared cache: a held table lock
                        # fails at once ("table is locked") instead of waiting out busy_timeout.
                        if "locked" not in str(exc) or attempt == 49:
                            raise
                        time.sleep(0.01)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer), threading.Thread(target=sealer), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(made) == list(range(1, len(made) + 1))  # no seq made twice, none skipped
    audit_chain.seal_all()
    blocks = list(AuditBlock.objects.order_by("seq"))
    assert [b.seq for b in blocks] == list(range(1, len(blocks) + 1))
    assert all(b.prev_hash == a.block_hash for a, b in itertools.pairwise(blocks))
    assert sum(b.entry_count for b in blocks) == AuditEntry.objects.count() == 80
    assert AuditEntry.objects.filter(block_seq__isnull=True).count() == 0
    result = audit_chain.verify_chain()
    assert (result.ok, result.blocks, result.sealed_entries, result.unsealed_entries) == (True, len(blocks), 80, 0)
