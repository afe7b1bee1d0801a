"""The vocabulary features declare: the kinds of thing text may point at, and the kinds of page search tells apart.

Each feature declares its own (Feature.reference_kinds, Feature.search_kinds); the registry gathers those of the
features a knowledge base names into one `Vocabulary`, from which the core derives its tables: the `@` syntax, the
link index's collections, where a reference leads and what it is called, the "did you mean" of an unknown id, the
search box's kinds and the ids readers type. This module imports nothing of the generator's, so that the link stage
and the features can both import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple


class Key(NamedTuple):
    kind: str  # a ReferenceKind's name
    id: str


@dataclass(frozen=True)
class ReferenceKind:
    """One kind of thing text may point at: the one vocabulary that parsing, linking, routing and labels share."""

    name: str  # Key.kind
    prefix: str  # written @<prefix>:<id> in the data (sections also as a bare number: @1.2.3)
    collection: str  # the Index table that holds them (index.<collection>)
    # Where the knowledge base holds them: a path to a list of models with an `id` ("*" is every item of a list on
    # the way: ("checklists", "*", "items")); the text inside one belongs to it (its page mentions what that text
    # refers to). () for what the core gathers itself (a section's parameters and parts).
    entries: tuple[str, ...]
    # the page, with {id} (or {holder}: the id of the entry whose list holds it, as a checklist holds its items);
    # "" for sections and what stands on a section's page
    route: str
    anchor: str  # the anchor on that page, with {id}, {lower} or {slug} (lower case, runs of other characters "-")
    label: str  # the field whose Text names it; "" where the label is not a Text (sections: number and title; items)
    found_by_id: bool = False  # readers type its ids into the search box (CL4-039, cyber-policy): they lead to it
    annotated: bool = False  # an organisation's overlay may attach a note to one (its page shows the note)


@dataclass(frozen=True)
class SearchKind:
    """A kind of page as search tells it apart: its weight in the ranking (kb-search.js multiplies a result's score
    by it), whether readers ask for its pages by name (such a page comes first when its title is the query), whether
    its page lists every entry of a collection (never a far better match for one word). Its name is the ui string
    `search.js.kind.<name>`, shown beside a result and indexed as a word of its pages."""

    name: str
    weight: float
    named: bool = False
    listing: bool = False
    templates: tuple[str, ...] = ()  # the page templates of this kind


TOOL = SearchKind("tool", 0.15, named=True)  # a page of no declared kind: the site's own pages


@dataclass(frozen=True)
class Vocabulary:
    """The reference kinds and search kinds of a build's features, and the tables derived from them."""

    kinds: tuple[ReferenceKind, ...]
    search_kinds: tuple[SearchKind, ...] = ()
    # the kinds of the features kb.yaml does not name, by the feature's name: `@tpl:x` without the templates feature
    # is a mistake to point out, not text
    unnamed: dict[str, tuple[ReferenceKind, ...]] = field(default_factory=dict)
    by_name: dict[str, ReferenceKind] = field(init=False)
    by_prefix: dict[str, str] = field(init=False)
    pattern: re.Pattern = field(init=False)

    def __post_init__(self) -> None:
        by_name = {kind.name: kind for kind in self.kinds}
        by_prefix = {kind.prefix: kind.name for kind in self.kinds}
        if len(by_name) < len(self.kinds) or len(by_prefix) < len(self.kinds):
            raise TypeError(f"reference kinds declared twice: {', '.join(repeated(self.kinds))}")
        if "section" not in by_name:
            raise TypeError("no feature declares the reference kind 'section' (the core's)")
        elsewhere = {kind.prefix: kind.name for kinds in self.unnamed.values() for kind in kinds}
        prefixes = "|".join(sorted(map(re.escape, {**elsewhere, **by_prefix}), key=len, reverse=True))
        object.__setattr__(self, "by_name", by_name)
        object.__setattr__(self, "by_prefix", {**elsewhere, **by_prefix})
        # @<prefix>:<id>, or a bare section number or id of two or more words (@5, @5.4.2, @ac-2), which may also
        # name a part or statement item (@ac-2.a); a one-word id is written @sec:intro, so that @word stays an at
        # sign and a word.
        object.__setattr__(self, "pattern", re.compile(
            rf"@(?:({prefixes}):([A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)|([0-9]+(?:\.[0-9]+)*|[a-z0-9]+(?:[._-][a-z0-9]+)+))"
        ))  # fmt: skip

    def __getitem__(self, name: str) -> ReferenceKind:
        return self.by_name[name]

    def feature_of(self, name: str) -> str | None:
        """The feature kb.yaml does not name that declares the reference kind `name`, if one does."""
        return next((feature for feature, kinds in self.unnamed.items() if name in {k.name for k in kinds}), None)

    def parse(self, text: str) -> Iterator[tuple[re.Match, Key]]:
        """Every `@` reference of a text, with its key; `@@` is a literal at sign."""
        for match in self.pattern.finditer(text.replace("@@", "\0\0")):
            prefix, named, number = match.groups()
            yield match, Key(self.by_prefix[prefix], named) if prefix else Key("section", number)

    def search_kind(self, template: str) -> SearchKind:
        """The search kind of a page by its template: the kind that declares it, else the site's own pages'."""
        return next((kind for kind in self.search_kinds if template in kind.templates), TOOL)

    def every_search_kind(self) -> list[SearchKind]:
        """Every search kind, the site's own pages' among them, the heaviest first."""
        kinds = {kind.name: kind for kind in (*self.search_kinds, TOOL)}
        return sorted(kinds.values(), key=lambda kind: -kind.weight)


def repeated(kinds: Iterable[ReferenceKind]) -> list[str]:
    names, prefixes = [k.name for k in kinds], [k.prefix for k in kinds]
    return sorted({n for n in names if names.count(n) > 1} | {f"@{p}:" for p in prefixes if prefixes.count(p) > 1})


def entries(value, path: tuple[str, ...], at: tuple = (), holder: str = "") -> Iterator[tuple[tuple, object, str]]:
    """The models at `path` in the knowledge base (see ReferenceKind.entries), each with its path and the id of the
    entry whose list holds it ("" at the top)."""
    if not path:
        for number, item in enumerate(value):
            yield (*at, number), item, holder
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for number, item in enumerate(value):
            yield from entries(item, rest, (*at, number), getattr(item, "id", ""))
    else:
        yield from entries(getattr(value, head), rest, (*at, head), holder)
