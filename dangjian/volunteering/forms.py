from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.forms import OrgChoiceField

from .models import ActivityCategory


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    category = forms.ChoiceField(label=_("Category"), choices=ActivityCategory.choices)
    description = forms.CharField(
        label=_("What volunteers will do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=120)
    points = forms.IntegerField(label=_("Volunteer points for taking part"), min_value=1, max_value=100)
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, required=False, help_text=_("Leave empty for no limit.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "activity.manage", label=_("Organised by"))
        self.order_fields(["org"])


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Volunteer's code"),
        max_length=300,
        help_text=_("Scan the points code or personal code on the volunteer's phone, or type it in."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)
