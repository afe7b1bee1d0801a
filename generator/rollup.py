"""Roll-up: the answers of many units (departments, sites, contractors) side by side, from the files each exported
from the site (JSON) or filled in a spreadsheet (the site's workbooks), as one workbook: the statuses of every item
per unit, the counts and share done per checklist and unit, the open items with their owners and due dates, the
overdue ones, and what could not be used.

Each file names its unit (the reader sets it once on the site; a workbook's cover has it beside its label). A file is
read with the rules of the browser's import (checklist.js) and of the answer fields (`AnswerField.value`): formulas
are never evaluated, a value a field does not take is named by its cell, answers for items this edition does not
have are kept and reported. A file that cannot be used at all (another knowledge base, a newer version of it,
neither JSON nor a readable workbook, too large) stops the roll-up with its reason; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from .errors import DataError, Problem
from .features.checklists import ANSWER_FIELDS, INFO_COLUMNS, STATUSES, items_of
from .i18n import Language
from .link import Linked
from .sheets import FIRST_ROW, Cell, Column, Cover, Table, workbook

FORMAT = "aviation-guideline-kb/answers"  # checklist.js FORMAT: what an exported answers file says it is
VERSION = 2  # the newest answers-file version this reads (checklist.js VERSION)
SIZE_LIMIT = 20 * 1024 * 1024  # bytes; a workbook of every checklist filled in full is well under 1 MB
OPEN = ("partial", "todo")  # statuses that leave an item open (unanswered ones are open too)


@dataclass
class UnitAnswers:
    """One unit's answers, as read from one file."""

    file: str
    unit: str
    items: dict[str, dict[str, str]] = field(default_factory=dict)  # item id -> field -> value
    gone: list[str] = field(default_factory=list)  # ids this edition does not have (kept, reported)
    notes: list[str] = field(default_factory=list)  # values not used, by cell or field
    edition: str = ""


def read_files(linked: Linked, paths: list[Path]) -> list[UnitAnswers]:
    """Every file read, or a DataError naming each that cannot be used."""
    units, problems = [], []
    for path in paths:
        try:
            units.append(read_file(linked, path))
        except DataError as error:
            problems += error.problems
    if problems:
        raise DataError(problems)
    names = Counter(u.unit for u in units)
    for unit in units:  # two files of one unit: told apart by their file names
        if names[unit.unit] > 1:
            unit.unit = f"{unit.unit} ({Path(unit.file).name})"
    return units


def read_file(linked: Linked, path: Path) -> UnitAnswers:
    def refuse(message: str, fix: str) -> DataError:
        return DataError([Problem(str(path), None, message, fix)])

    try:
        size = path.stat().st_size
    except OSError as error:
        raise refuse(f"cannot be read: {error.strerror or error}", "name an answers file that exists") from None
    if size > SIZE_LIMIT:
        raise refuse(f"{size:,} bytes, more than a roll-up reads ({SIZE_LIMIT:,} bytes)",
                     "export the unit's answers again from the site (JSON or Excel with the answers)")  # fmt: skip
    head = path.read_bytes()[:4]
    if head.startswith(b"PK"):
        return _read_workbook(linked, path, refuse)
    return _read_json(linked, path, refuse)


def _keep(linked: Linked, unit: UnitAnswers, item_id: str, record: dict[str, str]) -> None:
    if not record:
        return
    if item_id not in linked.index.items:
        unit.gone.append(item_id)
    unit.items[item_id] = record


def _read_json(linked: Linked, path: Path, refuse) -> UnitAnswers:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise refuse("neither JSON nor an Excel workbook (xlsx)", "give the files the site exports") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("version"), int):
        raise refuse("not an answers file exported from the site (it has no format and version)",
                     "export the unit's answers from the site (JSON)")  # fmt: skip
    if data["version"] > VERSION:
        raise refuse(f"a newer answers format (version {data['version']}); this roll-up reads up to {VERSION}",
                     "make the roll-up with the generator that built that site")  # fmt: skip
    key = f"{linked.kb.config.slug}:answers"
    if isinstance(data.get("kb"), str) and data["kb"] != key:
        raise refuse(f"the answers of another knowledge base ('{data['kb']}'), not of this one ('{key}')",
                     "roll up files exported from this knowledge base's site only")  # fmt: skip
    release = data.get("release")
    if isinstance(release, str) and _newer(release, linked.kb.version):
        raise refuse(f"exported from a newer version of this knowledge base ({release}; this is {linked.kb.version})",
                     "make the roll-up with the newer knowledge base")  # fmt: skip
    unit = UnitAnswers(str(path), _unit_name(data.get("unit"), path), edition=str(data.get("edition") or ""))
    items = data.get("items") if isinstance(data.get("items"), dict) else {}
    fields = {f.id: f for f in ANSWER_FIELDS}
    for item_id, given in items.items():
        if not isinstance(given, dict):
            unit.notes.append(f"items.{item_id}: not an answer")
            continue
        record = {}
        for name, value in given.items():
            if name == "updated":
                continue
            kept = fields[name].value(value) if name in fields else None
            if kept is None:
                unit.notes.append(f"items.{item_id}.{name}: {value!r} is not used")
            elif kept:
                record[name] = kept
        _keep(linked, unit, item_id, record)
    return unit


def _newer(release: str, current: str) -> bool:
    def parts(version: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))

    return parts(release) > parts(current)


def _unit_name(value, path: Path) -> str:
    """The unit a file names, or its file name when it names none."""
    return value.strip()[:200] if isinstance(value, str) and value.strip() else path.stem


def _read_workbook(linked: Linked, path: Path, refuse) -> UnitAnswers:
    try:
        book = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        fix = "save it again from Excel or LibreOffice as .xlsx, or export it again from the site"
        raise refuse("not an Excel workbook (xlsx) that can be read (it is damaged or of another kind)", fix) from None
    languages = Language.all(linked.kb)
    labels = {e.t(f"checklist.status.{code}"): code for e in languages for code in STATUSES}
    unit_labels = {e.t("checklist.unit") for e in languages}
    guideline_labels = {e.t("checklist.xlsx.guideline") for e in languages}
    editions = {e.text(linked.kb.document.edition) for e in languages}
    cover = book.worksheets[0]
    facts = {row[0].value: row[1].value for row in cover.iter_rows(max_col=2) if len(row) > 1}
    named = next((v for k, v in facts.items() if k in unit_labels), None)
    guideline = next((v for k, v in facts.items() if k in guideline_labels), None)
    if not isinstance(guideline, str):
        raise refuse("not a workbook of this knowledge base's site (its cover names no guideline)",
                     "fill in the workbook the site offers for download")  # fmt: skip
    edition = guideline.rsplit(" — ", 1)[-1]
    titles = {e.text(linked.kb.document.title) for e in languages}
    if guideline.rsplit(" — ", 1)[0] not in titles:
        raise refuse(f"a workbook of another guideline ('{guideline}')",
                     "roll up workbooks from this knowledge base's site only")  # fmt: skip
    unit = UnitAnswers(str(path), _unit_name(named, path), edition=edition)
    if edition not in editions:
        unit.notes.append(f"edition '{edition}' is not this site's ({', '.join(sorted(editions))})")
    first = len(INFO_COLUMNS) + 1
    for sheet in book.worksheets[1:]:
        for row in sheet.iter_rows(min_row=FIRST_ROW):
            key = row[0].value if row else None
            if not isinstance(key, str) or not key.strip() or len(row) < first:
                continue
            item_id = key.strip()
            if not item_id[:1].isalnum() or not item_id.replace("-", "").replace(".", "").isalnum():
                continue
            record = {}
            for offset, answer in enumerate(ANSWER_FIELDS):
                cell = row[first - 1 + offset] if first - 1 + offset < len(row) else None
                if cell is None or cell.value is None or cell.value == "":
                    continue
                where = f"{sheet.title}!{cell.coordinate}"
                value = cell.value
                if cell.data_type == "f":
                    unit.notes.append(f"{where}: a formula is not read (it is never calculated)")
                    continue
                if answer.kind == "status":
                    text = str(value).strip()
                    code = labels.get(text, text if text in STATUSES else None)
                    if code is None:
                        choices = ", ".join(labels_in(languages[0]))
                        unit.notes.append(f"{where}: 「{text}」 is not a status; expected one of {choices}")
                        continue
                    value = code
                elif answer.kind == "date":
                    value = value.date().isoformat() if isinstance(value, dt.datetime) else str(value).strip()
                elif isinstance(value, (int, float)):
                    value = str(value)
                kept = answer.value(value)
                if kept is None:
                    unit.notes.append(f"{where}: 「{value}」 is not a value of {answer.id}")
                elif kept:
                    record[answer.id] = kept
            if item_id in unit.items:
                record = {**unit.items[item_id], **record}
            _keep(linked, unit, item_id, record)
    unit.gone = sorted(set(unit.gone))
    return unit


def labels_in(language: Language) -> list[str]:
    return [language.t(f"checklist.status.{code}") for code in STATUSES]


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]  # status (or "open" for unanswered) -> items
    items: int

    @property
    def applicable(self) -> int:
        return self.items - self.counts.get("na", 0)

    @property
    def percent(self) -> int:
        return round(100 * self.counts.get("done", 0) / self.applicable) if self.applicable else 0


def tally(unit: UnitAnswers, ids: list[str]) -> Tally:
    counts = Counter(unit.items.get(i, {}).get("status", "open") for i in ids)
    return Tally(dict(counts), len(ids))


def open_items(linked: Linked, units: list[UnitAnswers]) -> list[tuple[UnitAnswers, str, dict[str, str]]]:
    """Every item of every unit that is not done or not applicable (answered or not), in the knowledge base's order."""
    order = [i.id for c in linked.kb.checklists for i in c.items]
    answered = [(u, i, u.items.get(i, {})) for u in units for i in order]
    return [(u, i, record) for u, i, record in answered if record.get("status") not in ("done", "na")]


def overdue(record: dict[str, str], today: dt.date) -> bool:
    due = record.get("due")
    return bool(due) and dt.date.fromisoformat(due) < today and record.get("status") not in ("done", "na")


# ---------------------------------------------------------------- the workbook


def report(linked: Linked, units: list[UnitAnswers], language: Language, today: dt.date | None = None) -> bytes:
    today = today or dt.date.today()
    t = language.t
    status = {code: t(f"checklist.status.{code}") for code in STATUSES} | {"open": t("checklist.unanswered")}
    counted = (*STATUSES, "open")
    items = {i.id: i for c in linked.kb.checklists for i in c.items}
    text = lambda item_id: language.text(items[item_id].text) if item_id in items else ""  # noqa: E731

    def sheet(name: str, columns: list[tuple[str, int]], rows: list[tuple[Cell, ...]], **note) -> Table:
        """A sheet of the roll-up: its name, title and note are the ui strings rollup.<name>[_title|_note]."""
        headers = tuple(Column(header, width) for header, width in columns)
        return Table(t(f"rollup.{name}"), t(f"rollup.{name}_title"), t(f"rollup.{name}_note").format(**note), headers,
                     rows)  # fmt: skip

    def tallied(label: str, unit: UnitAnswers, ids: list[str]) -> tuple[Cell, ...]:
        counts = tally(unit, ids)
        return (Cell(label), Cell(unit.unit), Cell(counts.items), *(Cell(counts.counts.get(c, 0)) for c in counted),
                Cell(counts.percent))  # fmt: skip

    per_checklist = [(language.text(c.title), [i.id for i in items_of(linked, c)]) for c in linked.kb.checklists]
    summary = sheet(
        "summary",
        [
            (t("checklist.checklist"), 30),
            (t("checklist.unit"), 20),
            (t("checklist.items"), 8),
            *((status[code], 10) for code in counted),
            (t("rollup.percent"), 10),
        ],  # fmt: skip
        [tallied(label, u, ids) for label, ids in [*per_checklist, (t("rollup.all"), list(items))] for u in units],
    )
    matrix = sheet(
        "matrix",
        [(t("checklist.id"), 10), (t("checklist.text"), 60), *((u.unit, 14) for u in units)],
        [
            (Cell(i), Cell(text(i)), *(Cell(status[u.items.get(i, {}).get("status", "open")]) for u in units))
            for i in items
        ],  # fmt: skip
    )
    open_table = sheet(
        "open",
        [
            (t("checklist.unit"), 20),
            (t("checklist.id"), 10),
            (t("checklist.text"), 50),
            (t("checklist.status"), 12),
            (t("checklist.owner"), 16),
            (t("checklist.due"), 12),
            (t("rollup.overdue"), 10),
        ],  # fmt: skip
        [
            (
                Cell(u.unit),
                Cell(i),
                Cell(text(i)),
                Cell(status[r.get("status", "open")]),
                Cell(r.get("owner")),
                Cell(r.get("due")),
                Cell(t("rollup.overdue") if overdue(r, today) else None),
            )
            for u, i, r in open_items(linked, units)
        ],  # fmt: skip
        date=today.isoformat(),
    )
    notes = [(Cell(u.unit), Cell(Path(u.file).name), Cell(t("rollup.gone").format(ids=", ".join(u.gone))))
             for u in units if u.gone]  # fmt: skip
    notes += [(Cell(u.unit), Cell(Path(u.file).name), Cell(n)) for u in units for n in u.notes]
    problems = sheet("problems", [(t("checklist.unit"), 20), (t("rollup.file"), 30), (t("rollup.problem"), 80)], notes)
    document = linked.kb.document
    cover = Cover(
        sheet=t("checklist.xlsx.cover"),
        title=t("rollup.title"),
        facts=[
            (t("checklist.xlsx.guideline"), f"{language.text(document.title)} — {language.text(document.edition)}"),
            (t("rollup.units"), t("punct.list").join(u.unit for u in units)),
            (t("checklist.xlsx.built"), today.isoformat()),
        ],
        instructions=[t("rollup.howto")],
    )
    return workbook(cover, [summary, matrix, open_table, problems])
