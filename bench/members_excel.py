"""Member import and export through Excel: BENCH_EXCEL_ROWS (100,000) rows.

Writes an import file of valid members (streamed with openpyxl's write-only mode), then times the
real path a secretary's upload takes — ``excel.import_create`` (read and count the rows) and
``imports.import_run`` (every row through ``members.services.member_register_many``, audited, in
one transaction; what a worker runs) — and then ``excel.export_members`` of all of them. Peak memory is the
process's maximum resident set size after each step (ru_maxrss).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_excel python -m bench members_excel

The database must be named bench…: it is wiped. Without BENCH_DATABASE_URL it runs on SQLite in a
temporary directory.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import tempfile
import time

ROWS = int(os.environ.get("BENCH_EXCEL_ROWS", "100000"))


def _rss_mb() -> float:
    """Peak resident memory since the last :func:`_reset_peak` (Linux), else of the whole process."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _db_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL server process (same machine), so
    that a step's cost on an idle machine can be estimated as this process's CPU plus the server's
    (the two work in turn on one connection) while other jobs share the cores."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _reset_peak() -> None:
    """Start a new peak measurement: each step's figure is its own (writing the file holds more)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def _id_number(i: int) -> str:
    from dangjian.core.validators import id_check_character

    birth = dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000)
    first17 = f"{110101 + (i // 9000) % 800:06d}{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + id_check_character(first17)


def _write_file(path: str, org_code: str) -> None:
    from openpyxl import Workbook

    from dangjian.members import excel

    book = Workbook(write_only=True)
    sheet = book.create_sheet(excel.SHEET)
    sheet.append([c.header for c in excel.COLUMNS])
    seen = set()
    i = 0
    while len(seen) < ROWS:
        number = _id_number(i)
        i += 1
        if number in seen:
            continue
        seen.add(number)
        sheet.append(
            [
                f"党员{len(seen)}",
                number,
                f"139{len(seen):08d}",
                "汉族",
                "本科",
                "骑手",
                "外卖骑手",
                "东街道",
                "正式党员",
                dt.date(2015, 7, 1),
                dt.date(2016, 7, 1),
                org_code,
            ]
        )
    book.save(path)


def main() -> None:
    from bench.audit_chain import _setup_django

    _setup_django()
    from django.db import connection

    from dangjian.members import excel, imports
    from dangjian.members.models import ImportJob, Member
    from dangjian.orgs import services as org_services
    from dangjian.orgs.models import PartyOrganisation

    Member.objects.all().delete()
    ImportJob.objects.all().delete()
    PartyOrganisation.objects.filter(code__in=["BX-ROOT", "BX-BR"]).delete()
    root = org_services.org_create(
        actor=None, parent=None, name="基准工委", code="BX-ROOT", kind="committee", category="comprehensive"
    )
    branch = org_services.org_create(
        actor=None, parent=root, name="基准支部", code="BX-BR", kind="branch", category="new_employment"
    )
    path = os.path.join(tempfile.mkdtemp(prefix="dangjian-excel-"), "members.xlsx")
    started = time.perf_counter()
    _write_file(path, branch.code)
    write_s = time.perf_counter() - started
    size_mb = os.path.getsize(path) / 1e6
    with open(path, "rb") as fh:
        content = fh.read()
    rss_before = _rss_mb()
    _reset_peak()
    db, cpu, started = _db_cpu(), time.process_time(), time.perf_counter()
    job = excel.import_create(actor=None, org=root, file_name="members.xlsx", content=content, mode="all")
    check_s, check_cpu, check_db = time.perf_counter() - started, time.process_time() - cpu, _db_cpu() - db
    del content
    db, cpu, started = _db_cpu(), time.process_time(), time.perf_counter()
    job = imports.import_run(job.pk)
    run_s, run_cpu, run_db = time.perf_counter() - started, time.process_time() - cpu, _db_cpu() - db
    rss_import = _rss_mb()
    if job.imported != ROWS:
        raise SystemExit(f"members_excel: imported {job.imported} of {ROWS}: {job.errors[:3]}")
    _reset_peak()
    db, cpu, started = _db_cpu(), time.process_time(), time.perf_counter()
    out, count = excel.export_members(actor=None, under=root)
    export_s, export_cpu, export_db = time.perf_counter() - started, time.process_time() - cpu, _db_cpu() - db
    out.close()
    rss_export = _rss_mb()
    load = os.getloadavg()[0]
    print(f"\n== members_excel on {connection.vendor}: {ROWS:,} rows, file {size_mb:.1f} MB, load {load:.1f}")
    print(f"{'operation':<52}{'seconds':>9}{'CPU s':>7}{'DB CPU':>7}{'rows/s':>9}{'peak MB':>9}")
    for name, seconds, cpu_s, db_s, rss in (
        ("write the test file (not timed by the issue)", write_s, 0.0, 0.0, rss_before),
        ("upload check: open, headers, count rows", check_s, check_cpu, check_db, rss_import),
        ("import every row (member_register_many, audited)", run_s, run_cpu, run_db, rss_import),
        ("export all (masked)", export_s, export_cpu, export_db, rss_export),
    ):
        print(f"{name:<52}{seconds:>9.2f}{cpu_s:>7.1f}{db_s:>7.1f}{ROWS / seconds:>9,.0f}{rss:>9.0f}")
    print(
        f"import total {check_s + run_s:.1f} s (CPU {check_cpu + run_cpu:.1f} + DB {check_db + run_db:.1f}); "
        f"exported {count:,} rows (CPU {export_cpu:.1f} + DB {export_db:.1f})"
    )
    sys.stdout.flush()
