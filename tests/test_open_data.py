"""Open data: the JSON export and its schemas, the OSCAL catalog, the print page (A4, outside the search index), the
downloads page and the knowledge base's changelog, all read from the real build by the libraries that read them."""

from __future__ import annotations

import gzip
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from html.parser import HTMLParser

import jsonschema
import pytest
from pypdf import PdfReader

from generator.build import build, load_knowledge_base
from generator.errors import DataError
from generator.export_json import KnowledgeBaseExport, export_json, export_model, json_schema
from generator.export_oscal import oscal_json
from generator.features.open_data import DATA_FOLDER, OSCAL_FILE, file_size
from generator.i18n import Language
from generator.layout import Paths
from generator.load import load
from generator.schema import KnowledgeBase
from generator.validate import validate

from .helpers import copy_fixture
from .page_kinds import DEFAULT_LANGUAGE, LANGUAGES

A4 = (595.28, 841.89)  # points: 210 × 297 mm
OSCAL_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")  # OSCAL's token, restricted to ASCII


@pytest.fixture(scope="module")
def built_linked(built):
    """The data the site was built from (the project's own data may have moved on since the session's build)."""
    return load_knowledge_base(built[0].data)


PREFIX_OSCAL = "avsec-"  # kb.yaml oscal_prefix of the aviation knowledge base


def root_of(site, code):
    return site if code == DEFAULT_LANGUAGE else site / code


def prefix_of(code):
    return "" if code == DEFAULT_LANGUAGE else f"{code}/"


def read_json(site, code, name):
    return json.loads((root_of(site, code) / DATA_FOLDER / name).read_text(encoding="utf-8"))


class Markup(HTMLParser):
    """The ids, in-page link targets and download table rows of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.fragments: list[str] = []
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        href = attributes.get("href") or ""
        if tag == "a" and href.startswith("#") and len(href) > 1:
            self.fragments.append(href[1:])
        if tag == "a" and self._cell is not None:
            self.links.append(href)
        if tag == "tr":
            self.rows.append([])
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize("code", LANGUAGES)
def test_json_validates_against_its_schema(site, code):
    for data, schema in (
        ("knowledge-base.json", "knowledge-base.schema.json"),
        (f"knowledge-base.{code}.json", f"knowledge-base.{code}.schema.json"),
    ):
        schema_document = read_json(site, code, schema)
        jsonschema.Draft202012Validator.check_schema(schema_document)
        validator = jsonschema.Draft202012Validator(
            schema_document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        validator.validate(read_json(site, code, data))
    # The one-language schema is not a formality: it rejects the two-language file.
    one_language = jsonschema.Draft202012Validator(read_json(site, code, f"knowledge-base.{code}.schema.json"))
    assert not one_language.is_valid(read_json(site, code, "knowledge-base.json"))


def test_the_schemas_are_generated_once_and_each_language_changes_only_its_own():
    """The export's schema is generated once a process; a one-language schema is made from a copy of it."""
    both = json_schema()
    one = json.loads(json_schema("ja"))
    assert one["$defs"]["Text"]["type"] == "string" and one["title"].endswith(" (ja)")
    assert json_schema() == both and json_schema("ja") == json.dumps(one, ensure_ascii=False, indent=1).encode() + b"\n"
    assert json.loads(both)["$defs"]["Text"].get("type") != "string"


def test_round_trip_through_the_models_is_lossless(site, built_linked):
    text = (site / DATA_FOLDER / "knowledge-base.json").read_bytes()
    export = KnowledgeBaseExport.model_validate_json(text)
    assert export == export_model(built_linked)
    assert export_json(export) == text  # and back to the very same bytes
    # The interface strings and the search's everyday words serve the site, not the open data.
    fields = {name: getattr(export, name) for name in KnowledgeBase.model_fields if name not in ("ui", "words")}
    assert KnowledgeBase(**fields, ui=built_linked.kb.ui, words=built_linked.kb.words) == built_linked.kb
    assert len(export.links) == len(built_linked.index.links)
    assert export.controls == [s.id for s in built_linked.kb.sections if s.id.startswith("5.")]
    for code in LANGUAGES:  # every language's site offers the same two-language file
        assert (root_of(site, code) / DATA_FOLDER / "knowledge-base.json").read_bytes() == text


@pytest.mark.parametrize("code", LANGUAGES)
def test_one_language_file_holds_that_language(site, built_linked, code):
    data = read_json(site, code, f"knowledge-base.{code}.json")
    kb = built_linked.kb
    assert data["languages"] == [code]
    assert [s["title"] for s in data["sections"]] == [getattr(s.title, code) for s in kb.sections]
    assert data["glossary"][0]["definition"] == getattr(kb.glossary[0].definition, code)
    assert data["document"]["title"] == getattr(kb.document.title, code)


# ---------------------------------------------------------------- OSCAL


def controls_in(controls):
    for control in controls or []:
        yield control
        yield from controls_in(control.controls)


def test_oscal_catalog_loads_in_trestle_with_every_section(site, built_linked, tmp_path):
    from trestle.oscal.catalog import Catalog

    path = site / OSCAL_FILE
    catalog = Catalog.oscal_read(path)
    kb = built_linked.kb
    groups = {group.id: group for group in catalog.groups}
    controls = {c.id: c for group in catalog.groups for c in controls_in(getattr(group, "controls", None))}
    chapters = [s for s in kb.sections if kb.config.parent_of(s) is None]
    assert list(groups) == [PREFIX_OSCAL + s.id for s in chapters]
    numbered = [s for s in kb.sections if s.id[0].isdigit()]
    assert {PREFIX_OSCAL + s.id for s in numbered} <= groups.keys() | controls.keys()
    assert set(controls) == {PREFIX_OSCAL + s.id for s in numbered if kb.config.parent_of(s)}
    assert all(OSCAL_TOKEN.match(i) for i in (*groups, *controls))

    assert catalog.metadata.version == kb.changelog[0].version
    assert json.loads(path.read_text(encoding="utf-8"))["catalog"]["metadata"]["oscal-version"].startswith("1.1.")
    control = controls[PREFIX_OSCAL + "5.4.2"]
    section = {s.id: s for s in kb.sections}["5.4.2"]
    assert control.class_ == "control"
    props = {p.name: p.value for p in control.props}
    assert props["label"] == "5.4.2"
    assert props["title-en"] == section.title.en
    assert props["change-status"] == section.status
    assert {"overview", "statement", "example"} <= {p.name for p in control.parts}

    # Every link points inside the catalog: at a group, a control or a back-matter resource.
    resources = {r.uuid for r in catalog.back_matter.resources}
    hrefs = [link.href for item in (*groups.values(), *controls.values()) for link in (item.links or [])]
    assert hrefs
    assert {h.removeprefix("#") for h in hrefs} <= groups.keys() | controls.keys() | resources

    # Read back what trestle writes, and build again: the same bytes (uuids are uuid5, no clock).
    copy = tmp_path / "catalog.json"
    catalog.oscal_write(copy)
    assert Catalog.oscal_read(copy) == catalog
    assert oscal_json(built_linked) == path.read_bytes()


# ---------------------------------------------------------------- print page


@pytest.mark.browser
@pytest.mark.parametrize("code", LANGUAGES)
def test_print_page_prints_on_a4(page, server, built_linked, code):
    page.goto(server + prefix_of(code) + "print/")
    page.emulate_media(media="print")
    assert page.locator(".md-header").is_hidden()
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert len(pdf.pages) > 20
    for sheet in pdf.pages:  # Chromium rounds the sheet to whole CSS pixels
        assert abs(float(sheet.mediabox.width) - A4[0]) < 1.5
        assert abs(float(sheet.mediabox.height) - A4[1]) < 1.5
    # The whole guideline is there, the chapters the screen had not shown yet too: its last section (an annex) ends
    # the document, and every section's title is printed.
    language = Language.of(built_linked.kb, code)
    last = language.section_number(built_linked.kb.sections[-1].id)
    flat = lambda text: re.sub(r"\s", "", unicodedata.normalize("NFKC", text))  # noqa: E731
    assert flat(last) in flat(pdf.pages[-1].extract_text())
    glyphs = str.maketrans({"‧": "・", "⻑": "長"})  # how pypdf reads two of the Japanese font's glyphs
    printed = flat("".join(sheet.extract_text() for sheet in pdf.pages)).translate(glyphs)
    assert [s.id for s in built_linked.kb.sections if flat(language.section_title(s)) not in printed] == []


@pytest.mark.browser
def test_print_page_shows_a_chapter_as_the_reader_reaches_it(page, server, built_linked):
    """The print page opens with its first chapter laid out; a link into a chapter not shown yet shows it, and the
    others follow as the reader scrolls to them."""
    page.goto(server + "print/")
    parts = page.locator("[data-kb-part]")
    chapters = [s for s in built_linked.kb.sections if built_linked.kb.depth(s.id) == 0]
    assert parts.count() == len(chapters)
    assert parts.last.get_attribute("hidden") == "until-found" and parts.first.get_attribute("hidden") is None
    last = f"#print-{chapters[-1].id.replace('.', '-')}"
    page.locator(f".kb-print-toc a[href='{last}']").click()
    assert parts.last.get_attribute("hidden") is None
    assert page.locator(last).evaluate("h => h.getBoundingClientRect().top < innerHeight")
    page.evaluate("scrollTo(0, 0)")
    for _ in range(200):  # from the top to the last chapter, a screen at a time
        if not page.locator("[data-kb-part][hidden]").count():
            break
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(50)
    assert not page.locator("[data-kb-part][hidden]").count()


@pytest.mark.parametrize("code", LANGUAGES)
def test_print_page_anchors_are_unique_and_its_links_stay_inside(site, built_linked, code):
    html = (root_of(site, code) / "print" / "index.html").read_text(encoding="utf-8")
    markup = Markup(html)
    assert not [i for i, count in Counter(markup.ids).items() if count > 1]
    kb = built_linked.kb
    expected = {"print-" + s.id.replace(".", "-") for s in kb.sections}
    expected |= {f"print-term-{t.id}" for t in kb.glossary} | {f"print-ref-{r.id}" for r in kb.references}
    assert expected <= set(markup.ids)
    assert set(markup.fragments) <= set(markup.ids)
    assert {f"print-{s.id.replace('.', '-')}" for s in kb.sections} <= set(markup.fragments)  # the contents


def fragment_urls(site):
    """The URL of every page in the Pagefind index (its fragments are gzipped JSON behind a signature)."""
    for fragment in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        yield json.loads(data.removeprefix(b"pagefind_dcd"))["url"]


def test_print_page_is_not_in_the_search_index(site):
    urls = set(fragment_urls(site))
    assert {"/downloads/", "/en/downloads/"} <= urls  # our other pages are indexed
    assert not [url for url in urls if url.rstrip("/").endswith("/print")]
    for code in LANGUAGES:
        html = (root_of(site, code) / "print" / "index.html").read_text(encoding="utf-8")
        assert "data-pagefind-body" not in html


SEARCH = """async ([bundle, query]) => {
    const pagefind = await import(bundle + "pagefind.js");
    await pagefind.init();
    const search = await pagefind.search(query);
    return Promise.all(search.results.map(async (result) => (await result.data()).url));
}"""


@pytest.mark.browser
@pytest.mark.parametrize(("code", "query"), [("ja", "アクセス制御"), ("en", "access control")])
def test_search_never_returns_the_print_page(page, server, code, query):
    """Words of the print page find the section pages, never the print page that repeats them."""
    page.goto(server + prefix_of(code) + "downloads/")
    urls = page.evaluate(SEARCH, [server + "pagefind/", query])
    assert urls
    assert not [url for url in urls if "/print/" in url]


# ---------------------------------------------------------------- downloads, about, changelog


@pytest.mark.parametrize("code", LANGUAGES)
def test_downloads_page_lists_every_file_of_its_language(site, built, built_linked, code):
    root = root_of(site, code) / "downloads"
    files = {
        path.relative_to(root).as_posix(): path.stat().st_size
        for path in root.rglob("*")
        if path.is_file() and path != root / "index.html"
    }
    made = built[0].build / code / "docs" / "downloads"  # what the build wrote for MkDocs to publish
    assert set(files) == {p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file()}
    page = (root / "index.html").read_text(encoding="utf-8")
    everything = f"{built_linked.kb.config.slug}-{code}.zip"  # every file of the language in one zip, atop the tables
    assert f'<a class="md-button" download="{everything}" href="{everything}">' in page
    with zipfile.ZipFile(root / everything) as archive:
        assert sorted(archive.namelist()) == sorted(f"{everything[:-4]}/{p}" for p in files if p != everything)
        assert all(archive.read(f"{everything[:-4]}/{p}") == (root / p).read_bytes() for p in files if p != everything)
    files.pop(everything)
    listed = download_rows(page, files)
    assert list(listed) == sorted(files, key=lambda p: (p.rsplit("/", 1)[0], p))  # by folder, then name
    assert "data/guideline-catalog.oscal.json" in files


def download_rows(page: str, files: dict[str, int]) -> dict[str, tuple[str, str]]:
    """The downloads page's (title, description) by link, each row's format and size checked against its file."""
    markup = Markup(page)
    rows = [row for row in markup.rows if row]
    listed = {}
    for (title, description, file_format, size), href in zip(rows, markup.links, strict=True):
        assert title and description and file_format, (href, title, description, file_format)
        assert size == file_size(files[href]), href
        listed[href] = (title, description)
    return listed


def test_every_download_shows_its_title_from_the_data_as_written_and_what_it_is(tmp_path):
    """On the fixture knowledge base: each file says what it is (a checklist's or template's own title, a line per
    kind of file from ui.yaml, which a knowledge base's own ui.yaml overrides), in the page's language; a title
    with Markdown and HTML in it shows as written."""
    data = copy_fixture(tmp_path / "project")
    odd = "<b>Two</b> | *Controls* & [x](y) @@"
    checklist = data / "checklists" / "01_ch2.yaml"
    text = checklist.read_text(encoding="utf-8")
    checklist.write_text(text.replace('en: "Chapter 2: Controls"', f"en: {json.dumps(odd)}", 1), encoding="utf-8")
    with (data / "ui.yaml").open("a", encoding="utf-8") as ui:
        ui.write("downloads.about.template_md: {ja: 様式のテキスト版, en: The form as <i>text</i>}\n")
    paths = Paths.of(data=data)
    build(paths)
    languages = {language.code: language for language in Language.all(load_knowledge_base(data).kb)}
    expected = {
        "ja": {"checklists/ch2-ja.xlsx": ("第2章 対策", "downloads.about.checklist_xlsx"),
               "checklists/remote-ja.csv": ("遠隔からの接続", "downloads.about.checklist_csv"),
               "templates/risk-record.docx": ("リスク評価記録", "downloads.about.template_docx"),
               "templates/risk-record.md": ("リスク評価記録", "様式のテキスト版")},
        "en": {"checklists/ch2-en.xlsx": (odd.replace("@@", "@"), "downloads.about.checklist_xlsx"),
               "checklists/ch2-en.csv": (odd.replace("@@", "@"), "downloads.about.checklist_csv"),
               "checklists/checklists-en.xlsx": ("Checklists", "downloads.about.checklists_xlsx"),
               "templates/risk-record.md": ("Risk assessment record", "The form as <i>text</i>"),
               "data/knowledge-base.en.json": ("The whole knowledge base (English)",
                                               "downloads.about.data_language_json")},
    }  # fmt: skip
    for code, language in languages.items():
        root = root_of(paths.site, code) / "downloads"
        files = {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*")
                 if p.is_file() and p.parent != root}  # fmt: skip
        page = (root / "index.html").read_text(encoding="utf-8")
        listed = download_rows(page, files)
        assert set(listed) == set(files)
        other = language.t("downloads.about.other")  # a file its feature does not describe
        assert not [path for path, (title, line) in listed.items() if title == path.rsplit("/")[-1] or line == other]
        for path, (title, line) in expected[code].items():
            assert listed[path] == (title, language.t(line) if line.startswith("downloads.") else line), path
    english = (paths.site / "en" / "downloads" / "index.html").read_text(encoding="utf-8")
    assert "<b>Two</b>" not in english and "<i>text</i>" not in english


def test_changelog_is_on_the_about_page_and_in_every_export(site, built_linked):
    kb = built_linked.kb
    version = kb.changelog[0].version
    for code in LANGUAGES:
        about = (root_of(site, code) / "about" / "index.html").read_text(encoding="utf-8")
        assert all(entry.version in about for entry in kb.changelog)
        assert read_json(site, code, "knowledge-base.json")["version"] == version
        assert read_json(site, code, f"knowledge-base.{code}.json")["changelog"][0]["version"] == version
    oscal = json.loads((site / OSCAL_FILE).read_text(encoding="utf-8"))["catalog"]["metadata"]
    assert oscal["version"] == version
    assert [r["version"] for r in oscal["revisions"]] == [e.version for e in kb.changelog]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[]\n", "guideline_data/changelog.yaml:1: the changelog is empty"),
        (
            "- {version: 1.0.0, date: 2026-01-01, changes: [{ja: 初版, en: First}]}\n"
            "- {version: 1.1.0, date: 2026-02-01, changes: [{ja: 追加, en: Added}]}\n",
            "guideline_data/changelog.yaml:2: [1].version: version 1.1.0 (2026-02-01) comes after 1.0.0",
        ),
    ],
)
def test_changelog_must_exist_newest_first(tmp_path, content, expected):
    data = copy_fixture(tmp_path)
    (data / "changelog.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        validate(load(data))
    assert [str(p) for p in caught.value.problems if str(p).startswith(expected)]
