"""Destroy the personal fields of members who left longer ago than the retention period."""

from django.core.management.base import BaseCommand

from dangjian.members import privacy


class Command(BaseCommand):
    help = "Destroy personal data of members removed or resigned longer ago than members.retention_years."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list who would be affected")

    def handle(self, *args, dry_run=False, **options):
        count = 0
        for member in list(privacy.expired_members()):
            count += 1
            if dry_run:
                self.stdout.write(f"would destroy personal data of member #{member.pk} ({member.org.name})")
            else:
                record = privacy.personal_data_destroy(member=member)
                self.stdout.write(f"destroyed personal data of member #{member.pk}: {record.basis}")
        verb = "would be destroyed" if dry_run else "destroyed"
        self.stdout.write(f"{count} member record(s) {verb}.")
