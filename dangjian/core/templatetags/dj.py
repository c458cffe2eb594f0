"""Template helpers: Bootstrap-styled form widgets, badges, querystring updates."""

from django import forms, template
from django.utils.html import format_html

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field's widget with Bootstrap classes and accessible error wiring."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple) and not isinstance(
        widget, forms.CheckboxSelectMultiple
    ):
        css = "form-select"
    elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        css = ""
    else:
        css = "form-control"
    attrs = {"class": f"{css} is-invalid".strip() if field.errors else css}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_errors")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required and not isinstance(widget, forms.CheckboxInput):
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag
def rate_bar(rate, label=""):
    """A native <progress> bar: no inline style, so the strict CSP holds."""
    return format_html(
        '<progress class="rate-bar" value="{}" max="100" aria-label="{}">{}%</progress>', rate, label, rate
    )
