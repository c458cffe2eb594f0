"""Escalate overdue demands to the organisation above (run from cron, e.g. hourly)."""

from django.core.management.base import BaseCommand

from dangjian.demands.services import demands_escalate_overdue


class Command(BaseCommand):
    help = "Escalate every open demand whose first-response or answer deadline has passed."

    def handle(self, *args, **options):
        count = demands_escalate_overdue()
        self.stdout.write(f"escalated {count} demand(s)")
