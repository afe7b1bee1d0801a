"""The downloads as an office suite shows them: workbooks and Word files printed to PDF by a real LibreOffice
(headless, a private profile per test session), the PDF read back with pypdf, and workbooks built from hostile data
read back by openpyxl and by LibreOffice.

What is checked where a reader would see it: every checklist row prints its whole text inside its own row (not cut,
not over the next row) on a plausible number of pages; every numbered list of a Word file starts at 1; the Word
footer is one line with the page numbers in the text's size; Japanese quotes are not slanted; the tallies show their
values before and after the reader answers; text from data that starts like a formula stays text in the workbooks
and in LibreOffice's import of the CSV files.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pypdf
import pytest
import yaml

from generator.build import load_knowledge_base
from generator.export_docx import landscape, sheets
from generator.features import BuildSettings
from generator.features.checklists import INFO_COLUMNS, Book, Checklists, ItemRows, download_path, items_of
from generator.features.templates import PlainText, with_document_control
from generator.i18n import Language
from generator.sheets import FIRST_ROW, formula_like

from .helpers import copy_data
from .page_kinds import LANGUAGE_ROOTS

SOFFICE = Path("/usr/bin/soffice")
# LibreOffice's CSV export of every sheet, each to its own file, as the cells show (UTF-8, comma, quote).
EVERY_SHEET_AS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
# Every kind of start that a spreadsheet reads as a formula or a command (OWASP's list, and the full-width forms
# that Japanese input methods type), and an error literal that openpyxl would otherwise store as an error value.
HOSTILE = (
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1,1)",
    "＝1+1",
    "＋1+1",
    "－1+1",
    "＠SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://127.0.0.1/","x")',
    "=cmd|' /C calc'!A0",
    "#N/A",
)


# ---------------------------------------------------------------- LibreOffice and PDF helpers


@pytest.fixture(scope="session")
def office(tmp_path_factory):
    """convert(files, target, out): LibreOffice's --convert-to, with a profile of this test session's own."""
    if not SOFFICE.exists():
        pytest.fail("LibreOffice is not installed: run `make /usr/bin/soffice` (make test does)")
    profile = tmp_path_factory.mktemp("libreoffice-profile")

    def convert(files: list[Path], target: str, out: Path, infilter: str = "") -> list[Path]:
        command = [str(SOFFICE), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
        if infilter:
            command.append(f"--infilter={infilter}")
        subprocess.run(
            [*command, "--convert-to", target, "--outdir", str(out), *map(str, files)],
            check=True,
            capture_output=True,
            timeout=600,
        )
        return sorted(out.iterdir())

    return convert


@dataclass(frozen=True)
class Fragment:
    page: int
    x: float
    y: float  # from the bottom of the page, as PDF counts
    size: float
    sheared: bool  # slanted: a synthetic italic
    text: str


def fragments(pdf: Path) -> list[Fragment]:
    found = []
    for number, page in enumerate(pypdf.PdfReader(pdf).pages):

        def visit(text, cm, tm, font, size, number=number):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
                sheared = abs(tm[1]) > 1e-3 or abs(tm[2]) > 1e-3
                found.append(Fragment(number, x, y, round(size * scale, 1), sheared, text))

        page.extract_text(visitor_text=visit)
    return found


def bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def downloads(linked, feature, code: str) -> dict[str, bytes]:
    if isinstance(feature, Checklists):
        feature.configure(BuildSettings(site_url=""))
    return feature.files(linked, Language.of(linked.kb, code))


def written(tmp_path: Path, files: dict[str, bytes], *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = tmp_path / Path(name).name
        path.write_bytes(files[name])
        paths.append(path)
    return paths


def printed_templates(linked):
    """access-control-policy (three numbered lists) and the template with the longest ID (the widest footer)."""
    return [linked.index.templates["access-control-policy"], max(linked.kb.templates, key=lambda t: len(t.id))]


def site_file(site: Path, code: str, name: str) -> Path:
    """A download of the built site, as a reader of language `code` gets it."""
    return site / LANGUAGE_ROOTS[code] / name


@pytest.fixture(scope="session")
def printed(linked, site, office, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """The built site's files the print tests read, printed to PDF in one LibreOffice run: (language, file stem) ->
    PDF. Every template's Word file, the chapter 5 workbook and the risk response plan workbook."""
    folder = tmp_path_factory.mktemp("printed")
    sources = {}
    for code in ("ja", "en"):
        language = Language.of(linked.kb, code)
        names = [download_path(name, language, "xlsx") for name in ("ch5", "risk-response-plan")]
        names += [f"downloads/templates/{t.id}.docx" for t in linked.kb.templates]
        for name in names:
            path = folder / f"{code}-{Path(name).name}"
            shutil.copy(site_file(site, code, name), path)
            sources[(code, Path(name).stem)] = path
    office(list(sources.values()), "pdf", folder / "pdf")
    return {key: folder / "pdf" / f"{path.stem}.pdf" for key, path in sources.items()}


# ---------------------------------------------------------------- workbooks printed


def printed_rows(parts: list[Fragment], ids: set[str], header: list[str]) -> dict[str, tuple[int, str]]:
    """Each item's row as printed: the text in the item column between its ID and the next row's ID, by page."""
    rows = {}
    for page in sorted({f.page for f in parts}):
        on_page = [f for f in parts if f.page == page]
        headings = {f.text.strip(): f.x for f in on_page if f.text.strip() in header[1:3]}
        if len(headings) < 2:
            continue  # the cover
        left, right = headings[header[1]] - 2, headings[header[2]] - 2
        starts = sorted((f for f in on_page if f.text.strip() in ids and f.x < left), key=lambda f: -f.y)
        for index, start in enumerate(starts):
            top = start.y + 2
            bottom = starts[index + 1].y + 2 if index + 1 < len(starts) else -math.inf
            inside = [f for f in on_page if left <= f.x < right and bottom < f.y <= top]
            text = "".join(f.text for f in sorted(inside, key=lambda f: (-f.y, f.x)))
            assert start.text.strip() not in rows, f"{start.text} printed twice"
            rows[start.text.strip()] = (page, text)
    return rows


@pytest.mark.parametrize("code", ["ja", "en"])
def test_a_chapter_workbook_prints_every_item_in_full_inside_its_row(linked, printed, code):
    language = Language.of(linked.kb, code)
    pdf = printed[(code, f"ch5-{code}")]
    checklist = next(c for c in linked.kb.checklists if c.id == "ch5")
    rows = ItemRows(linked, language)
    expected = {item.id: rows.row(item).text for item in items_of(linked, checklist)}
    parts = fragments(pdf)
    printed = printed_rows(parts, set(expected), Book(linked, language, "").header())
    assert set(printed) == set(expected)
    for item_id, text in expected.items():
        assert bare(printed[item_id][1]) == bare(text), (code, item_id, printed[item_id])
    pages = len(pypdf.PdfReader(pdf).pages)
    cover_pages = {f.page for f in parts} - {page for page, _ in printed.values()}
    assert cover_pages == {0}, "the cover prints on one page"
    # 66 rows of one to ten lines at 90 % or more: several pages, neither few (rows too low) nor a page per row.
    assert len(expected) == 66 and 6 <= pages - 1 <= 26, pages


@pytest.mark.parametrize("code", ["ja", "en"])
def test_workbooks_print_on_a4_landscape_at_90_percent_or_more(linked, printed, code):
    """Fit to the page's width, and the columns no wider than A4 landscape holds at 90 %: the 10 pt text of every
    sheet prints at 9 pt or more (it printed at under 6 pt when the columns were twice as wide)."""
    for stem in (f"ch5-{code}", f"risk-response-plan-{code}"):
        pdf = printed[(code, stem)]
        for page in pypdf.PdfReader(pdf).pages:
            assert float(page.mediabox.width) > float(page.mediabox.height), stem  # landscape
            assert sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height)))) == [595, 842]
        sizes = [f.size for f in fragments(pdf) if f.text.strip()]
        assert sizes and min(sizes) >= 9.0 * 0.99, (stem, sorted(set(sizes))[:5])


ANSWERED = ("done",) * 7 + ("partial",) * 3 + ("na",) * 2  # the statuses of chapter 5's first items


def test_tallies_carry_their_values_and_recount_in_libreoffice(linked, site, shown_as_csv):
    language = Language.of(linked.kb, "ja")
    xlsx = site_file(site, "ja", download_path("ch5", language, "xlsx"))
    book = openpyxl.load_workbook(xlsx)
    assert book.calculation.calcId == 191029 and not book.calculation.fullCalcOnLoad  # Excel does not recalculate
    cover = book.worksheets[0]
    tally = next(r for r in cover.iter_rows() if isinstance(r[2].value, str) and r[2].value.startswith("=COUNTIF("))
    values = openpyxl.load_workbook(xlsx, data_only=True).worksheets[0]
    assert [values.cell(tally[0].row, c).value for c in range(2, 7)] == [66, 0, 0, 0, 0]  # stored, not blank
    # The reader's answers (ANSWERED, saved by openpyxl), as LibreOffice recounts and shows them.
    cover_csv = next(p for p in shown_as_csv if p.name.startswith("answered-") and not p.name.endswith("-ch5.csv"))
    assert cover_csv.read_text(encoding="utf-8").splitlines()[-1].split(",")[1:] == ["66", "7", "3", "0", "2"]


# ---------------------------------------------------------------- Word files printed


@pytest.mark.parametrize("code", ["ja", "en"])
def test_word_files_print_with_every_list_from_1_and_only_page_numbers_in_the_footer(linked, printed, code):
    language = Language.of(linked.kb, code)
    for template in printed_templates(linked):
        pdf = printed[(code, template.id)]
        lines = [line.strip() for page in pypdf.PdfReader(pdf).pages for line in page.extract_text().splitlines()]
        plain = PlainText(linked, language, template)
        numbered = [part for part in template.parts if part.numbered and part.items]
        assert template.id != "access-control-policy" or len(numbered) >= 3
        for part in numbered:
            for number, item in enumerate(part.items, start=1):
                start = "".join(s.text for s in plain.spans(item))[:12]
                line = next(line for line in lines if start in line)
                assert line.startswith(f"{number}."), (template.id, code, line)

        parts = fragments(pdf)
        pages = max(f.page for f in parts) + 1
        for page in range(pages):
            bottom = min(f.y for f in parts if f.page == page)
            line = [f for f in parts if f.page == page and abs(f.y - bottom) < 1]
            numbers = language.t("templates.page_of").format(page=page + 1, pages=pages)
            assert bare("".join(f.text for f in sorted(line, key=lambda f: f.x))) == bare(numbers)
            assert len({f.size for f in line}) == 1, [(f.text, f.size) for f in line]  # numbers as the text
            above = [f for f in parts if f.page == page and 1 <= f.y - bottom < 16]
            assert not above, f"the footer takes two lines: {[f.text for f in above]}"
        if code == "ja":
            assert not [f.text for f in parts if f.sheared], "Japanese is never slanted"


@pytest.mark.parametrize("code", ["ja", "en"])
def test_every_word_template_prints_each_sheet_on_one_a4_page_nothing_split(linked, printed, code):
    """Printed by LibreOffice: each sheet is one A4 page (portrait, or landscape for a wide table) holding all its
    parts, headings, field labels and table headers; the quoted guideline text follows on pages of its own. So no
    block (a fields table, an approval block, a short table) is split across pages, and nothing spills."""
    language = Language.of(linked.kb, code)
    for template in with_document_control(linked):
        pdf = pypdf.PdfReader(printed[(code, template.id)])
        texts = [bare(page.extract_text()) for page in pdf.pages]
        plain = PlainText(linked, language, template)

        def page_of(text, start: int = 0, texts=texts, plain=plain) -> int:
            words = bare(text if isinstance(text, str) else "".join(s.text for s in plain.spans(text)))[:14]
            return next(n for n in range(start, len(texts)) if words in texts[n])

        for number, sheet in enumerate(sheets(template)):
            wide = landscape(sheet)
            page = pdf.pages[number]
            assert (float(page.mediabox.width) > float(page.mediabox.height)) == wide, (template.id, code, number)
            for part in sheet:
                assert page_of(part.heading, number) == number, (template.id, code, language.text(part.heading))
                for label in [f.label for f in part.fields] + (part.table.columns[:1] if part.table else []):
                    assert page_of(label, number) == number, (template.id, code, language.text(label))
        assert page_of(language.t("templates.basis")) == len(sheets(template)), (template.id, code)


@pytest.mark.parametrize("code", ["ja", "en"])
def test_the_remote_access_application_prints_on_one_page_approval_included(linked, printed, code):
    """A request form is one sheet of paper: the applicant's part and the approval block on one A4 page, the quoted
    guideline text after it (it printed on two when the approval did not fit under the applicant's signature)."""
    template = linked.index.templates["remote-access-application"]
    language = Language.of(linked.kb, code)
    pages = [bare(page.extract_text()) for page in pypdf.PdfReader(printed[(code, template.id)]).pages]
    plain = PlainText(linked, language, template)
    labels = [f.label for part in template.parts for f in part.fields] + [p.heading for p in template.parts]
    for label in labels:
        words = bare("".join(s.text for s in plain.spans(label)))
        assert words in pages[0], (code, words)
    assert bare(language.t("templates.basis")) in pages[1] and len(sheets(template)) == 1


# ---------------------------------------------------------------- hostile data


def hostile_copy(tmp_path: Path):
    """The real data with the first items of chapter 3, and the checklist's title, starting like formulas."""
    data = copy_data(tmp_path)
    path = data / "checklists" / "01_ch3.yaml"
    checklist = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item, text in zip(checklist["items"], HOSTILE, strict=False):
        item["text"] = {"ja": text, "en": text}
    checklist["title"] = {"ja": "=1+1 第3章", "en": "=1+1 Chapter 3"}
    path.write_text(yaml.safe_dump(checklist, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_knowledge_base(data)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """hostile_copy's knowledge base and its checklists' downloads in each language (file name -> content)."""
    linked = hostile_copy(tmp_path_factory.mktemp("hostile"))
    return linked, {code: downloads(linked, Checklists(), code) for code in ("ja", "en")}


@pytest.fixture(scope="module")
def shown_as_csv(linked, site, hostile, office, tmp_path_factory) -> list[Path]:
    """Workbooks as LibreOffice shows them, every sheet a CSV file (<workbook>-<sheet>.csv), in one LibreOffice run:
    the built chapter 5 workbook answered by the reader (ANSWERED, saved by openpyxl, which saves no values, as any
    editor that leaves recalculation to the reader does), and the hostile chapter 3 workbook."""
    folder = tmp_path_factory.mktemp("shown")
    language = Language.of(linked.kb, "ja")
    book = openpyxl.load_workbook(site_file(site, "ja", download_path("ch5", language, "xlsx")))
    for row, status in enumerate(ANSWERED, start=FIRST_ROW):  # the status: the first answer field
        book["ch5"].cell(row, len(INFO_COLUMNS) + 1).value = language.t(f"checklist.status.{status}")
    book.save(folder / "answered.xlsx")
    hostile_linked, made = hostile
    (xlsx,) = written(folder, made["ja"], download_path("ch3", Language.of(hostile_linked.kb, "ja"), "xlsx"))
    return office([folder / "answered.xlsx", xlsx], EVERY_SHEET_AS_CSV, folder / "csv")


def test_text_from_data_never_becomes_a_formula_in_workbooks_or_csv(hostile, shown_as_csv, tmp_path, office):
    linked, made = hostile
    checklist = next(c for c in linked.kb.checklists if c.id == "ch3")
    for code, files in made.items():
        language = Language.of(linked.kb, code)
        # As the data holds them once loaded (a leading tab is trimmed on loading: what follows still starts a formula).
        texts = [ItemRows(linked, language).row(item).text for item in checklist.items[: len(HOSTILE)]]
        assert all(formula_like(t) or t == "#N/A" for t in texts), texts
        for name in ("ch3", "checklists"):
            book = openpyxl.load_workbook(io.BytesIO(files[download_path(name, language, "xlsx")]))
            sheet = book["ch3"]
            for row, text in enumerate(texts, start=FIRST_ROW):
                cell = sheet.cell(row, 2)
                # XML reads a carriage return as a line feed; either way the cell is the text as written.
                assert cell.data_type == "s" and cell.value == text.replace("\r", "\n"), (name, code, row)
            assert sheet.cell(1, 1).value.startswith("=1+1") and sheet.cell(1, 1).data_type == "s"
            formulas = [c for s in book for r in s.iter_rows() for c in r if c.data_type == "f"]
            assert formulas and all(c.parent is book.worksheets[0] for c in formulas)
            assert all(c.value.startswith("=COUNTIF(") for c in formulas)
        for name in ("ch3", "checklists"):
            raw = files[download_path(name, language, "csv")].decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(raw, newline="")))
            fields = [r[2] for r in rows[1:] if r[0] == "ch3"][: len(HOSTILE)]
            assert fields == ["'" + t if formula_like(t) else t for t in texts]
            assert not [field for r in rows for field in r if formula_like(field)]

    # LibreOffice: the workbook's cells show the text; the CSV file, imported, holds no formula.
    language = Language.of(linked.kb, "ja")
    texts = [ItemRows(linked, language).row(item).text for item in checklist.items[: len(HOSTILE)]]
    xlsx_name = Path(download_path("ch3", language, "xlsx")).stem
    shown = next(p for p in shown_as_csv if p.name == f"{xlsx_name}-ch3.csv").read_text(encoding="utf-8")
    shown_rows = list(csv.reader(io.StringIO(shown, newline="")))
    assert [r[1] for r in shown_rows[FIRST_ROW - 1 : FIRST_ROW - 1 + len(texts)]] == [
        t.replace("\r", "\n") for t in texts
    ]
    (csv_file,) = written(tmp_path, made["ja"], download_path("ch3", language, "csv"))
    (imported,) = office([csv_file], "xlsx", tmp_path / "imported", infilter="CSV:44,34,76,1")  # as Excel reads it
    cells = [c for r in openpyxl.load_workbook(imported).active.iter_rows() for c in r if c.value is not None]
    assert len(cells) > len(HOSTILE) and not [c.value for c in cells if c.data_type == "f"]


# ---------------------------------------------------------------- empty cells stay empty


def test_no_empty_cell_of_any_built_csv_or_workbook_holds_anything(site):
    """The formula guard marks text that starts like a formula, never an empty answer cell (an empty string is not a
    formula): every blank a reader fills in is empty in every CSV and xlsx file of the built site."""
    files = sorted((site / "downloads").rglob("*.csv")) + sorted((site / "en" / "downloads").rglob("*.csv"))
    books = sorted((site / "downloads").rglob("*.xlsx")) + sorted((site / "en" / "downloads").rglob("*.xlsx"))
    assert len(files) >= 30 and len(books) >= 30
    for path in files:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        blank = [(n, i) for n, row in enumerate(rows) for i, value in enumerate(row) if value.strip(" '") == ""]
        assert blank, path.name  # the answer columns are empty
        assert not [(n, i, rows[n][i]) for n, i in blank if rows[n][i]], path.name
    for path in books:
        for sheet in openpyxl.load_workbook(path):
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip(" '")):
                        assert cell.value is None and not cell.quotePrefix, (path.name, sheet.title, cell.coordinate)
