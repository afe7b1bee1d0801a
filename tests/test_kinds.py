"""Features own their vocabulary (generator/kinds.py): a feature that declares a reference kind and a search kind
gets `@` links to its entries, "did you mean" for a wrong id, its kind in search and its ids in the search box,
with no edit of the core. The feature here is a real one, defined outside the generator, with its own template."""

import gzip
import json
from pathlib import Path

import pytest

from generator.build import Paths, build
from generator.errors import DataError
from generator.features import Feature, registry
from generator.kinds import ReferenceKind, SearchKind, Vocabulary
from generator.link import Key, Linked
from generator.load import load
from generator.pages import Page
from generator.schema import Text
from generator.validate import validate

from .helpers import copy_fixture


class Actors(Feature):
    """A page listing the knowledge base's actors, each of which text may name as @actor:<id>."""

    name = "actors"
    reference_kinds = (
        ReferenceKind("actor", "actor", "actors", ("actors",), "actors.md", "actor-{id}", "name", found_by_id=True),
    )
    search_kinds = (SearchKind("actor", 0.3, named=True, templates=("actors.md.j2",)),)
    template_folder = Path(__file__).parent / "fixtures" / "actors_feature"

    def pages(self, linked: Linked) -> list[Page]:
        return [Page("actors.md", "actors.md.j2", Text(ja="関係者", en="Actors"), nav="listings")]


MENTION = ("経営層は、CSIRTを設置し、", "経営層は、@actor:security-officer とともにCSIRTを設置し、")


@pytest.fixture
def actors_data(tmp_path, monkeypatch) -> Path:
    """The fixture knowledge base with the actors feature registered and named in kb.yaml, and a section that
    refers to an actor."""
    monkeypatch.setitem(registry.FEATURES, Actors.name, Actors)
    data = copy_fixture(tmp_path / "project")
    kb = data / "kb.yaml"
    kb.write_text(kb.read_text(encoding="utf-8").replace("features: [core,", "features: [core, actors,"), "utf-8")
    with (data / "ui.yaml").open("a", encoding="utf-8") as ui:
        ui.write("search.js.kind.actor: {ja: 関係者, en: Actor}\n")
    _replace(data / "sections" / "01_policy.yaml", *MENTION)
    return data


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_declared_kind_is_linked_and_its_entries_know_who_mentions_them(actors_data):
    linked = registry.linked_by_features(validate(load(actors_data)))
    assert linked.vocabulary["actor"].collection == "actors"
    assert set(linked.index.actors) == {"security-officer", "maintenance-contractor"}
    assert Key("section", "1.1") in linked.index.incoming(Key("actor", "security-officer"), "mentions")


def test_a_wrong_id_of_a_declared_kind_says_which_was_meant(actors_data):
    _replace(actors_data / "sections" / "01_policy.yaml", "@actor:security-officer", "@actor:security-oficer")
    with pytest.raises(DataError) as caught:
        registry.linked_by_features(validate(load(actors_data)))
    [problem] = caught.value.problems
    assert problem.file == "guideline_data/sections/01_policy.yaml"
    assert problem.key_path == "[1].blocks[1].paragraphs[0].ja"
    assert problem.message == "unknown reference '@actor:security-oficer': no actor with id 'security-oficer'"
    assert problem.fix == "did you mean 'security-officer'?"


def test_without_the_feature_its_prefix_is_no_reference(tmp_path):
    """The vocabulary is that of the features kb.yaml names: @actor: means nothing where no feature declares it."""
    data = copy_fixture(tmp_path)
    _replace(data / "sections" / "01_policy.yaml", *MENTION)
    linked = registry.linked_by_features(validate(load(data)))
    assert "actor" not in linked.vocabulary.by_name
    assert not [key for _, key in linked.vocabulary.parse("@actor:security-officer")]


def test_two_features_cannot_declare_one_prefix():
    with pytest.raises(TypeError, match=r"reference kinds declared twice: @actor:"):
        Vocabulary((*registry.Core.reference_kinds, Actors.reference_kinds[0],
                    ReferenceKind("person", "actor", "people", ("actors",), "people.md", "", "name")))  # fmt: skip


def test_a_build_links_searches_and_finds_the_ids_of_a_declared_kind(actors_data):
    paths = Paths.of(data=actors_data)
    build(paths, site=True)
    for code, root in (("ja", paths.site), ("en", paths.site / "en")):
        section = (root / "guideline" / "1-1" / "index.html").read_text(encoding="utf-8")
        name = "セキュリティ責任者" if code == "ja" else "Security officer"
        assert f'href="../../actors/index.html#actor-security-officer">{name}</a>' in section
        actors = (root / "actors" / "index.html").read_text(encoding="utf-8")
        assert 'id="actor-security-officer"' in actors
        assert 'href="../guideline/1-1/index.html"' in actors  # the section that mentions it, from the index
        assert 'data-pagefind-filter="kind:actor"' in actors
        words = json.loads(gzip.decompress((root / "assets" / "search-words.json.gz").read_bytes()))
        assert words["kinds"]["actor"] == 0.3 and "actor" in words["named"]
        assert words["ids"]["security-officer"][0] == "actors/#actor-security-officer"


def test_a_reference_to_a_kind_of_a_feature_not_named_says_which_feature_to_add(tmp_path):
    data = copy_fixture(tmp_path)
    kb = data / "kb.yaml"
    kb.write_text(kb.read_text(encoding="utf-8").replace("templates, ", ""), encoding="utf-8")
    _replace(data / "sections" / "01_policy.yaml", "を年に一度確認する。", "を年に一度確認する（@tpl:risk-record）。")
    with pytest.raises(DataError) as caught:
        registry.linked_by_features(validate(load(data)))
    [problem] = caught.value.problems
    assert (problem.file, problem.key_path) == (
        "guideline_data/sections/01_policy.yaml",
        "[1].blocks[1].paragraphs[0].ja",
    )
    assert problem.message == (
        "unknown reference '@tpl:risk-record': the feature 'templates', whose tpl it names, is not in kb.yaml features"
    )
    assert problem.fix == "add templates to kb.yaml features, or write @@ for a literal @"
