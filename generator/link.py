"""Stage 3, link: resolve every `@` reference once everything is loaded, and compute the reverse index.

The reverse index ("referenced by") is data: typed relations between keys, never typed by hand in the YAML.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import ahocorasick

from . import schema
from .errors import DataError
from .kinds import Key, Vocabulary, entries
from .validate import Locator, Validated, part_ids
from .walk import texts

BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
# *emphasis*, as catalogs write titles of documents: a single asterisk after a space or punctuation, closed by one
# before a space or punctuation (a footnote mark * inside a word or after one stays as written).
EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.DOTALL)


class Segment(NamedTuple):
    """A piece of data text: plain or bold text, or a reference."""

    text: str = ""
    bold: bool = False
    key: Key | None = None
    emphasis: bool = False


def segments(text: str, vocabulary: Vocabulary) -> Iterator[Segment]:
    """The one walk over data text that every output shares: `@` references, and **bold** between them; `@@` is a
    literal at sign."""
    raw = text.replace("@@", "\0")
    position = 0
    for match, key in vocabulary.parse(raw):
        yield from _bold(raw[position : match.start()])
        yield Segment(key=key)
        position = match.end()
    yield from _bold(raw[position:])


def _bold(raw: str) -> Iterator[Segment]:
    position = 0
    for match in BOLD.finditer(raw):
        if match.start() > position:
            yield from _emphasis(raw[position : match.start()])
        yield Segment(match.group(1).replace("\0", "@"), bold=True)
        position = match.end()
    if position < len(raw):
        yield from _emphasis(raw[position:])


def _emphasis(raw: str) -> Iterator[Segment]:
    position = 0
    for match in EMPHASIS.finditer(raw):
        if match.start() > position:
            yield Segment(raw[position : match.start()].replace("\0", "@"))
        yield Segment(match.group(1).replace("\0", "@"), emphasis=True)
        position = match.end()
    if position < len(raw):
        yield Segment(raw[position:].replace("\0", "@"))


# Relation names as the templates show them, from the point of view of the source.
RELATIONS = ("implements", "cites", "derived-from", "includes", "mentions", "uses-term", "related", "required",
             "incorporated-into", "moved-to")  # fmt: skip


@dataclass(frozen=True)
class Link:
    relation: str
    source: Key
    target: Key


@dataclass
class Index:
    vocabulary: Vocabulary  # the reference kinds of the features the knowledge base names
    tables: dict[str, dict[str, Any]]  # every reference kind's collection by id; index.<collection> reads one
    holders: dict[str, dict[str, str]]  # by kind: an entry's id -> the id of the entry whose list holds it
    parent_ids: set[str]  # sections that have sub-sections
    part_section: dict[str, str] = field(default_factory=dict)  # a param's or part's id -> its section's id
    links: list[Link] = field(default_factory=list)
    forward: dict[Key, list[Link]] = field(default_factory=lambda: defaultdict(list))
    backward: dict[Key, list[Link]] = field(default_factory=lambda: defaultdict(list))

    # the core's collections
    @property
    def sections(self) -> dict[str, schema.Section]:
        return self.tables["sections"]

    @property
    def terms(self) -> dict[str, schema.GlossaryTerm]:
        return self.tables["terms"]

    @property
    def references(self) -> dict[str, schema.Reference]:
        return self.tables["references"]

    @property
    def params(self) -> dict[str, schema.Parameter]:
        return self.tables["params"]

    @property
    def parts(self) -> dict[str, schema.Block | schema.ListItem]:
        return self.tables["parts"]

    def __getattr__(self, name: str) -> dict[str, Any]:
        """A feature's collection by the name it declares (index.checklists, index.items)."""
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"the link index has no collection {name!r}")

    def exists(self, key: Key) -> bool:
        key = self.canonical(key)
        kinds = self.vocabulary.by_name
        return key.kind in kinds and key.id in self.tables[kinds[key.kind].collection]

    def canonical(self, key: Key) -> Key:
        """A bare reference names a section, else a part or statement item of one (@ac-2.a)."""
        if key.kind == "section" and key.id not in self.sections and key.id in self.parts:
            return Key("part", key.id)
        return key

    def add(self, relation: str, source: Key, target: Key) -> None:
        link = Link(relation, source, target)
        if link in self._seen:
            return
        self._seen.add(link)
        self.links.append(link)
        self.forward[source].append(link)
        self.backward[target].append(link)

    def outgoing(self, key: Key, relation: str) -> list[Key]:
        return [link.target for link in self.forward.get(key, []) if link.relation == relation]

    def incoming(self, key: Key, relation: str) -> list[Key]:
        return [link.source for link in self.backward.get(key, []) if link.relation == relation]

    def __post_init__(self) -> None:
        self._seen: set[Link] = set()


@dataclass(frozen=True)
class Linked:
    kb: schema.KnowledgeBase
    index: Index
    locator: Locator

    @property
    def vocabulary(self) -> Vocabulary:
        return self.index.vocabulary


Relations = Callable[[schema.KnowledgeBase], Iterable[tuple[str, Key, Key]]]


def link(validated: Validated, vocabulary: Vocabulary, features_relations: Iterable[Relations] = ()) -> Linked:
    """The link stage, in the vocabulary of the features the knowledge base names, with the typed links their data
    makes (features.registry.linked_by_features)."""
    kb, locator = validated.kb, validated.locator
    index = Index(
        vocabulary=vocabulary,
        tables={kind.collection: {} for kind in vocabulary.kinds},
        holders={kind.name: {} for kind in vocabulary.kinds},
        parent_ids={kb.config.parent_of(s) for s in kb.sections} - {None},
    )
    owners: dict[tuple, Key] = {}  # the path of every entry: the text inside belongs to it
    for kind in vocabulary.kinds:
        for path, model, holder in entries(kb, kind.entries) if kind.entries else ():
            index.tables[kind.collection][model.id] = model
            owners[path] = Key(kind.name, model.id)
            if holder:
                index.holders[kind.name][model.id] = holder
    for section in kb.sections:
        for param in section.params:
            index.params[param.id] = param
            index.part_section[param.id] = section.id
        for path, part_id in part_ids(section):
            index.parts[part_id] = _at(section, path[:-1])
            index.part_section[part_id] = section.id
    problems = []
    for path, text in texts(kb):
        owner = next((owners[path[:n]] for n in range(len(path), 0, -1) if path[:n] in owners), None)
        for language in kb.config.languages:
            for match, target in vocabulary.parse(getattr(text, language)):
                target = index.canonical(target)
                feature = vocabulary.feature_of(target.kind)
                if feature:
                    problems.append(locator.problem(
                        path + (language,), f"unknown reference {match.group(0)!r}: the feature {feature!r}, whose "
                        f"{target.kind} it names, is not in kb.yaml features",
                        f"add {feature} to kb.yaml features, or write @@ for a literal @",
                    ))  # fmt: skip
                elif not index.exists(target):
                    problems.append(
                        locator.problem(
                            path + (language,),
                            f"unknown reference {match.group(0)!r}: no {target.kind} with id {target.id!r}",
                            _reference_fix(index, vocabulary, target),
                        )
                    )
                elif owner is not None and owner != target and vocabulary[target.kind].entries:
                    index.add("mentions", owner, target)
    if problems:
        raise DataError(problems)
    _section_links(kb, index)
    for relations in features_relations:
        for relation, source, target in relations(kb):
            index.add(relation, source, target)
    _term_uses(kb, index)
    return Linked(kb=kb, index=index, locator=locator)


def _at(model, path: tuple):
    for step in path:
        model = model[step] if isinstance(step, int) else getattr(model, step)
    return model


def _reference_fix(index: Index, vocabulary: Vocabulary, target: Key) -> str:
    import difflib

    table = index.tables[vocabulary[target.kind].collection]
    if target.kind == "section":  # a bare reference may name a part too
        table = {**table, **index.parts}
    close = difflib.get_close_matches(target.id, list(table), n=1)
    return (
        f"did you mean {close[0]!r}?"
        if close
        else f"use the id of an existing {target.kind}, or write @@ for a literal @"
    )


def _section_links(kb: schema.KnowledgeBase, index: Index) -> None:
    """The core's typed links: what a section implements, cites and links to."""
    for section in kb.sections:
        source = Key("section", section.id)
        for target in section.implements:
            index.add("implements", source, Key("section", target))
        for ref in section.references:
            index.add("cites", source, Key("ref", ref))
        for section_link in section.links:
            index.add(section_link.rel, source, Key("section", section_link.target))


def term_forms(term: schema.GlossaryTerm) -> list[str]:
    """The surface forms under which a term is found in running text, longest first."""
    forms = {*term.term.strings(), *term.aliases, *([term.abbr] if term.abbr else [])}
    return sorted((f for f in forms if len(f) >= 2), key=len, reverse=True)


class TermFinder:
    """Finds every glossary term in a text in one pass (Aho-Corasick, longest match first), so that the cost
    grows with the text, not with terms × text."""

    def __init__(self, glossary: list[schema.GlossaryTerm]):
        self.term_of: dict[str, schema.GlossaryTerm] = {}
        for term in glossary:
            for form in term_forms(term):
                self.term_of.setdefault(form, term)
        self.automaton = ahocorasick.Automaton()
        for form in self.term_of:
            self.automaton.add_word(form, form)
        self.automaton.make_automaton()

    def finditer(self, text: str) -> Iterator[tuple[int, int, schema.GlossaryTerm]]:
        """Leftmost-longest, non-overlapping matches."""
        if not self.term_of:
            return
        for last, form in self.automaton.iter_long(text):
            start, stop = last - len(form) + 1, last + 1
            # Latin forms must stand as words (CISO, not the middle of another word); Japanese has no spaces.
            if form.isascii() and (_is_word_char(text, start - 1) or _is_word_char(text, stop)):
                continue
            yield start, stop, self.term_of[form]


def _is_word_char(text: str, position: int) -> bool:
    return 0 <= position < len(text) and text[position].isascii() and text[position].isalnum()


def _term_uses(kb: schema.KnowledgeBase, index: Index) -> None:
    finder = TermFinder(kb.glossary)
    for section in kb.sections:
        body = "\n".join("\n".join(t.strings()) for _, t in texts(section))
        for term_id in dict.fromkeys(term.id for _, _, term in finder.finditer(body)):
            index.add("uses-term", Key("section", section.id), Key("term", term_id))
