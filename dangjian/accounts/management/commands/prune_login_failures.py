"""Delete login failures older than the lockout window (run daily from cron or a scheduler)."""

from django.core.management.base import BaseCommand

from dangjian.accounts.services import login_failures_prune


class Command(BaseCommand):
    help = "Delete login failures older than the lockout window."

    def handle(self, *args, **options):
        self.stdout.write(f"deleted {login_failures_prune()} old login failure(s)")
