"""Every field of an answer, from the page to the workbook and back, in a real Chromium on the built site: each
checklist item records the fields the workbook has (one list, ANSWER_FIELDS), answers saved in the old format are
read as they were; "Excel with my answers" fills the build's own workbook in the browser, read back by openpyxl
and printed by LibreOffice."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import openpyxl
import pypdf
import pytest

from generator.features.checklists import ANSWER_FIELDS, INFO_COLUMNS, STATUSES, TEXT_LIMIT, Book, download_path
from generator.i18n import Language
from generator.sheets import FACTS_ROW, FIRST_ROW, HEADER_ROW

from .test_answers_browser import answers_of, leave, message, store, ui
from .test_checklists import answer, checklist_url, shown
from .test_office import office  # noqa: F401  (the LibreOffice fixture)

FIELDS = tuple(f.id for f in ANSWER_FIELDS)
# Every field of three items of the remote-access checklist, as an airport's security officer gives them; the note
# starts like a formula and has two lines, the evidence is long enough to wrap.
GIVEN = {
    "CL5-016": {
        "status": "done",
        "owner": "情報システム部",
        "evidence": "VPN 接続記録（月次レビュー）、多要素認証の設定書 v3、外部委託先との接続に関する覚書",
        "due": "2027-03-31",
        "note": "=1+1 で始まるメモ\n二行目",
    },
    "CL5-017": {"status": "partial", "owner": "施設管理課", "due": "2026-12-31"},
    "CL5-018": {"status": "na", "note": "対象システムなし"},
}


def answer_every_field(page, given: dict = GIVEN) -> None:
    for item_id, fields in given.items():
        answer(page, item_id, **fields)
    leave(page)


def test_one_list_of_fields_makes_the_page_the_workbook_and_the_csv(linked):
    language = Language.of(linked.kb, "ja")
    header = Book(linked, language, "").header()
    assert header[len(INFO_COLUMNS) :] == [language.t(f"checklist.{f}") for f in FIELDS]
    assert FIELDS == ("status", "owner", "evidence", "due", "note")
    status, owner, _, due, _ = ANSWER_FIELDS
    assert [status.value(s) for s in (*STATUSES, "済", "toString", None)] == [*STATUSES, None, None, None]
    assert [due.value(d) for d in ("2027-03-31", "2027-02-30", "2027-3-31", "31/03/2027", 20270331)] == [
        "2027-03-31",
        None,
        None,
        None,
        None,
    ]
    assert owner.value("x" * TEXT_LIMIT) and owner.value("x" * (TEXT_LIMIT + 1)) is None and owner.value(3) is None


@pytest.mark.browser
def test_every_field_is_recorded_printed_and_exported_as_csv(page, server, tmp_path):
    page.goto(checklist_url(server, "remote-access"))
    answer_every_field(page)
    page.reload()
    for item_id, fields in GIVEN.items():
        assert shown(page, item_id, FIELDS) == tuple(fields.get(f, "") for f in FIELDS)
    assert answers_of(page)["items"] == GIVEN
    page.emulate_media(media="print")
    printed = page.locator("#item-cl5-016 [data-kb-print]").inner_text()
    assert "証跡: VPN 接続記録" in printed and "期限: 2027-03-31" in printed and "担当者: 情報システム部" in printed
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.locator("[data-kb-action='export-csv']").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    row = next(line for line in text.splitlines() if line.startswith("remote-access,CL5-017,"))
    assert row.endswith(",一部実施,施設管理課,,2026-12-31,")


@pytest.mark.browser
def test_answers_saved_in_the_old_format_are_read_as_they_were_and_keep_every_value(page, server):
    """Version 2 stored status, owner and note only; those answers show and stay, the new fields add to them."""
    old = {
        "items": {
            "CL5-016": {"status": "done", "owner": "旧担当", "note": "旧メモ", "updated": "2024-01-02T03:04:05.000Z"},
            "CL9-001": {"status": "todo", "note": "この版にない項目"},
        },
        "areas": {"backup": {"current": 1, "target": 3, "action": "旧計画", "updated": "2024-01-02T03:04:05.000Z"}},
    }
    page.goto(checklist_url(server, "remote-access"))
    store(page, json.dumps(old, ensure_ascii=False))
    page.reload()
    assert shown(page, "CL5-016", FIELDS) == ("done", "旧担当", "", "", "旧メモ")
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.includes(':corrupt-'))") == []
    answer(page, "CL5-016", "done", evidence="設定書")
    leave(page)
    after = answers_of(page)
    assert after["items"]["CL5-016"] == {"status": "done", "owner": "旧担当", "evidence": "設定書", "note": "旧メモ"}
    assert after["items"]["CL9-001"] == {"status": "todo", "note": "この版にない項目"}
    assert after["areas"]["backup"] == {"current": 1, "target": 3, "action": "旧計画"}


# ---------------------------------------------------------------- Excel with my answers


def item_rows(sheet) -> dict[str, int]:
    return {sheet.cell(r, 1).value: r for r in range(FIRST_ROW, sheet.max_row + 1) if sheet.cell(r, 1).value}


def export_xlsx(page, tmp_path, name: str = "answers.xlsx"):
    with page.expect_download() as download:
        page.locator(".kb-cl-toolbar [data-kb-action='export-xlsx']").click()
    path = tmp_path / name
    download.value.save_as(path)
    return path, download.value.suggested_filename


def same_form(blank, filled) -> None:
    """The filled workbook is the blank form: sheets, drop-downs, print setup, widths, merged cells, links, styles."""
    assert filled.sheetnames == blank.sheetnames
    for a, b in zip(blank.worksheets, filled.worksheets, strict=True):
        assert [(v.formula1, str(v.sqref)) for v in a.data_validations.dataValidation] == [
            (v.formula1, str(v.sqref)) for v in b.data_validations.dataValidation
        ]
        assert (a.print_title_rows, a.freeze_panes, a.auto_filter.ref) == (
            b.print_title_rows,
            b.freeze_panes,
            b.auto_filter.ref,
        )
        assert (a.page_setup.orientation, a.page_setup.paperSize, a.page_setup.fitToWidth) == (
            b.page_setup.orientation,
            b.page_setup.paperSize,
            b.page_setup.fitToWidth,
        )
        assert a.oddFooter.center.text == b.oddFooter.center.text and a.oddHeader.left.text == b.oddHeader.left.text
        assert {k: d.width for k, d in a.column_dimensions.items()} == {
            k: d.width for k, d in b.column_dimensions.items()
        }
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=False):
            for x, y in zip(row_a, row_b, strict=False):
                assert x.style == y.style, (a.title, x.coordinate)
                assert (x.hyperlink.target if x.hyperlink else None) == (y.hyperlink.target if y.hyperlink else None)
            for row in (row_a[0].row,):
                assert (b.row_dimensions[row].height or 0) >= (a.row_dimensions[row].height or 0)


@pytest.mark.browser
def test_excel_with_my_answers_is_the_blank_form_filled_with_every_field(page, server, site, linked, tmp_path, office):  # noqa: F811
    language = Language.of(linked.kb, "ja")
    page.goto(checklist_url(server, "remote-access"))
    page.locator("input[data-kb-unit]").fill("羽田空港 保安部")  # set once, kept for every page
    answer_every_field(page)
    page.reload()
    assert page.locator("input[data-kb-unit]").input_value() == "羽田空港 保安部"
    path, suggested = export_xlsx(page, tmp_path)
    assert re.fullmatch(r"remote-access-ja-羽田空港-保安部-\d{4}-\d{2}-\d{2}\.xlsx", suggested)
    assert re.search(r"（回答 3 件、\d+ ミリ秒）", message(page))
    blank = openpyxl.load_workbook(site / download_path("remote-access", language, "xlsx"))
    filled = openpyxl.load_workbook(path)
    same_form(blank, filled)
    sheet, rows = filled["remote-access"], item_rows(filled["remote-access"])
    first = len(INFO_COLUMNS) + 1
    labels = {code: language.t(f"checklist.status.{code}") for code in STATUSES}
    for item_id in rows:
        values = [sheet.cell(rows[item_id], c).value for c in range(first, first + len(FIELDS))]
        given = GIVEN.get(item_id, {})
        expected = [
            labels[given["status"]] if f == "status" and f in given
            else dt.datetime.fromisoformat(given[f]) if f == "due" and f in given
            else given.get(f)
            for f in FIELDS
        ]  # fmt: skip
        assert values == expected, item_id
    note = sheet.cell(rows["CL5-016"], first + FIELDS.index("note"))
    assert note.data_type == "s" and note.value.startswith("=1+1")  # text, never a formula
    assert sheet.cell(rows["CL5-016"], first + FIELDS.index("due")).number_format == "yyyy-mm-dd"
    cover = filled.worksheets[0]
    assert cover.cell(FACTS_ROW, 1).value == language.t("checklist.xlsx.answers")
    assert re.fullmatch(r".+ にサイトから書き出した回答（羽田空港 保安部）", cover.cell(FACTS_ROW, 2).value)
    assert cover.cell(FACTS_ROW + 1, 1).value == language.t("checklist.unit")
    assert cover.cell(FACTS_ROW + 1, 2).value == "羽田空港 保安部"
    assert blank.worksheets[0].cell(FACTS_ROW, 2).value == language.t("checklist.xlsx.blank")
    facts = " ".join(str(c.value) for r in cover.iter_rows() for c in r if c.value)
    assert language.text(linked.kb.document.edition) in facts
    values = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    title = language.text(next(c for c in linked.kb.checklists if c.id == "remote-access").title)
    tally = [r for r in values.iter_rows() if r[0].value == title][-1]  # the cover's title is the checklist's too
    assert [c.value for c in tally[1:6]] == [len(rows), 1, 1, 0, 1]  # items, done, partly done, not done, n/a

    # LibreOffice prints it: the answers inside their rows, the cover on one page; its own count agrees.
    copy = shutil.copy(path, tmp_path / "printed.xlsx")
    (pdf,) = office([copy], "pdf", tmp_path / "pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    flat = re.sub(r"\s+", "", text)
    for fragment in (
        "情報システム部",
        "VPN接続記録",
        "外部委託先との接続に関する覚書",
        "2027-03-31",
        "=1+1で始まるメモ",
        "対象システムなし",
    ):
        assert fragment in flat, fragment
    assert 2 <= len(pypdf.PdfReader(pdf).pages) <= 4


# ---------------------------------------------------------------- a workbook back in


def edited_in_a_spreadsheet(source, target, edit, office, tmp_path):  # noqa: F811
    """`source` changed by `edit(book)` in openpyxl, then opened and saved again by LibreOffice, as a reader's
    spreadsheet leaves it (shared strings, its own styles, formulas with their values)."""
    book = openpyxl.load_workbook(source)
    edit(book)
    book.save(tmp_path / target)
    (resaved,) = office([tmp_path / target], "xlsx", tmp_path / f"resaved-{target.removesuffix('.xlsx')}")
    return resaved


def said(page, text: str) -> None:
    """The page's message becomes `text` (files are read while the test goes on)."""
    page.wait_for_function("text => document.querySelector('[data-kb-message]').textContent === text", arg=text)


def import_file(page, path):
    page.locator("input[data-kb-action='import-json']").set_input_files(str(path))
    dialog = page.locator("[data-kb-import-dialog]")
    dialog.wait_for(state="visible")
    return dialog


@pytest.mark.browser
def test_a_workbook_filled_in_a_spreadsheet_imports_through_the_preview(
    browser,
    page,
    server,
    linked,
    tmp_path,
    office,  # noqa: F811
):
    page.goto(checklist_url(server, "remote-access"))
    answer_every_field(page)
    exported, _ = export_xlsx(page, tmp_path)
    rows = item_rows(openpyxl.load_workbook(exported)["remote-access"])
    column = {f: openpyxl.utils.get_column_letter(len(INFO_COLUMNS) + 1 + i) for i, f in enumerate(FIELDS)}

    def edit(book):
        sheet = book["remote-access"]
        sheet[f"{column['note']}{rows['CL5-016']}"] = "LibreOffice で直したメモ"
        sheet[f"{column['owner']}{rows['CL5-017']}"] = "=1+1"  # a formula: never evaluated
        sheet[f"{column['due']}{rows['CL5-018']}"] = "2027/13/01"  # not a date
        sheet[f"{column['status']}{rows['CL5-019']}"] = "済"  # not a status
        sheet[f"{column['status']}{rows['CL5-020']}"] = "未実施"
        sheet[f"{column['evidence']}{rows['CL5-020']}"] = "棚卸表 2026"
        sheet[f"{column['due']}{rows['CL5-020']}"] = dt.datetime(2027, 1, 15)
        extra = sheet.max_row + 1
        sheet[f"A{extra}"], sheet[f"{column['status']}{extra}"] = "CL9-999", "実施済"  # not in this edition

    resaved = edited_in_a_spreadsheet(exported, "edited.xlsx", edit, office, tmp_path)
    fresh = browser.new_context(locale="ja-JP")
    try:
        other = fresh.new_page()
        other.goto(checklist_url(server, "remote-access"))
        dialog = import_file(other, resaved)
        notes = dialog.locator("[data-kb-preview='notes'] li").all_inner_texts()
        status = f"remote-access!{column['status']}{rows['CL5-019']}"
        assert f"{status}: 「済」は状況の値ではありません。使える値: 実施済, 一部実施, 未実施, 対象外" in notes
        assert f"remote-access!{column['owner']}{rows['CL5-017']}: 数式は読み込みません（計算しません）" in notes
        due = f"remote-access!{column['due']}{rows['CL5-018']}"
        assert f"{due}: 「2027/13/01」は日付ではありません（例: 2027-03-31）" in notes
        assert ui(linked, "checklist.js.answers_unknown_kept", n=1) in notes
        assert dialog.locator("[data-kb-preview='unknown']").inner_text() == ui(
            linked, "checklist.js.answers_unknown_ids", n=1, ids="CL9-999"
        )
        assert dialog.locator("[data-kb-preview='items']").inner_text() == ui(linked, "checklist.js.answers_count", n=4)
        assert dialog.locator("[data-kb-preview='edition']").inner_text() == linked.kb.document.edition.ja
        dialog.locator("[data-kb-import='confirm']").click()
        assert shown(other, "CL5-016", FIELDS) == (
            "done",
            "情報システム部",
            GIVEN["CL5-016"]["evidence"],
            "2027-03-31",
            "LibreOffice で直したメモ",
        )
        assert shown(other, "CL5-017", FIELDS) == ("partial", "", "", "2026-12-31", "")
        assert shown(other, "CL5-018", FIELDS) == ("na", "", "", "", "対象システムなし")
        assert shown(other, "CL5-019", FIELDS) == ("", "", "", "", "")
        assert shown(other, "CL5-020", FIELDS) == ("todo", "", "棚卸表 2026", "2027-01-15", "")
        assert answers_of(other)["items"]["CL9-999"] == {"status": "done"}
        other.locator(".kb-cl-toolbar button[data-kb-action='undo']").click()  # the same undo as for JSON
        assert answers_of(other)["items"] == {}
    finally:
        fresh.close()


@pytest.mark.browser
def test_a_workbook_whose_columns_moved_imports_each_answer_into_its_field(browser, page, server, linked, tmp_path):
    """An earlier edition's workbook had no strength column, so each answer stood one column to the left: the import
    finds the fields by their headers."""
    page.goto(checklist_url(server, "remote-access"))
    answer_every_field(page)
    exported, _ = export_xlsx(page, tmp_path)
    book = openpyxl.load_workbook(exported)
    sheet = book["remote-access"]
    headers = [c.value for c in sheet[HEADER_ROW]]
    sheet.delete_cols(headers.index(Language.of(linked.kb, "ja").t("checklist.strength")) + 1)
    earlier = tmp_path / "earlier.xlsx"
    book.save(earlier)
    fresh = browser.new_context(locale="ja-JP")
    try:
        other = fresh.new_page()
        other.goto(checklist_url(server, "remote-access"))
        dialog = import_file(other, earlier)
        assert dialog.locator("[data-kb-preview='notes'] li").all_inner_texts() == []
        dialog.locator("[data-kb-import='confirm']").click()
        for item_id, fields in GIVEN.items():
            assert shown(other, item_id, FIELDS) == tuple(fields.get(f, "") for f in FIELDS), item_id
    finally:
        fresh.close()


@pytest.mark.browser
def test_the_blank_form_filled_in_a_spreadsheet_imports_and_bad_workbooks_are_refused(
    page,
    server,
    site,
    linked,
    tmp_path,
    office,  # noqa: F811
):
    language = Language.of(linked.kb, "en")
    blank = site / "en" / download_path("ch3", language, "xlsx")
    first = len(INFO_COLUMNS) + 1

    def edit(book):
        sheet = book["ch3"]
        sheet.cell(FIRST_ROW, first).value = "Partly done"
        sheet.cell(FIRST_ROW, first + FIELDS.index("due")).value = dt.datetime(2027, 6, 30)
        sheet.cell(FIRST_ROW + 1, first).value = "実施済"  # a status in the other language of the site
        sheet.cell(FIRST_ROW + 1, first + FIELDS.index("note")).value = '=HYPERLINK("http://127.0.0.1/","x")'

    resaved = edited_in_a_spreadsheet(blank, "blank.xlsx", edit, office, tmp_path)
    page.goto(checklist_url(server, "ch3", "en"))
    ids = [r.id for r in linked.kb.checklists[0].items if r.id.startswith("CL3-")][:2]
    dialog = import_file(page, resaved)
    notes = dialog.locator("[data-kb-preview='notes'] li").all_inner_texts()
    note = f"ch3!{openpyxl.utils.get_column_letter(first + FIELDS.index('note'))}{FIRST_ROW + 1}"
    assert notes == [f"{note}: a formula is not imported (it is never calculated)"]
    dialog.locator("[data-kb-import='confirm']").click()
    assert shown(page, ids[0], ("status", "due")) == ("partial", "2027-06-30")
    assert shown(page, ids[1], ("status", "note")) == ("done", "")

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(resaved.read_bytes()[:5000])  # cut short: not a zip any more
    page.locator("input[data-kb-action='import-json']").set_input_files(str(broken))
    said(
        page,
        "Cannot import: the file “broken.xlsx” is not an Excel workbook (xlsx) that can be read"
        + " (it is damaged or of another kind). No answer was changed.",
    )
    huge = tmp_path / "huge.xlsx"
    with huge.open("wb") as out:
        out.truncate(50 * 1024 * 1024)
    page.locator("input[data-kb-action='import-json']").set_input_files(str(huge))
    said(
        page,
        "Cannot import: the file “huge.xlsx” is 52,428,800 bytes, more than can be imported (20,971,520 bytes)."
        + " No answer was changed.",
    )


# ---------------------------------------------------------------- the self-assessment's sheet

PLAN = ("current", "target", "action", "resources", "owner", "due", "evaluation")  # columns B… of the plan sheet


def plan_rows(book, linked, language) -> dict[str, tuple]:
    """The plan sheet's row of each area, by area id: (current, target, action, resources, owner, due, evaluation)."""
    ids = {language.text(c.title): c.id for c in linked.kb.checklists if c.self_assessment}
    sheet = book[language.t("assessment.xlsx.plan_sheet")]
    return {
        ids[r[0]]: tuple(r[1 : 1 + len(PLAN)])
        for r in sheet.iter_rows(min_row=FIRST_ROW, values_only=True)
        if r[0] in ids
    }


@pytest.mark.browser
def test_the_self_assessment_goes_out_in_its_sheet_and_back_in_from_a_workbook_edited_in_libreoffice(
    browser,
    page,
    server,
    linked,
    tmp_path,
    office,  # noqa: F811
):
    language = Language.of(linked.kb, "ja")
    page.goto(server + "assessment/")
    levels = {"backup": (1, 3), "remote-access": (2, 2)}  # a gap of two levels, and none
    for area, (current, target) in levels.items():
        page.locator(f"[data-kb-area='{area}'] [data-kb-level='current']").select_option(str(current))
        page.locator(f"[data-kb-area='{area}'] [data-kb-level='target']").select_option(str(target))
    plan = {"action": "=バックアップ手順を整備\n二行目", "resources": "2 名・外部委託", "owner": "情報システム部",
            "due": "2027-03-31", "evaluation": "復旧訓練で確認"}  # fmt: skip
    for field, value in plan.items():
        page.locator(f"[data-kb-plan-area='backup'] [data-kb-plan-field='{field}']").fill(value)
        leave(page)
    assert answers_of(page)["areas"]["backup"] == {"current": 1, "target": 3, **plan}
    path, suggested = export_xlsx(page, tmp_path, "plan.xlsx")
    assert re.fullmatch(r"risk-response-plan-ja-answers-\d{4}-\d{2}-\d{2}\.xlsx", suggested)
    rows = plan_rows(openpyxl.load_workbook(path), linked, language)
    assert rows["backup"] == (1, 3, *(dt.datetime(2027, 3, 31) if f == "due" else plan[f] for f in PLAN[2:]))
    assert rows["remote-access"] == (2, 2, None, None, None, None, None)
    assert all(v is None for area, row in rows.items() if area not in levels for v in row)
    sheet = openpyxl.load_workbook(path)[language.t("assessment.xlsx.plan_sheet")]
    action = next(r for r in sheet.iter_rows(min_row=FIRST_ROW) if r[1].value == 1)[3]
    assert action.data_type == "s" and action.value.startswith("=")  # text, never a formula
    (pdf,) = office([shutil.copy(path, tmp_path / "printed-plan.xlsx")], "pdf", tmp_path / "plan-pdf")
    flat = re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages))
    assert "=バックアップ手順を整備" in flat and "復旧訓練で確認" in flat and "2027-03-31" in flat

    titles = {c.id: language.text(c.title) for c in linked.kb.checklists if c.self_assessment}

    def edit(book):
        sheet = book[language.t("assessment.xlsx.plan_sheet")]
        row = {sheet.cell(r, 1).value: r for r in range(FIRST_ROW, sheet.max_row + 1)}
        sheet.cell(row[titles["backup"]], 3).value = 4  # the target raised
        sheet.cell(row[titles["backup"]], 4).value = "LibreOffice で直した計画"
        sheet.cell(row[titles["remote-access"]], 2).value = 5  # not a level
        sheet.cell(row[titles["malware"]], 2).value, sheet.cell(row[titles["malware"]], 3).value = 0, 2
        sheet.cell(row[titles["malware"]], 6).value = "=1+1"  # a formula: never evaluated

    resaved = edited_in_a_spreadsheet(path, "plan-edited.xlsx", edit, office, tmp_path)
    fresh = browser.new_context(locale="ja-JP")
    try:
        other = fresh.new_page()
        other.goto(server + "assessment/")
        dialog = import_file(other, resaved)
        notes = dialog.locator("[data-kb-preview='notes'] li").all_inner_texts()
        sheet_name = language.t("assessment.xlsx.plan_sheet")
        rows_after = {c.id: FIRST_ROW + n for n, c in enumerate(c for c in linked.kb.checklists if c.self_assessment)}
        assert ui(linked, "checklist.js.answers_xlsx_level", cell=f"{sheet_name}!B{rows_after['remote-access']}",
                  value="5") in notes  # fmt: skip
        assert ui(linked, "checklist.js.answers_xlsx_formula", cell=f"{sheet_name}!F{rows_after['malware']}") in notes
        assert dialog.locator("[data-kb-preview='areas']").inner_text() == ui(linked, "checklist.js.answers_count", n=3)
        dialog.locator("[data-kb-import='confirm']").click()
        areas = answers_of(other)["areas"]
        assert areas["backup"] == {"current": 1, "target": 4, **plan, "action": "LibreOffice で直した計画"}
        assert areas["remote-access"] == {"target": 2}
        assert areas["malware"]["current"] == 0 and areas["malware"]["target"] == 2 and "owner" not in areas["malware"]
        assert other.locator("[data-kb-area='backup'] [data-kb-level='target']").input_value() == "4"
        assert other.locator("[data-kb-area='backup'] [data-kb-gap]").inner_text() == "+3"
        action = other.locator("[data-kb-plan-area='backup'] [data-kb-plan-field='action']")
        assert action.input_value() == "LibreOffice で直した計画"
    finally:
        fresh.close()
