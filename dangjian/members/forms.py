"""Page forms for members. Shape only; rules live in members.services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.core import scope
from dangjian.core.forms import DateInput
from dangjian.core.validators import normalise_id_number, normalise_mobile, parse_id_number, validate_mobile
from dangjian.orgs.forms import OrgChoiceField, OrgPickerWidget
from dangjian.orgs.models import HostEntity

from .choices import ETHNICITIES, Education, EmploymentForm, MembershipStatus, PoliticalStatus
from .models import ConsentPurpose


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID card number"), max_length=24, help_text=_("18 characters; birth date and gender are read from it.")
    )
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=[(e, e) for e in ETHNICITIES], initial="汉族")
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—"), *Education.choices], required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=50, required=False)
    employment_form = forms.ChoiceField(label=_("Employment form"), choices=EmploymentForm.choices)
    work_area = forms.CharField(
        label=_("Work area"),
        max_length=100,
        required=False,
        help_text=_("Where the member mostly works, e.g. a street or a business district."),
    )
    political_status = forms.ChoiceField(label=_("Political status"), choices=PoliticalStatus.choices)
    join_date = forms.DateField(label=_("Join date"), widget=DateInput())
    full_member_date = forms.DateField(label=_("Full-membership date"), required=False, widget=DateInput())
    is_flowing = forms.BooleanField(label=_("Flowing member"), required=False)

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "member.create", label=_("Organisation"))
        self.fields["employer"] = forms.ModelChoiceField(
            label=_("Platform / employer"),
            required=False,
            queryset=scope.restrict(user, "entity.view", model=HostEntity).order_by("name"),
        )
        if editing:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("Leave empty to keep the number on file.")

    def clean_id_number(self):
        value = normalise_id_number(self.cleaned_data.get("id_number") or "")
        if value:
            parse_id_number(value)
        return value

    def clean_mobile(self):
        value = normalise_mobile(self.cleaned_data.get("mobile") or "")
        if value:
            validate_mobile(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("political_status") == PoliticalStatus.FULL and not data.get("full_member_date"):
            self.add_error("full_member_date", _("Enter the date of becoming a full member."))
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        employer = data.pop("employer", None)
        data["employer_id"] = employer.pk if employer else None
        if not data.get("id_number"):
            data.pop("id_number", None)
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=MembershipStatus.choices)
    on = forms.DateField(label=_("Date of the decision"), required=False, widget=DateInput())
    reason = forms.CharField(
        label=_("Reason or meeting decision"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[("id_number", _("ID card number")), ("mobile", _("Mobile number"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Why do you need the full value?"), max_length=200)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 2:
            raise ValidationError(_("State why you need to see the full value."))
        return reason


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    scope_text = forms.CharField(
        label=_("What is processed"),
        max_length=300,
        initial=_("ID card number, mobile number and party membership, kept encrypted and shown masked"),
    )


class CodeRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=200)


class CodeScanForm(forms.Form):
    token = forms.CharField(
        label=_("Code"), max_length=200, help_text=_("Scan the QR with the phone camera, or type the text under it.")
    )


class ImportForm(forms.Form):
    org = forms.Field(label=_("Import under"))  # replaced in __init__ (needs the user)
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    mode = forms.ChoiceField(label=_("If some rows have errors"), choices=[], widget=forms.RadioSelect)

    MAX_BYTES = 50 * 1024 * 1024

    def __init__(self, *args, user, **kwargs):
        from .models import ImportJob

        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(
            user,
            "member.import",
            label=_("Import under"),
            help_text=_("Each row names its organisation by code; it must lie under this one."),
        )
        self.fields["mode"].choices = ImportJob.Mode.choices
        self.fields["mode"].initial = ImportJob.Mode.ALL_OR_NOTHING

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 50 MB; split it into smaller files."))
        return upload


class LostFlagForm(forms.Form):
    basis = forms.CharField(
        label=_("How was the member found to be out of contact?"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput())


class SearchAttemptForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=[])
    result = forms.CharField(label=_("Result"), max_length=300)
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        from .models import SearchAttempt

        super().__init__(*args, **kwargs)
        self.fields["method"].choices = SearchAttempt.Method.choices


class LostOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("found", _("Found and back in contact")),
            ("stopped", _("Membership stopped by the branch meeting (keep searching)")),
            ("restored", _("Membership restored")),
            ("removed", _("Removed")),
        ],
    )
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("Reason or meeting decision"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FlowOutForm(forms.Form):
    destination = forms.CharField(
        label=_("Destination"), max_length=120, help_text=_("City and district, or the workplace.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, initial=_("Work"))
    left_on = forms.DateField(label=_("Left on"), required=False, widget=DateInput())
    expected_return = forms.DateField(label=_("Expected return"), required=False, widget=DateInput())
    pays_dues_at_destination = forms.BooleanField(label=_("Pays dues at the destination"), required=False)


class FlowInForm(FlowOutForm):
    id_number = forms.CharField(label=_("ID card number"), max_length=24)

    field_order = ["dest_org", "id_number", "destination", "reason", "left_on", "expected_return"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dest_org"] = OrgChoiceField(user, "member.create", label=_("Organisation at the destination"))
        self.order_fields(self.field_order)

    def clean_id_number(self):
        value = normalise_id_number(self.cleaned_data.get("id_number") or "")
        parse_id_number(value)
        return value


class FlowReportForm(forms.Form):
    content = forms.CharField(
        label=_("Report"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Organisational life joined, dues paid, changes of place, employer or phone."),
    )
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput())


class PublicOrgPickerWidget(OrgPickerWidget):
    """The organisation picker of the public registration form: searches every organisation's
    name (public names only) through ``members:join_orgs`` of the scanned registration code."""

    template_name = "members/widgets/public_org_picker.html"

    def __init__(self, search_url: str = "", attrs=None):
        super().__init__("org.view", attrs)
        self.search_url = search_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = self.search_url
        return context


class JoinForm(forms.Form):
    """The anonymous registration behind an organisation's QR (shape only; rules in finding)."""

    def __init__(self, *args, search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_org"].widget = PublicOrgPickerWidget(search_url)

    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(label=_("ID card number"), max_length=24)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    home_org = forms.IntegerField(
        label=_("Organisation your Party relationship is in"),
        required=False,
        min_value=1,
        help_text=_("e.g. the branch of your home village or former employer: search and pick it"),
    )
    home_org_text = forms.CharField(
        label=_("Not in the list? Type its name"),
        max_length=120,
        required=False,
    )
    employer_text = forms.CharField(label=_("Employer or platform"), max_length=120, required=False)
    work_area = forms.CharField(label=_("Where you work"), max_length=100, required=False)
    consent = forms.BooleanField(label=_("I agree to the processing described above"), required=False)


class JoinCodeForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "member.create", label=_("Organisation"))


class LeadDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("inflow", _("Registered member: confirm as an inflow here")),
            ("verified", _("Not registered: verified as a pocket member")),
            ("rejected", _("Reject")),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
