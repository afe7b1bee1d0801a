"""The site's structure: which pages exist, where they live, and the navigation. The same in every language."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from . import schema
from .i18n import Language
from .link import Key, Linked

if TYPE_CHECKING:
    from .render import PageRenderer


@dataclass(frozen=True)
class PageContext:
    """What one page shows beyond what every page of its language has: each page kind that needs more declares a
    subclass with typed fields (the feature's module), which its template sees by their names."""

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class SectionContext(PageContext):
    """A page of the guideline's own: a section, a control, or the section that lists a collection."""

    section: schema.Section


@dataclass
class Page:
    path: str  # docs-relative Markdown path, e.g. "guideline/3-1-1.md"
    template: str  # one Jinja template per page kind
    title: schema.Text | str  # str for titles that are interface strings keys (see `nav_title`)
    context: PageContext = field(default_factory=PageContext)
    searchable: bool = True  # print pages and other duplicates stay out of the search index
    nav: NavPlace | None = None  # where the page stands in the navigation after the guideline's tree; None: not listed
    # A page kind that resolves links its own way (the print page links inside itself): a PageRenderer subclass.
    renderer: type[PageRenderer] | None = None
    # The ui string of the words readers use for what the page is for (search.task.errata: 誤り, mistakes in the
    # text), each feature's for its own pages: search finds the page by them, first when a query says only that
    # (generator/search.py page_task).
    task: str = ""

    @property
    def section(self) -> schema.Section | None:
        """The section a page of the guideline shows, else None."""
        return self.context.section if isinstance(self.context, SectionContext) else None


NavPlace = Literal["tools", "listings", "notes", "end"]
NAV_PLACES: tuple[NavPlace, ...] = ("tools", "listings", "notes", "end")  # after the guideline's tree, in this order


def url_of(path: str) -> str:
    """The directory URL MkDocs gives a Markdown page (use_directory_urls)."""
    if path == "index.md":
        return ""
    stem = path.removesuffix(".md")
    return stem.removesuffix("index") if stem.endswith("/index") else stem + "/"


def relative_url(from_path: str, to_path: str, anchor: str = "") -> str:
    """A link that works under any URL prefix: relative from one page's URL to another's."""
    start = url_of(from_path) or "."
    target = url_of(to_path) or "."
    rel = _relative(target, start)
    if rel == ".":
        rel = "./"
    elif not rel.endswith("/"):
        rel += "/"
    return rel + (f"#{anchor}" if anchor else "")


def relative_md(from_path: str, to_path: str, anchor: str = "") -> str:
    """A Markdown link target (`../glossary.md#x`): MkDocs checks it exists and turns it into a URL."""
    rel = _relative(to_path, posixpath.dirname(from_path) or ".")
    return rel + (f"#{anchor}" if anchor else "")


@functools.cache
def _relative(path: str, start: str) -> str:
    """posixpath.relpath, once for each pair of paths: it asks the system for the working folder twice a call, and a
    language's pages make some 3,000 links between 550 pairs of folders and pages."""
    return posixpath.relpath(path, start)


LISTING_PATHS = {"references": "references.md", "glossary": "glossary.md"}


def section_path(linked: Linked, section_id: str) -> str:
    """A section with sub-sections is a folder index, so that Material shows it as its navigation section's page;
    a section that lists a collection (`listing`) is that collection's page."""
    listing = linked.index.sections[section_id].listing
    if listing:
        return LISTING_PATHS[listing]
    stem = f"guideline/{section_id.replace('.', '-')}"
    return f"{stem}/index.md" if section_id in linked.index.parent_ids else f"{stem}.md"


def target_of(linked: Linked, key: Key) -> tuple[str, str]:
    """(page path, anchor) of anything a reference can point at, as the reference vocabulary routes it."""
    key = linked.index.canonical(key)
    kind = linked.vocabulary[key.kind]
    fields = {"id": key.id, "lower": key.id.lower(), "slug": anchor_slug(key.id),
              "holder": linked.index.holders[key.kind].get(key.id, "")}  # fmt: skip
    if not kind.route:  # a section, or what stands on its page
        return section_path(linked, linked.index.part_section.get(key.id, key.id)), kind.anchor.format(**fields)
    return kind.route.format(**fields), kind.anchor.format(**fields)


def anchor_slug(part_id: str) -> str:
    """A part's or parameter's id as a page anchor: lower case, runs of other characters as one "-"."""
    return re.sub(r"[^a-z0-9]+", "-", part_id.lower()).strip("-")


def label_of(linked: Linked, language: Language, key: Key) -> str:
    """What a reference is called in running text: a section's number and title, a term, a title; an item's id."""
    key = linked.index.canonical(key)
    kind = linked.vocabulary[key.kind]
    target = linked.index.tables[kind.collection][key.id]
    if key.kind == "section":
        return language.section_title(target)
    if key.kind == "part":  # its section's label and its own: AC-2a
        section = linked.index.sections[linked.index.part_section[key.id]]
        own = (
            (target.label or key.id.rsplit(".", 1)[-1]).strip().rstrip(".")
            if isinstance(target, schema.ListItem)
            else ""
        )
        return f"{language.section_label(section) or section.id}{own}"
    return language.text(getattr(target, kind.label)) if kind.label else key.id


def children(linked: Linked, section_id: str) -> list[schema.Section]:
    """The sections one level below `section_id`, in the knowledge base's order (one pass over the sections per
    knowledge base: asked for every section, a pass each cost a 1,200-control catalog seconds)."""
    global _children
    if _children is None or _children[0] is not linked:
        parent_of, below = linked.kb.config.parent_of, {}
        for section in linked.kb.sections:
            below.setdefault(parent_of(section), []).append(section)
        _children = (linked, below)
    return list(_children[1].get(section_id, ()))


_children: tuple[Linked, dict[str | None, list[schema.Section]]] | None = None  # the last knowledge base asked about


# ---------------------------------------------------------------- page producers


def core_pages(linked: Linked) -> list[Page]:
    kb = linked.kb
    pages = [
        Page("index.md", "home.md.j2", kb.document.title),
        Page("guideline/index.md", "toc.md.j2", "nav.guideline", task="search.task.contents"),
    ]
    for section in kb.sections:
        path = section_path(linked, section.id)
        if section.listing:
            place = "listings" if kb.config.parent_of(section) is None else None
            pages.append(
                Page(
                    path,
                    f"{section.listing}.md.j2",
                    section.title,
                    SectionContext(section),
                    nav=place,
                    task=f"search.task.{section.listing}",
                )
            )
        else:
            template = "control.md.j2" if kb.in_controls_chapter(section.id) else "section.md.j2"
            pages.append(Page(path, template, section.title, SectionContext(section)))
    listed = {s.listing for s in kb.sections}
    for listing, entries in (("references", kb.references), ("glossary", kb.glossary)):
        if entries and listing not in listed:  # no section of the source lists them: a page of their own
            pages.append(
                Page(
                    LISTING_PATHS[listing],
                    f"{listing}.md.j2",
                    f"nav.{listing}",
                    nav="listings",
                    task=f"search.task.{listing}",
                )
            )
    pages += [
        Page("controls.md", "controls.md.j2", "nav.controls", nav="tools", task="search.task.controls"),
        *([Page("csf.md", "csf.md.j2", "nav.csf", nav="tools", task="search.task.csf")] if kb.csf else []),
        Page("changes.md", "changes.md.j2", "nav.changes", nav="notes", task="search.task.changes"),
    ]
    # Pages with nothing to show are not made: errata without entries or editorial notes, the index by actor
    # without a section that names one (its entries are the pages' tags).
    if kb.errata or any(b.source == "editorial" for s in kb.sections for b in s.blocks):
        pages.append(Page("errata.md", "errata.md.j2", "nav.errata", nav="notes", task="search.task.errata"))
    if any(s.actors or s.stakeholders for s in kb.sections):
        pages.append(Page("tags.md", "tags.md.j2", "nav.tags", searchable=False, nav="notes"))
    return pages


def nav(linked: Linked, pages: list[Page], title_of: Callable[[Page], str]) -> list:
    """MkDocs `nav`: the guideline as a tree in table-of-contents order, then every page that names a place (each
    feature places its own), place by place; a feature's folder of pages is one group, its index first (a folder
    without an index, as the overlay's, is no group: no folder name shows)."""
    by_path = {p.path: p for p in pages}

    def entry(path: str) -> dict:
        return {title_of(by_path[path]): path}

    def section_tree(section: schema.Section) -> dict | str:
        path = section_path(linked, section.id)
        kids = children(linked, section.id)
        if not kids:
            return entry(path)
        return {title_of(by_path[path]): [path, *(section_tree(k) for k in kids)]}

    top_sections = [s for s in linked.kb.sections if linked.kb.config.parent_of(s) is None]
    guideline = ["guideline/index.md", *(section_tree(s) for s in top_sections if s.listing is None)]
    tree: list = [entry("index.md"), {title_of(by_path["guideline/index.md"]): guideline}]
    for place in NAV_PLACES:
        grouped: dict[str, list] = {}
        for page in (p for p in pages if p.nav == place):
            if "/" in page.path:
                grouped.setdefault(page.path.split("/")[0] + "/", []).append(page.path)
            else:
                tree.append(entry(page.path))
        for folder, paths in grouped.items():
            index = f"{folder}index.md"
            if index not in by_path:  # pages without an index of their own (the overlay's): each in its own name
                tree.extend(entry(path) for path in paths)
                continue
            tree.append({title_of(by_path[index]): sorted(paths, key=lambda p: p != index)})  # the index first
    return tree
