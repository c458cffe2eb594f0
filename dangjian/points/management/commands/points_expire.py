"""Yearly (e.g. on 1 January): expire volunteer points past their validity. Safe to run again."""

import datetime as dt

from django.core.management.base import BaseCommand

from dangjian.points import services


class Command(BaseCommand):
    help = "Expire volunteer points earned before the validity cutoff (settings.POINTS_VALIDITY_YEARS)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, help="run as on this date (YYYY-MM-DD)")

    def handle(self, *args, today=None, **options):
        totals = services.points_expire(today=today)
        self.stdout.write(f"expired {totals['points']} points in {totals['accounts']} accounts")
