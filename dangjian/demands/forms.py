"""Page forms for demands and resources. Shape only; rules live in demands.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput
from dangjian.orgs.forms import OrgChoiceField

from .choices import Category, ResourceKind


class DemandForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Describe what you need"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    area = forms.CharField(
        label=_("Where"), max_length=100, required=False, help_text=_("A street, a business district or a station.")
    )
    photo = forms.FileField(
        label=_("Photo (optional)"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    contact_name = forms.CharField(label=_("How should we address you?"), max_length=50, required=False)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, logged_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if logged_in:
            del self.fields["code"]
            self.fields["mobile"].help_text = _("Optional: we call you back on it.")
        else:
            self.fields["mobile"].help_text = _("Tap “Send code” first; the code arrives by text message.")


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        coerce=int,
        choices=[(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it not solved?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "demand.triage", label=_("Assign to"))
        self.fields["department"] = forms.CharField(label=_("Partner department"), max_length=100, required=False)


class ReplyForm(forms.Form):
    note = forms.CharField(label=_("Reply to the worker"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class MatchForm(forms.Form):
    resource = forms.ModelChoiceField(label=_("Resource or project"), queryset=None, required=False)

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources


class RuleForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "demand.rules", label=_("Region"))
        self.fields["category"] = forms.ChoiceField(
            label=_("Category"), choices=[("", _("Any category")), *Category.choices], required=False
        )
        self.fields["area"] = forms.CharField(label=_("Area contains"), max_length=100, required=False)
        self.fields["assignee"] = OrgChoiceField(user, "demand.rules", label=_("Assign to"))
        self.fields["department"] = forms.CharField(label=_("Partner department"), max_length=100, required=False)


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    provider = forms.CharField(label=_("Provider"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    area = forms.CharField(label=_("Area"), max_length=100, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "resource.manage", label=_("Organisation"))


class AssistStartForm(forms.Form):
    worker_name = forms.CharField(label=_("Worker's name"), max_length=50)
    mobile = forms.CharField(
        label=_("Worker's mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    consent_note = forms.CharField(
        label=_("How the worker agreed"), max_length=200, initial=_("In person at the station"), required=True
    )
    consent = forms.BooleanField(label=_("The worker agreed that I act for them in this session"), required=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from dangjian.core import scope
        from dangjian.stations.models import Station

        self.fields["station"] = forms.ModelChoiceField(
            label=_("Station"), queryset=scope.restrict(user, "assist.act", model=Station).order_by("name", "id")
        )
        self.order_fields(["station", "worker_name", "mobile", "consent_note", "consent"])


class AssistedDemandForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Describe what the worker needs"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    area = forms.CharField(label=_("Where"), max_length=100, required=False)
