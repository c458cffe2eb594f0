"""Page forms for organisations and host entities. Rules live in services; forms check shape."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.core import scope
from dangjian.core.forms import DateInput
from dangjian.core.validators import normalise_uscc, validate_uscc

from .choices import EntityKind, FieldCategory, Industry, OrgKind, SpecialType
from .models import HostEntity, PartyOrganisation


class OrgPickerWidget(forms.Widget):
    """A search box that lists matching organisations in the user's scope (htmx), no huge <select>."""

    template_name = "orgs/widgets/org_picker.html"

    def __init__(self, action: str = "org.view", attrs=None):
        super().__init__(attrs)
        self.action = action

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        selected = None
        if value not in (None, ""):
            selected = PartyOrganisation.objects.filter(pk=value).only("id", "name", "code").first()
        context["widget"].update({"selected": selected, "action": self.action})
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class OrgChoiceField(forms.ModelChoiceField):
    """An organisation the user may ``action`` (checked again by the service)."""

    def __init__(self, user, action: str = "org.view", **kwargs):
        kwargs.setdefault("widget", OrgPickerWidget(action))
        super().__init__(queryset=scope.restrict(user, action, model=PartyOrganisation), **kwargs)
        self.error_messages["invalid_choice"] = _("Choose an organisation from the search results.")


class OrgForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits and hyphens, unique on the platform.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    special_type = forms.ChoiceField(label=_("Special type"), choices=SpecialType.choices, initial=SpecialType.STANDARD)
    category = forms.ChoiceField(label=_("Field category"), choices=FieldCategory.choices)
    established_on = forms.DateField(label=_("Established on"), required=False, widget=DateInput())
    term_start = forms.DateField(label=_("Current term start"), required=False, widget=DateInput())
    term_years = forms.TypedChoiceField(
        label=_("Term length"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Default for this kind")), (3, _("3 years")), (5, _("5 years"))],
    )
    secretary_name = forms.CharField(label=_("Secretary"), max_length=50, required=False)
    has_committee = forms.BooleanField(label=_("Has an elected committee"), required=False)
    member_count = forms.IntegerField(label=_("Members"), min_value=0, initial=0)
    full_member_count = forms.IntegerField(label=_("Full members"), min_value=0, initial=0)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not all((ch.isalnum() and ch.isascii()) or ch == "-" for ch in code):
            raise ValidationError(_("Use only letters, digits and hyphens."))
        return code

    def clean(self):
        data = super().clean()
        full, members = data.get("full_member_count"), data.get("member_count")
        if full is not None and members is not None and full > members:  # not when either is already wrong
            self.add_error("full_member_count", _("Full members cannot outnumber all members."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data

    @classmethod
    def initial_from(cls, org: PartyOrganisation) -> dict:
        return {name: getattr(org, name) for name in cls.base_fields}


class OrgMoveForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = OrgChoiceField(user, "org.create", label=_("New higher organisation"))


class EntityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=EntityKind.choices)
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        required=False,
        help_text=_("18 characters; worker groups may leave it empty."),
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices, initial=Industry.OTHER)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    employee_count = forms.IntegerField(label=_("Employees"), min_value=0, initial=0)
    member_count = forms.IntegerField(label=_("Party members"), min_value=0, initial=0)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_org"] = OrgChoiceField(
            user,
            "entity.create",
            label=_("Responsible organisation"),
            help_text=_("The party organisation responsible for this entity in its area."),
        )
        self.fields["parent_entity"] = forms.ModelChoiceField(
            label=_("Platform or parent entity"),
            required=False,
            queryset=scope.restrict(user, "entity.view", model=HostEntity).filter(
                kind__in=[EntityKind.PLATFORM_COMPANY, EntityKind.DIGITAL_FIRM, EntityKind.OTHER_ENTERPRISE]
            ),
        )

    def clean_uscc(self):
        code = normalise_uscc(self.cleaned_data.get("uscc") or "")
        if code:
            validate_uscc(code)
        return code or None

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("kind") != EntityKind.WORKER_GROUP and "uscc" in data and not data["uscc"]:
            self.add_error("uscc", _("Enter the unified social credit code (only worker groups have none)."))
        if data.get("employee_count") and (data.get("member_count") or 0) > data["employee_count"]:
            self.add_error("member_count", _("Party members cannot outnumber employees."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        parent = data.pop("parent_entity", None)
        data["parent_entity_id"] = parent.pk if parent else None
        return data


class LinkForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "org.view", label=_("Serving organisation"))


class InstructorForm(forms.Form):
    instructor_name = forms.CharField(label=_("Instructor"), max_length=50)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_by"] = OrgChoiceField(user, "coverage.change", label=_("Assigned by"))
