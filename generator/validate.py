"""Stage 2, validate: check the loaded data against the schema and the rules that span files."""

from __future__ import annotations

import contextlib
import re
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from . import schema
from .errors import DataError, Problem, key_path
from .i18n import language_name, language_problems
from .load import COLLECTIONS, RawData, SourceFile
from .walk import texts

string_formatter = string.Formatter()

ITEM_MODELS: dict[str, type[BaseModel]] = {
    "sections": schema.Section,
    "glossary": schema.GlossaryTerm,
    "references": schema.Reference,
    "errata": schema.Erratum,
    "actors": schema.Actor,
    "csf": schema.CsfFunction,
    "checklists": schema.Checklist,
    "templates": schema.Template,
    "changelog": schema.ChangelogEntry,
    "words": schema.WordGroup,
}
SINGLE_MODELS: dict[str, type[BaseModel]] = {"config": schema.KbConfig, "document": schema.Document}


@dataclass(frozen=True)
class Origin:
    file: SourceFile
    path: tuple  # where the object starts inside its file


class Locator:
    """Maps a path inside the KnowledgeBase (('sections', 12, 'blocks', 0)) back to a file and a line."""

    def __init__(self) -> None:
        self._origins: dict[tuple, Origin] = {}

    def add(self, kb_path: tuple, origin: Origin) -> None:
        self._origins[kb_path] = origin

    def problem(self, kb_path: tuple, message: str, fix: str = "") -> Problem:
        for end in range(len(kb_path), 0, -1):
            origin = self._origins.get(kb_path[:end])
            if origin:
                inner = origin.path + kb_path[end:]
                return Problem(origin.file.path, origin.file.line_of(inner), message, fix, key_path(inner))
        return Problem("guideline_data", None, message, fix, key_path(kb_path))


@dataclass(frozen=True)
class Validated:
    kb: schema.KnowledgeBase
    locator: Locator


def validate(raw: RawData) -> Validated:
    problems: list[Problem] = []
    locator = Locator()
    collected: dict[str, Any] = {}
    for collection in COLLECTIONS:
        files = raw.files[collection.name]
        if collection.name == "ui":
            collected["ui"] = _validate_ui(files, locator, problems)
        elif collection.name in SINGLE_MODELS:
            model = SINGLE_MODELS[collection.name]
            collected[collection.name] = (
                _validate_one(files[0], (), model, (collection.name,), locator, problems) if files else None
            )
        else:
            collected[collection.name] = _validate_items(collection.name, collection.shape, files, locator, problems)
    if problems:
        raise DataError(problems)
    defaults = _generator_strings(raw)
    problems.extend(_translations(collected, locator, defaults))
    if problems:
        raise DataError(problems)
    kb = schema.KnowledgeBase(**collected)
    problems.extend(cross_checks(kb, locator))
    problems.extend(language_problems(kb, locator))
    problems.extend(_ui_placeholders(kb, locator, _default_placeholders(defaults)))
    if problems:
        raise DataError(problems)
    return Validated(kb=kb, locator=locator)


# The items of each file as last validated without a problem, by the file's name: a file loaded again unchanged is the
# same SourceFile (load.py), and its items (frozen models) are the same too. The rules that span files run every time.
_VALIDATED: dict[str, tuple[SourceFile, list[tuple[tuple, Any]]]] = {}


def _validate_items(name, shape, files, locator, problems) -> list:
    model = ITEM_MODELS[name]
    items = []
    for source in files:
        last = _VALIDATED.get(source.path)
        if last is not None and last[0] is source:
            for inner, item in last[1]:
                locator.add((name, len(items)), Origin(source, inner))
                items.append(item)
            continue
        entries = [((), source.data)] if shape == "item-per-file" else [((i,), v) for i, v in enumerate(source.data)]
        validated = []
        for inner, value in entries:
            kb_path = (name, len(items))
            item = _validate_one(source, inner, model, kb_path, locator, problems, value)
            items.append(item)
            validated.append((inner, item))
        if all(item is not None for _, item in validated):
            _VALIDATED[source.path] = (source, validated)
    return [item for item in items if item is not None]


def _validate_one(source, inner, model, kb_path, locator, problems, value=None):
    locator.add(kb_path, Origin(source, inner))
    data = source.data if value is None else value
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            path = inner + tuple(detail["loc"])
            problems.append(Problem(source.path, source.line_of(path), _message(detail), _fix(detail), key_path(path)))
        return None


def _validate_ui(files, locator, problems) -> dict:
    strings = {}
    for source in files:
        locator.add(("ui",), Origin(source, ()))
        for key, value in source.data.items():
            locator.add(("ui", key), Origin(source, (key,)))  # a key's last definition: the one in force
            if not isinstance(key, str):  # `1:` or `yes:` reads as a number or true
                problems.append(Problem(source.path, source.line_of((key,)), f"the key {key!r} is not text",
                                        f"quote it: '\"{key}\":'"))  # fmt: skip
                continue
            try:
                strings[key] = schema.UiString.model_validate(value)
            except ValidationError as error:
                for detail in error.errors():
                    path = (key, *detail["loc"])
                    problems.append(
                        Problem(source.path, source.line_of(path), _message(detail), _fix(detail), key_path(path))
                    )
    return strings


def _translations(collected: dict[str, Any], locator: Locator, defaults: dict[str, dict]) -> list[Problem]:
    """Every text and interface string in exactly the languages kb.yaml names: no missing, no unknown language."""
    languages = collected["config"].languages
    ui = collected.get("ui", {})
    problems = []
    # A language the generator's own strings (`defaults`) are not written in, nor all of them in the knowledge
    # base's ui.yaml, is said once, not once for each of the hundreds of strings: they are written in the
    # knowledge base's ui.yaml, never in the generator's. A string of the knowledge base's own (an imported
    # selection's name) does not make a language written.
    own = [key for key in defaults if key in ui]
    spoken = spoken_languages(defaults)
    problems.extend(_fill_from_fallback(collected["config"].interface_fallback, ui, own, spoken, locator))
    unwritten = []
    for position, code in enumerate(languages):
        missing = sorted(key for key in own if code not in ui[key].languages())
        if not missing or code in spoken:  # a knowledge base's string without it is said at its line
            continue
        unwritten.append(code)
        name = language_name(code)
        said = (f"no interface string is written in {name}" if len(missing) == len(own) else
                f"{len(missing)} of the generator's {len(own)} interface strings are not written in {name}: "
                f"{', '.join(missing[:3])}{' …' if len(missing) > 3 else ''}")  # fmt: skip
        problems.append(locator.problem(("config", "languages", position), said,
                                        f"write them in the knowledge base's ui.yaml as '{code}:' beside each of "
                                        f"the generator's (its defaults are in {', '.join(spoken)}), or show "
                                        f"them in one of those until then: interface_fallback: {{{code}: "
                                        f"{spoken[0]}}} in kb.yaml"))  # fmt: skip

    def check(path: tuple, text: schema.Text | schema.UiString) -> None:
        present = text.languages()
        for code in languages:
            if code not in present and not (path[0] == "ui" and code in unwritten):
                name = language_name(code)
                beside = f" beside '{present[0]}:'" if present else ""
                fix = f"add the {name} text as '{code}:'{beside}"
                problems.append(locator.problem(path + (code,), "a required key is missing", fix))
        for code in present if path[0] != "ui" else ():  # the default strings come in more languages than used
            if code not in languages:
                problems.append(
                    locator.problem(
                        path + (code,),
                        f"unknown language {code!r}",
                        f"this knowledge base's languages are {', '.join(languages)} (kb.yaml 'languages'): "
                        "remove it or add the language there",
                    )
                )

    for name, value in collected.items():
        if name == "ui":
            for key, string in value.items():
                check(("ui", key), string)
        elif name != "config":
            models = value if isinstance(value, list) else [value]
            for index, model in enumerate(models):
                base = (name, index) if isinstance(value, list) else (name,)
                for path, text in texts(model, base):
                    check(path, text)
    return problems


def _message(detail: dict) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "a required key is missing"
    if kind == "extra_forbidden":
        return f"unknown key {detail['loc'][-1]!r}"
    if kind in ("value_error", "assertion_error"):
        return detail["msg"].removeprefix("Value error, ")
    return f"{detail['msg']} (got {detail.get('input')!r})"


def _fix(detail: dict) -> str:
    kind, last = detail["type"], detail["loc"][-1] if detail["loc"] else ""
    if kind == "missing":
        return f"add '{last}:' (see guideline_data/README.md)"
    if kind == "extra_forbidden":
        return f"remove '{last}' or correct its spelling; the keys allowed here are in generator/schema.py"
    if kind == "string_too_short":
        return "write the text: it may not be empty"
    if kind == "string_pattern_mismatch":
        return f"use a value of the form {detail['ctx']['pattern']}"
    if kind == "literal_error":
        return f"use one of {detail['ctx']['expected']}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return 'give a value of the expected type (quote numbers that are IDs, e.g. id: "1.2")'
    return "correct the value (see guideline_data/README.md)"


# ---------------------------------------------------------------- rules that span files


def section_order_key(section_id: str) -> tuple:
    """Table-of-contents order: unnumbered front matter ("intro"), numbered chapters, then lettered kinds ("appendix-1",
    "appendix-a.2"), each kind in natural order of its numbers and letters."""
    if section_id.isalpha():
        return (0,)
    if section_id[0].isdigit():
        return (1, *(int(n) for n in section_id.split(".")))
    kind, number = section_id.split("-", 1)
    return (2, kind, *((0, int(n), "") if n.isdigit() else (1, 0, n) for n in number.split(".")))


def part_ids(section: schema.Section) -> Iterator[tuple[tuple, str]]:
    """The ids a section's blocks and statement items carry (references point at them), with their paths."""

    def items(path: tuple, values: list[schema.ListItem]) -> Iterator[tuple[tuple, str]]:
        for position, item in enumerate(values):
            if item.id:
                yield path + (position, "id"), item.id
            yield from items(path + (position, "items"), item.items)

    for b, block in enumerate(section.blocks):
        if block.id:
            yield ("blocks", b, "id"), block.id
        yield from items(("blocks", b, "items"), block.items)


def fold(text: str) -> str:
    """Width- and case-insensitive form, so that ＣＳＩＲＴ and csirt are the same term; invisible format characters
    (zero-width, bidi controls) do not count, so that they cannot make a duplicate look new."""
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", visible).casefold().replace(" ", "")


def cross_checks(kb: schema.KnowledgeBase, locator: Locator) -> list[Problem]:
    problems: list[Problem] = []
    problems += _duplicates(kb, locator)
    problems += _order(kb, locator)
    problems += _known_ids(kb, locator)
    problems += _errata_applied(kb, locator)
    problems += _changelog_order(kb, locator)
    problems += _invisible_characters(kb, locator)
    return problems


def _duplicates(kb, locator) -> list[Problem]:
    problems = []
    groups = {
        "sections": [s.id for s in kb.sections],
        "glossary": [t.id for t in kb.glossary],
        "references": [r.id for r in kb.references],
        "errata": [e.id for e in kb.errata],
        "actors": [a.id for a in kb.actors],
        "checklists": [c.id for c in kb.checklists],
        "templates": [t.id for t in kb.templates],
    }
    for name, ids in groups.items():
        seen: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if item_id in seen:
                first = locator.problem((name, seen[item_id]), "")
                problems.append(
                    locator.problem(
                        (name, index, "id"),
                        f"duplicate id {item_id!r} (first defined at {first.file}:{first.line})",
                        "give each entry its own id",
                    )
                )
            seen.setdefault(item_id, index)
    owners: dict[str, str] = {s.id: "a section" for s in kb.sections}
    for s_index, section in enumerate(kb.sections):
        named = [(path, part_id, "part") for path, part_id in part_ids(section)]
        named += [(("params", p, "id"), param.id, "parameter") for p, param in enumerate(section.params)]
        for path, part_id, what in named:
            if part_id in owners:
                problems.append(
                    locator.problem(
                        ("sections", s_index, *path),
                        f"the {what} id {part_id!r} is already the id of {owners[part_id]}",
                        "ids of sections, parts and parameters are one name space: give it its own id",
                    )
                )
            owners.setdefault(part_id, f"a {what} of {section.id}")
    seen_items: dict[str, tuple] = {}
    for c_index, checklist in enumerate(kb.checklists):
        for i_index, item in enumerate(checklist.items):
            if item.id in seen_items:
                problems.append(
                    locator.problem(
                        ("checklists", c_index, "items", i_index, "id"),
                        f"duplicate checklist item id {item.id!r}",
                        "item ids are stable and unique across all checklists",
                    )
                )
            seen_items[item.id] = (c_index, i_index)
    forms: dict[str, int] = {}
    for index, term in enumerate(kb.glossary):
        for form in {*(fold(t) for t in term.term.strings()), *(fold(a) for a in [term.abbr] if a)}:
            other = forms.get(form)
            if other is not None and other != index:
                problems.append(
                    locator.problem(
                        ("glossary", index, "term"),
                        f"the term {term.term.strings()[0]!r} duplicates glossary entry {kb.glossary[other].id!r} "
                        "(ignoring case and full/half width)",
                        "merge the two entries",
                    )
                )
            forms.setdefault(form, index)
    return problems


# A section's field whose values kb.yaml lists: (field, what it is called, kb.yaml's list).
LISTED_IN_KB_YAML = (
    ("category", "control category", "control_categories"),
    ("status", "change status", "change_statuses"),
    ("control_status", "control status", "control_statuses"),
    ("selections", "selection", "selections"),
)


def _order(kb, locator) -> list[Problem]:
    problems = []
    config = kb.config
    seen: set[str] = set()
    stems: dict[str, str] = {}
    previous = None
    for index, section in enumerate(kb.sections):
        problems += _place(kb, locator, index, section, previous, seen, stems)
        is_control = config.is_control(section)
        if is_control and section.category is None and config.control_categories:
            problems.append(
                locator.problem(("sections", index), f"control {section.id} has no category", "add 'category:'")
            )
        if not is_control and section.category is not None:
            where = f"the sections of chapter {config.structure.controls}" if not config.native else "kind: control"
            problems.append(
                locator.problem(
                    ("sections", index, "category"),
                    f"only controls ({where}) have a category",
                    "remove 'category:' (kb.yaml names the controls chapter in structure.controls)",
                )
            )
        # The section's own fields, and a topic heading's own mark inside it.
        marked = [((), section), *((("blocks", b), block) for b, block in enumerate(section.blocks))]
        for field, what, listed in LISTED_IN_KB_YAML:
            allowed = getattr(config, listed)
            for inner, owner in marked:
                value = getattr(owner, field, None)
                values = value if isinstance(value, list) else [] if value is None else [value]
                for position, one in enumerate(values):
                    at = (field, position) if isinstance(value, list) else (field,)
                    if one not in allowed:
                        problems.append(
                            locator.problem(
                                ("sections", index, *inner, *at),
                                f"unknown {what} {one!r}",
                                _did_you_mean(one, set(allowed), what) + f" (kb.yaml lists them in {listed})",
                            )
                        )
        for target_index, target in enumerate(section.implements):
            if target == section.id:
                problems.append(
                    locator.problem(
                        ("sections", index, "implements", target_index),
                        f"section {section.id} implements itself: a circular relation",
                        "name the section that calls for this control",
                    )
                )
        previous = section.id
    return problems


def _place(kb, locator, index, section, previous, seen, stems) -> list[Problem]:
    """A section's id, parent and place: numbered ids in table-of-contents order under their parent number; native
    ids after their `parent`, each with a page of its own."""
    config, where = kb.config, ("sections", index, "id")
    problems = []
    if not config.native and not schema.NUMBERED_ID.match(section.id):
        problems.append(locator.problem(where, f"section id {section.id!r} is not a section number",
                                        "use a number (1.2.3), a word (intro) or a lettered kind (appendix-a), or set "
                                        "'section_ids: native' in kb.yaml for a catalog's own ids"))  # fmt: skip
        return problems
    if not config.native and previous is not None:
        key = section_order_key(section.id)
        if key <= section_order_key(previous) and key != (0,):
            problems.append(locator.problem(where, f"section {section.id} comes after {previous}: out of "
                                            "table-of-contents order", "move it to its place in the table of "
                                            "contents"))  # fmt: skip
    parent = config.parent_of(section)
    if parent and parent not in seen:
        known = parent in {s.id for s in kb.sections}
        problems.append(
            locator.problem(
                ("sections", index, "parent" if section.parent else "id"),
                f"section {section.id} has no parent section {parent}" + (" before it" if known else ""),
                f"move {section.id} after {parent}" if known else f"add {parent}",
            )
        )
    stem = section.id.replace(".", "-")
    if stem in stems:
        problems.append(locator.problem(where, f"sections {stems[stem]} and {section.id} would have the same page "
                                        f"({stem})", "give one of them another id"))  # fmt: skip
    stems[stem] = section.id
    seen.add(section.id)
    return problems


def _known_ids(kb, locator) -> list[Problem]:
    sections = {s.id for s in kb.sections}
    actors = {a.id for a in kb.actors if a.kind == "actor"}
    stakeholders = {a.id for a in kb.actors if a.kind == "stakeholder"}
    csf = {c.id for f in kb.csf for c in f.categories}
    known = {
        "section": sections,
        "section or part": sections | {part_id for s in kb.sections for _, part_id in part_ids(s)},
        "reference": {r.id for r in kb.references},
        "actor": actors,
        "stakeholder": stakeholders,
        "CSF category": csf,
        "glossary term": {t.id for t in kb.glossary},
        "checklist item": {i.id for c in kb.checklists for i in c.items},
    }
    problems = []
    for path, kind, value in _id_uses(kb):
        if value not in known[kind]:
            problems.append(locator.problem(path, f"unknown {kind} {value!r}", _did_you_mean(value, known[kind], kind)))
    return problems


def _id_uses(kb) -> Iterator[tuple[tuple, str, str]]:
    structure = kb.config.structure
    if structure.controls is not None:
        yield ("config", "structure", "controls"), "section", structure.controls
    for name in ("policies", "self_assessment"):
        for j, value in enumerate(getattr(structure, name)):
            yield ("config", "structure", name, j), "section", value
    for i, s in enumerate(kb.sections):
        for field, kind in (
            ("references", "reference"),
            ("implements", "section"),
            ("actors", "actor"),
            ("stakeholders", "stakeholder"),
            ("csf", "CSF category"),
        ):
            for j, value in enumerate(getattr(s, field)):
                yield ("sections", i, field, j), kind, value
        for j, link in enumerate(s.links):
            yield ("sections", i, "links", j, "target"), "section or part", link.target
    for i, t in enumerate(kb.glossary):
        for j, value in enumerate(t.related):
            yield ("glossary", i, "related", j), "glossary term", value
        if t.defined_in:
            yield ("glossary", i, "defined_in"), "section", t.defined_in
    for i, e in enumerate(kb.errata):
        if e.section:
            yield ("errata", i, "section"), "section", e.section
    for i, c in enumerate(kb.checklists):
        for j, item in enumerate(c.items):
            yield ("checklists", i, "items", j, "section"), "section", item.section
            if item.actor:
                yield ("checklists", i, "items", j, "actor"), "actor", item.actor
        for j, value in enumerate(c.include):
            yield ("checklists", i, "include", j), "checklist item", value
    for i, t in enumerate(kb.templates):
        for j, value in enumerate(t.implements):
            yield ("templates", i, "implements", j), "section", value
    for j, entry in enumerate(kb.document.crosswalk):
        for k, value in enumerate(entry.new):
            yield ("document", "crosswalk", j, "new", k), "section", value


def _did_you_mean(value: str, known: set[str], kind: str) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(known), n=1)
    return f"did you mean {close[0]!r}?" if close else f"use the id of an existing {kind}"


def _errata_applied(kb, locator) -> list[Problem]:
    """A corrected extraction error must not come back: its wrong form may appear nowhere in the data."""
    problems = []
    watched = [e for e in kb.errata if not e.seed_may_remain]
    # a text is searched for every seed at once first: most have none (each seed looked for in each text of the
    # guideline took 0.08 s of every build)
    seeds = re.compile("|".join(re.escape(erratum.seed) for erratum in watched))
    for path, text in texts(kb) if watched else ():
        if path[0] == "errata" or not any(seeds.search(string) for string in text.strings()):
            continue
        for erratum in watched:
            if any(erratum.seed in string for string in text.strings()):
                problems.append(
                    locator.problem(
                        path + ("ja",),
                        f"the extraction error {erratum.seed!r} ({erratum.id}) is back in the text",
                        f"write {erratum.corrected!r} as errata {erratum.id} says",
                    )
                )
    return problems


def _changelog_order(kb, locator) -> list[Problem]:
    """The knowledge base's version is the first changelog entry's: there must be one, and the newest comes first."""
    if not kb.changelog:
        return [Problem("guideline_data/changelog.yaml", 1, "the changelog is empty", "add version, date, changes")]
    problems = []
    for index in range(1, len(kb.changelog)):
        newer, older = kb.changelog[index - 1], kb.changelog[index]
        if _version_key(older.version) >= _version_key(newer.version) or older.date > newer.date:
            problems.append(
                locator.problem(
                    ("changelog", index, "version"),
                    f"version {older.version} ({older.date}) comes after {newer.version} ({newer.date})",
                    "list the versions newest first, each with a higher number and a date no earlier than the next",
                )
            )
    return problems


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# ---------------------------------------------------------------- names, invisible characters, placeholders

PLACEHOLDER = re.compile(r"^[a-z_][a-z0-9_]*$")


def _invisible_characters(kb, locator) -> list[Problem]:
    """Zero-width and other invisible format characters in a glossary term, abbreviation or alias make a duplicate
    look new and stop the term being found in the text. (Bidi and other control characters are refused everywhere
    by load.)"""
    problems = []

    def check(path: tuple, value: str, what: str) -> None:
        bad = next((c for c in value if unicodedata.category(c) == "Cf"), None)
        if bad is not None:
            name = unicodedata.name(bad, "a format character")
            problems.append(
                locator.problem(
                    path,
                    f"{what} holds the invisible character U+{ord(bad):04X} ({name})",
                    "delete it: retype the text around it if your editor does not show it",
                )
            )

    for index, term in enumerate(kb.glossary):
        for code, value in (term.term.__pydantic_extra__ or {}).items():
            check(("glossary", index, "term", code), value, "the term")
        if term.abbr:
            check(("glossary", index, "abbr"), term.abbr, "the abbreviation")
        for alias_index, alias in enumerate(term.aliases):
            check(("glossary", index, "aliases", alias_index), alias, "the alias")
    return problems


def spoken_languages(defaults: dict[str, dict]) -> list[str]:
    """The languages every one of the generator's interface strings (`defaults`) is written in."""
    return sorted(code for code in {c for value in defaults.values() for c in value}
                  if all(code in value for value in defaults.values()))  # fmt: skip


def _fill_from_fallback(fallback: dict[str, str], ui: dict, own: list[str], spoken: list[str],
                        locator: Locator) -> list[Problem]:  # fmt: skip
    """kb.yaml `interface_fallback`: each of the generator's strings (`own`) the knowledge base's ui.yaml has not
    written in a language is shown in its fallback, which the generator's strings are all written in."""
    problems = []
    for code, shown_in in fallback.items():
        if shown_in not in spoken:
            problems.append(locator.problem(("config", "interface_fallback", code),
                                            "the generator's interface strings are not written in "
                                            f"{language_name(shown_in)}",
                                            f"write one of {', '.join(spoken)}"))  # fmt: skip
            continue
        for key in own:
            texts = ui[key].__pydantic_extra__ or {}
            if code not in texts:
                ui[key] = schema.UiString.model_validate({**texts, code: texts[shown_in]})
    return problems


def _generator_strings(raw: RawData) -> dict[str, dict]:
    """The generator's own interface strings (generator/defaults/ui.yaml), each key → its texts by language, as
    written: before a knowledge base's ui.yaml replaces any."""
    strings: dict[str, dict] = {}
    for source in raw.files.get("ui", []):
        if source.path.startswith("generator/"):
            strings.update((key, value) for key, value in source.data.items() if isinstance(value, dict))
    return strings


def _default_placeholders(defaults: dict[str, dict]) -> dict[str, set[str]]:
    """What the generator's code fills into each of its interface strings: the placeholders its own strings use, in
    any language — a language may leave some out."""
    fields: dict[str, set[str]] = {}
    for key, value in defaults.items():
        for text in value.values():
            with contextlib.suppress(TypeError, ValueError):  # a broken default is reported as any other string
                names = {name for _, name, _, _ in string_formatter.parse(text) if name is not None}
                fields.setdefault(key, set()).update(names)
    return fields


def _ui_placeholders(kb, locator, defaults: dict[str, set[str]]) -> list[Problem]:
    """Each interface string's {placeholders} are simple names that the generator fills in for that string — the
    placeholders of the generator's own string of that key — since one it does not fill would stop the build
    halfway. Each language writes those it needs. A brace is nothing else."""
    problems = []
    for key, ui_string in kb.ui.items():
        filled = defaults.get(key)
        for code in ui_string.languages():
            value = getattr(ui_string, code)
            try:
                parsed = [(name, spec, conversion) for _, name, spec, conversion in string_formatter.parse(value)
                          if name is not None]  # fmt: skip
            except ValueError:
                problems.append(
                    locator.problem(
                        ("ui", key, code),
                        f"the interface string {key!r} has a brace that opens or closes no placeholder: {value!r}",
                        "write a placeholder as {name}; interface strings hold no other braces",
                    )
                )
                continue
            odd = [name for name, spec, conversion in parsed if not PLACEHOLDER.match(name) or spec or conversion]
            if odd:
                problems.append(
                    locator.problem(
                        ("ui", key, code),
                        f"the interface string {key!r} has a placeholder that is not a plain name: {{{odd[0]}...}}",
                        "write a placeholder as {name} (lower-case letters, digits and _), without a format",
                    )
                )
                continue
            unknown = sorted({name for name, _, _ in parsed} - filled) if filled is not None else []
            if unknown:
                known = ", ".join("{" + n + "}" for n in sorted(filled)) or "none"
                problems.append(
                    locator.problem(
                        ("ui", key, code),
                        f"the interface string {key!r} has the placeholder {{{unknown[0]}}} in {code!r}, which the "
                        "generator does not fill in",
                        f"use only {known} (as in generator/defaults/ui.yaml)",
                    )
                )
    return problems
