"""Load the demo district (idempotent)."""

from django.core.management.base import BaseCommand

from dangjian.orgs.models import PartyOrganisation


class Command(BaseCommand):
    help = "Load the fictional demo district 云溪区: organisations, host entities and demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database already holds organisations"
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and PartyOrganisation.objects.exists():
            self.stdout.write("Database already has data: demo data not loaded.")
            return
        from dangjian.demo.seed import seed

        counts = seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo district ready: {counts['orgs']} organisations ({counts['orgs_created']} new), "
                f"{counts['entities_created']} new host entities, {counts['members_created']} new members, "
                f"{counts['accounts_created']} new accounts."
            )
        )
