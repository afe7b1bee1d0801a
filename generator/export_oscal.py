"""The guideline as an OSCAL 1.1 catalog (JSON), for GRC tools that read control catalogs.

Chapters are groups; every section below a chapter is a control (class "control" in chapter 5, "section" elsewhere),
nested as in the table of contents. Blocks become parts (requirement → statement, summary → overview, examples →
example; the others carry our namespace), change status, category and English titles are props in our namespace,
cross-references are links (rel "related" between sections, "reference" to the back-matter resource of a cited
document). The prose is the guideline's Japanese; every uuid is a uuid5 of a fixed namespace, so that the same data
always gives the same file. The tests read the file with compliance-trestle's models.

A knowledge base with native ids (an imported catalog) keeps them: its groups (kind group) are groups at any depth,
its controls controls, with their own ids, labels, classes, parameters, props, typed links and withdrawn status;
blocks and statement items that carry ids are parts with those ids, so that the catalog's own profiles resolve
against this export, and importing it again gives the same knowledge base.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter

from . import schema
from .export_json import dumps
from .i18n import Language
from .link import Key, Linked, segments
from .overlay import Applied
from .pages import children, label_of

OSCAL_VERSION = "1.1.3"

# OSCAL's own part names
PART_NAMES = {"requirement": "statement", "statement": "statement", "summary": "overview", "examples": "example",
              "guidance": "guidance", "objective": "assessment-objective"}  # fmt: skip
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|])")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def namespace(config: schema.KbConfig) -> str:
    """Qualifies our prop and part names; the knowledge base's slug keeps two catalogs' names and uuids apart."""
    return f"urn:x-{config.slug}:oscal"


def control_id(config: schema.KbConfig, section_id: str) -> str:
    """OSCAL ids may not start with a digit: 1.2.3 → <oscal_prefix>-1.2.3; native ids are the catalog's own."""
    return section_id if config.native else f"{config.oscal_prefix}-{section_id}"


def oscal_json(linked: Linked, overlay: Applied | None = None) -> bytes:
    return dumps(catalog(linked, overlay))


def catalog(linked: Linked, overlay: Applied | None = None) -> dict:
    kb = linked.kb
    # The prose is in the knowledge base's first language; titles in the others ride along as props.
    builder = _Builder(linked, Language.all(kb)[0], overlay)
    body = {
        "uuid": builder.uuid(f"catalog/{kb.version}"),
        "metadata": builder.metadata(),
    }
    top = [s for s in kb.sections if kb.config.parent_of(s) is None]
    controls = [builder.control(s) for s in top if kb.is_control(s.id)]
    if controls:
        body["controls"] = controls
    body["groups"] = [builder.group(s) for s in top if not kb.is_control(s.id)]
    if kb.references:
        body["back-matter"] = {"resources": [builder.resource(r) for r in kb.references]}
    return {"catalog": body}


def organisation_profile(linked: Linked, overlay: Applied, catalog_href: str) -> bytes | None:
    """The values an organisation gives the controls' parameters, as an OSCAL profile of the catalog (every control,
    `set-parameters`): GRC tools resolve it against the catalog; None when the overlay sets none."""
    if not overlay.parameter_values:
        return None
    kb = linked.kb
    builder = _Builder(linked, Language.all(kb)[0], overlay)
    name = builder.language.text(overlay.organisation.name)
    profile = {
        "uuid": builder.uuid(f"organisation/{overlay.organisation.slug}/{kb.version}"),
        "metadata": {
            "title": _escape(builder.language.t("oscal.profile_title").format(organisation=name)),
            "last-modified": _timestamp(kb.changelog[0].date, kb.config),
            "version": kb.version,
            "oscal-version": OSCAL_VERSION,
        },
        "imports": [{"href": catalog_href, "include-all": {}}],
        "modify": {
            "set-parameters": [
                {"param-id": param_id, "values": list(values)}
                for param_id, values in sorted(overlay.parameter_values.items())
            ]
        },
    }
    return dumps({"profile": profile})


def _timestamp(date: dt.date, config: schema.KbConfig) -> str:
    """The start of the day in the knowledge base's time zone (kb.yaml time_zone), as OSCAL writes a timestamp."""
    return config.start_of(date).isoformat()


def _sort_id(section_id: str) -> str:
    return ".".join(f"{int(n):02d}" for n in section_id.split("."))


class _Builder:
    def __init__(self, linked: Linked, language: Language, overlay: Applied | None = None) -> None:
        self.linked, self.kb, self.language, self.overlay = linked, linked.kb, language, overlay
        self.ns = namespace(self.kb.config)
        self.uuid_namespace = uuid.uuid5(uuid.NAMESPACE_URL, self.ns)  # the same names give the same uuids
        self.other_languages = [code for code in self.kb.config.languages if code != language.code]
        # A statement item's OSCAL id: the id of its block's part, then what follows its section's id (ac-2.a in the
        # part ac-2_smt is ac-2_smt.a), as catalogs name them and as `import` shortened them.
        self.part_ids = {
            item_id: block.id + item_id[len(section.id) :]
            for section in self.kb.sections
            for block in section.blocks
            if block.id and block.id != section.id and block.role == "statement"
            for item_id in _item_ids(block.items)
            if item_id.startswith(section.id + ".")
        }

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
            "last-modified": _timestamp(kb.changelog[0].date, kb.config),
            "version": kb.version,
            "oscal-version": OSCAL_VERSION,
            "revisions": [
                {
                    "published": _timestamp(entry.date, kb.config),
                    "version": entry.version,
                    "remarks": "\n\n".join(self.inline(change) for change in entry.changes),
                }
                for entry in kb.changelog
            ],
            "props": [
                *self.titles(document.title),
                self.prop("guideline-edition", self.language.text(document.edition)),
                *([self.prop("guideline-issuer", self.language.text(document.issuer))] if document.issuer else []),
                self.prop("guideline-date", document.date.isoformat()),
            ],
            **self.issuer(),
            "remarks": _escape(self.language.t("oscal.remarks")),
        }

    def issuer(self) -> dict:
        """The issuer as the catalog's creator party, as OSCAL names who publishes a catalog."""
        issuer = self.kb.document.issuer
        if issuer is None:
            return {}
        party = self.uuid("party/issuer")
        return {
            "roles": [{"id": "creator", "title": _escape(self.language.t("oscal.role_creator"))}],
            "parties": [{"uuid": party, "type": "organization", "name": self.language.text(issuer)}],
            "responsible-parties": [{"role-id": "creator", "party-uuids": [party]}],
        }

    def resource(self, reference: schema.Reference) -> dict:
        resource = {
            "uuid": self.resource_uuid(reference.id),
            "title": _escape(self.language.text(reference.title)),
            "props": [self.prop("reference-id", reference.id), *self.titles(reference.title)],
        }
        # the source's own citation; else (our guideline's references) one made of issuer, title and date
        if reference.citation or not self.kb.config.native:
            text = self.inline(reference.citation) if reference.citation else _escape(self.citation(reference))
            resource["citation"] = {"text": text}
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
        """An imported resource keeps its uuid (its id); others get one made of their id."""
        return reference_id if UUID.match(reference_id) else self.uuid(f"reference/{reference_id}")

    # -- groups and controls
    def group(self, section: schema.Section) -> dict:
        group = {"id": self.id(section.id), "title": _escape(self.language.text(section.title))}
        group |= self.common(section)
        if section.listing == "references":  # chapter 6 lists every cited document: the back matter
            cited = [{"href": f"#{self.resource_uuid(r.id)}", "rel": "reference"} for r in self.kb.references]
            group["links"] = group.get("links", []) + cited
        if section.class_:
            group = {"id": group["id"], "class": section.class_, **group}
        kids = children(self.linked, section.id)
        groups = [self.group(kid) for kid in kids if kid.kind == "group"]
        if groups:
            group["groups"] = groups
        controls = [self.control(kid) for kid in kids if kid.kind != "group"]
        if controls:
            group["controls"] = controls
        return group

    def control(self, section: schema.Section) -> dict:
        cls = section.class_ or ("control" if self.kb.is_control(section.id) else "section")
        control = {"id": self.id(section.id), "class": cls, "title": _escape(self.language.text(section.title))}
        if section.params:
            control["params"] = [self.param(p) for p in section.params]
        control |= self.common(section)
        kids = [self.control(kid) for kid in children(self.linked, section.id)]
        if kids:
            control["controls"] = kids
        return control

    def param(self, param: schema.Parameter) -> dict:
        out: dict = {"id": param.id}
        if param.label:
            out["label"] = self.inline(param.label)
        if param.guidance:
            out["guidelines"] = [{"prose": self.inline(param.guidance)}]
        if param.values:
            out["values"] = list(param.values)
        if param.select:
            out["select"] = {
                "how-many": param.select.how_many,
                "choice": [self.inline(c) for c in param.select.choices],
            }
        return out

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
        if section.control_status:
            props.append(self.prop("status", section.control_status, ours=False))
        for prop in section.props:
            props.append({"name": prop.name, **({"ns": prop.ns} if prop.ns else {}), "value": prop.value,
                          **({"class": prop.class_} if prop.class_ else {})})  # fmt: skip
        result: dict = {"props": props} if props else {}
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
        """A catalog's own typed links and citations (native ids) are its links, as it wrote them; a guideline's
        are what its sections call for, cite and mention, both ways."""
        index, key = self.linked.index, Key("section", section.id)
        native = self.kb.config.native
        both_ways = () if native else ("implements", "mentions")
        related = [k for r in both_ways for k in (*index.outgoing(key, r), *index.incoming(key, r))]
        sections = dict.fromkeys(k.id for k in related if k.kind == "section" and k.id != section.id)
        citing = ("cites",) if native else ("cites", "mentions")
        cited = dict.fromkeys(k.id for r in citing for k in index.outgoing(key, r) if k.kind == "ref")
        return [
            *({"href": f"#{self.id(s)}", "rel": "related"} for s in sections),
            *({"href": f"#{self.resource_uuid(r)}", "rel": "reference"} for r in cited),
            *({"href": f"#{self.target(link.target)}", "rel": link.rel} for link in section.links),
        ]

    def target(self, target: str) -> str:
        """The OSCAL id of a section or of a part of one (a statement item: ac-2.a → ac-2_smt.a)."""
        if target in self.linked.index.sections:
            return self.id(target)
        return self.part_ids.get(target, target)

    # -- parts
    def parts(self, owner: str, blocks: list[schema.Block]) -> list[dict]:
        """Blocks in order; a heading block opens a topic part that holds the blocks after it, up to the next one.
        A block with an id (a catalog's own part) keeps its id and name, and its items with ids are its parts."""
        counts: Counter[str] = Counter()
        top: list[dict] = []
        topic: dict | None = None
        for block in blocks:
            name = block.name or ("topic" if block.role == "heading" else PART_NAMES.get(block.role, block.role))
            counts[name] += 1
            part = {"id": block.id or f"{owner}_{name}-{counts[name]}", "name": name}
            if name not in PART_NAMES.values() and not block.name:
                part["ns"] = self.ns
            if not block.id:  # our own blocks say whose words they are; a catalog's parts are its own
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
            if any(item.id for item in block.items):
                part["parts"] = [self.item(item) for item in block.items]
            if topic is None:
                top.append(part)
            else:
                topic.setdefault("parts", []).append(part)
        return top

    def item(self, item: schema.ListItem) -> dict:
        """A statement item as a part of its own, with its id and label."""
        part: dict = {"id": self.part_ids.get(item.id, item.id), "name": "item"} if item.id else {"name": "item"}
        if item.label:
            part["props"] = [self.prop("label", item.label, ours=False)]
        part["prose"] = self.inline(item.text)
        if item.items:
            part["parts"] = [self.item(child) for child in item.items]
        return part

    def prose(self, block: schema.Block) -> str:
        """Markdown, as OSCAL's markup-multiline expects."""
        pieces = []
        if block.role == "table":
            pieces.append(self.table(block))
        quote = "> " if block.role == "quote" else ""
        pieces += [quote + self.inline(p) for p in block.paragraphs]
        if block.items and not any(item.id for item in block.items):  # items with ids are parts of their own
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
        for segment in segments(self.language.text(text), self.linked.vocabulary):
            if segment.key:
                out.append(self.reference(segment.key))
            elif segment.bold or segment.emphasis:
                mark = "**" if segment.bold else "*"
                out.append(f"{mark}{_escape(segment.text)}{mark}")
            else:
                out.append(_escape(segment.text))
        return "".join(out)

    def reference(self, key: Key) -> str:
        """Parameters are inserted; sections, their parts and cited documents link inside the catalog; everything
        else is named."""
        key = self.linked.index.canonical(key)
        if key.kind == "param":
            return f"{{{{ insert: param, {key.id} }}}}"
        label = _escape(label_of(self.linked, self.language, key))
        if key.kind in ("section", "part"):
            return f"[{label}](#{self.target(key.id)})"
        if key.kind == "ref":
            return f"[{label}](#{self.resource_uuid(key.id)})"
        return label


def _item_ids(items: list[schema.ListItem]) -> list[str]:
    return [i for item in items for i in ([item.id] if item.id else []) + _item_ids(item.items)]


def _escape(text: str) -> str:
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)
