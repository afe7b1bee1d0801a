"""Checklists and the self-assessment: a page per checklist, the index, the assessment page, and their downloads.

The items live in guideline_data/checklists/ (schema `Checklist`): the chapter checklists define them, the focused
ones include them by id. In the browser (docs/assets/checklist.js) answers are kept in localStorage under the item
id, so an item answered in one checklist is answered in every checklist that holds it, in both languages. At build
time every checklist also becomes an xlsx workbook and a CSV file (generator/sheets.py), all checklists one
workbook, and the risk response plan an xlsx template with drop-down lists.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup
from openpyxl.utils import get_column_letter

from .. import __version__, schema
from ..errors import DataError
from ..i18n import Language
from ..kinds import ReferenceKind, SearchKind
from ..link import Key, Linked, segments
from ..overlay import Applied
from ..pages import Page, PageContext, label_of, target_of, url_of
from ..sheets import (
    BODY_SIZE,
    CELL_PADDING,
    FACTS_ROW,
    FIRST_ROW,
    HEADER_ROW,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    NARROW,
    ROW_PADDING,
    WIDE,
    Cell,
    Column,
    Cover,
    Table,
    csv_bytes,
    sheet_name,
    workbook,
)
from ..validate import Validated
from . import About, BuildSettings, Feature, HomeCard

INDEX = "checklists/index.md"
ASSESSMENT = "assessment.md"
ROLLUP = "checklists/rollup.md"
MAP = "checklists/map.md"
DOWNLOADS = "downloads/checklists"
STATUSES = ("done", "partial", "todo", "na")  # what the browser stores; labels: ui.yaml checklist.status.<code>
LEVELS = (0, 1, 2, 3, 4)  # the maturity scale of the self-assessment; meanings: ui.yaml assessment.level.<n>.*
PLAN_FIELDS = ("action", "resources", "owner", "due", "evaluation", "progress")  # a risk response plan's fields
PLAN_BLANK_ROWS = 10
TEXT_LIMIT = 10_000  # the longest text an answer field keeps (characters)
# What an exported answers file says it is. A file exported before this name was generic said "<slug>/answers", the
# slug of the knowledge base whose site wrote it: the browser's import and the roll-up read both (answers_formats).
ANSWERS_FORMAT = "guideline-kb/answers"


def answers_formats(kb: schema.KnowledgeBase) -> tuple[str, str]:
    return ANSWERS_FORMAT, f"{kb.config.slug}/answers"


@dataclass(frozen=True)
class AnswerField:
    """One field a reader fills for every checklist item: the page's input, the workbook's and the CSV file's column,
    and the rule its value follows. The one list (ANSWER_FIELDS) is handed to the browser with the page's data, so
    that the page, the workbooks and the answers files have the same fields in the same order."""

    id: str  # the answers' key; label: ui.yaml checklist.<id>
    kind: Literal["status", "text", "date"]
    width: int  # the workbook column's width
    multiline: bool = False

    def value(self, given: object) -> str | None:
        """The value as stored, or None when `given` is not one this field takes (the browser's `fieldValue`)."""
        if self.kind == "status":
            return given if given in STATUSES else None
        if not isinstance(given, str):
            return None
        if self.kind == "date":
            try:
                return given if len(given) == 10 and dt.date.fromisoformat(given) else None
            except ValueError:
                return None
        return given if len(given) <= TEXT_LIMIT else None


ANSWER_FIELDS = (
    AnswerField("status", "status", 9),
    AnswerField("owner", "text", 8),
    AnswerField("evidence", "text", 9, multiline=True),
    AnswerField("due", "date", 12),
    AnswerField("note", "text", 8, multiline=True),
)
# Column widths: A4 landscape holds them all at 90 % or more (see sheets.SIDE_MARGIN); the item text wraps.
INFO_COLUMNS = (
    ("id", 8), ("text", 33), ("source", 10), ("block", 7), ("actor", 8), ("wording", 7), ("strength", 6),
)  # fmt: skip


ROUTE = "checklists/{id}.md"  # a checklist's page


def selection_item_id(section_id: str) -> str:
    """The id of a selection's checklist item for a control: the control's id in capitals (ac-2 → AC-2)."""
    return re.sub(r"[^A-Z0-9.-]+", "-", section_id.upper())


def selection_label(kb: schema.KnowledgeBase, selection: str) -> schema.Text:
    """A selection's name in every language: its ui string selection.<id> (`check` asks for it), else its id."""
    ui = kb.ui.get(f"selection.{selection}")
    return schema.Text(**{code: getattr(ui, code, "") or selection for code in kb.config.languages})


@dataclass(frozen=True)
class ChecklistContext(PageContext):
    """A checklist's page."""

    checklist: schema.Checklist


def page_path(checklist: schema.Checklist) -> str:
    return ROUTE.format(id=checklist.id)


def download_path(name: str, language: Language, extension: str) -> str:
    """Each language has its own files; the language is in the name, so that saved files do not overwrite each other."""
    return f"{DOWNLOADS}/{name}-{language.code}.{extension}"


@dataclass(frozen=True)
class ItemRow:
    """One item as the downloads and the browser tool show it: plain text in one language."""

    id: str
    text: str
    section: str
    source: str  # the section's number and title
    block: str
    actor: str
    wording: str
    strength: str  # how strongly the source words it ("" where the knowledge base does not say)
    page: str  # docs path of the page that defines it
    anchor: str


class Checklists(Feature):
    name = "checklists"
    unread = (("sections", "*", "blocks"),)  # its downloads name sections by number and title only
    libraries = ("openpyxl",)
    reserved_ids = {
        "checklists": {
            "index": "checklists/index.md is the overview of all checklists",
            "all": "the checklist script uses 'all' for every checklist at once",
            "assessment": "the checklist script uses 'assessment' for the self-assessment",
            "checklists": "its downloads would overwrite the workbook of all checklists (checklists-<language>.xlsx)",
            "risk-response-plan": "its workbook would overwrite the risk response plan template",
            "rollup": "checklists/rollup.md is the roll-up of many units' answers",
            "map": "checklists/map.md is the one-screen view",
        }
    }
    reference_kinds = (
        ReferenceKind("item", "cl", "items", ("checklists", "*", "items"), "checklists/{holder}.md", "item-{lower}",
                      "", found_by_id=True, annotated=True),  # on the page of the checklist that holds it
        ReferenceKind("checklist", "list", "checklists", ("checklists",), ROUTE, "", "title",
                      found_by_id=True),
    )  # fmt: skip
    search_kinds = (SearchKind("checklist", 0.2, templates=("checklist.md.j2",)),)

    def __init__(self) -> None:
        self.site_url = ""
        self.overlay: Applied | None = None

    @classmethod
    def derived(cls, validated: Validated) -> schema.KnowledgeBase:
        """A checklist for each selection of kb.yaml (a baseline, a profile, a tier) that the data gives none of its
        id: an item per control the selection includes, worded as the control's title, its id the control's in
        capitals (ac-2 → AC-2); an item another checklist already has is included by id. Written by hand, a
        checklist of the selection's id takes its place (`import` writes them so, with the profile's remarks)."""
        kb, reserved = validated.kb, cls.reserved_ids["checklists"]
        problems = [
            validated.locator.problem(("config", "selections", number), f"the selection {selection!r} can have no "
                                      f"checklist: {reserved[selection]}", f"choose another id, e.g. '{selection}-2'")
            for number, selection in enumerate(kb.config.selections) if selection in reserved
        ]  # fmt: skip
        if problems:
            raise DataError(problems)
        have = {c.id for c in kb.checklists}
        items = {i.id for c in kb.checklists for i in c.items}
        made = []
        for selection in kb.config.selections:
            controls = [s for s in kb.sections if selection in s.selections and kb.config.is_control(s)]
            if selection in have or not controls:
                continue  # its own checklist, or nothing to check
            rows = [(selection_item_id(s.id), s) for s in controls]
            title = selection_label(kb, selection)
            made.append(schema.Checklist(
                id=selection, title=title, description=title, kind="focus",
                items=[schema.ChecklistItem(id=i, text=s.title, section=s.id, block="statement", wording="guideline")
                       for i, s in rows if i not in items],
                include=[i for i, _ in rows if i in items],
            ))  # fmt: skip
            items |= {i for i, _ in rows}
        return kb.model_copy(update={"checklists": [*kb.checklists, *made]}) if made else kb

    @classmethod
    def relations(cls, kb: schema.KnowledgeBase) -> Iterator[tuple[str, Key, Key]]:
        for checklist in kb.checklists:
            for item in checklist.items:
                yield "derived-from", Key("item", item.id), Key("section", item.section)
                yield "includes", Key("checklist", checklist.id), Key("item", item.id)
            for item_id in checklist.include:
                yield "includes", Key("checklist", checklist.id), Key("item", item_id)

    def has_data(self, linked: Linked) -> bool:
        return bool(linked.kb.checklists)

    def configure(self, settings: BuildSettings) -> None:
        self.site_url, self.overlay = settings.site_root, settings.overlay

    def pages(self, linked: Linked) -> list[Page]:
        # Each checklist is found by its items' ids and texts (its kind ranks it after the guideline's own sections).
        checklists = [
            Page(page_path(c), "checklist.md.j2", c.title, ChecklistContext(c), nav="tools")
            for c in linked.kb.checklists
        ]
        return [
            Page(INDEX, "checklists.md.j2", "nav.checklists", nav="tools", task="search.task.checklists"),
            *checklists,
            Page(ROLLUP, "rollup.md.j2", "nav.rollup", nav="tools", task="search.task.rollup"),
            Page(MAP, "map.md.j2", "nav.map", nav="tools", task="search.task.map"),
            Page(ASSESSMENT, "assessment.md.j2", "nav.assessment", nav="end", task="search.task.assessment"),
        ]

    def files(self, linked: Linked, language: Language) -> dict[str, bytes]:
        book = Book(linked, language, self.site_url, self.overlay)
        files, tables = {}, [book.table(c) for c in linked.kb.checklists]
        for checklist, table in zip(linked.kb.checklists, tables, strict=True):
            files[download_path(checklist.id, language, "xlsx")] = workbook(book.cover(table.title), [table])
            files[download_path(checklist.id, language, "csv")] = book.csv([checklist])
        files[download_path("checklists", language, "xlsx")] = workbook(
            book.cover(language.t("nav.checklists")), [*tables, *book.plan_tables()]
        )
        files[download_path("checklists", language, "csv")] = book.csv(linked.kb.checklists)
        files[download_path("risk-response-plan", language, "xlsx")] = book.plan_template()
        from .. import rollup  # it reads answers with this module's fields: imported once both exist

        # The roll-up page's workbook with no unit yet (not a download): the browser fills it with the units' rows.
        # Dated by the newest changelog entry, so that the same data gives the same file whatever day it is built.
        files[rollup_template(language)] = rollup.report(linked, [], language, linked.kb.changelog[0].date)
        return files

    def about(self, linked: Linked, language: Language) -> dict[str, About]:
        def about(name: str, extension: str, title: str, kind: str) -> tuple[str, About]:
            return download_path(name, language, extension), About(title, language.t(f"downloads.about.{kind}"))

        every = language.t("nav.checklists")
        return dict(
            [
                *(about(c.id, extension, language.text(c.title), f"checklist_{extension}")
                  for c in linked.kb.checklists for extension in ("xlsx", "csv")),
                about("checklists", "xlsx", every, "checklists_xlsx"),
                about("checklists", "csv", every, "checklists_csv"),
                about("risk-response-plan", "xlsx", language.t("assessment.plan_title"), "plan_xlsx"),
            ]
        )  # fmt: skip

    def context(self, linked: Linked, language: Language, files: dict[str, bytes]) -> dict:
        rows = ItemRows(linked, language)
        return {
            "checklist_items": lambda checklist: items_of(linked, checklist),
            "checklist_groups": lambda checklist: groups_of(linked, checklist),
            "checklist_download": lambda name, extension: download_path(name, language, extension),
            "checklist_data": lambda checklists, areas=(): page_data(linked, language, rows, checklists, areas),
            "checklist_asset": asset_path,
            "checklist_workbook": lambda page, name: file_url(page, download_path(name, language, "xlsx")),
            "checklist_text_limit": TEXT_LIMIT,
            "answers_formats": answers_formats(linked.kb),
            "control_map": lambda: control_map(linked),
            "rollup_data": lambda: rollup_data(linked, language),
            "rollup_workbook": lambda page: file_url(page, rollup_template(language)),
            "checklist_statuses": STATUSES,
            "checklist_fields": ANSWER_FIELDS,
            "assessment_areas": assessment_areas(linked),
            "maturity_levels": LEVELS,
            "plan_fields": PLAN_FIELDS,
        }

    def home_cards(self) -> list[HomeCard]:
        return [
            HomeCard(INDEX, "nav.checklists", "home.card_checklists"),
            HomeCard(ASSESSMENT, "nav.assessment", "home.card_assessment"),
        ]


def control_map(linked: Linked) -> list[tuple[str, list[tuple[schema.Section, list[str]]]]]:
    """Every control under its category (kb.yaml's order; those without one last), with the ids of the checklist
    items drawn from it: what the one-screen view shows."""
    items: dict[str, list[str]] = {}
    for item in linked.index.items.values():
        items.setdefault(item.section, []).append(item.id)
    controls = [s for s in linked.kb.sections if linked.kb.config.is_control(s)]
    groups = [*linked.kb.config.control_categories, None]
    grouped = [(g, [(s, items.get(s.id, [])) for s in controls if s.category == g]) for g in groups]
    return [(g or "", members) for g, members in grouped if members]


def rollup_template(language: Language) -> str:
    return f"assets/rollup-{language.code}.xlsx"


def rollup_data(linked: Linked, language: Language) -> Markup:
    """What the roll-up page needs to fill its workbook in the browser, as JSON for a <script> element."""
    from .. import rollup

    return json_markup(rollup.rollup_layout(linked, language))


def assessment_areas(linked: Linked) -> list[schema.Checklist]:
    return [c for c in linked.kb.checklists if c.self_assessment]


def items_of(linked: Linked, checklist: schema.Checklist) -> list[schema.ChecklistItem]:
    return [*checklist.items, *(linked.index.items[i] for i in checklist.include)]


def groups_of(linked: Linked, checklist: schema.Checklist) -> list[tuple[schema.Section, list[schema.ChecklistItem]]]:
    """The items under their source sections, sections in the order they first appear."""
    groups: dict[str, list[schema.ChecklistItem]] = {}
    for item in items_of(linked, checklist):
        groups.setdefault(item.section, []).append(item)
    return [(linked.index.sections[section], items) for section, items in groups.items()]


def asset_path(page_path: str, name: str) -> str:
    """A file of docs/assets/, relative to a page's URL (MkDocs does not rewrite the URLs of raw <script> tags)."""
    return file_url(page_path, f"assets/{name}")


def file_url(page_path: str, path: str) -> str:
    """A file of the site, relative to a page's URL, for raw HTML attributes (which MkDocs does not rewrite)."""
    depth = len([part for part in url_of(page_path).split("/") if part])
    return "../" * depth + path


class ItemRows:
    """Items as plain text in one language: `@` references become their labels, **bold** marks are dropped."""

    def __init__(self, linked: Linked, language: Language) -> None:
        self.linked, self.language = linked, language
        self._actors = {a.id: a for a in linked.kb.actors}

    def plain(self, text: schema.Text) -> str:
        """One language's text as plain text: references become their labels, bold is plain."""
        pieces = segments(self.language.text(text), self.linked.vocabulary)
        return "".join(label_of(self.linked, self.language, s.key) if s.key else s.text for s in pieces)

    def row(self, item: schema.ChecklistItem) -> ItemRow:
        # made again wherever it is used: a page that shows an item reads its section's title (reads.py)
        t, section = self.language.t, self.linked.index.sections[item.section]
        page, anchor = target_of(self.linked, Key("item", item.id))
        return ItemRow(
            id=item.id,
            text=self.plain(item.text),
            section=item.section,
            source=self.language.section_title(section),
            block=t(f"checklist.block.{item.block}"),
            actor=self.language.text(self._actors[item.actor].name) if item.actor else "",
            wording=t(f"checklist.wording.{item.wording}"),
            strength=t(f"checklist.strength.{item.strength}") if item.strength else "",
            page=page,
            anchor=anchor,
        )


def page_data(linked: Linked, language: Language, rows: ItemRows, checklists, areas=()) -> Markup:
    """What checklist.js needs on a page, as JSON for a <script type="application/json"> element."""
    t = language.t
    listed = {item.id: item for c in [*checklists, *areas] for item in items_of(linked, c)}
    data = {
        "language": language.code,
        "statuses": {code: t(f"checklist.status.{code}") for code in STATUSES},
        "strings": {
            key.removeprefix("checklist.js."): t(key) for key in linked.kb.ui if key.startswith("checklist.js.")
        },
        "checklists": [
            {
                "id": c.id,
                "title": language.text(c.title),
                "items": [i.id for i in items_of(linked, c)],
                "sheet": sheet_name(c.id),
            }
            for c in [*checklists, *areas]
        ],
        "items": {item_id: _item_json(rows.row(item)) for item_id, item in listed.items()},
        "areas": [c.id for c in areas],
        "fields": [{"id": f.id, "kind": f.kind, "label": t(f"checklist.{f.id}")} for f in ANSWER_FIELDS],
        "columns": {key: t(f"checklist.{key}") for key in ("checklist", *(key for key, _ in INFO_COLUMNS))},
        "text_limit": TEXT_LIMIT,
        "workbook": workbook_layout(linked, language),
        "levels": {str(n): t(f"assessment.level.{n}.name") for n in LEVELS},
        "plan": {field: t(f"assessment.plan.{field}") for field in PLAN_FIELDS},
    }
    return json_markup(data)


def json_markup(data: dict) -> Markup:
    """`data` as JSON for a <script type="application/json"> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Inside <script> only "</" could end the element early; escaping <, > and & keeps the JSON intact anyway.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


PLAN_HEADERS = {"current": "assessment.current", "target": "assessment.target"}  # else assessment.plan.<field>


def answer_headers(linked: Linked) -> dict[str, str]:
    """The header of each answer field's column, in every language of the knowledge base → the field."""
    return {e.t(f"checklist.{f.id}"): f.id for e in Language.all(linked.kb) for f in ANSWER_FIELDS}


def workbook_layout(linked: Linked, language: Language) -> dict:
    """Where the browser writes a reader's answers into the build's own workbook (the blank form) and reads them back
    from one filled in a spreadsheet: the cells of the answer fields and of the plan, the cover's first fact, the
    text metrics its row heights follow, and what each language's workbook names (statuses, areas, sheets)."""
    letter = lambda index: get_column_letter(index + 1)  # noqa: E731
    plan = ("current", "target", *PLAN_FIELDS)
    every = Language.all(linked.kb)
    return {
        "status_labels": {e.t(f"checklist.status.{code}"): code for e in every for code in STATUSES},
        "plan_sheets": sorted({sheet_name(e.t("assessment.xlsx.plan_sheet")) for e in every}),
        "area_titles": {e.text(c.title): c.id for e in every for c in assessment_areas(linked)},
        "guideline_labels": sorted({e.t("checklist.xlsx.guideline") for e in every}),
        "first_row": FIRST_ROW,
        "facts_cell": f"B{FACTS_ROW}",
        "unit_cell": f"B{FACTS_ROW + 1}",
        "unit_labels": sorted({e.t("checklist.unit") for e in every}),
        "columns": {f.id: letter(index) for index, f in enumerate(ANSWER_FIELDS, start=len(INFO_COLUMNS))},
        "widths": {f.id: f.width for f in ANSWER_FIELDS},
        "plan_sheet": sheet_name(language.t("assessment.xlsx.plan_sheet")),
        "plan_columns": {field: letter(index) for index, field in enumerate(plan, start=1)},
        "header_row": HEADER_ROW,
        # A workbook is read by its headers, in any of the knowledge base's languages, where it has them: one of an
        # earlier edition, whose columns stood elsewhere, keeps each answer in its field
        "headers": answer_headers(linked),
        "plan_headers": {e.t(PLAN_HEADERS.get(f, f"assessment.plan.{f}")): f for e in every for f in plan},
        "metrics": {
            "narrow": NARROW,
            "wide": WIDE,
            "padding": CELL_PADDING,
            "line_height": LINE_HEIGHT,
            "row_padding": ROW_PADDING,
            "size": BODY_SIZE,
            "max_height": MAX_ROW_HEIGHT,
        },
    }


def _item_json(row: ItemRow) -> dict:
    return {"text": row.text, "source": row.source, "block": row.block, "actor": row.actor, "wording": row.wording,
            "strength": row.strength}  # fmt: skip


class Book:
    """The downloads of one language: the same columns in the xlsx sheets and the CSV files."""

    def __init__(self, linked: Linked, language: Language, site_url: str, overlay: Applied | None = None) -> None:
        self.linked, self.language, self.site_url, self.overlay = linked, language, site_url, overlay
        self.rows = ItemRows(linked, language)
        self.statuses = tuple(language.t(f"checklist.status.{code}") for code in STATUSES)

    def url(self, path: str, anchor: str = "") -> str | None:
        if not self.site_url:
            return None
        prefix = "" if self.language.is_default else f"{self.language.code}/"
        return f"{self.site_url}{prefix}{url_of(path)}" + (f"#{anchor}" if anchor else "")

    def header(self) -> list[str]:
        t = self.language.t
        keys = [key for key, _ in INFO_COLUMNS] + [f.id for f in ANSWER_FIELDS]
        # An organisation's internal rules get a column of their own, after the reader's: never mixed with ours.
        return [t(f"checklist.{key}") for key in keys] + ([t("own.references")] if self.overlay else [])

    def own(self, item_id: str) -> tuple[str | None, str | None]:
        """The organisation's default owner of an item (the item's, else its section's) and its internal rules."""
        if self.overlay is None:
            return None, None
        item, text = self.linked.index.items[item_id], self.language.text
        keys = (Key("item", item_id), Key("section", item.section))
        owner = self.overlay.item_owner(item)
        rules = [r for key in keys for r in self.overlay.references_of(key)]
        names = [f"{text(r.name)} {r.number}" if r.number else text(r.name) for r in dict.fromkeys(rules)]
        return (text(owner.department) if owner else None), (self.language.t("punct.list").join(names) or None)

    def answers(self, item_id: str) -> dict[str, str | None]:
        """What the blank form holds in the answer fields: the organisation's default owner, for the reader to keep
        or change, and nothing else."""
        return {f.id: self.own(item_id)[0] if f.id == "owner" else None for f in ANSWER_FIELDS}

    def table(self, checklist: schema.Checklist) -> Table:
        t = self.language.t
        # A4 landscape at 90 % or more: the columns add up to what the printable width holds (sheets.SIDE_MARGIN).
        widths = [w for _, w in INFO_COLUMNS] + [f.width for f in ANSWER_FIELDS] + ([10] if self.overlay else [])
        columns = [Column(h, w) for h, w in zip(self.header(), widths, strict=True)]
        for index, answer in enumerate(ANSWER_FIELDS, start=len(INFO_COLUMNS)):
            if answer.kind == "status":
                columns[index] = Column(columns[index].header, answer.width, choices=self.statuses, tallied=True)
            elif answer.kind == "date":
                columns[index] = Column(columns[index].header, answer.width, date=True)
        rows = []
        for item in items_of(self.linked, checklist):
            row = self.rows.row(item)
            answers = self.answers(item.id)
            rows.append(
                (
                    Cell(row.id, self.url(row.page, row.anchor)),
                    Cell(row.text),
                    Cell(row.source, self.url(target_of(self.linked, Key("section", row.section))[0])),
                    Cell(row.block),
                    Cell(row.actor),
                    Cell(row.wording),
                    Cell(row.strength),
                    *(Cell(answers[f.id]) for f in ANSWER_FIELDS),
                    *((Cell(self.own(item.id)[1]),) if self.overlay else ()),
                )
            )
        return Table(
            sheet=checklist.id,
            title=self.language.text(checklist.title),
            note=t("checklist.xlsx.note"),
            columns=tuple(columns),
            rows=rows,
        )

    def cover(self, title: str) -> Cover:
        t = self.language.t
        return Cover(
            sheet=t("checklist.xlsx.cover"),
            title=title,
            facts=self.facts(),
            instructions=[t(f"checklist.xlsx.howto.{n}") for n in (1, 2, 3, 4)],
            tally_title=t("checklist.xlsx.tally"),
            tally_headers=(t("checklist.checklist"), t("checklist.items"), *self.statuses),
            notes=[t("checklist.xlsx.editorial")],
        )

    def facts(self) -> list[tuple[str, str | Cell]]:
        """What the file is: the two facts the browser fills in (FACTS_ROW: when the answers were exported; the row
        below: the unit they are of, read back by a roll-up), the guideline's edition, the site (linked, when the build
        knows its address; a reader is never told how the site is built), and the edition of the knowledge base it
        was made from (the newest changelog entry: the same data gives the same file whatever day it is built)."""
        t, kb = self.language.t, self.linked.kb
        guideline = f"{self.language.text(kb.document.title)} — {self.language.text(kb.document.edition)}"
        newest = kb.changelog[0]
        facts = [
            (t("checklist.xlsx.answers"), t("checklist.xlsx.blank")),
            (t("checklist.unit"), ""),
            (t("checklist.xlsx.guideline"), guideline),
        ]
        if self.site_url:
            facts.append((t("checklist.xlsx.site"), Cell(self.url(INDEX), self.url(INDEX))))
        return facts + [
            (
                t("checklist.xlsx.edition"),
                f"{newest.version}{t('punct.open')}{self.language.date(newest.date)}{t('punct.close')}",
            ),
            (t("checklist.xlsx.generator"), __version__),
        ]

    def csv(self, checklists: list[schema.Checklist]) -> bytes:
        header = [self.language.t("checklist.checklist"), *self.header()]
        rows = []
        for checklist in checklists:
            for item in items_of(self.linked, checklist):
                row = self.rows.row(item)
                answers = [value or "" for value in self.answers(item.id).values()]
                own = [self.own(item.id)[1] or ""] if self.overlay else []
                info = [row.id, row.text, row.source, row.block, row.actor, row.wording, row.strength]
                rows.append([checklist.id, *info, *answers, *own])
        return csv_bytes(header, rows)

    def plan_template(self) -> bytes:
        """The risk response plan to fill in Excel: one row per area, drop-downs for areas and levels."""
        t = self.language.t
        cover = Cover(
            sheet=t("checklist.xlsx.cover"),
            title=t("assessment.xlsx.title"),
            facts=self.facts(),
            instructions=[t(f"assessment.xlsx.howto.{n}") for n in (1, 2, 3)],
            notes=[t("assessment.scale_editorial")],
        )
        return workbook(cover, self.plan_tables())

    def plan_tables(self) -> list[Table]:
        """The self-assessment's sheets: the plan (one row per area, then blank rows), the scale and the areas."""
        t, areas = self.language.t, assessment_areas(self.linked)
        if not areas:
            return []
        levels = Table(
            sheet=t("assessment.xlsx.levels_sheet"),
            title=t("assessment.scale_title"),
            note=t("assessment.scale_editorial"),
            columns=(
                Column(t("assessment.level"), 10),
                Column(t("assessment.level_name"), 20),
                Column(t("assessment.level_meaning"), 90),
            ),
            rows=[
                (Cell(n), Cell(t(f"assessment.level.{n}.name")), Cell(t(f"assessment.level.{n}.desc"))) for n in LEVELS
            ],
        )
        area_table = Table(
            sheet=t("assessment.xlsx.areas_sheet"),
            title=t("assessment.areas_title"),
            note=t("assessment.xlsx.areas_note"),
            columns=(Column(t("checklist.id"), 18), Column(t("assessment.area"), 50)),
            rows=[(Cell(c.id, self.url(page_path(c))), Cell(self.language.text(c.title))) for c in areas],
        )
        level_choices = tuple(str(n) for n in LEVELS)
        plan = Table(
            sheet=t("assessment.xlsx.plan_sheet"),
            title=t("assessment.plan_title"),
            note=t("assessment.xlsx.plan_note"),
            columns=(
                Column(t("assessment.area"), 20, choices_from=area_table.column_range(1)),
                Column(t("assessment.current"), 8, choices=level_choices),
                Column(t("assessment.target"), 8, choices=level_choices),
                Column(t("assessment.plan.action"), 26),
                Column(t("assessment.plan.resources"), 14),
                Column(t("assessment.plan.owner"), 11),
                Column(t("assessment.plan.due"), 12, date=True),
                Column(t("assessment.plan.evaluation"), 17),
                Column(t("assessment.plan.progress"), 10),
            ),
            rows=[(Cell(self.language.text(c.title)), *(Cell(None) for _ in range(8))) for c in areas],
            blank_rows=PLAN_BLANK_ROWS,
        )
        return [plan, levels, area_table]
