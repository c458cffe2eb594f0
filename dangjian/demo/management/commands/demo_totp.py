"""Print the current TOTP code of a demo administrator (demo accounts only)."""

import pyotp
from django.core.management.base import BaseCommand, CommandError

from dangjian.accounts.models import User
from dangjian.accounts.services import totp_secret_of
from dangjian.demo import data
from dangjian.demo.seed import demo_totp_secret


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo administrator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if username not in {a[0] for a in data.ACCOUNTS}:
            raise CommandError(f"{username} is not a demo account")
        user = User.objects.filter(username=username).first()
        if user is None or totp_secret_of(user) != demo_totp_secret(username):
            raise CommandError(f"{username} has no demo TOTP key (it was changed or never seeded)")
        self.stdout.write(pyotp.TOTP(totp_secret_of(user)).now())
