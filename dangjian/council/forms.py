from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=120)
    description = forms.CharField(label=_("Details"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ScheduleForm(forms.Form):
    meeting_on = forms.DateField(label=_("Meeting date"), widget=DateInput())
    meeting_place = forms.CharField(label=_("Meeting place"), max_length=120, required=False)


class DecideForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(forms.Form):
    follow_up = forms.CharField(label=_("Follow-up"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
