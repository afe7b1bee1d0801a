"""Features: each adds pages, downloadable files and template context to the build, through the same hooks.

The build runs every feature kb.yaml lists (generator/features/registry.py, the one list of them), in one lifecycle
on one set of instances: configure (the build's settings), check (its own data's rules), then pages, files and
context per language. A feature that has nothing for a hook keeps the default. Beside its hooks a feature declares
what the core needs to know of it: its name in kb.yaml, the kinds of thing text may refer to that its pages show
(`@<prefix>:<id>`: where each leads, what it is called), the kinds of its pages for search, the ids it reserves,
what its files leave unread of the data and which libraries shape their bytes (the cache's key). The core derives
its tables from these (generator/kinds.py): it names no feature's page. This is the one place where new page kinds,
references and downloads plug in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ..errors import Problem
from ..i18n import Language
from ..kinds import ReferenceKind, SearchKind
from ..link import Key, Linked
from ..overlay import Applied
from ..pages import Page
from ..schema import KnowledgeBase
from ..validate import Validated


@dataclass(frozen=True)
class BuildSettings:
    """What a build knows beyond the data, handed to every feature before it produces anything."""

    site_url: str  # where the site is published ("" when unknown): the knowledge base's mkdocs.yml site_url
    overlay: Applied | None = None  # the organisation's own layer, when the build has one

    @property
    def site_root(self) -> str:
        return self.site_url if not self.site_url or self.site_url.endswith("/") else self.site_url + "/"


@dataclass(frozen=True)
class HomeCard:
    path: str  # the page the card links to
    title: str  # ui.yaml key
    body: str  # ui.yaml key


@dataclass(frozen=True)
class About:
    """What one of a feature's downloads is, in one language, as the downloads page shows it: its title (a
    checklist's or template's own, as the data writes it, or a ui string) and one line on what kind of file it is (a
    ui string). Both are text to show as written."""

    title: str
    description: str


class Feature:
    """Override what the feature provides."""

    name: ClassVar[str] = ""  # its name in kb.yaml `features` ("" for one every site has)
    # What its files leave unread of the knowledge base (paths into its JSON; "*" is every list item): a change
    # there keeps its cached files. Nothing listed: it is taken to read all of it.
    unread: ClassVar[tuple[tuple[str, ...], ...]] = ()
    libraries: ClassVar[tuple[str, ...]] = ()  # the distributions that shape its files' bytes (cache key)
    # Its files are shown on no page and given to no template (its `context` does not read them): another language's
    # process may make them, into the build cache, for the language's own to read (build._one_language).
    files_made_anywhere: ClassVar[bool] = False
    # Ids of the data's items (by collection: "checklists", "templates", "sections") that would take the place of a
    # page or a download the feature makes, or of a name its script gives a meaning, each with why.
    reserved_ids: ClassVar[dict[str, dict[str, str]]] = {}
    reference_kinds: ClassVar[tuple[ReferenceKind, ...]] = ()  # what text may refer to with @, and where it leads
    search_kinds: ClassVar[tuple[SearchKind, ...]] = ()  # the kinds of its pages search tells apart (by template)
    # A folder of its own page templates, for a feature outside the generator's package (those inside keep theirs in
    # generator/templates/); searched after the generator's.
    template_folder: ClassVar[Path | None] = None

    @classmethod
    def derived(cls, validated: Validated) -> KnowledgeBase:
        """The knowledge base with what the feature makes of its data added as data (before the links, so that text
        may refer to it): the checklists make a checklist of each selection that has none of its own."""
        return validated.kb

    @classmethod
    def relations(cls, kb: KnowledgeBase) -> Iterator[tuple[str, Key, Key]]:
        """The typed links its data makes beside the `@` references in its text: (relation, source, target), the
        relation one of link.RELATIONS (a checklist includes its items, an item is derived from its section)."""
        return iter(())

    def has_data(self, linked: Linked) -> bool:
        """A feature with no data of its own adds nothing: no pages, files, cards or checks."""
        return True

    def configure(self, settings: BuildSettings) -> None:
        """Called at the start of every build, before any other hook."""

    def check(self, linked: Linked) -> list[Problem]:
        """Rules of the feature's own data that need the linked whole; run by `check` and by every build."""
        return []

    def pages(self, linked: Linked) -> list[Page]:
        return []

    def files(self, linked: Linked, language: Language) -> dict[str, bytes]:
        """Downloadable files, by docs-relative path (e.g. downloads/ja/checklists.xlsx)."""
        return {}

    def about(self, linked: Linked, language: Language) -> dict[str, About]:
        """What each of its downloads is, by the path `files` writes it under (every one under downloads/; one it
        does not write is not shown). A download it does not describe is shown by its file name."""
        return {}

    def context(self, linked: Linked, language: Language, files: dict[str, bytes]) -> dict:
        """Values every template of this language may use (`files`: all downloads of this language)."""
        return {}

    def home_cards(self) -> list[HomeCard]:
        return []
