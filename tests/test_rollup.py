"""Roll-up of many units' answers: `python -m generator rollup FILES… -o report.xlsx` run as a process on ten units'
files (JSON exported by the site and the site's own workbooks filled in), the report read back by openpyxl with
counts computed here independently; bad files (another knowledge base, a newer version, a damaged workbook, a
50 MB file) stop it with one message each and nothing written."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pypdf
import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from generator.errors import DataError
from generator.features.checklists import ANSWER_FIELDS, INFO_COLUMNS, STATUSES, download_path
from generator.i18n import Language
from generator.sheets import FIRST_ROW, HEADER_ROW, SHARE_FILLS

from .conftest import PROJECT
from .test_accessibility import blocking_violations
from .test_checklists import answer, checklist_url
from .test_office import office  # noqa: F401  (the LibreOffice fixture)

CYCLE = ("done", "partial", "todo", "na", None)  # None: not answered
TODAY = dt.date.today()


def half_up(share: float) -> int:
    """A percentage as the site shows it (JavaScript's Math.round: halves up)."""
    return int(share + 0.5)


def every_item(linked) -> list[str]:
    return [i.id for c in linked.kb.checklists for i in c.items]


def unit_answers(linked, n: int) -> dict[str, dict]:
    """Every item of unit n (this guideline has 144): statuses in a cycle shifted by unit, an owner and a due date
    (some past) on the open ones."""
    ids = every_item(linked)
    answers = {}
    for index, item_id in enumerate(ids):
        status = CYCLE[(index + n) % len(CYCLE)]
        record = {"status": status} if status else {}
        if status in ("partial", "todo"):
            record["owner"] = f"担当{n}"
            record["due"] = (TODAY + dt.timedelta(days=30 if index % 2 else -10)).isoformat()
        if record:
            answers[item_id] = record
    return answers


def json_file(folder: Path, linked, n: int, **extra) -> Path:
    path = folder / f"unit-{n}.json"
    content = {
        "format": "guideline-kb/answers",
        "version": 2,
        "kb": f"{linked.kb.config.slug}:answers",
        "release": linked.kb.version,
        "unit": f"拠点{n}",
        "items": unit_answers(linked, n),
        "areas": {},
    }
    content.update(extra)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def xlsx_file(folder: Path, site: Path, linked, n: int) -> Path:
    """The site's workbook of every checklist, filled in as a reader does in a spreadsheet."""
    language = Language.of(linked.kb, "ja")
    book = openpyxl.load_workbook(site / download_path("checklists", language, "xlsx"))
    book.worksheets[0]["B4"] = f"拠点{n}"  # the cover's unit
    answers = unit_answers(linked, n)
    first = len(INFO_COLUMNS) + 1
    for sheet in book.worksheets[1:]:
        for row in range(FIRST_ROW, sheet.max_row + 1):
            record = answers.get(sheet.cell(row, 1).value)
            if not record:
                continue
            for offset, field in enumerate(ANSWER_FIELDS):
                value = record.get(field.id)
                if value is None:
                    continue
                if field.id == "status":
                    value = language.t(f"checklist.status.{value}")
                elif field.id == "due":
                    value = dt.datetime.fromisoformat(value)
                sheet.cell(row, first + offset).value = value
    path = folder / f"unit-{n}.xlsx"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def workbooks(site, linked, tmp_path_factory) -> list[Path]:
    """Units 5 to 9 as filled workbooks, made once for the tests that roll them up (none changes them)."""
    folder = tmp_path_factory.mktemp("workbooks")
    return [xlsx_file(folder, site, linked, n) for n in range(5, 10)]


def rollup(*args) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "generator", "--data", str(PROJECT / "guideline_data"), "rollup"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=600)


def test_ten_units_roll_up_with_the_right_counts(workbooks, linked, tmp_path):
    files = [json_file(tmp_path, linked, n) for n in range(5)] + workbooks
    out = tmp_path / "report.xlsx"
    done = rollup(*files, "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"wrote {out}: 10 units"
    language = Language.of(linked.kb, "ja")
    t = language.t
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        t("checklist.xlsx.cover"),
        t("rollup.summary"),
        t("rollup.matrix"),
        t("rollup.open"),
        t("rollup.map"),
        t("rollup.problems"),
    ]
    summary = book[t("rollup.summary")]
    header = [c.value for c in summary[HEADER_ROW]]
    rows = [
        dict(zip(header, (c.value for c in r), strict=True)) for r in summary.iter_rows(min_row=FIRST_ROW) if r[0].value
    ]
    every = [r for r in rows if r[header[0]] == t("rollup.all")]
    assert [r[header[1]] for r in every] == [f"拠点{n}" for n in range(10)]
    total = len(every_item(linked))
    assert total >= 140
    for n, row in enumerate(every):
        expected = {code: 0 for code in (*STATUSES, None)}
        for index in range(total):
            expected[CYCLE[(index + n) % len(CYCLE)]] += 1
        got = {code: row[t(f"checklist.status.{code}")] for code in STATUSES} | {None: row[t("checklist.unanswered")]}
        assert got == expected, n
        assert row[t("rollup.percent")] == half_up(100 * expected["done"] / (total - expected["na"]))
    matrix = book[t("rollup.matrix")]
    assert [c.value for c in matrix[HEADER_ROW]][2:] == [f"拠点{n}" for n in range(10)]
    first_id = matrix.cell(FIRST_ROW, 1).value
    assert [matrix.cell(FIRST_ROW, 3 + n).value for n in range(10)] == [
        t(f"checklist.status.{CYCLE[n % 5]}") if CYCLE[n % 5] else t("checklist.unanswered") for n in range(10)
    ] and first_id == linked.kb.checklists[0].items[0].id
    opened = book[t("rollup.open")]
    open_rows = [r for r in opened.iter_rows(min_row=FIRST_ROW, values_only=True) if r[0]]
    assert len(open_rows) == sum(
        total - sum(1 for i in range(total) if CYCLE[(i + n) % 5] in ("done", "na")) for n in range(10)
    )
    overdue = [r for r in open_rows if r[6] == t("rollup.overdue")]
    expected_overdue = sum(
        1 for n in range(10) for i in range(total) if CYCLE[(i + n) % 5] in ("partial", "todo") and i % 2 == 0
    )
    assert len(overdue) == expected_overdue and all(r[4] and r[5] for r in overdue)


def test_a_workbook_whose_columns_moved_is_read_by_its_headers(site, linked, tmp_path):
    """An earlier edition's workbook had no strength column: every answer stood one column to the left. Read by its
    headers, it rolls up exactly as this edition's workbook of the same answers does."""
    t = Language.of(linked.kb, "ja").t
    current = xlsx_file(tmp_path, site, linked, 3)
    earlier = tmp_path / "earlier" / "unit-3.xlsx"
    earlier.parent.mkdir()
    book = openpyxl.load_workbook(current)
    for sheet in book.worksheets[1:]:
        headers = [c.value for c in sheet[HEADER_ROW]]
        if t("checklist.strength") in headers:
            sheet.delete_cols(headers.index(t("checklist.strength")) + 1)
    book.save(earlier)
    reports = []
    for path in (current, earlier):
        out = path.with_suffix(".report.xlsx")
        done = rollup(path, "-o", out)
        assert done.returncode == 0 and not done.stderr, done.stderr
        opened = openpyxl.load_workbook(out)[t("rollup.open")]
        reports.append([r for r in opened.iter_rows(min_row=FIRST_ROW, values_only=True) if r[0]])
    assert reports[1] == reports[0] and len(reports[0]) > 50


def test_an_older_editions_answers_are_kept_and_reported(linked, tmp_path):
    path = json_file(
        tmp_path, linked, 1, items={"CL3-001": {"status": "done"}, "CL9-999": {"status": "todo", "owner": "旧"}}
    )
    out = tmp_path / "report.xlsx"
    done = rollup(path, "-o", out, "--language", "en")
    assert done.returncode == 0, done.stderr
    assert "1 items not in this edition (kept)" in done.stdout
    book = openpyxl.load_workbook(out)
    notes = [r for r in book["Notes"].iter_rows(min_row=FIRST_ROW, values_only=True) if r[0]]
    assert notes == [("拠点1", "unit-1.json", "Answers for items not in this edition (kept): CL9-999")]


def bad_files(tmp_path, linked) -> list[Path]:
    """Another knowledge base's answers, a newer version's, a damaged workbook and a 50 MB file."""
    other = json_file(tmp_path, linked, 10, kb="another-kb:answers").rename(tmp_path / "other.json")
    newer = json_file(tmp_path, linked, 11, release="99.0.0")
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 2000)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:
        out.truncate(50 * 1024 * 1024)
    return [other, newer, damaged, huge]


def test_bad_files_stop_the_roll_up_with_one_message_each_and_nothing_written(linked, tmp_path):
    other, newer, damaged, huge = bad_files(tmp_path, linked)
    report = tmp_path / "report.xlsx"
    done = rollup(other, newer, damaged, huge, "-o", report)
    assert done.returncode == 1 and not report.exists()
    slug = linked.kb.config.slug
    assert done.stderr.splitlines() == [  # in the order given
        "4 problems in the data:",
        f"{other}: the answers of another knowledge base ('another-kb:answers'), not of this one ('{slug}:answers')",
        "    fix: roll up files exported from this knowledge base's site only",
        f"{newer}: exported from a newer version of this knowledge base (99.0.0; this is {linked.kb.version})",
        "    fix: make the roll-up with the newer knowledge base",
        f"{damaged}: not an Excel workbook (xlsx) that can be read (it is damaged or of another kind)",
        "    fix: save it again from Excel or LibreOffice as .xlsx, or export it again from the site",
        f"{huge}: 52,428,800 bytes, more than a roll-up reads (20,971,520 bytes)",
        "    fix: export the unit's answers again from the site (JSON or Excel with the answers)",
    ]


@pytest.mark.browser
def test_the_roll_up_page_puts_ten_units_side_by_side_and_names_each_bad_file(
    page, server, workbooks, linked, tmp_path
):
    files = [json_file(tmp_path, linked, n) for n in range(5)] + workbooks
    page.goto(server + "checklists/rollup/")
    page.locator("input[data-kb-rollup-files]").set_input_files(
        [str(f) for f in [*files, *bad_files(tmp_path, linked)]]
    )
    result = page.locator("[data-kb-rollup-result] table")
    result.first.wait_for()
    listed = page.locator("[data-kb-rollup-list] li").all_inner_texts()
    total = len(every_item(linked))
    answered = [sum(1 for i in range(total) if CYCLE[(i + n) % 5]) for n in range(10)]
    assert listed[:10] == [
        f"unit-{n}.{'json' if n < 5 else 'xlsx'}: 拠点{n}（回答 {answered[n]} 件）" for n in range(10)
    ]
    assert listed[10:] == [
        "other.json: 別のナレッジベースの回答です（another-kb:answers）。集計に入れません。",
        "unit-11.json: このサイトより新しい版（99.0.0）から書き出した回答です。集計に入れません。",
        "読み込めません: ファイル「damaged.xlsx」は読める Excel ファイル（xlsx）ではありません"
        + "（壊れているか、別の形式です）。回答は何も変わっていません。",
        "読み込めません: ファイル「huge.json」は 52,428,800 バイトで、"
        + "読み込める大きさ（20,971,520 バイト）を超えています。回答は何も変わっていません。",
    ]
    summary, open_items, matrix = result.nth(0), result.nth(1), result.nth(2)
    assert summary.locator("thead th").all_inner_texts()[1:] == [f"拠点{n}" for n in range(10)]
    last = summary.locator("tbody tr").last.locator("td").all_inner_texts()
    expected = []
    for n in range(10):
        statuses = [CYCLE[(i + n) % 5] for i in range(total)]
        done, na = statuses.count("done"), statuses.count("na")
        expected.append(f"{done}/{total - na}（{half_up(100 * done / (total - na))}%）")
    assert last == expected
    assert matrix.locator("tbody tr").count() == total
    first = matrix.locator("tbody tr").first.locator("td")
    assert first.evaluate_all("cells => cells.map(c => c.dataset.kbStatus)") == [CYCLE[n % 5] or "" for n in range(10)]
    rows = open_items.locator("tbody tr")
    assert rows.count() == sum(1 for n in range(10) for i in range(total) if CYCLE[(i + n) % 5] not in ("done", "na"))
    overdue = sum(
        1 for n in range(10) for i in range(total) if CYCLE[(i + n) % 5] in ("partial", "todo") and i % 2 == 0
    )
    assert open_items.locator("tbody td:last-child", has_text="期限切れ").count() == overdue
    assert not blocking_violations(Axe(), page)


def sheet_facts(path: Path) -> list[tuple]:
    """What a workbook is, sheet by sheet: name, every value, every cell's fill, column widths, merged ranges, filter,
    print titles, frozen panes and page setup (row heights are the browser's estimate and may differ by a line)."""
    book = openpyxl.load_workbook(path)
    facts = []
    for sheet in book.worksheets:
        widths = {key: d.width for key, d in sheet.column_dimensions.items() if d.width}
        setup = (sheet.page_setup.paperSize, sheet.page_setup.orientation, sheet.page_setup.fitToWidth)
        fills = [
            [c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None for c in row] for row in sheet.iter_rows()
        ]
        facts.append((sheet.title, list(sheet.iter_rows(values_only=True)), fills, widths,
                      sorted(str(r) for r in sheet.merged_cells.ranges), sheet.auto_filter.ref, sheet.print_title_rows,
                      sheet.freeze_panes, setup))  # fmt: skip
    return facts


@pytest.mark.browser
def test_the_roll_up_page_exports_the_same_workbook_as_the_command_line(
    page,
    server,
    workbooks,
    linked,
    tmp_path,
    office,  # noqa: F811
):
    gone = {**unit_answers(linked, 0), "CL9-999": {"status": "todo", "owner": "旧版"}}
    files = [json_file(tmp_path, linked, 0, items=gone)] + [json_file(tmp_path, linked, n) for n in range(1, 5)]
    files += workbooks
    page.goto(server + "checklists/rollup/")
    export = page.locator("button[data-kb-rollup-export]")
    assert export.is_hidden()  # nothing to export before any file is read
    page.locator("input[data-kb-rollup-files]").set_input_files([str(f) for f in files])
    export.wait_for()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    with page.expect_download() as download:
        export.click()
    made = tmp_path / "browser.xlsx"
    download.value.save_as(made)
    assert download.value.suggested_filename == f"rollup-ja-{TODAY.isoformat()}.xlsx"
    assert all(url.startswith(server) for url in requests)  # the template and the zip library, from the site only
    said = page.locator("[data-kb-rollup] [data-kb-message]").inner_text()
    name = f"rollup-ja-{TODAY.isoformat()}.xlsx"
    assert said == f"{name} を書き出しました（10 単位。ファイルはこのブラウザの中で作り、どこにも送っていません）。"
    cli = tmp_path / "cli.xlsx"
    done = rollup(*files, "-o", cli)
    assert done.returncode == 0, done.stderr
    browser, command_line = sheet_facts(made), sheet_facts(cli)
    assert [f[0] for f in browser] == [f[0] for f in command_line]
    for ours, theirs in zip(browser, command_line, strict=True):
        assert ours == theirs, ours[0]
    t = Language.of(linked.kb, "ja").t
    book = openpyxl.load_workbook(made)
    every = [
        r for r in book[t("rollup.summary")].iter_rows(min_row=FIRST_ROW, values_only=True) if r[0] == t("rollup.all")
    ]
    total = len(every_item(linked))
    assert [r[2] for r in every] == [total] * 10 and total >= 140
    for n, row in enumerate(every):
        statuses = [CYCLE[(i + n) % 5] for i in range(total)]
        assert row[3:8] == tuple(statuses.count(c) for c in (*STATUSES, None)), n
    notes = [r for r in book[t("rollup.problems")].iter_rows(min_row=FIRST_ROW, values_only=True) if r[0]]
    assert notes == [("拠点0", "unit-0.json", t("rollup.gone").format(ids="CL9-999"))]
    # The one-screen view as a coloured sheet: every control, its share of (unit, item) pairs done, filled in the
    # view's five colours.
    shares = [r for r in book[t("rollup.map")].iter_rows(min_row=FIRST_ROW) if r[0].value]
    controls = [s for s in linked.kb.sections if linked.kb.config.is_control(s)]
    assert len(shares) == len(controls) >= 20
    for row in shares:  # a control no item is drawn from (a category's own section) has nothing to colour
        done, applicable, percent = row[3].value, row[4].value, row[5]
        assert percent.value == (half_up(100 * done / applicable) if applicable else 0), row[1].value
        fill = SHARE_FILLS[half_up(4 * done / applicable)] if applicable else None
        assert (percent.fill.fgColor.rgb[-6:] if percent.fill.fill_type == "solid" else None) == fill, row[1].value
    answered = {linked.index.items[i].section for i in linked.index.items}
    assert sum(1 for row in shares if row[4].value) == sum(1 for s in controls if s.id in answered) >= 9
    (pdf,) = office([made], "pdf", tmp_path / "pdf")  # LibreOffice opens it and prints every sheet
    printed = pypdf.PdfReader(pdf)
    assert all(round(float(p.mediabox.width)) == 842 for p in printed.pages)  # A4 landscape
    unread = {f"拠点{n}" for n in range(10)} | {"CL9-999"}
    for page in (printed.pages[-1], *printed.pages):  # the notes print last; the text of 118 pages takes 5 s to read
        text = page.extract_text()
        unread = {words for words in unread if words not in text}
        if not unread:
            break
    assert not unread


@pytest.mark.browser
def test_every_control_on_one_screen_coloured_by_the_answers_and_printed_on_one_a4_landscape_page(page, server, linked):
    page.goto(checklist_url(server, "remote-access"))
    answer(page, "CL5-016", "done")
    answer(page, "CL5-017", "na")
    answer(page, "CL5-018", "todo")
    page.goto(server + "checklists/map/")
    controls = [s for s in linked.kb.sections if linked.kb.config.is_control(s)]
    cells = page.locator("[data-kb-map-items]")
    assert cells.count() == len(controls) >= 20
    section = linked.index.items["CL5-016"].section
    assert {linked.index.items[i].section for i in ("CL5-017", "CL5-018")} == {section}
    ids = [i.id for i in linked.index.items.values() if i.section == section]
    cell = page.locator(f"[data-kb-map-items='{' '.join(ids)}']")
    assert cell.locator("[data-kb-map-share]").inner_text() == f"1/{len(ids) - 1}"
    cell.click()  # the cell leads to its control
    assert linked.index.sections[section].title.ja in page.locator("h1").inner_text()
    page.go_back()
    items = page.locator("[data-kb-map-item]")
    assert items.count() == sum(len(c.items) for c in linked.kb.checklists if c.kind == "chapter") >= 140
    statuses = page.locator("[data-kb-map-item='CL5-016'], [data-kb-map-item='CL5-017'], [data-kb-map-item='CL5-018']")
    assert statuses.evaluate_all("cells => cells.map(c => c.dataset.kbStatus)") == ["done", "na", "todo"]
    assert page.locator("[data-kb-map-item='CL5-016']").get_attribute("aria-label") == "CL5-016: 実施済"
    assert not blocking_violations(Axe(), page)
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595  # A4 landscape, in points
    assert len(reader.pages) == 1  # every control and every item, on one sheet
    text = reader.pages[0].extract_text()
    assert all(i in text for i in ("CL3-001", "CL5-016", controls[0].title.ja[:4], controls[-1].title.ja[:4]))


@pytest.mark.browser
def test_the_one_screen_view_is_coloured_by_a_unit_or_the_roll_up_exported_and_printed_on_a4_or_a3(
    page, server, linked, tmp_path
):
    page.goto(checklist_url(server, "remote-access"))
    answer(page, "CL5-016", "done")
    page.goto(server + "assessment/")  # the self-assessment's gap: current 1, target 3
    page.locator("[data-kb-area='backup'] [data-kb-level='current']").select_option("1")
    page.locator("[data-kb-area='backup'] [data-kb-level='target']").select_option("3")
    page.goto(server + "checklists/map/")
    item = page.locator("[data-kb-map-item='CL5-016']")
    assert item.get_attribute("data-kb-status") == "done"
    area = page.locator("[data-kb-map-area='backup']")
    assert area.get_attribute("data-kb-gap") == "2"
    title = next(c.title.ja for c in linked.kb.checklists if c.id == "backup")
    assert area.get_attribute("aria-label") == f"{title}: 現在 1 → 目標 3 (+2)"
    assert page.locator("[data-kb-map-area='malware']").get_attribute("aria-label").endswith(": 未評価")
    areas = {"backup": {"current": 2, "target": 2}}  # one unit of three has reached its target, one has not rated
    files = [json_file(tmp_path, linked, n, areas=areas if n == 0 else {"backup": {"current": 1, "target": 3}} if n == 1
                       else {}) for n in range(3)]  # fmt: skip
    page.locator("input[data-kb-map-files]").set_input_files([str(f) for f in files])
    colour = page.locator("select[data-kb-map-colour]")
    page.wait_for_function("() => document.querySelector('select[data-kb-map-colour]').value === 'share'")
    assert colour.locator("option").all_inner_texts() == [
        "このブラウザの回答", "拠点0 の回答", "拠点1 の回答", "拠点2 の回答", "集計: 3 単位のうち実施済の割合"
    ]  # fmt: skip
    ids = every_item(linked)
    index = ids.index("CL5-016")
    statuses = [CYCLE[(index + n) % 5] for n in range(3)]
    done, applicable = statuses.count("done"), sum(1 for s in statuses if s != "na")
    assert item.get_attribute("aria-label") == f"CL5-016: {applicable} 単位中 {done} 単位が実施済"
    assert item.get_attribute("data-kb-share") == str(half_up(4 * done / applicable)) and not item.get_attribute(
        "data-kb-status"
    )
    assert page.locator("[data-kb-map-by]").inner_text() == "集計（単位のうち実施済の割合）"
    assert page.locator("[data-kb-map-legend='status']").is_hidden()
    assert area.locator("[data-kb-map-share]").inner_text() == "1/2" and area.get_attribute("data-kb-share") == "2"
    assert area.get_attribute("aria-label") == f"{title}: 評価した 2 単位中 1 単位が目標に到達"
    colour.select_option("1")  # one unit's answers
    assert item.get_attribute("data-kb-status") == (statuses[1] or "")
    assert page.locator("[data-kb-map-by]").inner_text() == "拠点1"
    colour.focus()  # by keyboard: the choice is a select
    page.keyboard.press("Home")
    assert colour.input_value() == "mine" and item.get_attribute("data-kb-status") == "done"
    colour.select_option("share")

    with page.expect_download() as download:
        page.locator("button[data-kb-map-export='svg']").click()
    assert download.value.suggested_filename == f"map-ja-rollup-{TODAY.isoformat()}.svg"
    drawing = ET.parse(download.value.path()).getroot()
    namespace = {"svg": "http://www.w3.org/2000/svg"}
    texts = [t.text for t in drawing.iterfind(".//svg:text", namespace)]
    assert (
        texts[0] == "一覧図（全対策を一画面で） — 集計（単位のうち実施済の割合）"
    )  # the page's title and what colours it
    controls = [s for s in linked.kb.sections if linked.kb.config.is_control(s)]
    chapter_items = [i.id for c in linked.kb.checklists if c.kind == "chapter" for i in c.items]
    assert all(i in texts for i in chapter_items) and len(controls) >= 20
    answered = {linked.index.items[i].section for i in linked.index.items}
    counted = [s for s in controls if s.id in answered]
    assert sum(1 for t in texts if t and "/" in t) >= len(counted) >= 9  # each control's count, where it has items
    links = drawing.findall(".//svg:a", namespace)
    areas = [c for c in linked.kb.checklists if c.self_assessment]
    assert len(links) == len(controls) + len(areas) + len(chapter_items)
    assert all(a.get("href").startswith(server) for a in links)  # each cell links to its control or item
    with page.expect_download() as download:
        page.locator("button[data-kb-map-export='png']").click()
    assert download.value.suggested_filename == f"map-ja-rollup-{TODAY.isoformat()}.png"
    picture = Image.open(download.value.path())
    assert picture.format == "PNG" and picture.size[0] == 2240 and picture.size[1] > 1000
    assert "を書き出しました" in page.locator("[data-kb-map] [data-kb-message]").inner_text()

    for paper, size in (("A4", (842, 595)), ("A3", (1191, 842))):
        page.emulate_media(media="screen")  # the choice is on the screen; the print shows the view alone
        page.locator("select[data-kb-map-paper]").select_option(paper)
        page.emulate_media(media="print")
        assert page.locator("select[data-kb-map-paper]").is_hidden()
        reader = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
        assert len(reader.pages) == 1, paper  # 22 controls and every item on one sheet
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == size, paper
        text = reader.pages[0].extract_text()
        assert all(i in text for i in ("CL3-001", "CL5-016", controls[0].title.ja[:4], controls[-1].title.ja[:4]))


def test_hostile_files_stop_the_roll_up_with_a_message_and_odd_text_is_written_as_text(linked, tmp_path):
    from generator.rollup import read_files, report

    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    newer = json_file(tmp_path, linked, 1)
    newer.write_text(newer.read_text(encoding="utf-8").replace(f'"{linked.kb.version}"', '"' + "9" * 5000 + '"'))
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as book, book.open("xl/worksheets/sheet1.xml", "w") as part:
        for _ in range(210):
            part.write(b" " * (1 << 20))
    fix = "    fix: name an answers file the site exported (JSON or xlsx)"
    expected = {
        "pipe.json": ["cannot be read: not a regular file", fix],
        "folder.json": ["cannot be read: Is a directory", fix],
        "deep.json": ["JSON nested too deeply to be an answers file", "    fix: give the files the site exports"],
        newer.name: [f"exported from a newer version of this knowledge base ({'9' * 5000}; this is "
                     f"{linked.kb.version})", "    fix: make the roll-up with the newer knowledge base"],
        "bomb.xlsx": ["unpacks to 220,200,960 bytes, more than a roll-up reads (209,715,200 bytes)",
                      "    fix: export the unit's answers again from the site (JSON or Excel with the answers)"],
    }  # fmt: skip
    for name, (message, fix_line) in expected.items():
        with pytest.raises(DataError) as error:
            read_files(linked, [tmp_path / name])
        assert str(error.value).splitlines() == ["1 problem in the data:", f"{tmp_path / name}: {message}", fix_line]
    # a unit, an owner and a note with control characters, a right-to-left mark and formulas: text in the report
    odd = json_file(tmp_path, linked, 2)
    content = json.loads(odd.read_text(encoding="utf-8"))
    content["unit"] = '=HYPERLINK("http://x","y")\x00\u202e'
    first = next(iter(content["items"]))
    content["items"][first] = {"status": "todo", "owner": "=1+1\x07", "note": "@SUM(A1)"}
    odd.write_text(json.dumps(content), encoding="utf-8")
    units = read_files(linked, [odd])
    book = openpyxl.load_workbook(io.BytesIO(report(linked, units, Language.of(linked.kb, "ja"))))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    unit_cells = [c for c in cells if c.value.startswith("=HYPERLINK")]
    assert unit_cells and {(c.value, c.data_type) for c in unit_cells} == {
        ('=HYPERLINK("http://x","y")\ufffd\u202e', "s")
    }
    assert {(c.value, c.data_type) for c in cells if c.value.startswith("=1+1")} == {("=1+1\ufffd", "s")}
