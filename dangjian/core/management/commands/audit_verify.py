"""Walk the audit chain: OK with the counts, or the first broken entry/block and exit status 1."""

import sys

from django.core.management.base import BaseCommand

from dangjian.core import audit_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit trail."

    def handle(self, *args, **options):
        result = audit_chain.verify_chain()
        if result.ok:
            self.stdout.write(
                f"OK: {result.sealed_entries + result.unsealed_entries} entries, "
                f"{result.sealed_entries} sealed in {result.blocks} block(s), "
                f"{result.unsealed_entries} not yet sealed"
            )
            return
        self.stderr.write(f"BROKEN: {result.problem}")
        sys.exit(1)
