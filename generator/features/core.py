"""The guideline itself: sections and controls, glossary, references, controls overview, CSF view, changes, errata."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from .. import kana
from ..i18n import Language, reading_language
from ..kinds import ReferenceKind, SearchKind
from ..link import Linked
from ..overlay import PAGE_FOLDER, Applied
from ..pages import LISTING_PATHS, Page, PageContext, children, core_pages
from ..schema import GlossaryTerm, OverlayPage, Section
from . import BuildSettings, Feature


@dataclass(frozen=True)
class OwnPageContext(PageContext):
    """A page of the organisation's overlay."""

    own_page: OverlayPage


class Core(Feature):
    name = "core"
    reserved_ids = {"sections": {"index": "guideline/index.md is the table of contents"}}
    reference_kinds = (
        ReferenceKind("section", "sec", "sections", ("sections",), "", "", "", annotated=True),
        ReferenceKind("term", "term", "terms", ("glossary",), LISTING_PATHS["glossary"], "term-{id}", "term"),
        ReferenceKind("ref", "ref", "references", ("references",), LISTING_PATHS["references"], "ref-{id}", "title"),
        ReferenceKind("param", "param", "params", (), "", "param-{slug}", ""),  # a control's parameter, shown inline
        ReferenceKind("part", "part", "parts", (), "", "part-{slug}", ""),  # a part or statement item of a section
    )
    search_kinds = (
        SearchKind("guideline", 1.0, named=True, templates=("section.md.j2", "control.md.j2")),
        SearchKind("glossary", 0.5, named=True, listing=True, templates=("glossary.md.j2",)),
        SearchKind("reference", 0.4, named=True, listing=True, templates=("references.md.j2",)),
    )
    overlay: Applied | None = None

    def configure(self, settings: BuildSettings) -> None:
        self.overlay = settings.overlay

    def files(self, linked: Linked, language: Language) -> dict[str, bytes]:
        logo = self.overlay.logo_path if self.overlay else None
        return {logo: self.overlay.logo_bytes()} if logo else {}

    def pages(self, linked: Linked) -> list[Page]:
        own = self.overlay.overlay.pages if self.overlay else []
        return [
            *core_pages(linked),
            *(Page(f"{PAGE_FOLDER}{p.id}.md", "organisation_page.md.j2", p.title, OwnPageContext(p), nav=p.nav)
              for p in own),
        ]  # fmt: skip

    def context(self, linked: Linked, language: Language, files: dict[str, bytes]) -> dict:
        kb = linked.kb
        csf_sections = defaultdict(list)
        for section in kb.sections:
            for category in section.csf:
                csf_sections[category].append(section)
        return {
            "children": lambda section_id: children(linked, section_id),
            "actors": {a.id: a for a in kb.actors},
            "csf_categories": {c.id: c for f in kb.csf for c in f.categories},
            "csf_sections": csf_sections,
            "control_groups": control_groups(linked),
            "categories": kb.config.control_categories,
            "glossary_groups": glossary_groups(kb.glossary, language),
            "reading_language": reading_language(kb),  # whose terms the readings read
            "term_haystack": term_haystack,
            "editorial_blocks": [(s, b) for s in kb.sections for b in s.blocks if b.source == "editorial"],
            "organisation": self.overlay,
        }


def control_groups(linked: Linked) -> list[tuple[Section | None, list[Section]]]:
    """The controls under the section they stand in one level above the shallowest control (a catalog's families, the
    guideline's controls chapter), in the knowledge base's order; controls at the top level are one group of None."""
    kb, sections = linked.kb, linked.index.sections
    controls = [s for s in kb.sections if kb.is_control(s.id)]
    level = min((kb.depth(s.id) for s in controls), default=0) - 1
    groups: dict[str | None, list[Section]] = {}
    for control in controls:
        group = control
        while level >= 0 and kb.depth(group.id) > level:
            group = sections[kb.config.parent_of(group)]
        groups.setdefault(group.id if level >= 0 else None, []).append(control)
    return [(sections[key] if key else None, rows) for key, rows in groups.items()]


def glossary_groups(glossary: list[GlossaryTerm], language: Language) -> list[dict]:
    """The glossary in this language's order (ui glossary.collation, see i18n.COLLATIONS): by reading under the kana
    rows (あ行, か行, …); by the term under its first letter (A–Z); or by the term's characters in one group without a
    heading (a group's heading is None then). "letters" falls back to one group when most terms do not begin with a
    letter. Taiwan's stroke-count order, for one, would need ICU's tables."""
    if language.collation == "kana":
        rows: dict[str, list[GlossaryTerm]] = defaultdict(list)
        for term in sorted(glossary, key=lambda t: kana.sort_key(t.reading)):
            rows[kana.row_of(term.reading)].append(term)
        return [
            {"label": row, "anchor": anchor, "heading": language.t("glossary.kana_row").format(row=row),
             "terms": rows[row]}
            for row, anchor in zip(kana.ROWS, kana.ROW_ANCHORS, strict=True)
            if rows.get(row)
        ]  # fmt: skip
    terms = sorted(glossary, key=lambda t: language.text(t.term).casefold())
    if language.collation != "letters" or not in_latin_letters([language.text(t.term) for t in terms]):
        return [{"label": None, "anchor": None, "heading": None, "terms": terms}] if terms else []
    letters: dict[str, list[GlossaryTerm]] = defaultdict(list)
    for term in terms:
        first = language.text(term.term)[0].upper()
        letters[first if first.isalpha() else "#"].append(term)
    return [
        {"label": k, "anchor": k.lower() if k.isalpha() else "other", "heading": k, "terms": v}
        for k, v in sorted(letters.items())
    ]


def in_latin_letters(words: list[str]) -> bool:
    """Whether most of the words begin with a Latin letter (so that an A–Z index fits them)."""
    latin = sum(unicodedata.name(w[0], "").startswith("LATIN") for w in words if w)
    return latin * 2 > len(words)


def term_haystack(term: GlossaryTerm) -> str:
    """What the glossary filter searches: every language, the reading (if any) in hiragana and katakana, the
    abbreviation."""
    reading = kana.to_hiragana(term.reading or "")
    katakana = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in reading)
    parts = [*term.term.strings(), reading, katakana, term.abbr or "", term.expansion or "", *term.aliases]
    return " ".join(p for p in parts if p)
