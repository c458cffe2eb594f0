"""The pipeline's rules, read from a template's step definitions (data), never from code paths:
gating on dependencies, time windows counted from an anchor step, durations, people, ages, and
what is due next. Pure functions over already-loaded rows, so lists and to-dos need no extra
queries per person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.errors import ConflictError, DomainError

from . import rules
from .choices import STAGE_ORDER, ApplicantStatus, Effect, Outcome, Stage


@dataclass(frozen=True)
class Due:
    step: object  # StepDefinition
    due: dt.date
    overdue: bool


class Timeline:
    """One person's recorded steps against their template."""

    def __init__(self, applicant, steps, records):
        self.applicant = applicant
        self.steps = sorted(steps, key=lambda s: s.order)
        self.by_id = {s.pk: s for s in self.steps}
        self.records: dict[int, list] = {}
        for record in sorted(records, key=lambda r: (r.on, r.id or 0)):
            self.records.setdefault(record.step_id, []).append(record)

    def deps(self, step) -> list:
        return [self.by_id[pk] for pk in step.dep_ids]

    def last(self, step):
        rows = self.records.get(step.pk)
        return rows[-1] if rows else None

    def anchor_step(self, step):
        if step.anchor_id:
            return self.by_id.get(step.anchor_id)
        deps = self.deps(step)
        return max(deps, key=lambda s: s.order) if deps else None

    def anchor_date(self, step) -> dt.date | None:
        anchor = self.anchor_step(step)
        first = self.records.get(anchor.pk) if anchor else None
        return first[0].on if first else None

    def extra_months(self, step) -> int:
        """A probation extension pushes the deadlines of the full-membership stage."""
        return self.applicant.extension_months if step.stage == Stage.FULL or step.effect == Effect.FULL else 0

    def deps_met(self, step) -> bool:
        return all(self.records.get(dep.pk) for dep in self.deps(step))

    # ----- checking one record before it is written -------------------------------------------

    def check(self, step, *, on, end_on=None, hours=None, people=(), outcome="", extension_months=None, birth=None):
        """Raise a DomainError naming the broken rule, or return None."""
        today = timezone.localdate()
        if self.applicant.status != ApplicantStatus.ACTIVE:
            raise ConflictError(_("This person is no longer in the pipeline."), code="not_active")
        if on is None:
            raise DomainError(_("Enter the date."), field="on")
        if on > today:
            raise DomainError(_("The date cannot be in the future."), field="on")
        previous = self.last(step)
        extended_before = step.effect == Effect.FULL and previous is not None and previous.outcome == Outcome.EXTENDED
        if previous is not None and not step.repeat_months and not extended_before:
            raise ConflictError(
                _("“%(step)s” is already recorded (%(date)s).") % {"step": step.name, "date": previous.on},
                code="already_recorded",
            )
        if previous is not None and step.repeat_months and on <= previous.on:
            raise DomainError(
                _("Record a later date than the previous “%(step)s” (%(date)s).")
                % {"step": step.name, "date": previous.on},
                field="on",
            )
        for dep in self.deps(step):
            dep_rows = self.records.get(dep.pk)
            if not dep_rows:
                raise DomainError(
                    _("Record “%(dep)s” first: “%(step)s” depends on it.") % {"dep": dep.name, "step": step.name},
                    code="step_gated",
                )
            if on < dep_rows[0].on:
                raise DomainError(
                    _("“%(step)s” cannot be dated before “%(dep)s” (%(date)s).")
                    % {"step": step.name, "dep": dep.name, "date": dep_rows[0].on},
                    code="step_gated",
                    field="on",
                )
            if dep.valid_months and on > rules.add_months(dep_rows[-1].on, dep.valid_months):
                raise DomainError(
                    _("“%(dep)s” of %(date)s is valid for %(n)d months only: record it again first.")
                    % {"dep": dep.name, "date": dep_rows[-1].on, "n": dep.valid_months},
                    code="step_stale",
                    field="on",
                )
        anchor = self.anchor_date(step)
        extra = self.extra_months(step)
        if anchor is not None and step.earliest_months is not None:
            earliest = rules.add_months(anchor, step.earliest_months + extra)
            if on < earliest:
                raise DomainError(
                    _("“%(step)s” may be recorded from %(date)s on.") % {"step": step.name, "date": earliest},
                    code="too_early",
                    field="on",
                )
        if anchor is not None and step.latest_months is not None:
            latest = rules.add_months(anchor, step.latest_months + extra)
            if on > latest:
                raise DomainError(
                    _("“%(step)s” had to be done by %(date)s.") % {"step": step.name, "date": latest},
                    code="too_late",
                    field="on",
                )
        if step.min_age and birth is not None and rules.age_on(birth, on) < step.min_age:
            raise DomainError(_("The applicant must be at least %(n)d years old.") % {"n": step.min_age}, field="on")
        if step.min_working_days:
            if end_on is None:
                raise DomainError(_("Enter the last day of the period."), field="end_on")
            if rules.working_days_between(on, end_on) < step.min_working_days:
                raise DomainError(
                    _("The period must last at least %(n)d working days.") % {"n": step.min_working_days},
                    code="too_short",
                    field="end_on",
                )
        if step.min_days or step.min_hours:
            days = (end_on - on).days + 1 if end_on else 0
            if end_on is not None and end_on < on:
                raise DomainError(_("The last day cannot be before the first."), field="end_on")
            if not ((step.min_days and days >= step.min_days) or (step.min_hours and (hours or 0) >= step.min_hours)):
                raise DomainError(
                    _("It must last at least %(d)d days or %(h)d class hours.")
                    % {"d": step.min_days or 0, "h": step.min_hours or 0},
                    code="too_short",
                    field="end_on",
                )
        if step.people_max:
            if not step.people_min <= len(people) <= step.people_max:
                raise DomainError(
                    _("Name %(min)d to %(max)d %(who)s.")
                    % {"min": step.people_min, "max": step.people_max, "who": step.people_label or _("people")},
                    field="people",
                )
            for person in people:
                if person.political_status != "full" or person.status not in ("normal", "restored"):
                    raise DomainError(
                        _("%(name)s is not a full member in good standing.") % {"name": person.name}, field="people"
                    )
        if step.effect == Effect.FULL:
            if outcome not in Outcome.values:
                raise DomainError(_("Choose the outcome."), field="outcome")
            if outcome == Outcome.EXTENDED:
                if self.applicant.extension_months:
                    raise ConflictError(_("Probation can be extended only once."), code="extended_once")
                if extension_months is None or not 6 <= extension_months <= 12:
                    raise DomainError(_("An extension lasts 6 to 12 months."), field="extension_months")
            if previous is not None and self.applicant.member_id:
                end = self.probation_end()
                if end is not None and on < end:
                    raise DomainError(
                        _("The extended probation ends on %(date)s.") % {"date": end}, code="too_early", field="on"
                    )

    def probation_end(self) -> dt.date | None:
        admit = next((s for s in self.steps if s.effect == Effect.ADMIT), None)
        start = self.anchor_date(admit) if admit else None
        return rules.add_months(start, 12 + self.applicant.extension_months) if start else None

    # ----- what is due -----------------------------------------------------------------------

    def due(self, today: dt.date, window_days: int) -> list[Due]:
        """Steps whose deadline passed or falls within ``window_days``, earliest first."""
        if self.applicant.status != ApplicantStatus.ACTIVE:
            return []
        horizon = today + dt.timedelta(days=window_days)
        items = []
        current = STAGE_ORDER[self.applicant.stage]
        for step in self.steps:
            if not self.deps_met(step):
                continue
            anchor = self.anchor_date(step)
            last = self.last(step)
            if step.repeat_months:
                if STAGE_ORDER[step.stage] != current:
                    continue
                start = last.on if last else anchor
                due = rules.add_months(start, step.repeat_months) if start else None
            elif last is not None and not (step.effect == Effect.FULL and last.outcome == Outcome.EXTENDED):
                continue
            elif step.due_months is not None and anchor is not None:
                due = rules.add_months(anchor, step.due_months + self.extra_months(step))
            else:
                continue
            if due is not None and due <= horizon:
                items.append(Due(step, due, due < today))
        return sorted(items, key=lambda d: (d.due, d.step.order))

    def next_steps(self) -> list:
        """Steps that may be recorded now (dependencies met, not yet recorded or repeatable)."""
        if self.applicant.status != ApplicantStatus.ACTIVE:
            return []
        out = []
        for step in self.steps:
            last = self.last(step)
            repeatable = step.repeat_months and STAGE_ORDER[step.stage] == STAGE_ORDER[self.applicant.stage]
            again = last is not None and step.effect == Effect.FULL and last.outcome == Outcome.EXTENDED
            if self.deps_met(step) and (last is None or repeatable or again):
                out.append(step)
        return out


def load_steps(template_ids) -> dict[int, list]:
    """The steps of these templates with ``dep_ids`` attached: two queries for any number."""
    from .models import StepDefinition

    steps = list(StepDefinition.objects.filter(template_id__in=set(template_ids)).order_by("template_id", "order"))
    through = StepDefinition.depends_on.through.objects.filter(from_stepdefinition__template_id__in=set(template_ids))
    deps: dict[int, list[int]] = {}
    for source, target in through.values_list("from_stepdefinition_id", "to_stepdefinition_id"):
        deps.setdefault(source, []).append(target)
    by_template: dict[int, list] = {}
    for step in steps:
        step.dep_ids = deps.get(step.pk, [])
        by_template.setdefault(step.template_id, []).append(step)
    return by_template
