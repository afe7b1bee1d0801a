"""Checklists and the self-assessment: the data against the guideline, every workbook and CSV file read back by the
library that reads it, and the browser tool in a real Chromium (answers survive a reload and the language switch,
export and import round-trip, the draft risk response plan lists exactly the gaps)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from difflib import SequenceMatcher
from pathlib import Path

import openpyxl
import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl.utils import get_column_letter

from generator import __version__
from generator.build import DEFAULTS, Paths, build, build_settings, load_knowledge_base
from generator.errors import DataError
from generator.features.checklists import (
    INFO_COLUMNS,
    PLAN_FIELDS,
    STATUSES,
    Book,
    ItemRows,
    download_path,
    items_of,
)
from generator.i18n import Language
from generator.link import Key
from generator.mkdocs_config import write_base_config
from generator.sheets import COVER_MAX_WIDTH, FIRST_ROW, HEADER_ROW, row_height, text_lines, text_width, workbook
from generator.walk import texts

from .helpers import copy_fixture
from .page_kinds import LANGUAGES
from .test_accessibility import blocking_violations

REQUIRED_FOCUS = {
    "current-state",
    "backup",
    "malware",
    "remote-access",
    "physical-entry",
    "access-control",
    "defence-in-depth",
    "cloud",
    "supply-chain",
    "csirt",
    "info-sharing",
}


def languages(linked) -> list[Language]:
    return Language.all(linked.kb)


def site_root(site, language: Language):
    return site if language.is_default else site / language.code


# ---------------------------------------------------------------- data


def test_every_item_comes_from_a_block_of_an_existing_section(linked):
    actors = {a.id for a in linked.kb.actors if a.kind == "actor"}
    for checklist in linked.kb.checklists:
        for item in checklist.items:
            section = linked.index.sections.get(item.section)
            assert section is not None, (item.id, item.section)
            assert any(b.role == item.block and b.source == "guideline" for b in section.blocks), item.id
            assert item.actor in actors, item.id


def test_every_chapter_checklist_covers_every_section_of_its_chapter_with_a_requirement(linked):
    chapters = {c.chapter: c for c in linked.kb.checklists if c.kind == "chapter"}
    with_requirement = [s for s in linked.kb.sections if any(b.role == "requirement" for b in s.blocks)]
    assert with_requirement
    for section in with_requirement:
        checklist = chapters.get(section.id.split(".")[0])
        assert checklist is not None, f"no chapter checklist for {section.id}"
        assert section.id in {i.section for i in checklist.items}, f"{checklist.id} has no item from {section.id}"


def test_item_ids_are_numbered_within_their_chapter(linked):
    for checklist in linked.kb.checklists:
        if checklist.kind == "chapter":
            expected = [f"CL{checklist.chapter}-{n:03d}" for n in range(1, len(checklist.items) + 1)]
            assert [i.id for i in checklist.items] == expected
            assert all(i.section.split(".")[0] == checklist.chapter for i in checklist.items)
        else:
            assert not checklist.items, "focused checklists include items, the chapter checklists define them"


def test_the_focused_checklists_exist_and_current_state_asks_the_seven_questions(linked):
    by_id = {c.id: c for c in linked.kb.checklists}
    assert set(by_id) >= REQUIRED_FOCUS
    questions = [i.id for c in linked.kb.checklists for i in c.items if i.section == "4.1.4" and i.block == "examples"]
    assert len(questions) == 7
    assert by_id["current-state"].include == questions


def test_guideline_wording_is_taken_from_the_section(linked):
    """An item marked `wording: guideline` is the overview's sentence: most of it matches the section's own text."""
    for checklist in linked.kb.checklists:
        for item in checklist.items:
            if item.wording != "guideline":
                continue
            section = linked.index.sections[item.section]
            for code in LANGUAGES:
                own = "\n".join(getattr(t, code) for path, t in texts(section) if _guideline_block(section, path))
                text = getattr(item.text, code)
                matcher = SequenceMatcher(None, text, own, autojunk=False)
                covered = sum(b.size for b in matcher.get_matching_blocks() if b.size >= 4) / len(text)
                assert covered >= 0.6, (item.id, code, round(covered, 2))


def _guideline_block(section, path) -> bool:
    return path[0] == "blocks" and section.blocks[path[1]].source == "guideline"


# ---------------------------------------------------------------- workbooks and CSV


def expected_rows(linked, language, checklist) -> list[tuple]:
    rows = ItemRows(linked, language)
    return [
        (r.id, r.text, r.source, r.block, r.actor, r.wording)
        for r in (rows.row(item) for item in items_of(linked, checklist))
    ]


def check_item_sheet(sheet, linked, language, checklist, site_url) -> None:
    book = Book(linked, language, site_url)
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header == book.header()
    rows = list(sheet.iter_rows(min_row=FIRST_ROW, max_col=6, values_only=True))
    assert rows == expected_rows(linked, language, checklist)
    last = FIRST_ROW + len(rows) - 1
    statuses = ",".join(language.t(f"checklist.status.{code}") for code in STATUSES)
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    status = get_column_letter(len(INFO_COLUMNS) + 1)  # the first answer field, after the item's own columns
    assert [(v.formula1, str(v.sqref)) for v in lists] == [(f'"{statuses}"', f"{status}{FIRST_ROW}:{status}{last}")]
    assert sheet.freeze_panes == f"B{FIRST_ROW}"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert {sheet.cell(r, c).font.name for r in range(HEADER_ROW, last + 1) for c in range(1, 12)} == {"Yu Gothic"}
    links = [sheet.cell(r, 1).hyperlink for r in range(FIRST_ROW, last + 1)]
    assert all(links) if site_url else not any(links)


def check_cover(sheet, linked, language, tallied_sheets) -> None:
    values = [v for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert language.text(linked.kb.document.edition) in " ".join(map(str, values))
    assert __version__ in values
    newest = linked.kb.changelog[0]  # the knowledge base's edition, not the day of the build
    edition = f"{newest.version}{language.t('punct.open')}{language.date(newest.date)}{language.t('punct.close')}"
    assert cover_fact(sheet, language.t("checklist.xlsx.edition")).value == edition
    assert dt.date.today().isoformat() not in values or dt.date.today() == newest.date
    formulas = [v for v in values if isinstance(v, str) and v.startswith("=")]
    assert len(formulas) == len(tallied_sheets) * len(STATUSES)
    assert all(f.startswith("=COUNTIF(") for f in formulas)
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)


def the_site_url(paths, tmp_path) -> str:
    """The address the build gave the workbooks, as it reads it from the project's mkdocs.yml."""
    return build_settings(write_base_config(paths.defaults, paths.project, tmp_path / "mkdocs.yml")).site_root


def test_every_workbook_reads_back_with_its_items_drop_downs_and_print_setup(built, linked, tmp_path):
    paths, _ = built
    site_url = the_site_url(paths, tmp_path)
    for language in languages(linked):
        root = site_root(paths.site, language)
        cover = language.t("checklist.xlsx.cover")
        for checklist in linked.kb.checklists:
            book = openpyxl.load_workbook(root / download_path(checklist.id, language, "xlsx"))
            assert book.sheetnames == [cover, checklist.id]
            check_item_sheet(book[checklist.id], linked, language, checklist, site_url)
            check_cover(book[cover], linked, language, [checklist.id])
        book = openpyxl.load_workbook(root / download_path("checklists", language, "xlsx"))
        plan = [language.t(f"assessment.xlsx.{s}_sheet") for s in ("plan", "levels", "areas")]
        assert book.sheetnames == [cover, *(c.id for c in linked.kb.checklists), *plan]  # and the self-assessment
        for checklist in linked.kb.checklists:
            check_item_sheet(book[checklist.id], linked, language, checklist, site_url)
        check_cover(book[cover], linked, language, book.sheetnames[1 : -len(plan)])


def test_every_cell_of_a_workbook_carries_its_named_style(built, linked):
    """A cell takes one of the workbook's named styles (copied into it as openpyxl's `cell.style = name` would):
    read back, each is that style by name, with its font and border, and an item's text is in the plain cell style."""
    paths, _ = built
    language = languages(linked)[0]
    checklist = linked.kb.checklists[0]
    book = openpyxl.load_workbook(site_root(paths.site, language) / download_path(checklist.id, language, "xlsx"))
    sheet = book[checklist.id]
    assert sheet.cell(1, 1).style == "kb-title" and sheet.cell(1, 1).font.sz == 14 and sheet.cell(1, 1).font.b
    assert sheet.cell(2, 1).style == "kb-note" and sheet.cell(HEADER_ROW, 1).style == "kb-header"
    assert sheet.cell(HEADER_ROW, 1).fill.fgColor.rgb.endswith("DCE3F3")
    item = sheet.cell(FIRST_ROW, 2)
    assert item.style == "kb-cell" and item.border.left.style == "thin" and item.alignment.wrap_text
    due = [c for c in sheet[HEADER_ROW] if c.value == language.t("checklist.due")][0].column
    assert (
        sheet.cell(FIRST_ROW, due).style == "kb-cell-date" and sheet.cell(FIRST_ROW, due).number_format == "yyyy-mm-dd"
    )
    assert {c.style for row in sheet.iter_rows(min_row=FIRST_ROW) for c in row} <= {
        "kb-cell",
        "kb-cell-link",
        "kb-cell-date",
    }
    cover = book.worksheets[0]
    assert cover.cell(1, 1).style == "kb-title" and cover.cell(3, 1).style == "kb-label"


def test_workbooks_link_to_the_site_when_its_url_is_configured(fixture_linked):
    language = Language.of(fixture_linked.kb, "en")
    checklist = next(c for c in fixture_linked.kb.checklists if c.id == "ch2")
    book = Book(fixture_linked, language, "https://intranet.example/sec/guideline/")
    table = book.table(checklist)
    saved = openpyxl.load_workbook(io.BytesIO(workbook(book.cover(table.title), [table])))
    sheet = saved["ch2"]
    first = sheet.cell(FIRST_ROW, 1)
    assert first.hyperlink.target == "https://intranet.example/sec/guideline/en/checklists/ch2/#item-cl2-001"
    assert sheet.cell(FIRST_ROW, 3).hyperlink.target == "https://intranet.example/sec/guideline/en/guideline/2-1/"
    site = cover_fact(saved.worksheets[0], language.t("checklist.xlsx.site"))
    assert site.value == site.hyperlink.target == "https://intranet.example/sec/guideline/en/checklists/"


def cover_fact(sheet, label: str):
    """The value cell beside a label of the cover's facts."""
    row = next(r for r in sheet.iter_rows(max_col=1) if r[0].value == label)[0].row
    return sheet.cell(row, 2)


def test_without_the_site_url_the_cover_names_no_site_and_no_setting(built, linked, tmp_path):
    """A reader is never shown a message meant for whoever builds the site (site_url, KB_SITE_URL)."""
    paths, _ = built
    site_url = the_site_url(paths, tmp_path)
    assert not site_url  # the test build knows no address, as a build on a fresh machine
    for language in languages(linked):
        book = openpyxl.load_workbook(site_root(paths.site, language) / download_path("ch3", language, "xlsx"))
        labels = [r[0].value for r in book.worksheets[0].iter_rows(max_col=1)]
        assert language.t("checklist.xlsx.site") not in labels
        values = " ".join(str(v) for r in book.worksheets[0].iter_rows(values_only=True) for v in r if v)
        assert "site_url" not in values and "KB_SITE_URL" not in values


def test_cover_columns_fit_the_checklist_names_and_rows_fit_their_text(built, linked):
    """Column A is as wide as the longest name (East Asian characters count two), or its rows are high enough for
    the name wrapped; every item row is high enough for its text wrapped in its column."""
    paths, _ = built
    for language in languages(linked):
        book = openpyxl.load_workbook(site_root(paths.site, language) / download_path("checklists", language, "xlsx"))
        cover = book.worksheets[0]
        width = cover.column_dimensions["A"].width
        names = [language.text(c.title) for c in linked.kb.checklists]
        cells = [c for r in cover.iter_rows(max_col=1) for c in r if c.value in names]
        assert len(cells) == len(names)
        assert width >= min(max(text_width(n) for n in names), COVER_MAX_WIDTH)
        for cell in cells:
            assert cover.row_dimensions[cell.row].height >= row_height(text_lines(cell.value, width)), cell.value
        assert cover.column_dimensions["B"].width < 40  # the item counts: no longer 90 wide
        sheet = book["ch5"]
        text_width_b = sheet.column_dimensions["B"].width
        for row in sheet.iter_rows(min_row=FIRST_ROW, max_col=2):
            if row[1].value:
                assert sheet.row_dimensions[row[1].row].height >= row_height(text_lines(row[1].value, text_width_b))


def test_site_url_is_the_knowledge_bases_setting_not_the_environment(tmp_path, monkeypatch):
    def site_root() -> str:
        return build_settings(write_base_config(DEFAULTS, tmp_path, tmp_path / "build" / "mkdocs.yml")).site_root

    assert site_root() == ""
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nsite_url: https://intranet.example/kb\n", encoding="utf-8")
    assert site_root() == "https://intranet.example/kb/"
    monkeypatch.setenv("KB_SITE_URL", "https://other.example/")  # the variable an earlier build read
    assert site_root() == "https://intranet.example/kb/"


def test_risk_response_plan_template_has_area_and_level_drop_downs(built, linked):
    paths, _ = built
    for language in languages(linked):
        t = language.t
        book = openpyxl.load_workbook(
            site_root(paths.site, language) / download_path("risk-response-plan", language, "xlsx")
        )
        plan_name, areas_name = t("assessment.xlsx.plan_sheet"), t("assessment.xlsx.areas_sheet")
        assert book.sheetnames == [t("checklist.xlsx.cover"), plan_name, t("assessment.xlsx.levels_sheet"), areas_name]
        plan = book[plan_name]
        headers = [c.value for c in plan[HEADER_ROW]]
        assert headers[3:] == [t(f"assessment.plan.{f}") for f in PLAN_FIELDS]
        areas = [c for c in linked.kb.checklists if c.self_assessment]
        first_column = [r[0] for r in plan.iter_rows(min_row=FIRST_ROW, max_col=1, values_only=True)]
        assert first_column[: len(areas)] == [language.text(c.title) for c in areas]
        assert len(first_column) > len(areas)  # blank rows to fill
        formulas = sorted(v.formula1 for v in plan.data_validations.dataValidation if v.type == "list")
        area_range = f"'{areas_name}'!$B${FIRST_ROW}:$B${FIRST_ROW + len(areas) - 1}"
        assert formulas == sorted([area_range, '"0,1,2,3,4"', '"0,1,2,3,4"'])
        assert plan.page_setup.orientation == "landscape" and plan.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_csv_files_round_trip_with_a_byte_order_mark(built, linked):
    paths, _ = built
    for language in languages(linked):
        root = site_root(paths.site, language)
        book = Book(linked, language, "")
        everything = []
        for checklist in linked.kb.checklists:
            raw = (root / download_path(checklist.id, language, "csv")).read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf")
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
            assert rows[0] == [language.t("checklist.checklist"), *book.header()]
            assert [tuple(r[1:7]) for r in rows[1:]] == expected_rows(linked, language, checklist)
            assert {r[0] for r in rows[1:]} == {checklist.id}
            everything += rows[1:]
        raw = (root / download_path("checklists", language, "csv")).read_bytes()
        assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))[1:] == everything


# ---------------------------------------------------------------- in the browser

browser_test = pytest.mark.browser


def checklist_url(server: str, checklist: str, language: str = "ja") -> str:
    return server + ("" if language == "ja" else f"{language}/") + f"checklists/{checklist}/"


def answer(page, item_id: str, status: str, owner: str = "", note: str = "", **fields: str) -> None:
    """Answer an item as a reader does: scrolled to (its fields are made as it comes near the window), the status
    chosen, then each field typed (dates in ISO form)."""
    item = page.locator(f"#item-{item_id.lower()}")
    item.scroll_into_view_if_needed()
    item.locator("select[data-kb-field='status']").select_option(status)
    for field, value in {"owner": owner, **fields, "note": note}.items():
        if value:
            item.locator(f"[data-kb-field='{field}']").fill(value)


def shown(page, item_id: str, fields: tuple[str, ...] = ("status", "owner", "note")) -> tuple[str, ...]:
    item = page.locator(f"#item-{item_id.lower()}")
    item.scroll_into_view_if_needed()
    return tuple(item.locator(f"[data-kb-field='{f}']").input_value() for f in fields)


def switch_language(page, code: str) -> None:
    """As a reader does: open the language menu in the header, then click the language."""
    page.locator(".md-header__option .md-select").hover()
    page.locator(f"a[data-kb-language='{code}']").click()
    page.wait_for_load_state()


def stored(page) -> dict:
    key = "document.querySelector('meta[name=kb-storage-key]').content.trim()"
    return page.evaluate(f"() => JSON.parse(localStorage.getItem({key}))")


@browser_test
def test_answers_survive_a_reload_and_the_language_switch(page, server):
    page.goto(checklist_url(server, "ch5"))
    answer(page, "CL5-009", "done", owner="情報システム部", note="月次で取得")
    answer(page, "CL5-010", "partial")
    answer(page, "CL5-011", "na")
    page.reload()
    assert shown(page, "CL5-009") == ("done", "情報システム部", "月次で取得")
    assert shown(page, "CL5-010")[0] == "partial" and shown(page, "CL5-011")[0] == "na"
    # What is counted is said: the items that apply (65 of the page's 66: one is not applicable).
    counted = "実施済 1 / 対象 65 項目（2%）・一部実施 1・未実施 0・未回答 63・対象外 1"
    left_out = "（全 66 項目のうち、対象外とした項目は数えません）"
    assert page.locator("[data-kb-progress='ch5']").inner_text() == counted + left_out
    page.goto(server + "checklists/")
    assert page.locator("[data-kb-progress='ch5']").inner_text() == "1 / 65（2%・対象外 1 項目を除く）"
    assert page.locator("[data-kb-progress='ch3']").inner_text().endswith(" / 21（0%）")  # none left out
    page.goto(server + "en/checklists/")
    assert page.locator("[data-kb-progress='ch5']").inner_text() == "1 / 65 (2%; 1 not applicable left out)"
    page.goto(checklist_url(server, "ch5"))
    assert not blocking_violations(Axe(), page)  # with answers and progress bars filled in
    switch_language(page, "en")
    assert page.url == checklist_url(server, "ch5", "en") + "index.html"  # links name a folder's page (file://)
    assert shown(page, "CL5-009") == ("done", "情報システム部", "月次で取得")
    assert page.locator("#item-cl5-009 select").evaluate("s => s.selectedOptions[0].textContent") == "Done"
    page.goto(checklist_url(server, "backup", "en"))  # the same item in a focused checklist
    assert shown(page, "CL5-011")[0] == "na"
    switch_language(page, "ja")
    assert shown(page, "CL5-010")[0] == "partial"


@browser_test
def test_print_view_shows_the_answers(page, server):
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "todo", owner="経営企画部")
    page.emulate_media(media="print")
    printed = page.locator("#item-cl3-001 [data-kb-print]")
    assert printed.is_visible() and "未実施" in printed.inner_text() and "経営企画部" in printed.inner_text()
    assert not page.locator("#item-cl3-001 select").is_visible()
    assert not page.locator(".kb-cl-toolbar").is_visible()


@browser_test
def test_an_items_fields_are_made_as_it_comes_near_and_show_its_saved_answer(page, server):
    """A long checklist opens with the fields of the items near the window only; an item further down already shows
    its saved answer in its status, print line and the progress, and its fields show it once the reader is there."""
    page.goto(checklist_url(server, "ch5"))
    answer(page, "CL5-066", "done", note="最後の項目")
    page.goto(checklist_url(server, "backup"))
    page.goto(checklist_url(server, "ch5"))  # opened again at its top
    last, first = page.locator("#item-cl5-066"), page.locator("#item-cl5-001")
    first.locator("select[data-kb-field='status']").wait_for()
    assert last.locator("[data-kb-field]").count() == 0
    assert last.get_attribute("data-kb-status") == "done"
    assert "最後の項目" in last.locator("[data-kb-print]").text_content()
    assert page.locator("[data-kb-progress='ch5']").inner_text().startswith("実施済 1 / 対象 66 項目")
    assert shown(page, "CL5-066") == ("done", "", "最後の項目")
    assert last.locator("label", has_text="CL5-066").count() == 5  # each field named with its item


@browser_test
def test_exported_answers_import_into_a_fresh_browser(page, browser, server, tmp_path):
    page.goto(checklist_url(server, "ch4"))
    answer(page, "CL4-001", "done", owner="CISO室")
    answer(page, "CL4-045", "todo", note='引用符 " とカンマ , を含むメモ')
    page.goto(server + "assessment/")
    page.locator("[data-kb-area='csirt'] [data-kb-level='current']").select_option("1")
    page.locator("[data-kb-area='csirt'] [data-kb-level='target']").select_option("3")
    with page.expect_download() as download:
        page.locator(".kb-cl-toolbar [data-kb-action='export-json']").click()
    exported_file = tmp_path / "answers.json"
    download.value.save_as(exported_file)
    exported = json.loads(exported_file.read_text(encoding="utf-8"))
    assert exported["format"] == "guideline-kb/answers"
    undated = lambda record: {k: v for k, v in record.items() if k != "updated"}  # noqa: E731
    assert undated(exported["items"]["CL4-001"]) == {"status": "done", "owner": "CISO室"}
    assert undated(exported["areas"]["csirt"]) == {"current": 1, "target": 3}
    assert all("updated" in r for group in ("items", "areas") for r in exported[group].values())

    fresh = browser.new_context(locale="en-GB")
    try:
        other = fresh.new_page()
        other.goto(checklist_url(server, "ch4", "en"))
        assert stored(other) is None
        other.locator("input[data-kb-action='import-json']").set_input_files(str(exported_file))
        other.locator("[data-kb-import-dialog] [data-kb-import='confirm']").click()  # after the preview
        assert stored(other) == {"items": exported["items"], "areas": exported["areas"]}
        assert shown(other, "CL4-045") == ("todo", "", '引用符 " とカンマ , を含むメモ')
        with other.expect_download() as again:
            other.locator(".kb-cl-toolbar [data-kb-action='export-json']").click()
        reexported = json.loads(again.value.path().read_text(encoding="utf-8"))
        assert (reexported["items"], reexported["areas"]) == (exported["items"], exported["areas"])
    finally:
        fresh.close()


@browser_test
def test_csv_export_holds_the_answers(page, server, tmp_path):
    page.goto(checklist_url(server, "backup"))
    answer(page, "CL5-014", "partial", note="=cmd で始まるメモ")
    answer(page, "CL5-015", "done", note="＝HYPERLINK(1) 全角")
    with page.expect_download() as download:
        page.locator("[data-kb-action='export-csv']").click()
    raw = download.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["チェックリスト", "ID"]
    by_id = {r[1]: r for r in rows[1:]}
    assert by_id["CL5-014"][len(INFO_COLUMNS) + 1 :] == [
        "一部実施",
        "",
        "",
        "",
        "'=cmd で始まるメモ",
    ]  # no formula for the spreadsheet to run
    assert by_id["CL5-015"][-1] == "'＝HYPERLINK(1) 全角"  # nor from its full-width form
    assert not [f for row in rows for f in row if f and f[0] in "=+-@＝＋－＠"]  # no field of any row, data's included
    assert len(rows) - 1 == len(by_id)


@browser_test
def test_the_draft_risk_response_plan_lists_exactly_the_gaps(page, server, linked):
    page.goto(server + "assessment/")
    chosen = {"backup": (1, 3), "malware": (2, 2), "cloud": (3, 1), "csirt": (0, 4), "ch3": (1, 2)}
    page.locator("[data-kb-area='remote-access'] [data-kb-level='current']").select_option("1")  # no target: no gap
    for area, (current, target) in chosen.items():
        page.locator(f"[data-kb-area='{area}'] [data-kb-level='current']").select_option(str(current))
        page.locator(f"[data-kb-area='{area}'] [data-kb-level='target']").select_option(str(target))
    order = [c.id for c in linked.kb.checklists if c.self_assessment]
    gaps = [a for a, (current, target) in chosen.items() if target > current]
    expected = sorted(gaps, key=lambda a: (-(chosen[a][1] - chosen[a][0]), order.index(a)))
    rows = page.locator("[data-kb-plan] [data-kb-plan-area]")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.kbPlanArea)") == expected == ["csirt", "backup", "ch3"]
    backup = page.locator("[data-kb-plan-area='backup']")
    assert backup.locator("[data-kb-plan-field]").evaluate_all("fs => fs.map(f => f.dataset.kbPlanField)") == list(
        PLAN_FIELDS
    )
    assert "CL5-009" in backup.locator("[data-kb-plan-field='action']").input_value()  # an open item of the area
    assert page.locator("[data-kb-plan-empty]").is_hidden()
    assert page.locator("[data-kb-gap-chart] svg rect.kb-as-gap__current").count() == len(chosen) + 1 + 1  # + legend
    assert not blocking_violations(Axe(), page)  # with the generated plan and chart on the page
    backup.locator("[data-kb-plan-field='owner']").fill("システム部長")
    page.reload()
    assert page.locator("[data-kb-plan-area='backup'] [data-kb-plan-field='owner']").input_value() == "システム部長"
    page.locator("[data-kb-area='backup'] [data-kb-level='target']").select_option("1")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.kbPlanArea)") == ["csirt", "ch3"]
    with page.expect_download() as download:
        page.locator("[data-kb-action='export-csv']").click()
    plan = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"), newline="")))
    titles = {c.id: c.title.ja for c in linked.kb.checklists}
    assert [r[0] for r in plan[1:]] == [titles["csirt"], titles["ch3"]]
    assert len(plan[0]) == 3 + len(PLAN_FIELDS)  # area, current and target level, then the plan's fields


# ---------------------------------------------------------------- a checklist per selection written by hand


def _with_selection(tmp_path, selection: str = "core-set") -> Path:
    """The fixture with a selection written by hand in kb.yaml, two controls in it, and a paragraph that refers to
    its checklist."""
    data = copy_fixture(tmp_path / "project")
    kb = data / "kb.yaml"
    kb.write_text(kb.read_text(encoding="utf-8").replace("features:", f"selections: [{selection}]\nfeatures:", 1),
                  encoding="utf-8")  # fmt: skip
    sections = data / "sections" / "02_controls.yaml"
    text = sections.read_text(encoding="utf-8")
    for control in ("2.1", "2.2"):
        text = text.replace(f'- id: "{control}"\n', f'- id: "{control}"\n  selections: [{selection}]\n', 1)
    sections.write_text(text, encoding="utf-8")
    with (data / "ui.yaml").open("a", encoding="utf-8") as ui:
        ui.write(f"selection.{selection}: {{ja: 基本セット, en: Core set}}\n")
    policy = data / "sections" / "01_policy.yaml"
    text = policy.read_text(encoding="utf-8").replace(
        "を年に一度確認する。", f"を年に一度確認する（@list:{selection}）。"
    )
    policy.write_text(text, encoding="utf-8")
    return data


def test_a_selection_written_by_hand_gets_its_checklist_which_text_may_refer_to(tmp_path):
    linked = load_knowledge_base(_with_selection(tmp_path))
    checklist = linked.kb.checklists[-1]
    assert (checklist.id, checklist.kind, checklist.title.en, checklist.title.ja) == (
        "core-set", "focus", "Core set", "基本セット")  # fmt: skip
    sections = linked.index.sections
    assert [(i.id, i.section, i.text, i.wording) for i in checklist.items] == [
        ("2.1", "2.1", sections["2.1"].title, "guideline"),
        ("2.2", "2.2", sections["2.2"].title, "guideline"),
    ]
    assert Key("section", "1.1") in linked.index.incoming(Key("checklist", "core-set"), "mentions")


def test_a_selection_whose_id_a_checklist_already_has_keeps_that_one(tmp_path):
    data = _with_selection(tmp_path, "remote")  # the fixture's own checklist 'remote'
    linked = load_knowledge_base(data)
    assert [c.id for c in linked.kb.checklists] == ["ch2", "remote"]


def test_a_selection_cannot_take_a_reserved_checklist_id(tmp_path):
    data = _with_selection(tmp_path, "assessment")
    with pytest.raises(DataError) as caught:
        load_knowledge_base(data)
    [problem] = caught.value.problems
    assert str(problem) == (
        "guideline_data/kb.yaml:11: selections[0]: the selection 'assessment' can have no checklist: the checklist "
        "script uses 'assessment' for the self-assessment\n    fix: choose another id, e.g. 'assessment-2'"
    )


def test_the_build_makes_the_selections_checklist_page_and_workbook(tmp_path):
    paths = Paths.of(data=_with_selection(tmp_path))
    build(paths, site=False)
    page = (paths.build / "en" / "docs" / "checklists" / "core-set.md").read_text(encoding="utf-8")
    assert page.startswith('---\ntitle: "Core set"\n')
    assert 'data-kb-item="2.1"' in page and 'data-kb-item="2.2"' in page
    sheet = openpyxl.load_workbook(paths.build / "en" / "docs" / "downloads" / "checklists" / "core-set-en.xlsx")
    cells = [cell for row in sheet.worksheets[-1].iter_rows(values_only=True) for cell in row if cell]
    assert "2.1" in cells and "2.2" in cells
