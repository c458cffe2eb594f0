"""Sealing the audit trail into hash-chained blocks, and catching every kind of tampering."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

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
    assert not result.ok and result.entry_id == entries[1].pk and "changed" in result.problem


def test_tampered_unsealed_entry_is_reported(db, settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 3600
    entries = write(2)
    _raw("UPDATE core_auditentry SET action = %s WHERE id = %s", ["role.revoke", entries[0].pk])
    result = audit_chain.verify_chain()
    assert not result.ok and result.entry_id == entries[0].pk


def test_deleted_entry_is_reported(db, no_settle):
    entries = write(4)
    audit_chain.seal_all()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    result = audit_chain.verify_chain()
    assert not result.ok and result.block_seq == 1 and "deleted or added" in result.problem


def test_entry_slipped_into_a_sealed_block_is_reported(db, no_settle):
    write(2)
    audit_chain.seal_all()
    extra = write(1)[0]
    AuditEntry.objects.filter(pk=extra.pk).update(block_seq=1)
    assert audit_chain.verify_chain().problem.startswith("block 1 should hold 2 entries")


def test_altered_block_is_reported(db, no_settle):
    write(2)
    audit_chain.seal_all()
    write(2)
    audit_chain.seal_all()
    AuditBlock.objects.filter(seq=2).update(prev_hash="f" * 64)
    result = audit_chain.verify_chain()
    assert not result.ok and result.block_seq == 2 and "previous block" in result.problem
    AuditBlock.objects.filter(seq=2).update(
        prev_hash=AuditBlock.objects.get(seq=1).block_hash, sealed_at=timezone.now()
    )
    assert audit_chain.verify_chain().problem == "block 2 was altered"


def test_missing_block_is_reported(db, no_settle):
    for _ in range(3):
        write(1)
        audit_chain.seal_all()
    AuditEntry.objects.filter(block_seq=2).delete()
    AuditBlock.objects.filter(seq=2).delete()
    assert not audit_chain.verify_chain().ok


def test_verify_command_exit_codes(db, no_settle, capsys):
    entries = write(2)
    call_command("audit_seal")
    call_command("audit_verify")
    assert capsys.readouterr().out.splitlines()[-1] == "OK: 2 entries, 2 sealed in 1 block(s), 0 not yet sealed"
    _raw("UPDATE core_auditentry SET changes = %s WHERE id = %s", ['{"n": [null, 99]}', entries[0].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    assert exit_info.value.code == 1
    assert f"entry {entries[0].pk}" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_never_fork_the_chain(settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 0
    write(40)
    errors = []

    def sealer():
        try:
            for _ in range(10):
                audit_chain.seal_pending(max_entries=3)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    audit_chain.seal_all()
    assert errors == []
    seqs = list(AuditBlock.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert AuditEntry.objects.filter(block_seq__isnull=True).count() == 0
    assert audit_chain.verify_chain().ok
