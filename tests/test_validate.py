"""Stage 2: the schema and the rules that span files, with the exact wording of their messages."""

import pytest
import yaml

from generator.errors import DataError
from generator.load import load
from generator.validate import validate

from .helpers import copy_fixture


def edit_yaml(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems(data_dir) -> list[str]:
    with pytest.raises(DataError) as caught:
        validate(load(data_dir))
    return [str(p) for p in caught.value.problems]


def problems_after(tmp_path, relative: str, change) -> list[str]:
    """The problems of a copy of the fixture knowledge base after `change` to one of its files."""
    data = copy_fixture(tmp_path)
    edit_yaml(data / relative, change)
    return problems(data)


def test_real_data_is_valid(linked):
    assert len(linked.kb.sections) >= 79


def test_fixture_data_is_valid(fixture_linked):
    assert [s.id for s in fixture_linked.kb.sections] == [
        "intro", "1", "1.1", "1.2", "1.3", "2", "2.1", "2.2", "2.3", "3", "4", "annex-1"
    ]  # fmt: skip


def test_missing_translation(tmp_path):
    [message] = problems_after(tmp_path, "actors.yaml", lambda d: d[0]["name"].pop("en"))
    assert message.startswith("guideline_data/actors.yaml:2: [0].name.en: a required key is missing")
    assert "fix: add the English text as 'en:' beside 'ja:'" in message


def test_unknown_key(tmp_path):
    [message] = problems_after(tmp_path, "actors.yaml", lambda d: d[0].update(colour="red"))
    assert "[0].colour: unknown key 'colour'" in message
    assert "fix: remove 'colour' or correct its spelling" in message


def test_wrong_type(tmp_path):
    [message] = problems_after(tmp_path, "glossary.yaml", lambda d: d[0].update(related="remote-maintenance"))
    assert "[0].related: Input should be a valid list" in message


def test_empty_text(tmp_path):
    [message] = problems_after(tmp_path, "actors.yaml", lambda d: d[0]["name"].update(ja="  "))
    assert "[0].name.ja: String should have at least 1 character" in message
    assert "fix: write the text: it may not be empty" in message


def test_duplicate_id_names_both_places(tmp_path):
    [message] = problems_after(tmp_path, "actors.yaml", lambda d: d.append({**d[0]}))
    assert "duplicate id 'security-officer' (first defined at guideline_data/actors.yaml:1)" in message


def test_glossary_duplicate_ignoring_case_and_width(tmp_path):
    def add_twin(entries):
        twin = next(e for e in entries if e["id"] == "csirt")
        entries.append({**twin, "id": "csirt-2", "term": {"ja": "ＣＳＩＲＴ", "en": "csirt"}, "abbr": None})

    assert any("duplicates glossary entry 'csirt'" in m for m in problems_after(tmp_path, "glossary.yaml", add_twin))


def test_bad_reading(tmp_path):
    [message] = problems_after(tmp_path, "glossary.yaml", lambda d: d[0].update(reading="CSIRT"))
    assert "[0].reading: the reading 'CSIRT' is not hiragana or katakana" in message


def test_unknown_id_suggests_the_closest(tmp_path):
    [message] = problems_after(tmp_path, "sections/01_policy.yaml", lambda d: d[0].update(references=["risk-handbok"]))
    assert message.startswith("guideline_data/sections/01_policy.yaml:")
    assert "unknown reference 'risk-handbok'" in message and "did you mean 'risk-handbook'?" in message


def test_out_of_order_section(tmp_path):
    found = problems_after(tmp_path, "sections/01_policy.yaml", lambda d: d.insert(2, d.pop(3)))
    assert any("out of table-of-contents order" in m for m in found)


def test_circular_implements(tmp_path):
    found = problems_after(tmp_path, "sections/02_controls.yaml", lambda d: d[-1].update(implements=[d[-1]["id"]]))
    assert any("implements itself: a circular relation" in m for m in found)


def test_corrected_extraction_error_cannot_come_back(tmp_path):
    found = problems_after(
        tmp_path, "sections/01_policy.yaml", lambda d: d[-1].update(title={"ja": "多様素認証", "en": "x"})
    )
    assert any("the extraction error '多様素認証' (E001) is back in the text" in m for m in found)


def test_a_category_or_status_kb_yaml_does_not_list_is_refused(tmp_path):
    assert problems_after(tmp_path, "sections/02_controls.yaml", lambda d: d[1].update(category="cloud")) == [
        "guideline_data/sections/02_controls.yaml:10: [1].category: unknown control category 'cloud'\n"
        "    fix: use the id of an existing control category (kb.yaml lists them in control_categories)"
    ]
    assert problems_after(tmp_path / "2", "kb.yaml", lambda d: d.update(change_statuses=["new", "current"])) == [
        f"guideline_data/sections/{name}:20: [2].status: unknown change status 'added'\n"
        "    fix: use the id of an existing change status (kb.yaml lists them in change_statuses)"
        for name in ("01_policy.yaml", "02_controls.yaml")
    ]


def test_unchanged_files_keep_their_validated_items_and_a_changed_one_is_checked_again(tmp_path):
    """serve validates after every save: the items of a file loaded again unchanged are the very ones validated
    before (frozen models); a changed file's are validated again, its problems reported each time until fixed, and
    the knowledge base is the one a fresh validation gives."""
    data = copy_fixture(tmp_path)
    first = validate(load(data)).kb
    edit_yaml(data / "sections" / "01_policy.yaml", lambda d: d[1]["title"].update(en="Executive involvement"))
    second = validate(load(data)).kb
    kept = {s.id for s in second.sections if any(s is t for t in first.sections)}
    assert kept == {s.id for s in second.sections} - {"1", "1.1", "1.2", "1.3"}
    assert next(s for s in second.sections if s.id == "1.1").title.en == "Executive involvement"
    assert second.glossary[0] is first.glossary[0]

    edit_yaml(data / "sections" / "01_policy.yaml", lambda d: d[1].update(colour="red"))
    for _ in range(2):
        [message] = problems(data)
        assert message.startswith("guideline_data/sections/01_policy.yaml:")
        assert "[1].colour: unknown key 'colour'" in message
    edit_yaml(data / "sections" / "01_policy.yaml", lambda d: d[1].pop("colour"))
    assert validate(load(data)).kb == second
