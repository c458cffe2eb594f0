"""Background tasks of the member registry (Django's tasks API through django-tasks)."""

from django_tasks import task


@task()
def import_members(job_id: int) -> str:
    """Run one member import (``members.imports.import_run``); returns the job's final state."""
    from .imports import import_run

    return import_run(job_id).state
