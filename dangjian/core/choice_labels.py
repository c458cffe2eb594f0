"""Faster ``get_<field>_display``: Django builds a dict of the field's choices (hashing every lazy
label, which translates it) on every call, ~40 µs each; a list page calls it hundreds of times.
Here the labels of each field are built once per language and looked up after that.

Installed for the platform's own models at start-up (``CoreConfig.ready``). Fields whose choices
are computed at run time (a callable) and methods a model defines itself are left as Django made them.
"""

from __future__ import annotations

from functools import partialmethod

from django.apps import apps
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

_labels: dict[tuple[int, str | None], dict] = {}


def _display(self, field):
    value = getattr(self, field.attname)
    key = (id(field), get_language())
    labels = _labels.get(key)
    if labels is None:
        labels = _labels[key] = {
            make_hashable(choice): force_str(label, strings_only=True) for choice, label in field.flatchoices
        }
    try:
        return labels.get(make_hashable(value), value)
    except TypeError:  # an unhashable value that make_hashable could not turn into a key
        return value


def _made_by_django(method) -> bool:
    return isinstance(method, partialmethod) and method.func is models.Model._get_FIELD_display


def install(prefix: str = "dangjian.") -> int:
    """Replace Django's ``get_<field>_display`` on every model of the apps under ``prefix``; returns
    how many were replaced."""
    replaced = 0
    for model in apps.get_models():
        if not model.__module__.startswith(prefix):
            continue
        for field in model._meta.concrete_fields:
            if field.choices is None or callable(getattr(field, "_choices", None)):
                continue
            name = f"get_{field.name}_display"
            if _made_by_django(model.__dict__.get(name)):
                setattr(model, name, partialmethod(_display, field=field))
                replaced += 1
    return replaced
