"""The template of the minutes for each meeting kind: which sections the record has, in order,
and what is filled in from the meeting. Resolutions are a separate field on every kind."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

RESOLUTIONS = "resolutions"

# kind → [(key, label)], in the order the paper record has them.
TEMPLATES = {
    "branch_general": [
        ("agenda", _("Agenda items")),
        ("discussion", _("Discussion")),
        ("votes", _("Votes")),
    ],
    "committee": [
        ("agenda", _("Matters studied")),
        ("discussion", _("Discussion")),
        ("votes", _("Votes")),
    ],
    "group": [
        ("agenda", _("Topics")),
        ("discussion", _("Members' remarks")),
    ],
    "lecture": [
        ("lecturer", _("Lecturer")),
        ("topic", _("Lecture topic")),
        ("content", _("Lecture content")),
        ("discussion", _("Exchange and discussion")),
    ],
    "themed_day": [
        ("topic", _("Theme")),
        ("activities", _("Activities")),
        ("dues", _("Party dues collected")),
        ("discussion", _("Members' remarks")),
    ],
    "org_life": [
        ("topic", _("Theme")),
        ("criticism", _("Criticism and self-criticism")),
        ("rectification", _("Rectification measures")),
    ],
    "heart_talk": [
        ("participants", _("People talked with")),
        ("content", _("What was said")),
        ("followup", _("Opinions raised and follow-up")),
    ],
}
FALLBACK = [("agenda", _("Agenda items")), ("content", _("Content"))]


def template_for(kind: str) -> list[tuple[str, object]]:
    return TEMPLATES.get(kind, FALLBACK)


def prefilled(meeting) -> list[dict]:
    """The sections of a new record (``[{"key", "text"}]``) with what the meeting already says."""
    lecturer = meeting.lecturer.name if meeting.lecturer_id else meeting.lecturer_name
    known = {"agenda": meeting.agenda, "topic": meeting.title, "lecturer": lecturer or ""}
    return [{"key": key, "text": known.get(key, "")} for key, _label in template_for(meeting.kind)]


def labels(kind: str) -> dict[str, str]:
    """Section key → label (in the active language) for a kind, the resolutions included."""
    found = {key: str(label) for key, label in template_for(kind)}
    found[RESOLUTIONS] = str(pgettext_lazy("minutes record", "Resolutions"))
    return found


def labelled(minutes) -> list[dict]:
    """The record's sections with their labels: ``[{"key", "label", "text"}]``."""
    names = labels(minutes.meeting.kind)
    return [{"key": s["key"], "label": names.get(s["key"], s["key"]), "text": s["text"]} for s in minutes.sections]
