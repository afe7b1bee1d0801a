"""Hostile data: every text field of the schema and every ui.yaml string carries a payload at once — a Markdown link
to javascript:, raw HTML with an event handler, a <script>, attr_list braces, Jinja braces, and a leading = + - @ or
their full-width forms — and one real build of that data must show all of it as written and run none of it: no live
javascript: link, no on* attribute, no script from the data, no evaluated {{ 7*7 }}, no formula in a workbook or a
CSV, and the payload verbatim in the Word, Markdown, JSON and OSCAL files.

The fields are found by walking the schema's models (generator/schema.py), so a field added later is attacked too;
ids, references, dates, choices and the kana readings are left alone (they are checked, not shown as text)."""

from __future__ import annotations

import copy
import csv
import html.parser
import io
import json
import os
import re
import resource
import subprocess
import sys
import types
import typing
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import cmarkgfm
import docx
import openpyxl
import pytest
import yaml
from cmarkgfm.cmark import Options
from pydantic import BaseModel

from generator import schema
from generator.build import Paths, build
from generator.load import load
from generator.validate import ITEM_MODELS as VALIDATED_MODELS
from generator.validate import SINGLE_MODELS

from .helpers import copy_fixture, copy_project

LEADS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")  # what a spreadsheet reads as the start of a formula
FORMULA_START = tuple("=+-@＝＋－＠")
MARK = "kbx"  # every payload holds kbx<n>, n unique: the checks find the payloads by it
VERBATIM = re.compile(r"kbx([0-9]+) \[x\]\(javascript:")
EVALUATED = "49kbj"  # what `{{ 7*7 }}kbj` would become if anything evaluated it
# Fields whose text is not free: the kana reading sorts the glossary (validated as kana); a template's quotes must be
# excerpts of the section text (each quote stays a substring, since the section texts only gain a prefix and a
# suffix); a position's mark is named again by the document's this_position.
LEFT_ALONE = {
    (schema.GlossaryTerm, "reading"),
    (schema.Template, "quotes"),
    (schema.Position, "mark"),
    (schema.Document, "this_position"),
}
UI_SETTINGS = {"glossary.collation", "search.thesaurus"}  # ui entries that name a rule or a file, not text to show


@dataclass
class Payloads:
    count: int = 0
    written: list[str] = field(default_factory=list)  # every injected string, as written into the data
    shown: list[tuple[str, str]] = field(default_factory=list)  # the payload before and after the original text

    def around(self, text: str, ui: bool = False) -> str:
        """A payload before and after the text: the lead character must start the field, attr_list braces end it.
        In a ui string a brace is written twice ({{ is how str.format writes one brace; a lone one is refused)."""
        self.count += 1
        n = self.count
        lead = LEADS[n % len(LEADS)]
        braces = ("{{", "}}") if ui else ("{", "}")
        before = (
            f"{lead}{MARK}{n} [x](javascript:alert({n})) <img src=x onerror=alert({n})> <script>alert({n})</script> "
        )
        before += "{{ 7*7 }}kbj "
        after = f" {MARK}end{braces[0]}: onclick=alert({n}) {braces[1]}"
        self.written.append(before + text + after)
        # What a reader must see as written, braces aside (str.format makes a ui string's doubled braces single).
        self.shown.append((before.partition("{{")[0], f" {MARK}end"))
        return self.written[-1]

    def verbatim(self, text: str) -> set[int]:
        """The payloads whose parts around the original text `text` shows exactly as written (the original text
        between them may have become links, bold or a term's tooltip)."""
        found = {int(n) for n in VERBATIM.findall(text)}
        return {n for n in found if self.shown[n - 1][0] in text and self.shown[n - 1][1] in text}


def _is_id(annotation) -> bool:
    """A str with a pattern (an id, a reference, a version) or a Literal: not text to show."""
    if typing.get_origin(annotation) is typing.Literal:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return any(getattr(meta, "pattern", None) for meta in annotation.__metadata__)
    return False


def inject(value, annotation, payloads: Payloads):
    """Put a payload into every text leaf of `value`, guided by the schema type `annotation`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return value if _is_id(annotation) else inject(value, typing.get_args(annotation)[0], payloads)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return value if value is None else inject(value, options[0], payloads)
    if _is_id(annotation):
        return value
    if annotation in (schema.Text, schema.UiString) and isinstance(value, dict):
        ui = annotation is schema.UiString
        return {code: payloads.around(text, ui) if isinstance(text, str) else text for code, text in value.items()}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
        for name, info in annotation.model_fields.items():
            if name in value and (annotation, name) not in LEFT_ALONE:
                value[name] = inject(value[name], _annotation(info), payloads)
        return value
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(annotation)
        return [inject(v, item, payloads) for v in value]
    if annotation is str and isinstance(value, str):
        return payloads.around(value)
    return value


def _annotation(info):
    """A field's type with its constraints (pydantic keeps those in `metadata`, apart from the bare type)."""
    return typing.Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation


# Every file the loader validates, by collection (kb.yaml aside: its values are ids, not text).
ITEM_MODELS = {"document": SINGLE_MODELS["document"], **VALIDATED_MODELS}


@dataclass(frozen=True)
class Hostile:
    site: Path
    payloads: Payloads
    fields: int  # text fields of the data
    ui_strings: int


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    root = copy_project(tmp_path_factory.mktemp("hostile"))
    data = root / "guideline_data"
    raw = load(data)
    payloads = Payloads()
    sections_before = copy.deepcopy([source.data for source in raw.files["sections"]])
    for name, model in ITEM_MODELS.items():
        for source in raw.files[name]:
            changed = inject(source.data, list[model] if isinstance(source.data, list) else model, payloads)
            _write(raw.root, source.path, changed)
    fields = payloads.count
    _quote_whole_texts(raw, sections_before)
    # Every interface string, the generator's defaults included: the data's ui.yaml overrides them key by key.
    strings = {key: value for source in raw.files["ui"] for key, value in source.data.items()}
    ui = {key: value if key in UI_SETTINGS else inject(value, schema.UiString, payloads)
          for key, value in strings.items()}  # fmt: skip
    _write(raw.root, "guideline_data/ui.yaml", ui)
    build(Paths.of(root))
    return Hostile(root / "site", payloads, fields, payloads.count - fields)


def _texts(value) -> list[dict]:
    """Every Text of a piece of data (a mapping of language codes to strings), in document order."""
    if isinstance(value, dict):
        if value and all(isinstance(v, str) for v in value.values()) and all(len(k) <= 7 for k in value):
            return [value]
        return [text for v in value.values() for text in _texts(v)]
    return [text for v in value for text in _texts(v)] if isinstance(value, list) else []


def _quote_whole_texts(raw, sections_before: list) -> None:
    """Template quotes are left as written (they must stay excerpts), but the section texts they quote gain a payload
    at each end, which changes how much of each text a quote covers in each language, unevenly. So each quote takes
    the whole attacked text it was an excerpt of, in every language, and the quote check still holds."""
    sections = [section for source in raw.files["sections"] for section in source.data]
    before = [section for data in sections_before for section in data]
    pairs = zip(before, sections, strict=True)
    whole = {after["id"]: list(zip(_quotable(was), _quotable(after), strict=True)) for was, after in pairs}
    for source in raw.files["templates"]:
        for quote in source.data.get("quotes", []):
            texts = whole[quote["section"]]
            for text in [quote["text"]] if "text" in quote else []:
                text.update(_attacked(text, texts))
            quote["items"] = [_attacked(item, texts) for item in quote.get("items", [])]
        _write(raw.root, source.path, source.data)


def _quotable(section: dict) -> list[dict]:
    """The texts a quote may be an excerpt of: those of the guideline's own blocks."""
    return _texts([block for block in section.get("blocks", []) if block.get("source", "guideline") == "guideline"])


def _attacked(quote: dict, whole: list[tuple[dict, dict]]) -> dict:
    first = next(iter(quote))
    piece = max(re.split(r"〔[^〔〕]*〕|\[[^\[\]]*\]", quote[first].replace("**", "")), key=len).strip()
    return next(dict(after) for original, after in whole if piece in original.get(first, "").replace("**", ""))


def _write(data_root: Path, shown: str, content) -> None:
    path = data_root / shown.removeprefix("guideline_data/")
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")


# ---------------------------------------------------------------- what a browser would run


class _Page(html.parser.HTMLParser):
    """Links, event handlers, scripts and text of one HTML file, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.handlers: list[tuple[str, str, str]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value or ""))
            if name in ("href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"):
                self.urls.append((tag, name, value or ""))
        if tag == "img":
            self.images.append(attributes.get("src") or "")
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))

    def handle_data(self, data):
        if self._script is not None:
            attributes, content = self.scripts[-1]
            self.scripts[-1] = (attributes, content + data)
        else:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def parsed(source: str) -> _Page:
    page = _Page()
    page.feed(source)
    page.close()
    return page


def assert_nothing_runs(page: _Page, where: str) -> None:
    for tag, name, value in page.urls:
        scheme = "".join(value.split()).lower()
        assert not scheme.startswith(("javascript:", "vbscript:", "data:text/html")), (where, tag, name, value)
    assert not [h for h in page.handlers if "alert" in h[2] or MARK in h[2]], (where, page.handlers)
    assert not [src for src in page.images if src == "x"], where  # an <img> from the data
    for attributes, content in page.scripts:
        if attributes.get("type") == "application/json":
            json.loads(content)  # data for the checklist script: inert, and still valid JSON
        else:
            assert MARK not in content and "alert(" not in content, (where, content[:200])


def test_every_text_field_and_ui_string_was_attacked(hostile):
    assert hostile.fields > 2000 and hostile.ui_strings > 300
    home = parsed((hostile.site / "index.html").read_text(encoding="utf-8"))
    shown = " ".join(home.text)
    assert "[x](javascript:alert(" in shown and "<script>alert(" in shown and "{{ 7*7 }}kbj" in shown


def test_no_page_runs_anything_from_the_data(hostile):
    pages = sorted(hostile.site.rglob("*.html"))
    assert len(pages) > 200
    for path in pages:
        source = path.read_text(encoding="utf-8")
        assert EVALUATED not in source, path
        assert_nothing_runs(parsed(source), str(path.relative_to(hostile.site)))


def test_pages_show_the_payloads_as_written(hostile):
    """Escaped is not enough: the reader sees the characters the data holds, braces and brackets included."""
    seen = set()
    for path in hostile.site.rglob("*.html"):
        text = " ".join(parsed(path.read_text(encoding="utf-8")).text)
        seen |= hostile.payloads.verbatim(text)
        # An escape that shows: a backslash before a bracket, or a reference escaped twice.
        shown = [p for p in ("\\[x\\]", "\\{", "&lt;", "&amp;", "&#") if p in text]
        assert not shown, (path.relative_to(hostile.site), shown)
    # The rest are ui strings only the browser script, the workbooks or Word use, and synonyms (search only).
    assert len(seen) > 0.7 * hostile.payloads.count, (len(seen), hostile.payloads.count)


def test_search_metadata_and_index_hold_no_script(hostile):
    for path in (hostile.site / "pagefind").rglob("*"):
        if path.is_file():
            assert EVALUATED.encode() not in path.read_bytes(), path


# ---------------------------------------------------------------- the downloads


def downloads(site: Path, suffix: str) -> list[Path]:
    found = sorted(p for p in site.rglob(f"*{suffix}") if "pagefind" not in p.parts)
    assert found, suffix
    return found


def test_workbooks_hold_no_formula_from_the_data(hostile):
    checked = 0
    for path in downloads(hostile.site, ".xlsx"):
        assert EVALUATED.encode() not in _unzipped(path), path
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if not (isinstance(cell.value, str) and MARK in cell.value):
                        continue
                    where = (path.name, sheet.title, cell.coordinate, cell.value[:60])
                    checked += 1
                    if cell.data_type == "f":  # the generator's own formulas hold data only inside "string literals"
                        assert MARK not in re.sub(r'"(?:[^"]|"")*"', "", cell.value), where
                    else:
                        assert cell.data_type == "s", where
                        if cell.value.startswith(FORMULA_START):
                            assert cell.quotePrefix, where
                    if cell.hyperlink is not None:
                        assert not (cell.hyperlink.target or "").lower().startswith("javascript:"), path
    assert checked > 500


def test_csv_fields_never_start_like_a_formula(hostile):
    checked = 0
    for path in downloads(hostile.site, ".csv"):
        text = path.read_bytes().decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            for value in row:
                if MARK in value:
                    checked += 1
                    assert not value.startswith(FORMULA_START), (path.name, value[:60])
    assert checked > 500


def test_word_files_show_the_text_as_written(hostile):
    shown = 0
    for path in downloads(hostile.site, ".docx"):
        assert EVALUATED.encode() not in _unzipped(path), path
        document = docx.Document(str(path))
        paragraphs = [p.text for p in document.paragraphs]
        paragraphs += [p.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
        shown += len(hostile.payloads.verbatim("\n".join(paragraphs)))
        for relation in document.part.rels.values():
            if relation.is_external:
                assert not relation.target_ref.lower().startswith("javascript:"), path
    assert shown > 100, shown


def test_markdown_files_render_to_text(hostile):
    """A downloaded Markdown template opened in a Markdown viewer shows the payload as text, never as a link,
    an attribute, an image or a script."""
    for path in downloads(hostile.site, ".md"):
        source = path.read_text(encoding="utf-8")
        assert EVALUATED not in source, path
        assert hostile.payloads.verbatim(_rendered(source, path.name)), path.name


# OSCAL's markup-line and markup-multiline fields are Markdown; its other strings (props, names) are plain.
OSCAL_MARKUP = {"title", "prose", "remarks", "text"}


def test_open_data_holds_the_text_as_written(hostile):
    """JSON and OSCAL are data: every text is the data's own string, nothing evaluated; OSCAL's Markdown fields show
    it as written once rendered, and run nothing."""
    for path in downloads(hostile.site / "downloads", ".json"):
        if path.name.endswith("schema.json"):
            continue
        oscal = "oscal" in path.name
        strings = [(key, s) for key, s in _strings(json.loads(path.read_text(encoding="utf-8"))) if MARK in s]
        assert len(strings) > 300, (path.name, len(strings))
        assert not [s for _, s in strings if EVALUATED in s], path
        shown = [_rendered(s, path.name) if oscal and key in OSCAL_MARKUP else s for key, s in strings]
        altered = [s for s in shown if not hostile.payloads.verbatim(s)]
        assert not altered, (path.name, len(altered), altered[:3])


def _rendered(markdown: str, where: str) -> str:
    """What GitHub's CommonMark makes of a Markdown text, raw HTML let through: checked to run nothing."""
    page = parsed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))
    assert_nothing_runs(page, where)
    return "".join(page.text)


def _strings(value, key: str = ""):
    """Every string of a JSON document, with the key it is the value of."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)


def _unzipped(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


# ---------------------------------------------------------------- the theme's templates (Material's and ours)

# Quotes of both kinds, a tag, an ampersand, a character reference and a way out of <title>: each must read as
# written wherever the theme prints it — text, a quoted attribute it escapes (title="{{ x | e }}") or one it does not
# (aria-label="{{ config.site_name }}"), <title> after striptags.
SITE_NAME = "Fictional cable-car cybersecurity guideline (for tests)"
THEME_PAYLOAD = 'A "q" \'a\' <b>&amp; &lt;i&gt; </title><script>alert(1)</script>" onmouseover="alert(2)" x="'


class _Elements(html.parser.HTMLParser):
    """Every attribute of every element and every text, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def theme_site(tmp_path_factory) -> Path:
    """The fixture knowledge base with the payload in the site name, a section title (navigation, page title,
    previous/next links), an actor's name (tags) and a language's name (the language selector)."""
    root = tmp_path_factory.mktemp("theme")
    data = copy_fixture(root)
    quoted = json.dumps(THEME_PAYLOAD)
    for path, old, new in (
        ("document.yaml", f"en: {SITE_NAME}", f"en: {json.dumps(THEME_PAYLOAD + ' ' + SITE_NAME)}"),
        ("sections/01_policy.yaml", "en: Involvement of executive management}", f"en: {quoted}}}"),
        ("actors.yaml", "en: Security officer}", f"en: {quoted}}}"),
    ):
        file = data / path
        text = file.read_text(encoding="utf-8")
        assert old in text
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
    with (data / "ui.yaml").open("a", encoding="utf-8") as ui:
        ui.write(f"language.en:\n  ja: {json.dumps(THEME_PAYLOAD)}\n  en: {json.dumps(THEME_PAYLOAD)}\n")
    paths = Paths.of(data=data)
    build(paths)
    return paths.site


def test_theme_prints_every_value_as_written(theme_site):
    pages = sorted((theme_site / "en").rglob("*.html"))
    shown = {"attribute": 0, "text": 0}
    for path in pages:
        page = _Elements()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        where = str(path.relative_to(theme_site))
        assert not [a for a in page.attributes if a[1].startswith("on")], where
        assert not [a for a in page.attributes if a[1] in ("x", "q", "a")], where  # no attribute from the payload
        for tag, name, value in page.attributes:
            if "alert(2)" in value:
                assert THEME_PAYLOAD in value, (where, tag, name, value)
                shown["attribute"] += 1
            rest = value.replace(THEME_PAYLOAD, "")  # an escape that shows: a reference escaped twice
            assert not [e for e in ("&quot;", "&lt;", "&#x27;", "&amp;") if e in rest], (where, tag, name, value)
        text = "".join(page.text)
        shown["text"] += text.count(THEME_PAYLOAD)
        rest = text.replace(THEME_PAYLOAD, "")
        assert not [e for e in ("&quot;", "&lt;", "&#x27;", "&amp;") if e in rest], where
        assert "alert(1)" not in text or THEME_PAYLOAD in text, where
        assert page.tags.count("script") == len(
            [s for s in re.findall(r"<script\b[^>]*>(.*?)</script>", path.read_text(encoding="utf-8"), re.S)]
        )
    assert len(pages) > 20
    # The logo's title and aria-label, the language selector, previous/next links, tags: in attributes and in text.
    assert shown["attribute"] > 3 * len(pages) and shown["text"] > 3 * len(pages), shown


def test_theme_title_element_reads_as_written(theme_site):
    source = (theme_site / "en" / "index.html").read_text(encoding="utf-8")
    page = _Elements()
    page.feed(source)
    title = re.search(r"<title>(.*?)</title>", source, re.S)
    assert title is not None and html.unescape(title.group(1)).endswith(f"{THEME_PAYLOAD} {SITE_NAME}")
    section = (theme_site / "en" / "guideline" / "1-1" / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", section, re.S)
    assert title is not None and html.unescape(title.group(1)).startswith("1.1 " + THEME_PAYLOAD), title.group(1)


# ---------------------------------------------------------------- an imported catalog is someone else's data

NIST_SLICE = Path(__file__).parent / "fixtures" / "oscal" / "nist-800-53-slice_catalog.json"
CATALOG_PAYLOAD = '"><img src=x onerror=alert(1)> <script>alert(2)</script> {{ 7*7 }}kbj [x](javascript:alert(3)) @ac-2'
TEXT_KEYS = ("title", "prose", "label", "remarks", "value")  # props' values (labels) among them


def _poisoned(value, key: str = ""):
    """The catalog with the payload after every text it shows (ids, uuids, hrefs and prop names left as they are)."""
    if isinstance(value, dict):
        return {k: _poisoned(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poisoned(v, key) for v in value]
    if isinstance(value, str) and key in TEXT_KEYS and not value.startswith(("#", "http")):
        return f"{value} {CATALOG_PAYLOAD}"
    return value


@pytest.fixture(scope="module")
def hostile_catalog_site(tmp_path_factory) -> Path:
    from generator.cli import main

    root = tmp_path_factory.mktemp("hostile-catalog")
    catalog = root / "catalog.json"
    catalog.write_text(json.dumps(_poisoned(json.loads(NIST_SLICE.read_text(encoding="utf-8")))), encoding="utf-8")
    assert main(["import", str(catalog), str(root / "kb"), "--language", "en"]) == 0
    paths = Paths.of(data=root / "kb" / "guideline_data")
    build(paths)
    return paths.site


def test_an_imported_catalogs_text_runs_nothing_and_reads_as_written(hostile_catalog_site):
    pages = sorted(p for p in hostile_catalog_site.rglob("*.html") if "pagefind" not in p.parts)
    assert len(pages) > 50
    shown = 0
    for path in pages:
        source = path.read_text(encoding="utf-8")
        where = str(path.relative_to(hostile_catalog_site))
        assert EVALUATED not in source, where
        page = _Elements()
        page.feed(source)
        assert not [a for a in page.attributes if a[1].startswith("on")], where
        assert not [a for a in page.attributes if a[1] in ("href", "src") and "javascript:" in a[2].lower()], where
        assert not [a for a in page.attributes if a[0] == "img" and a[1] == "src" and a[2] == "x"], where
        assert_nothing_runs(parsed(source), where)
        shown += "".join(page.text).count(CATALOG_PAYLOAD)
    assert shown > 500, shown  # titles, statements, parameters, props: shown as written


def _import_problem(tmp_path: Path, catalog: Path) -> str:
    """What `import` says of a catalog it refuses (it writes nothing)."""
    result = subprocess.run([sys.executable, "-m", "generator", "import", str(catalog), str(tmp_path / "kb"),
                             "--language", "en"], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).parent.parent)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "kb").exists()
    return result.stderr


def test_a_catalog_too_large_deep_or_of_aliases_stops_at_once(tmp_path):
    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:
        out.truncate(65_000_000)  # sparse: nothing is written, the size is what is checked first
    assert _import_problem(tmp_path, huge) == (
        f"1 problem in the data:\n{huge}: the file has 65,000,000 bytes, more than 64,000,000\n"
        "    fix: import a smaller file\n"
    )
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    bomb.write_text("\n".join(lines) + "\ncatalog: *a9\n", encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    said = _import_problem(tmp_path, bomb)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the processor time import took (an expansion would take minutes of it); wall time, 33 s on a busy machine, says
    # more about the others' load than about import
    assert after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime < 20
    assert said == (
        f"1 problem in the data:\n{bomb}: the file holds more than 1,000,000 values (YAML aliases that expand into "
        "aliases multiply)\n"
        "    fix: import a real OSCAL file\n"
    )
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    assert _import_problem(tmp_path, pipe) == (
        f"1 problem in the data:\n{pipe}: cannot read the file: not a regular file\n"
        "    fix: name an OSCAL JSON or YAML file\n"
    )


def test_path_like_ids_in_a_catalog_are_refused_by_its_schema(tmp_path):
    catalog = json.loads(NIST_SLICE.read_text(encoding="utf-8"))
    catalog["catalog"]["groups"][0]["controls"][0]["id"] = "../../../etc/passwd"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    said = _import_problem(tmp_path, path)
    assert (
        said.startswith(f"1 problem in the data:\n{path}: catalog.groups.0") and ": not a valid OSCAL catalog: " in said
    )


def _hostile_catalog(tmp_path: Path, change) -> Path:
    catalog = json.loads(NIST_SLICE.read_text(encoding="utf-8"))
    change(catalog["catalog"])
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    return path


def _first_control(catalog: dict) -> dict:
    return catalog["groups"][0]["controls"][0]


@pytest.mark.parametrize(
    ("change", "language", "message"),
    [
        (lambda c: _first_control(c).update(id="../x"), "en", "catalog.groups.0.controls.0.id: not a valid OSCAL "
         "catalog: String should match pattern"),
        (lambda c: _first_control(c).update(id="a/b"), "en", "catalog.groups.0.controls.0.id: not a valid OSCAL "
         "catalog: String should match pattern"),
        (lambda c: _first_control(c).update(title='a"b\n<x>'), "en", "catalog.groups.0.controls.0.title: not a "
         "valid OSCAL catalog: String should match pattern '^[^\\n]+$'"),
        (lambda c: c["groups"][0]["controls"][1].update(id=_first_control(c)["id"]), "en",
         "catalog.controls[].id: the id 'ac-1' is the id of two groups or controls\n"
         "    fix: give each its own id (OSCAL requires it)"),
        (lambda c: _first_control(c).update(id="ac"), "en",
         "catalog.controls[].id: the id 'ac' is the id of two groups or controls"),
        (lambda c: c["metadata"].setdefault("props", []).append({"name": "language", "value": 'ja"><script>'}), None,
         "catalog.metadata.props[language]: not a BCP 47 language code: 'ja\"><script>'\n"
         "    fix: give one such as en, ja or zh-Hant with --language"),
    ],
)  # fmt: skip
def test_a_hostile_catalog_is_named_where_it_is_wrong_and_nothing_is_written(
    tmp_path, capsys, change, language, message
):
    from generator.cli import main

    path = _hostile_catalog(tmp_path, change)
    before = sorted(tmp_path.iterdir())
    assert main(["import", str(path), str(tmp_path / "kb"), *(["--language", language] if language else [])]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"1 problem in the data:\n{path}: {message}"), err
    assert sorted(tmp_path.iterdir()) == before  # no kb/, nor the folder it was being written in
