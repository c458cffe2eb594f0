"""Walk the audit chain: OK with the counts, or the first broken entry/block and exit status 1."""

import sys

from django.core.management.base import BaseCommand, no_translations

from dangjian.core import audit_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit trail (exit status 1 if it was tampered with)."

    @no_translations  # the same English lines for cron mail and scripts, whatever LANGUAGE_CODE is
    def handle(self, *args, **options):
        result = audit_chain.verify_chain()
        if result.ok:
            self.stdout.write(
                f"OK: {result.sealed_entries} entries in {result.blocks} blocks, "
                f"{result.unsealed_entries} not yet sealed"
            )
            # Kept outside the database (cron mail, a log), the head hash shows later whether the
            # chain up to this block was rebuilt by someone able to write to the database.
            self.stdout.write(f"head: block {result.blocks} {result.head_hash}")
            return
        where = []
        if result.block_seq is not None:
            where.append(f"block {result.block_seq}")
        if result.entry_id is not None:
            where.append(f"entry {result.entry_id}")
        self.stderr.write(f"BROKEN ({', '.join(where)}) {result.reason}: {result.problem}")
        sys.exit(1)
