"""The organisation's own layer: an overlay folder loaded, validated and linked beside the knowledge base.

An overlay never changes the guideline's data: it is its own typed object (`Applied`), handed to the features and
templates next to `Linked`. Its targets are `@` references, resolved against the knowledge base with the same
vocabulary as the guideline's own text; each annotation may keep a fingerprint of its target's text, so that a new
edition of the guideline tells which notes need a review.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import PIL.Image
from pydantic import BaseModel

from . import files, schema
from .errors import DataError, Problem
from .link import Key, Linked
from .load import Collection, load
from .validate import Locator, _did_you_mean, _validate_one
from .walk import texts

COLLECTIONS = (
    Collection("organisation", "organisation.yaml", "mapping"),
    Collection("references", "references.yaml", "list", required=False),
    Collection("annotations", "annotations", "list", required=False),
    Collection("pages", "pages", "item-per-file", required=False),
    Collection("templates", "templates.yaml", "mapping", required=False),
)
ITEM_MODELS: dict[str, type[BaseModel]] = {
    "references": schema.InternalReference,
    "annotations": schema.Annotation,
    "pages": schema.OverlayPage,
}
PAGE_FOLDER = "organisation/"  # the overlay's own pages: organisation/<id>.md
LOGO_FOLDER = "assets/organisation/"  # where the site keeps the organisation's logo
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")  # not SVG: an SVG can carry script
MAX_LOGO_BYTES = 1_000_000
MAX_LOGO_SIDE = 2_000  # pixels; each reader's browser decodes the whole image
LOGO_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
# Pillow's name of each format, by what a file name may end with
LOGO_FORMATS = {"PNG": "PNG", "JPG": "JPEG", "JPEG": "JPEG", "WEBP": "WEBP", "GIF": "GIF"}


@dataclass
class Applied:
    """The overlay resolved against a knowledge base: what each page, file and export shows of it."""

    overlay: schema.Overlay
    root: Path  # the overlay folder (its logo lives there)
    annotations: dict[Key, list[schema.Annotation]] = field(default_factory=lambda: defaultdict(list))
    references: dict[str, schema.InternalReference] = field(default_factory=dict)
    review: dict[int, str] = field(default_factory=dict)  # id() of an annotation → the fingerprint its target has now
    notices: list[Problem] = field(default_factory=list)  # for the build's output: notes to review, fingerprints
    parameter_values: dict[str, list[str]] = field(default_factory=dict)  # a control parameter's id → its values

    @property
    def organisation(self) -> schema.Organisation:
        return self.overlay.organisation

    @property
    def logo_path(self) -> str | None:
        """The logo's docs path in the site (checked to be an image file inside the overlay folder)."""
        logo = self.organisation.logo
        return LOGO_FOLDER + Path(logo).name if logo else None

    def logo_bytes(self) -> bytes:
        logo = self.root / self.organisation.logo  # checked by _check_logo
        return files.read_regular(files.regular_file(logo, self.root, self.root.name), MAX_LOGO_BYTES)

    def cache_key(self) -> dict:
        """What of the overlay shapes a derived file: all its data, and which notes ask for a review."""
        return {"overlay": self.overlay.model_dump(mode="json"), "review": sorted(self.review.values())}

    def of(self, key: Key) -> list[schema.Annotation]:
        return self.annotations.get(key, [])

    def needs_review(self, annotation: schema.Annotation) -> bool:
        return id(annotation) in self.review

    def owner(self, key: Key) -> schema.Owner | None:
        return next((a.owner for a in self.of(key) if a.owner), None)

    def item_owner(self, item: schema.ChecklistItem) -> schema.Owner | None:
        """Who owns a checklist item: the item's own owner, else its section's (a control's owner owns its items)."""
        return self.owner(Key("item", item.id)) or self.owner(Key("section", item.section))

    def references_of(self, key: Key) -> list[schema.InternalReference]:
        ids = dict.fromkeys(r for a in self.of(key) for r in a.references)
        return [self.references[i] for i in ids]


def load_overlay(folder: Path, linked: Linked) -> Applied:
    """Load, validate and link an overlay folder; raise DataError naming each file, line and fix."""
    shown = folder.name or str(folder)
    inside = _overlay_inside(folder)
    if inside is not None:
        raise DataError([Problem(str(folder), None, f"no {COLLECTIONS[0].path} here, but {inside.name}/ inside holds "
                                 "an overlay", f"did you mean {inside}/?")])  # fmt: skip
    raw = load(folder, shown, COLLECTIONS)
    locator, problems = Locator(), []
    collected: dict = {}
    for collection in COLLECTIONS:
        files = raw.files[collection.name]
        if collection.shape == "mapping":
            model = schema.Organisation if collection.name == "organisation" else schema.TemplateFill
            value = _validate_one(files[0], (), model, (collection.name,), locator, problems) if files else None
            collected[collection.name] = value if value is not None or files else schema.TemplateFill()
            continue
        items = []
        for source in files:
            entries = [((), source.data)] if collection.shape == "item-per-file" else list(enumerate(source.data))
            for inner, value in entries:
                inner = inner if isinstance(inner, tuple) else (inner,)
                item = _validate_one(source, inner, ITEM_MODELS[collection.name], (collection.name, len(items)),
                                     locator, problems, value)  # fmt: skip
                items.append(item)
        collected[collection.name] = [item for item in items if item is not None]
    if problems:
        raise DataError(problems)
    problems += _languages(collected, locator, linked.kb.config.languages)
    if problems:
        raise DataError(problems)
    overlay = schema.Overlay(**collected)
    applied = Applied(overlay, raw.root, references={r.id: r for r in overlay.references})
    problems += _link(applied, linked, locator)
    if problems:
        raise DataError(problems)
    return applied


def _overlay_inside(folder: Path) -> Path | None:
    """The folder one level down that holds the overlay, when `folder` has none of its own (a demo's folder given for
    the overlay inside it)."""
    if not folder.is_dir() or (folder / COLLECTIONS[0].path).exists():
        return None
    return next((sub for sub in sorted(folder.iterdir()) if (sub / COLLECTIONS[0].path).is_file()), None)


def _languages(collected: dict, locator: Locator, languages: list[str]) -> list[Problem]:
    """An overlay's text may leave languages out (it is shown with a label), but names none the base lacks."""
    problems = []
    fix = f"the knowledge base's languages are {', '.join(languages)}"
    for name, value in collected.items():
        models = value if isinstance(value, list) else [value]
        for index, model in enumerate(models):
            base = (name, index) if isinstance(value, list) else (name,)
            for path, text in texts(model, base):
                unknown = [code for code in text.languages() if code not in languages]
                problems += [locator.problem(path + (code,), f"unknown language {code!r}", fix) for code in unknown]
    return problems


def _link(applied: Applied, linked: Linked, locator: Locator) -> list[Problem]:
    index, problems = linked.index, []

    def problem(path: tuple, message: str, fix: str) -> None:
        problems.append(locator.problem(path, message, fix))

    for number, annotation in enumerate(applied.overlay.annotations):
        path = ("annotations", number)
        found = list(linked.vocabulary.parse(annotation.target))
        if len(found) != 1 or found[0][0].group(0) != annotation.target:
            problem(path + ("target",), f"not a reference: {annotation.target!r}",
                    "write one reference: @5.4.2, @sec:intro, @cl:CL5-001 or @tpl:<id>")  # fmt: skip
            continue
        key = found[0][1]
        kind = linked.vocabulary.by_name.get(key.kind)  # None: a kind of a feature kb.yaml does not name
        if kind is None or not kind.annotated:
            problem(path + ("target",), f"an annotation cannot be attached to a {key.kind}",
                    "attach it to a section, a control, a checklist item or a template")  # fmt: skip
            continue
        if not index.exists(key):
            known = set(index.tables[kind.collection])
            problem(path + ("target",), f"no {key.kind} {key.id!r} in the knowledge base",
                    _did_you_mean(key.id, known, key.kind))  # fmt: skip
            continue
        params = {p.id for p in index.sections[key.id].params} if key.kind == "section" else set()
        for param_id in annotation.parameters:
            if param_id not in params:
                problem(path + ("parameters", param_id), f"{key.kind} {key.id!r} has no parameter {param_id!r}",
                        _did_you_mean(param_id, params, "parameter of that control"))  # fmt: skip
            else:
                applied.parameter_values[param_id] = annotation.parameters[param_id]
        for r_index, reference in enumerate(annotation.references):
            if reference not in applied.references:
                problem(path + ("references", r_index), f"unknown internal reference {reference!r}",
                        _did_you_mean(reference, set(applied.references), "internal reference"))  # fmt: skip
        applied.annotations[key].append(annotation)
        _review(applied, annotation, fingerprint(linked, key), locator.problem(path, ""))
    logo = applied.organisation.logo
    if logo:
        _check_logo(applied.root, logo, problem)
    for template_id, values in applied.overlay.templates.fields.items():
        path = ("templates", "fields", template_id)
        templates = index.tables.get("templates", {})  # none when the knowledge base has no templates feature
        template = templates.get(template_id)
        if template is None:
            problem(path, f"no template {template_id!r}", _did_you_mean(template_id, set(templates), "template"))
            continue
        field_ids = {f.id for part in template.parts for f in part.fields}
        for field_id in values:
            if field_id not in field_ids:
                problem(path + (field_id,), f"template {template_id!r} has no field {field_id!r}",
                        _did_you_mean(field_id, field_ids, "field"))  # fmt: skip
    fix = "refer to something the knowledge base has, or write @@ for an at sign"
    for name in ("annotations", "pages", "references"):
        for number, model in enumerate(getattr(applied.overlay, name)):
            for path, text in texts(model, (name, number)):
                for code in text.languages():
                    for match, key in linked.vocabulary.parse(getattr(text, code)):
                        if not index.exists(key):
                            message = f"unknown reference {match.group(0)!r}: no {key.kind} {key.id!r}"
                            problem(path + (code,), message, fix)
    seen: set[str] = set()
    for number, page in enumerate(applied.overlay.pages):
        if page.id in seen or page.id == "index":
            problem(("pages", number, "id"), f"the page id {page.id!r} is taken", "give each page its own id")
        seen.add(page.id)
    return problems


OUTSIDE_FIX = "put the image file in the overlay folder"
MISSING_FIX = "name an image file of the overlay folder"
LOGO_SIZE_FIX = "scale the image down (the header shows it about 48 pixels high)"


def _check_logo(root: Path, logo: str, problem) -> None:
    """The logo is published as it is: a regular image file inside the overlay folder (generator/files.py), with a
    plain file name (it becomes a URL and an attribute of the theme's) and a size in pixels a browser shows without
    cost (a 20000×20000 PNG of 389 kB would take each reader's browser about 775 MB)."""
    path = ("organisation", "logo")
    name = Path(logo).name
    if Path(logo).is_absolute() or ".." in Path(logo).parts:
        return problem(
            path, f"the logo {logo!r} is outside the overlay folder", "put the image file in the overlay folder"
        )
    if not os.path.lexists(root / logo):
        return problem(
            path, f"no image file {logo!r} in the overlay folder", "name an image file of the overlay folder"
        )
    if Path(logo).suffix.lower() not in LOGO_SUFFIXES:
        return problem(path, f"the logo {logo!r} is not an image", f"use a file ending in {', '.join(LOGO_SUFFIXES)}")
    if not LOGO_NAME.fullmatch(name):
        return problem(path, f"the logo's file name {name!r} holds characters other than letters, digits, '.', '_' "
                       "and '-'", "rename the image file, e.g. logo.png")  # fmt: skip
    try:
        target = files.regular_file(root / logo, root, root.name, "image file")
    except files.Refused as refused:
        return problem(path, f"the logo {logo!r}: {refused.message}", refused.fix)
    size = target.stat().st_size
    if size > MAX_LOGO_BYTES:
        return problem(path, f"the logo is {size:,} bytes; the limit is {MAX_LOGO_BYTES:,}", "use a smaller image")
    try:
        with PIL.Image.open(target) as image:
            width, height = image.size
            kind = image.format
    except PIL.Image.DecompressionBombError:  # Pillow's own limit, far above ours
        return problem(path, f"the logo has more than {2 * PIL.Image.MAX_IMAGE_PIXELS:,} pixels; the limit is "
                       f"{MAX_LOGO_SIDE:,} pixels a side", LOGO_SIZE_FIX)  # fmt: skip
    except (OSError, ValueError) as error:
        return problem(path, f"the logo {logo!r} cannot be read as an image ({error})", "save it again as a PNG")
    if kind != LOGO_FORMATS[Path(logo).suffix.lstrip(".").upper()]:
        return problem(path, f"the logo {logo!r} holds a {kind} image, not what its name says",
                       "save it in the format its name ends with")  # fmt: skip
    if max(width, height) > MAX_LOGO_SIDE:
        problem(path, f"the logo is {width:,}×{height:,} pixels; the limit is {MAX_LOGO_SIDE:,} pixels a side",
                LOGO_SIZE_FIX)  # fmt: skip


def _review(applied: Applied, annotation: schema.Annotation, now: str, where: Problem) -> None:
    """A note without a fingerprint is told the one to keep; a note whose target changed asks for a review."""
    if annotation.fingerprint is None:
        message = f"the note on {annotation.target} has no fingerprint yet"
        applied.notices.append(Problem(where.file, where.line, message, f"add 'fingerprint: {now}' to it"))
    elif annotation.fingerprint != now:
        applied.review[id(annotation)] = now
        message = f"review this note: the text of {annotation.target} has changed since the note was written"
        fix = f"read the note against the new text, then set 'fingerprint: {now}'"
        applied.notices.append(Problem(where.file, where.line, message, fix))


def fingerprint(linked: Linked, key: Key) -> str:
    """A short hash of a target's own text in the knowledge base's first language: it changes when the text does."""
    code = linked.kb.config.languages[0]
    target = linked.index.tables[linked.vocabulary[key.kind].collection][key.id]
    strings = [getattr(text, code) for _, text in texts(target)]
    return hashlib.sha256("\n".join(strings).encode("utf-8")).hexdigest()[:12]
