"""Page forms for dues. Shape only; the rules live in dues.services."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput

from .choices import IncomeKind, PaymentMethod


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class MonthField(forms.DateField):
    widget = MonthInput

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m", "%Y-%m-%d"], **kwargs)


def new_key() -> str:
    return secrets.token_urlsafe(16)


class DeclarationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Income kind"), choices=IncomeKind.choices)
    base = forms.DecimalField(
        label=_("After-tax monthly income (yuan)"), required=False, max_digits=12, decimal_places=2, min_value=0
    )
    quarter_income = forms.DecimalField(
        label=_("Previous quarter's net income (yuan)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=_("Self-employed members only: the monthly average becomes the base."),
    )
    fixed_amount = forms.DecimalField(
        label=_("Farmers: chosen monthly amount (yuan)"), required=False, max_digits=6, decimal_places=2
    )
    applies_from = MonthField(label=_("Applies from (month)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2)
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[
            (PaymentMethod.CASH, PaymentMethod.CASH.label),
            (PaymentMethod.TRANSFER, PaymentMethod.TRANSFER.label),
        ],
    )
    receipt_no = forms.CharField(label=_("Receipt number"), max_length=40)
    through_month = MonthField(
        label=_("Pay up to (month)"), required=False, help_text=_("Empty: this month. A later month pays in advance.")
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)


class RefundForm(forms.Form):
    payment = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("Refund (yuan)"), max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)


class ReliefForm(forms.Form):
    from_month = MonthField(label=_("From month"))
    to_month = MonthField(label=_("To month"))
    amount = forms.DecimalField(
        label=_("Reduced monthly amount (0 = waived)"), max_digits=8, decimal_places=2, min_value=0
    )
    reason = forms.CharField(label=_("Reason and branch decision"), max_length=300)


class RevealForm(forms.Form):
    declaration = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why you need the full value"), max_length=200)


class AssessForm(forms.Form):
    month = MonthField(label=_("Month"))


class HandoverForm(forms.Form):
    month = MonthField(label=_("Month collected"))
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2)
    handed_on = forms.DateField(label=_("Handed over on"), widget=DateInput())
    receipt_no = forms.CharField(label=_("Receipt number"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class OrderForm(forms.Form):
    through_month = MonthField(label=_("Pay up to (month)"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
