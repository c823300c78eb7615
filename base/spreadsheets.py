"""Reading uploaded rosters and writing .xlsx exports, safely.

Uploads: .xlsx (openpyxl, read-only) or .csv (UTF-8 with or without BOM, or GBK as Excel
writes it on Chinese Windows). Size, row count and the zip's unpacked size are bounded, so a
crafted file is refused with a clear message instead of filling the memory.

Exports: each row is written as the sheet's XML straight into the zip archive (deflate's
fastest level) as it comes from the query, into a temporary file that is streamed to the
client, so memory does not grow with the roster. The writer is this module's own, a few
fixed parts around one loop over the rows: openpyxl's write-only mode and xlsxwriter's
constant-memory mode both spend their time in Python on every cell (20,000 registry rows:
402 and 186 µs of CPU a row, this writer 21), and a prefecture's 316,600 rows are to be
exported within 15 s (README, Performance). Every text is written as a
text cell (`t="inlineStr"`), which Excel and WPS show and never run; text that would turn into
a formula when someone edits the cell (=, +, -, @ first) also carries the cell style's
"quote prefix" (the apostrophe Excel keeps out of the cell), so it shows exactly as typed and
stays text after an edit. Reading a file takes one leading apostrophe off text that older
exports wrote with a visible one (`'=董文祥`); text whose own apostrophe would be taken for
that is written with one more, so export → import gives back every value as it was.

A formula cell is read by the value the spreadsheet program saved with it. A file written
by another program may hold formulas with no saved value; such a cell would read as empty
and blank its field, so the file is refused, naming the cells.
"""

import csv
import io
import math
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 50_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
ESCAPED_PREFIXES = (*FORMULA_PREFIXES, ESCAPE)
UNSAVED_FORMULAS_NAMED = 3  # cells named in the message; the rest are counted
_CELL, _FORMULA, _VALUE = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("c", "f", "v"))
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s/>]")


class SpreadsheetError(Exception):
    """The file cannot be read as a roster; the message is fit to show the user."""


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def read_table(uploaded) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (as text) of the first sheet of an uploaded .xlsx or .csv file."""
    name = (getattr(uploaded, "name", "") or "").lower()
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise SpreadsheetError(_("The file is larger than 10 MB."))
    data = uploaded.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise SpreadsheetError(_("The file is larger than 10 MB."))
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith(".csv"):
        rows = _read_csv(data)
    else:
        raise SpreadsheetError(_("Upload an .xlsx or .csv file."))
    rows = [[unescape_cell(_cell_text(c).strip()) for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if len(rows) < 2:
        raise SpreadsheetError(_("The file has no rows."))
    if len(rows) - 1 > MAX_ROWS:
        raise SpreadsheetError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    headers, body = rows[0], rows[1:]
    width = len(headers)
    body = [(row + [""] * width)[:width] for row in body]
    return headers, body


def _read_xlsx(data: bytes) -> list[list]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise SpreadsheetError(_("The spreadsheet unpacks to more than 100 MB."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise SpreadsheetError(_("This is not a readable .xlsx file.")) from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                raise SpreadsheetError(
                    _("The file has more than %(max)d rows.") % {"max": MAX_ROWS}
                )
        _refuse_unsaved_formulas(sheet)
        return rows
    except SpreadsheetError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a malformed sheet
        raise SpreadsheetError(_("This is not a readable .xlsx file.")) from error
    finally:
        workbook.close()


def unsaved_formulas(sheet) -> list[str]:
    """The cells (B2, …) of a read-only sheet that hold a formula but no saved value.

    openpyxl reads such a cell as empty (data_only): the sheet's XML is read once more for
    formula cells (<f>) without a value (<v>), by the parser openpyxl itself reads it with.
    """
    if not _has_formula_tag(sheet):
        return []  # most files: one quick scan of the bytes, no second parse
    found = []
    with sheet._get_source() as source:
        for _event, element in iterparse(source, events=("end",)):
            if element.tag != _CELL:
                continue
            if element.find(_FORMULA) is not None and not element.findtext(_VALUE):
                found.append(element.get("r") or "?")
            element.clear()
    return found


def _has_formula_tag(sheet) -> bool:
    """Whether the sheet's XML holds a formula element (<f>, <f …/>, <x:f>) at all."""
    tail = b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _refuse_unsaved_formulas(sheet) -> None:
    """Rule: a formula without a saved value is never imported as an empty cell."""
    cells = unsaved_formulas(sheet)
    if not cells:
        return
    named = "、".join(cells[:UNSAVED_FORMULAS_NAMED])
    if len(cells) > UNSAVED_FORMULAS_NAMED:
        named = _("%(cells)s and %(more)d more") % {
            "cells": named,
            "more": len(cells) - UNSAVED_FORMULAS_NAMED,
        }
    raise SpreadsheetError(
        _(
            "Cell %(cells)s holds a formula whose value was not saved in the file, so it "
            "would be imported as empty. Open the file in Excel or WPS, save it, and "
            "upload it again (or replace the formulas by their values)."
        )
        % {"cells": named}
    )


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GBK."))
    if "\x00" in text:
        raise SpreadsheetError(_("This is not a text CSV file."))
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise SpreadsheetError(_("The CSV file is malformed.")) from error


def safe_cell(value):
    """The value a cell holds so that `unescape_cell` reads back exactly `value`.

    Only text that starts with an apostrophe followed by what `unescape_cell` takes off
    (`'=1`, `''`) gets one more apostrophe; every other value, `=1+1` included, is written
    as typed (`_text_xml` keeps it text).
    """
    if (
        isinstance(value, str)
        and value.startswith(ESCAPE)
        and value[1:].startswith(ESCAPED_PREFIXES)
    ):
        return ESCAPE + value
    return value


def unescape_cell(text: str) -> str:
    """The inverse of `safe_cell`: one apostrophe off text that `safe_cell` escaped."""
    if text.startswith(ESCAPE) and text[1:].startswith(ESCAPED_PREFIXES):
        return text[1:]
    return text


def xlsx_response(
    filename: str,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    fallback: str = "",
) -> FileResponse:
    """Stream an .xlsx written row by row (spooled to a temporary file);
    `fallback`: the ASCII name for clients that cannot read a Chinese one."""
    return _stream([_table(sheet_title, headers, rows)], filename, fallback)


def xlsx_write(path, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    """The same .xlsx as `xlsx_response`, written to a file (a background job's export)."""
    with open(path, "wb") as handle:
        write_workbook(handle, [_table(sheet_title, headers, rows)])


def xlsx_workbook_response(
    filename: str, title: str, sheets, *, fallback: str = ""
) -> FileResponse:
    """Several sheets of (title, headers, rows), each with the report's title on top.

    Columns are as wide as their widest cell (within bounds); the title, the headers and the
    first column stay in view when scrolling.
    """
    return _stream(_titled(title, sheets), filename, fallback)


def xlsx_workbook_bytes(title: str, sheets) -> bytes:
    """The same workbook as xlsx_workbook_response, as bytes (a small one, to keep)."""
    handle = io.BytesIO()
    write_workbook(handle, _titled(title, sheets))
    return handle.getvalue()


def xlsx_bytes_response(content: bytes, filename: str, *, fallback: str = "") -> FileResponse:
    """A workbook made already (xlsx_workbook_bytes), as a download."""
    return _response(io.BytesIO(content), filename, fallback)


def _titled(title: str, sheets) -> list["Sheet"]:
    return [
        Sheet(sheet_title, headers, rows, heading=title, freeze="B3")
        for sheet_title, headers, rows in sheets
    ]


WIDTH_SAMPLE = 500
# Deflate's fastest level: ~15 % less time than the default (6) for a file ~12 % larger.
ZIP_LEVEL = 1
ROWS_PER_WRITE = 500  # rows joined into one write to the archive


@dataclass
class Sheet:
    """One sheet to write: its headers in bold and frozen on top (under the `heading`, if
    any), then the rows; `freeze`: the first cell that scrolls. Columns are as wide as the
    headers and the first WIDTH_SAMPLE rows need; the rest stream through without being
    held."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    heading: str = ""
    freeze: str = "A2"


def _table(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Sheet:
    return Sheet(sheet_title, headers, rows)


def _stream(sheets: Sequence[Sheet], filename: str, fallback: str = "") -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it when sent
    write_workbook(handle, sheets)
    handle.seek(0)
    return _response(handle, filename, fallback)


def _response(handle, filename: str, fallback: str) -> FileResponse:
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    if fallback and not filename.isascii():
        response["Content-Disposition"] = content_disposition(filename, fallback)
    return response


def write_workbook(handle, sheets: Sequence[Sheet]) -> None:
    """The sheets as an .xlsx into `handle` (a binary file), each sheet's rows streamed
    into the archive as they come: memory holds WIDTH_SAMPLE rows, whatever the count."""
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", _workbook_xml([s.title[:31] for s in sheets]))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        archive.writestr("xl/styles.xml", _STYLES)
        for number, sheet in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                _write_sheet(part, sheet, selected=number == 1)


def _write_sheet(part, sheet: Sheet, *, selected: bool) -> None:
    rows = iter(sheet.rows)
    sample = [list(row) for row in islice(rows, WIDTH_SAMPLE)]
    headers = [str(h) for h in sheet.headers]
    columns = [column_letter(i) for i in range(max([len(headers), *map(len, sample)]))]
    top = [[sheet.heading], headers] if sheet.heading else [headers]
    part.write(_sheet_start(sheet.freeze, widths(headers, sample), selected=selected).encode())
    chunk = [_row_xml(n, row, columns, BOLD) for n, row in enumerate(top, start=1)]
    for number, row in enumerate(chain(sample, rows), start=len(top) + 1):
        chunk.append(_row_xml(number, row, columns))
        if len(chunk) >= ROWS_PER_WRITE:
            part.write("".join(chunk).encode())
            chunk.clear()
    chunk.append("</sheetData></worksheet>")
    part.write("".join(chunk).encode())


# Cell styles (styles.xml's cellXfs): plain, quote prefix (text kept text when edited), bold.
PLAIN, QUOTED, BOLD = 0, 1, 2
_STYLE_ATTRS = {PLAIN: "", QUOTED: ' s="1"', BOLD: ' s="2"'}
_MARKUP = re.compile("[&<>\r]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Text written as it is, most of a roster: nothing to escape, no space at either end, no
# formula or apostrophe first. One match instead of the checks `_text_xml` makes.
_PLAIN_TEXT = re.compile(
    "[^\\s=+\\-@'&<>\x00-\x1f\ufffe\uffff]"
    "(?:[^&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*[^\\s&<>\x00-\x1f\ufffe\uffff])?"
).fullmatch


def _row_xml(number: int, row: Sequence, columns: Sequence[str], style: int = PLAIN) -> str:
    """One <row> of cells; empty values (None, "") are left out, as Excel leaves them.

    The innermost loop of every export (a prefecture's: 316,600 rows of 17 cells): plain
    text and numbers take the first branches, by their exact type.
    """
    cells = []
    for column, value in zip(columns, row, strict=False):
        kind = type(value)
        if kind is str:
            if style == PLAIN and _PLAIN_TEXT(value):
                cells.append(f'<c r="{column}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif value:
                cells.append(_text_xml(f"{column}{number}", value, style))
        elif value is None:
            continue
        elif kind is int or kind is Decimal or (kind is float and math.isfinite(value)):
            cells.append(f'<c r="{column}{number}"><v>{value}</v></c>')
        elif kind is bool:
            cells.append(f'<c r="{column}{number}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, str):  # a str subclass (SafeString)
            cells.append(_text_xml(f"{column}{number}", str(value), style) if value else "")
        elif isinstance(value, int | Decimal) or (
            isinstance(value, float) and math.isfinite(value)
        ):  # an int subclass (IntegerChoices)
            cells.append(f'<c r="{column}{number}"><v>{value!s}</v></c>')
        else:  # a date as 2026-12-07, as the import reads it; anything else as its text
            cells.append(_text_xml(f"{column}{number}", _cell_text(value), style))
    return f'<row r="{number}">{"".join(cells)}</row>'


def _text_xml(ref: str, text: str, style: int = PLAIN) -> str:
    """A text cell (`t="inlineStr"`), never a formula: text a spreadsheet would take for a
    formula once edited also gets the quote-prefix style (`safe_cell` for the apostrophe).
    Characters XML cannot hold (control characters but tab, newline and CR) are left out."""
    text = _NOT_XML.sub("", text)
    if not text:
        return ""
    if text.startswith(ESCAPED_PREFIXES):
        text = safe_cell(text)
        if style == PLAIN and text.startswith(FORMULA_PREFIXES):
            style = QUOTED
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    if _MARKUP.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("\r", "&#13;")  # a bare CR would be read back as a newline
    return f'<c r="{ref}"{_STYLE_ATTRS[style]} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def widths(headers: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """Each column as wide as its widest cell, within 8 and 40 characters."""
    return [
        min(max(max(display_width(value) for value in column) + 2, 8), 40)
        for column in zip(headers, *rows, strict=False)
    ]


def column_letter(index: int) -> str:
    """A, B, …, Z, AA, … for the column at `index` (from 0)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PACKAGE_RELS = (
    f'{_DECLARATION}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        f'ContentType="{_SPREADSHEET}.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f'{_DECLARATION}<Types xmlns="{_PACKAGE}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SPREADSHEET}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SPREADSHEET}.styles+xml"/>'
        f"{overrides}</Types>"
    )


def _workbook_xml(titles: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
        for n, title in enumerate(titles, start=1)
    )
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
        "</workbook>"
    )


def _workbook_rels(sheets: int) -> str:
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE}/relationships">{links}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _sheet_start(freeze: str, column_widths: Sequence[int], *, selected: bool) -> str:
    """The sheet's opening: its view with the rows above (and the columns left of) `freeze`
    frozen, the column widths, and the start of its rows."""
    column = re.match(r"[A-Z]+", freeze).group()
    x_split, y_split = column_index(column), int(freeze[len(column) :]) - 1
    pane_name = {
        (False, True): "bottomLeft",
        (True, False): "topRight",
        (True, True): "bottomRight",
    }.get((x_split > 0, y_split > 0))
    pane = ""
    if pane_name:
        splits = (f' xSplit="{x_split}"' if x_split else "") + (
            f' ySplit="{y_split}"' if y_split else ""
        )
        pane = (
            f'<pane{splits} topLeftCell="{freeze}" activePane="{pane_name}" state="frozen"/>'
            f'<selection pane="{pane_name}" activeCell="{freeze}" sqref="{freeze}"/>'
        )
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
        for n, width in enumerate(column_widths, start=1)
    )
    tab = ' tabSelected="1"' if selected else ""
    return (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheetViews>'
        f'<sheetView{tab} workbookViewId="0">{pane}'
        f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>"
    )


def column_index(letters: str) -> int:
    """How many columns lie left of the column named `letters` (A: 0, B: 1, AA: 26)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header after RFC 6266: the UTF-8 name (filename*) for browsers, which
    keep it, and a plain ASCII name for the few clients that do not read filename*."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def display_width(value) -> int:
    """How many columns a value takes in a spreadsheet: a Chinese character takes two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def export_filename(place: str, what: str, day) -> str:
    """东山乡-农户-2026年12月7日.xlsx: the place, what the file holds and the day it was made,
    as an office files it."""
    return f"{place}-{what}-{day.year}年{day.month}月{day.day}日.xlsx"
