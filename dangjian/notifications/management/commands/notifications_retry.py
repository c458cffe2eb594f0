"""Send again the external deliveries that failed (run periodically, e.g. every 10 minutes)."""

from django.core.management.base import BaseCommand

from dangjian.notifications import services


class Command(BaseCommand):
    help = "Retry failed SMS/WeChat deliveries that have attempts left (NOTIFICATION_MAX_ATTEMPTS)."

    def add_arguments(self, parser):
        parser.add_argument("--max-attempts", type=int, default=None)

    def handle(self, *args, max_attempts=None, **options):
        outcome = services.deliveries_retry(max_attempts=max_attempts)
        self.stdout.write(f"sent {outcome.get('sent', 0)}, failed {outcome.get('failed', 0)}")
