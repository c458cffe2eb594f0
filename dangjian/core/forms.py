"""Helpers that let pages show service errors next to the right field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.paginator import Paginator

from .errors import DomainError


def run_service(form: forms.Form, call: Callable[[], Any]) -> Any | None:
    """Run ``call``; a DomainError becomes form errors (on its field when the form has one)."""
    try:
        return call()
    except DomainError as exc:
        placed = False
        for field, messages in exc.fields.items():
            name = field[:-3] if field.endswith("_id") and field[:-3] in form.fields else field
            if name in form.fields:
                for message in messages:
                    form.add_error(name, message)
                placed = True
        if not placed:
            form.add_error(None, exc.message)
        return None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def page_of(request, queryset, per_page: int = 25):
    """The requested page of ``queryset`` (bad page numbers give the nearest valid page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
