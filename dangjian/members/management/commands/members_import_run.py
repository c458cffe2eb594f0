"""Run member imports left waiting in this process, without a worker (an import runs in one
transaction, so an interrupted one left nothing behind and can simply run again). Normally
``manage.py run_worker`` runs them."""

from django.core.management.base import BaseCommand

from dangjian.members import imports
from dangjian.members.models import ImportJob


class Command(BaseCommand):
    help = "Run member imports that are waiting or were interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--job", type=int, help="only this job")

    def handle(self, *args, job=None, **options):
        jobs = ImportJob.objects.filter(state__in=[ImportJob.State.PENDING, ImportJob.State.RUNNING])
        if job:
            jobs = jobs.filter(pk=job)
        for pk in jobs.order_by("pk").values_list("pk", flat=True):
            done = imports.import_run(pk)
            self.stdout.write(f"import {pk}: {done.state}, {done.imported}/{done.total_rows} rows imported")
