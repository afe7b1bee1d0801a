"""The guideline as an OSCAL 1.1 catalog (JSON), for GRC tools that read control catalogs.

Chapters are groups; every section below a chapter is a control (class "control" in chapter 5, "section" elsewhere),
nested as in the table of contents. Blocks become parts (requirement → statement, summary → overview, examples →
example; the others carry our namespace), change status, category and English titles are props in our namespace,
cross-references are links (rel "related" between sections, "reference" to the back-matter resource of a cited
document). The prose is the guideline's Japanese; every uuid is a uuid5 of a fixed namespace, so that the same data
always gives the same file. The tests read the file with compliance-trestle's models.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter

from . import schema
from .i18n import Language
from .link import Key, Linked, segments
from .overlay import Applied
from .pages import children, label_of

OSCAL_VERSION = "1.1.3"
TIMEZONE = "+09:00"  # dates of the knowledge base are Japanese dates

PART_NAMES = {"requirement": "statement", "summary": "overview", "examples": "example"}  # OSCAL's own part names
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|])")


def namespace(config: schema.KbConfig) -> str:
    """Qualifies our prop and part names; the knowledge base's slug keeps two catalogs' names and uuids apart."""
    return f"urn:x-{config.slug}:oscal"


def control_id(config: schema.KbConfig, section_id: str) -> str:
    """OSCAL ids may not start with a digit: 1.2.3 → <oscal_prefix>-1.2.3."""
    return f"{config.oscal_prefix}-{section_id}"


def oscal_json(linked: Linked, overlay: Applied | None = None) -> bytes:
    return (json.dumps(catalog(linked, overlay), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def catalog(linked: Linked, overlay: Applied | None = None) -> dict:
    kb = linked.kb
    # The prose is in the knowledge base's first language; titles in the others ride along as props.
    builder = _Builder(linked, Language.all(kb)[0], overlay)
    body = {
        "uuid": builder.uuid(f"catalog/{kb.version}"),
        "metadata": builder.metadata(),
        "groups": [builder.group(s) for s in kb.sections if kb.config.parent_of(s) is None],
    }
    if kb.references:
        body["back-matter"] = {"resources": [builder.resource(r) for r in kb.references]}
    return {"catalog": body}


def _timestamp(date) -> str:
    return f"{date.isoformat()}T00:00:00{TIMEZONE}"


def _sort_id(section_id: str) -> str:
    return ".".join(f"{int(n):02d}" for n in section_id.split("."))


class _Builder:
    def __init__(self, linked: Linked, language: Language, overlay: Applied | None = None) -> None:
        self.linked, self.kb, self.language, self.overlay = linked, linked.kb, language, overlay
        self.ns = namespace(self.kb.config)
        self.uuid_namespace = uuid.uuid5(uuid.NAMESPACE_URL, self.ns)  # the same names give the same uuids
        self.other_languages = [code for code in self.kb.config.languages if code != language.code]

    def uuid(self, name: str) -> str:
        return str(uuid.uuid5(self.uuid_namespace, name))

    def id(self, section_id: str) -> str:
        return control_id(self.kb.config, section_id)

    def prop(self, name: str, value: str, ours: bool = True, class_: str | None = None) -> dict:
        """A prop in our namespace, or (ours=False) one that OSCAL itself defines, such as label and sort-id."""
        prop = {"name": name, "ns": self.ns} if ours else {"name": name}
        prop["value"] = value
        if class_:
            prop["class"] = class_
        return prop

    def titles(self, text: schema.Text) -> list[dict]:
        """The title in each other language, as props title-<code>."""
        return [self.prop(f"title-{code}", getattr(text, code)) for code in self.other_languages]

    # -- metadata and back matter
    def metadata(self) -> dict:
        kb, document = self.kb, self.kb.document
        return {
            "title": _escape(self.language.text(document.title)),  # markup-line
            "last-modified": _timestamp(kb.changelog[0].date),
            "version": kb.version,
            "oscal-version": OSCAL_VERSION,
            "revisions": [
                {
                    "published": _timestamp(entry.date),
                    "version": entry.version,
                    "remarks": "\n\n".join(self.inline(change) for change in entry.changes),
                }
                for entry in kb.changelog
            ],
            "props": [
                *self.titles(document.title),
                self.prop("guideline-edition", self.language.text(document.edition)),
                self.prop("guideline-issuer", self.language.text(document.issuer)),
                self.prop("guideline-date", document.date.isoformat()),
            ],
            "remarks": _escape(self.language.t("oscal.remarks")),
        }

    def resource(self, reference: schema.Reference) -> dict:
        resource = {
            "uuid": self.resource_uuid(reference.id),
            "title": _escape(self.language.text(reference.title)),
            "props": [self.prop("reference-id", reference.id), *self.titles(reference.title)],
            "citation": {"text": _escape(self.citation(reference))},
        }
        if reference.url:
            resource["rlinks"] = [{"href": reference.url}]
        if reference.note:
            resource["remarks"] = self.inline(reference.note)
        return resource

    def citation(self, reference: schema.Reference) -> str:
        parts = [self.language.text(reference.issuer)] if reference.issuer else []
        parts.append(self.language.text(reference.title))
        if reference.date:
            parts.append(self.language.date(reference.date, reference.date_precision))
        return self.language.t("punct.list").join(parts)

    def resource_uuid(self, reference_id: str) -> str:
        return self.uuid(f"reference/{reference_id}")

    # -- groups and controls
    def group(self, section: schema.Section) -> dict:
        group = {"id": self.id(section.id), "title": _escape(self.language.text(section.title))}
        group |= self.common(section)
        if section.listing == "references":  # chapter 6 lists every cited document: the back matter
            cited = [{"href": f"#{self.resource_uuid(r.id)}", "rel": "reference"} for r in self.kb.references]
            group["links"] = group.get("links", []) + cited
        kids = [self.control(kid) for kid in children(self.linked, section.id)]
        if kids:
            group["controls"] = kids
        return group

    def control(self, section: schema.Section) -> dict:
        cls = "control" if self.kb.is_control(section.id) else "section"
        control = {"id": self.id(section.id), "class": cls, "title": _escape(self.language.text(section.title))}
        control |= self.common(section)
        kids = [self.control(kid) for kid in children(self.linked, section.id)]
        if kids:
            control["controls"] = kids
        return control

    def common(self, section: schema.Section) -> dict:
        """Props, links and parts: the same for a group and a control."""
        number = self.language.section_label(section)
        props = [self.prop("label", number, ours=False)] if number else []
        if section.id[0].isdigit():
            props.append(self.prop("sort-id", _sort_id(section.id), ours=False))
        props += self.titles(section.title)
        if section.status:
            props.append(self.prop("change-status", section.status))
        if section.category:
            props.append(self.prop("category", section.category))
        props += [self.prop("csf-category", c, class_="editorial") for c in section.csf]
        result: dict = {"props": props}
        links = self.links(section)
        if links:
            result["links"] = links
        parts = self.parts(self.id(section.id), section.blocks) + self.own_parts(section)
        if parts:
            result["parts"] = parts
        return result

    def own_parts(self, section: schema.Section) -> list[dict]:
        """The organisation's notes on a control, as parts in the organisation's own namespace (class
        "organisation"), so that a GRC tool reads them beside the guideline's statement and never as part of it."""
        if self.overlay is None:
            return []
        ns = f"urn:x-{self.overlay.organisation.slug}:oscal"
        parts = []
        for number, note in enumerate(self.overlay.of(Key("section", section.id)), 1):
            part = {"id": f"{self.id(section.id)}_internal-{number}", "name": "internal-note", "ns": ns,
                    "class": "organisation"}  # fmt: skip
            props = []
            if note.owner:
                props.append({"name": "owner", "ns": ns, "value": self.language.text(note.owner.department)})
            props += [{"name": "internal-reference", "ns": ns, "value": self.language.text(r.name)}
                      for r in (self.overlay.references[i] for i in note.references)]  # fmt: skip
            if props:
                part["props"] = props
            if note.note:
                part["prose"] = self.inline(note.note)
            parts.append(part)
        return parts

    def links(self, section: schema.Section) -> list[dict]:
        index, key = self.linked.index, Key("section", section.id)
        related = [
            *index.outgoing(key, "implements"),
            *index.incoming(key, "implements"),
            *index.outgoing(key, "mentions"),
            *index.incoming(key, "mentions"),
        ]
        sections = dict.fromkeys(k.id for k in related if k.kind == "section" and k.id != section.id)
        cited = dict.fromkeys(
            k.id for k in (*index.outgoing(key, "cites"), *index.outgoing(key, "mentions")) if k.kind == "ref"
        )
        return [{"href": f"#{self.id(s)}", "rel": "related"} for s in sections] + [
            {"href": f"#{self.resource_uuid(r)}", "rel": "reference"} for r in cited
        ]

    # -- parts
    def parts(self, owner: str, blocks: list[schema.Block]) -> list[dict]:
        """Blocks in order; a heading block opens a topic part that holds the blocks after it, up to the next one."""
        counts: Counter[str] = Counter()
        top: list[dict] = []
        topic: dict | None = None
        for block in blocks:
            name = "topic" if block.role == "heading" else PART_NAMES.get(block.role, block.role)
            counts[name] += 1
            part = {"id": f"{owner}_{name}-{counts[name]}", "name": name}
            if name not in PART_NAMES.values():
                part["ns"] = self.ns
            part["class"] = block.source
            if block.title:
                part["title"] = _escape(self.language.text(block.title))
            if block.role == "heading":
                if block.status:  # the source's mark on this topic (a section may hold topics marked differently)
                    part["props"] = [self.prop("change-status", block.status)]
                topic = part
                top.append(topic)
                continue
            prose = self.prose(block)
            if prose:
                part["prose"] = prose
            if topic is None:
                top.append(part)
            else:
                topic.setdefault("parts", []).append(part)
        return top

    def prose(self, block: schema.Block) -> str:
        """Markdown, as OSCAL's markup-multiline expects."""
        pieces = []
        if block.role == "table":
            pieces.append(self.table(block))
        quote = "> " if block.role == "quote" else ""
        pieces += [quote + self.inline(p) for p in block.paragraphs]
        if block.items:
            pieces.append("\n".join(self.items(block.items)))
        if block.attribution:
            pieces.append(f"{quote}— {self.inline(block.attribution)}")
        if block.source == "editorial" and block.date:
            t = self.language.t
            pieces.append(_escape(f"{t('punct.open')}{t('provenance.editorial_note')}{t('punct.list')}"
                                  f"{self.language.date(block.date)}{t('punct.close')}"))  # fmt: skip
        return "\n\n".join(pieces)

    def items(self, items: list[schema.ListItem], depth: int = 0) -> list[str]:
        lines = []
        for item in items:
            indent = "  " * depth
            lines.append(f"{indent}- {self.inline(item.text)}")
            if item.note:
                lines.append(f"{indent}  {self.inline(item.note)}")
            lines += self.items(item.items, depth + 1)
        return lines

    def table(self, block: schema.Block) -> str:
        def row(cells: list[schema.Text]) -> str:
            return "| " + " | ".join(self.inline(c).replace("\n", " ") for c in cells) + " |"

        return "\n".join([row(block.columns), "|" + " --- |" * len(block.columns), *(row(r) for r in block.rows)])

    # -- inline text
    def inline(self, text: schema.Text) -> str:
        """One language's text as Markdown: `@` references become links (inside the catalog) or names."""
        out = []
        for segment in segments(self.language.text(text)):
            if segment.key:
                out.append(self.reference(segment.key))
            else:
                out.append(f"**{_escape(segment.text)}**" if segment.bold else _escape(segment.text))
        return "".join(out)

    def reference(self, key: Key) -> str:
        """Sections and cited documents link inside the catalog; everything else is named."""
        label = _escape(label_of(self.linked, self.language, key))
        if key.kind == "section":
            return f"[{label}](#{self.id(key.id)})"
        if key.kind == "ref":
            return f"[{label}](#{self.resource_uuid(key.id)})"
        return label


def _escape(text: str) -> str:
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)
