"""Stage 1: reading YAML, with lines, and the messages for files that cannot be read."""

from pathlib import Path

import pytest
import yaml

from generator.build import load_knowledge_base
from generator.errors import DataError
from generator.load import load

from .helpers import FIXTURE_DATA, copy_fixture


def test_data_loads_with_line_numbers():
    raw = load(FIXTURE_DATA)
    sections = raw.files["sections"]
    assert [Path(f.path).name for f in sections] == sorted(Path(f.path).name for f in sections)
    first = sections[0]
    assert first.line_of((0, "id")) >= 1
    assert first.line_of((0, "no", "such", "key")) == first.line_of((0,))


def problems_of(tmp_path, relative: str, content: bytes | str) -> list[str]:
    data = copy_fixture(tmp_path)
    target = data / relative
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DataError) as caught:
        load(data)
    return [str(p) for p in caught.value.problems]


def test_syntax_error_names_file_and_line(tmp_path):
    [message] = problems_of(tmp_path, "actors.yaml", "- id: a\n  name: {ja: x, en: y\n  kind: actor\n")
    assert message.startswith("guideline_data/actors.yaml:3: YAML syntax error")


def test_tab_indentation_says_use_spaces(tmp_path):
    [message] = problems_of(tmp_path, "actors.yaml", "- id: a\n\tkind: actor\n")
    assert "guideline_data/actors.yaml:2:" in message
    assert "fix: indent with spaces, not tabs" in message


def test_duplicate_key(tmp_path):
    [message] = problems_of(tmp_path, "actors.yaml", "- id: a\n  id: b\n")
    assert message.startswith("guideline_data/actors.yaml:2: the key 'id' appears twice in one mapping")


def test_not_utf8(tmp_path):
    [message] = problems_of(tmp_path, "actors.yaml", "- id: a\n  name: 経営層\n".encode("shift_jis"))
    assert message.startswith("guideline_data/actors.yaml:2: the file is not UTF-8 text")


def test_wrong_shape(tmp_path):
    [message] = problems_of(tmp_path, "actors.yaml", "id: a\n")
    assert message.startswith("guideline_data/actors.yaml:1: the file must hold a list")


def test_huge_file(tmp_path):
    [message] = problems_of(tmp_path, "actors.yaml", "# " + "x" * 1_100_000 + "\n")
    assert "the limit is 1,000,000" in message


def test_link_out_of_the_data_folder(tmp_path):
    data = copy_fixture(tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text("[]\n")
    (data / "sections" / "99_link.yaml").symlink_to(outside)
    with pytest.raises(DataError) as caught:
        load(data)
    assert f"this link leads out of guideline_data (to {outside.resolve()}): only files inside it are read" in str(
        caught.value
    )


def test_fast_loader_gives_the_same_data_and_lines_as_the_pure_one(monkeypatch):
    """libyaml's parser (PyYAML's C loader, when PyYAML has it) composes the same nodes with the same marks: the same
    data and the same line of every key as the pure-Python parser, only faster."""
    import yaml

    import generator.load as loading

    from .conftest import PROJECT

    assert loading.FastLoader is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    fast = load(PROJECT / "guideline_data")
    monkeypatch.setattr(loading, "FastLoader", yaml.SafeLoader)
    pure = load(PROJECT / "guideline_data")
    assert fast.files.keys() == pure.files.keys()
    for name, files in fast.files.items():
        assert [f.path for f in files] == [f.path for f in pure.files[name]]
        for a, b in zip(files, pure.files[name], strict=True):
            assert a.data == b.data, a.path
            assert a.lines == b.lines, a.path


def test_a_list_file_may_be_split_into_a_folder_in_its_place(tmp_path):
    """glossary.yaml too large: the fix the loader gives (a glossary/ folder of lists) is read as the one file was."""
    data = copy_fixture(tmp_path)
    whole = load(data).files["glossary"][0].data
    (data / "glossary.yaml").unlink()
    (data / "glossary").mkdir()
    for number, part in enumerate((whole[: len(whole) // 2], whole[len(whole) // 2 :])):
        (data / "glossary" / f"{number:02d}.yaml").write_text(
            yaml.safe_dump(part, allow_unicode=True), encoding="utf-8"
        )
    split = load(data).files["glossary"]
    assert [source.path for source in split] == ["guideline_data/glossary/00.yaml", "guideline_data/glossary/01.yaml"]
    assert [term for source in split for term in source.data] == whole
    assert len(load_knowledge_base(data).kb.glossary) == len(whole)


def test_a_file_loaded_again_unchanged_is_the_same_and_a_changed_one_is_read_again(tmp_path):
    """serve loads the data after every save: only the files whose text changed are parsed again; the others are the
    very SourceFile of the load before. A change that breaks a file is reported, its fix read."""
    data = copy_fixture(tmp_path)
    policy = data / "sections" / "01_policy.yaml"

    def sections():
        return {Path(f.path).name: f for f in load(data).files["sections"]}

    before = sections()
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("（架空の記載）", "（架空の記載、改）"), encoding="utf-8"
    )
    after = sections()
    assert {name for name in before if after[name] is before[name]} == {"00_intro.yaml", "02_controls.yaml",
                                                                         "03_back.yaml"}  # fmt: skip
    assert "（架空の記載、改）" in after["01_policy.yaml"].data[1]["blocks"][0]["paragraphs"][0]["ja"]
    fixed = policy.read_text(encoding="utf-8")
    policy.write_text(fixed + "- id: [\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(data)
    assert str(caught.value.problems[0]).startswith("guideline_data/sections/01_policy.yaml:")
    policy.write_text(fixed, encoding="utf-8")
    assert sections()["01_policy.yaml"].data == after["01_policy.yaml"].data
