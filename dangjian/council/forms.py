from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput
from dangjian.meetings.models import Meeting


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=120)
    description = forms.CharField(label=_("Details"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        when = timezone.localtime(obj.starts_at).strftime("%Y-%m-%d %H:%M")
        return f"{when} {obj.title} ({obj.org.name})"


class ScheduleForm(forms.Form):
    """A planned meeting (date and place come from it), or a date and place by hand."""

    meeting = MeetingChoiceField(
        label=_("Planned meeting"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("(none: give the date and place below)"),
    )
    meeting_on = forms.DateField(label=_("Meeting date"), widget=DateInput(), required=False)
    meeting_place = forms.CharField(label=_("Meeting place"), max_length=120, required=False)

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"].queryset = meetings

    def clean(self):
        data = super().clean()
        if not data.get("meeting") and not data.get("meeting_on") and "meeting_on" not in self.errors:
            self.add_error("meeting_on", _("Choose a planned meeting or give the meeting date."))
        return data


class DecideForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(forms.Form):
    follow_up = forms.CharField(label=_("Follow-up"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
