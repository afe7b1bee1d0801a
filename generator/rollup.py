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
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from .errors import DataError, Problem
from .features.checklists import (
    ANSWER_FIELDS,
    INFO_COLUMNS,
    STATUSES,
    ItemRows,
    answer_headers,
    answers_formats,
    control_map,
    items_of,
)
from .files import read_regular
from .i18n import Language
from .link import Linked
from .sheets import FACTS_ROW, FIRST_ROW, HEADER_ROW, NOTE_ROW, Cell, Column, Cover, Table, workbook

VERSION = 2  # the newest answers-file version this reads (checklist.js VERSION)
SIZE_LIMIT = 20 * 1024 * 1024  # bytes; a workbook of every checklist filled in full is well under 1 MB
UNPACKED_LIMIT = 10 * SIZE_LIMIT  # a workbook's parts unpacked (a zip bomb stops here)
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
    try:
        content = read_regular(path.resolve(), SIZE_LIMIT)  # never waits on a pipe
    except (OSError, ValueError) as error:  # a folder, a pipe or a device; or grown past the limit since
        reason = getattr(error, "strerror", None) or error
        raise refuse(f"cannot be read: {reason}", "name an answers file the site exported (JSON or xlsx)") from None
    if content.startswith(b"PK"):
        return _read_workbook(linked, path, io.BytesIO(content), refuse)
    return _read_json(linked, path, content, refuse)


def _keep(linked: Linked, unit: UnitAnswers, item_id: str, record: dict[str, str]) -> None:
    if not record:
        return
    if item_id not in linked.index.items:
        unit.gone.append(item_id)
    unit.items[item_id] = record


def _read_json(linked: Linked, path: Path, content: bytes, refuse) -> UnitAnswers:
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise refuse("neither JSON nor an Excel workbook (xlsx)", "give the files the site exports") from None
    except RecursionError:
        raise refuse("JSON nested too deeply to be an answers file", "give the files the site exports") from None
    if (
        not isinstance(data, dict)
        or data.get("format") not in answers_formats(linked.kb)
        or not isinstance(data.get("version"), int)
    ):
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
    def parts(version: str) -> tuple[tuple[int, str], ...]:  # numbers compared by their digits, of any length
        return tuple((len(p.lstrip("0")), p.lstrip("0")) if p.isdigit() else (0, "") for p in version.split("."))

    return parts(release) > parts(current)


def _unit_name(value, path: Path) -> str:
    """The unit a file names, or its file name when it names none."""
    return value.strip()[:200] if isinstance(value, str) and value.strip() else path.stem


def _read_workbook(linked: Linked, path: Path, content: io.BytesIO, refuse) -> UnitAnswers:
    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(content).infolist())  # the sizes zipfile holds it to
        if unpacked > UNPACKED_LIMIT:
            raise refuse(f"unpacks to {unpacked:,} bytes, more than a roll-up reads ({UNPACKED_LIMIT:,} bytes)",
                         "export the unit's answers again from the site (JSON or Excel with the answers)")  # fmt: skip
        book = openpyxl.load_workbook(content, data_only=False)
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
    headers = answer_headers(linked)
    for sheet in book.worksheets[1:]:
        columns = _answer_columns(sheet, headers)
        for row in sheet.iter_rows(min_row=FIRST_ROW):
            key = row[0].value if row else None
            if not isinstance(key, str) or not key.strip():
                continue
            item_id = key.strip()
            if not item_id[:1].isalnum() or not item_id.replace("-", "").replace(".", "").isalnum():
                continue
            record = {}
            for answer in ANSWER_FIELDS:
                index = columns.get(answer.id)
                cell = row[index] if index is not None and index < len(row) else None
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


def _answer_columns(sheet, headers: dict[str, str]) -> dict[str, int]:
    """Where each answer field stands on a sheet (0 = column A): by its header where the sheet has them, since an
    earlier edition's columns stood elsewhere; else where this edition puts them."""
    found: dict[str, int] = {}
    for cell in next(sheet.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW), ()):
        field = headers.get(cell.value.strip()) if isinstance(cell.value, str) else None
        if field and field not in found:
            found[field] = cell.column - 1
    return found or {f.id: len(INFO_COLUMNS) + n for n, f in enumerate(ANSWER_FIELDS)}


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
        """The share done, rounded half up as the browser's Math.round does."""
        return half_up(100 * self.counts.get("done", 0), self.applicable)


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


@dataclass(frozen=True)
class Part:
    """One column of a roll-up sheet: its header (a ui string; a column per unit is headed by the unit's name), its
    width, and the field of a row's record it shows (for a column per unit, the record holds one value per unit)."""

    header: str
    width: int
    field: str
    per_unit: bool = False
    shaded: bool = False  # filled by the record's "step" (a share in quarters), as the one-screen view colours it


# The roll-up's sheets, once: the command line writes them with openpyxl (report); the build writes them with no
# unit as the roll-up page's template, and checklist.js fills that in the browser from records of the same fields
# (rollup_layout hands it these definitions). Sheet name, title and note: ui rollup.<name>[_title|_note].
COUNTED = (*STATUSES, "open")
SHEETS: tuple[tuple[str, tuple[Part, ...]], ...] = (
    (
        "summary",
        (
            Part("checklist.checklist", 30, "checklist"),
            Part("checklist.unit", 20, "unit"),
            Part("checklist.items", 8, "items"),
            *(Part(f"checklist.status.{code}", 10, code) for code in STATUSES),
            Part("checklist.unanswered", 10, "open"),
            Part("rollup.percent", 10, "percent"),
        ),
    ),
    ("matrix", (Part("checklist.id", 10, "id"), Part("checklist.text", 60, "text"), Part("", 14, "status", True))),
    (
        "open",
        (
            Part("checklist.unit", 20, "unit"),
            Part("checklist.id", 10, "id"),
            Part("checklist.text", 50, "text"),
            Part("checklist.status", 12, "status"),
            Part("checklist.owner", 16, "owner"),
            Part("checklist.due", 12, "due"),
            Part("rollup.overdue", 10, "overdue"),
        ),
    ),
    (
        "map",
        (
            Part("rollup.group", 18, "group"),
            Part("rollup.control", 50, "control"),
            Part("checklist.items", 8, "items"),
            Part("rollup.done_pairs", 12, "done"),
            Part("rollup.applicable_pairs", 12, "applicable"),
            Part("rollup.percent", 10, "percent", shaded=True),
        ),
    ),
    (
        "problems",
        (Part("checklist.unit", 20, "unit"), Part("rollup.file", 30, "file"), Part("rollup.problem", 80, "problem")),
    ),
)
FACTS = ("guideline", "units", "date")  # the cover's facts, from FACTS_ROW on: the browser fills the last two


def labels(language: Language) -> dict[str, str]:
    """What the records say for a status (and for an item without one), for every item, and for an overdue one."""
    t = language.t
    return {code: t(f"checklist.status.{code}") for code in STATUSES} | {
        "open": t("checklist.unanswered"),
        "all": t("rollup.all"),
        "overdue": t("rollup.overdue"),
        "gone": t("rollup.gone"),
    }


def records(linked: Linked, units: list[UnitAnswers], language: Language, today: dt.date) -> dict[str, list[dict]]:
    """The rows of every sheet, as records of the fields SHEETS names (checklist.js makes the same in the browser)."""
    said = labels(language)
    plain = ItemRows(linked, language).plain
    items = {i.id: i for c in linked.kb.checklists for i in c.items}
    text = lambda item_id: plain(items[item_id].text) if item_id in items else ""  # noqa: E731
    per_checklist = [(language.text(c.title), [i.id for i in items_of(linked, c)]) for c in linked.kb.checklists]
    summary = []
    for label, ids in [*per_checklist, (said["all"], list(items))]:
        for unit in units:
            counts = tally(unit, ids)
            numbers = {code: counts.counts.get(code, 0) for code in COUNTED}
            summary.append({"checklist": label, "unit": unit.unit, "items": counts.items, **numbers,
                            "percent": counts.percent})  # fmt: skip
    matrix = [{"id": i, "text": text(i), "status": [said[u.items.get(i, {}).get("status", "open")] for u in units]}
              for i in items]  # fmt: skip
    opened = [
        {"unit": u.unit, "id": i, "text": text(i), "status": said[r.get("status", "open")], "owner": r.get("owner"),
         "due": r.get("due"), "overdue": said["overdue"] if overdue(r, today) else None}
        for u, i, r in open_items(linked, units)
    ]  # fmt: skip
    problems = [{"unit": u.unit, "file": Path(u.file).name, "problem": said["gone"].format(ids=", ".join(u.gone))}
                for u in units if u.gone]  # fmt: skip
    problems += [{"unit": u.unit, "file": Path(u.file).name, "problem": n} for u in units for n in u.notes]
    shares = []
    for control in map_controls(linked, language):
        done = sum(tally(u, control["items"]).counts.get("done", 0) for u in units)
        applicable = sum(tally(u, control["items"]).applicable for u in units)
        shares.append({"group": control["group"], "control": control["control"], "items": len(control["items"]),
                       "done": done, "applicable": applicable, "percent": half_up(100 * done, applicable),
                       "step": half_up(4 * done, applicable) if applicable else None})  # fmt: skip
    return {"summary": summary, "matrix": matrix, "open": opened, "map": shares, "problems": problems}


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, as the browser's Math.round (Python's round() goes to even)."""
    return (2 * numerator + denominator) // (2 * denominator) if denominator else 0


def map_controls(linked: Linked, language: Language) -> list[dict]:
    """The one-screen view as rows: each control under its group, with its items (features.checklists.control_map)."""
    t = language.t
    return [
        {"group": t(f"category.{group}") if group else t("map.uncategorised"),
         "control": language.section_title(section), "items": ids}
        for group, controls in control_map(linked) for section, ids in controls
    ]  # fmt: skip


def report(linked: Linked, units: list[UnitAnswers], language: Language, today: dt.date | None = None) -> bytes:
    """The roll-up workbook; with no unit, the template the roll-up page fills in the browser."""
    today = today or dt.date.today()
    t = language.t
    rows = records(linked, units, language, today)
    tables = []
    for name, parts in SHEETS:
        columns, fields = [], []
        for part in parts:
            if part.per_unit:
                columns += [Column(u.unit, part.width) for u in units]
                fields += [(part.field, n) for n in range(len(units))]
            else:
                columns.append(Column(t(part.header), part.width))
                fields.append((part.field, None))
        shaded = {part.field for part in parts if part.shaded}
        table_rows = [
            tuple(Cell(r[f] if n is None else r[f][n], shade=r.get("step") if f in shaded else None) for f, n in fields)
            for r in rows[name]
        ]
        note = t(f"rollup.{name}_note").format(date=today.isoformat())
        tables.append(Table(t(f"rollup.{name}"), t(f"rollup.{name}_title"), note, tuple(columns), table_rows))
    document = linked.kb.document
    guideline = f"{language.text(document.title)} — {language.text(document.edition)}"
    facts = {
        "guideline": (t("checklist.xlsx.guideline"), guideline),
        "units": (t("rollup.units"), t("punct.list").join(u.unit for u in units)),
        "date": (t("checklist.xlsx.built"), today.isoformat()),
    }  # fmt: skip
    cover = Cover(
        sheet=t("checklist.xlsx.cover"),
        title=t("rollup.title"),
        facts=[facts[key] for key in FACTS],
        instructions=[t("rollup.howto")],
    )
    return workbook(cover, tables)


def rollup_layout(linked: Linked, language: Language) -> dict:
    """What the roll-up page needs to fill the template in the browser: the sheets' fields in order, where the cover's
    facts and the rows go, and what the records say."""
    return {
        "sheets": [
            {
                "name": name,
                "parts": [
                    {"field": p.field, "per_unit": p.per_unit, "width": p.width, "shaded": p.shaded} for p in parts
                ],
            }  # fmt: skip
            for name, parts in SHEETS
        ],
        "first_row": FIRST_ROW,
        "header_row": HEADER_ROW,
        "note_row": NOTE_ROW,
        "facts": {key: f"B{FACTS_ROW + n}" for n, key in enumerate(FACTS)},
        "list": language.t("punct.list"),
        "notes": {name: language.t(f"rollup.{name}_note") for name, _ in SHEETS},
        "labels": labels(language),
        "controls": map_controls(linked, language),
    }
