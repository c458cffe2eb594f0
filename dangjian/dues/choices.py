from django.db import models
from django.utils.translation import gettext_lazy as _


class IncomeKind(models.TextChoices):
    """How a member's dues are worked out (DOMAIN §5)."""

    SALARIED = "salaried", _("Salaried (after-tax fixed monthly income)")
    SELF_EMPLOYED = "self_employed", _("Self-employed or no fixed wage (previous quarter's net income)")
    RETIREE = "retiree", _("Retiree (pension)")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Unemployed")
    SUBSISTENCE = "subsistence", _("Subsistence-allowance recipient")
    FARMER = "farmer", _("Farmer")


# Kinds that take a monthly income as base; the others pay a fixed amount.
BASED_KINDS = frozenset({IncomeKind.SALARIED, IncomeKind.SELF_EMPLOYED, IncomeKind.RETIREE})


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    ONLINE = "online", _("Online payment")


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class ReliefStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting higher approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
