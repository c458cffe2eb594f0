"""Run member imports left waiting (for example when the web process restarted mid-way: an import
runs in one transaction, so an interrupted one left nothing behind and can simply run again)."""

from django.core.management.base import BaseCommand

from dangjian.members import excel
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
            done = excel.import_run(pk)
            self.stdout.write(f"import {pk}: {done.state}, {done.imported}/{done.total_rows} rows imported")
