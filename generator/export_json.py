"""The whole knowledge base as JSON: one file with both languages, one per language, and their JSON Schemas.

The export model is made of the schema's own models, so the JSON Schema comes from the same definitions that
validate guideline_data/, and the two-language file reads back into exactly the validated data. A one-language
file is the same structure with every Text (`{"ja": …, "en": …}`) replaced by that language's string.
"""

from __future__ import annotations

import copy
import functools
from typing import Literal

import pydantic_core
from pydantic import ConfigDict, Field

from . import schema
from .link import RELATIONS, Linked

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what pydantic generates


class LinkEnd(schema.Strict):
    kind: str  # a reference kind's name, as the knowledge base's features declare it (section, term, item, …)
    id: str


class CrossLink(schema.Strict):
    """A typed relation computed by the link stage (`@` references, implements, cites, term uses, …)."""

    relation: Literal[RELATIONS]
    source: LinkEnd
    target: LinkEnd


class KnowledgeBaseExport(schema.Strict):
    """A guideline's knowledge base: its document, sections, controls, glossary, references and tools.

    Text may hold `@` references (`@1.2.3`, `@term:csirt`, `@ref:…`, `@tpl:…`, `@cl:…`, `@list:…`; `@@` is a
    literal at sign) and **bold**; `links` lists every relation they and the structure make.
    """

    model_config = ConfigDict(title="Guideline knowledge base")

    version: str = Field(
        description="The knowledge base's version: its newest changelog entry (the guideline's edition is in document)"
    )
    languages: list[schema.LanguageCode] = Field(
        description="The languages each Text holds: all of the knowledge base's (a Text is {ja: …, en: …}), or one "
        "(a Text is a string)"
    )
    changelog: list[schema.ChangelogEntry]
    config: schema.KbConfig = Field(description="What the knowledge base is (its kb.yaml): identity, languages, roles")
    document: schema.Document
    sections: list[schema.Section]
    controls: list[str] = Field(description="The ids of the sections that are controls (kb.yaml structure.controls)")
    glossary: list[schema.GlossaryTerm]
    references: list[schema.Reference]
    errata: list[schema.Erratum]
    actors: list[schema.Actor]
    csf: list[schema.CsfFunction]
    checklists: list[schema.Checklist]
    templates: list[schema.Template]
    links: list[CrossLink]
    organisation: schema.Overlay | None = Field(
        None,
        description="The organisation's own layer (an overlay), kept apart from the guideline: its notes, owners, "
        "internal references and pages. Absent when the site was built without one.",
    )


def export_model(linked: Linked, overlay: schema.Overlay | None = None) -> KnowledgeBaseExport:
    kb = linked.kb
    return KnowledgeBaseExport(
        organisation=overlay,
        version=kb.version,
        languages=kb.config.languages,
        changelog=kb.changelog,
        config=kb.config,
        document=kb.document,
        sections=kb.sections,
        controls=[s.id for s in kb.sections if kb.is_control(s.id)],
        glossary=kb.glossary,
        references=kb.references,
        errata=kb.errata,
        actors=kb.actors,
        csf=kb.csf,
        checklists=kb.checklists,
        templates=kb.templates,
        # as plain data, checked by the one validation of the whole export (a model each: 3 times as long)
        links=[
            {
                "relation": link.relation,
                "source": {"kind": link.source.kind, "id": link.source.id},
                "target": {"kind": link.target.kind, "id": link.target.id},
            }
            for link in linked.index.links
        ],
    )


def export_json(export: KnowledgeBaseExport, language: str | None = None) -> bytes:
    """Both languages (language None), or one: each Text becomes that language's string."""
    if language is not None:
        export = export.model_copy(update={"languages": [language]})
    data = export.model_dump(mode="json", by_alias=True, context={"language": language})
    if data["organisation"] is None:  # a site without an overlay exports what it always did
        del data["organisation"]
    return dumps(data)


def json_schema(language: str | None = None) -> bytes:
    schema_ = copy.deepcopy(_export_schema())
    if language is not None:
        schema_["title"] += f" ({language})"
        schema_["$defs"]["Text"] = {
            "type": "string",
            "minLength": 1,
            "description": f"Reader-facing text in '{language}'. May carry `@` references and **bold**.",
        }
    return dumps({"$schema": JSON_SCHEMA_DIALECT, **schema_})


@functools.cache
def _export_schema() -> dict:
    """The export's JSON Schema, generated once a process (each language writes it twice: 60 ms each time)."""
    return KnowledgeBaseExport.model_json_schema()


def dumps(data) -> bytes:
    """JSON as json.dumps(data, ensure_ascii=False, indent=1) writes it, byte for byte, by pydantic-core's encoder
    (six times quicker: the exports of a 1,200-control catalog are 10 MB per language, written after every edit)."""
    return pydantic_core.to_json(data, indent=1) + b"\n"
