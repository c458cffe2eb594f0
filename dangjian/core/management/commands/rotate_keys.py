"""Rotate the data keys and re-encrypt every encrypted column, resumably and without downtime.

manage.py rotate_keys --new-key            add a new encryption key, make it current, re-encrypt
manage.py rotate_keys --new-blind-key      the same for the blind-index key (re-index)
manage.py rotate_keys                      continue an interrupted re-encryption
manage.py rotate_keys --retire             after completion, drop the old keys from the key file
"""

import os

from django.core.management.base import BaseCommand, CommandError

from dangjian.core import crypto, keys


class Command(BaseCommand):
    help = "Rotate data keys and re-encrypt personal data (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="add and switch to a new encryption key")
        parser.add_argument("--new-blind-key", action="store_true", help="add and switch to a new blind-index key")
        parser.add_argument("--retire", action="store_true", help="drop old keys once no row uses them")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, new_key=False, new_blind_key=False, retire=False, batch_size=1000, **options):
        changes_file = new_key or new_blind_key or retire
        if changes_file and os.environ.get("DANGJIAN_DATA_KEYS"):
            raise CommandError(
                "Keys come from DANGJIAN_DATA_KEYS: add the new key there and redeploy, "
                "then run rotate_keys without options to re-encrypt."
            )
        ring = crypto.keyring()
        if new_key or new_blind_key:
            ring = keys.add_key(
                crypto.Keyring.from_json(ring.to_json(), ring.source), encryption=new_key, blind_index=new_blind_key
            )
            crypto.write_key_file(ring)
            self.stdout.write(
                f"Current keys now: encryption {ring.encryption_current}, blind index {ring.blind_current}"
            )
        if retire:
            remaining = crypto.Keyring.from_json(ring.to_json(), ring.source)
            try:
                retired = keys.retire_old_keys(remaining)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            crypto.write_key_file(remaining)
            self.stdout.write(f"Retired keys: {', '.join(retired) or 'none'}")
            return

        def report(progress):
            self.stdout.write(f"  {progress.column}: {progress.done} re-encrypted, {progress.remaining} to go")

        rewritten = keys.reencrypt_all(batch_size=batch_size, report=report)
        self.stdout.write(self.style.SUCCESS(f"Re-encryption complete: {rewritten} row(s) rewritten."))
