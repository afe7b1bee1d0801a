"""Open data: the knowledge base as JSON (with its JSON Schema) and as an OSCAL catalog, the downloads page listing
every feature's files, the print page with the whole guideline, and the about page with the changelog."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass

from markupsafe import Markup

from ..export_json import export_json, export_model, json_schema
from ..export_oscal import organisation_profile, oscal_json
from ..i18n import Language
from ..link import Key, Linked
from ..overlay import Applied
from ..pages import Page, anchor_slug
from ..render import PageRenderer, escape_html
from . import About, BuildSettings, Feature, HomeCard

DATA_FOLDER = "downloads/data/"
OSCAL_FILE = DATA_FOLDER + "guideline-catalog.oscal.json"
OSCAL_PROFILE = DATA_FOLDER + "organisation-profile.oscal.json"  # the organisation's values of the parameters
# Longest suffix first: a JSON Schema and an OSCAL catalog are JSON files with a purpose. Labels: ui strings
# downloads.file_format.<name>; a file of another kind shows its extension in capitals (PNG).
FORMATS = (
    (".schema.json", "schema_json"),
    (".oscal.json", "oscal_json"),
    (".json", "json"),
    (".xlsx", "xlsx"),
    (".docx", "docx"),
    (".csv", "csv"),
    (".pdf", "pdf"),
    (".md", "md"),
    (".zip", "zip"),
)


class OpenData(Feature):
    name = "open_data"
    overlay: Applied | None = None

    def configure(self, settings: BuildSettings) -> None:
        self.overlay = settings.overlay

    def pages(self, linked: Linked) -> list[Page]:
        return [
            Page("downloads.md", "downloads.md.j2", "nav.downloads", nav="end", task="search.task.downloads"),
            Page("print.md", "print.md.j2", "nav.print", searchable=False, nav="end", renderer=PrintRenderer),
            Page("about.md", "about.md.j2", "nav.about", nav="end", task="search.task.about"),
        ]

    def files(self, linked: Linked, language: Language) -> dict[str, bytes]:
        export, code = export_model(linked, self.overlay.overlay if self.overlay else None), language.code
        return {
            DATA_FOLDER + "knowledge-base.json": export_json(export),
            DATA_FOLDER + f"knowledge-base.{code}.json": export_json(export, code),
            DATA_FOLDER + "knowledge-base.schema.json": json_schema(),
            DATA_FOLDER + f"knowledge-base.{code}.schema.json": json_schema(code),
            OSCAL_FILE: oscal_json(linked, self.overlay),
            **self.organisation_profile(linked),
        }

    def about(self, linked: Linked, language: Language) -> dict[str, About]:
        code = language.code
        kinds = {
            DATA_FOLDER + "knowledge-base.json": "data_json",
            DATA_FOLDER + f"knowledge-base.{code}.json": "data_language_json",
            DATA_FOLDER + "knowledge-base.schema.json": "data_schema",
            DATA_FOLDER + f"knowledge-base.{code}.schema.json": "data_language_schema",
            OSCAL_FILE: "oscal_catalog",
            OSCAL_PROFILE: "oscal_profile",  # written only with an overlay that sets parameters
        }
        return {
            path: About(language.t(f"downloads.title.{kind}"), language.t(f"downloads.about.{kind}"))
            for path, kind in kinds.items()
        }

    def organisation_profile(self, linked: Linked) -> dict[str, bytes]:
        profile = organisation_profile(linked, self.overlay, posixpath.basename(OSCAL_FILE)) if self.overlay else None
        return {OSCAL_PROFILE: profile} if profile else {}

    def context(self, linked: Linked, language: Language, files: dict[str, bytes]) -> dict:
        # The OSCAL catalog is one file for every language (see export_oscal.catalog): the page says in which.
        first = Language.all(linked.kb)[0].code
        oscal_note = language.t("downloads.oscal_language").format(
            file=posixpath.basename(OSCAL_FILE), language=language.t(f"language.{first}")
        )
        everything = [path for path in files if posixpath.dirname(path) == "downloads"]  # the one zip (build.py)
        in_folders = {path: data for path, data in files.items() if path not in everything}
        return {
            "download_groups": download_groups(in_folders, language),
            "oscal_note": oscal_note,
            "download_all": download(everything[0], files, language) if everything else None,
        }

    def home_cards(self) -> list[HomeCard]:
        return [HomeCard("downloads.md", "nav.downloads", "home.card_downloads")]


class PrintRenderer(PageRenderer):
    """The print page holds every section, term and reference itself: links to them stay inside the page (and so
    inside a PDF of it), and anchors carry a prefix of their own. Terms are not marked: a tooltip does not print."""

    def text(self, text, mark_terms: bool = True):
        return super().text(text, mark_terms=False)

    def anchor(self, key: Key) -> str | None:
        key = self.linked.index.canonical(key)
        match key.kind:
            case "section":
                return "print-" + key.id.replace(".", "-")
            case "term":
                return f"print-term-{key.id}"
            case "ref":
                return f"print-ref-{key.id}"
            case "part":  # a statement item: the print page shows it with its own anchor
                return f"part-{anchor_slug(key.id)}"
        return None

    def md(self, key: Key | str, anchor: str = "") -> Markup:
        local = None if isinstance(key, str) else self.anchor(key)
        return escape_html(f"#{local}") if local else super().md(key, anchor)  # a URL: Markup, not text to escape

    def href(self, key: Key | str, anchor: str = "") -> Markup:
        local = None if isinstance(key, str) else self.anchor(key)
        return escape_html(f"#{local}") if local else super().href(key, anchor)


@dataclass(frozen=True)
class Download:
    path: str  # docs-relative
    name: str
    format: str
    size: str


def download_groups(files: dict[str, bytes], language: Language) -> list[dict]:
    """Every download of the language, by folder (downloads/checklists/, downloads/data/, …), names sorted. Only
    files under downloads/ are downloads: the site's own files (assets/search-words.json) once showed as a folder
    "assets". A folder's title is the ui string downloads.folder.<name>, which a feature adding one must define."""
    folders: dict[str, list[Download]] = defaultdict(list)
    for path in sorted(p for p in files if p.startswith("downloads/")):
        folders[posixpath.dirname(path)].append(download(path, files, language))
    groups = []
    for folder, downloads in sorted(folders.items()):
        kind = posixpath.basename(folder)
        groups.append({"kind": kind, "title": language.t(f"downloads.folder.{kind}"), "files": downloads})
    return groups


def download(path: str, files: dict[str, bytes], language: Language) -> Download:
    name = posixpath.basename(path)
    return Download(path, name, file_format(name, language), file_size(len(files[path])))


def file_format(name: str, language: Language) -> str:
    for suffix, label in FORMATS:
        if name.endswith(suffix):
            return language.t(f"downloads.file_format.{label}")
    return posixpath.splitext(name)[1].lstrip(".").upper() or "—"


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
