"""Word (.docx) files of the policy templates, built with python-docx.

The layout follows the web page: a title, the editorial notice, then per part a Heading 1, its guidance, text,
lists, a fields table and a data table; last the quoted guideline text. Form fields are table cells: a shaded label
cell beside an empty answer cell (no content controls, so the file opens the same in any word processor). The page
is A4 with margins close to the web page's print margins, and each sheet starts a new page; header and footer carry
the template ID and edition. Japanese text is set in East Asian fonts: `w:eastAsia` is named on the Normal, Title,
heading, quote, header and footer styles.

What is the same for every file of a language (page, styles, settings) is prepared once (`_base`) and each file
starts from a copy of it. The base declares the current Word compatibility mode (python-docx's own template says Word
2010, so Word would open every file in compatibility mode) and drops that template's blank thumbnail. Each numbered
list gets a numbering instance of its own that starts at 1 (in Word, paragraphs of one numbering instance count on
across the whole document). Quotes are indented with a rule at the left; Japanese text is never set in (synthetic)
italics.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
from dataclasses import dataclass
from typing import Protocol

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import schema
from .i18n import Language

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
SIDE_MARGIN_MM, TOP_MARGIN_MM, BOTTOM_MARGIN_MM = 15, 18, 18  # near the web page's print margins (kb.css)
TEXT_WIDTH_MM = 210 - 2 * SIDE_MARGIN_MM
LABEL_WIDTH_MM = 58  # a third of the line, as on the web page
ROW_HEIGHT_MM = 7.5  # a blank row: room for one handwritten line, as on the printed page
LINE_HEIGHT_MM = 7  # each ruled line of a "text" field
SHADE = "EDEFF5"
TABLE_TEXT, SMALL_TEXT = Pt(8.5), Pt(8)
INK = RGBColor(0x1F, 0x25, 0x33)
MUTED = RGBColor(0x5F, 0x66, 0x73)


@dataclass(frozen=True)
class Typography:
    """How a language's Word files are set (ui strings docx.*): the Latin and East Asian fonts of the body and of
    the headings, the language tags Word checks spelling by, and whether quotes are in italics (Japanese has none)."""

    body: tuple[str, str]
    heading: tuple[str, str]
    locale: str
    east_asian_locale: str
    italic_quotes: bool

    @classmethod
    def of(cls, language: Language) -> Typography:
        t = language.t
        return cls((t("docx.font.body"), t("docx.font.body_east_asian")),
                   (t("docx.font.heading"), t("docx.font.heading_east_asian")),
                   t("docx.locale"), t("docx.locale_east_asian"), t("docx.quote_italic") == "yes")  # fmt: skip


HEADING_STYLES = ("Title", "Heading 1", "Heading 2")
# Styles the files use, by name; paragraphs are given their ids directly (python-docx's lookup by name is slow).
USED_STYLES = ("Title", "Heading 1", "Quote", "List Number", "List Bullet", "List Bullet 2", "Table Grid")
WORD_2013 = "15"  # compatibilityMode of Word 2013 and every later version: no compatibility mode
QUOTE_RULE = "A0A8B8"
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False


class TextSource(Protocol):
    """Data text as spans, with `@` references already turned into labels (features.templates.PlainText)."""

    def spans(self, text: schema.Text) -> list[Span]: ...

    def section(self, section_id: str) -> str: ...

    def fill(self, field: schema.TemplateField) -> str | None: ...


def template_docx(
    template: schema.Template, language: Language, source: TextSource, edition: str, footer: str
) -> bytes:
    """The Word file of one template. `footer`: the one-line text beside the page numbers."""
    base, ids = _base(Typography.of(language))
    document = Document(io.BytesIO(base))
    lists = _Lists(document, ids)
    _header_footer(document, language, template, edition, footer)
    _properties(document, template, language, source, edition)
    t = language.t

    _styled(document.add_paragraph(_plain(source, template.title)), ids["Title"])
    meta = document.add_paragraph(f"{t('templates.id')}{t('punct.colon')}{template.id}　{edition}")
    _small(meta)
    notice = document.add_paragraph()
    _runs(
        notice,
        [Span(t("templates.editorial_title") + t("templates.colon"), bold=True), Span(t("templates.editorial_body"))],
    )
    implements = t("punct.list").join(source.section(s) for s in template.implements)
    _runs(
        document.add_paragraph(), [Span(t("templates.implements") + t("templates.colon"), bold=True), Span(implements)]
    )
    _runs(document.add_paragraph(), source.spans(template.purpose))

    for part in template.parts:
        heading = _styled(document.add_paragraph(_plain(source, part.heading)), ids["Heading 1"])
        heading.paragraph_format.page_break_before = part.new_page
        if part.guidance:
            guidance = document.add_paragraph()
            _runs(
                guidance,
                [Span(t("templates.guidance") + t("templates.colon"), bold=True), *source.spans(part.guidance)],
            )
            _small(guidance)
        for text in part.body:
            _runs(document.add_paragraph(), source.spans(text))
        numbering = lists.restart() if part.numbered else None
        for item in part.items:
            paragraph = _styled(document.add_paragraph(), ids["List Number" if part.numbered else "List Bullet"])
            if numbering:
                lists.number(paragraph, numbering)
            _runs(paragraph, source.spans(item))
        if part.fields:
            _fields_table(document, part.fields, source, language, ids)
        if part.fields and part.table:
            document.add_paragraph()  # Word joins two tables that touch; a paragraph keeps them apart
        if part.table:
            _data_table(document, part.table, source, ids)

    _styled(document.add_paragraph(t("templates.basis")), ids["Heading 1"])
    _small(document.add_paragraph(t("templates.basis_note")))
    for quote in template.quotes:
        if quote.text:
            _runs(_styled(document.add_paragraph(), ids["Quote"]), source.spans(quote.text))
        for item in quote.items:
            _runs(_styled(document.add_paragraph(), ids["List Bullet 2"]), source.spans(item))
        _small(document.add_paragraph(f"— {source.section(quote.section)}")).alignment = WD_ALIGN_PARAGRAPH.RIGHT

    return _saved(document, template.date)


@functools.cache
def _base(typography: Typography) -> tuple[bytes, dict[str, str]]:
    """What every file of a language shares: page, styles and settings, saved once; and the used styles' ids."""
    document = Document()
    _page_setup(document)
    _styles(document, typography)
    _settings(document)
    ids = {name: document.styles[name].style_id for name in USED_STYLES}
    numbered = document.styles["List Number"].element.pPr.numPr.numId.val
    ids["abstract-number"] = str(document.part.numbering_part.element.num_having_numId(numbered).abstractNumId.val)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), ids


class _Lists:
    """A numbering instance per numbered list, each starting at 1 (Word's `startOverride`)."""

    def __init__(self, document, ids: dict[str, str]) -> None:
        self.numbering = document.part.numbering_part.element
        self.abstract = int(ids["abstract-number"])

    def restart(self) -> int:
        number = self.numbering.add_num(self.abstract)
        number.add_lvlOverride(ilvl=0).add_startOverride(1)
        return number.numId

    @staticmethod
    def number(paragraph, number: int) -> None:
        properties = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        properties.get_or_add_ilvl().val = 0
        properties.get_or_add_numId().val = number


def _styled(paragraph, style_id: str):
    paragraph._p.style = style_id
    return paragraph


# ---------------------------------------------------------------- page, styles, properties


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = Mm(SIDE_MARGIN_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MARGIN_MM), Mm(BOTTOM_MARGIN_MM)
    section.header_distance = section.footer_distance = Mm(8)


def _header_footer(document, language: Language, template: schema.Template, edition: str, footer: str) -> None:
    """Header: ID and edition, at the right. Footer, one line: the notice at the left, the page numbers at the right.

    Both are set in the Header and Footer styles (8 pt, muted), so the page number fields have the text's size."""
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = f"{language.t('templates.id')}{language.t('punct.colon')}{template.id}　{edition}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    line = section.footer.paragraphs[0]  # the Footer style's tab stop puts the page numbers at the right margin
    before, rest = language.t("templates.page_of").split("{page}")
    between, after = rest.split("{pages}")
    line.add_run(f"{footer}\t{before}")
    _field(line, "PAGE")
    line.add_run(between)
    _field(line, "NUMPAGES")
    line.add_run(after)


def _field(paragraph, instruction: str) -> None:
    """A simple Word field (page numbers): Word computes it when the file is opened or printed."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _styles(document, typography: Typography) -> None:
    for name in ("Normal", *HEADING_STYLES, "Quote", "Header", "Footer"):
        style = document.styles[name]
        latin, east_asian = typography.heading if name in HEADING_STYLES else typography.body
        _fonts(style.element.get_or_add_rPr(), latin, east_asian)
        language = style.element.rPr.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            style.element.rPr.append(language)
        language.set(qn("w:val"), typography.locale)
        language.set(qn("w:eastAsia"), typography.east_asian_locale)
    for name in ("Header", "Footer"):
        style = document.styles[name]
        style.font.size, style.font.color.rgb = SMALL_TEXT, MUTED
        style.paragraph_format.tab_stops.clear_all()  # the template's stops are for Letter paper
        style.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    _quote_style(document, typography.italic_quotes)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    title = document.styles["Title"]
    title.font.size, title.font.color.rgb = Pt(18), INK
    for name, size in (("Heading 1", 13), ("Heading 2", 11.5)):
        heading = document.styles[name]
        heading.font.size, heading.font.color.rgb = Pt(size), INK
        heading.paragraph_format.space_before, heading.paragraph_format.space_after = Pt(12), Pt(4)
        heading.paragraph_format.keep_with_next = True


def _quote_style(document, italic: bool) -> None:
    """Quotes stand apart by an indent and a rule at the left; in italics where the language writes them so."""
    for name in ("Quote", "Quote Char"):
        document.styles[name].font.italic = italic
        if not italic:
            rpr = document.styles[name].element.rPr
            for element in rpr.findall(qn("w:iCs")):
                rpr.remove(element)
    quote = document.styles["Quote"]
    quote.font.color.rgb = INK
    quote.paragraph_format.left_indent = Mm(6)
    quote.paragraph_format.space_before = quote.paragraph_format.space_after = Pt(4)
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for attribute, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "8"), ("w:color", QUOTE_RULE)):
        left.set(qn(attribute), value)
    borders.append(left)
    properties = quote.element.get_or_add_pPr()
    properties.insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:spacing", "w:ind", "w:jc"
    )


def _settings(document) -> None:
    """The current compatibility mode, and no thumbnail: python-docx's template carries a blank one."""
    settings = document.settings.element
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), WORD_2013)
    for preview in settings.findall(qn("w:savePreviewPicture")):
        settings.remove(preview)
    package = document.part.package
    for key, relationship in list(package.rels.items()):
        if relationship.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            del package.rels[key]
    # Word 2010's copy of the styles (438 KB in python-docx's template): later versions read styles.xml only.
    for key, relationship in list(document.part.rels.items()):
        if relationship.reltype == STYLES_WITH_EFFECTS:
            document.part.drop_rel(key)


def _fonts(rpr, latin: str, east_asian: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named one
    for attribute, font in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian), ("w:cs", latin)):
        fonts.set(qn(attribute), font)


def _properties(document, template: schema.Template, language: Language, source: TextSource, edition: str) -> None:
    properties = document.core_properties
    properties.title = _plain(source, template.title)[:255]  # Word's limit for a core property
    properties.subject = language.text(template.title)[:255]
    properties.identifier = template.id
    properties.version = edition[:255]
    properties.language = language.t("docx.locale")
    properties.keywords = ", ".join(template.implements)[:255]
    properties.comments = language.t("templates.editorial_body")[:255]
    properties.author = properties.last_modified_by = ""
    properties.created = properties.modified = dt.datetime.combine(template.date, dt.time())
    properties.revision = 1


# ---------------------------------------------------------------- tables


def _fields_table(document, fields: list[schema.TemplateField], source: TextSource, language: Language, ids) -> None:
    table = _table(document, len(fields), [LABEL_WIDTH_MM, TEXT_WIDTH_MM - LABEL_WIDTH_MM], ids)
    for row, field in zip(table.rows, fields, strict=True):
        label, answer = row.cells
        _sized(_runs(label.paragraphs[0], [Span(s.text, bold=True) for s in source.spans(field.label)]), TABLE_TEXT)
        if field.hint:
            _small(_runs(label.add_paragraph(), source.spans(field.hint)))
        _shade(label)
        filled = source.fill(field)
        if filled:  # the organisation's own value (an overlay), for the reader to keep or change
            _sized(_runs(answer.paragraphs[0], [Span(filled)]), TABLE_TEXT)
        elif field.kind == "choice":
            choices = "　".join(f"☐ {_plain(source, c)}" for c in field.choices)
            _sized(_runs(answer.paragraphs[0], [Span(choices)]), TABLE_TEXT)
        elif field.kind in ("date", "signature"):
            answer.paragraphs[0].text = language.t(f"templates.{field.kind}_blank")
            answer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _small(answer.paragraphs[0])
        lines = field.lines if field.kind == "text" else 1
        _height(row, lines * LINE_HEIGHT_MM if field.kind == "text" else ROW_HEIGHT_MM)


def _data_table(document, table_data: schema.TemplateTable, source: TextSource, ids) -> None:
    weights = table_data.widths or [1] * len(table_data.columns)
    widths = [TEXT_WIDTH_MM * w / sum(weights) for w in weights]
    rows = 1 + len(table_data.rows) + table_data.blank_rows
    table = _table(document, rows, widths, ids)
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, column in zip(header.cells, table_data.columns, strict=True):
        _sized(_runs(cell.paragraphs[0], [Span(s.text, bold=True) for s in source.spans(column)]), TABLE_TEXT)
        _shade(cell)
    for row, values in zip(table.rows[1:], table_data.rows, strict=False):
        for cell, value in zip(row.cells, values, strict=True):
            if value is not None:
                _sized(_runs(cell.paragraphs[0], source.spans(value)), TABLE_TEXT)
    for row in table.rows[1 + len(table_data.rows) :]:
        _height(row, ROW_HEIGHT_MM)


def _table(document, rows: int, widths_mm: list[float], ids: dict[str, str]):
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table._tbl.tblPr.style = ids["Table Grid"]
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    return table


def _repeat_as_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _height(row, millimetres: float) -> None:
    row.height = Mm(millimetres)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _shade(cell) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), SHADE)
    cell._tc.get_or_add_tcPr().append(shading)


# ---------------------------------------------------------------- text


def _runs(paragraph, spans: list[Span]):
    for span in spans:
        paragraph.add_run(span.text).bold = span.bold or None
    return paragraph


def _plain(source: TextSource, text: schema.Text) -> str:
    return "".join(span.text for span in source.spans(text))


def _sized(paragraph, size: Pt):
    for run in paragraph.runs:
        run.font.size = size
    return paragraph


def _small(paragraph):
    for run in _sized(paragraph, SMALL_TEXT).runs:
        run.font.color.rgb = MUTED
    return paragraph


class _DatedZip:
    """Where python-docx's package writer puts the parts: a zip whose entries carry one date, not the time of the
    build, so that the same template gives the same bytes."""

    def __init__(self, date: dt.date) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)
        self.stamp = (date.year, date.month, date.day, 0, 0, 0)

    def write(self, pack_uri, blob: bytes) -> None:
        self.zip.writestr(zipfile.ZipInfo(pack_uri.membername, self.stamp), blob, zipfile.ZIP_DEFLATED)


def _saved(document, date: dt.date) -> bytes:
    """Document.save, with the entries dated `date`: the package writer's steps, written once (saving and then
    rewriting the zip with fixed dates compressed every part twice)."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    out = _DatedZip(date)
    PackageWriter._write_content_types_stream(out, package.parts)
    PackageWriter._write_pkg_rels(out, package.rels)
    PackageWriter._write_parts(out, package.parts)
    out.zip.close()
    return out.buffer.getvalue()
