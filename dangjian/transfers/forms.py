"""Page forms for transfers. Shape only; rules live in transfers.services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class IssueForm(forms.Form):
    target_org_code = forms.CharField(
        label=_("Code of the receiving organisation"),
        max_length=32,
        required=False,
        help_text=_("For an organisation on the platform: ask the receiving secretary for its code."),
    )
    target_name = forms.CharField(
        label=_("Receiving organisation (not on the platform)"), max_length=120, required=False
    )
    target_address = forms.CharField(label=_("Its address"), max_length=200, required=False)
    in_city = forms.BooleanField(label=_("Within the same city"), required=False, initial=True)
    dues_paid_until = forms.DateField(
        label=_("Dues paid up to (month)"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput()
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for the default: 10 days within the city, 30 days elsewhere."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("target_org_code") and not data.get("target_name"):
            raise ValidationError(_("Give the code of an organisation on the platform, or the name of one outside."))
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReissueForm(forms.Form):
    valid_until = forms.DateField(label=_("New validity until"), required=False, widget=DateInput())


class ReceiptForm(forms.Form):
    received_on = forms.DateField(
        label=_("Receipt returned on"), required=False, widget=DateInput(), initial=dt.date.today
    )


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code on the letter"), max_length=40)
