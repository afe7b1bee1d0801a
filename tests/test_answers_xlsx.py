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
from generator.sheets import FACTS_ROW, FIRST_ROW

from .test_answers_browser import answers_of, leave, message, store
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
    answer_every_field(page)
    path, suggested = export_xlsx(page, tmp_path)
    assert re.fullmatch(r"remote-access-ja-answers-\d{4}-\d{2}-\d{2}\.xlsx", suggested)
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
    assert "にサイトから書き出した回答" in cover.cell(FACTS_ROW, 2).value
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
