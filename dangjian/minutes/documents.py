"""Minutes as printable documents, laid out like the paper record books party offices file: the
title, a table of the facts (time, place, host, recorder, attendance counts and names, absentees
with reasons, agenda), the sections of the record, the resolutions, the signatures, and after them
every later correction in order.

Both renderers take a :class:`Sheet` (plain data, built by ``sheet.py`` from the database), so the
layout is tested without a meeting. The PDF uses the Adobe CID font STSong-Light (nothing
embedded, every reader has it); the DOCX names 宋体 (SimSun) for East-Asian text.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

FONT = "STSong-Light"
DOCX_FONT = "SimSun"


@dataclass(frozen=True)
class Signature:
    name: str
    at: dt.datetime


@dataclass(frozen=True)
class CorrectionLine:
    at: dt.datetime
    author: str
    section: str
    text: str
    reason: str


@dataclass
class Sheet:
    """Everything printed on the record, already as text."""

    org_name: str
    title: str
    kind_label: str
    start: dt.datetime
    end: dt.datetime | None
    place: str
    mode_label: str
    host: str
    recorder: str
    lecturer: str = ""
    expected: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    present_names: list[str] = field(default_factory=list)
    absentees: list[tuple[str, str]] = field(default_factory=list)
    agenda: str = ""
    sections: list[tuple[str, str]] = field(default_factory=list)
    resolutions: str = ""
    host_signature: Signature | None = None
    recorder_signature: Signature | None = None
    corrections: list[CorrectionLine] = field(default_factory=list)
    photos: list[bytes] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return _("%(y)d-%(m)02d-%(d)02d %(H)02d:%(M)02d") % {
        "y": local.year,
        "m": local.month,
        "d": local.day,
        "H": local.hour,
        "M": local.minute,
    }


def _time_range(sheet: Sheet) -> str:
    text = _when(sheet.start)
    if sheet.end:
        end = timezone.localtime(sheet.end) if timezone.is_aware(sheet.end) else sheet.end
        text += f"–{end.hour:02d}:{end.minute:02d}"
    return text


def _absentee_text(sheet: Sheet) -> str:
    if not sheet.absentees:
        return _("none")
    return "；".join(f"{name}（{reason}）" if reason else name for name, reason in sheet.absentees)


def _facts(sheet: Sheet) -> list[tuple[str, str]]:
    rows = [
        (pgettext("minutes record", "Meeting"), f"{sheet.title}（{sheet.kind_label}）"),
        (_("Time"), _time_range(sheet)),
        (_("Place"), f"{sheet.place}（{sheet.mode_label}）" if sheet.place else sheet.mode_label),
        (_("Host"), sheet.host),
        (_("Recorder"), sheet.recorder),
    ]
    if sheet.lecturer:
        rows.append((_("Lecturer"), sheet.lecturer))
    rows += [
        (
            _("Attendance"),
            _("expected %(e)d, present %(p)d, on leave %(l)d, absent %(a)d")
            % {"e": sheet.expected, "p": sheet.present, "l": sheet.leave, "a": sheet.absent},
        ),
        (pgettext("minutes record", "Present"), "、".join(sheet.present_names) or _("none")),
        (_("Absent, with reasons"), _absentee_text(sheet)),
        (pgettext("minutes record", "Agenda"), sheet.agenda or _("none")),
    ]
    return rows


def _signature_text(label: str, signature: Signature | None) -> str:
    if signature is None:
        return _("%(role)s (signature): not signed") % {"role": label}
    return _("%(role)s (signature): %(name)s, %(at)s") % {
        "role": label,
        "name": signature.name,
        "at": _when(signature.at),
    }


def _heading(sheet: Sheet) -> str:
    return _("%(org)s meeting minutes") % {"org": sheet.org_name}


def _correction_text(c: CorrectionLine) -> str:
    return _("%(at)s, %(author)s corrected “%(section)s”: %(text)s (reason: %(reason)s)") % {
        "at": _when(c.at),
        "author": c.author,
        "section": c.section,
        "text": c.text,
        "reason": c.reason,
    }


def render_docx(sheet: Sheet) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    with translation.override("zh-hans"):
        doc = Document()
        normal = doc.styles["Normal"]
        normal.font.name = DOCX_FONT
        normal.font.size = Pt(11)
        normal.element.rPr.rFonts.set(qn("w:eastAsia"), DOCX_FONT)
        doc.core_properties.title = _heading(sheet)
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = title.add_run(_heading(sheet))
        run.bold = True
        run.font.size = Pt(18)
        facts = _facts(sheet)
        table = doc.add_table(rows=len(facts), cols=2)
        table.style = "Table Grid"
        for row, (label, value) in zip(table.rows, facts, strict=True):
            row.cells[0].width = Cm(3.5)
            row.cells[0].paragraphs[0].add_run(label).bold = True
            row.cells[1].text = value
        for label, text in sheet.sections:
            heading = doc.add_paragraph()
            heading.add_run(label).bold = True
            for line in (text or _("none")).splitlines() or [""]:
                doc.add_paragraph(line)
        heading = doc.add_paragraph()
        heading.add_run(pgettext("minutes record", "Resolutions")).bold = True
        for line in (sheet.resolutions or _("none")).splitlines():
            doc.add_paragraph(line)
        if sheet.photos:
            heading = doc.add_paragraph()
            heading.add_run(_("Photos")).bold = True
            for data in sheet.photos:
                doc.add_picture(io.BytesIO(data), width=Cm(12))
        if sheet.attachments:
            doc.add_paragraph(_("Attachments: %(names)s") % {"names": "、".join(sheet.attachments)})
        doc.add_paragraph("")
        for label, signature in ((_("Host"), sheet.host_signature), (_("Recorder"), sheet.recorder_signature)):
            paragraph = doc.add_paragraph(_signature_text(label, signature))
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if sheet.corrections:
            heading = doc.add_paragraph()
            heading.add_run(_("Corrections after sign-off")).bold = True
            for index, correction in enumerate(sheet.corrections, start=1):
                doc.add_paragraph(f"{index}. {_correction_text(correction)}")
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def render_pdf(sheet: Sheet) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("minutes-body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
    label_style = ParagraphStyle("minutes-label", parent=body, fontSize=11)
    heading = ParagraphStyle("minutes-heading", parent=body, fontSize=12, leading=20, spaceBefore=8)
    title_style = ParagraphStyle("minutes-title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER)
    right = ParagraphStyle("minutes-right", parent=body, alignment=TA_RIGHT)

    def para(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    buffer = io.BytesIO()
    with translation.override("zh-hans"):
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=_heading(sheet),
            pageCompression=0,
        )
        width = A4[0] - 40 * mm
        story: list = [para(_heading(sheet), title_style), Spacer(1, 6 * mm)]
        table = Table(
            [[para(label, label_style), para(value)] for label, value in _facts(sheet)],
            colWidths=[32 * mm, width - 32 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
                ]
            )
        )
        story.append(table)
        for label, text in [*sheet.sections, (pgettext("minutes record", "Resolutions"), sheet.resolutions)]:
            story += [para(label, heading), para(text or _("none"))]
        for data in sheet.photos:
            picture = Image(io.BytesIO(data))
            scale = min(1.0, (width * 0.7) / picture.imageWidth, (90 * mm) / picture.imageHeight)
            picture.drawWidth, picture.drawHeight = picture.imageWidth * scale, picture.imageHeight * scale
            story += [Spacer(1, 3 * mm), picture]
        if sheet.attachments:
            story.append(para(_("Attachments: %(names)s") % {"names": "、".join(sheet.attachments)}))
        story.append(Spacer(1, 10 * mm))
        for label, signature in ((_("Host"), sheet.host_signature), (_("Recorder"), sheet.recorder_signature)):
            story.append(para(_signature_text(label, signature), right))
        if sheet.corrections:
            story.append(para(_("Corrections after sign-off"), heading))
            for index, correction in enumerate(sheet.corrections, start=1):
                story.append(para(f"{index}. {_correction_text(correction)}"))
        doc.build(story)
    return buffer.getvalue()
