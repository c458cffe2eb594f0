"""Create the local data-key file on first start (make run). Never overwrites existing keys."""

from django.core.management.base import BaseCommand

from dangjian.core import crypto


class Command(BaseCommand):
    help = "Create var/keys.json (or DANGJIAN_KEY_FILE) with fresh keys if it does not exist."

    def handle(self, *args, **options):
        import os

        if os.environ.get("DANGJIAN_DATA_KEYS"):
            self.stdout.write("Data keys come from DANGJIAN_DATA_KEYS; no key file needed.")
            return
        path = crypto.key_file_path()
        if path.exists():
            crypto.keyring()  # validates the file
            return
        crypto.write_key_file(crypto.generate_keyring(), path)
        self.stdout.write(
            f"Created data keys in {path} (mode 600). Back this file up: without it the "
            "encrypted personal data cannot be read."
        )
