"""Spreadsheet downloads: xlsx workbooks (openpyxl) and CSV files, written from plain tables.

A table becomes one sheet: a title row, a note row, a header row (frozen, repeated on every printed page) and the
rows, with drop-down lists (data validation) on choice columns and blank rows for the reader to fill. Formulas are
only COUNTIF with "," separators, which the file format stores the same way whatever the reader's Excel locale.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

FONT = "Yu Gothic"  # ships with Windows and Office for Mac, and renders Japanese; Excel substitutes it elsewhere
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_ROW = HEADER_ROW + 1
HEADER_FILL = PatternFill("solid", fgColor="DCE3F3")
THIN = Side(style="thin", color="A0A8B8")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


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


@dataclass(frozen=True)
class Table:
    sheet: str  # at most 31 characters, none of []:*?/\
    title: str
    note: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    blank_rows: int = 0  # rows with the same drop-downs, left empty for the reader

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
    facts: list[tuple[str, str]]  # (label, value)
    instructions: list[str]
    tally_title: str = ""
    tally_headers: tuple[str, ...] = ()  # e.g. (checklist, items, done, partly done, …)
    notes: list[str] = field(default_factory=list)


def workbook(cover: Cover, tables: list[Table]) -> bytes:
    book = Workbook()
    _write_cover(book.active, cover, tables)
    for table in tables:
        _write_table(book.create_sheet(table.sheet), table)
    book.properties.title = cover.title
    book.properties.creator = "aviation-guideline-kb generator"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark, so that Excel opens Japanese text correctly; CRLF line ends, as RFC 4180 says."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _font(**style) -> Font:
    return Font(name=FONT, size=style.pop("size", 10), **style)


BODY_FONT = _font()
LINK_FONT = _font(color="0563C1", underline="single")


def _write_cover(sheet: Worksheet, cover: Cover, tables: list[Table]) -> None:
    sheet.title = cover.sheet
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    sheet["A1"] = cover.title
    sheet["A1"].font = _font(size=14, bold=True)
    row = 3
    for label, value in cover.facts:
        sheet.cell(row, 1, label).font = _font(bold=True)
        sheet.cell(row, 2, value).font = _font()
        row += 1
    row += 1
    for text in cover.instructions + cover.notes:
        cell = sheet.cell(row, 1, text)
        cell.font = _font()
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(cover.tally_headers) or 2)
        sheet.row_dimensions[row].height = 30
        row += 1
    tallied = [(t, i) for t in tables for i, c in enumerate(t.columns) if c.tallied]
    if tallied and cover.tally_headers:
        row += 1
        sheet.cell(row, 1, cover.tally_title).font = _font(bold=True, size=12)
        row += 1
        for column, header in enumerate(cover.tally_headers, start=1):
            _header_cell(sheet.cell(row, column, header))
        for table, index in tallied:
            row += 1
            sheet.cell(row, 1, table.title)
            sheet.cell(row, 2, len(table.rows))
            for offset, choice in enumerate(table.columns[index].choices, start=3):
                sheet.cell(row, offset, f'=COUNTIF({table.column_range(index)},"{choice}")')
            for column in range(1, len(cover.tally_headers) + 1):
                sheet.cell(row, column).font = _font()
                sheet.cell(row, column).border = GRID
        for column in range(3, len(cover.tally_headers) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 12
    _print_setup(sheet, repeat_header=False)


def _header_cell(cell) -> None:
    cell.font = _font(bold=True)
    cell.fill = HEADER_FILL
    cell.border = GRID
    cell.alignment = Alignment(wrap_text=True, vertical="center")


def _write_table(sheet: Worksheet, table: Table) -> None:
    sheet.cell(TITLE_ROW, 1, table.title).font = _font(size=14, bold=True)
    note = sheet.cell(NOTE_ROW, 1, table.note)
    note.font = _font(italic=True, color="7A4B00")
    note.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=len(table.columns))
    sheet.row_dimensions[NOTE_ROW].height = 30
    for index, column in enumerate(table.columns, start=1):
        _header_cell(sheet.cell(HEADER_ROW, index, column.header))
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    blank = tuple(Cell(None) for _ in table.columns)
    for number, row in enumerate([*table.rows, *[blank] * table.blank_rows], start=FIRST_ROW):
        for index, (column, content) in enumerate(zip(table.columns, row, strict=True), start=1):
            cell = sheet.cell(number, index, content.value)
            cell.border = GRID
            cell.alignment = WRAP
            cell.font = LINK_FONT if content.link else BODY_FONT
            if column.date:
                cell.number_format = "yyyy-mm-dd"
            if content.link:
                cell.hyperlink = content.link
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
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.horizontalCentered = True
    if repeat_header:
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    if title:
        sheet.oddHeader.left.text = title
    sheet.oddFooter.center.text = "&P / &N"
