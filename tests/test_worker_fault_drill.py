"""Fault drill: a worker is killed (SIGKILL) in the middle of a member import on PostgreSQL.

Nothing of the job may be left behind; a newly started worker re-queues the job and completes it;
the audit chain still verifies. Real processes (``manage.py run_worker``) against the test database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.db import connection
from openpyxl import Workbook

from conftest import TEST_KEYRING, make_user
from dangjian.core.models import AuditEntry
from dangjian.core.validators import id_check_character
from dangjian.members import excel, imports
from dangjian.members.models import ImportJob, Member

ROOT = Path(__file__).resolve().parents[1]
ROWS = 3000


def _env(tmp_path: Path) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DATABASE_URL=url,
        DANGJIAN_VAR_DIR=str(tmp_path),
        DANGJIAN_DATA_KEYS=json.dumps(TEST_KEYRING.to_json()),
        DANGJIAN_LOG_LEVEL="WARNING",
        DANGJIAN_TASKS_BACKEND="database",
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _file(org_code: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(excel.SHEET)
    sheet.append([c.header for c in excel.COLUMNS])
    for i in range(ROWS):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i)
        first17 = f"110101{birth:%Y%m%d}{i % 1000:03d}"
        sheet.append(
            [f"演练{i}", first17 + id_check_character(first17), f"139{i:08d}", "汉族", "本科", "骑手", "外卖骑手",
             "东街道", "正式党员", dt.date(2015, 7, 1), dt.date(2016, 7, 1), org_code]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.mark.slow_subprocess
@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_nothing_and_the_job_completes_after_restart(tree, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the drill runs on PostgreSQL (DATABASE_URL=postgres://...)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    secretary = make_user("secretary", tree.street_a)
    job = excel.import_create(
        actor=secretary, org=tree.street_a, file_name="drill.xlsx", content=_file(tree.branch_a.code), mode="all"
    )
    imports.import_start(job)
    env, log = _env(tmp_path), tmp_path / "workers.log"
    progress = FileBasedCache(str(tmp_path / "progress"), {})
    key = imports._progress_key(job.pk)

    first = _worker(env, log)
    try:
        done = _wait(lambda: progress.get(key), 60, "the first worker to start importing")
        assert 0 < done < ROWS
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.kill()
    job.refresh_from_db()
    assert (job.state, job.attempts, job.imported) == ("running", 1, 0)
    assert Member.objects.count() == 0
    assert not AuditEntry.objects.filter(action="member.register_batch").exists()

    # The job is older than the grace period once a supervisor would have restarted the worker.
    ImportJob.objects.filter(pk=job.pk).update(started_at=job.started_at - imports.GRACE)
    second = _worker(env, log)
    try:
        _wait(lambda: ImportJob.objects.filter(pk=job.pk, state__in=["done", "failed", "stopped"]).exists(), 120,
              "the second worker to finish the job")  # fmt: skip
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    job.refresh_from_db()
    assert (job.state, job.imported, job.attempts, job.errors) == ("done", ROWS, 2, []), log.read_text()[-2000:]
    assert Member.objects.count() == ROWS
    batches = AuditEntry.objects.filter(action="member.register_batch").values_list("changes", flat=True)
    assert sum(c["count"][1] for c in batches) == ROWS
    assert AuditEntry.objects.filter(action="member.import_recover").count() == 1
    from django_tasks_db.models import DBTaskResult

    tasks = sorted(DBTaskResult.objects.values_list("status", "exception_class_path"))
    assert tasks == [("FAILED", "dangjian.members.imports.WorkerLost"), ("SUCCESSFUL", "")]

    time.sleep(2.1)  # entries settle before they are sealed (AUDIT_SEAL_SETTLE_SECONDS)
    for command in (["audit_seal"], ["audit_verify"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ") and ", 0 not yet sealed" in result.stdout.splitlines()[0]
