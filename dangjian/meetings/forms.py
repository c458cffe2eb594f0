"""Page forms for meetings. Shape only; rules live in the services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput
from dangjian.members.choices import ACTIVE_STATUSES
from dangjian.members.models import Member
from dangjian.orgs.forms import OrgChoiceField

from .choices import Frequency, HolidayRule, MeetingKind, MeetingMode


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class OrgPickForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = OrgChoiceField(user, "meeting.manage", label=_("Organisation"))


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class _MeetingFields(forms.Form):
    """The fields a single meeting and a series share."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(
        label=_("Title"), max_length=120, required=False, help_text=_("Empty: the kind is the title.")
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=MeetingMode.choices, initial=MeetingMode.OFFLINE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    geofence_m = forms.IntegerField(
        label=_("Check-in radius (metres)"),
        required=False,
        min_value=50,
        max_value=5000,
        help_text=_("Offline meetings: members must be this close to the place to check in. Empty: no check."),
    )
    online_link = forms.URLField(label=_("Meeting link"), max_length=500, required=False, assume_scheme="https")
    agenda = forms.CharField(
        label=_("Agenda"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    late_after_minutes = forms.IntegerField(
        label=_("Late after (minutes past the start)"), min_value=0, max_value=240, initial=10
    )
    lecturer_name = forms.CharField(label=_("Lecturer (if not a member here)"), max_length=50, required=False)
    publish = forms.BooleanField(label=_("Publish now and notify the attendees"), required=False, initial=True)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        people = Member.objects.filter(org=org, status__in=ACTIVE_STATUSES).order_by("name", "id")
        for name, label in (("host", _("Host")), ("recorder", _("Recorder")), ("lecturer", _("Lecturer"))):
            self.fields[name] = forms.ModelChoiceField(label=label, queryset=people, required=False)
        self.order_fields(["kind", "title", "mode", "date", "start_time", "end_time", "host", "recorder", "lecturer"])

    def meeting_fields(self) -> dict:
        """The cleaned values as Meeting fields (empty text stays "", empty numbers and people None)."""
        data = self.cleaned_data
        text = ["kind", "title", "mode", "place", "online_link", "agenda", "lecturer_name"]
        nullable = ["latitude", "longitude", "geofence_m", "host", "recorder", "lecturer"]
        return {
            **{key: data.get(key) or "" for key in text},
            **{key: data.get(key) for key in nullable},
            "late_after_minutes": data["late_after_minutes"],
        }


class MeetingForm(_MeetingFields):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Ends at"), widget=TimeInput())

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        day = self.cleaned_data["date"]
        return (
            dt.datetime.combine(day, self.cleaned_data["start_time"], tzinfo=tz),
            dt.datetime.combine(day, self.cleaned_data["end_time"], tzinfo=tz),
        )


class SeriesForm(_MeetingFields):
    frequency = forms.ChoiceField(label=_("Repeats"), choices=Frequency.choices, initial=Frequency.MONTHLY)
    day_of_month = forms.IntegerField(
        label=_("Day of the month"), min_value=1, max_value=31, required=False, initial=15
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=[("", "—"), *WEEKDAYS], coerce=int, empty_value=None, required=False
    )
    starts_on = forms.DateField(label=_("First date"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=15, max_value=1440, initial=120)
    holiday_rule = forms.ChoiceField(
        label=_("On a rest day"), choices=HolidayRule.choices, initial=HolidayRule.NEXT_WORKDAY
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = MeetingKind.THEMED_DAY
        self.order_fields(
            [
                *("kind", "title", "frequency", "day_of_month", "weekday", "starts_on", "ends_on"),
                *("start_time", "duration_minutes", "holiday_rule", "mode"),
            ]
        )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("Reason for leave"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class LeaveDecideForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class MakeUpForm(forms.Form):
    content = forms.CharField(
        label=_("What did you study?"),
        min_length=10,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("E.g. the documents of the meeting you read and what you took from them."),
    )


class MemberCodeForm(forms.Form):
    token = forms.CharField(label=_("Member's code"), max_length=200)


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Resolution"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    votes_for = forms.IntegerField(label=_("For"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, required=False)
    abstentions = forms.IntegerField(label=_("Abstentions"), min_value=0, required=False)


class CheckInForm(forms.Form):
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
