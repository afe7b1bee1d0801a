"""Word (.docx) files of the policy templates, built with python-docx.

The layout follows the web page: a title, one boxed note of ours (editorial notice, the guideline text implemented,
purpose, ID and edition, and that it may be deleted), then per part a Heading 1, its guidance, text, lists, a fields
table and a data table; last the quoted guideline text. Form fields are table cells: a shaded label cell beside an
empty answer cell (no content controls, so the file opens the same in any word processor). The page is A4 with
margins close to the web page's print margins; each sheet starts a new page, in a landscape section where it holds a
table too wide for a portrait page. A fields table and a short data table never break across pages, no row does. The
header is empty and the footer holds the page numbers only: an organisation adopting the form has nothing of ours to
strip there; the provenance is in the note and in the document properties (title, subject, identifier, version,
category, comments). Japanese text is set in East Asian fonts: `w:eastAsia` is named on the Normal, Title, heading,
quote, header and footer styles.

What is the same for every file of a language (page, styles, settings, the footer) is prepared once (`_base`) and
each file starts from a copy of it that shares, unchanged, the XML of its styles, settings and footer. The base
declares the current Word compatibility mode (python-docx's own template says Word 2010, so Word would open every
file in compatibility mode) and drops that template's blank thumbnail. Each numbered list gets a numbering instance
of its own that starts at 1 (in Word, paragraphs of one numbering instance count on across the whole document).
Quotes are indented with a rule at the left; Japanese text is never set in (synthetic) italics.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import zipfile
from dataclasses import dataclass
from typing import Protocol

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from . import schema
from .i18n import Language

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
SIDE_MARGIN_MM, TOP_MARGIN_MM, BOTTOM_MARGIN_MM = 15, 18, 18  # near the web page's print margins (kb.css)
KEEP_TOGETHER_ROWS = 12  # a data table of this many rows or fewer is never split across pages (a longer one is a log)
PORTRAIT_COLUMNS = 6  # a table of more columns goes on a landscape page
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
QUOTE_RULE_EIGHTHS = 6  # the box around a quote: its line in eighths of a point
QUOTE_RULE_GAP = 4  # and its distance from the text, in points
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


def template_docx(template: schema.Template, language: Language, source: TextSource, edition: str,
                  created: dt.datetime) -> bytes:  # fmt: skip
    """The Word file of one template: the form an organisation adopts, with our provenance in one removable note on
    the first page and in the document's properties (never in its header or footer). `created`: the template's date
    as a time (KbConfig.start_of)."""
    base = _base(Typography.of(language), language.t("templates.page_of"))
    document, ids = base.copy(), base.ids
    lists = _Lists(document, ids)
    _properties(document, template, language, source, edition, created)
    t = language.t

    _styled(document.add_paragraph(_plain(source, template.title)), ids["Title"])
    _provenance_note(document.add_paragraph(), template, language, source, edition)

    for number, sheet in enumerate(sheets(template)):
        # A sheet starts a page: a page break, or a section (a page of its own orientation) where that changes.
        section = _sheet_section(document, sheet, first=number == 0)
        width = _text_width(section or document.sections[-1])
        for index, part in enumerate(sheet):
            heading = _styled(document.add_paragraph(_plain(source, part.heading)), ids["Heading 1"])
            heading.paragraph_format.page_break_before = number > 0 and index == 0 and section is None
            if part.guidance:
                guidance = document.add_paragraph()
                label = Span(t("templates.guidance") + t("templates.colon"), bold=True)
                _keep_with_next(_runs(guidance, [label, *source.spans(part.guidance)], SMALL_TEXT, muted=True))
            for text in part.body:
                _runs(document.add_paragraph(), source.spans(text))
            numbering = lists.restart() if part.numbered else None
            for item in part.items:
                paragraph = _styled(document.add_paragraph(), ids["List Number" if part.numbered else "List Bullet"])
                if numbering:
                    lists.number(paragraph, numbering)
                _runs(paragraph, source.spans(item))
            if part.fields:
                _fields_table(document, part.fields, source, language, ids, width)
            if part.fields and part.table:
                _keep_with_next(document.add_paragraph())  # Word joins two tables that touch: a paragraph between
            if part.table:
                _data_table(document, part.table, source, ids, width)

    # The quoted guideline text starts a page of its own, after the form: a portrait one.
    opened = _sheet_section(document, [], first=False)
    basis = _styled(document.add_paragraph(t("templates.basis")), ids["Heading 1"])
    basis.paragraph_format.page_break_before = opened is None
    _small(document.add_paragraph(t("templates.basis_note")))
    for quote in template.quotes:
        if quote.text:
            _runs(_styled(document.add_paragraph(), ids["Quote"]), source.spans(quote.text))
        for item in quote.items:
            _runs(_styled(document.add_paragraph(), ids["List Bullet 2"]), source.spans(item))
        _small(document.add_paragraph(f"— {source.section(quote.section)}")).alignment = WD_ALIGN_PARAGRAPH.RIGHT

    return _saved(document, template.date, base.kept)


@dataclass(frozen=True)
class _Base:
    """What every file of a language starts from (`_base`): a document and its used styles' ids."""

    document: DocumentObject
    ids: dict[str, str]
    kept: dict[int, bytes]  # id of a part's XML that no file changes (styles, settings, footer) → its bytes

    def copy(self) -> DocumentObject:
        """A copy to make one file of, sharing the XML of the parts no file changes."""
        return copy.deepcopy(self.document, {key: element for key, element in self._shared()})

    def _shared(self):
        for part in self.document.part.package.iter_parts():
            if id(getattr(part, "element", None)) in self.kept:
                yield id(part.element), part.element


# The parts a file never changes: a file's own are its text (the document), its lists (numbering) and its properties.
KEPT_PARTS = (RELATIONSHIP_TYPE.STYLES, RELATIONSHIP_TYPE.SETTINGS, RELATIONSHIP_TYPE.FOOTER)


@functools.cache
def _base(typography: Typography, page_of: str) -> _Base:
    """What every file of a language shares: page, styles and settings, saved once and read back, and the footer's
    page numbers; and the used styles' ids. Each file is a copy of it that shares the XML of the parts no file
    changes, written once (`_saved`): reading, copying and writing the base's 350 KB of styles again for each file
    cost a third of the file's time."""
    document = Document()
    _page_setup(document)
    _styles(document, typography)
    _settings(document)
    ids = {name: document.styles[name].style_id for name in USED_STYLES}
    numbered = document.styles["List Number"].element.pPr.numPr.numId.val
    ids["abstract-number"] = str(document.part.numbering_part.element.num_having_numId(numbered).abstractNumId.val)
    buffer = io.BytesIO()
    document.save(buffer)
    base = Document(buffer)
    _page_numbers(base.sections[0], page_of)
    kept = {
        id(relationship.target_part.element): relationship.target_part.blob
        for relationship in base.part.rels.values()
        if relationship.reltype in KEPT_PARTS
    }
    return _Base(base, ids, kept)


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


def sheets(template: schema.Template) -> list[list[schema.TemplatePart]]:
    """The parts grouped by printed page: a part with `new_page` starts the next sheet."""
    grouped: list[list[schema.TemplatePart]] = []
    for part in template.parts:
        if part.new_page or not grouped:
            grouped.append([])
        grouped[-1].append(part)
    return grouped


def landscape(sheet: list[schema.TemplatePart]) -> bool:
    """A sheet with a table of more columns than a portrait page holds legibly is printed across the page."""
    return any(part.table and len(part.table.columns) > PORTRAIT_COLUMNS for part in sheet)


def _sheet_section(document, sheet: list[schema.TemplatePart], first: bool):
    """The section a sheet opens when its orientation differs from the page before (None: it continues that one)."""
    wide = landscape(sheet)
    current = document.sections[-1]
    if first:
        _orientation(current, wide)
        return current
    if (current.orientation == WD_ORIENT.LANDSCAPE) == wide:
        return None
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _orientation(section, wide)
    return section


def _orientation(section, wide: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (PAGE_HEIGHT, PAGE_WIDTH) if wide else (PAGE_WIDTH, PAGE_HEIGHT)


def _text_width(section) -> float:
    """The width between the margins, in millimetres."""
    return section.page_width.mm - 2 * SIDE_MARGIN_MM


def _page_numbers(section, page_of: str) -> None:
    """The footer holds the page numbers only, at the right (right-aligned: the same on portrait and landscape
    pages), in the Footer style's size; the header is empty. Nothing of ours for an organisation to strip."""
    line = section.footer.paragraphs[0]
    line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    before, rest = page_of.split("{page}")
    between, after = rest.split("{pages}")
    line.add_run(before)
    _field(line, "PAGE")
    line.add_run(between)
    _field(line, "NUMPAGES")
    line.add_run(after)


def _provenance_note(paragraph, template: schema.Template, language: Language, source: TextSource,
                     edition: str) -> None:  # fmt: skip
    """Where the template comes from, in one boxed paragraph on the first page that says it may be deleted: the
    editorial notice, the guideline text it implements, its purpose, its ID and edition."""
    t = language.t
    implements = t("punct.list").join(source.section(s) for s in template.implements)
    lines = [
        [Span(t("templates.editorial_title") + t("templates.colon"), bold=True), Span(t("templates.editorial_body"))],
        [Span(t("templates.implements") + t("templates.colon"), bold=True), Span(implements)],
        source.spans(template.purpose),
        [Span(f"{t('templates.id')}{t('punct.colon')}{template.id}　{edition}　{t('templates.remove_note')}")],
    ]
    for number, spans in enumerate(lines):
        if number:
            paragraph.add_run().add_break()
        _runs(paragraph, spans)
    _small(paragraph)
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        border = OxmlElement(f"w:{side}")
        rule = (("w:val", "single"), ("w:sz", str(QUOTE_RULE_EIGHTHS)), ("w:space", str(QUOTE_RULE_GAP)))
        for attribute, value in (*rule, ("w:color", QUOTE_RULE)):
            border.set(qn(attribute), value)
        borders.append(border)
    paragraph._p.get_or_add_pPr().append(borders)
    paragraph.paragraph_format.space_after = Pt(10)


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


def _properties(document, template: schema.Template, language: Language, source: TextSource, edition: str,
                created: dt.datetime) -> None:  # fmt: skip
    properties = document.core_properties
    properties.title = _plain(source, template.title)[:255]  # Word's limit for a core property
    properties.subject = language.text(template.title)[:255]
    properties.identifier = template.id
    properties.version = edition[:255]
    properties.language = language.t("docx.locale")
    properties.keywords = ", ".join(template.implements)[:255]
    properties.comments = language.t("templates.editorial_body")[:255]
    properties.category = language.t("templates.editorial_title")[:255]
    properties.author = properties.last_modified_by = ""
    properties.created = properties.modified = created.astimezone(dt.UTC)  # python-docx writes the time as UTC's
    properties.revision = 1


# ---------------------------------------------------------------- tables


def _fields_table(document, fields: list[schema.TemplateField], source: TextSource, language: Language, ids,
                  width: float) -> None:  # fmt: skip
    rows = _table(document, len(fields), [LABEL_WIDTH_MM, width - LABEL_WIDTH_MM], ids)
    _keep_together(rows)
    for (row, (label, answer)), field in zip(rows, fields, strict=True):
        _runs(label.paragraphs[0], [Span(s.text, bold=True) for s in source.spans(field.label)], TABLE_TEXT)
        if field.hint:
            _runs(label.add_paragraph(), source.spans(field.hint), SMALL_TEXT, muted=True)
        _shade(label)
        filled = source.fill(field)
        if filled:  # the organisation's own value (an overlay), for the reader to keep or change
            _runs(answer.paragraphs[0], [Span(filled)], TABLE_TEXT)
        elif field.kind == "choice":
            choices = "　".join(f"☐ {_plain(source, c)}" for c in field.choices)
            _runs(answer.paragraphs[0], [Span(choices)], TABLE_TEXT)
        elif field.kind in ("date", "signature"):
            answer.paragraphs[0].text = language.t(f"templates.{field.kind}_blank")
            answer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _small(answer.paragraphs[0])
        lines = field.lines if field.kind == "text" else 1
        _height(row, lines * LINE_HEIGHT_MM if field.kind == "text" else ROW_HEIGHT_MM)


def _data_table(document, table_data: schema.TemplateTable, source: TextSource, ids, width: float) -> None:
    weights = table_data.widths or [1] * len(table_data.columns)
    widths = [width * w / sum(weights) for w in weights]
    rows = _table(document, 1 + len(table_data.rows) + table_data.blank_rows, widths, ids)
    header, header_cells = rows[0]
    _repeat_as_header(header)
    for cell, column in zip(header_cells, table_data.columns, strict=True):
        _runs(cell.paragraphs[0], [Span(s.text, bold=True) for s in source.spans(column)], TABLE_TEXT)
        _shade(cell)
    for (_, cells), values in zip(rows[1:], table_data.rows, strict=False):
        for cell, value in zip(cells, values, strict=True):
            if value is not None:
                _runs(cell.paragraphs[0], source.spans(value), TABLE_TEXT)
    for row, _ in rows[1 + len(table_data.rows) :]:
        _height(row, ROW_HEIGHT_MM)
    for row, _ in rows:
        _cant_split(row)
    if len(rows) <= KEEP_TOGETHER_ROWS:
        _keep_together(rows)


def _table(document, rows: int, widths_mm: list[float], ids: dict[str, str]) -> list[tuple]:
    """A table of `rows` rows of cells of these widths, as (row, its cells): the first row made by python-docx, the
    others copies of it, as alike as add_table makes them (setting every cell's width took a tenth of a file's time);
    each row's cells worked out once (python-docx works them out again each time they are asked for)."""
    table = document.add_table(rows=1, cols=len(widths_mm))
    table._tbl.tblPr.style = ids["Table Grid"]
    table.autofit = False
    for cell, width in zip(table.rows[0].cells, widths_mm, strict=True):
        cell.width = Mm(width)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    first = table._tbl.tr_lst[0]
    for _ in range(rows - 1):
        table._tbl.append(copy.deepcopy(first))
    return [(row, row.cells) for row in table.rows]


def _keep_together(rows: list[tuple]) -> None:
    """A table on one page: every paragraph of its rows but the last keeps with the next (Word's way), no row split."""
    for row, _ in rows:
        _cant_split(row)
    for _, cells in rows[:-1]:
        for cell in cells:
            for paragraph in cell.paragraphs:
                _keep_with_next(paragraph)


def _cant_split(row) -> None:
    properties = row._tr.get_or_add_trPr()
    if properties.find(qn("w:cantSplit")) is None:
        properties.append(OxmlElement("w:cantSplit"))


def _keep_with_next(paragraph):
    """Word's "keep with next". A paragraph without properties of its own (a table's cell) is given them at once:
    python-docx's setter looks for each of the thirty elements that may follow, twice (40 µs a paragraph)."""
    if paragraph._p.pPr is None:
        properties = OxmlElement("w:pPr")
        properties.append(OxmlElement("w:keepNext"))
        paragraph._p.insert(0, properties)
    else:
        paragraph.paragraph_format.keep_with_next = True
    return paragraph


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


def _runs(paragraph, spans: list[Span], size: Pt | None = None, muted: bool = False):
    """The spans as runs at the paragraph's end: bold where they are, of `size` and muted if asked. Each run is a
    copy of one python-docx set up so once (`_run_like`), given its text by python-docx: setting each run's
    properties one by one took a quarter of a file's time."""
    for span in spans:
        r = copy.deepcopy(_run_like(span.bold, size, muted))
        paragraph._p.append(r)  # where add_run puts it
        if span.text:
            Run(r, paragraph).text = span.text
    return paragraph


@functools.cache
def _run_like(bold: bool, size: Pt | None, muted: bool):
    """An empty run as `paragraph.add_run().bold = bold or None`, then _sized or _small, would leave it."""
    run = Paragraph(OxmlElement("w:p"), None).add_run()
    run.bold = bold or None
    if size:
        run.font.size = size
    if muted:
        run.font.color.rgb = MUTED
    return run._r


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


def _saved(document, date: dt.date, kept: dict[int, bytes]) -> bytes:
    """Document.save, with the entries dated `date` (saving and then rewriting the zip with fixed dates compressed
    every part twice), and the parts no file changes as the base wrote them (`kept`): the package writer's steps."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    out = _DatedZip(date)
    PackageWriter._write_content_types_stream(out, package.parts)
    PackageWriter._write_pkg_rels(out, package.rels)
    for part in package.parts:
        blob = kept.get(id(getattr(part, "element", None)))  # None: a part of the file's own
        out.write(part.partname, part.blob if blob is None else blob)
        if len(part.rels):
            out.write(part.partname.rels_uri, part.rels.xml)
    out.zip.close()
    return out.buffer.getvalue()
