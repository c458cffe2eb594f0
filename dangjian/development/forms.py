"""Page forms for the pipeline. Shape only; rules live in development.services and the template."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core import scope
from dangjian.core.forms import DateInput
from dangjian.core.validators import normalise_id_number, parse_id_number
from dangjian.members.models import Member
from dangjian.orgs.forms import OrgChoiceField

from .choices import DocumentKind, Outcome


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID card number"), max_length=24, help_text=_("18 characters; birth date and gender are read from it.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "development.manage", label=_("Organisation"))

    def clean_id_number(self):
        value = normalise_id_number(self.cleaned_data.get("id_number") or "")
        parse_id_number(value)
        return value


class RecordForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"))
    on = forms.DateField(label=_("Date"), widget=DateInput())
    end_on = forms.DateField(
        label=_("Until"), required=False, widget=DateInput(), help_text=_("For periods: training, public notice.")
    )
    hours = forms.IntegerField(label=_("Class hours"), required=False, min_value=0, max_value=1000)
    people = forms.ModelMultipleChoiceField(
        label=_("People (mentors, sponsors)"), required=False, queryset=Member.objects.none()
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", "—"), *Outcome.choices])
    extension_months = forms.IntegerField(label=_("Extension (months)"), required=False, min_value=6, max_value=12)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, applicant, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [(s.code, f"{s.get_stage_display()} · {s.name}") for s in steps]
        self.fields["people"].queryset = (
            scope.restrict(user, "member.view", model=Member)
            .filter(org=applicant.org, political_status="full")
            .order_by("name", "id")
        )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG, PNG or Word (.docx)."))


class NoticeForm(forms.Form):
    start = forms.DateField(label=_("Notice from"), widget=DateInput())
    end = forms.DateField(label=_("Notice until"), widget=DateInput())
    contact = forms.CharField(label=_("Contact for opinions"), max_length=100, required=False)
