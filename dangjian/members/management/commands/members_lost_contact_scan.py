"""Flag members with no contact for longer than the policy allows (run daily)."""

from django.core.management.base import BaseCommand

from dangjian.members import lost_contact


class Command(BaseCommand):
    help = "Flag members who lost contact (no organisational life, dues, check-in, study or reply)."

    def handle(self, *args, **options):
        flagged = lost_contact.lost_contact_scan()
        self.stdout.write(f"flagged {flagged} member(s) as lost contact")
