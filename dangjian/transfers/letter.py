"""The printable introduction letter (介绍信) of a transfer: stub, main letter and receipt on one A4
page, in Chinese, with the verification code and a QR code that opens the public check page.

The text uses the Adobe CID font STSong-Light, which every PDF reader has or substitutes, so no
font file is shipped or embedded. The ID number is printed masked, like everywhere else."""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from . import rules
from .models import Transfer

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22)
PLAIN = ParagraphStyle("plain", parent=BODY, firstLineIndent=0)


def _date(day) -> str:
    return _("%(y)s-%(m)s-%(d)s") % {"y": day.year, "m": day.month, "d": day.day}


def _month(day) -> str:
    return _("%(m)s/%(y)s") % {"y": day.year, "m": day.month}


def _facts(t: Transfer) -> dict:
    member = t.member
    return {
        "no": t.letter_number,
        "name": member.name,
        "status": member.get_political_status_display(),
        "id": member.id_number_masked,
        "source": t.source_org.name,
        "target": t.target_name,
        "dues": _month(t.dues_paid_until),
        "until": _date(t.valid_until),
        "issued": _date(t.issued_on),
        "code": rules.format_code(t.verify_code),
    }


def _paragraph(c: canvas.Canvas, text: str, x: float, y: float, width: float, style=BODY) -> float:
    p = Paragraph(text, style)
    _w, h = p.wrapOn(c, width, 200 * mm)
    p.drawOn(c, x, y - h)
    return y - h


def _qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def _cut(c: canvas.Canvas, y: float, width: float) -> None:
    c.saveState()
    c.setDash(4, 3)
    c.setLineWidth(0.5)
    c.line(15 * mm, y, width - 15 * mm, y)
    c.setFont(FONT, 8)
    c.drawCentredString(width / 2, y + 2, _("cut along this line"))
    c.restoreState()


def render(transfer: Transfer, verify_url: str) -> bytes:
    """The letter as PDF bytes. ``verify_url`` is the public check page with the code filled in."""
    buffer = io.BytesIO()
    width, height = A4
    with translation.override("zh-hans"):
        f = _facts(transfer)
        c = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
        c.setTitle(_("Introduction letter for the transfer of a party member's relationship") + f" {f['no']}")
        left, text_width = 20 * mm, width - 40 * mm
        # Stub (存根): kept by the issuing organisation.
        top = height - 18 * mm
        c.setFont(FONT, 14)
        c.drawCentredString(width / 2, top, _("Party member relationship introduction letter (stub)"))
        c.setFont(FONT, 10)
        c.drawRightString(width - left, top - 14, _("No. %(no)s") % f)
        y = _paragraph(
            c,
            _(
                "Comrade %(name)s, %(status)s of the Communist Party of China, ID card %(id)s: the "
                "organisational relationship is transferred from %(source)s to %(target)s. Party dues are "
                "paid up to %(dues)s. Valid until %(until)s."
            )
            % f,
            left,
            top - 24,
            text_width,
        )
        _paragraph(c, _("Issued on %(issued)s · verification code %(code)s") % f, left, y - 6, text_width, PLAIN)
        _cut(c, height - 90 * mm, width)
        # Main letter (介绍信): carried by the member to the receiving organisation.
        top = height - 102 * mm
        c.setFont(FONT, 16)
        c.drawCentredString(width / 2, top, _("Party member relationship introduction letter"))
        c.setFont(FONT, 10)
        c.drawRightString(width - left, top - 16, _("No. %(no)s") % f)
        y = _paragraph(c, _("To %(target)s:") % f, left, top - 28, text_width, PLAIN)
        y = _paragraph(
            c,
            _(
                "We introduce Comrade %(name)s (ID card %(id)s), %(status)s of the Communist Party of "
                "China, to your organisation; please receive the organisational relationship. Party dues are "
                "paid up to %(dues)s."
            )
            % f,
            left,
            y - 4,
            text_width - 34 * mm,
        )
        y = _paragraph(c, _("(Valid until %(until)s)") % f, left, y - 4, text_width - 34 * mm, PLAIN)
        c.setFont(FONT, 11)
        beside_qr = width - left - 36 * mm  # the seal and date sit left of the QR code
        c.drawRightString(beside_qr, y - 22, _("Communist Party of China %(source)s (seal)") % f)
        c.drawRightString(beside_qr, y - 40, f["issued"])
        _qr(c, verify_url, width - left - 30 * mm, top - 72 * mm, 30 * mm)
        c.setFont(FONT, 8)
        c.drawString(left, height - 182 * mm, _("Verify at the address in the QR code with code %(code)s") % f)
        _cut(c, height - 188 * mm, width)
        # Receipt (回执): returned by the receiving organisation.
        top = height - 200 * mm
        c.setFont(FONT, 14)
        c.drawCentredString(width / 2, top, _("Receipt"))
        c.setFont(FONT, 10)
        c.drawRightString(width - left, top - 14, _("No. %(no)s") % f)
        y = _paragraph(c, _("To %(source)s:") % f, left, top - 26, text_width, PLAIN)
        y = _paragraph(
            c,
            _(
                "The organisational relationship of Comrade %(name)s has been received by our organisation. "
                "We hereby reply."
            )
            % f,
            left,
            y - 4,
            text_width - 34 * mm,
        )
        c.setFont(FONT, 11)
        c.drawRightString(width - left - 36 * mm, y - 26, _("Receiving party organisation (seal)"))
        c.drawRightString(width - left - 36 * mm, y - 44, _("Date:") + "　" * 8)
        _qr(c, verify_url, width - left - 30 * mm, top - 62 * mm, 26 * mm)
        c.showPage()
        c.save()
    return buffer.getvalue()
