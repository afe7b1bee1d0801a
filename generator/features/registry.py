"""The one list of features: kb.yaml `features` names them, and the build runs them in one lifecycle."""

from __future__ import annotations

from ..errors import DataError
from ..kinds import Vocabulary
from ..link import Linked, link
from ..search import Search
from ..validate import Locator, Validated
from . import BuildSettings, Feature
from .checklists import Checklists
from .core import Core
from .open_data import OpenData
from .templates import Templates

FEATURES: dict[str, type[Feature]] = {feature.name: feature for feature in (Core, Checklists, Templates, OpenData)}
EVERY_SITE: tuple[type[Feature], ...] = (Search,)  # not named in kb.yaml: every site has them


def named(names: list[str], locator: Locator) -> list[type[Feature]]:
    """The features kb.yaml names, in its order, then those every site has. An unknown name is an error with its
    line in kb.yaml."""
    unknown = [(index, name) for index, name in enumerate(names) if name not in FEATURES]
    if unknown:
        raise DataError([locator.problem(("config", "features", index), f"unknown feature {name!r}",
                                         f"use one of {', '.join(FEATURES)}")
                         for index, name in unknown])  # fmt: skip
    return [*(FEATURES[name] for name in names), *EVERY_SITE]


def linked_by_features(validated: Validated) -> Linked:
    """The link stage in the vocabulary of the features kb.yaml names: the reference kinds they declare are what
    text may refer to, and the search kinds theirs. No item may take an id one of them reserves; then each adds what
    it derives from the data (Feature.derived)."""
    features = named(validated.kb.config.features, validated.locator)
    kinds = tuple(kind for feature in features for kind in feature.reference_kinds)
    search_kinds = tuple(kind for feature in features for kind in feature.search_kinds)
    validated = unreserved(validated, features)
    for feature in features:
        validated = Validated(feature.derived(validated), validated.locator)
    unnamed = {name: feature.reference_kinds for name, feature in FEATURES.items() if feature not in features}
    return link(validated, Vocabulary(kinds, search_kinds, unnamed), [feature.relations for feature in features])


def configured(linked: Linked, settings: BuildSettings) -> list[Feature]:
    """The features this build runs, configured: those kb.yaml lists, in its order, less those with no data of
    their own, then those every site has."""
    features = [feature() for feature in named(linked.kb.config.features, linked.locator)]
    features = [feature for feature in features if feature.has_data(linked)]
    for feature in features:
        feature.configure(settings)
    return features


def checked(linked: Linked, features: list[Feature]) -> list[Feature]:
    """The features' own checks of the linked whole, after configure; every problem at once."""
    problems = [problem for feature in features for problem in feature.check(linked)]
    if problems:
        raise DataError(problems)
    return features


def unreserved(validated: Validated, features: list[type[Feature]]) -> Validated:
    """No item takes an id that a feature kb.yaml names reserves (Feature.reserved_ids): checked before the links,
    which such an id would confuse. Every problem at once, each with its line."""
    problems = []
    for feature in features:
        for collection, ids in feature.reserved_ids.items():
            kind = collection.removesuffix("s")
            for index, item in enumerate(getattr(validated.kb, collection)):
                if item.id in ids:
                    message = f"the {kind} id {item.id!r} is reserved: {ids[item.id]}"
                    fix = f"choose another id, e.g. '{item.id}-{kind}'"
                    problems.append(validated.locator.problem((collection, index, "id"), message, fix))
    if problems:
        raise DataError(problems)
    return validated
