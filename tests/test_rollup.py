"""Roll-up of many units' answers: `python -m generator rollup FILES… -o report.xlsx` run as a process on ten units'
files (JSON exported by the site and the site's own workbooks filled in), the report read back by openpyxl with
counts computed here independently; bad files (another knowledge base, a newer version, a damaged workbook, a
50 MB file) stop it with one message each and nothing written."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pypdf
import pytest
from axe_playwright_python.sync_playwright import Axe

from generator.features.checklists import ANSWER_FIELDS, INFO_COLUMNS, STATUSES, download_path
from generator.i18n import Language
from generator.sheets import FIRST_ROW, HEADER_ROW

from .conftest import PROJECT
from .test_accessibility import blocking_violations
from .test_checklists import answer, checklist_url

CYCLE = ("done", "partial", "todo", "na", None)  # None: not answered
TODAY = dt.date.today()


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
        "format": "aviation-guideline-kb/answers",
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


def rollup(*args) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "generator", "--data", str(PROJECT / "guideline_data"), "rollup"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=600)


def test_ten_units_roll_up_with_the_right_counts(site, linked, tmp_path):
    files = [json_file(tmp_path, linked, n) for n in range(5)] + [
        xlsx_file(tmp_path, site, linked, n) for n in range(5, 10)
    ]
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
        assert row[t("rollup.percent")] == round(100 * expected["done"] / (total - expected["na"]))
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
def test_the_roll_up_page_puts_ten_units_side_by_side_and_names_each_bad_file(page, server, site, linked, tmp_path):
    files = [json_file(tmp_path, linked, n) for n in range(5)]
    files += [xlsx_file(tmp_path, site, linked, n) for n in range(5, 10)]
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
        expected.append(f"{done}/{total - na}（{round(100 * done / (total - na))}%）")
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
