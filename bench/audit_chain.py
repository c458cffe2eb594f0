"""The sealed audit chain: how fast the sealer and the verifier get through entries.

Inserts BENCH_AUDIT_ENTRIES (100,000) audit entries in bulk, each with its digest as
``core.audit.record`` computes it, into a throw-away database (SQLite in a temp dir by default, or
BENCH_DATABASE_URL for PostgreSQL, a database whose name starts with "bench": it is wiped). Then
times ``seal_all`` (blocks of 5,000) and ``verify_chain`` over all of them and prints entries/s.
The hash is the configured suite's (DANGJIAN_CRYPTO_SUITE: sm = SM3, intl = SHA-256).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", "100000"))
BATCH = 5000


def _setup_django() -> None:
    if not os.environ.get("DANGJIAN_DATA_KEYS"):
        from dangjian.core import crypto

        os.environ["DANGJIAN_DATA_KEYS"] = json.dumps(crypto.generate_keyring().to_json())
    from django.apps import apps

    if not apps.ready:
        tmp = tempfile.mkdtemp(prefix="dangjian-bench-")
        os.environ["DANGJIAN_VAR_DIR"] = tmp
        os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
        os.environ.setdefault("DANGJIAN_LOG_LEVEL", "WARNING")
        import django

        django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.settings_dict["NAME"].startswith("bench"):
        raise SystemExit("BENCH_DATABASE_URL must name a database starting with 'bench' (it is wiped)")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # after other benchmarks in the same run: start from no trail
        cursor.execute("DELETE FROM core_auditentry")
        cursor.execute("DELETE FROM core_auditblock")


def insert(n: int) -> float:
    """Bulk-insert ``n`` entries with their digests; returns the seconds taken."""
    from django.db import transaction

    from dangjian.core import crypto
    from dangjian.core.audit import _canonical
    from dangjian.core.models import AuditEntry

    actions = ["member.update", "member.create", "org.update", "role.assign", "auth.login", "member.reveal"]
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        batch = []
        for i in range(start, min(n, start + BATCH)):
            entry = AuditEntry(
                actor_id=1 + i % 500,
                actor_label=f"user{i % 500}",
                action=actions[i % len(actions)],
                object_type="members.member",
                object_id=str(i),
                object_repr=f"党员{i}",
                org_path=f"0001{i % 40:04d}{i % 120:04d}",
                changes={"mobile": ["***", "***"], "occupation": ["骑手", "快递员"]},
                request_id=f"req-{i:08x}",
                client_ip="10.0.0.1",
            )
            entry.digest = crypto.digest(_canonical(entry).encode())
            batch.append(entry)
        with transaction.atomic():
            AuditEntry.objects.bulk_create(batch, batch_size=1000)
    return time.perf_counter() - started


def main() -> None:
    _setup_django()
    from django.conf import settings
    from django.db import connection

    from dangjian.core import audit_chain, crypto

    insert_s = insert(ENTRIES)
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would have after a burst: without them the planner believes
        # the unsealed set is tiny and each sealing UPDATE walks all of it.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_auditentry")
    started = time.perf_counter()
    blocks = audit_chain.seal_all(max_entries=5000, settle_seconds=0)
    seal_s = time.perf_counter() - started
    started = time.perf_counter()
    result = audit_chain.verify_chain()
    verify_s = time.perf_counter() - started
    if not (result.ok and result.sealed_entries == ENTRIES and result.blocks == blocks):
        raise SystemExit(f"audit_chain: verification failed: {result}")
    print(
        f"\n== audit_chain on {connection.vendor}, suite {settings.CRYPTO_SUITE} ({crypto.hash_name()}): "
        f"{ENTRIES:,} entries"
    )
    print(f"{'operation':<50}{'seconds':>10}{'entries/s':>12}")
    for name, seconds in (
        ("bulk insert with digests (not the request path)", insert_s),
        (f"seal into {blocks} blocks of up to 5,000", seal_s),
        ("verify every entry and block", verify_s),
    ):
        print(f"{name:<50}{seconds:>10.2f}{ENTRIES / seconds:>12,.0f}")
    sys.stdout.flush()
