"""Backup and restore drill: dump a PostgreSQL database, restore the dump into a fresh database,
and prove the copy is whole and usable.

    DATABASE_URL=postgres://user@host:5432/dangjian make restore-drill
    .venv/bin/python ops/restore_drill.py [--source URL] [--backup-dir DIR] [--keep]

1. Exports a snapshot of the source (``pg_export_snapshot`` in a REPEATABLE READ transaction) and
   counts the rows of every table in that snapshot, then ``pg_dump --format=custom --snapshot`` dumps
   exactly that state, so the counts compare exactly even while the application keeps writing.
2. Creates a fresh database ``<source>_restore_<time>`` and ``pg_restore --exit-on-error`` into it.
3. Against the copy: ``manage.py migrate --check`` (no migration is missing), ``manage.py
   audit_verify`` (the hash-chained audit trail is intact) and the row counts of every table.
4. Drops the copy (``--keep`` leaves it), keeps the dump in the backup directory (``var/backups``),
   and exits 0 only when every check passed.

Nothing is written to the source. The application's keys (``DANGJIAN_DATA_KEYS`` or the key file)
are not in the dump: keep them apart from it (docs/operations.md, "Keys").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _libpq(url: str) -> str:
    """psycopg and the pg_* tools take the same URL; Django's ``postgres://`` scheme is accepted too."""
    return url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url


def _counts(connection) -> dict[str, int]:
    tables = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    return {
        name: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]
        for (name,) in tables
    }


def _step(title: str) -> float:
    print(f"- {title} ...", flush=True)
    return time.perf_counter()


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "DANGJIAN_LOG_LEVEL": "WARNING"}
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def drill(source: str, backup_dir: Path, keep: bool = False) -> bool:
    if urlsplit(source).scheme not in {"postgres", "postgresql"}:
        print("restore drill: the source must be a PostgreSQL URL (DATABASE_URL=postgres://…)", file=sys.stderr)
        return False
    name = urlsplit(source).path.lstrip("/")
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    target_name = f"{name}_restore_{stamp}"[:63]
    target = _with_database(source, target_name)
    backup_dir.mkdir(parents=True, exist_ok=True)
    dump = backup_dir / f"{name}-{stamp}.dump"
    ok = True
    started = time.perf_counter()
    with psycopg.connect(_libpq(source), autocommit=False) as snapshot_holder:
        snapshot_holder.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = snapshot_holder.execute("SELECT pg_export_snapshot()").fetchone()[0]
        t = _step(f"counting the rows of {name} in snapshot {snapshot}")
        source_counts = _counts(snapshot_holder)
        print(f"  {len(source_counts)} tables, {sum(source_counts.values()):,} rows ({time.perf_counter() - t:.1f} s)")
        t = _step(f"pg_dump --format=custom --snapshot={snapshot} -> {dump}")
        subprocess.run(  # noqa: S603
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", _libpq(source)],  # noqa: S607
            check=True,
        )
        print(f"  {dump.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - t:.1f} s)")
    with psycopg.connect(_libpq(_with_database(source, "postgres")), autocommit=True) as admin:
        t = _step(f"creating {target_name} and restoring the dump into it")
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target_name)))
    try:
        subprocess.run(  # noqa: S603
            ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={_libpq(target)}", str(dump)],  # noqa: S607
            check=True,
        )
        print(f"  restored ({time.perf_counter() - t:.1f} s)")
        t = _step("manage.py migrate --check against the copy")
        migrations = _manage(target, "migrate", "--check", "--noinput")
        ok &= migrations.returncode == 0
        print(f"  {'OK: no migration missing' if migrations.returncode == 0 else 'FAILED'} {migrations.stderr.strip()}")
        t = _step("manage.py audit_verify against the copy")
        verify = _manage(target, "audit_verify")
        ok &= verify.returncode == 0
        print("  " + (verify.stdout.strip() or verify.stderr.strip()).replace("\n", "\n  "))
        t = _step("comparing the row counts of every table")
        with psycopg.connect(_libpq(target)) as copy:
            restored_counts = _counts(copy)
        differ = {
            table: (source_counts.get(table), restored_counts.get(table))
            for table in sorted(set(source_counts) | set(restored_counts))
            if source_counts.get(table) != restored_counts.get(table)
        }
        ok &= not differ
        if differ:
            for table, (before, after) in differ.items():
                print(f"  DIFFERS {table}: source {before}, copy {after}")
        else:
            print(f"  OK: {len(restored_counts)} tables, {sum(restored_counts.values()):,} rows, all equal")
    finally:
        if not keep:
            with psycopg.connect(_libpq(_with_database(source, "postgres")), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target_name)))
    print(
        f"restore drill {'PASSED' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s; dump kept at {dump}"
        + (f"; copy kept as {target_name}" if keep else "")
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=os.environ.get("DATABASE_URL", ""), help="default: DATABASE_URL")
    parser.add_argument("--backup-dir", type=Path, default=ROOT / "var" / "backups")
    parser.add_argument("--keep", action="store_true", help="keep the restored copy")
    args = parser.parse_args(argv)
    return 0 if drill(args.source, args.backup_dir, keep=args.keep) else 1


if __name__ == "__main__":
    sys.exit(main())
