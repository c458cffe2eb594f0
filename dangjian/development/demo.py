"""People in the demo district's pipeline, at different stages and with deadlines due, through services."""

from __future__ import annotations

import datetime as dt
import importlib

from django.apps import apps as django_apps

from dangjian.core.validators import id_check_character
from dangjian.members.models import Member

from . import services
from .models import Applicant, PipelineTemplate, StepDefinition
from .rules import add_months


def _number(first17: str) -> str:
    return first17 + id_check_character(first17)


ID_STEMS = {
    "周晓东": "33010619980412001",
    "吴佳怡": "33010620000118002",
    "郑浩然": "33010619960705003",
    "王丽娜": "33010619970923004",
    "陈思远": "33010619950301005",
}


def demo_applicant_numbers() -> list[str]:
    """The ID numbers of the demo applicants (the plaintext-at-rest test looks for them)."""
    return [_number(stem) for stem in ID_STEMS.values()]


def ensure_default_template() -> None:
    """A database emptied by a flush (transactional tests) has lost the rows of data migrations:
    put the default template back, from the migration itself so that there is one source."""
    if not PipelineTemplate.objects.filter(org__isnull=True).exists():
        migration = importlib.import_module("dangjian.development.migrations.0002_default_template")
        migration.seed(django_apps, None)


def seed_pipeline(org, today: dt.date) -> int:
    """Five people in ``org``'s pipeline (skipped when anyone is in the pipeline already)."""
    ensure_default_template()
    if Applicant.objects.exists():
        return 0
    helpers = list(Member.objects.filter(org=org, political_status="full", status="normal").order_by("pk")[:2])
    if len(helpers) < 2:
        return 0
    d = dt.timedelta
    activist_long_ago = add_months(today, -15)
    meeting = add_months(today, -4)
    plans = [
        ("周晓东", [("application", today - d(days=40), {})]),
        ("吴佳怡", [("application", add_months(today, -1) + d(days=10), {})]),
        (
            "郑浩然",
            [
                ("application", add_months(today, -9), {}),
                ("talk", add_months(today, -9) + d(days=15), {}),
                ("activist", add_months(today, -8), {}),
                ("mentors", add_months(today, -8) + d(days=1), {"people": helpers[:1]}),
            ],
        ),
        (
            "王丽娜",
            [
                ("application", add_months(activist_long_ago, -2), {}),
                ("talk", add_months(activist_long_ago, -2) + d(days=10), {}),
                ("activist", activist_long_ago, {}),
                ("mentors", activist_long_ago + d(days=2), {"people": helpers[:2]}),
                ("assessment", add_months(activist_long_ago, 6), {}),
                ("assessment", add_months(activist_long_ago, 12), {}),
                ("candidate", add_months(today, -2), {}),
                ("sponsors", add_months(today, -2) + d(days=3), {"people": helpers[:2]}),
                ("review", add_months(today, -1), {}),
            ],
        ),
        (
            "陈思远",
            [
                ("application", add_months(meeting, -24), {}),
                ("talk", add_months(meeting, -24) + d(days=12), {}),
                ("activist", add_months(meeting, -23), {}),
                ("mentors", add_months(meeting, -23) + d(days=1), {"people": helpers[:1]}),
                ("assessment", add_months(meeting, -17), {}),
                ("candidate", add_months(meeting, -10), {}),
                ("sponsors", add_months(meeting, -10) + d(days=2), {"people": helpers[:2]}),
                ("review", add_months(meeting, -9), {}),
                ("training", add_months(meeting, -8), {"end_on": add_months(meeting, -8) + d(days=2)}),
                ("branch_review", add_months(meeting, -6), {}),
                ("pre_review", add_months(meeting, -5), {}),
                ("notice", add_months(meeting, -5) + d(days=3), {"end_on": add_months(meeting, -5) + d(days=12)}),
                ("volunteer_form", add_months(meeting, -4), {}),
                ("admission_meeting", meeting, {}),
                ("approval_talk", meeting + d(days=5), {}),
            ],
        ),
    ]
    for name, steps in plans:
        person = services.applicant_register(actor=None, org=org, name=name, id_number=_number(ID_STEMS[name]))
        for code, on, extra in steps:
            step = StepDefinition.objects.get(template=person.template, code=code)
            services.step_record(actor=None, applicant=person, step=step, on=on, notes="演示数据", **extra)
    return len(plans)
