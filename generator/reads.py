"""What each page reads, so that an edit renders again only the pages that read what changed.

The knowledge base is cut into entities: each item of a collection (a section, a term, a reference, a checklist,
a template, an erratum, …) with everything nested in it, the document and the configuration; and, for each thing
a reference points at, its incoming and its outgoing links (a page's backlinks). While a page is rendered, every
attribute read on a model of the data names the entity that holds it, and every question to the link index names
the links it asks for (`recording`). What a page may use besides is known without running it: its template's own
names and those of the templates it includes (Jinja's static analysis), each value of which is fingerprinted by its
shape — the entities it holds by name, the rest by value — and what every page may show: the interface strings,
the list of entities of each collection (one added, removed or moved renders every page), the index's structure,
the configuration, the features' settings (the overlay among them) and the generator's code (build.render_pages).

A page is rendered again when its own fingerprint changed or an entity it read did; otherwise its Markdown from the
last build is used, once its bytes are checked against their hash.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
from pydantic import BaseModel

from . import schema
from .link import Index, Key, Linked
from .render import TermMatcher

STATE = "pages.json"  # in build/<code>/, beside the docs folder it describes
MATCHER = "glossary-matcher"
# An entity's fields that place it in the knowledge base: part of every page's fingerprint (`Entities.shape`), so a
# page that only asks where an entity stands (the tree of sections) does not read it.
STRUCTURE = ("id", "parent")  # the glossary's terms as the term marker finds them in a text

_reads: set[str] | None = None
_owner: dict[int, str] = {}
_tops: set[int] = set()


def fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


class Entities:
    """The knowledge base's entities: which entity each model belongs to (by object), and each entity's hash."""

    def __init__(self, linked: Linked) -> None:
        kb = linked.kb
        self.owner: dict[int, str] = {}
        self.tops: set[int] = set()  # the entities themselves, not what is nested in them
        self.hashes: dict[str, str] = {}
        members: dict[str, list[str]] = {}
        dumped = kb.model_dump(mode="json")
        for name in type(kb).model_fields:
            value = getattr(kb, name)
            if isinstance(value, list):
                members[name] = []
                for number, item in enumerate(value):
                    key = f"{name}[{getattr(item, 'id', number)}]"
                    members[name].append([key, *(dumped[name][number].get(f) for f in STRUCTURE)])
                    self.tops.add(id(item))
                    self._own(item, key)
                    self.hashes[key] = fingerprint(dumped[name][number])
            elif isinstance(value, BaseModel):
                self._own(value, name)
                self.hashes[name] = fingerprint(dumped[name])
            else:  # the interface strings: every page shows some
                members[name] = dumped[name]
        for direction, table in (("in", linked.index.backward), ("out", linked.index.forward)):
            for key, links in table.items():
                shown = [[link.relation, *link.source, *link.target] for link in links]
                self.hashes[_link_key(direction, key)] = fingerprint(shown)
        glossary = [self.hashes[key] for key, *_ in members.get("glossary", [])]
        self.hashes[MATCHER] = fingerprint(glossary)
        index = linked.index
        self.shape = fingerprint(
            {"members": members, "parents": sorted(index.parent_ids), "holders": index.holders,
             "parts": index.part_section, "params": sorted(index.params), "part_ids": sorted(index.parts)}
        )  # fmt: skip

    def _own(self, value, key: str) -> None:
        if isinstance(value, BaseModel):
            self.owner[id(value)] = key
            for name in type(value).model_fields:
                self._own(value.__dict__.get(name), key)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self._own(item, key)
        elif isinstance(value, dict):
            for item in value.values():
                self._own(item, key)

    def shape_of(self, value) -> object:
        """A value as JSON, the entities it holds by name (what of them a page reads is recorded as it reads it)."""
        if id(value) in self.owner and isinstance(value, BaseModel):
            return ["entity", self.owner[id(value)]]
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        if isinstance(value, (list, tuple)):
            return [self.shape_of(item) for item in value]
        if isinstance(value, (set, frozenset)):
            return sorted((self.shape_of(item) for item in value), key=repr)
        if isinstance(value, dict):
            return [[self.shape_of(k), self.shape_of(v)] for k, v in value.items()]
        if hasattr(value, "cache_key"):  # what of it shapes the pages, as it says itself (the overlay)
            return value.cache_key()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = dataclasses.fields(value)
            return [type(value).__qualname__, *(self.shape_of(getattr(value, f.name)) for f in fields)]
        if callable(value):  # the templates' helpers: what they read when called is recorded
            return getattr(value, "__qualname__", repr(type(value)))
        return repr(value)


def _link_key(direction: str, key: Key) -> str:
    return f"{direction}:{key.kind}:{key.id}"


# ---------------------------------------------------------------- recording what a page reads


def _getattribute(self, name: str):
    if _reads is not None and (name not in STRUCTURE or id(self) not in _tops):
        key = _owner.get(id(self))
        if key is not None:
            _reads.add(key)
    return object.__getattribute__(self, name)


def _links(direction: str, method):
    def asked(self, key: Key, relation: str):
        if _reads is not None:
            _reads.add(_link_key(direction, key))
        return method(self, key, relation)

    return asked


def _matches(method):
    def matches(self, text: str, skip: set[str]):
        if _reads is not None:
            _reads.add(MATCHER)
        return method(self, text, skip)

    return matches


# every model of the data derives from one of them (a group of everyday words is Synonyms, read by its `of`)
ROOTS = (schema.Strict, schema.Text, schema.UiString, schema.Synonyms)


@contextlib.contextmanager
def recording(entities: Entities) -> Iterator[None]:
    """While it lasts, `page_reads` collects what is read of the data. Not for threads: one page at a time."""
    global _owner, _tops
    _owner, _tops = entities.owner, entities.tops
    originals = {
        (Index, "incoming"): Index.incoming,
        (Index, "outgoing"): Index.outgoing,
        (TermMatcher, "matches"): TermMatcher.matches,
    }
    for root in ROOTS:
        root.__getattribute__ = _getattribute
    Index.incoming, Index.outgoing = _links("in", Index.incoming), _links("out", Index.outgoing)
    TermMatcher.matches = _matches(TermMatcher.matches)
    try:
        yield
    finally:
        for root in ROOTS:
            del root.__getattribute__
        for (owner, name), method in originals.items():
            setattr(owner, name, method)
        _owner, _tops = {}, set()


@contextlib.contextmanager
def page_reads() -> Iterator[set[str]]:
    """The entities read while it lasts (inside `recording`)."""
    global _reads
    _reads = found = set()
    try:
        yield found
    finally:
        _reads = None


# ---------------------------------------------------------------- what each template may use


class TemplateNames:
    """The names a template may look up, its included, imported and extended templates' too: every word of their
    source (more than it uses, never less: quicker than Jinja's own analysis, which compiles the template); None:
    any name (a template named by a variable)."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env, self.known = env, {}

    def of(self, name: str) -> frozenset[str] | None:
        if name not in self.known:
            self.known[name] = None  # a template that includes itself
            source = self.env.loader.get_source(self.env, name)[0]
            names: set[str] | None = set(WORD.findall(source))
            if DYNAMIC.search(source):
                names = None
            for _, used in USES.findall(source):
                more = self.of(used)
                if more is None or names is None:
                    names = None
                    break
                names |= more
            self.known[name] = frozenset(names) if names is not None else None
        return self.known[name]


WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
USES = re.compile(r"""\{%-?\s*(?:include|import|from|extends)\s+(["'])(.+?)\1""")
DYNAMIC = re.compile(r"""\{%-?\s*(?:include|import|from|extends)\s+[^"'\s]""")


# ---------------------------------------------------------------- the last build's pages


class Pages:
    """build/<code>/pages.json: for each page, its fingerprint, the hash of its Markdown and the entities it read,
    with the entities' hashes of that build. Read as untrusted data: anything but that shape is no state."""

    def __init__(self, folder: Path, read: bool = True) -> None:
        """`read` False: a state that keeps nothing (every page renders)."""
        self.file = folder / STATE
        self.docs = folder / "docs"
        self.entities: dict[str, str] = {}
        self.pages: dict[str, dict] = {}
        try:
            state = json.loads(self.file.read_text(encoding="utf-8")) if read else None
        except (OSError, ValueError):
            return
        if _valid(state):
            self.entities, self.pages = state["entities"], state["pages"]

    def kept(self, path: str, key: str, entities: Entities) -> tuple[str, list[str]] | None:
        """The page's Markdown of the last build, and what it read, if it would render the same now."""
        before = self.pages.get(path)
        if before is None or before["key"] != key:
            return None
        if any(self.entities.get(read) != entities.hashes.get(read) for read in before["reads"]):
            return None
        try:
            content = (self.docs / path).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(content).hexdigest() != before["md"]:
            return None
        return content.decode("utf-8"), before["reads"]

    def forget(self) -> None:
        """Before the docs folder changes: a build that stops half-way leaves no state (all pages render next)."""
        self.file.unlink(missing_ok=True)

    def save(self, entities: Entities, pages: dict[str, tuple[str, str, list[str]]]) -> None:
        """`pages`: path → (fingerprint, Markdown, what it read)."""
        body = {
            "entities": entities.hashes,
            "pages": {
                path: {"key": key, "md": hashlib.sha256(text.encode("utf-8")).hexdigest(), "reads": sorted(reads)}
                for path, (key, text, reads) in pages.items()
            },
        }
        self.file.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def _valid(state: object) -> bool:
    def strings(value: object) -> bool:
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())

    def page(value: object) -> bool:
        return (
            isinstance(value, dict)
            and isinstance(value.get("key"), str)
            and isinstance(value.get("md"), str)
            and isinstance(value.get("reads"), list)
            and all(isinstance(read, str) for read in value["reads"])
        )

    return (
        isinstance(state, dict)
        and strings(state.get("entities"))
        and isinstance(state.get("pages"), dict)
        and all(isinstance(path, str) and page(value) for path, value in state["pages"].items())
    )
