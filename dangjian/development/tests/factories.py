"""People in the pipeline for tests, and a helper to walk them through steps, all via services."""

import datetime as dt

from dangjian.development import services
from dangjian.development.models import StepDefinition
from dangjian.members.tests.factories import id_number


def applicant(org, name="李明", *, actor=None, birth=dt.date(1995, 3, 8), male=True):
    return services.applicant_register(actor=actor, org=org, name=name, id_number=id_number(birth, male))


def step(person, code):
    return StepDefinition.objects.get(template=person.template, code=code)


def record(person, code, on, *, actor=None, **extra):
    return services.step_record(actor=actor, applicant=person, step=step(person, code), on=on, **extra)
