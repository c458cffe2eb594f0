"""Page forms for reports. Shape only; rules live in reports.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ReportCategory


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is wrong?"), choices=ReportCategory.choices, widget=forms.RadioSelect)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    description = forms.CharField(label=_("Anything to add?"), max_length=500, required=False)
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)


class CloseForm(forms.Form):
    resolution = forms.CharField(label=_("What was done"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(
        label=_("Photo after the fix"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
