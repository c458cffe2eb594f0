"""Page forms for dues. Shape only; the rules live in dues.services."""

from __future__ import annotations

import secrets
from decimal import Decimal

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
    back_pay_reason = forms.CharField(
        label=_("Reason for a back payment beyond the window"),
        max_length=200,
        required=False,
        help_text=_("Only to settle months older than the normal back-payment window (6 months)."),
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


SALARIED_ROWS, RETIREE_ROWS = 6, 4
BAND_GROUPS = (("salaried", SALARIED_ROWS), ("retiree", RETIREE_ROWS))


def _band_field(label):
    return forms.DecimalField(label=label, required=False, max_digits=12, decimal_places=2, min_value=0)


class ScheduleForm(forms.Form):
    """A new version of a region's rates. Bands are entered as rows "above … up to … : percent"
    (upper-inclusive); the form checks that they start at 0, follow each other without gaps or
    overlaps, rise, and that only the last is open-ended."""

    region = forms.ChoiceField(label=_("Region (organisation)"))
    name = forms.CharField(label=_("Name (e.g. the document number)"), max_length=120)
    effective_from = MonthField(label=_("In force from (month)"), help_text=_("This month or later."))
    student_amount = forms.DecimalField(
        label=_("Students, monthly (yuan)"), max_digits=8, decimal_places=2, min_value=0
    )
    unemployed_amount = forms.DecimalField(
        label=_("Unemployed, monthly (yuan)"), max_digits=8, decimal_places=2, min_value=0
    )
    subsistence_amount = forms.DecimalField(
        label=_("Subsistence-allowance recipients, monthly (yuan)"), max_digits=8, decimal_places=2, min_value=0
    )
    farmer_min = forms.DecimalField(
        label=_("Farmers, monthly minimum (yuan)"), max_digits=8, decimal_places=2, min_value=0
    )
    farmer_max = forms.DecimalField(
        label=_("Farmers, monthly maximum (yuan)"), max_digits=8, decimal_places=2, min_value=0
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(str(org.pk), f"{org.name}（{org.code}）") for org in regions]
        for group, count in BAND_GROUPS:
            for i in range(count):
                self.fields[f"{group}_{i}_from"] = _band_field(_("Above (yuan)"))
                self.fields[f"{group}_{i}_to"] = _band_field(_("Up to (yuan)"))
                self.fields[f"{group}_{i}_percent"] = forms.DecimalField(
                    label=_("Rate (%)"), required=False, max_digits=8, decimal_places=4
                )

    def band_rows(self, group: str) -> list[dict]:
        count = dict(BAND_GROUPS)[group]
        return [
            {"number": i + 1, "cells": [self[f"{group}_{i}_{part}"] for part in ("from", "to", "percent")]}
            for i in range(count)
        ]

    def _bands(self, group: str, label) -> list | None:
        data = self.cleaned_data
        count = dict(BAND_GROUPS)[group]
        rows = []
        for i in range(count):
            values = [data.get(f"{group}_{i}_{part}") for part in ("from", "to", "percent")]
            if all(v is None for v in values):
                continue
            rows.append((i, *values))
        errors_before = len(self.errors)

        def fail(i, part, message):
            self.add_error(f"{group}_{i}_{part}", message)

        if not rows:
            self.add_error(None, _("%(group)s: enter at least one band.") % {"group": label})
            return None
        previous_to = None
        for position, (i, low, high, percent) in enumerate(rows):
            n = position + 1
            last = position == len(rows) - 1
            if low is None:
                fail(i, "from", _("%(group)s, band %(n)d: enter where it starts.") % {"group": label, "n": n})
                continue
            if percent is None:
                fail(i, "percent", _("%(group)s, band %(n)d: enter the rate.") % {"group": label, "n": n})
            elif not 0 <= percent <= 100:
                fail(
                    i,
                    "percent",
                    _("%(group)s, band %(n)d: the rate is between 0 and 100%%.") % {"group": label, "n": n},
                )
            if position == 0 and low != 0:
                fail(i, "from", _("%(group)s: the first band starts at 0.") % {"group": label})
            if previous_to is not None and low > previous_to:
                fail(
                    i,
                    "from",
                    _(
                        "%(group)s, band %(n)d starts above %(low)s but the band before ends at %(end)s: incomes "
                        "in between would have no rate (a gap)."
                    )
                    % {"group": label, "n": n, "low": low, "end": previous_to},
                )
            elif previous_to is not None and low < previous_to:
                fail(
                    i,
                    "from",
                    _(
                        "%(group)s, band %(n)d starts above %(low)s, below the end %(end)s of the band before: "
                        "the bands overlap."
                    )
                    % {"group": label, "n": n, "low": low, "end": previous_to},
                )
            if high is None and not last:
                fail(
                    i,
                    "to",
                    _("%(group)s, band %(n)d: only the last band has no upper limit.") % {"group": label, "n": n},
                )
            if high is not None and last:
                fail(
                    i,
                    "to",
                    _("%(group)s: leave the last band's upper limit empty, so it covers every higher income.")
                    % {"group": label},
                )
            if high is not None and high <= low:
                fail(
                    i,
                    "to",
                    _("%(group)s, band %(n)d: the upper limit %(high)s must be greater than the lower %(low)s.")
                    % {"group": label, "n": n, "high": high, "low": low},
                )
            previous_to = high
        if len(self.errors) > errors_before:
            return None
        cent = Decimal("0.01")
        return [[None if high is None else str(high.quantize(cent)), str(percent)] for _i, _low, high, percent in rows]

    def clean(self):
        data = super().clean()
        data["salaried_bands"] = self._bands("salaried", _("Salaried"))
        data["retiree_bands"] = self._bands("retiree", _("Retirees"))
        low, high = data.get("farmer_min"), data.get("farmer_max")
        if low is not None and high is not None and low > high:
            self.add_error("farmer_min", _("The farmers' minimum cannot exceed their maximum."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        keys = ["name", "effective_from", "salaried_bands", "retiree_bands", "student_amount", "unemployed_amount"]
        keys += ["subsistence_amount", "farmer_min", "farmer_max"]
        return {key: data[key] for key in keys}

    @staticmethod
    def initial_from(schedule) -> dict:
        """Start from the version in force: the usual change touches one number."""
        from . import rules

        initial = {
            "student_amount": schedule.student_amount,
            "unemployed_amount": schedule.unemployed_amount,
            "subsistence_amount": schedule.subsistence_amount,
            "farmer_min": schedule.farmer_min,
            "farmer_max": schedule.farmer_max,
        }
        for group, raw in (("salaried", schedule.salaried_bands), ("retiree", schedule.retiree_bands)):
            for i, band in enumerate(rules.parse_bands(raw)):
                initial[f"{group}_{i}_from"] = rules.yuan(band.lower or 0)
                initial[f"{group}_{i}_to"] = None if band.upper is None else rules.yuan(band.upper)
                initial[f"{group}_{i}_percent"] = format(band.percent.normalize(), "f")
        return initial
