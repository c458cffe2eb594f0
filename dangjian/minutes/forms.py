"""Page forms for minutes. Shape only; rules live in minutes.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import sections
from .services import MAX_TEXT


class MinutesForm(forms.Form):
    """One textarea per section of the record's template, then the resolutions."""

    def __init__(self, *args, minutes, **kwargs):
        super().__init__(*args, **kwargs)
        for item in sections.labelled(minutes):
            self.fields[f"s_{item['key']}"] = forms.CharField(
                label=item["label"],
                required=False,
                max_length=MAX_TEXT,
                initial=item["text"],
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        self.fields["resolutions"] = forms.CharField(
            label=pgettext_lazy("minutes record", "Resolutions"),
            required=False,
            max_length=MAX_TEXT,
            initial=minutes.resolutions,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def section_texts(self) -> dict[str, str]:
        return {name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("s_")}


class CorrectionForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"))
    text = forms.CharField(label=_("Corrected text"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)

    def __init__(self, *args, minutes, **kwargs):
        super().__init__(*args, **kwargs)
        names = sections.labels(minutes.meeting.kind)
        keys = [s["key"] for s in minutes.sections] + [sections.RESOLUTIONS]
        self.fields["section"].choices = [(key, names.get(key, key)) for key in keys]


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attachment"),
        help_text=_("PDF, Word, Excel or PowerPoint; at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx"}),
    )
