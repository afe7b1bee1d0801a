"""Stage 3: `@` references resolve or fail with file and line; the reverse index mirrors the forward one."""

import pytest
import yaml

from generator.errors import DataError
from generator.features.registry import linked_by_features
from generator.link import Key
from generator.load import load
from generator.validate import validate

from .helpers import copy_fixture


def test_reference_syntax(fixture_linked):
    text = "see @5.4.2. and @term:csirt, @tpl:cyber-policy; mail@@x"
    keys = [key for _, key in fixture_linked.vocabulary.parse(text)]
    assert keys == [Key("section", "5.4.2"), Key("term", "csirt"), Key("tpl", "cyber-policy")]


def test_unknown_reference_fails_with_file_and_line(tmp_path):
    data = copy_fixture(tmp_path)
    path = data / "sections" / "02_controls.yaml"
    sections = yaml.safe_load(path.read_text(encoding="utf-8"))
    target = next(s for s in sections if s["id"] == "2.2")
    target["blocks"][0]["paragraphs"][0]["ja"] += "（@2.9.9 参照）"
    path.write_text(yaml.safe_dump(sections, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        linked_by_features(validate(load(data)))
    [problem] = caught.value.problems
    assert problem.file == "guideline_data/sections/02_controls.yaml"
    assert problem.key_path.endswith(".blocks[0].paragraphs[0].ja")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "@2.9.9" in lines[problem.line - 1]
    assert "unknown reference '@2.9.9': no section with id '2.9.9'" in str(problem)


def test_every_reference_in_the_data_resolves(fixture_linked):
    assert fixture_linked.index.links
    assert all(fixture_linked.index.exists(each.target) for each in fixture_linked.index.links)


def test_backlinks_are_symmetric(fixture_linked):
    index = fixture_linked.index
    for each in index.links:
        assert each in index.backward[each.target]
        assert each in index.forward[each.source]
    assert sum(map(len, index.forward.values())) == sum(map(len, index.backward.values())) == len(index.links)


def test_controls_link_to_the_sections_that_call_for_them(fixture_linked):
    index = fixture_linked.index
    assert Key("section", "2.3") in index.incoming(Key("section", "1.2"), "implements")
    assert Key("section", "1.2") in index.outgoing(Key("section", "2.3"), "implements")


def test_term_uses_are_computed(fixture_linked):
    used_in = fixture_linked.index.incoming(Key("term", "csirt"), "uses-term")
    assert Key("section", "1.1") in used_in
