"""Page forms for points. Shape only; rules live in points.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core import scope
from dangjian.stations.models import Station


class RedeemForm(forms.Form):
    code = forms.CharField(
        label=_("Worker's code"), max_length=100, help_text=_("Scan the code on the worker's phone.")
    )
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100000)
    reason = forms.CharField(label=_("Exchanged for"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"] = forms.ModelChoiceField(
            label=_("Station"), queryset=scope.restrict(user, "points.redeem", model=Station).order_by("name", "id")
        )
