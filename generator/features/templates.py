"""Policy templates: a printable page per template and Word and Markdown downloads, all from one YAML source.

Each template in guideline_data/templates/ (schema `Template`) is rendered three ways: template.md.j2 makes the web
page (A4 print stylesheet: docs/assets/kb-templates.css), template_download.md.j2 the Markdown file and
export_docx.py the Word file. The files live outside the site, so there `@` references become their labels
(number and title) instead of links. Templates are editorial: each quotes the guideline text it implements,
and the quotes are checked to be the guideline's words.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from .. import schema
from ..cache import compiled_code_templates
from ..errors import Problem
from ..export_docx import Span, sheets, template_docx
from ..i18n import Language, language_name
from ..kinds import ReferenceKind, SearchKind
from ..link import Key, Linked, segments
from ..overlay import Applied
from ..pages import Page, PageContext, label_of, url_of
from ..render import TEMPLATES
from ..walk import texts
from . import About, BuildSettings, Feature, HomeCard

INDEX = "templates/index.md"
STYLESHEET = "assets/kb-templates.css"
FORMATS = (("docx", "templates.word"), ("md", "templates.markdown"))
# What a plain Markdown file must escape so that data text shows as written (brackets alone make no link),
# and the list and heading markers that would turn the start of a line into a block.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_<>|]|\]\()")
BLOCK_MARKER = re.compile(r"^(\s*\d+)(?=[.)]\s)|^(\s*)(?=[-+#]\s)")


ROUTE = "templates/{id}.md"  # a template's page


@dataclass(frozen=True)
class TemplateContext(PageContext):
    """A template's page."""

    template: schema.Template


def page_path(template: schema.Template) -> str:
    return ROUTE.format(id=template.id)


def download_path(template: schema.Template, extension: str) -> str:
    return f"downloads/templates/{template.id}.{extension}"


class Templates(Feature):
    name = "templates"
    unread = (("sections", "*", "blocks"),)  # its downloads name sections by number and title only
    libraries = ("python-docx", "lxml")
    reserved_ids = {"templates": {"index": "templates/index.md is the list of all templates"}}
    reference_kinds = (
        ReferenceKind("tpl", "tpl", "templates", ("templates",), ROUTE, "", "title", found_by_id=True, annotated=True),
    )
    search_kinds = (SearchKind("template", 0.25, named=True, templates=("template.md.j2",)),)

    def check(self, linked: Linked) -> list[Problem]:
        return quote_problems(linked) + document_control_problems(linked)

    overlay: Applied | None = None

    @classmethod
    def relations(cls, kb: schema.KnowledgeBase) -> Iterator[tuple[str, Key, Key]]:
        for template in kb.templates:
            for target in template.implements:
                yield "implements", Key("tpl", template.id), Key("section", target)

    def has_data(self, linked: Linked) -> bool:
        return bool(linked.kb.templates)

    def configure(self, settings: BuildSettings) -> None:
        self.overlay = settings.overlay

    def pages(self, linked: Linked) -> list[Page]:
        # Each template is found by its name, purpose and fields (its kind ranks it after the guideline's sections).
        templates = [
            Page(page_path(t), "template.md.j2", t.title, TemplateContext(t), nav="tools")
            for t in with_document_control(linked)
        ]
        return [
            Page(INDEX, "templates_index.md.j2", "nav.templates", nav="tools", task="search.task.templates"),
            *templates,
        ]

    def files(self, linked: Linked, language: Language) -> dict[str, bytes]:
        environment = download_environment()
        files = {}
        for template in with_document_control(linked):
            plain = PlainText(linked, language, template, self.overlay.overlay.templates if self.overlay else None)
            meta = TemplateMeta.of(template, language)
            created = linked.kb.config.start_of(template.date)
            files[download_path(template, "docx")] = template_docx(template, language, plain, meta.edition, created)
            files[download_path(template, "md")] = markdown_download(environment, template, language, plain, meta)
        return files

    def about(self, linked: Linked, language: Language) -> dict[str, About]:
        return {
            download_path(template, extension): About(
                language.text(template.title), language.t(f"downloads.about.template_{extension}")
            )
            for template in with_document_control(linked)
            for extension, _ in FORMATS
        }

    def context(self, linked: Linked, language: Language, files: dict[str, bytes]) -> dict:
        def downloads(template: schema.Template) -> list[Download]:
            return [Download.of(template, extension, label, files) for extension, label in FORMATS]

        return {
            "template_downloads": downloads,
            "template_meta": lambda template: TemplateMeta.of(template, language),
            "template_sheets": sheets,
            "template_stylesheet": lambda path: posixpath.relpath(STYLESHEET, url_of(path) or "."),
        }

    def home_cards(self) -> list[HomeCard]:
        return [HomeCard(INDEX, "nav.templates", "templates.card_body")]


@dataclass(frozen=True)
class Download:
    label: str  # ui.yaml key
    path: str  # docs-relative
    name: str  # the file name a browser saves it under
    size: str

    @classmethod
    def of(cls, template: schema.Template, extension: str, label: str, files: dict[str, bytes]) -> Download:
        path = download_path(template, extension)
        return cls(label, path, posixpath.basename(path), f"{math.ceil(len(files[path]) / 1024)} KB")


@dataclass(frozen=True)
class TemplateMeta:
    """The edition line and the footer every rendering prints (page footer, Word header/footer, Markdown end)."""

    edition: str
    footer: str

    @classmethod
    def of(cls, template: schema.Template, language: Language) -> TemplateMeta:
        edition = language.t("templates.edition_of").format(edition=template.edition, date=language.date(template.date))
        return cls(edition, language.t("templates.footer").format(id=template.id, edition=edition))

    def escaped(self, plain: PlainText) -> TemplateMeta:
        return TemplateMeta(plain.escape(self.edition), plain.escape(self.footer))


class PlainText:
    """Data text for files outside the site: `@` references become labels, **bold** stays a span of its own."""

    def __init__(self, linked: Linked, language: Language, template: schema.Template,
                 fill: schema.TemplateFill | None = None) -> None:  # fmt: skip
        self.linked, self.language, self.template, self._fill = linked, language, template, fill

    def fill(self, field: schema.TemplateField) -> str | None:
        """The organisation's value for a field (an overlay's templates.yaml), or None: the field stays blank."""
        if self._fill is None:
            return None
        value = self._fill.fields.get(self.template.id, {}).get(field.id)
        if value is None and field.id in self._fill.company_fields:
            value = self._fill.company
        return self.language.text(value) if value else None

    def spans(self, text: schema.Text) -> list[Span]:
        """References become their labels; bold stays a span of its own."""
        spans = [
            Span(label_of(self.linked, self.language, s.key)) if s.key else Span(s.text, s.bold)
            for s in segments(self.language.text(text), self.linked.vocabulary)
        ]
        return [span for span in spans if span.text]

    def section(self, section_id: str) -> str:
        return label_of(self.linked, self.language, Key("section", section_id))

    # -- Markdown (the download template calls these)
    def text(self, text: schema.Text) -> Markup:
        """Text inside a line: a heading, a list item, a table cell."""
        return Markup(
            "".join(f"**{_escape_inline(s.text)}**" if s.bold else _escape_inline(s.text) for s in self.spans(text))
        )

    def paragraph(self, text: schema.Text) -> Markup:
        """Text that starts a line."""
        return _escape_line_start(self.text(text))

    @staticmethod
    def escape(raw: str) -> Markup:
        return _escape_line_start(_escape_inline(raw))


def _escape_inline(raw: str) -> str:
    return MARKDOWN_SPECIALS.sub(lambda m: "\\" + m.group(1), raw).replace("\n", " ")


def _escape_line_start(line: str) -> Markup:
    """A line that starts like a list item or a heading ("1. ", "- ", "# ") must not become one."""
    return Markup(BLOCK_MARKER.sub(lambda m: (m.group(1) or m.group(2)) + "\\", line))


def markdown_download(environment: jinja2.Environment, template: schema.Template, language: Language,
                      plain: PlainText, meta: TemplateMeta) -> bytes:  # fmt: skip
    markdown = environment.get_template("template_download.md.j2").render(
        template=template, d=plain, t=lambda key: plain.escape(language.t(key)), meta=meta.escaped(plain)
    )
    return markdown.encode("utf-8")


def download_environment() -> jinja2.Environment:
    """Jinja for Markdown files: nothing is HTML-escaped, PlainText escapes for Markdown instead. Its templates are
    compiled once for every later build (each language's process of a cold build compiled them)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=compiled_code_templates("downloads"),
    )


# The document-control block: (field id, kind, ui key) of its fields, then its approval stamp grid and revision history.
CONTROL_FIELDS = (
    ("dc-number", "line", "number"),
    ("dc-edition", "line", "edition"),
    ("dc-classification", "choice", "classification"),
    ("dc-established-on", "date", "established"),
    ("dc-revised-on", "date", "revised"),
)
CLASSIFICATIONS = ("confidential", "internal", "public")
STAMPS = ("drafted", "reviewed", "approved")
REVISION_COLUMNS = ("edition", "revised", "changes", "drafted", "approved")
STAMP_ROWS = 2  # two blank rows: room for a seal (印) and its date
REVISION_ROWS = 4


def with_document_control(linked: Linked) -> list[schema.Template]:
    """The templates as printed: a policy-type one (`document_control`) with the document-control block as its last
    sheet, the same block in every such template, in every language, on the page, in Word and in Markdown."""
    block = document_control(linked)
    return [
        t.model_copy(update={"parts": [*t.parts, *block]}) if t.document_control else t for t in linked.kb.templates
    ]


def document_control(linked: Linked) -> list[schema.TemplatePart]:
    """The block, from the interface strings `templates.control.*` (generic: any knowledge base, any language): the
    fields (number, edition, classification, dates, with the date blank's era hint), an approval stamp grid
    (drafted, reviewed, approved) and the revision history."""
    languages = [Language.of(linked.kb, code) for code in linked.kb.config.languages]

    def text(key: str) -> schema.Text:
        return schema.Text(**{language.code: language.t(f"templates.control.{key}") for language in languages})

    fields = [
        schema.TemplateField(
            id=field_id,
            label=text(key),
            kind=kind,
            choices=[text(f"classification.{c}") for c in CLASSIFICATIONS] if kind == "choice" else [],
            hint=text(f"{key}_hint") if kind == "line" else None,
        )
        for field_id, kind, key in CONTROL_FIELDS
    ]
    stamps = schema.TemplateTable(columns=[text(f"stamp.{s}") for s in STAMPS], blank_rows=STAMP_ROWS)
    history = schema.TemplateTable(
        columns=[text(f"history.{c}") for c in REVISION_COLUMNS],
        widths=[2, 3, 7, 3, 3],
        rows=[[text("history.first_edition"), None, text("history.established"), None, None]],
        blank_rows=REVISION_ROWS,
    )
    return [
        schema.TemplatePart(
            heading=text("heading"), guidance=text("guidance"), fields=fields, table=stamps, new_page=True
        ),  # fmt: skip
        schema.TemplatePart(heading=text("history"), table=history),
    ]


def document_control_problems(linked: Linked) -> list[Problem]:
    """A policy-type template's own field ids must not be the block's."""
    reserved = {field_id for field_id, _, _ in CONTROL_FIELDS}
    return [
        linked.locator.problem(
            ("templates", t_index, "parts", p_index, "fields", f_index, "id"),
            f"field id {field.id!r} is the document-control block's",
            "give the field another id (the block's fields start with 'dc-')",
        )
        for t_index, template in enumerate(linked.kb.templates)
        if template.document_control
        for p_index, part in enumerate(template.parts)
        for f_index, field in enumerate(part.fields)
        if field.id in reserved
    ]


def quote_problems(linked: Linked) -> list[Problem]:
    """Every quote must be the guideline's words, as complete in one language as in the other.

    Each language of a quote is an excerpt of one text of the section it names (our insertions in brackets, 〔…〕 and
    [...], may stand in the quote for words left out or added, as in any quotation: the words outside them are the
    guideline's, in their order). Both languages must quote the same text of the section, and as much of it: a
    quote that takes a whole sentence in Japanese and its tail in English is cut, not an excerpt."""
    problems = []
    languages = linked.kb.config.languages
    for t_index, template in enumerate(linked.kb.templates):
        for q_index, quote in enumerate(template.quotes):
            path = ("templates", t_index, "quotes", q_index)
            section = linked.index.sections.get(quote.section)
            if section is None:
                problems.append(linked.locator.problem(path + ("section",), f"unknown section {quote.section!r}"))
                continue
            guideline = [(p, text) for p, text in texts(section) if _is_guideline(section, p)]
            quoted = [(("items", i), item) for i, item in enumerate(quote.items)]
            if quote.text:
                quoted.append((("text",), quote.text))
            for where, text in quoted:
                found = {code: _excerpts(getattr(text, code), code, guideline) for code in languages}
                for code, spans in found.items():
                    if not spans:
                        problems.append(
                            linked.locator.problem(
                                path + where + (code,),
                                f"the quote is not the wording of section {quote.section} ({code})",
                                "copy the words from guideline_data/sections as they are (an excerpt is fine; "
                                "mark words left out with […])",
                            )
                        )
                first, *others = languages
                for other in others:
                    if not (found[first] and found[other]):
                        continue
                    twins = set(found[first]) & set(found[other])
                    if not twins or not any(_as_complete(found[first][t], found[other][t]) for t in twins):
                        one, two = next(iter(found[first].values())), next(iter(found[other].values()))
                        problems.append(
                            linked.locator.problem(
                                path + where + (other,),
                                f"the {language_name(other)} quote does not cover what the {language_name(first)} "
                                f"quotes of section {quote.section} ({language_name(first)} {one:.0%} of its text, "
                                f"{language_name(other)} {two:.0%})",
                                "quote the same words in every language; mark words left out with […] in each",
                            )
                        )
    return problems


# Our words inside the guideline's text or a quote: 〔…〕 in Japanese, [...] in English.
INSERTION = re.compile(r"〔[^〔〕]*〕|\[[^\[\]]*\]")
# What a quote may leave off at either end without being cut: quotation marks, brackets, sentence punctuation.
EDGE = re.compile(r"[\s「」『』“”‘’\"'()（）。.、,:：;；]+")
SAME_COVERAGE = 0.2  # the share of the quoted text each language covers may differ this much (word order, length)


@dataclass(frozen=True)
class Excerpt:
    """How much of a text of the guideline a quote covers, and whether it reaches the text's start and end."""

    share: float
    start: bool
    end: bool

    def __format__(self, spec: str) -> str:
        return format(self.share, spec)


def _excerpts(quote: str, code: str, guideline: list[tuple[tuple, schema.Text]]) -> dict[tuple, Excerpt]:
    """The texts of the section (by path) that hold `quote`, each with how much of it the quote covers."""
    pieces = [p.strip() for p in INSERTION.split(_bare(quote))]
    pieces = [p for p in pieces if EDGE.sub("", p)]
    found = {}
    for where, text in guideline:
        whole = _bare(getattr(text, code))
        start, position = None, 0
        for piece in pieces:
            index = whole.find(piece, position)
            if index < 0:
                break
            start = index if start is None else start
            position = index + len(piece)
        else:
            if pieces:
                share = _share(whole[start:position]) / max(_share(whole), 1)
                found[where] = Excerpt(share, not _share(whole[:start]), not _share(whole[position:]))
    return found


def _share(text: str) -> int:
    """The length of a text without our insertions and punctuation: what a quote of it can cover."""
    return len(EDGE.sub("", INSERTION.sub("", text)))


def _as_complete(ja: Excerpt, en: Excerpt) -> bool:
    """The same share of the text, within what word order and length allow; a whole text quoted whole."""
    whole = (ja.start and ja.end) == (en.start and en.end)
    return whole and abs(ja.share - en.share) <= SAME_COVERAGE


def _is_guideline(section: schema.Section, path: tuple) -> bool:
    """Text of the guideline's own blocks (not our editorial notes)."""
    return path[0] == "blocks" and section.blocks[path[1]].source == "guideline"


def _bare(text: str) -> str:
    return " ".join(text.replace("**", "").split())
