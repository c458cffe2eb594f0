"""Page forms for stations. Shape only; rules live in stations.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.models import User
from dangjian.core import scope
from dangjian.orgs.forms import OrgChoiceField

from .choices import Amenity, StationKind

WEEKDAYS = [
    ("1", _("Mon")),
    ("2", _("Tue")),
    ("3", _("Wed")),
    ("4", _("Thu")),
    ("5", _("Fri")),
    ("6", _("Sat")),
    ("7", _("Sun")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class StationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=StationKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6)
    open_days = forms.MultipleChoiceField(
        label=_("Open on"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, initial=[d for d, _label in WEEKDAYS]
    )
    opens_at = forms.TimeField(label=_("Opens at"), required=False, widget=TimeInput())
    closes_at = forms.TimeField(
        label=_("Closes at"), required=False, widget=TimeInput(), help_text=_("Leave both times empty if open all day.")
    )
    amenities = forms.MultipleChoiceField(
        label=_("Amenities"), choices=Amenity.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    phone = forms.CharField(label=_("Station phone"), max_length=30, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)
    active = forms.BooleanField(label=_("Open to the public"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "station.create", label=_("Managing organisation"))
        self.fields["manager"] = forms.ModelChoiceField(
            label=_("Station manager"),
            queryset=User.objects.filter(
                scope.scope_for(user, "station.create").q("role_assignments__org__path"),
                is_active=True,
                role_assignments__role="station_manager",
            ).distinct(),
            required=False,
        )

    def clean_open_days(self):
        return "".join(self.cleaned_data["open_days"])


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)
