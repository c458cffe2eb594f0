"""Outputs for paper: the Excel list of everyone in the pipeline, and the public-notice text."""

from __future__ import annotations

import datetime as dt
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from dangjian.core import audit

from . import engine, selectors

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def pipeline_workbook(*, actor, people, filters: dict) -> bytes:
    """Everyone in ``people`` (already scoped) with their stage, last step and next deadline.
    The export is audited with its filters, like the audit trail's own export."""
    today = timezone.localdate()
    rows = list(people)
    records = selectors.records_by_applicant(rows)
    steps = engine.load_steps({p.template_id for p in rows})
    book = Workbook()
    sheet = book.active
    sheet.title = _("Development pipeline")[:31]
    headers = [
        _("Full name"),
        _("ID card number"),
        _("Organisation"),
        _("Stage"),
        _("Last step"),
        _("Last step on"),
        _("Status"),
        _("Next deadline"),
        _("Due on"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for person in rows:
        line = engine.Timeline(person, steps.get(person.template_id, []), records.get(person.pk, []))
        upcoming = line.due(today, 36500)
        sheet.append(
            [
                _cell(person.name),
                person.id_number_masked,
                _cell(person.org.name),
                person.get_stage_display(),
                _cell(person.current_step.name) if person.current_step else "",
                person.current_step_on,
                person.get_status_display(),
                _cell(upcoming[0].step.name) if upcoming else "",
                upcoming[0].due if upcoming else None,
            ]
        )
    for column, width in zip("ABCDEFGHI", (12, 22, 24, 14, 28, 12, 12, 28, 12), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="development.export",
            object_type="development.applicant",
            object_repr=_("Development pipeline export"),
            changes={"filters": [None, {k: v for k, v in filters.items() if v}], "rows": [None, len(rows)]},
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def public_notice(person, line: engine.Timeline, *, start: dt.date, end: dt.date, contact: str = "") -> str:
    """The text of the public notice (公示) before admission, ready to print."""
    by_code = {step.code: step for step in line.steps}

    def first(code):
        step = by_code.get(code)
        rows = line.records.get(step.pk) if step else None
        return rows[0] if rows else None

    def date(day):
        return _("%(y)s-%(m)s-%(d)s") % {"y": day.year, "m": day.month, "d": day.day} if day else "—"

    applied, activist, candidate, sponsors = (
        first("application"),
        first("activist"),
        first("candidate"),
        first("sponsors"),
    )
    facts = {
        "org": person.org.name,
        "name": person.name,
        "gender": _("male") if person.gender == "male" else _("female"),
        "birth": _("%(m)s/%(y)s") % {"y": person.birth_date.year, "m": person.birth_date.month},
        "applied": date(applied.on if applied else None),
        "activist": date(activist.on if activist else None),
        "candidate": date(candidate.on if candidate else None),
        "sponsors": "、".join(p.name for p in sponsors.people.all()) if sponsors else "—",
        "start": date(start),
        "end": date(end),
        "contact": contact or "—",
    }
    title = _("Public notice on the proposed admission of Comrade %(name)s as a probationary member") % facts
    body = (
        _(
            "Comrade %(name)s, %(gender)s, born %(birth)s, applied to join the Party on %(applied)s, "
            "was accepted as an activist on %(activist)s and as a candidate for development on %(candidate)s. "
            "The sponsors are %(sponsors)s. "
            "The branch intends to admit the comrade as a probationary member and makes this public from %(start)s "
            "to %(end)s. Anyone with an opinion may report it to the branch in person, by telephone or in writing. "
            "Contact: %(contact)s."
        )
        % facts
    )
    signature = _("Communist Party of China %(org)s") % facts
    return "\n\n".join([title, body, signature, date(timezone.localdate())])
