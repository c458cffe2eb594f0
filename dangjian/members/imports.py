"""Running member imports in background workers, and recovering them when a worker dies.

An upload (``excel.import_create``) is queued as the task ``members.tasks.import_members``; a worker
(``manage.py run_worker``) runs :func:`import_run`, which processes the whole file in **one
transaction** together with the job's outcome: a worker killed mid-way leaves no member, no audit
entry and no result behind — the database rolls the transaction back when the connection drops.

While it runs, the import holds its job's row lock (PostgreSQL). :func:`import_recover` finds jobs
left "running" or "waiting" by a dead worker — on PostgreSQL a running job whose row it can lock
(nobody holds it), on SQLite (one machine) a job whose worker process no longer exists — and queues
them again; after ``MAX_ATTEMPTS`` runs it stops the job instead, and the user may retry it
(:func:`import_retry`). Recovery runs when a worker starts and when someone watches the job's page.
Progress goes to the ``progress`` cache, shared by the worker and the web processes.
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import DomainError
from dangjian.core.validators import normalise_id_number

from .excel import HEADER_OF, MAX_ERRORS_KEPT, _data_rows, _header_positions, _open, _RowError, _RowReader, _too_many
from .excel import _unseal as unseal
from .models import ImportJob

PROGRESS_EVERY = 500
BATCH = 2000
MAX_ATTEMPTS = 3
# A job claimed by a worker takes its row lock within milliseconds; recovery leaves younger ones be.
GRACE = dt.timedelta(seconds=30)
ACTIVE = (ImportJob.State.PENDING, ImportJob.State.RUNNING)


def _progress_key(job_id: int) -> str:
    return f"members.import.{job_id}"


def progress(job: ImportJob) -> int:
    """Rows processed so far (all rows once the job has finished)."""
    if job.state not in ACTIVE:
        return job.total_rows
    return int(caches["progress"].get(_progress_key(job.pk), 0))


def _runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _runner_alive(runner: str) -> bool | None:
    """Whether the worker process named ``host:pid`` still exists (None: another machine's)."""
    host, _sep, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(job_id: int) -> bool:
    """Mark the job running by this process (committed at once, so pages show it)."""
    with transaction.atomic():
        rows = ImportJob.objects.filter(pk=job_id, state__in=ACTIVE)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)  # locked: another worker runs it
        job = rows.first()
        if job is None:
            return False
        job.state = ImportJob.State.RUNNING
        job.attempts += 1
        job.runner = _runner_id()
        job.started_at = timezone.now()
        job.save(update_fields=["state", "attempts", "runner", "started_at"])
    return True


def import_run(job_id: int) -> ImportJob:
    """Process the rows of a waiting job: one transaction for the file and the job's outcome; rows
    are registered in batches through ``services.member_register_many`` (the same checks as one by
    one). Returns the job as it stands afterwards."""
    from . import services

    if not _claim(job_id):
        return ImportJob.objects.defer("content").get(pk=job_id)
    runner = _runner_id()
    progress_cache = caches["progress"]
    try:
        with transaction.atomic():
            # The row lock is held until the outcome commits: recovery skips a job whose worker lives.
            job = ImportJob.objects.select_for_update(of=("self",)).select_related("org", "created_by").get(pk=job_id)
            if job.state != ImportJob.State.RUNNING or job.runner != runner:
                return job  # recovered and taken over by another worker meanwhile
            actor = job.created_by
            errors: list[dict] = []
            bad_rows: set[int] = set()
            imported = processed = 0
            seen: dict[str, int] = {}
            pending: list[tuple[int, dict]] = []

            def add_errors(row: int, pairs) -> None:
                bad_rows.add(row)
                errors.extend({"row": row, "column": HEADER_OF.get(f, f), "message": m} for f, m in pairs)

            def flush() -> int:
                done = 0
                results = services.member_register_many(
                    actor=actor,
                    rows=[data for _row, data in pending],
                    batch={
                        "job": job.pk,
                        "rows": f"{pending[0][0]}-{pending[-1][0]}",
                        "org_path": job.org.path,
                        "label": job.file_name,
                    },
                )
                for (row, _data), result in zip(pending, results, strict=True):
                    if isinstance(result, DomainError):
                        pairs = [(f, m) for f, ms in result.fields.items() for m in ms] or [("", result.message)]
                        add_errors(row, pairs)
                    else:
                        done += 1
                pending.clear()
                return done

            book, sheet = _open(unseal(bytes(job.content)))
            try:
                positions = _header_positions(sheet)
                reader = _RowReader(job)
                limit = policy.value("members.import_max_rows", job.org.path)
                overflow = False
                with transaction.atomic():  # the members: kept or rolled back as a whole
                    for number, raw in _data_rows(sheet, positions):
                        processed += 1
                        if processed > limit:  # the policy was lowered since the upload counted
                            add_errors(number, [("", _too_many(limit))])
                            overflow = True
                            pending.clear()
                            break
                        try:
                            data = reader.parse(raw)
                            key = normalise_id_number(data["id_number"])
                            if key in seen:
                                raise _RowError(
                                    "id_number", _("The same ID card number as row %(row)d.") % {"row": seen[key]}
                                )
                            seen[key] = number
                            pending.append((number, data))
                        except _RowError as exc:
                            add_errors(number, [(exc.field, exc.message)])
                        if len(pending) >= BATCH:
                            imported += flush()
                        if processed % PROGRESS_EVERY == 0:
                            progress_cache.set(_progress_key(job.pk), processed, 3600)
                    if pending:
                        imported += flush()
                    error_count = len(bad_rows)
                    keep = not overflow and imported > 0 and (error_count == 0 or job.mode == ImportJob.Mode.VALID_ROWS)
                    if not keep:
                        transaction.set_rollback(True)
                        imported = 0
            finally:
                book.close()
            errors.sort(key=lambda e: e["row"])  # stable: a row's messages keep their order
            job.total_rows = processed
            job.imported = imported
            job.errors = errors[:MAX_ERRORS_KEPT]
            job.state = ImportJob.State.DONE if imported else ImportJob.State.FAILED
            job.message = _summary(job, error_count)
            job.finished_at = timezone.now()
            job.content = None  # the file is not kept once processed
            job.save()
            audit.record(
                actor=actor,
                action="member.import",
                obj=job,
                org_path=job.org.path,
                changes={
                    "imported": [None, imported],
                    "bad_rows": [None, error_count],
                    "mode": [None, job.mode],
                    "attempt": [None, job.attempts],
                },
            )
    except Exception:
        with transaction.atomic():
            ImportJob.objects.filter(pk=job_id).update(
                state=ImportJob.State.FAILED,
                message=_("The import stopped because of an internal error; nothing was imported."),
                finished_at=timezone.now(),
                content=None,
            )
        raise
    finally:
        progress_cache.delete(_progress_key(job_id))
    return job


def _summary(job: ImportJob, bad_rows: int) -> str:
    if job.imported and not bad_rows:
        return _("All %(n)d rows were imported.") % {"n": job.imported}
    if job.imported:
        return _("%(n)d rows were imported; %(bad)d rows had errors and were left out.") % {
            "n": job.imported,
            "bad": bad_rows,
        }
    if bad_rows:
        return _("%(bad)d rows had errors, so nothing was imported. Correct them and upload the file again.") % {
            "bad": bad_rows
        }
    return _("Nothing was imported.")


def _enqueue(job_id: int) -> None:
    """Queue the job's task. The database backend's queue lives in our database, so the task is
    written in the caller's transaction and commits (or not) with the job; the immediate backend runs
    it at once; a queue elsewhere (Redis) gets it once the transaction commits."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks.backends.immediate import ImmediateBackend
    from django_tasks_db import DatabaseBackend

    def send() -> None:
        from .tasks import import_members

        result = import_members.enqueue(job_id)
        ImportJob.objects.filter(pk=job_id, state__in=ACTIVE).update(task_id=str(result.id)[:64])

    if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend | ImmediateBackend):
        send()
    else:
        transaction.on_commit(send)


def import_start(job: ImportJob) -> None:
    """Hand the job to a background worker (run at once with the immediate task backend)."""
    _enqueue(job.pk)


# --- Recovery -------------------------------------------------------------------------------------


def _task_gone(task_id: str, now: dt.datetime) -> bool:
    """Whether the queued task of a waiting job will never run it: missing, finished, or claimed
    by a worker longer ago than the grace period (the job would be running by then)."""
    from django_tasks import default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not default_task_backend.supports_get_result:
        return False
    try:
        result = default_task_backend.get_result(task_id)
    except TaskResultDoesNotExist:
        return True
    if result.status == "READY":
        return False
    if result.status == "RUNNING":
        return result.started_at is not None and result.started_at < now - GRACE
    return True


def _abandoned(job: ImportJob, now: dt.datetime, locked: bool) -> bool:
    if job.state == ImportJob.State.PENDING:
        if job.created_at > now - GRACE:
            return False
        return not job.task_id or _task_gone(job.task_id, now)
    if job.started_at and job.started_at > now - GRACE:
        return False
    if locked:  # PostgreSQL: we hold the row, so no live worker is running the job
        return True
    return _runner_alive(job.runner) is False


def _close_lost_task(task_id: str, now: dt.datetime) -> None:
    """The dead worker's task row stays "running" in the queue: mark it failed, so that it reads
    truthfully and ``prune_db_task_results`` removes it with the other finished tasks."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if task_id and isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
            status="FAILED",
            finished_at=now,
            exception_class_path="dangjian.members.imports.WorkerLost",
            traceback="The worker stopped while running this task; the import was recovered.",
        )


@transaction.atomic
def _recover_one(job_id: int, now: dt.datetime) -> ImportJob | None:
    rows = ImportJob.objects.select_related("org").defer("content").filter(pk=job_id, state__in=ACTIVE)
    locking = connection.features.has_select_for_update_skip_locked
    job = rows.select_for_update(of=("self",), skip_locked=True).first() if locking else rows.first()
    if job is None or not _abandoned(job, now, locked=locking):
        return None
    old_state = job.state
    _close_lost_task(job.task_id, now)
    if job.attempts >= MAX_ATTEMPTS:
        job.state = ImportJob.State.STOPPED
        job.message = _(
            "The import was interrupted %(n)d times and nothing was imported. Retry it, or split the file."
        ) % {"n": job.attempts}
        job.finished_at = now
    else:
        job.state = ImportJob.State.PENDING
        job.task_id = ""
    job.save(update_fields=["state", "message", "finished_at", "task_id"])
    audit.record(
        actor=None,
        action="member.import_recover",
        obj=job,
        org_path=job.org.path,
        changes={"state": [old_state, job.state], "attempts": [None, job.attempts], "runner": [None, job.runner]},
    )
    if job.state == ImportJob.State.PENDING:
        _enqueue(job.pk)
    return job


def import_recover(*, job_ids: list[int] | None = None) -> list[ImportJob]:
    """Queue again (or stop, after ``MAX_ATTEMPTS``) the imports whose worker died. Safe to run
    anywhere at any time: a job a live worker holds is left alone."""
    now = timezone.now()
    candidates = ImportJob.objects.filter(state__in=ACTIVE)
    if job_ids is not None:
        candidates = candidates.filter(pk__in=job_ids)
    recovered = []
    for job in candidates.defer("content").order_by("pk"):
        # A first look without a transaction: on SQLite a write transaction would wait for the
        # running import's lock, so only jobs that look abandoned are locked and changed.
        if connection.vendor == "sqlite" and not _abandoned(job, now, locked=False):
            continue
        if done := _recover_one(job.pk, now):
            recovered.append(done)
    return recovered


@transaction.atomic
def import_retry(*, actor, job: ImportJob) -> ImportJob:
    """Queue an interrupted import again, at the user's request."""
    scope.require(actor, "member.import", job)
    job = ImportJob.objects.select_for_update(of=("self",)).select_related("org").defer("content").get(pk=job.pk)
    if job.state != ImportJob.State.STOPPED:
        raise DomainError(_("Only an interrupted import can be retried."), code="not_interrupted")
    job.state, job.attempts, job.message, job.finished_at, job.task_id = ImportJob.State.PENDING, 0, "", None, ""
    job.save(update_fields=["state", "attempts", "message", "finished_at", "task_id"])
    audit.record(
        actor=actor,
        action="member.import_retry",
        obj=job,
        org_path=job.org.path,
        changes={"state": ["stopped", "pending"]},
    )
    _enqueue(job.pk)
    return job
