"""Print the demo accounts and how to log in as each."""

from django.core.management.base import BaseCommand

from dangjian.accounts.models import User
from dangjian.demo import data
from dangjian.demo.seed import demo_totp_secret


class Command(BaseCommand):
    help = "Print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the platform is served")

    def handle(self, *args, url="http://127.0.0.1:8000", **options):
        present = set(
            User.objects.filter(username__in=[a[0] for a in data.ACCOUNTS]).values_list("username", flat=True)
        )
        if not present:
            self.stdout.write("No demo accounts in this database.")
            return
        self.stdout.write("")
        self.stdout.write("  dangjian demo logins (演示账号) — password for all: " + data.DEMO_PASSWORD)
        self.stdout.write("  " + "-" * 96)
        for username, name, role, org, _ in data.ACCOUNTS:
            if username not in present:
                continue
            line = f"  {username:<14}{name:<6}{role:<18}{org:<14}"
            if role in {"org_admin", "system_admin", "security_admin", "audit_admin"}:
                line += f"TOTP key {demo_totp_secret(username)}"
            self.stdout.write(line)
        self.stdout.write("  " + "-" * 96)
        self.stdout.write("  Administrators also need a 6-digit code: add the TOTP key to an authenticator app, or run")
        self.stdout.write("  `.venv/bin/python manage.py demo_totp <username>` (demo accounts only).")
        self.stdout.write(f"  Serving on {url} — stop with Ctrl+C.")
        self.stdout.write("")
