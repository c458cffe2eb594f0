"""Members to and from Excel (.xlsx): read with python-calamine, written with openpyxl.

- :func:`template` builds the import template: the data sheet with Chinese headers, a sheet of
  instructions and a sheet of allowed values.
- :func:`import_create` checks an upload (readable workbook, the right sheet, the headers, the row
  limit, counted) and records an :class:`ImportJob`; ``members.imports`` runs it in a background worker.
- Reading (:func:`_open`, :func:`_data_rows`): calamine (Rust) loads the data sheet's values in about a
  second for 100,000 rows. It gives a formula's cached result, not the formula, so the sheet's XML is
  scanned for formula elements and error values (a byte search, then lxml only when one may be
  there), and those cells read as :data:`FORMULA` (refused per row) or as the error's text. calamine
  holds the sheet as a dense range from its first to its last value: the same pass over the bytes
  finds how far the values reach, and a range over the budget (:data:`MAX_USED_CELLS`), or more rows
  holding values than the row limit, is refused before calamine loads anything.
- :func:`export_members` writes a subtree's members, masked unless full numbers are asked for by a
  user who may reveal them; every export is audited.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import posixpath
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, policy, scope
from dangjian.core.errors import DomainError
from dangjian.core.validators import normalise_text
from dangjian.orgs.models import PartyOrganisation

from .choices import ETHNICITIES, Education, EmploymentForm, MembershipStatus, PoliticalStatus
from .models import ID_CONTEXT, MOBILE_CONTEXT, ImportJob, Member

# The file format. The headers are part of the format the offices exchange, so they stay Chinese
# whatever the interface language is.
SHEET = "党员信息"
INSTRUCTIONS_SHEET = "填写说明"
VALUES_SHEET = "可选值"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    note: str


COLUMNS = [
    Column("name", "姓名", True, "不超过50个字"),
    Column("id_number", "身份证号", True, "18位，单元格设为“文本”格式；出生日期和性别从身份证号读取"),
    Column("mobile", "手机号", False, "11位手机号"),
    Column("ethnicity", "民族", False, "56个民族之一，默认汉族"),
    Column("education", "学历", False, "见“可选值”"),
    Column("occupation", "职业", False, "不超过50个字"),
    Column("employment_form", "就业形态", False, "见“可选值”，默认“其他”"),
    Column("work_area", "工作区域", False, "例如街道或商圈"),
    Column("political_status", "政治面貌", True, "正式党员 或 预备党员"),
    Column("join_date", "入党日期", True, "日期，例如 2015-07-01"),
    Column("full_member_date", "转正日期", False, "正式党员必填，预备党员留空"),
    Column("org_code", "所在党组织编码", True, "党组织的编码（组织详情页可见）"),
]
HEADER_OF = {c.key: c.header for c in COLUMNS}
HEADER_OF.update(birth_date="身份证号", gender="身份证号", org="所在党组织编码", employer_id="单位")
EXPORT_EXTRA = ["性别", "出生日期", "党籍状态", "所在党组织", "流动党员"]
MAX_ERRORS_KEPT = 1000
PROGRESS_EVERY = 500
BATCH = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _labels(choices) -> dict[str, str]:
    """Accepted spellings of a choice: its value, and its Chinese and English labels."""
    accepted = {}
    for value, label in choices.choices:
        accepted[value] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                accepted[str(label)] = value
    return accepted


def _choice_sheets() -> list[tuple[str, list[str]]]:
    with translation.override("zh-hans"):
        return [
            ("政治面貌", [str(label) for _, label in PoliticalStatus.choices]),
            ("学历", [str(label) for _, label in Education.choices]),
            ("就业形态", [str(label) for _, label in EmploymentForm.choices]),
            ("民族", list(ETHNICITIES)),
        ]


def template() -> bytes:
    """The import template (.xlsx)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    data = book.active
    data.title = SHEET
    data.append([c.header for c in COLUMNS])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        letter = data.cell(row=1, column=index).column_letter
        data.column_dimensions[letter].width = 22 if column.key == "id_number" else 14
        if column.key in ("id_number", "mobile", "org_code"):
            for row in range(2, 1002):
                data.cell(row=row, column=index).number_format = "@"  # text: Excel must not round them
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    notes.append(["列", "必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "否", column.note])
    notes.append([])
    notes.append(["每行一名党员；不要使用公式；同一文件中身份证号不能重复；已登记的党员不会被覆盖。"])
    notes.append(["默认“全部或不导入”：只要有一行有误，整个文件都不导入；也可选择“只导入无误的行”。"])
    values = book.create_sheet(VALUES_SHEET)
    sheets = _choice_sheets()
    values.append([title for title, _items in sheets])
    for i in range(max(len(items) for _title, items in sheets)):
        values.append([items[i] if i < len(items) else None for _title, items in sheets])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Reading --------------------------------------------------------------------------------------


# An .xlsx is a zip archive: its parts unpack to far more than the upload. A real member sheet at the
# row limit unpacks to tens of MB; a "zip bomb" (a small file that unpacks to gigabytes) is refused
# from the archive's directory before anything is unpacked. Python's zipfile never returns more
# bytes for a member than the directory declares.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def _unpacked_size(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(info.file_size for info in archive.infolist())


# The package's small XML parts (relationships, workbook) are parsed with the standard library
# (``noqa: S314`` below): ElementTree fetches no external entity, and expat (2.4 and later) refuses
# "billion laughs" entity expansion. The sheet is scanned with lxml, entities unresolved, no network.


class _Formula:
    """Read in place of a cell that holds a formula: calamine gives its cached result instead."""

    def __repr__(self) -> str:
        return "<formula>"


FORMULA = _Formula()


@dataclass(frozen=True)
class _Sheet:
    """The data sheet as read: calamine's cells (its first column is ``first_column``, 0 for A), and
    per spreadsheet row the cells to read differently ({column index: value}): formulas and error
    values, found in the sheet's XML."""

    cells: object  # python_calamine.CalamineSheet
    first_column: int
    marks: dict[int, dict[int, object]]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


# calamine finds its parts in its own way (names compared case-insensitively; xl/workbook.xml
# preferred to what the package's relationships name; targets joined without resolving "." or "..")
# and, when it cannot read a file as .xlsx, tries it as .xls, .xlsb and OpenDocument. The part scanned
# here must be the part calamine reads, or a file could show it one sheet and calamine another: so
# the package must be laid out as every spreadsheet program writes it, where both ways agree — a zip
# from its first byte (not an .xls), no two members whose names differ only in case, no member of
# another format, the workbook at xl/workbook.xml, the sheet's target without "." or ".." segments.
ZIP_START = b"PK\x03\x04"
WORKBOOK_PART = "xl/workbook.xml"
OTHER_FORMATS = {"mimetype", "content.xml", "xl/workbook.bin"}  # OpenDocument, .xlsb


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member holding the worksheet called ``name`` (None: no such sheet), found as Excel
    finds it: the package's relationships name the workbook part, the workbook names the sheet's
    relationship, and the workbook's relationships name its part. A zip that is not such a package,
    or not laid out as above, raises KeyError or ``ET.ParseError``."""
    names = archive.namelist()
    lowered = {member.lower() for member in names}
    if len(lowered) != len(names) or lowered & OTHER_FORMATS:
        raise KeyError("members whose names differ only in case, or of another format")

    def target(rels_path: str, folder: str, match) -> str:
        for rel in ET.fromstring(archive.read(rels_path)):  # noqa: S314
            if match(rel):
                path = rel.get("Target", "")
                path = path[1:] if path.startswith("/") else posixpath.join(folder, path)
                if posixpath.normpath(path) != path:
                    raise KeyError(path)
                return path
        raise KeyError(rels_path)

    workbook = target("_rels/.rels", "", lambda rel: rel.get("Type", "").endswith("/officeDocument"))
    if workbook != WORKBOOK_PART:
        raise KeyError(workbook)
    folder, _sep, file = workbook.rpartition("/")
    sheets = (e for e in ET.fromstring(archive.read(workbook)).iter() if _local(e.tag) == "sheet")  # noqa: S314
    sheet = next((e for e in sheets if e.get("name") == name), None)
    if sheet is None:
        return None
    rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
    return target(posixpath.join(folder, "_rels", file + ".rels"), folder, lambda rel: rel.get("Id") == rid)


# One pass over the sheet's bytes (decompressed in 1 MB chunks, each cut after its last tag so that no
# tag is split) finds what the reading needs to know before calamine loads anything:
#
# - whether formula elements (``<f>``, ``<x:f>``) or error values (``t="e"``) may be there (only then is
#   the part parsed with lxml, :func:`_scan_marks`);
# - how far the sheet's values reach. calamine holds a sheet as a dense range from its first to its
#   last value, 32 bytes per cell used or not: a file of a few KB with a value in A1 and one in
#   XFD1048576 would have it allocate half a terabyte and take the process down. Nearly every cell is
#   written ``<c r="B12" s="1" t="n">``; one regular expression skips those within row 99,999 and
#   column Z (a sheet of them spans at most 2.6 million cells) and hands the others to Python, which
#   reads their reference and whether they hold anything (``<c r="AB5" s="1"/>``, a cell with a style
#   and no value, does not count for calamine). A cell without a reference, a prefixed one, a
#   repeated attribute or an unusual spelling make the pass give up its estimate, and
#   :func:`_used_area` then follows calamine's own reading of positions.
_TAG = re.compile(rb'<(?:c(?! r="[A-Z][0-9]{1,5}+"(?: s="[0-9]*+")?+(?: t="(?!e")[A-Za-z]*+")?+/?>)|f)[\s/>]')
_PREFIXED = re.compile(rb":([cf])[\s/>]")  # <x:c ...>, <x:f>: checked in Python
_PREFIX = re.compile(rb"<[A-Za-z_][\w.-]{0,63}\Z")
_CELL = re.compile(rb"""<c((?:\s+[^\s=/>"'<]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(/?)>""")
_ATTRIBUTE = re.compile(rb"""([^\s=/>"'<]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_REFERENCE = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})")  # Excel ends at XFD1048576; calamine wraps at 2**32
_ERROR_PATTERN = re.compile(rb"\bt\s*=\s*[\"']e[\"']")
_CHUNK = 1 << 20
_LONGEST_TAG = 1 << 16  # a window with no tag start is carried over up to this size, then read as it is
NEAR_ROWS, NEAR_COLUMNS = 99_999, 26  # the reach of the cells the regular expression skips


@dataclass(frozen=True)
class _Prescan:
    """What the pass over the sheet's bytes found: whether formulas and error values may be there;
    ``irregular``: a cell it cannot place; ``far_rows``/``far_columns``: the last row and column
    (1 for A) of the values it read outside row 99,999 and column Z (0: none); ``settled``: the pass
    stopped as soon as the used area had to be read the slower way anyway (a range over the budget,
    values below the row limit): formulas and error values are then taken as possible."""

    formulas: bool
    errors: bool
    irregular: bool
    far_rows: int
    far_columns: int
    settled: bool = False

    @property
    def rows(self) -> int:
        return max(NEAR_ROWS, self.far_rows)

    @property
    def columns(self) -> int:
        return max(NEAR_COLUMNS, self.far_columns)


def _prescan(archive: zipfile.ZipFile, part: str, budget: int | None = None, max_rows: int | None = None) -> _Prescan:
    formulas = errors = irregular = prefixed = False
    far_rows = far_columns = 0

    def settled() -> bool:
        area = max(NEAR_ROWS, far_rows) * max(NEAR_COLUMNS, far_columns)
        return (budget is not None and area > budget) or (max_rows is not None and far_rows - 1 > max_rows)

    def read(window: bytes, end: int) -> None:
        nonlocal formulas, errors, irregular, prefixed, far_rows, far_columns
        for found in _PREFIXED.finditer(window, 0, end):
            if _PREFIX.search(window, max(0, found.start() - 65), found.start()):
                prefixed = True
                if found.group(1) == b"f":
                    formulas = True
                else:
                    irregular = True
        if prefixed and not errors:  # prefixed cells are not read below: their error values are searched
            errors = _ERROR_PATTERN.search(window, 0, end) is not None
        for found in _TAG.finditer(window, 0, end):
            if window[found.start() + 1] == 0x66:  # <f
                formulas = True
                continue
            tag = _CELL.match(window, found.start())
            attributes: dict[bytes, bytes] = {}
            for name, double, single in _ATTRIBUTE.findall(tag.group(1)) if tag else ():
                if name in attributes:
                    tag = None  # calamine takes the last, XML parsers refuse the file
                attributes[name] = double or single
            if tag is None or any(b"&" in value for value in attributes.values()):
                irregular = errors = True  # what calamine reads here is left to _used_area
                continue
            errors = errors or attributes.get(b"t") == b"e"
            reference = _REFERENCE.fullmatch(attributes.get(b"r", b""))
            if reference is None:
                irregular = True  # no reference (placed after the previous cell), or one calamine refuses
                continue
            if tag.group(2) or window.startswith(b"</c>", tag.end()):
                continue  # no value: calamine leaves it out
            far_rows = max(far_rows, int(reference.group(2)))
            far_columns = max(far_columns, _column_index(reference.group(1).upper().decode()) + 1)

    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            cut = window.rfind(b"<")
            if cut <= 0:
                if len(window) < _LONGEST_TAG:
                    tail = window
                    continue
                cut = len(window)
            read(window, cut)
            tail = window[cut:]
            if settled():
                return _Prescan(True, True, irregular, far_rows, far_columns, settled=True)
        read(tail, len(tail))
    return _Prescan(formulas, errors, irregular, far_rows, far_columns, settled=settled())


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _column_of(cell) -> int:
    """A cell's column index (0 for A): its reference, or the place after the last cell that has one."""
    after = 0
    while cell is not None:
        if ref := _CELL_REFERENCE.fullmatch(cell.get("r") or ""):
            return _column_index(ref.group(1).upper()) + after
        after += 1
        cell = cell.getprevious()
    return after - 1


def _scan_marks(archive: zipfile.ZipFile, part: str, found: _Prescan | None = None) -> dict[int, dict[int, object]]:
    """{row number: {column index: FORMULA or the error text}} for the cells of the sheet that hold a
    formula or an error value (read as its text, ``#N/A``, as Excel shows it). Streams the part with
    lxml, which hands over only rows and formula elements, and keeps one row in memory. ``found``:
    the pass over the part's bytes, if made already."""
    from lxml import etree

    marks: dict[int, dict[int, object]] = {}
    found = found or _prescan(archive, part)
    formulas, errors = found.formulas, found.errors
    if not (formulas or errors):
        return marks
    error_cells = etree.XPath('./*[local-name()="c"][@t="e"]')
    number = 0  # the last row's number (rows without a reference follow the previous one)

    def row_number(row) -> int:
        return int(row.get("r") or number + 1)

    with archive.open(part) as stream:
        tags = ("{*}row", "{*}f") if formulas else ("{*}row",)
        for _event, element in etree.iterparse(
            stream, events=("end",), tag=tags, resolve_entities=False, no_network=True
        ):
            if etree.QName(element).localname == "f":
                cell = element.getparent()
                row = cell.getparent() if cell is not None else None
                if row is not None and etree.QName(cell).localname == "c" and etree.QName(row).localname == "row":
                    marks.setdefault(row_number(row), {})[_column_of(cell)] = FORMULA
                continue
            number = row_number(element)
            if errors:
                for cell in error_cells(element):
                    value = next((v.text for v in cell if etree.QName(v).localname == "v"), None)
                    marks.setdefault(number, {}).setdefault(_column_of(cell), value)  # a formula stays one
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]
    return marks


# The used area as calamine reads it, when the pass over the bytes could not tell: the XML's events
# (expat, without namespace processing: names as written, as calamine matches them; nothing is kept
# but a few numbers) go through calamine's rules. Its reading starts at the first ``sheetData`` and
# stops at its end; a row's ``r`` sets the row, which a row's end moves on by one; a cell's ``r`` sets
# its row and column, a cell without one takes the current row and the column after the previous
# cell (the column starts again at A after a row); a cell counts when it holds an element other
# than a formula (``<v/>`` counts here, not in calamine: more, never less). A reference calamine
# cannot read makes it refuse the file: so does this, and one beyond XFD1048576 (calamine would wrap
# its number around).
_ROW_REFERENCE = re.compile(r"[A-Za-z]{0,3}([0-9]{1,7})")
_CELL_REFERENCE = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


class _StopReading(Exception):
    pass


def _used_area(archive: zipfile.ZipFile, part: str, max_rows: int | None = None) -> tuple[int, int, int]:
    """(last row, last column (1 for A), rows holding a value) of the values calamine would read;
    it stops when more than ``max_rows`` rows under the first hold values (the file is refused)."""
    from xml.parsers import expat

    row = column = 0  # calamine's position, from 0
    cell: tuple[int, int] | None = None  # the open cell's position
    depth = 0  # elements open inside the cell
    filled = False
    rows = columns = counted = 0
    last = -1
    reading = False
    column_of: dict[str, int] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, column, cell, depth, filled, reading
        if cell is not None:  # most elements: a cell's value and its parts
            if not (depth or filled):
                filled = name[name.find(":") + 1 :] != "f"
            depth += 1
            return
        local = name[name.find(":") + 1 :]
        if not reading:
            reading = local == "sheetData"  # the first one: the pass stops at its end
        elif local == "c":
            depth, filled = 0, False
            if (reference := attributes.get("r")) is None:
                cell = (row, column)
                return
            found = _CELL_REFERENCE.fullmatch(reference)
            if found is None or not int(found.group(2)):
                raise ValueError(f"cell reference {reference[:20]!r}")
            letters = found.group(1)
            if (column := column_of.get(letters)) is None:
                column = column_of[letters] = _column_index(letters.upper())
            cell = (int(found.group(2)) - 1, column)
        elif local == "row" and (reference := attributes.get("r")) is not None:
            found = _ROW_REFERENCE.fullmatch(reference)
            if found is None or not int(found.group(1)):
                raise ValueError(f"row reference {reference[:20]!r}")
            row = int(found.group(1)) - 1

    def end(name: str) -> None:
        nonlocal row, column, cell, depth, rows, columns, counted, last
        if cell is not None:
            if depth:
                depth -= 1
                return
            at_row, at_column = cell
            cell, column = None, at_column + 1
            if filled:
                if at_row >= rows:
                    rows = at_row + 1
                if at_column >= columns:
                    columns = at_column + 1
                if at_row != last:
                    counted, last = counted + 1, at_row
                    if max_rows is not None and counted - 1 > max_rows:
                        raise _StopReading
            return
        local = name[name.find(":") + 1 :]
        if reading and local == "row":
            row, column = row + 1, 0
        elif reading and local == "sheetData":
            raise _StopReading

    def no_entities(*_args) -> None:
        raise ValueError("entity declaration")

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = no_entities
    with archive.open(part) as stream, contextlib.suppress(_StopReading):
        parser.ParseFile(stream)
    return rows, columns, counted


# calamine's range: 32 bytes a cell. The budget (4 million cells, 128 MB) holds the row limit's 100,001
# rows with 40 columns; a region allowed more rows gets room for them in the template's 12 columns.
MAX_USED_CELLS = 4_000_000


def _cell_budget(max_rows: int | None) -> int:
    if max_rows is None:  # the run: room for any file an upload may have been allowed
        max_rows = policy.definitions()["members.import_max_rows"].maximum or 0
    return max(MAX_USED_CELLS, (max_rows + 1) * len(COLUMNS))


def _open(content: bytes, max_rows: int | None = None):
    """The workbook and its data sheet (:class:`_Sheet`), or the refusal of the upload. ``max_rows``:
    the row limit, checked here when the sheet's values reach far below it (the upload)."""
    from lxml.etree import LxmlError
    from python_calamine import CalamineError, CalamineWorkbook

    unreadable = DomainError(
        _("The file cannot be read as an Excel workbook (.xlsx). Save it from Excel as .xlsx and upload it again."),
        code="unreadable_file",
        field="file",
    )
    reading_errors = (
        CalamineError, LxmlError, ET.ParseError, ExpatError, zipfile.BadZipFile, KeyError, ValueError, OSError,
        EOFError,
    )  # fmt: skip
    try:
        too_large = _unpacked_size(content) > MAX_UNPACKED_BYTES
    except reading_errors:
        raise unreadable from None
    if not content.startswith(ZIP_START):
        raise unreadable
    if too_large:
        raise DomainError(
            _("The workbook unpacks to more than %(n)d MB. Split it into smaller files.")
            % {"n": MAX_UNPACKED_BYTES // (1024 * 1024)},
            code="too_large",
            field="file",
        )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            part = _sheet_part(archive, SHEET)
            if part is not None:
                budget = _cell_budget(max_rows)
                found = _prescan(archive, part, budget, max_rows)
                rows, columns, filled = found.rows, found.columns, None
                if found.irregular or found.settled:
                    rows, columns, filled = _used_area(archive, part, max_rows)
        except reading_errors:
            raise unreadable from None
        if part is None:
            raise DomainError(
                _("The workbook has no sheet named “%(sheet)s”. Download the template and copy the rows into it.")
                % {"sheet": SHEET},
                code="wrong_sheet",
                field="file",
            )
        # Refused before calamine loads anything: more rows holding values than the limit (under the
        # header), or a range that calamine could not hold.
        if max_rows is not None and filled is not None and filled - 1 > max_rows:
            raise DomainError(_too_many(max_rows), code="too_many_rows", field="file")
        if rows * columns > budget:
            raise DomainError(
                _(
                    "The sheet's used area is too large (%(rows)d rows × %(columns)d columns). Delete "
                    "everything to the right of and below the member rows, or split the file."
                )
                % {"rows": rows, "columns": columns},
                code="used_area_too_large",
                field="file",
            )
        book = None
        try:
            book = CalamineWorkbook.from_object(io.BytesIO(content))
            cells = book.get_sheet_by_name(SHEET)
            marks = _scan_marks(archive, part, found)
        except reading_errors:
            if book is not None:
                book.close()
            raise unreadable from None
    start = cells.start
    return book, _Sheet(cells=cells, first_column=start[1] if start else 0, marks=marks)


def _rows(sheet: _Sheet):
    """(row number, cells from ``first_column``) for each row from the first. The header check has
    made sure row 1 is used, so calamine's rows start there."""
    if sheet.cells.start is None or sheet.cells.start[0] != 0:  # nothing in row 1 (or at all)
        return
    yield from enumerate(sheet.cells.iter_rows(), start=1)


def _header_positions(sheet: _Sheet) -> dict[str, int]:
    """{column key: column index (0 for A)} from the headers in row 1."""
    _number, first = next(_rows(sheet), (1, []))
    marked = sheet.marks.get(1, {})
    found = {}
    for i, value in enumerate(first):
        column = sheet.first_column + i
        if value != "" and column not in marked:
            found[normalise_text(str(value)).replace("*", "")] = column
    missing = [c.header for c in COLUMNS if c.header not in found and c.required]
    if missing:
        raise DomainError(
            _("These columns are missing from the first row: %(columns)s. Use the template's headers.")
            % {"columns": "、".join(missing)},
            code="missing_headers",
            field="file",
        )
    return {c.key: found[c.header] for c in COLUMNS if c.header in found}


def _blank(values: dict) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values())


def _data_rows(sheet: _Sheet, positions: dict[str, int]):
    """(row number, {key: raw cell value}) for each non-empty row after the header."""
    index = {key: column - sheet.first_column for key, column in positions.items()}
    key_of = {column: key for key, column in positions.items()}
    marks = sheet.marks
    number = 1
    for number, row in _rows(sheet):
        if number == 1:
            continue
        values = {key: (None if (v := row[i]) == "" else v) for key, i in index.items()}
        if marked := marks.get(number):
            values.update((key_of[c], v) for c, v in marked.items() if c in key_of)
        if not _blank(values):
            yield number, values
    # Rows below calamine's last one that hold only formulas with no cached result.
    for later in sorted(n for n in marks if n > number):
        values = dict.fromkeys(positions)
        values.update((key_of[c], v) for c, v in marks[later].items() if c in key_of)
        if not _blank(values):
            yield later, values


FILE_CONTEXT = "members.importjob.content"


def _seal(content: bytes) -> bytes:
    """The uploaded file holds ID numbers in clear: it waits for processing encrypted, like them."""
    return crypto.encrypt(base64.b64encode(content).decode(), FILE_CONTEXT).encode()


def _unseal(stored: bytes) -> bytes:
    return base64.b64decode(crypto.decrypt(stored.decode(), FILE_CONTEXT))


def _too_many(limit: int) -> str:
    return _("The file has more than %(max)d rows; split it into files of at most %(max)d rows.") % {"max": limit}


def _count_rows(sheet: _Sheet, positions: dict[str, int]) -> int:
    """The data rows the run will read (calamine has the sheet in memory: about a second for
    100,000 rows), so the limit holds at the upload and the progress bar knows the total."""
    return sum(1 for _row in _data_rows(sheet, positions))


@transaction.atomic
def import_create(*, actor, org: PartyOrganisation, file_name: str, content: bytes, mode: str) -> ImportJob:
    """Check the upload and record the job (rows are processed by :func:`import_run`)."""
    scope.require(actor, "member.import", org)
    if mode not in ImportJob.Mode.values:
        raise DomainError(_("Choose a valid value."), field="mode")
    limit = policy.value("members.import_max_rows", org.path)
    book, sheet = _open(content, max_rows=limit)
    try:
        positions = _header_positions(sheet)
        total = _count_rows(sheet, positions)
    finally:
        book.close()
    if total > limit:
        raise DomainError(
            _too_many(limit),
            code="too_many_rows",
            field="file",
        )
    if total == 0:
        raise DomainError(_("The sheet has no rows below the headers."), code="empty_file", field="file")
    job = ImportJob.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        org=org,
        file_name=file_name[:200],
        content=_seal(content),
        mode=mode,
        total_rows=total,
    )
    audit.record(
        actor=actor,
        action="member.import_upload",
        obj=job,
        org_path=org.path,
        changes={"file": [None, job.file_name], "rows": [None, total], "mode": [None, mode]},
    )
    return job


class _RowError(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


def _text(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if value.startswith("=") and len(value) > 1:  # text that reads like a formula
            raise _RowError(key, _("Formulas are not accepted; paste the values instead."))
        return normalise_text(value)
    if value is FORMULA:
        raise _RowError(key, _("Formulas are not accepted; paste the values instead."))
    if isinstance(value, bool):
        raise _RowError(key, _("Enter text here."))
    if isinstance(value, float):
        if key == "id_number" or not value.is_integer():
            raise _RowError(
                key,
                _(
                    "Excel stored this as a number and may have rounded it; "
                    "format the column as text and type it again."
                ),
            )
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        raise _RowError(key, _("Enter text here, not a date."))
    return normalise_text(str(value))


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")


def _date(key: str, value) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(key, value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _RowError(key, _("Enter a date such as 2015-07-01."))


class _RowReader:
    def __init__(self, job: ImportJob):
        self.orgs = {
            o.code: o
            for o in PartyOrganisation.objects.filter(path__startswith=job.org.path).only(
                "id", "code", "path", "kind", "name", "depth", "numchild"
            )
        }
        self.political = _labels(PoliticalStatus)
        self.education = _labels(Education)
        self.employment = _labels(EmploymentForm)

    def parse(self, raw: dict) -> dict:
        """The service's keyword arguments for one row (raises :class:`_RowError`)."""
        data = {key: _text(key, raw.get(key)) for key in ("name", "id_number", "mobile", "occupation", "work_area")}
        for key in ("name", "id_number"):
            if not data[key]:
                raise _RowError(key, _("This column is required."))
        ethnicity = _text("ethnicity", raw.get("ethnicity"))
        data["ethnicity"] = ethnicity or "汉族"
        for key, accepted, default in (
            ("political_status", self.political, None),
            ("education", self.education, ""),
            ("employment_form", self.employment, EmploymentForm.OTHER),
        ):
            text = _text(key, raw.get(key))
            if not text:
                if default is None:
                    raise _RowError(key, _("This column is required."))
                data[key] = default
            elif text in accepted:
                data[key] = accepted[text]
            else:
                raise _RowError(key, _("“%(value)s” is not one of the allowed values.") % {"value": text[:30]})
        data["join_date"] = _date("join_date", raw.get("join_date"))
        if data["join_date"] is None:
            raise _RowError("join_date", _("This column is required."))
        data["full_member_date"] = _date("full_member_date", raw.get("full_member_date"))
        code = _text("org_code", raw.get("org_code"))
        if not code:
            raise _RowError("org_code", _("This column is required."))
        org = self.orgs.get(code)
        if org is None:
            raise _RowError(
                "org_code", _("No organisation with code %(code)s under the chosen organisation.") % {"code": code[:30]}
            )
        data["org"] = org
        return data


# --- Export ---------------------------------------------------------------------------------------


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # text must never run as a formula in the reader's Excel
    return value


def export_members(*, actor, under: PartyOrganisation | None = None, full: bool = False):
    """A temporary file with the members of ``under`` (or the whole scope) the actor may see.
    ``full`` writes full ID and mobile numbers, only of members the actor may reveal."""
    from openpyxl import Workbook

    if actor is None:  # the platform itself (a command, a benchmark): everything
        members = Member.objects.all()
    else:
        scope.require_action(actor, "member.export")
        action = "member.reveal" if full else "member.export"
        if full:
            scope.require_action(actor, "member.reveal")
        members = scope.restrict(actor, action, model=Member).filter(
            scope.scope_for(actor, "member.view").q("org__path")
        )
    if under is not None:
        members = members.filter(org__path__startswith=under.path)
    members = members.order_by("org__path", "name", "id")
    with translation.override("zh-hans"):
        political = {v: str(label) for v, label in PoliticalStatus.choices}
        education = {v: str(label) for v, label in Education.choices}
        employment = {v: str(label) for v, label in EmploymentForm.choices}
        status = {v: str(label) for v, label in MembershipStatus.choices}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append([c.header for c in COLUMNS] + EXPORT_EXTRA)
    count = 0
    # Plain tuples, not model instances (a third of the time at 100,000 rows); masked numbers come
    # from the stored masked columns, so only a full export decrypts.
    numbers = ("id_number_enc", "mobile_enc") if full else ("id_number_masked", "mobile_masked")
    rows = members.values_list(
        "name", *numbers, "ethnicity", "education", "occupation", "employment_form", "work_area",
        "political_status", "join_date", "full_member_date", "org__code", "gender", "birth_date", "status",
        "org__name", "is_flowing",
    )  # fmt: skip
    append = sheet.append
    for (name, id_number, mobile, ethnicity, edu, occupation, form, area, pol, joined, full_on, code, gender,
         birth, state, org_name, flowing) in rows.iterator(chunk_size=5000):  # fmt: skip
        if full:
            id_number = crypto.decrypt(id_number, ID_CONTEXT) if id_number else ""
            mobile = crypto.decrypt(mobile, MOBILE_CONTEXT) if mobile else ""
        append(
            [
                _safe(name),
                id_number,
                mobile,
                ethnicity,
                education.get(edu, ""),
                _safe(occupation),
                employment.get(form, ""),
                _safe(area),
                political.get(pol, ""),
                joined,
                full_on,
                _safe(code),
                "男" if gender == "male" else "女",
                birth,
                status.get(state, ""),
                _safe(org_name),
                "是" if flowing else "否",
            ]
        )
        count += 1
    out = tempfile.TemporaryFile()  # noqa: SIM115 handed to the response, which closes it
    book.save(out)
    out.seek(0)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="member.export",
            object_type="members.member",
            object_repr=under.name if under else "",
            org_path=under.path if under else "",
            changes={"rows": [None, count], "full_numbers": [None, full]},
        )
    return out, count
