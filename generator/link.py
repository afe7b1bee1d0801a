"""Stage 3, link: resolve every `@` reference once everything is loaded, and compute the reverse index.

The reverse index ("referenced by") is data: typed relations between keys, never typed by hand in the YAML.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import ahocorasick

from . import schema
from .errors import DataError
from .validate import Locator, Validated, part_ids
from .walk import texts


class Key(NamedTuple):
    kind: str  # a ReferenceKind's name
    id: str


@dataclass(frozen=True)
class ReferenceKind:
    """One kind of thing text may point at: the one vocabulary that parsing, linking, routing and labels share."""

    name: str  # Key.kind
    prefix: str  # written @<prefix>:<id> in the data (sections also as a bare number: @1.2.3)
    collection: str  # the Index table that holds them
    # the page, with {id} (or {checklist}: the checklist that defines an item); "" for sections and what stands on a
    # section's page (see pages)
    route: str
    anchor: str  # the anchor on that page, with {id}, {lower} or {slug} (lower case, runs of other characters "-")
    label: str  # the field whose Text names it; "" where the label is not a Text (sections: number and title; items)


REFERENCE_KINDS = {
    kind.name: kind
    for kind in (
        ReferenceKind("section", "sec", "sections", "", "", ""),
        ReferenceKind("term", "term", "terms", "glossary.md", "term-{id}", "term"),
        ReferenceKind("ref", "ref", "references", "references.md", "ref-{id}", "title"),
        ReferenceKind("tpl", "tpl", "templates", "templates/{id}.md", "", "title"),
        ReferenceKind("checklist", "list", "checklists", "checklists/{id}.md", "", "title"),
        ReferenceKind("item", "cl", "items", "checklists/{checklist}.md", "item-{lower}", ""),
        ReferenceKind("param", "param", "params", "", "param-{slug}", ""),  # a control's parameter, shown inline
        ReferenceKind("part", "part", "parts", "", "part-{slug}", ""),  # a part or statement item of a section
    )
}
PREFIX_KIND = {kind.prefix: kind.name for kind in REFERENCE_KINDS.values()}
# @<prefix>:<id>, or a bare section number or id of two or more words (@5, @5.4.2, @ac-2), which may also name a
# part or statement item (@ac-2.a); a one-word id is written @sec:intro, so that @word stays an at sign and a word.
REFERENCE = re.compile(
    rf"@(?:({'|'.join(PREFIX_KIND)}):([A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)|([0-9]+(?:\.[0-9]+)*|[a-z0-9]+(?:[._-][a-z0-9]+)+))"
)
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


def segments(text: str) -> Iterator[Segment]:
    """The one walk over data text that every output shares: `@` references, and **bold** between them; `@@` is a
    literal at sign."""
    raw = text.replace("@@", "\0")
    position = 0
    for match, key in parse_references(raw):
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
    sections: dict[str, schema.Section]
    terms: dict[str, schema.GlossaryTerm]
    references: dict[str, schema.Reference]
    templates: dict[str, schema.Template]
    items: dict[str, schema.ChecklistItem]
    checklists: dict[str, schema.Checklist]
    item_checklist: dict[str, str]  # item id -> the checklist that defines it
    parent_ids: set[str]  # sections that have sub-sections
    params: dict[str, schema.Parameter] = field(default_factory=dict)
    parts: dict[str, schema.Block | schema.ListItem] = field(default_factory=dict)
    part_section: dict[str, str] = field(default_factory=dict)  # a param's or part's id -> its section's id
    links: list[Link] = field(default_factory=list)
    forward: dict[Key, list[Link]] = field(default_factory=lambda: defaultdict(list))
    backward: dict[Key, list[Link]] = field(default_factory=lambda: defaultdict(list))

    def exists(self, key: Key) -> bool:
        key = self.canonical(key)
        return key.id in getattr(self, REFERENCE_KINDS[key.kind].collection)

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


def parse_references(text: str) -> Iterator[tuple[re.Match, Key]]:
    for match in REFERENCE.finditer(text.replace("@@", "\0\0")):
        prefix, named, number = match.groups()
        yield match, Key(PREFIX_KIND[prefix], named) if prefix else Key("section", number)


def link(validated: Validated) -> Linked:
    kb, locator = validated.kb, validated.locator
    index = Index(
        sections={s.id: s for s in kb.sections},
        terms={t.id: t for t in kb.glossary},
        references={r.id: r for r in kb.references},
        templates={t.id: t for t in kb.templates},
        items={i.id: i for c in kb.checklists for i in c.items},
        checklists={c.id: c for c in kb.checklists},
        item_checklist={i.id: c.id for c in kb.checklists for i in c.items},
        parent_ids={kb.config.parent_of(s) for s in kb.sections} - {None},
    )
    for section in kb.sections:
        for param in section.params:
            index.params[param.id] = param
            index.part_section[param.id] = section.id
        for path, part_id in part_ids(section):
            index.parts[part_id] = _at(section, path[:-1])
            index.part_section[part_id] = section.id
    problems = []
    for path, text in texts(kb):
        owner = owner_of(kb, path)
        for language in kb.config.languages:
            for match, target in parse_references(getattr(text, language)):
                target = index.canonical(target)
                if not index.exists(target):
                    problems.append(
                        locator.problem(
                            path + (language,),
                            f"unknown reference {match.group(0)!r}: no {target.kind} with id {target.id!r}",
                            _reference_fix(index, target),
                        )
                    )
                elif owner is not None and owner != target and target.kind not in ("param", "part"):
                    index.add("mentions", owner, target)
    if problems:
        raise DataError(problems)
    _structural_links(kb, index)
    _term_uses(kb, index)
    return Linked(kb=kb, index=index, locator=locator)


def _at(model, path: tuple):
    for step in path:
        model = model[step] if isinstance(step, int) else getattr(model, step)
    return model


def owner_of(kb: schema.KnowledgeBase, path: tuple) -> Key | None:
    """The page that a piece of text belongs to."""
    match path:
        case ("sections", i, *_):
            return Key("section", kb.sections[i].id)
        case ("glossary", i, *_):
            return Key("term", kb.glossary[i].id)
        case ("templates", i, *_):
            return Key("tpl", kb.templates[i].id)
        case ("checklists", i, "items", j, *_):
            return Key("item", kb.checklists[i].items[j].id)
        case ("checklists", i, *_):
            return Key("checklist", kb.checklists[i].id)
        case ("references", i, *_):
            return Key("ref", kb.references[i].id)
    return None


def _reference_fix(index: Index, target: Key) -> str:
    import difflib

    table = getattr(index, REFERENCE_KINDS[target.kind].collection)
    if target.kind == "section":  # a bare reference may name a part too
        table = {**table, **index.parts}
    close = difflib.get_close_matches(target.id, list(table), n=1)
    return (
        f"did you mean {close[0]!r}?"
        if close
        else f"use the id of an existing {target.kind}, or write @@ for a literal @"
    )


def _structural_links(kb: schema.KnowledgeBase, index: Index) -> None:
    for section in kb.sections:
        source = Key("section", section.id)
        for target in section.implements:
            index.add("implements", source, Key("section", target))
        for ref in section.references:
            index.add("cites", source, Key("ref", ref))
        for section_link in section.links:
            index.add(section_link.rel, source, Key("section", section_link.target))
    for checklist in kb.checklists:
        for item in checklist.items:
            index.add("derived-from", Key("item", item.id), Key("section", item.section))
            index.add("includes", Key("checklist", checklist.id), Key("item", item.id))
        for item_id in checklist.include:
            index.add("includes", Key("checklist", checklist.id), Key("item", item_id))
    for template in kb.templates:
        for target in template.implements:
            index.add("implements", Key("tpl", template.id), Key("section", target))


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
