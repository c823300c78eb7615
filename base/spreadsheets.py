"""Reading uploaded rosters and writing .xlsx exports, safely.

Uploads: .xlsx (openpyxl, read-only) or .csv (UTF-8 with or without BOM, or GBK as Excel
writes it on Chinese Windows). Size, row count and the zip's unpacked size are bounded, so a
crafted file is refused with a clear message instead of filling the memory.

Exports: written row by row with openpyxl's write-only mode into a temporary file that is
streamed to the client, so memory does not grow with the roster. Every text is written as a
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
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from urllib.parse import quote

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
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
    as typed (`text_cell` keeps it text).
    """
    if (
        isinstance(value, str)
        and value.startswith(ESCAPE)
        and value[1:].startswith(ESCAPED_PREFIXES)
    ):
        return ESCAPE + value
    return value


def text_cell(sheet, value):
    """A write-only cell for `value`: text is always a text cell, never a formula.

    openpyxl would store text beginning with = as a formula; here it stays text, and text a
    spreadsheet would read as a formula once edited gets the quote-prefix style, which shows
    it as typed (no apostrophe in the cell) and keeps it text when the cell is edited.
    """
    value = safe_cell(value)
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


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
    """Stream an .xlsx built row by row (write-only mode, spooled to a temporary file);
    `fallback`: the ASCII name for clients that cannot read a Chinese one."""
    return _stream(_table_workbook(sheet_title, headers, rows), filename, fallback)


def xlsx_write(path, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    """The same .xlsx as `xlsx_response`, written to a file (a background job's export)."""
    with open(path, "wb") as handle:
        _table_workbook(sheet_title, headers, rows).save(handle)


WIDTH_SAMPLE = 500


def _table_workbook(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Workbook:
    """One sheet: the headers frozen on top, then the rows; columns as wide as the headers
    and the first WIDTH_SAMPLE rows need (the rest stream through without being held)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    headers = [str(h) for h in headers]
    _set_widths(sheet, headers, sample)
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    for row in chain(sample, rows):
        sheet.append([text_cell(sheet, value) for value in row])
    return workbook


def _set_widths(sheet, headers: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Each column as wide as its widest cell, within 8 and 40 characters."""
    for index, column in enumerate(zip(headers, *rows, strict=False), start=1):
        width = max(display_width(value) for value in column) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 40)


def _stream(workbook: Workbook, filename: str, fallback: str = "") -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it when sent
    workbook.save(handle)
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    if fallback and not filename.isascii():
        response["Content-Disposition"] = content_disposition(filename, fallback)
    return response


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header after RFC 6266: the UTF-8 name (filename*) for browsers, which
    keep it, and a plain ASCII name for the few clients that do not read filename*."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def display_width(value) -> int:
    """How many columns a value takes in a spreadsheet: a Chinese character takes two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def xlsx_workbook_response(
    filename: str, title: str, sheets, *, fallback: str = ""
) -> FileResponse:
    """Several sheets of (title, headers, rows), each with the report's title on top.

    Columns are as wide as their widest cell (within bounds); the title, the headers and the
    first column stay in view when scrolling.
    """
    workbook = Workbook(write_only=True)
    for sheet_title, headers, rows in sheets:
        rows = [list(row) for row in rows]
        headers = [str(h) for h in headers]
        sheet = workbook.create_sheet(title=sheet_title[:31])
        _set_widths(sheet, headers, rows)
        sheet.freeze_panes = "B3"
        sheet.append([title])
        sheet.append(headers)
        for row in rows:
            sheet.append([text_cell(sheet, value) for value in row])
    return _stream(workbook, filename, fallback)


def export_filename(place: str, what: str, day) -> str:
    """东山乡-农户-2026年12月7日.xlsx: the place, what the file holds and the day it was made,
    as an office files it."""
    return f"{place}-{what}-{day.year}年{day.month}月{day.day}日.xlsx"
