"""Run a background worker: django-tasks-db's ``db_worker`` (same options), after re-queueing the
work of workers that died (see ``dangjian.core.jobs``)."""

from django_tasks_db.management.commands import db_worker

from dangjian.core import jobs


class Command(db_worker.Command):
    help = "Re-queue interrupted background work, then run a database background worker."

    def handle(self, *args, **options):
        recovered = jobs.recover_all()
        if options.get("verbosity", 1) >= 1:
            summary = ", ".join(f"{name}: {count}" for name, count in recovered.items()) or "nothing registered"
            self.stdout.write(f"recovered interrupted work ({summary})")
        return super().handle(*args, **options)
