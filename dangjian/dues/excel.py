"""Excel export of a ledger (openpyxl, write-only: rows stream without building a whole sheet)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook


def _cell(value):
    """Text a spreadsheet would run as a formula is prefixed with ' (as in the audit CSV)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def ledger_workbook(rows, month) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Dues ledger %(month)s") % {"month": f"{month:%Y-%m}"})
    sheet.append(
        [
            _("Organisation"),
            _("Code"),
            _("Assessed"),
            _("Paid"),
            _("Outstanding"),
            _("Handed over"),
            _("Members paid"),
            _("Members assessed"),
            _("Collection rate (%)"),
        ]
    )
    totals = [0, 0, 0, 0, 0, 0]
    for row in rows.iterator(chunk_size=2000):
        rate = round(row.paid * 100 / row.assessed, 2) if row.assessed else None
        sheet.append(
            [
                _cell(row.org.name),
                _cell(row.org.code),
                row.assessed,
                row.paid,
                row.outstanding,
                row.handed_over,
                row.members_paid,
                row.members_total,
                rate,
            ]
        )
        for i, value in enumerate(
            (row.assessed, row.paid, row.outstanding, row.handed_over, row.members_paid, row.members_total)
        ):
            totals[i] += value
    rate = round(totals[1] * 100 / totals[0], 2) if totals[0] else None
    sheet.append([_("Total"), "", *totals, rate])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
