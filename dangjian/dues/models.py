"""Party dues (党费): rate schedules, income declarations, monthly assessments, payments and ledgers.

Money is ``Decimal`` yuan with two places (exact fen). Payments, refunds and handovers are entries
that are never edited: a refund is a new negative entry pointing at the payment it returns.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import IncomeKind, PaymentKind, PaymentMethod, PaymentStatus, ReliefStatus

BASE_CONTEXT = "dues.declaration.base"


def money(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **extra)


class RateSchedule(models.Model):
    """One version of the dues rules for a region (``scope_path`` prefix, "" = everywhere), in force
    from ``effective_from``. The version for an organisation and month is the one on the longest
    matching path, and among those the latest that has started. Bands are upper-inclusive
    ``[upper yuan or null, percent]`` pairs in ascending order."""

    scope_path = models.CharField(_("region (organisation path)"), max_length=255, blank=True, default="")
    name = models.CharField(_("name"), max_length=120)
    effective_from = models.DateField(_("in force from (month)"))
    salaried_bands = models.JSONField(_("salaried bands"))
    retiree_bands = models.JSONField(_("retiree bands"))
    student_amount = money(_("students, monthly"))
    unemployed_amount = money(_("unemployed, monthly"))
    subsistence_amount = money(_("subsistence-allowance recipients, monthly"))
    farmer_min = money(_("farmers, monthly minimum"))
    farmer_max = money(_("farmers, monthly maximum"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("dues rate schedule")
        verbose_name_plural = _("dues rate schedules")
        ordering = ["scope_path", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["scope_path", "effective_from"], name="dues_schedule_one_per_start"),
            models.CheckConstraint(condition=Q(farmer_min__lte=F("farmer_max")), name="dues_schedule_farmer_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%Y-%m})"


class DuesDeclaration(models.Model):
    """A member's income declaration, in force from ``applies_from`` until a later one. The base is
    personal data: stored only encrypted, shown masked, revealed through an audited service."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="dues_declarations"
    )
    kind = models.CharField(_("income kind"), max_length=20, choices=IncomeKind.choices)
    base_enc = models.TextField(_("monthly base (encrypted)"), blank=True, default="")
    base_masked = models.CharField(_("monthly base"), max_length=20, blank=True, default="")
    quarter_income_declared = models.BooleanField(_("declared as a quarter's net income"), default=False)
    fixed_amount = money(_("fixed monthly amount"), null=True, blank=True)
    applies_from = models.DateField(_("applies from (month)"))
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("income declaration")
        verbose_name_plural = _("income declarations")
        ordering = ["-applies_from", "-id"]
        indexes = [models.Index(fields=["member", "applies_from"], name="dues_decl_member_month_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.get_kind_display()} · {self.applies_from:%Y-%m}"


class DuesRelief(models.Model):
    """A hardship reduction (amount > 0) or waiver (amount 0) for a run of months: decided by the
    branch, in force only once a higher organisation approves it."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="dues_reliefs"
    )
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"))
    amount = money(_("reduced monthly amount (0 = waived)"))
    reason = models.CharField(_("reason and branch decision"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=ReliefStatus.choices, default=ReliefStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("hardship relief")
        verbose_name_plural = _("hardship reliefs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="dues_relief_amount_not_negative"),
            models.CheckConstraint(condition=Q(to_month__gte=F("from_month")), name="dues_relief_months_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.from_month:%Y-%m}–{self.to_month:%Y-%m}"


class DuesAssessment(models.Model):
    """What one member owes for one month, with what produced it: the declaration (base), the
    schedule and band (rule) and any approved relief. ``paid`` is the sum of its allocations."""

    # A monthly run inserts a million rows, so this table carries only the indexes its reads
    # need, (member, month) and (org, month), and no foreign-key constraints in the database:
    # each would be a trigger per row at commit (measured: ~30 s of a province's run). The
    # references are still ForeignKeys for the ORM, which applies on_delete itself; the run takes
    # member and organisation ids from the member rows it reads in the same transaction, and
    # declarations, schedules and reliefs are append-only (PROTECT refuses their deletion).
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="dues_assessments",
        db_index=False,
        db_constraint=False,
    )
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField(_("month"))
    kind = models.CharField(_("income kind"), max_length=20, choices=IncomeKind.choices)
    declaration = models.ForeignKey(
        DuesDeclaration,
        verbose_name=_("declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    schedule = models.ForeignKey(
        RateSchedule,
        verbose_name=_("rate schedule"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    relief = models.ForeignKey(
        DuesRelief,
        verbose_name=_("relief"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    base_masked = models.CharField(_("monthly base"), max_length=20, blank=True, default="")
    band = models.CharField(_("band"), max_length=40, blank=True, default="")
    rate = models.DecimalField(_("rate (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    amount = money(_("amount due"))
    paid = money(_("paid"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("dues assessment")
        verbose_name_plural = _("dues assessments")
        ordering = ["-month", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_assessment_one_per_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="dues_assessment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(paid__lte=F("amount")), name="dues_assessment_paid_within_amount"
            ),
        ]
        indexes = [models.Index(fields=["org", "month"], name="dues_assessment_org_month_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.month:%Y-%m} · {self.amount}"

    @property
    def outstanding(self):
        return self.amount - self.paid


class DuesPayment(models.Model):
    """One money movement: a payment (positive) or a refund (negative, pointing at its payment).
    ``idempotency_key`` makes a replayed request or callback find the same entry."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_payments"
    )
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PAID)
    amount = money(_("amount"))
    through_month = models.DateField(_("paid up to (month)"))
    receipt_no = models.CharField(_("receipt number"), max_length=40, blank=True, default="")
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, unique=True)
    gateway = models.CharField(_("gateway"), max_length=20, blank=True, default="")
    gateway_txn = models.CharField(_("gateway transaction"), max_length=80, blank=True, default="")
    refund_of = models.ForeignKey(
        "self", verbose_name=_("refund of"), null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="payment", amount__gt=0, refund_of__isnull=True)
                | Q(kind="refund", amount__lt=0, refund_of__isnull=False),
                name="dues_payment_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["gateway", "gateway_txn"], condition=~Q(gateway_txn=""), name="dues_payment_one_per_txn"
            ),
        ]
        indexes = [models.Index(fields=["org", "paid_at"], name="dues_payment_org_paid_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} · {self.member_id}"


class DuesAllocation(models.Model):
    """The part of a payment (or refund, negative) that settles one month's assessment."""

    payment = models.ForeignKey(
        DuesPayment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="allocations"
    )
    assessment = models.ForeignKey(
        DuesAssessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount = money(_("amount"))

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="dues_allocation_not_zero")]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.assessment_id}: {self.amount}"


class DuesHandover(models.Model):
    """Dues a branch handed over to the higher committee (上缴) for one month's collection."""

    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    amount = money(_("amount"))
    handed_on = models.DateField(_("handed over on"))
    receipt_no = models.CharField(_("receipt number"), max_length=40, blank=True, default="")
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("dues handover")
        verbose_name_plural = _("dues handovers")
        ordering = ["-month", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="dues_handover_positive")]

    def __str__(self) -> str:
        return f"{self.org_id} · {self.month:%Y-%m} · {self.amount}"


class DuesLedger(models.Model):
    """Per organisation per month, pre-aggregated from assessments and handovers so a committee's
    subtree page reads one row per branch. Rebuilt from its sources by ``services.ledger_refresh``
    after every change, never adjusted by increments, so it reconciles exactly."""

    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    # A copy of the organisation's path: the subtree page walks the (month, org_path) index in
    # tree order instead of joining 50,000 organisations. It scopes the row, and an organisation
    # move rewrites it in the same transaction (core.scope.carry_paths).
    org_path = models.CharField(_("organisation path"), max_length=255, default="")
    month = models.DateField(_("month"))
    assessed = money(_("assessed"), default=0)
    paid = money(_("paid"), default=0)
    handed_over = money(_("handed over"), default=0)
    members_total = models.PositiveIntegerField(_("members assessed"), default=0)
    members_paid = models.PositiveIntegerField(_("members paid in full"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dues ledger")
        verbose_name_plural = _("dues ledgers")
        ordering = ["-month", "org_id"]
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="dues_ledger_one_per_month")]
        indexes = [models.Index(fields=["month", "org_path"], name="dues_ledger_month_path_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} · {self.month:%Y-%m}"

    @property
    def outstanding(self):
        return self.assessed - self.paid

    @property
    def rate(self):
        return None if not self.assessed else (self.paid * 100 / self.assessed)
