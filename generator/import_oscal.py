"""`import`: an OSCAL catalog (1.0 or 1.1, JSON or YAML), with any profiles, becomes a knowledge base folder in the
layout `new` makes, to be checked, built and edited as our own data from then on.

The catalog is untrusted input: its size and nesting are limited, compliance-trestle's OSCAL models check its shape
(a catalog that is not one stops with the file and the key path), its text is written as our text format (an at
sign as `@@`, so nothing in it becomes a reference it did not make), and its ids become ids only where they fit our
pattern. What the catalog says is carried as fields of our own: groups (kind group), controls and enhancements at
any depth (kind control, with their `parent`), labels, parts (statement, guidance, assessment objectives, examples,
others by name) with their items' ids and labels, parameters (`{{ insert: param, … }}` becomes `@param:<id>`),
props, links (related, required, incorporated-into, moved-to; links to back-matter resources are `references`),
withdrawn status and back-matter resources with their citations. Each profile becomes a named selection (kb.yaml
`selections`) and a checklist. Whatever is not carried is counted by element and key and reported.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Problem
from .features.checklists import Checklists, selection_item_id
from .features.registry import FEATURES
from .files import read_regular
from .i18n import language_name
from .load import DEFAULT_UI
from .validate import spoken_languages

MAX_CATALOG_BYTES = 64_000_000  # NIST SP 800-53 rev5 is 3 MB
MAX_DEPTH = 60  # its parts nest 8 levels deep
MAX_VALUES = 1_000_000  # NIST SP 800-53 rev5 (3 MB) holds far fewer
MAX_SECTION_FILE = 800_000  # bytes of YAML per sections file (load refuses files over 1 MB)
SECTION_ID = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*$")
PART_ID = re.compile(r"^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$")
INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
MD_ESCAPE = re.compile(r"\\([\\`*_\[\]{}()#+\-.!<>|])")  # Markdown's backslash escapes: the character itself
MD_LINK = re.compile(r"\[([^\]\n]*)\]\(#([^)\s]+)\)")
LIST_LINE = re.compile(r"^( *)([-*+]|\d{1,3}[.)])[ \t]+(\S.*)$")  # a Markdown list's item: its indent, marker, text
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
ROLES = {"statement": "statement", "guidance": "guidance", "assessment-objective": "objective",
         "objective": "objective", "example": "examples", "examples": "examples"}  # fmt: skip
SECTION_LINKS = ("related", "required", "incorporated-into", "moved-to")


@dataclass
class Report:
    """What the import could not carry, by element and key, and what it changed."""

    not_carried: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)

    def leftovers(self, element: str, value: dict, used: set[str]) -> None:
        for key in value:
            if key not in used:
                self.not_carried[f"{element}.{key}"] += 1

    def lines(self) -> list[str]:
        lines = [", ".join(f"{n} {what}" for what, n in self.counts.items())]
        lines += [f"changed: {what}: {n}" for what, n in sorted(self.changed.items())]
        lines += [f"not carried: {what}: {n}" for what, n in sorted(self.not_carried.items())]
        return lines


def read_oscal(path: Path, root: str) -> dict:
    """A catalog or profile file, JSON or YAML, checked by compliance-trestle's models; its `root` object."""
    try:
        size = path.stat().st_size
        if size > MAX_CATALOG_BYTES:
            raise _error(path, f"the file has {size:,} bytes, more than {MAX_CATALOG_BYTES:,}", "import a smaller file")
        text = read_regular(path.resolve(), MAX_CATALOG_BYTES).decode("utf-8")  # never a pipe or a device
    except OSError as error:
        raise _error(
            path, f"cannot read the file: {error.strerror or error}", "name an OSCAL JSON or YAML file"
        ) from None
    except UnicodeDecodeError:
        raise _error(path, "the file is not UTF-8 text", "save it as UTF-8") from None
    except ValueError as error:  # not a regular file, or grown past the limit since
        raise _error(path, f"cannot read the file: {error}", "name an OSCAL JSON or YAML file") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if path.suffix.lower() in (
            ".yaml", ".yml") else json.loads(text)  # fmt: skip
    except (ValueError, yaml.YAMLError) as error:
        raise _error(
            path,
            f"not valid {'YAML' if path.suffix.lower() in ('.yaml', '.yml') else 'JSON'}: {str(error).splitlines()[0]}",
            "export the file again from its source",
        ) from None
    except RecursionError:
        raise _error(path, "the file nests too deeply", f"OSCAL nests a few levels; limit {MAX_DEPTH}") from None
    _check_depth(path, data)
    if not isinstance(data, dict) or not isinstance(data.get(root), dict):
        found = ", ".join(map(str, data)) if isinstance(data, dict) else type(data).__name__
        raise _error(path, f"not an OSCAL {root}: no '{root}' object at the top (found {found or 'nothing'})",
                     f"name an OSCAL {root} file")  # fmt: skip
    _check_model(path, root, data[root])
    return data[root]


def _check_depth(path: Path, data: Any) -> None:
    """Nesting and size as the data will be walked: a YAML alias is walked again wherever it is used, so aliases of
    aliases (a "billion laughs") are stopped by the count of values, not after minutes."""
    stack, values = [(data, 0)], 0
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise _error(path, f"the file holds more than {MAX_VALUES:,} values (YAML aliases that expand into "
                         "aliases multiply)", "import a real OSCAL file")  # fmt: skip
        if depth > MAX_DEPTH:
            raise _error(path, f"the file nests more than {MAX_DEPTH} levels deep", "import a real OSCAL file")
        if isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]


def _check_model(path: Path, root: str, data: dict) -> None:
    """The shape OSCAL defines, as compliance-trestle's models check it."""
    import pydantic
    from trestle.common.err import TrestleError

    if root == "catalog":
        from trestle.oscal.catalog import Catalog as Model
    else:
        from trestle.oscal.profile import Profile as Model
    try:
        Model.model_validate(data)
    except (pydantic.ValidationError, TrestleError) as raised:
        # trestle raises its own error, with the message alone, when oscal-version is one of the errors: pydantic's,
        # with every error's place, is the one it was raised in handling
        error = raised.__context__ if isinstance(raised, TrestleError) else raised
        # the deepest error: where a value of a union fails, the shallower ones name only the union's other members
        first = max(error.errors(), key=lambda e: len(e["loc"]))
        where = ".".join(str(part) for part in first["loc"] if not str(part)[:1].isupper())  # not trestle's classes
        raise DataError([Problem(str(path), None, f"not a valid OSCAL {root}: {first['msg']}",
                                 "correct the file where the key path points (OSCAL's schema names the keys)",
                                 f"{root}.{where}")]) from None  # fmt: skip


def _is_list(chunk: str) -> bool:
    """A Markdown paragraph that is a list: items, and lines of theirs indented."""
    lines = chunk.split("\n")
    return bool(LIST_LINE.match(lines[0])) and all(LIST_LINE.match(line) or line.startswith(" ") for line in lines)


def _error(path: Path, message: str, fix: str) -> DataError:
    return DataError([Problem(str(path), None, message, fix)])


class Importer:
    """Turns the catalog's objects into our data, counting what it leaves behind."""

    def __init__(self, catalog: dict, language: str, report: Report, path: str) -> None:
        self.catalog, self.language, self.report, self.path = catalog, language, report, path
        self.ids: dict[str, str] = {}  # the catalog's control and group ids → ours
        # section ids a feature keeps for a page of its own (guideline/index.md): a control of that id gets another
        self.reserved = {i for feature in FEATURES.values() for i in feature.reserved_ids.get("sections", {})}
        self.resources = {str(r.get("uuid", "")).lower() for r in catalog.get("back-matter", {}).get("resources", [])}
        self.params: set[str] = set()
        # The catalog's own parameters (catalog.params) belong to no control: each is carried by the first section
        # whose text inserts it, where the site shows it; text anywhere refers to it there.
        self.catalog_params = {str(p.get("id")): p for p in catalog.get("params", [])}
        self._inserted: list[str] = []  # catalog parameters inserted by the section being written, not yet carried
        self._in_section = False
        self._collect(catalog, None)
        self.section_ids = set(self.ids.values())
        self._collect_parts_of(catalog)

    # -- ids
    def _collect(self, owner: dict, parent: str | None) -> None:
        for kind in ("groups", "controls"):
            for child in owner.get(kind, []):
                if str(child.get("id", "")) in self.ids:
                    raise DataError([Problem(self.path, None, f"the id '{child['id']}' is the id of two groups or "
                                             "controls", "give each its own id (OSCAL requires it)",
                                             f"catalog.{kind}[].id")])  # fmt: skip
                ours = self._own_id(str(child.get("id", "")))
                self.ids[str(child.get("id", ""))] = ours
                self._collect(child, ours)
        self.params.update(str(p.get("id")) for p in owner.get("params", []))

    def _collect_parts_of(self, owner: dict) -> None:
        """The ids of the items of every part, once every section's id is known."""
        for kind in ("groups", "controls"):
            for child in owner.get(kind, []):
                for part in child.get("parts", []):
                    self._collect_parts(part, self.ids[str(child.get("id", ""))], part)
                self._collect_parts_of(child)

    def _collect_parts(self, part: dict, section_id: str, block: dict) -> None:
        for child in part.get("parts", []):
            oscal_id = str(child.get("id", ""))
            ours = self._item_id(oscal_id, section_id, block)
            if ours:
                self.ids[oscal_id] = ours
            self._collect_parts(child, section_id, block)

    def _item_id(self, part_id: str, section_id: str, block: dict) -> str | None:
        """A statement item's id as text refers to it (ac-2_smt.a → ac-2.a, as the export writes it back), unless
        that is a section's id; other parts' ids as they are."""
        block_id = str(block.get("id", ""))
        short = section_id + part_id[len(block_id) :] if block_id and part_id.startswith(block_id + ".") else None
        if block.get("name") == "statement" and block_id != section_id and short and short not in self.section_ids:
            part_id = short
        return part_id if part_id and PART_ID.match(part_id) else None

    def _own_id(self, oscal_id: str) -> str:
        ours = oscal_id.lower()
        if not SECTION_ID.match(ours):
            ours = re.sub(r"[^a-z0-9]+", "-", ours).strip("-") or "section"
        if ours != oscal_id:
            self.report.changed["ids written in lower case or with - for other characters"] += 1
        if ours in self.reserved:
            self.report.changed["ids the site keeps for a page of its own (-x added)"] += 1
        while ours in self.ids.values() or ours in self.reserved:
            ours += "-x"
        return ours

    # -- text
    def text(self, markup: str) -> dict[str, str] | None:
        """OSCAL markup as our text: at signs doubled, parameters and links inside the catalog as references."""
        value = MD_ESCAPE.sub(r"\1", str(markup).replace("\r\n", "\n").strip()).replace("@", "@@")
        value = INSERT.sub(self._insert, value)
        value = MD_LINK.sub(self._link, value)
        return {self.language: value} if value else None

    def _insert(self, match: re.Match) -> str:
        param_id = match.group(1)
        uncarried = param_id in self.catalog_params  # the catalog's own, carried by no section yet
        if param_id in self.params and PART_ID.match(param_id) and (self._in_section or not uncarried):
            if uncarried and param_id not in self._inserted:
                self._inserted.append(param_id)
            return f"@param:{param_id}"
        self.report.not_carried["insert of an unknown parameter (kept as text)"] += 1
        return match.group(0)

    def _link(self, match: re.Match) -> str:
        target = match.group(2)
        if target in self.ids:  # a bare reference names an id of two or more words; @sec:pe, @part:x the others
            ours = self.ids[target]
            if re.search(r"[._-]", ours):
                return f"@{ours}"
            return f"@sec:{ours}" if ours in self.section_ids else f"@part:{ours}"
        if target.lower() in self.resources:
            return f"@ref:{target.lower()}"
        return match.group(0)

    # -- sections
    def sections(self) -> list[dict]:
        out: list[dict] = []
        for kind in ("groups", "controls"):
            for child in self.catalog.get(kind, []):
                self._section(child, kind[:-1], None, out)
        return out

    def _section(self, value: dict, kind: str, parent: str | None, out: list[dict]) -> None:
        element = kind
        section: dict[str, Any] = {"id": self.ids[str(value.get("id", ""))]}
        self._in_section = True
        self.report.counts[f"{kind}s"] += 1
        props, label, status = [], None, None
        for prop in value.get("props", []):
            name, prop_value = str(prop.get("name", "")), str(prop.get("value", "")).strip()
            if name == "label" and "ns" not in prop:
                label = prop_value
            elif name == "status" and "ns" not in prop and re.match(r"^[a-z0-9][a-z0-9-]*$", prop_value.lower()):
                status = prop_value.lower()
            elif name == "sort-id" and "ns" not in prop:
                self.report.changed["sort-id (the catalog's order is kept)"] += 1
            elif re.match(r"^[a-z0-9][a-z0-9-]*$", name) and prop_value:
                kept = {"name": name, "value": prop_value}
                kept |= {k: str(prop[k]) for k in ("ns", "class") if prop.get(k)}
                props.append(kept)
                self.report.leftovers(f"{element}.props[]", prop, {"name", "value", "ns", "class"})
            else:
                self.report.not_carried[f"{element}.props[] named {name!r}"] += 1
        if label:
            section["label"] = label
        if parent:
            section["parent"] = parent
        section["kind"] = "group" if kind == "group" else "control"
        section["title"] = self.text(value.get("title", "")) or {self.language: section["id"]}
        if status:
            section["control_status"] = status
        references, links = [], []
        for link in value.get("links", []):
            rel, href = str(link.get("rel", "")), str(link.get("href", ""))
            target = href[1:] if href.startswith("#") else None
            if target and target.lower() in self.resources and rel in ("reference", ""):
                references.append(target.lower())
            elif target in self.ids and rel in SECTION_LINKS:
                links.append({"rel": rel, "target": self.ids[target]})
            else:
                to = "an id the catalog does not have" if target else "an address outside the catalog"
                self.report.not_carried[f"{element}.links[] rel {rel or 'none'!r} to {to}"] += 1
        if links:
            section["links"] = links
        params = [p for p in (self._param(p, element) for p in value.get("params", [])) if p]
        blocks = [b for b in (self._block(p, f"{element}.parts[]") for p in value.get("parts", [])) if b]
        params += self._catalog_params_inserted()
        self._in_section = False
        if params:
            section["params"] = params
        if props:
            section["props"] = props
        if blocks:
            section["blocks"] = blocks
        if references:
            section["references"] = list(dict.fromkeys(references))
        if value.get("class"):
            section["class"] = str(value["class"])
        self.report.leftovers(element, value, {"id", "title", "props", "links", "params", "parts", "controls", "groups",
                                               "class"})  # fmt: skip
        out.append(section)
        for child_kind in ("groups", "controls"):
            for child in value.get(child_kind, []):
                self._section(child, child_kind[:-1], section["id"], out)

    def _catalog_params_inserted(self) -> list[dict]:
        """The catalog's parameters first inserted by the section being written (and by their own labels and
        choices), carried by it."""
        carried = []
        while self._inserted:
            param = self._param(self.catalog_params.pop(self._inserted.pop(0)), "catalog")
            if param:
                carried.append(param)
                self.report.changed["catalog parameters (carried by the first section that inserts them)"] += 1
        return carried

    def _param(self, value: dict, element: str) -> dict | None:
        element += ".params[]"
        param_id = str(value.get("id", ""))
        if not PART_ID.match(param_id):
            self.report.not_carried[f"{element} with an id that is not a word ({param_id[:20]!r})"] += 1
            return None
        param: dict[str, Any] = {"id": param_id}
        if value.get("label"):
            param["label"] = self.text(value["label"])
        guidance = "\n\n".join(str(g.get("prose", "")) for g in value.get("guidelines", []) if g.get("prose"))
        if guidance:
            param["guidance"] = self.text(guidance)
        select = value.get("select")
        if isinstance(select, dict):
            choices = [c for c in (self.text(c) for c in select.get("choice", [])) if c]
            if choices:
                param["select"] = {"how_many": str(select.get("how-many", "one")), "choices": choices}
            self.report.leftovers(element + ".select", select, {"how-many", "choice"})
        values = [str(v).strip() for v in value.get("values", []) if str(v).strip()]
        if values:
            param["values"] = values
        self.report.leftovers(element, value, {"id", "label", "guidelines", "select", "values"})
        if len(param) == 1:
            param["label"] = {self.language: param_id}
            self.report.changed["parameters without label, choices or value (labelled by their id)"] += 1
        return param

    def _block(self, part: dict, element: str) -> dict | None:
        name = str(part.get("name", ""))
        block: dict[str, Any] = {"role": ROLES.get(name, "paragraph")}
        part_id = str(part.get("id", ""))
        if part_id and PART_ID.match(part_id):
            block["id"] = part_id
        if block["role"] == "paragraph" and re.match(r"^[a-z0-9][a-z0-9-]*$", name):
            block["name"] = name
        if part.get("title"):
            block["title"] = self.text(part["title"])
        items = [i for i in (self._item(p, element + ".parts[]") for p in part.get("parts", [])) if i]
        paragraphs, listed = self._prose(str(part.get("prose", "")), lists=not items)
        if paragraphs:
            block["paragraphs"] = paragraphs
        items = items or listed
        if items:
            block["items"] = items
        self._part_leftovers(part, element)
        if not paragraphs and not items:
            if block["role"] != "paragraph" or "title" not in block:
                self.report.not_carried[f"{element} without prose or parts"] += 1
                return None
            block["role"] = "heading"
            block.pop("name", None)
        return block

    def _prose(self, markup: str, lists: bool) -> tuple[list[dict], list[dict]]:
        """A part's prose as paragraphs (Markdown's, between blank lines), and a Markdown list that ends it as the
        block's items, nested as indented (how the export writes a block's items). A list before a paragraph stays
        text: a block's items come after its paragraphs."""
        chunks = [c for c in re.split(r"\n[ \t]*\n", markup.replace("\r\n", "\n").strip()) if c.strip()]
        start = len(chunks)
        while lists and start and _is_list(chunks[start - 1]):
            start -= 1
        paragraphs = [text for text in (self.text(chunk) for chunk in chunks[:start]) if text]
        return paragraphs, self._list([line for chunk in chunks[start:] for line in chunk.split("\n")])

    def _list(self, lines: list[str]) -> list[dict]:
        top: list[dict] = []
        open_items: list[tuple[int, dict]] = []  # the items a deeper one nests in, with their indent
        for line in lines:
            match = LIST_LINE.match(line)
            if not match:  # a line of the item above
                open_items[-1][1]["text"] += "\n" + line.strip()
                continue
            indent, marker, text = len(match.group(1)), match.group(2), match.group(3)
            while open_items and open_items[-1][0] >= indent:
                open_items.pop()
            item: dict[str, Any] = {"text": text} | ({"label": marker} if marker[0].isdigit() else {})
            (open_items[-1][1].setdefault("items", []) if open_items else top).append(item)
            open_items.append((indent, item))

        def converted(item: dict) -> dict:
            text = self.text(item.pop("text")) or {self.language: "—"}
            children = {"items": [converted(i) for i in item["items"]]} if "items" in item else {}
            return {"text": text, **item} | children

        return [converted(item) for item in top]

    def _item(self, part: dict, element: str) -> dict | None:
        item: dict[str, Any] = {}
        part_id = self.ids.get(str(part.get("id", "")))
        if part_id:
            item["id"] = part_id
        label = next((str(p.get("value")) for p in part.get("props", []) if p.get("name") == "label"), None)
        if label:
            item["label"] = label
        text = self.text(part.get("prose", "")) if part.get("prose") else None
        if not text and part.get("title"):
            text = self.text(part["title"])
        children = [i for i in (self._item(p, element) for p in part.get("parts", [])) if i]
        if not text:
            if not children:
                self.report.not_carried[f"{element} without prose"] += 1
                return None
            text = {self.language: label or part_id or "—"}
        item["text"] = text
        if children:
            item["items"] = children
        self._part_leftovers(part, element, item_props=True)
        return item

    def _part_leftovers(self, part: dict, element: str, item_props: bool = False) -> None:
        self.report.leftovers(element, part, {"id", "name", "title", "prose", "parts", "props"})
        for prop in part.get("props", []):
            if not (item_props and prop.get("name") == "label"):
                self.report.not_carried[f"{element}.props[] named {prop.get('name')!r}"] += 1

    # -- back matter
    def references(self) -> list[dict]:
        out = []
        for resource in self.catalog.get("back-matter", {}).get("resources", []):
            element = "back-matter.resources[]"
            ref_id = str(resource.get("uuid", "")).lower()
            citation = (resource.get("citation") or {}).get("text")
            title = resource.get("title") or citation or ref_id
            reference: dict[str, Any] = {"id": ref_id, "title": self.text(title) or {self.language: ref_id}}
            links = [str(r.get("href", "")) for r in resource.get("rlinks", [])]
            web = [h for h in links if re.match(r"^https?://[^\s<>\"']+$", h)]
            if web:
                reference["url"] = web[0]
            if len(links) > len(web[:1]):
                self.report.not_carried[f"{element}.rlinks[] beyond the first web address"] += len(links) - len(web[:1])
            if citation:
                reference["citation"] = self.text(citation)
                self.report.leftovers(element + ".citation", resource["citation"], {"text"})
            self.report.leftovers(element, resource, {"uuid", "title", "citation", "rlinks"})
            self.report.counts["references"] += 1
            out.append(reference)
        return out


def selection(profile: dict, importer: Importer, sections: list[dict], report: Report) -> set[str]:
    """The controls a profile includes: by id, with their child controls where it says so; all; less those it
    excludes."""
    children: dict[str, list[str]] = {}
    for section in sections:
        if section.get("parent"):
            children.setdefault(section["parent"], []).append(section["id"])
    controls = {s["id"] for s in sections if s["kind"] == "control"}

    def with_children(section_id: str) -> set[str]:
        found = {section_id}
        for child in children.get(section_id, []):
            found |= with_children(child)
        return found & controls

    def chosen(rules: list) -> set[str]:
        found: set[str] = set()
        for rule in rules:
            ids = [importer.ids.get(str(control_id)) for control_id in rule.get("with-ids", [])]
            if None in ids:
                report.not_carried["profile: control ids not in the catalog"] += ids.count(None)
            for matching in rule.get("matching", []):  # a glob over the catalog's own ids (OSCAL)
                pattern = str(matching.get("pattern", ""))
                ids += [ours for oscal_id, ours in importer.ids.items()
                        if ours in controls and fnmatch.fnmatchcase(oscal_id, pattern)]  # fmt: skip
            for ours in filter(None, ids):
                found |= with_children(ours) if rule.get("with-child-controls") == "yes" else {ours}
        return found

    included: set[str] = set()
    for entry in profile.get("imports", []):
        included |= controls if "include-all" in entry else chosen(entry.get("include-controls", []))
        included -= chosen(entry.get("exclude-controls", []))
    for key in ("merge", "modify"):
        if key in profile:
            report.not_carried[f"profile.{key}"] += 1
    return included


def short_titles(titles: list[str]) -> list[str]:
    """Several profiles' titles without the words they all begin with (… LOW IMPACT BASELINE → LOW IMPACT BASELINE)."""
    if len(titles) < 2:
        return titles
    words = [t.split() for t in titles]
    common = 0
    while all(len(w) > common + 1 for w in words) and len({w[common] for w in words}) == 1:
        common += 1
    return [" ".join(w[common:]) for w in words]


def import_catalog(catalog_path: Path, profiles: list[Path], language: str | None, folder: Path,
                   interface: str | None = None) -> Report:  # fmt: skip
    """Write folder/guideline_data from the catalog and its profiles; the caller has checked that folder is empty.
    It is written in a folder beside it first and moved in whole: a catalog refused half way, or a full disk, leaves
    nothing behind."""
    parent = folder.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.resolve().name}.import-", dir=parent))
    try:
        report = _write_knowledge_base(catalog_path, profiles, language, interface, folder,
                                       staging / "guideline_data")  # fmt: skip
        folder.mkdir(exist_ok=True)
        (staging / "guideline_data").rename(folder / "guideline_data")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _write_knowledge_base(catalog_path: Path, profiles: list[Path], language: str | None, interface: str | None,
                          folder: Path, data: Path) -> Report:  # fmt: skip
    """The knowledge base folder/guideline_data will hold, written into `data`."""
    catalog = read_oscal(catalog_path, "catalog")
    metadata = catalog.get("metadata", {})
    given = language
    language = language or _catalog_language(metadata)
    if not language:
        raise _error(catalog_path, "the catalog does not say its language", "give it: --language en (BCP 47)")
    if not LANGUAGE.match(language):
        where = ("--language", None) if given else (str(catalog_path), "catalog.metadata.props[language]")
        raise DataError([Problem(where[0], None, f"not a BCP 47 language code: {language!r}",
                                 "give one such as en, ja or zh-Hant" + ("" if given else " with --language"),
                                 where[1])])  # fmt: skip
    fallback = _interface_fallback(language, interface)
    report = Report()
    importer = Importer(catalog, language, report, str(catalog_path))
    sections = importer.sections()
    references = importer.references()
    checklists, ui = _selections([read_oscal(path, "profile") for path in profiles], profiles, importer, sections)
    statuses = sorted({s["control_status"] for s in sections if "control_status" in s})
    ui |= {f"control_status.{s}": {language: s} for s in statuses if s != "withdrawn"}
    if fallback:  # the language's name, which the generator's strings do not have either: its code until named
        ui[f"language.{language}"] = {language: language}
        report.changed[f"interface strings: shown in {language_name(fallback)} (kb.yaml interface_fallback)"] += 1
    (data / "sections").mkdir(parents=True)
    date = _date(metadata)
    title = importer.text(metadata.get("title", "")) or {language: catalog_path.stem}
    # the catalog's edition: its version, or what a catalog this generator exported says of its source's edition
    edition = next((str(p.get("value")) for p in metadata.get("props", []) if p.get("name") == "guideline-edition"),
                   str(metadata.get("version", "")).strip())  # fmt: skip
    slug = re.sub(r"[^a-z0-9-]+", "-", folder.resolve().name.lower()).strip("-") or "knowledge-base"
    _write(data / "kb.yaml", {
        "slug": slug, "oscal_prefix": slug, "languages": [language], "section_ids": "native", "structure": {},
        "control_statuses": statuses, "selections": [c["id"] for c in checklists],
        "features": ["core", "checklists", "open_data"] if checklists else ["core", "open_data"],
    } | ({"interface_fallback": {language: fallback}} if fallback else {}))  # fmt: skip
    document: dict[str, Any] = {"title": title, "date": date, "date_precision": "day",
                                "edition": {language: edition or date.isoformat()}}  # fmt: skip
    issuer = _issuer(metadata)
    if issuer:
        document["issuer"] = importer.text(issuer)
    _write(data / "document.yaml", document)
    _write(data / "changelog.yaml", [{"version": "1.0.0", "date": date,
                                      "changes": [{language: f"{title[language]} {edition}".strip()}]}])  # fmt: skip
    if references:
        _write(data / "references.yaml", references)
    if ui:
        _write(data / "ui.yaml", ui)
    _write_sections(data / "sections", sections)
    seen: set[str] = set()  # a control in several selections is an item of the first one's checklist only
    for number, checklist in enumerate(checklists, 1):
        include = [i["id"] for i in checklist["items"] if i["id"] in seen]
        checklist["items"] = [i for i in checklist["items"] if i["id"] not in seen]
        seen |= {i["id"] for i in checklist["items"]}
        if include:
            checklist["include"] = include
        if not checklist["items"]:
            del checklist["items"]
        _write(data / "checklists" / f"{number:02d}_{checklist['id']}.yaml", checklist)
    report.leftovers("catalog", catalog, {"uuid", "metadata", "params", "groups", "controls", "back-matter"})
    if importer.catalog_params:
        report.not_carried["catalog.params[] no section's text inserts"] += len(importer.catalog_params)
    report.leftovers("metadata", metadata, {"title", "version", "published", "last-modified", "oscal-version",
                                            "parties", "responsible-parties", "roles", "props"})  # fmt: skip
    for prop in metadata.get("props", []):  # its language and edition are read; the others are not carried
        if prop.get("name") not in ("language", "guideline-edition"):
            report.not_carried[f"metadata.props[] named {str(prop.get('name', ''))[:40]!r}"] += 1
    return report


def _selections(profiles: list[dict], paths: list[Path], importer: Importer, sections: list[dict]):
    """Each profile as a named selection: its id in the sections' `selections`, its label a ui string, its
    checklist an item per control it includes, worded as the control's title. The build would derive the same
    checklist (Checklists.derived); it is written out here so that it carries the profile's remarks and can be
    edited as data."""
    language, report = importer.language, importer.report
    titles = [str(p.get("metadata", {}).get("title", path.stem)) for p, path in zip(profiles, paths, strict=True)]
    checklists: list[dict] = []
    ui: dict[str, dict[str, str]] = {}
    for profile, label in zip(profiles, short_titles(titles), strict=True):
        selection_id = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60] or "selection"
        while selection_id in [c["id"] for c in checklists] or selection_id in Checklists.reserved_ids["checklists"]:
            selection_id += "-2"
        chosen = selection(profile, importer, sections, report)
        if not chosen:  # a checklist of nothing
            report.not_carried["profiles that select no control of the catalog"] += 1
            continue
        members = [s for s in sections if s["id"] in chosen]
        for section in members:
            section.setdefault("selections", []).append(selection_id)
        ui[f"selection.{selection_id}"] = {language: label}
        report.counts[f"controls in {label}"] = len(chosen)
        items = [
            {"id": selection_item_id(s["id"]), "text": s["title"], "section": s["id"],
             "block": "statement", "wording": "guideline"}
            for s in members if s.get("kind") == "control"
        ]  # fmt: skip
        description = importer.text(profile.get("metadata", {}).get("remarks", "")) or {language: label}
        checklists.append({"id": selection_id, "title": {language: label}, "description": description,
                           "kind": "focus", "items": items})  # fmt: skip
    return checklists, ui


def _write_sections(folder: Path, sections: list[dict]) -> None:
    """Sections files of under MAX_SECTION_FILE bytes each, in the catalog's order, named after their first group."""
    chunks: list[tuple[str, list[str]]] = []
    size = 0
    for section in sections:
        text = _dump([section])
        if not chunks or size + len(text.encode()) > MAX_SECTION_FILE or "parent" not in section:
            chunks.append((section["id"], []))
            size = 0
        chunks[-1][1].append(text)
        size += len(text.encode())
    for number, (first, chunk) in enumerate(chunks, 1):
        (folder / f"{number:03d}_{first}.yaml").write_text("".join(chunk), encoding="utf-8")


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump(value), encoding="utf-8")


def _date(metadata: dict) -> dt.date:
    for key in ("published", "last-modified"):
        value = str(metadata.get(key, ""))
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            continue
    return dt.date(1970, 1, 1)


def _issuer(metadata: dict) -> str | None:
    """The party responsible for the catalog as its creator (else its first party), by name."""
    parties = {p.get("uuid"): p for p in metadata.get("parties", [])}
    for responsible in metadata.get("responsible-parties", []):
        if responsible.get("role-id") == "creator":
            for uuid in responsible.get("party-uuids", []):
                if parties.get(uuid, {}).get("name"):
                    return str(parties[uuid]["name"])
    return next((str(p["name"]) for p in parties.values() if p.get("name")), None)


def _interface_fallback(language: str, interface: str | None) -> str | None:
    """The language the site's menus and buttons are shown in when the generator's are not written in the catalog's
    (kb.yaml interface_fallback), as --interface gives it; None when they are written in it."""
    spoken = spoken_languages(yaml.safe_load(DEFAULT_UI.read_text(encoding="utf-8")))
    if interface is not None and interface not in spoken:
        raise DataError([Problem("--interface", None, f"the generator's interface strings are not written in "
                                 f"{language_name(interface)}", f"give one of {', '.join(spoken)}")])  # fmt: skip
    if language in spoken:
        return None
    if interface is None:
        fix = (f"give --interface with one they are in ({', '.join(spoken)}): the site shows them in it until the "
               f"knowledge base's ui.yaml writes them as '{language}:'")  # fmt: skip
        raise DataError([Problem("--language", None, "the generator's interface strings (menus, buttons, labels) are "
                                 f"not written in {language_name(language)}", fix)])  # fmt: skip
    return interface


def _catalog_language(metadata: dict) -> str | None:
    return next((str(p.get("value")) for p in metadata.get("props", []) if p.get("name") == "language"), None)
