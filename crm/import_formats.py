"""File formats of the CRM imports and exports: CSV and XLSX.

Two things the stock django-import-export formats do not do:

* Read what Lithuanian spreadsheets write: CSV separated by commas or semicolons
  (Excel with Lithuanian regional settings uses ";"), UTF-8 with or without a BOM, and
  Windows-1257, which Excel's "CSV (comma delimited)" writes on a Lithuanian Windows
  (`decode_csv`).
* Neutralise spreadsheet formulas in exports. `IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`
  (4.4.3) only drops a leading "=" and turns every cell into a string (None becomes
  "None" in XLSX); cells starting with "+", "-", "@", a tab or a carriage return are
  left alone although spreadsheets evaluate them too. In CSV every text cell that a
  spreadsheet could read as a formula gets an apostrophe in front. XLSX has a text cell
  type, and an apostrophe there would be part of the value ("'+37061234567"), so such
  text is written as it is, as a text cell (`TextCellXLSXFormat`). The import takes an
  apostrophe off again (`strip_formula_guard`), so export → import changes nothing.

This module imports no models, so settings could list these classes.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
import itertools
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from xml.etree import ElementTree

import tablib
from django.utils.translation import get_language
from import_export.formats import base_formats
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet
from tablib.formats._xlsx import XLSXFormat

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
BOM = "\ufeff"
CSV_DELIMITERS = (";", ",", "\t")
#: The code page of Excel's "CSV (comma delimited)" on a Windows with Lithuanian regional settings.
LEGACY_ENCODING = "cp1257"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _guarded(text: str) -> bool:
    # A value that starts with a trigger, or with apostrophes and then a trigger: the
    # latter gets one more apostrophe so that the import gives back exactly the value.
    return text.lstrip(GUARD).startswith(FORMULA_TRIGGERS)


def neutralise_formula(value: Any) -> Any:
    """Prefix an apostrophe to text a spreadsheet would evaluate; other values pass unchanged."""
    if isinstance(value, str) and _guarded(value):
        return GUARD + value
    return value


def strip_formula_guard(value: Any) -> Any:
    """Undo `neutralise_formula` on an imported cell."""
    if isinstance(value, str) and value.startswith(GUARD) and _guarded(value[1:]):
        return value[1:]
    return value


def xlsx_value(value: Any) -> Any:
    """A value as the XLSX export writes it: formula-like text unchanged (it becomes a text cell),
    but text that the import would take an apostrophe off gets one more, and characters XLSX
    does not allow are replaced."""
    if not isinstance(value, str):
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):  # exporting must not fail on control characters
        value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    if value.startswith(GUARD) and _guarded(value):
        return GUARD + value
    return value


def needs_text_cell(value: Any) -> bool:
    """Whether openpyxl or a spreadsheet would read this text as something else than text: a
    formula, a number ("+370…"), an error ("#N/A")."""
    return isinstance(value, str) and (value.startswith(FORMULA_TRIGGERS) or value in ERROR_CODES)


def as_text_cell(cell: Cell) -> Cell:
    """Make the cell a text cell that shows its value as it is.

    openpyxl makes any text starting with "=" a formula and "#N/A" an error; a cell of type "s"
    is text, never evaluated. The quote prefix (an apostrophe that is not part of the value, as
    Excel sets when one types '=1+2) keeps it text when someone edits the cell in Excel, which
    would otherwise read "=…" as a formula and "+370…" as a number again."""
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


class TextCellXLSXFormat(XLSXFormat):
    """tablib's XLSX writer, with formula-like text written as text cells."""

    @classmethod
    def dset_sheet(
        cls, dataset: tablib.Dataset, ws: Worksheet, freeze_panes: bool = True, escape: bool = False
    ):
        super().dset_sheet(dataset, ws, freeze_panes=freeze_panes, escape=escape)
        # The sheet holds the headers (if any), then the rows: no separators in our datasets.
        rows = itertools.chain([dataset.headers], dataset) if dataset.headers else dataset
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if needs_text_cell(value):
                    as_text_cell(ws.cell(row=number, column=column))


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def _rectangular(headers: list[Any], rows: list[list[Any]], *, unnamed_columns: bool) -> tablib.Dataset:
    """A dataset from header and rows of uneven length: trailing unnamed columns are dropped,
    short rows padded, and blank rows at the end removed (spreadsheets keep formatted empty
    rows). Blank rows in the middle stay so that row numbers match the spreadsheet.

    Cells to the right of the last header are not dropped unsaid: with `unnamed_columns` (a
    workbook, whose header may be merged over the last columns) their columns stay, without a
    header, for the import to list by their letter; otherwise (a CSV file, where they come from a
    value with the delimiter in it, not quoted) the dataset's `overlong_rows` lists the rows
    (0 for the first under the headers), which the import refuses."""
    while headers and headers[-1] in (None, ""):
        headers.pop()
    if not headers and rows:
        # A blank first row: the columns stay, unnamed, for the import to say where headers go.
        headers = [None] * max(len(row) for row in rows)
    while rows and all(cell in (None, "") for cell in rows[-1]):
        rows.pop()
    width = len(headers)
    overlong = [
        index
        for index, row in enumerate(rows)
        if len(row) > width and any(_filled(cell) for cell in row[width:])
    ]
    if overlong and unnamed_columns:
        width = max(max(i for i, cell in enumerate(rows[index]) if _filled(cell)) + 1 for index in overlong)
        headers = [*headers, *[None] * (width - len(headers))]
        overlong = []
    names = ["" if h is None else str(h) for h in headers]
    # A header written twice names its second column "… (2)": import-export reads a row as a dict
    # by header, where the second column's cell would replace the first's, though the import
    # reads the first and lists the second as ignored.
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                names[index] = f"{name} ({seen[name]})"
    padded = (row[:width] + [""] * (width - len(row)) if len(row) != width else row for row in rows)
    # Rows given to the constructor skip the per-row width check of Dataset.append().
    dataset = tablib.Dataset(*padded, headers=names)
    dataset.overlong_rows = overlong
    return dataset


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most columns (comma on a tie)."""
    best, best_count = ",", 0
    for delimiter in CSV_DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count or (count == best_count and delimiter == ","):
            best, best_count = delimiter, count
    return best


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV file: UTF-8 (with or without a BOM), UTF-16 with its BOM
    (Excel's "Unicode text"), else Windows-1257.

    The fallback cannot misread a UTF-8 file: Windows-1257 writes a Lithuanian letter as one byte
    of 0xC0 or more followed by ASCII, which UTF-8 never has, so bytes that are valid UTF-8 are
    read as UTF-8. A file of another code page would show wrong letters in the preview, before
    anything is written. Raises UnicodeDecodeError for bytes that are neither, and for binary
    files (NUL bytes: a workbook uploaded as CSV), which Windows-1257 would turn into nonsense."""
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data:
            raise
        return data.decode(LEGACY_ENCODING)


def export_delimiter() -> str:
    """Semicolons for Lithuanian users (their Excel splits CSV on ";"), commas otherwise."""
    return ";" if (get_language() or "lt").startswith("lt") else ","


class CSV(base_formats.CSV):
    """CSV, comma or semicolon separated, UTF-8 with or without BOM or Windows-1257.

    The file is read as bytes and its encoding recognised here (`decode_csv`) unless one is given;
    import-export would decode it as UTF-8 when it reads the uploaded file back, and fail on
    Windows-1257 (the admin gives no encoding: `ImportExportAdminMixin.from_encoding`)."""

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: str | bytes, **kwargs: Any) -> tablib.Dataset:
        if isinstance(in_stream, bytes):
            text = in_stream.decode(self.encoding) if self.encoding else decode_csv(in_stream)
        else:
            text = in_stream
        text = text.removeprefix(BOM)
        header_line = text.split("\n", 1)[0]
        delimiter = sniff_delimiter(header_line)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = list(reader)
        if not rows:
            return tablib.Dataset()
        dataset = _rectangular(rows[0], rows[1:], unnamed_columns=False)
        dataset.delimiter = delimiter
        return dataset

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        delimiter = kwargs.get("delimiter") or export_delimiter()
        return "".join(self.export_stream(dataset.headers or [], dataset, delimiter=delimiter))

    @staticmethod
    def export_stream(
        headers: list[str], rows: Iterable[Any], *, delimiter: str, rows_per_chunk: int = 1000
    ) -> Iterator[str]:
        """The CSV file, in chunks of text as the rows come, so that the memory of a streamed
        download does not grow with them. Formula-like cells are neutralised."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        # The BOM makes Excel read the file as UTF-8 (ą, č, ę… instead of mojibake).
        buffer.write(BOM)
        if headers:
            writer.writerow([neutralise_formula(header) for header in headers])
        for number, row in enumerate(rows, start=1):
            writer.writerow([neutralise_formula(cell) for cell in row])
            if number % rows_per_chunk == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


class XLSX(base_formats.XLSX):
    """Excel workbooks: the active sheet is read (the one open when the workbook was saved, as
    import-export reads it), its first row holds the column headers. The dataset's `sheets` names
    the workbook's sheets and its title the one read, for the import to tell staff."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        try:
            with gc_paused():
                rows, active, sheets = xlsx_read(in_stream)
        except UnsafeXML:
            raise
        except Exception:  # anything unusual: openpyxl knows more kinds of workbook, slowly
            rows, active, sheets = self._openpyxl_rows(in_stream)
        dataset = _rectangular(rows[0], rows[1:], unnamed_columns=True) if rows else tablib.Dataset()
        dataset.title = active
        dataset.sheets = sheets
        return dataset

    @staticmethod
    def _openpyxl_rows(in_stream: bytes) -> tuple[list[list[Any]], str, list[str]]:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            sheet = workbook.active
            return [list(row) for row in sheet.iter_rows(values_only=True)], sheet.title, workbook.sheetnames
        finally:
            workbook.close()

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        safe = tablib.Dataset(headers=[xlsx_value(h) for h in dataset.headers or []])
        safe.title = dataset.title
        for row in dataset:
            safe.append([xlsx_value(cell) for cell in row])
        return TextCellXLSXFormat.export_set(safe, **kwargs)


FORMATS = [CSV, XLSX]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is read or imported.

    Reading and importing a file make tens of thousands of objects that live until the end (cells,
    rows, records, row results). Each counts towards Python's next full collection, which walks every
    object of the process: a 10,000-row import ran several, a tenth of its time. Reference counting
    still frees everything as usual; cycles made meanwhile wait for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Reading XLSX -----------------------------------------------------------------------
#
# openpyxl needs ~3 s for a 10,000-row sheet (it builds an object per shared string and
# cell). The values alone are read here straight from the XML, as openpyxl would give them
# in read-only, data-only mode: shared and inline strings, numbers (int or float), booleans,
# dates by their cell style, cached results of formulas.

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class UnsafeXML(ValueError):
    """A workbook part declares a DTD or entities (XML bombs, external entities): refused."""


def _xml(archive: zipfile.ZipFile, name: str) -> bytes:
    # Spreadsheet programs never write a DTD; refusing any keeps entity tricks away from the
    # parser (defusedxml is not installed, and openpyxl would use the same stdlib parser).
    data = archive.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXML(name)
    return data


def _parse(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(data)  # noqa: S314 - no DTD gets here (see _xml)


def _iterparse(data: bytes) -> Iterator[tuple[str, ElementTree.Element]]:
    return ElementTree.iterparse(io.BytesIO(data))  # noqa: S314 - no DTD gets here (see _xml)


OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _active_sheet(workbook: ElementTree.Element) -> tuple[ElementTree.Element, list[ElementTree.Element]]:
    """The active sheet's entry in workbook.xml (the one open when the workbook was saved), and
    every sheet's."""
    view = workbook.find(f"{MAIN}bookViews/{MAIN}workbookView")
    active = int(view.get("activeTab", 0)) if view is not None else 0
    sheets = workbook.findall(f"{MAIN}sheets/{MAIN}sheet")
    return sheets[active], sheets


def xlsx_rows(data: bytes) -> list[list[Any]]:
    """The rows of the active sheet of an XLSX file, as lists of cell values."""
    return xlsx_read(data)[0]


def xlsx_read(data: bytes) -> tuple[list[list[Any]], str, list[str]]:
    """The rows of the active sheet of an XLSX file, as lists of cell values; the sheet's name;
    the names of all the workbook's sheets in order."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = _parse(_xml(archive, "xl/workbook.xml"))
        properties = workbook.find(f"{MAIN}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        active, sheets = _active_sheet(workbook)
        relation = active.get(OFFICE_REL)
        relations = _parse(_xml(archive, "xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in relations if r.get("Id") == relation)
        path = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        )
        names = set(archive.namelist())
        strings = _shared_strings(archive) if "xl/sharedStrings.xml" in names else []
        dates = _date_styles(archive) if "xl/styles.xml" in names else frozenset()
        epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        rows = _sheet_rows(_xml(archive, path), strings, dates, epoch)
    return rows, active.get("name", ""), [sheet.get("name", "") for sheet in sheets]


def _text(node: ElementTree.Element) -> str:
    """The text of a string item: its <t>, or the <t> of its rich-text runs (not phonetic ones)."""
    if len(node) == 1 and node[0].tag == f"{MAIN}t":  # the usual case: plain text
        text = node[0].text or ""
        return text.replace("x005F_", "") if "x005F_" in text else text
    parts = []
    for child in node:
        if child.tag == f"{MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{MAIN}r":
            parts.append(child.findtext(f"{MAIN}t") or "")
    return "".join(parts).replace("x005F_", "")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    strings = []
    for _event, node in _iterparse(_xml(archive, "xl/sharedStrings.xml")):
        if node.tag == f"{MAIN}si":
            strings.append(_text(node))
            node.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell styles whose number format shows a date."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    styles = _parse(_xml(archive, "xl/styles.xml"))
    custom = {
        int(f.get("numFmtId")): f.get("formatCode", "")
        for f in styles.iterfind(f"{MAIN}numFmts/{MAIN}numFmt")
    }
    dates = set()
    for index, style in enumerate(styles.iterfind(f"{MAIN}cellXfs/{MAIN}xf")):
        number_format = int(style.get("numFmtId", 0))
        if is_date_format(custom.get(number_format) or BUILTIN_FORMATS.get(number_format, "")):
            dates.add(index)
    return frozenset(dates)


def _sheet_rows(sheet: bytes, strings: list[str], dates: frozenset[int], epoch: Any) -> list[list[Any]]:
    from openpyxl.utils.cell import column_index_from_string
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    row_tag, cell_tag, value_tag, inline_tag = f"{MAIN}row", f"{MAIN}c", f"{MAIN}v", f"{MAIN}is"
    text_tag = f"{MAIN}t"
    columns: dict[str, int] = {}
    rows: list[list[Any]] = []
    for _event, node in _iterparse(sheet):
        if node.tag != row_tag:
            continue
        number = int(node.get("r") or len(rows) + 1)
        while len(rows) < number - 1:
            rows.append([])  # rows without any cell are not written at all
        values: list[Any] = []
        for cell in node.iter(cell_tag):
            reference = cell.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                column = columns.get(letters) or columns.setdefault(
                    letters, column_index_from_string(letters)
                )
                if column > len(values) + 1:
                    values.extend([None] * (column - 1 - len(values)))
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                inline = cell.find(inline_tag)
                if inline is None:
                    values.append(None)
                elif len(inline) == 1 and inline[0].tag == text_tag:  # the usual case: plain text
                    text = inline[0].text or ""
                    values.append(text.replace("x005F_", "") if "x005F_" in text else text)
                else:
                    values.append(_text(inline))
                continue
            raw = cell.findtext(value_tag) or None
            if raw is None:
                value = None
            elif kind == "n":
                value = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
                if dates and int(cell.get("s") or 0) in dates:
                    value = from_excel(value, epoch)
            elif kind == "s":
                value = strings[int(raw)]
            elif kind == "b":
                value = bool(int(raw))
            elif kind == "d":
                value = from_ISO8601(raw)
            else:  # "str" (a formula's text) and "e" (an error such as #N/A)
                value = raw
            values.append(value)
        rows.append(values)
        node.clear()
    return rows
