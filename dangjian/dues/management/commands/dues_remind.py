"""Monthly: remind members in arrears and alert branch secretaries (safe to run more than once)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dangjian.dues import reminders
from dangjian.orgs.models import PartyOrganisation


class Command(BaseCommand):
    help = (
        "Remind members with unpaid dues (policy dues.reminder_months) and alert the branch secretary of "
        "members unpaid for dues.arrears_alert_months consecutive months. At most once per member per month."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", help="code of an organisation: only its subtree")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="run as on this date (YYYY-MM-DD)")

    def handle(self, *args, org=None, today=None, **options):
        under = None
        if org:
            under = PartyOrganisation.objects.filter(code=org).first()
            if under is None:
                raise CommandError(f"no organisation with code {org!r}")
        totals = reminders.arrears_remind(actor=None, org=under, today=today)
        self.stdout.write(
            f"reminded {totals['reminded']} members, alerted secretaries about {totals['alerted']} members "
            f"in {totals['orgs']} organisations"
        )
