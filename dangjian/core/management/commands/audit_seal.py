"""Seal audit entries into hash-chained blocks (once, or --follow to keep sealing)."""

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from dangjian.core import audit_chain

logger = logging.getLogger("dangjian.audit")


class Command(BaseCommand):
    help = "Seal unsealed audit entries into hash-chained blocks."

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep sealing until interrupted")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds with --follow")
        parser.add_argument("--max-entries", type=int, default=5000, help="entries per block")

    def handle(self, *args, follow=False, interval=2.0, max_entries=5000, **options):
        if interval <= 0 or max_entries < 1:
            raise CommandError("--interval must be > 0 and --max-entries >= 1")
        if not follow:
            made = audit_chain.seal_all(max_entries)
            self.stdout.write(f"sealed {made} block(s)")
            return
        self.stdout.write(f"sealing audit entries every {interval:g} s (Ctrl+C to stop)")
        try:
            while True:
                close_old_connections()
                try:
                    audit_chain.seal_all(max_entries)
                except DatabaseError:
                    # A restarting database must not end the sealer: entries wait, the next round seals them.
                    logger.exception("audit sealing failed; retrying in %g s", interval)
                    close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            return
