"""The schema of guideline_data/: every model the loader validates against, in one place.

Every model forbids unknown keys, so a typo in the data is an error, not a silently ignored field.
Text meant for readers is always a `Text` (Japanese and English together): language is data.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Numbered ids (kb.yaml `section_ids: numbered`, the default): "1.2.3"; an unnumbered word ("intro"); a lettered kind
# numbered at any depth ("appendix-1", "appendix-a.2"). Native ids (`section_ids: native`): the catalog's own, lower
# case ASCII words joined by ".", "-" or "_" ("ac-2", "ac-2.1", "a.5.1", "gc.1.1"), shown by the section's `label`.
NUMBERED_ID = re.compile(r"^([0-9]+(\.[0-9]+)*|[a-z]+|[a-z]+-[0-9a-z]+(\.[0-9a-z]+)*)$")
SectionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([._-][a-z0-9]+)*$", max_length=80)]
# A parameter of a control, or a part or statement item (e.g. OSCAL's "ac-2_prm_1", "ac-2_smt.a"): ids that text
# refers to with @param:<id> and @<id>.
PartId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$", max_length=120)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9.-]*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(BaseModel):
    """One piece of reader-facing text, one string per language of the knowledge base (kb.yaml `languages`,
    checked by validate). May carry `@` references and **bold**. Language.text reads one language."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, NonEmpty] = Field(init=False)

    def languages(self) -> list[str]:
        return list(self.__pydantic_extra__ or {})

    def strings(self) -> list[str]:
        """The text in every language, in the data's order."""
        return list((self.__pydantic_extra__ or {}).values())

    @model_serializer(mode="wrap")
    def _one_language(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict | str:
        # A one-language export dumps with context={"language": "ja"}: each Text becomes that language's string.
        language = (info.context or {}).get("language")
        if not language:
            return handler(self)
        # An organisation's text may lack a language; it is then exported in the first it is written in.
        return getattr(self, language) if language in self.languages() else self.strings()[0]


Provenance = Literal["guideline", "editorial"]
Strength = Literal["asked", "desirable", "important", "example", "listed", "unstated"]
"""`guideline`: the overview's own words (and our translation of them); `editorial`: written by us."""

ChangeStatus = Slug
"""The source's change marks (e.g. 新規 new, 追記 added to, 現行 carried over): one of kb.yaml's change_statuses."""

ControlCategory = Slug
"""A control's category (e.g. organizational, technical): one of kb.yaml's control_categories."""


class ListItem(Strict):
    id: PartId | None = None  # a statement item that text may refer to (@ac-2.a); its anchor on the page
    label: NonEmpty | None = None  # the item's own label as the source writes it ("a.", "1.", "(a)")
    text: Text
    note: Text | None = None  # e.g. the overview's "(例：…)" under an item
    items: list[ListItem] = []


BlockRole = Literal[
    "heading",  # a topic heading inside a section (e.g. マルウェアからの保護)
    "summary",  # ガイドラインの記載内容
    "requirement",  # 事業者へ求めること
    "examples",  # 具体例 / 記載例 / …の例
    "additional",  # 追加事項
    "paragraph",
    "note",  # footnotes (※, *) and small notes
    "column",  # コラム
    "quote",
    "table",
    "figure",  # a figure of the overview that the text extraction only names
    "statement",  # a control catalog's statement: what the control requires
    "guidance",  # a control catalog's discussion of the statement
    "objective",  # what an assessment checks (assessment objectives)
]


class Block(Strict):
    """One block of a section's body. Which fields it needs depends on its role."""

    role: BlockRole
    id: PartId | None = None  # a catalog part's own id, kept for references and exports
    name: Slug | None = None  # a catalog part's own name where no role says it (kept for the OSCAL export)
    source: Provenance = "guideline"
    title: Text | None = None
    paragraphs: list[Text] = []
    items: list[ListItem] = []
    columns: list[Text] = []
    rows: list[list[Text]] = []
    attribution: Text | None = None  # quote source
    date: dt.date | None = None  # editorial notes carry the date they were written
    status: ChangeStatus | None = None  # a topic heading's own mark, where one section holds topics marked differently

    @model_validator(mode="after")
    def _has_content(self) -> Block:
        if self.status and self.role != "heading":
            raise ValueError("only a 'heading' block carries a 'status' (the overview's mark on that topic)")
        if self.role == "heading":
            if self.title is None:
                raise ValueError("a 'heading' block needs a 'title'")
            return self
        if self.role == "table":
            if not self.columns or not self.rows:
                raise ValueError("a 'table' block needs 'columns' and 'rows'")
            for number, row in enumerate(self.rows):
                if len(row) != len(self.columns):
                    raise ValueError(f"table row {number} has {len(row)} cells, expected {len(self.columns)}")
            return self
        if not self.paragraphs and not self.items:
            raise ValueError(f"a '{self.role}' block needs 'paragraphs' or 'items'")
        if self.source == "editorial" and self.date is None:
            raise ValueError("an editorial block needs the 'date' it was written")
        return self


class Synonyms(BaseModel):
    """Words readers type for a term or section that its text does not use: everyday words, abbreviations,
    common English (editorial), as lists by language code (any of the knowledge base's languages). Indexed for
    search, never shown."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, list[NonEmpty]] = Field(init=False)

    def of(self, code: str) -> list[str]:
        """The synonyms in one language ([] when it has none)."""
        return (self.__pydantic_extra__ or {}).get(code, [])

    def languages(self) -> list[str]:
        return list(self.__pydantic_extra__ or {})


class Choice(Strict):
    """A parameter's choices: one of them, or one or more."""

    how_many: Literal["one", "one-or-more"] = "one"
    choices: Annotated[list[Text], Field(min_length=1)]


class Parameter(Strict):
    """A value a control leaves to the organisation (OSCAL `param`): shown inline where text says @param:<id>, and in
    the control's table of parameters. An organisation's overlay may set it."""

    id: PartId
    label: Text | None = None  # what the organisation defines ("organization-defined frequency")
    guidance: Text | None = None
    select: Choice | None = None
    values: list[NonEmpty] = []  # the catalog's own value(s), if it sets one

    @model_validator(mode="after")
    def _says_something(self) -> Parameter:
        if self.label is None and self.select is None and not self.values:
            raise ValueError("a parameter needs a 'label', a 'select' or 'values'")
        return self


LinkRelation = Literal["related", "required", "incorporated-into", "moved-to"]


class SectionLink(Strict):
    """A typed link of a control to another (OSCAL `links`): shown both ways on the two pages."""

    rel: LinkRelation
    target: PartId  # a section, or a part or statement item of one (incorporated into AC-2k)


class Prop(Strict):
    """A catalog's own property of a control that no field of ours says (kept as written, shown and exported)."""

    name: Slug
    value: NonEmpty
    ns: NonEmpty | None = None
    class_: NonEmpty | None = Field(default=None, alias="class")


class WordGroup(Synonyms):
    """words.yaml: everyday words that readers type for one idea, in each language (経営層, 社長, 役員, CEO):
    editorial, reviewed like the synonyms. A page that uses one of them is also found by the others."""


class Section(Strict):
    """A heading of the guideline's table of contents, with what the overview says under it."""

    id: SectionId
    label: NonEmpty | None = None  # its own label (AC-2, AC-2(1), A.5.1): shown instead of a number made of the id
    parent: SectionId | None = None  # native ids: the section it belongs to (numbered ids: the id says it)
    kind: Literal["group", "control"] | None = None  # native ids: a group (family, theme) or a control
    class_: NonEmpty | None = Field(default=None, alias="class")  # a catalog's own class of it (kept for exports)
    title: Text
    status: ChangeStatus | None = None
    control_status: Slug | None = None  # e.g. withdrawn: one of kb.yaml's control_statuses (not a change status)
    links: list[SectionLink] = []
    params: list[Parameter] = []
    selections: list[Slug] = []  # named selections (baselines, profiles, tiers) that include it: kb.yaml's selections
    props: list[Prop] = []
    category: ControlCategory | None = None  # controls only (kb.yaml structure.controls)
    blocks: list[Block] = []
    references: list[Slug] = []  # ids in references.yaml that this section cites
    implements: list[SectionId] = []  # for controls: the chapter 3/4 sections that call for them
    actors: list[Slug] = []  # ids in actors.yaml
    stakeholders: list[Slug] = []  # ids in actors.yaml (関係主体)
    csf: list[Annotated[str, StringConstraints(pattern=r"^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}$")]] = []  # editorial
    listing: Literal["references", "glossary"] | None = None  # chapters 6 and 7 list those collections
    synonyms: Synonyms = Synonyms()  # editorial: search only
    topics: Synonyms = Synonyms()  # editorial, search only: what readers ask about here that the text does not name


class GlossaryTerm(Strict):
    id: Slug
    term: Text
    reading: NonEmpty | None = None  # how the term is read, where a language sorts by it (ui glossary.collation)
    abbr: str | None = None
    expansion: str | None = None
    aliases: list[NonEmpty] = []  # other surface forms to mark in running text (either language)
    definition: Text
    source: Provenance
    defined_in: SectionId | None = None  # where the overview defines or explains it
    related: list[Slug] = []
    synonyms: Synonyms = Synonyms()  # editorial: search only


class Reference(Strict):
    id: Slug
    title: Text
    issuer: Text | None = None
    date: dt.date | None = None
    date_precision: Literal["day", "month", "year"] = "day"
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"']+$")] | None = None
    citation: Text | None = None  # the source's own citation of it (a catalog's back matter): not ours
    note: Text | None = None  # editorial


class Erratum(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^E[0-9]{3}$")]
    where: Text  # where in the overview
    section: SectionId | None = None
    seed: NonEmpty  # what the extracted text says
    corrected: str  # what we print ("" = removed)
    # editorial-emendation: not a slip of the extraction but our reading of what the overview means
    kind: Literal[
        "wrong-character", "garbled-katakana", "toc-slip", "extraction-slip", "missing-text", "editorial-emendation"
    ]
    reason: Text
    # The wrong string may legitimately remain elsewhere (e.g. it is a substring of the right one).
    seed_may_remain: bool = False


class Actor(Strict):
    id: Slug
    name: Text
    kind: Literal["actor", "stakeholder"]


class CsfCategory(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}$")]
    name: Text
    not_covered: Text | None = None  # editorial: why no section maps to this category (shown instead of the list)


class CsfFunction(Strict):
    id: Literal["GV", "ID", "PR", "DE", "RS", "RC"]
    name: Text
    categories: list[CsfCategory]


class Position(Strict):
    """The guideline's place in a family of documents (e.g. a numbered family of standards), shown on the home page."""

    mark: NonEmpty
    text: Text


class CrosswalkEntry(Strict):
    old: Text  # a heading of the current (old) guideline
    level: int = Field(ge=0, le=3)
    new: list[SectionId] = []
    source: Provenance = "editorial"  # the overview draws the two trees, the arrows are mostly ours


class Document(Strict):
    title: Text
    subtitle: Text | None = None
    issuer: Text | None = None
    date: dt.date
    date_precision: Literal["day", "month", "year"] = "month"
    edition: Text
    sectors: list[Text] = []
    positions: list[Position] = []
    this_position: NonEmpty | None = None  # the mark of `positions` that is this guideline
    background: list[Block] = []
    revision_points: list[Block] = []
    contents: list[Block] = []  # the slide 改正安全ガイドラインの目次構成: what it says above the table of contents
    crosswalk: list[CrosswalkEntry] = []

    @model_validator(mode="after")
    def _position_is_listed(self) -> Document:
        marks = [p.mark for p in self.positions]
        if (self.this_position is None) != (not marks) or (self.this_position and self.this_position not in marks):
            raise ValueError(f"'this_position' names one of the positions' marks ({', '.join(marks) or 'none given'})")
        return self


class ChecklistItem(Strict):
    id: ItemId  # CL<chapter>-<nnn>, stable: answers saved in browsers and workbooks are keyed by it
    text: Text
    section: SectionId  # the source section / control
    # where in the section
    block: Literal["summary", "requirement", "examples", "additional", "paragraph", "column", "statement"]
    actor: Slug | None = None  # who acts: an id in actors.yaml of kind "actor" (a catalog's items may not say)
    # guideline: the overview's own sentence (at most its ending adjusted, or cut to one of its clauses);
    # editorial: our summary, combination or rephrasing of it
    wording: Provenance
    # How strongly the source words what the item asks, read from the sentence it cites: asked (stated as an action
    # to take), desirable, important, example (an entry of a list of examples), listed (named in a list without a
    # verb), unstated (the source has no text under the section). A catalog's items may not say.
    strength: Strength | None = None
    cites: str | None = None  # that sentence, list entry or list title, verbatim in the source's language


class Checklist(Strict):
    id: Slug
    title: Text
    description: Text
    kind: Literal["chapter", "focus"]
    chapter: Annotated[str, StringConstraints(pattern=r"^[0-9]+$")] | None = None  # chapter checklists: which chapter
    self_assessment: bool = False  # an area of the self-assessment (assessment.md), rated on the maturity scale
    items: list[ChecklistItem] = []  # items defined here
    include: list[ItemId] = []  # items defined in another checklist

    @model_validator(mode="after")
    def _not_empty(self) -> Checklist:
        if not self.items and not self.include:
            raise ValueError("a checklist needs 'items' or 'include'")
        if (self.kind == "chapter") != (self.chapter is not None):
            raise ValueError("a checklist has 'chapter' exactly when its kind is 'chapter'")
        return self


class TemplateField(Strict):
    """A blank to fill in: a label and an empty answer cell (web page, Word and Markdown alike)."""

    id: Slug
    label: Text
    kind: Literal["line", "text", "date", "choice", "signature"]
    choices: list[Text] = []  # kind "choice": the boxes to tick
    hint: Text | None = None
    lines: int = Field(default=1, ge=1, le=12)  # kind "text": how many ruled lines the answer gets

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> TemplateField:
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError("a 'choice' field needs 'choices'; other kinds take none")
        if self.kind != "text" and self.lines != 1:
            raise ValueError("only a 'text' field has several 'lines'")
        return self


class TemplateTable(Strict):
    columns: list[Text]
    widths: list[int] = []  # relative column widths (A4 has no room for equal columns); default equal
    rows: list[list[Text | None]] = []  # prefilled rows; a null cell is left blank to fill in
    blank_rows: int = Field(default=0, ge=0, le=40)

    @model_validator(mode="after")
    def _shape(self) -> TemplateTable:
        if self.widths and len(self.widths) != len(self.columns):
            raise ValueError(f"'widths' has {len(self.widths)} entries, expected one per column ({len(self.columns)})")
        if any(width <= 0 for width in self.widths):
            raise ValueError("column widths are positive numbers")
        for number, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"table row {number} has {len(row)} cells, expected {len(self.columns)}")
        if not self.rows and not self.blank_rows:
            raise ValueError("a table needs 'rows' or 'blank_rows'")
        return self


class TemplatePart(Strict):
    heading: Text
    guidance: Text | None = None  # how to fill the part in (shown apart from the form's own text)
    body: list[Text] = []
    items: list[Text] = []  # a list: policy statements, steps
    numbered: bool = False  # the items are steps in order
    fields: list[TemplateField] = []
    table: TemplateTable | None = None
    new_page: bool = False  # printing: the part starts a new A4 page (one printed page per sheet)


class TemplateQuote(Strict):
    """The guideline's own words that a template implements: an excerpt of a section, checked to be verbatim."""

    section: SectionId
    text: Text | None = None
    items: list[Text] = []  # a list, item by item (the one `text` introduces, if any)

    @model_validator(mode="after")
    def _not_empty(self) -> TemplateQuote:
        if self.text is None and not self.items:
            raise ValueError("a quote needs 'text' or 'items'")
        return self


class Template(Strict):
    """A fill-in template. Always editorial (written by us); it names the guideline text it implements."""

    id: Slug
    title: Text
    purpose: Text
    implements: Annotated[list[SectionId], Field(min_length=1)]
    edition: Annotated[str, StringConstraints(pattern=r"^[0-9]+\.[0-9]+$")]  # "1.0": printed in every footer
    date: dt.date  # of this edition
    quotes: Annotated[list[TemplateQuote], Field(min_length=1)]
    parts: Annotated[list[TemplatePart], Field(min_length=1)]
    topics: Synonyms = Synonyms()  # editorial, search only: what readers look for it by that its text does not say
    # A policy-type document: it ends with the document-control block (number, edition, classification, dates,
    # approval stamps, revision history), the same in every such template (features.templates.document_control).
    document_control: bool = False

    @model_validator(mode="after")
    def _field_ids_unique(self) -> Template:
        ids = [f.id for part in self.parts for f in part.fields]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"field ids must be unique within a template: {', '.join(duplicates)}")
        if self.parts[0].new_page:
            raise ValueError("the first part starts the first page already: remove its 'new_page'")
        return self


class ChangelogEntry(Strict):
    """One version of the knowledge base itself (not of the guideline, whose edition is `Document.edition`)."""

    version: Annotated[str, StringConstraints(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")]
    date: dt.date
    changes: list[Text] = Field(min_length=1)


class UiString(BaseModel):
    """An interface string, one per language; may be empty (e.g. a punctuation mark one language does without)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, str] = Field(init=False)

    def languages(self) -> list[str]:
        return list(self.__pydantic_extra__ or {})


LANGUAGE_CODE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"  # BCP 47
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_CODE)]


class Structure(Strict):
    """Which parts of the guideline play which role. The generator reads these and never names a section."""

    # the chapter whose sub-sections are the controls (each has a category); native ids: sections say `kind: control`
    controls: SectionId | None = None
    policies: list[SectionId] = []  # chapters whose sections call for controls
    self_assessment: list[SectionId] = []  # the sections the self-assessment rests on


FeatureName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]  # checked against the registry


class KbConfig(Strict):
    """kb.yaml: what the knowledge base is. Everything guideline-specific that code would otherwise assume."""

    slug: Slug  # namespaces OSCAL ids and uuids and the answers saved in readers' browsers
    oscal_prefix: Slug  # OSCAL ids may not start with a digit: 1.2.3 → <prefix>-1.2.3
    languages: Annotated[list[LanguageCode], Field(min_length=1)]  # the first is served at the site root
    structure: Structure
    control_categories: list[Slug] = []  # a control's `category`; labels are the ui strings category.<id>
    change_statuses: list[Slug] = []  # a section's `status`; labels are the ui strings status.<id>
    control_statuses: list[Slug] = []  # a control's `control_status`; labels are the ui strings control_status.<id>
    selections: list[Slug] = []  # named selections of controls (baselines); labels are the ui strings selection.<id>
    # numbered: ids are section numbers, parents and order follow from them; native: the sections' own ids, labels,
    # `parent` and `kind`, in the files' order
    section_ids: Literal["numbered", "native"] = "numbered"
    features: list[FeatureName] = ["core", "checklists", "templates", "open_data"]  # generator/features/registry.py
    overlay: NonEmpty | None = None  # an organisation's overlay folder, relative to the knowledge base's folder
    time_zone: NonEmpty = "UTC"  # where its dates are days (IANA name, e.g. Asia/Tokyo): exports' times, build dates
    # a language the generator's interface strings are not written in → the language they are shown in until the
    # knowledge base's ui.yaml writes them ({de: en}: a German catalog's menus and buttons in English)
    interface_fallback: dict[LanguageCode, LanguageCode] = {}

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            raise ValueError(f"unknown time zone {value!r}: write an IANA name such as Europe/London or UTC") from None
        return value

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> dt.date:
        """Today where the knowledge base is."""
        return dt.datetime.now(self.zone).date()

    def start_of(self, date: dt.date) -> dt.datetime:
        """A date of the knowledge base as a time, wherever one is written (OSCAL, Word): the start of that day where
        the knowledge base is."""
        return dt.datetime.combine(date, dt.time(), self.zone)

    @field_validator("languages", "control_categories", "change_statuses", "control_statuses", "selections", "features")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"listed twice: {', '.join(repeated)}")
        return values

    @field_validator("interface_fallback")
    @classmethod
    def _fallback_of_own_language(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        languages = info.data.get("languages") or []  # (absent when they are wrong: said at their own key)
        strange = sorted(set(value) - set(languages)) if languages else []
        if strange:
            raise ValueError(f"{', '.join(strange)} is not a language of this knowledge base ({', '.join(languages)})"
                             ": key it by one of them")  # fmt: skip
        return value

    @field_validator("features")
    @classmethod
    def _core(cls, values: list[str]) -> list[str]:
        if "core" not in values:  # the other features add to the pages it makes
            raise ValueError("core is missing: it makes the home page, the guideline and its sections, which every "
                             "other feature adds to; list it first, e.g. features: [core, checklists]")  # fmt: skip
        return values

    @property
    def native(self) -> bool:
        return self.section_ids == "native"

    def is_control(self, section: Section) -> bool:
        """The one definition of "control": a section of kind control; with numbered ids, a sub-section of the
        controls chapter that is not a group."""
        if section.kind is not None:
            return section.kind == "control"
        controls = self.structure.controls
        return not self.native and controls is not None and section.id.startswith(controls + ".")

    def parent_of(self, section: Section) -> str | None:
        """The section a section belongs to: its `parent`, or (numbered ids) the number one level up."""
        if section.parent is not None or self.native:
            return section.parent
        return section.id.rsplit(".", 1)[0] if "." in section.id else None

    def is_policy(self, section_id: str) -> bool:
        """A section of a chapter that calls for controls."""
        return any(section_id.startswith(chapter + ".") for chapter in self.structure.policies)


class KnowledgeBase(Strict):
    """Everything loaded and validated: the plain data type handed from `validate` to `link`."""

    config: KbConfig
    document: Document
    sections: list[Section]
    glossary: list[GlossaryTerm]
    references: list[Reference]
    errata: list[Erratum]
    actors: list[Actor]
    csf: list[CsfFunction]
    checklists: list[Checklist]
    templates: list[Template]
    changelog: list[ChangelogEntry]  # newest first
    ui: dict[str, UiString]
    words: list[WordGroup] = []  # everyday words for search (words.yaml)

    def is_control(self, section_id: str) -> bool:
        return self.config.is_control(self._sections[section_id])

    def in_controls_chapter(self, section_id: str) -> bool:
        return section_id == self.config.structure.controls or self.is_control(section_id)

    def depth(self, section_id: str) -> int:
        """How deep a section stands in the table of contents: 0 for a chapter."""
        parent = self.config.parent_of(self._sections[section_id])
        return 0 if parent is None else 1 + self.depth(parent)

    @functools.cached_property
    def _sections(self) -> dict[str, Section]:
        return {s.id: s for s in self.sections}

    @property
    def version(self) -> str:
        """The knowledge base's version: the newest changelog entry's (validate checks there is one)."""
        return self.changelog[0].version


# ---------------------------------------------------------------- the organisation's layer (an overlay folder)
# An overlay's texts are Texts in one or more of the knowledge base's languages: a text missing in a language is
# shown in another with a label saying so. Targets are `@` references, as in the guideline's own text.

HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"']+$")]


class Contact(Strict):
    role: Text  # e.g. CSIRT 窓口
    name: NonEmpty | None = None
    phone: NonEmpty | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s<>\"']+@[^@\s<>\"']+$")] | None = None
    url: HttpUrl | None = None


class Organisation(Strict):
    """organisation.yaml: who the organisation is."""

    slug: Slug  # namespaces the organisation's OSCAL props and parts
    name: Text
    short_name: NonEmpty
    logo: NonEmpty | None = None  # an image file inside the overlay folder
    contacts: list[Contact] = []


class InternalReference(Strict):
    """An internal rule, standard or procedure of the organisation (社内規程): shown as internal, never as guideline."""

    id: Slug
    name: Text
    number: NonEmpty | None = None  # e.g. IT-SEC-004 第4条
    url: HttpUrl | None = None  # the intranet page: http(s) only


class Owner(Strict):
    department: Text
    role: Text | None = None


class Annotation(Strict):
    """What the organisation says beside one section, control, checklist item or template."""

    target: Annotated[str, StringConstraints(pattern=r"^@")]  # @5.4.2, @sec:intro, @cl:CL5-001, @tpl:cyber-policy
    date: dt.date  # when it was written
    note: Text | None = None
    owner: Owner | None = None
    references: list[Slug] = []  # ids in the overlay's references.yaml
    # the values the organisation gives the target control's parameters (parameter id → values)
    parameters: dict[PartId, Annotated[list[NonEmpty], Field(min_length=1)]] = {}
    # The target's text when the note was written (`check` prints it): a changed target asks for a review.
    fingerprint: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")] | None = None

    @model_validator(mode="after")
    def _says_something(self) -> Annotation:
        if self.note is None and self.owner is None and not self.references and not self.parameters:
            raise ValueError("an annotation needs a 'note', an 'owner', 'references' or 'parameters'")
        return self


class OverlayPage(Strict):
    """A page of the organisation's own (e.g. 社内規程一覧), placed in the navigation."""

    id: Slug
    title: Text
    nav: Literal["tools", "notes", "end"] = "end"
    blocks: Annotated[list[Block], Field(min_length=1)]


class TemplateFill(Strict):
    """templates.yaml: what the organisation's copies of the templates come filled in with."""

    company: Text | None = None  # the company name: it fills every template field named in `company_fields`
    company_fields: list[Slug] = ["organisation"]  # the templates' field for the organisation's name
    fields: dict[Slug, dict[Slug, Text]] = {}  # template id → field id → value (wins over `company`)


class Overlay(Strict):
    """Everything an overlay folder holds, validated; handed beside the knowledge base, never merged into it."""

    organisation: Organisation
    references: list[InternalReference]
    annotations: list[Annotation]
    pages: list[OverlayPage]
    templates: TemplateFill
