"""Reads of the pipeline, narrowed through core.scope: lists, counts per stage, the to-do list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from dangjian.core import crypto, policy, scope
from dangjian.core.models import PolicyValue
from dangjian.core.validators import normalise_id_number
from dangjian.orgs.models import PartyOrganisation

from . import engine
from .choices import ApplicantStatus, Stage
from .models import ID_CONTEXT, Applicant, StepRecord


def applicant_list(
    user, *, q: str = "", stage: str = "", status: str = "", under: PartyOrganisation | None = None
) -> QuerySet[Applicant]:
    """People in the pipeline the user may see. ``q``: a name (contains) or an exact ID number."""
    people = scope.restrict(user, "development.view", model=Applicant).select_related("org", "current_step")
    q = (q or "").strip()
    if q:
        number = normalise_id_number(q)
        if len(number) == 18 and number[:17].isdigit():
            people = people.filter(id_number_bidx__in=crypto.blind_indexes(number, ID_CONTEXT))
        else:
            people = people.filter(name__icontains=q)
    if stage in Stage.values:
        people = people.filter(stage=stage)
    if status in ApplicantStatus.values:
        people = people.filter(status=status)
    if under is not None:
        people = people.filter(org__path__startswith=under.path)
    return people.order_by("name", "id")


def stage_counts(user, under: PartyOrganisation | None = None) -> list[dict]:
    """Active people per stage, every stage listed (zero included), in pipeline order."""
    people = applicant_list(user, status=ApplicantStatus.ACTIVE, under=under)
    counts = dict(people.order_by().values_list("stage").annotate(n=Count("id")))
    return [{"stage": stage, "label": stage.label, "count": counts.get(stage.value, 0)} for stage in Stage]


def applicant_get(user, pk: int) -> Applicant:
    person = applicant_list(user).select_related("member").filter(pk=pk).first()
    if person is None:
        scope.get_in_scope(user, "development.view", Applicant, pk=pk)  # raises NotFoundError
    return person


def timeline(applicant: Applicant) -> engine.Timeline:
    records = list(
        StepRecord.objects.filter(applicant=applicant)
        .select_related("step", "recorded_by")
        .prefetch_related("people", "documents")
    )
    steps = engine.load_steps([applicant.template_id]).get(applicant.template_id, [])
    return engine.Timeline(applicant, steps, records)


def records_by_applicant(people) -> dict[int, list]:
    """The step records of these people as light rows (no model instances: thousands of people)."""
    ids = [p.pk for p in people]
    rows: dict[int, list] = {}
    for start in range(0, len(ids), 5000):  # stay below SQLite's parameter limit
        chunk = ids[start : start + 5000]
        for row in StepRecord.objects.filter(applicant_id__in=chunk).values_list(
            "applicant_id", "step_id", "on", "outcome", "id", named=True
        ):
            rows.setdefault(row.applicant_id, []).append(row)
    return rows


@dataclass(frozen=True)
class TodoItem:
    applicant: Applicant
    step: object
    due: dt.date
    overdue: bool


def _window_resolver():
    """The due-soon window at any organisation path, from one read of the overrides."""
    default = policy.definitions()["development.due_soon_days"].default
    rows = list(PolicyValue.objects.filter(key="development.due_soon_days").values_list("scope_path", "value"))

    def window(path: str) -> int:
        best, value = -1, default
        for prefix, override in rows:
            if path.startswith(prefix) and len(prefix) > best:
                best, value = len(prefix), int(override)
        return value

    return window


def todo(user, under: PartyOrganisation | None = None, today: dt.date | None = None) -> list[TodoItem]:
    """Overdue and due-soon steps of everyone active in the user's scope, computed here on the
    server from the template rules: four queries whatever the number of people."""
    today = today or timezone.localdate()
    people = list(applicant_list(user, status=ApplicantStatus.ACTIVE, under=under))
    records = records_by_applicant(people)
    steps = engine.load_steps({p.template_id for p in people})
    window = _window_resolver()
    items = []
    for person in people:
        line = engine.Timeline(person, steps.get(person.template_id, []), records.get(person.pk, []))
        for due in line.due(today, window(person.org.path)):
            items.append(TodoItem(person, due.step, due.due, due.overdue))
    return sorted(items, key=lambda item: (item.due, item.applicant.name, item.applicant.pk))
