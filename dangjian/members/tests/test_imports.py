"""Member imports as background tasks: queueing, recovery of jobs whose worker died, retry."""

import datetime as dt
import io
import signal
import socket

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.members import excel, imports
from dangjian.members.models import ImportJob, Member
from dangjian.members.tests.test_excel import book, row

DEAD = f"{socket.gethostname()}:999999999"  # no process has this id
LONG_AGO = dt.timedelta(minutes=5)


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


def upload(tree, secretary, rows=None):
    return excel.import_create(
        actor=secretary, org=tree.street_a, file_name="a.xlsx", content=book(rows or [row(tree)]), mode="all"
    )


def interrupted(job, attempts=1, runner=DEAD):
    """The job as a worker killed mid-way leaves it (its transaction rolled back: no members)."""
    ImportJob.objects.filter(pk=job.pk).update(
        state="running", attempts=attempts, runner=runner, started_at=timezone.now() - LONG_AGO
    )


def test_start_runs_the_task_with_the_immediate_backend(tree, secretary):
    job = upload(tree, secretary)
    imports.import_start(job)
    job.refresh_from_db()
    assert (job.state, job.imported, job.attempts, job.runner) == ("done", 1, 1, imports._runner_id())
    assert AuditEntry.objects.get(action="member.import").changes["attempt"] == [None, 1]


def test_interrupted_job_is_queued_again_and_completes(tree, secretary):
    job = upload(tree, secretary)
    interrupted(job)
    recovered = imports.import_recover()
    assert [j.pk for j in recovered] == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.imported, job.attempts) == ("done", 1, 2)
    assert Member.objects.count() == 1
    entry = AuditEntry.objects.get(action="member.import_recover")
    assert entry.changes == {"state": ["running", "pending"], "attempts": [None, 1], "runner": [None, DEAD]}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL tells a live worker by its row lock")
def test_job_of_a_live_worker_is_left_alone(tree, secretary):
    job = upload(tree, secretary)
    interrupted(job, runner=imports._runner_id())
    assert imports.import_recover() == []
    assert ImportJob.objects.get(pk=job.pk).state == "running"


def test_recent_jobs_are_left_alone(tree, secretary):
    job = upload(tree, secretary)
    ImportJob.objects.filter(pk=job.pk).update(state="running", attempts=1, runner=DEAD, started_at=timezone.now())
    assert imports.import_recover() == []
    assert ImportJob.objects.get(pk=job.pk).state == "running"


def test_waiting_job_whose_task_was_lost_is_queued(tree, secretary):
    job = upload(tree, secretary)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - LONG_AGO)
    assert [j.pk for j in imports.import_recover()] == [job.pk]
    assert ImportJob.objects.get(pk=job.pk).state == "done"


def test_stopped_after_too_many_attempts_then_retried_by_the_user(tree, secretary, login_as):
    job = upload(tree, secretary)
    interrupted(job, attempts=imports.MAX_ATTEMPTS)
    client = login_as(secretary)
    html = client.get(f"/members/import/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.state == "stopped" and Member.objects.count() == 0
    assert job.message == "导入中断了 3 次，未导入任何数据。请重试，或把文件拆小。"
    assert "重试导入" in html and f"/members/import/{job.pk}/retry/" in html
    outsider = login_as(make_user("secretary", tree.street_b))
    assert outsider.post(f"/members/import/{job.pk}/retry/").status_code == 404
    response = client.post(f"/members/import/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.imported, job.attempts) == ("done", 1, 1)
    assert AuditEntry.objects.filter(action="member.import_retry", actor_id=secretary.pk).count() == 1
    again = client.post(f"/members/import/{job.pk}/retry/")
    assert again.status_code == 400 and "只有中断的导入可以重试" in again.content.decode()


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens database connections
def test_run_worker_recovers_then_runs_queued_tasks(tree, secretary, settings):
    """With the database backend: the upload queues a task row; run_worker re-queues the job a dead
    worker left running and runs both."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    first = upload(tree, secretary)
    interrupted(first)
    second = upload(tree, secretary)
    imports.import_start(second)
    assert ImportJob.objects.get(pk=second.pk).state == "pending"
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    out = io.StringIO()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("run_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", stdout=out)
    finally:  # the worker installs its own handlers: give pytest its own back
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert out.getvalue().startswith("recovered interrupted work (member imports: 1)")
    assert list(ImportJob.objects.order_by("pk").values_list("state", "imported")) == [("done", 1), ("done", 1)]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
