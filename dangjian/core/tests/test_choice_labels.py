"""get_<field>_display answers from labels built once per language, as Django's own would."""

from django.db import models
from django.utils import translation

from dangjian.core import choice_labels
from dangjian.meetings.models import Meeting
from dangjian.members.models import Member


def test_labels_match_djangos_in_each_language_and_unknown_values_pass_through():
    member = Member(political_status="probationary", gender="female")
    field = Member._meta.get_field("political_status")
    with translation.override("zh-hans"):
        assert member.get_political_status_display() == "预备党员"
        assert member.get_political_status_display() == models.Model._get_FIELD_display(member, field)
    with translation.override("en"):
        assert member.get_political_status_display() == "Probationary member"
        assert member.get_gender_display() == models.Model._get_FIELD_display(member, Member._meta.get_field("gender"))
    member.political_status = "no-such-status"
    assert member.get_political_status_display() == "no-such-status"
    assert Meeting(kind="themed_day").get_kind_display() == "主题党日"


def test_installed_on_every_field_with_fixed_choices_of_the_platforms_models():
    assert choice_labels._made_by_django(Member.__dict__["get_political_status_display"]) is False
    assert Member.__dict__["get_political_status_display"].func is choice_labels._display
    assert choice_labels.install() == 0  # already done at start-up: nothing left to replace
