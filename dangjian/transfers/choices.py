from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TransferKind(models.TextChoices):
    """How far the relationship moves (DOMAIN §3.2); derived from the tree, never typed in."""

    WITHIN_COMMITTEE = "within_committee", _("Within one committee")
    WITHIN_SYSTEM = "within_system", _("Within the province or system")
    NATIONWIDE = "nationwide", _("Nationwide")
    OUTWARD = "outward", _("Outward, to an organisation not on the platform")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the receiving organisation")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", pgettext_lazy("transfer status", "Rejected")
    SUPERSEDED = "superseded", _("Reissued")
    COMPLETED = "completed", _("Receipt returned")


# Members whose relationship may move: a stopped membership (the outcome for a lost-contact member,
# DOMAIN §3.4) or a final status blocks a transfer.
TRANSFERABLE_STATUSES = ("normal", "restored")
