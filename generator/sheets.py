"""Spreadsheet downloads: xlsx workbooks (openpyxl) and CSV files, written from plain tables.

A table becomes one sheet: a title row, a note row, a header row (frozen, repeated on every printed page) and the
rows, with drop-down lists (data validation) on choice columns and blank rows for the reader to fill. Formulas are
only COUNTIF with "," separators, which the file format stores the same way whatever the reader's Excel locale.

Text from data never becomes a formula: every cell goes through `_put` (a string is stored as a string, whatever it
starts with) and every CSV field through `neutral` (the OWASP rule: a field that starts like a formula gets an
apostrophe). The only formulas are the `Formula` values this module's callers make.

Row heights are set from the text: LibreOffice does not grow a wrapped row when it opens an xlsx file (Excel does),
so each row gets the height its longest cell needs, estimated from the text and the column width (an East Asian
character is about two widths). Cells use named styles registered once per workbook: assigning a style by name is
far cheaper in openpyxl than assigning font, border and alignment objects to every cell.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import math
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

FONT = "Yu Gothic"  # ships with Windows and Office for Mac, and renders Japanese; Excel substitutes it elsewhere
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FACTS_ROW = 3  # the cover's first fact (its value in column B)
FIRST_ROW = HEADER_ROW + 1
HEADER_FILL = PatternFill("solid", fgColor="DCE3F3")
THIN = Side(style="thin", color="A0A8B8")
# A share done in quarters (0–4), as the one-screen view colours it (docs/assets/checklist.css, data-kb-share).
SHARE_FILLS = ("F6D5D3", "F9E0C0", "FBEEB8", "DCEDC8", "A5D6A7")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# What a spreadsheet reads as the start of a formula (or of a command, for some CSV readers), half- and full-width.
FORMULA_START = "=+-@\t\r＝＋－＠"
# Excel's own calculation engine id (Excel 2019 and Microsoft 365). With an older id, or with fullCalcOnLoad as
# openpyxl writes by default, Excel recalculates on opening and then asks to save a file nobody changed.
CALC_ID = 191029

# Text metrics for row heights and column widths, in column-width units (about one Latin character of the default
# font) at 10 pt. Measured in LibreOffice (DejaVu Sans and Noto Sans CJK stand in for Yu Gothic) and kept on the
# safe side for Excel: a row a little too high is better than a row that hides text.
NARROW, WIDE = 1.15, 2.05
CELL_PADDING = 1.5  # the cell's inner margins and the grid line
LINE_HEIGHT = 1.7  # Yu Gothic's line height, as a multiple of the font size (Excel's default row: 18.75 pt at 11 pt)
ROW_PADDING = 3.0  # points above and below the text
MAX_ROW_HEIGHT = 409  # Excel's limit, in points
BODY_SIZE, TITLE_SIZE, SUBTITLE_SIZE = 10, 14, 12
# A4 landscape with side margins of a quarter inch holds about 114 column-width units at 100 % (measured with
# LibreOffice, whose unit is wider than Excel's): a table of 126 units or fewer prints at 90 % or more.
SIDE_MARGIN = 0.25  # inches
COVER_MAX_WIDTH = 60  # a cover column wider than this wraps instead
FACTS_MAX_WIDTH = 80  # the cover's facts (guideline edition, site) wrap beyond this


@dataclass(frozen=True)
class Formula:
    """A formula this module's callers write (never text from data), with the value it has in the file as written."""

    text: str  # without the leading "="
    cached: int


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    choices: tuple[str, ...] = ()  # a drop-down list of these values
    choices_from: str = ""  # or a drop-down list of the cells in this range ("'Sheet'!$B$4:$B$9")
    date: bool = False
    tallied: bool = False  # the cover counts each choice of this column with COUNTIF


@dataclass(frozen=True)
class Cell:
    value: str | int | None
    link: str | None = None  # an absolute URL
    shade: int | None = None  # a share in quarters (0–4): the cell is filled as the one-screen view colours it


def sheet_name(text: str) -> str:
    """A name Excel accepts for a sheet, whatever the ui string or id it comes from: at most 31 characters, none of
    []:*?/\\ and no apostrophe at either end (openpyxl refuses the first, Excel the others)."""
    return re.sub(r"[\\/*?:\[\]]", "_", text)[:31].strip("'") or "Sheet"


@dataclass(frozen=True)
class Table:
    sheet: str  # made a valid sheet name (sheet_name)
    title: str
    note: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    blank_rows: int = 0  # rows with the same drop-downs, left empty for the reader

    def __post_init__(self) -> None:
        object.__setattr__(self, "sheet", sheet_name(self.sheet))

    @property
    def last_row(self) -> int:
        return FIRST_ROW + len(self.rows) + self.blank_rows - 1

    def column_range(self, index: int) -> str:
        """An absolute reference to the data cells of one column, for formulas and drop-down sources."""
        letter = get_column_letter(index + 1)
        return f"{quote_sheetname(self.sheet)}!${letter}${FIRST_ROW}:${letter}${self.last_row}"


@dataclass(frozen=True)
class Cover:
    sheet: str
    title: str
    facts: list[tuple[str, str | Cell]]  # (label, value); a Cell value may carry a link
    instructions: list[str]
    tally_title: str = ""
    tally_headers: tuple[str, ...] = ()  # e.g. (checklist, items, done, partly done, …)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sheet", sheet_name(self.sheet))


# ---------------------------------------------------------------- the guard


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read `text` as the start of a formula. An empty text is not (`"" in "…"` is true
    in Python, so the first character is tested, never a slice)."""
    return bool(text) and text[0] in FORMULA_START


def neutral(text: str) -> str:
    """A CSV field that a spreadsheet would read as a formula gets a leading apostrophe (OWASP's CSV injection rule).

    The xlsx cells need no apostrophe: `_put` stores every string as a string, so "=1+1" shows as written."""
    return "'" + text if formula_like(text) else text


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark, so that Excel opens Japanese text correctly; CRLF line ends, as RFC 4180 says."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow([neutral(value) if isinstance(value, str) else value for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _put(sheet: Worksheet, row: int, column: int, value, style: str, link: str | None = None):
    """Every cell is written here: text stays text, only a `Formula` becomes a formula."""
    cell = sheet.cell(row, column)
    if isinstance(value, Formula):
        cell.value = "=" + value.text
    else:
        if isinstance(value, str):  # a control character cannot be in a workbook (an answers file may hold one)
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error value
    cell._style = copy.copy(_style_arrays()[style])  # what `cell.style = style` does, less its two lookups by name
    if isinstance(value, str) and formula_like(value):
        cell.quotePrefix = True  # Excel keeps it text even when the reader edits the cell
    if link:
        cell.hyperlink = link
    return cell


# ---------------------------------------------------------------- text metrics


def text_width(text: str, size: float = BODY_SIZE, bold: bool = False) -> float:
    """The width of one line of text, in column-width units."""
    units = len(text) * NARROW if text.isascii() else sum(WIDE if _wide(c) else NARROW for c in text)
    return units * size / BODY_SIZE * (1.06 if bold else 1.0)


@functools.cache
def _wide(character: str) -> bool:
    return unicodedata.east_asian_width(character) in "WFA"


@functools.lru_cache(maxsize=8192)
def text_lines(text: str, width: float, size: float = BODY_SIZE, bold: bool = False) -> int:
    """How many lines `text` takes, wrapped in a cell `width` units wide: words wrap whole, East Asian text anywhere."""
    room = max(width - CELL_PADDING, 1.0)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word, space in _tokens(paragraph):
            length = text_width(word, size, bold)
            if used and used + length > room:
                lines += 1
                used = 0.0
            while length > room:  # a word longer than the line breaks where it must
                lines += 1
                length -= room
            used += length + text_width(space, size, bold)
    return max(lines, 1)


def _tokens(paragraph: str) -> list[tuple[str, str]]:
    """Words (runs of narrow characters) and single East Asian characters, each with the spaces after it."""
    tokens: list[tuple[str, str]] = []
    word = ""
    for character in paragraph:
        if character.isspace():
            if word:
                tokens.append((word, ""))
                word = ""
            if tokens:
                tokens[-1] = (tokens[-1][0], tokens[-1][1] + character)
        elif _wide(character):
            if word:
                tokens.append((word, ""))
                word = ""
            tokens.append((character, ""))
        else:
            word += character
    if word:
        tokens.append((word, ""))
    return tokens


def row_height(lines: int, size: float = BODY_SIZE) -> float:
    return min(math.ceil((lines * size * LINE_HEIGHT + ROW_PADDING) * 4) / 4, MAX_ROW_HEIGHT)


def _fit(texts, size: float = BODY_SIZE, bold: bool = False, minimum: float = 8, maximum: float = COVER_MAX_WIDTH):
    """A column as wide as its longest line, within bounds."""
    widest = max((text_width(line, size, bold) for t in texts for line in str(t).split("\n")), default=0)
    return round(min(max(widest + CELL_PADDING + 0.5, minimum), maximum), 1)


# ---------------------------------------------------------------- workbooks


def _named_styles(book: Workbook) -> None:
    """The few cell styles of every workbook, registered once; cells take them by name."""
    top = Alignment(wrap_text=True, vertical="top")

    def font(**style) -> Font:
        return Font(name=FONT, size=style.pop("size", BODY_SIZE), **style)

    styles = {
        "kb-title": {"font": font(size=TITLE_SIZE, bold=True), "alignment": Alignment(vertical="top")},
        "kb-subtitle": {"font": font(size=SUBTITLE_SIZE, bold=True), "alignment": Alignment(vertical="top")},
        "kb-label": {"font": font(bold=True), "alignment": top},
        "kb-text": {"font": font(), "alignment": top},
        "kb-text-link": {"font": font(color="0563C1", underline="single"), "alignment": top},
        "kb-note": {"font": font(color="7A4B00"), "alignment": top},  # no italics: Japanese has none
        "kb-header": {
            "font": font(bold=True),
            "fill": HEADER_FILL,
            "border": GRID,
            "alignment": Alignment(wrap_text=True, vertical="center"),
        },
        "kb-cell": {"font": font(), "border": GRID, "alignment": top},
        "kb-cell-link": {"font": font(color="0563C1", underline="single"), "border": GRID, "alignment": top},
        "kb-cell-date": {"font": font(), "border": GRID, "alignment": top, "number_format": "yyyy-mm-dd"},
        **{
            f"kb-share-{step}": {
                "font": font(),
                "border": GRID,
                "alignment": top,
                "fill": PatternFill("solid", fgColor=colour),
            }
            for step, colour in enumerate(SHARE_FILLS)
        },
    }
    for name, attributes in styles.items():
        book.add_named_style(NamedStyle(name=name, **attributes))


@functools.cache
def _style_arrays() -> dict[str, StyleArray]:
    """Each named style as the array of ids that `cell.style = name` copies into a cell (openpyxl finds it by name
    in a list, twice: 60 % of writing a cell). The same in every workbook, whose styles are registered alike."""
    book = Workbook()
    _named_styles(book)
    return {style.name: style.as_tuple() for style in book._named_styles}


def workbook(cover: Cover, tables: list[Table]) -> bytes:
    book = Workbook()
    _named_styles(book)
    if {style.name: style.as_tuple() for style in book._named_styles} != _style_arrays():
        raise RuntimeError("openpyxl registered the named styles otherwise than in the first workbook")
    cached = {0: _write_cover(book.active, cover, tables)}
    for table in tables:
        _write_table(book.create_sheet(table.sheet), table)
    book.properties.title = cover.title
    book.properties.creator = "guideline knowledge base generator"
    book.calculation.calcId = CALC_ID
    book.calculation.fullCalcOnLoad = False  # the file carries every formula's value (see _SavedZip)
    out = _SavedZip(cached)
    _Writer(book, out).save()  # Workbook.save's own steps, into the zip below
    return out.buffer.getvalue()


def _write_cover(sheet: Worksheet, cover: Cover, tables: list[Table]) -> dict[str, int]:
    """The cover; returns the value of each formula cell, by coordinate."""
    sheet.title = cover.sheet
    tallied = [(t, i) for t in tables for i, c in enumerate(t.columns) if c.tallied] if cover.tally_headers else []
    last = max(2, len(cover.tally_headers)) if tallied else 2
    facts = [(label, value if isinstance(value, Cell) else Cell(value)) for label, value in cover.facts]

    # Each column as wide as what it holds; a text that spans columns wraps within them.
    widths = {1: _fit([label for label, _ in facts], bold=True)}
    if tallied:
        widths[1] = max(widths[1], _fit([t.title for t, _ in tallied]), _fit(cover.tally_headers[:1], bold=True))
        widths[2] = _fit([cover.tally_headers[1], *(str(len(t.rows)) for t, _ in tallied)], bold=True)
        for column, header in enumerate(cover.tally_headers[2:], start=3):
            widths[column] = _fit([header], bold=True)
        # The facts' values span the tally's columns: widen those evenly when the values need more room.
        deficit = _fit([v.value for _, v in facts], maximum=FACTS_MAX_WIDTH) - sum(widths.values()) + widths[1]
        for column in range(2, last + 1):
            widths[column] = round(widths[column] + max(deficit, 0) / (last - 1), 1)
    else:
        widths[2] = _fit([v.value for _, v in facts], maximum=FACTS_MAX_WIDTH)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    across = sum(widths.values())

    _put(sheet, 1, 1, cover.title, "kb-title")
    sheet.row_dimensions[1].height = row_height(1, TITLE_SIZE)
    row = FACTS_ROW
    for label, value in facts:
        _put(sheet, row, 1, label, "kb-label")
        _put(sheet, row, 2, value.value, "kb-text-link" if value.link else "kb-text", value.link)
        if last > 2:
            _merge(sheet, row, 2, last)
        lines = max(text_lines(label, widths[1], bold=True), text_lines(value.value, across - widths[1]))
        sheet.row_dimensions[row].height = row_height(lines)
        row += 1
    row += 1
    for text in cover.instructions + cover.notes:
        _put(sheet, row, 1, text, "kb-text")
        _merge(sheet, row, 1, last)
        sheet.row_dimensions[row].height = row_height(text_lines(text, across))
        row += 1
    values: dict[str, int] = {}
    if tallied:
        row += 1
        _put(sheet, row, 1, cover.tally_title, "kb-subtitle")
        sheet.row_dimensions[row].height = row_height(1, SUBTITLE_SIZE)
        row += 1
        for column, header in enumerate(cover.tally_headers, start=1):
            _put(sheet, row, column, header, "kb-header")
        sheet.row_dimensions[row].height = row_height(
            max(text_lines(h, widths[c], bold=True) for c, h in enumerate(cover.tally_headers, start=1))
        )
        for table, index in tallied:
            row += 1
            _put(sheet, row, 1, table.title, "kb-cell")
            _put(sheet, row, 2, len(table.rows), "kb-cell")
            answers = [r[index].value for r in table.rows]
            for offset, choice in enumerate(table.columns[index].choices, start=3):
                count = Formula(f"COUNTIF({table.column_range(index)},{_criterion(choice)})", answers.count(choice))
                values[_put(sheet, row, offset, count, "kb-cell").coordinate] = count.cached
            sheet.row_dimensions[row].height = row_height(text_lines(table.title, widths[1]))
    _print_setup(sheet, repeat_header=False)
    sheet.page_setup.fitToHeight = 1  # the cover is one printed page
    return values


def _merge(sheet: Worksheet, row: int, first: int, last: int) -> None:
    """Merge cells of one row whose only content is the first cell's, and which have no borders.

    Worksheet.merge_cells would also copy borders onto the merged cells, which costs more than all the rest of a
    sheet; these cells have none, so the range is recorded as it is."""
    coordinate = CellRange(min_col=first, min_row=row, max_col=last, max_row=row).coord
    sheet.merged_cells.add(MergedCellRange(sheet, coordinate))


def _criterion(choice: str) -> str:
    """COUNTIF's criterion matching exactly `choice`: "=" so that a leading < or > is text, ~ before wildcards."""
    escaped = re.sub(r"([~*?])", r"~\1", choice).replace('"', '""')
    return f'"={escaped}"'


def _write_table(sheet: Worksheet, table: Table) -> None:
    _put(sheet, TITLE_ROW, 1, table.title, "kb-title")
    sheet.row_dimensions[TITLE_ROW].height = row_height(1, TITLE_SIZE)
    _put(sheet, NOTE_ROW, 1, table.note, "kb-note")
    _merge(sheet, NOTE_ROW, 1, len(table.columns))
    across = sum(c.width for c in table.columns)
    sheet.row_dimensions[NOTE_ROW].height = row_height(text_lines(table.note, across))
    for index, column in enumerate(table.columns, start=1):
        _put(sheet, HEADER_ROW, index, column.header, "kb-header")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = row_height(
        max(text_lines(c.header, c.width, bold=True) for c in table.columns)
    )
    for number, row in enumerate(table.rows, start=FIRST_ROW):
        lines = 1
        for index, (column, content) in enumerate(zip(table.columns, row, strict=True), start=1):
            style = "kb-cell-link" if content.link else "kb-cell-date" if column.date else "kb-cell"
            if content.shade is not None:
                style = f"kb-share-{content.shade}"
            _put(sheet, number, index, content.value, style, content.link)
            if content.value is not None:
                lines = max(lines, text_lines(content.value, column.width))
        sheet.row_dimensions[number].height = row_height(lines)
    for number in range(FIRST_ROW + len(table.rows), table.last_row + 1):
        for index, column in enumerate(table.columns, start=1):
            _put(sheet, number, index, None, "kb-cell-date" if column.date else "kb-cell")
        sheet.row_dimensions[number].height = row_height(2)  # room to write
    for index, column in enumerate(table.columns):
        source = ",".join(column.choices) if column.choices else column.choices_from
        if not source:
            continue
        formula = f'"{source}"' if column.choices else source
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
        validation.add(table.column_range(index).split("!", 1)[1].replace("$", ""))
        sheet.add_data_validation(validation)
    sheet.freeze_panes = sheet.cell(FIRST_ROW, 2)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(table.columns))}{table.last_row}"
    _print_setup(sheet, repeat_header=True, title=table.title)


def _print_setup(sheet: Worksheet, repeat_header: bool, title: str = "") -> None:
    """A4 landscape, as wide as the page, the header row on every page, page numbers in the footer."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = SIDE_MARGIN
    sheet.print_options.horizontalCentered = True
    if repeat_header:
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    if title:
        sheet.oddHeader.left.text = title.replace("&", "&&")  # "&" starts a code (&P, &D…) in a header
    sheet.oddFooter.center.text = "&P / &N"


UNDATED = (1980, 1, 1, 0, 0, 0)  # the zip format's first day: a workbook's entries carry no time of saving
FILE_MODE = 0o600 << 16  # what ZipFile.writestr gives an entry written from bytes
# What openpyxl's own writer gives a worksheet's entry (from the temporary file it wrote the sheet to: a regular file
# its owner may read and write), kept so that a workbook is the same bytes it was.
SHEET_MODE = (stat.S_IFREG | 0o600) << 16


class _Writer(ExcelWriter):
    """openpyxl's writer, each worksheet written in memory (openpyxl's WorksheetWriter writes to any file; its
    ExcelWriter gives it a temporary file per sheet, made, read back and removed: 62 sheets a language at 1×)."""

    def write_worksheet(self, ws: Worksheet) -> None:  # ExcelWriter.write_worksheet, for a workbook not write-only
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.write_sheet(ws.path[1:], writer.read())
        self.manifest.append(ws)


class _SavedZip:
    """Where openpyxl's writer puts a workbook's parts (as ZipFile would, each compressed once), with each formula's
    value written in, as Excel does when it saves; and the file keeps no time of saving.

    openpyxl writes formulas with an empty value (`<v/>`) and has no way to give one; a reader that does not
    recalculate on opening (LibreOffice by default, Excel when the calculation id is its own) would show nothing,
    and Excel, when it does recalculate, marks the file changed. The values are known here (the tallies of the rows
    as written: `values`, by sheet and coordinate), so they are put into the sheet XML as it is stored."""

    def __init__(self, values: dict[int, dict[str, int]]) -> None:
        self.values = values
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)

    def namelist(self) -> list[str]:
        return self.zip.namelist()

    def writestr(self, name: str, content: str | bytes) -> None:
        entry = zipfile.ZipInfo(name, UNDATED)
        entry.external_attr = FILE_MODE
        self._store(entry, content.encode() if isinstance(content, str) else content)

    def write_sheet(self, name: str, content: bytes) -> None:
        entry = zipfile.ZipInfo(name, UNDATED)
        entry.external_attr = SHEET_MODE
        self._store(entry, content)

    def close(self) -> None:
        self.zip.close()

    def _store(self, entry: zipfile.ZipInfo, content: bytes) -> None:
        entry.compress_type = zipfile.ZIP_DEFLATED
        if entry.filename == "docProps/core.xml":  # the time of saving: the same data gives the same bytes
            content = re.sub(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>", b"", content)
        match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", entry.filename)
        for coordinate, value in (self.values.get(int(match.group(1)) - 1, {}) if match else {}).items():
            pattern = rb'(<c r="' + coordinate.encode() + rb'"[^>]*><f>[^<]*</f>)(?:<v\s*/>|<v></v>)'
            content, found = re.subn(pattern, rb"\1<v>" + str(value).encode() + rb"</v>", content)
            if found != 1:
                raise RuntimeError(f"formula cell {coordinate} not found in {entry.filename}")
        self.zip.writestr(entry, content)
