"""The build cache (generator/cache.py): an unchanged input serves the same bytes from the cache; a change to any input
— a data value a download shows, a template, the generator's source or version — makes the file again."""

import io
import json
import shutil
import subprocess
import sys
import zipfile

import openpyxl
import yaml

from generator.build import features_of, load_knowledge_base
from generator.cache import UNREAD, Cache
from generator.features import BuildSettings
from generator.i18n import Language

from .conftest import PROJECT
from .helpers import FIXTURE_DATA, copy_fixture

GENERATOR = PROJECT / "generator"


def producers(linked):
    features = features_of(linked)
    for feature in features:
        feature.configure(BuildSettings(site_url=""))
    return {type(feature).__name__: feature for feature in features}


def made(cache, linked, only=None, code="ja"):
    language = Language.of(linked.kb, code)
    chosen = {name: f for name, f in producers(linked).items() if only is None or name in only}
    return {name: cache.files(feature, linked, language) for name, feature in chosen.items()}


def members(content: bytes):
    """A file's content; for an Office file its zip members, without the one that records when it was written."""
    if not content.startswith(b"PK"):
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


def unzipped(files: dict[str, bytes]) -> dict:
    return {path: members(content) for path, content in files.items()}


def cell_texts(content: bytes) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}


def test_unchanged_inputs_are_served_from_the_cache_and_a_deleted_or_damaged_cache_is_rebuilt(fixture_linked, tmp_path):
    first = Cache(tmp_path / "cache")
    files = made(first, fixture_linked)
    assert first.stats.hits == [] and sorted(first.stats.misses) == sorted(f"{name}-ja" for name in files)
    again = Cache(tmp_path / "cache")
    assert made(again, fixture_linked) == files  # the very bytes
    assert sorted(again.stats.hits) == sorted(first.stats.misses) and again.stats.misses == []

    blob = sorted((tmp_path / "cache" / "Checklists-ja" / "blobs").iterdir())[0]
    blob.write_bytes(b"damaged")
    damaged = Cache(tmp_path / "cache")
    remade = made(damaged, fixture_linked, {"Checklists", "OpenData"})
    assert damaged.stats.misses == ["Checklists-ja"] and damaged.stats.hits == ["OpenData-ja"]
    assert unzipped(remade["Checklists"]) == unzipped(files["Checklists"])
    served = Cache(tmp_path / "cache")
    assert made(served, fixture_linked, {"Checklists"})["Checklists"] == remade["Checklists"]
    assert served.stats.hits == ["Checklists-ja"]

    shutil.rmtree(tmp_path / "cache")
    fresh = Cache(tmp_path / "cache")
    assert unzipped(made(fresh, fixture_linked, {"Checklists"})["Checklists"]) == unzipped(files["Checklists"])
    assert fresh.stats.misses == ["Checklists-ja"]


def test_a_changed_checklist_item_rebuilds_its_workbook(fixture_linked, tmp_path):
    made(Cache(tmp_path / "cache"), fixture_linked, {"Checklists"})
    data = copy_fixture(tmp_path)
    checklist = data / "checklists" / "01_ch2.yaml"
    text = checklist.read_text(encoding="utf-8")
    old = "バックアップからの復旧手順を訓練している。"
    new = "バックアップからの復旧手順を年に一度訓練している。"
    assert old in text
    checklist.write_text(text.replace(old, new, 1), encoding="utf-8")
    changed = load_knowledge_base(data)
    cache = Cache(tmp_path / "cache")
    files = made(cache, changed, {"Checklists"})
    assert cache.stats.misses == ["Checklists-ja"]
    assert any(new in text for text in cell_texts(files["Checklists"]["downloads/checklists/ch2-ja.xlsx"]))


def test_what_a_download_leaves_unread_does_not_change_it(fixture_linked, tmp_path):
    """UNREAD says the checklists' and templates' downloads do not read the sections' blocks: with every paragraph of
    every section changed they come from the cache — and made afresh, they are the same files."""
    assert UNREAD["Checklists"] == UNREAD["Templates"] == (("sections", "*", "blocks"),)
    read = {"Checklists", "Templates", "OpenData"}
    made(Cache(tmp_path / "cache"), fixture_linked, read)
    data = copy_fixture(tmp_path)
    for path in (data / "sections").glob("*.yaml"):
        sections = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section in sections:
            for block in section.get("blocks", []):
                _append(block, {"ja": "（変更）", "en": " (changed)"})
        path.write_text(yaml.safe_dump(sections, allow_unicode=True, sort_keys=False), encoding="utf-8")
    changed = load_knowledge_base(data)
    cache = Cache(tmp_path / "cache")
    files = made(cache, changed, read)
    assert sorted(cache.stats.hits) == ["Checklists-ja", "Templates-ja"]
    assert "OpenData-ja" in cache.stats.misses
    assert "（変更）" in files["OpenData"]["downloads/data/knowledge-base.json"].decode("utf-8")
    afresh = made(Cache(tmp_path / "cache", enabled=False), changed, {"Checklists", "Templates"})
    for name in ("Checklists", "Templates"):
        assert unzipped(afresh[name]) == unzipped(files[name])


def _append(value, suffix: dict[str, str]) -> None:
    """Add `suffix` to every text of a block, in both languages (an excerpt quoted elsewhere stays an excerpt)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in suffix and isinstance(item, str):
                value[key] = item + suffix[key]
            else:
                _append(item, suffix)
    elif isinstance(value, list):
        for item in value:
            _append(item, suffix)


MAKE = """
import json, sys
from pathlib import Path
from generator.build import features_of, load_knowledge_base
from generator.cache import Cache
from generator.features import BuildSettings
from generator.i18n import Language
import generator
assert generator.__file__.startswith(sys.argv[2]), generator.__file__
linked = load_knowledge_base(Path(sys.argv[1]))
feature = next(f for f in features_of(linked) if type(f).__name__ == "Templates")
feature.configure(BuildSettings(site_url=""))
cache = Cache(Path(sys.argv[3]))
files = cache.files(feature, linked, Language.of(linked.kb, "ja"))
markdown = next(content for path, content in sorted(files.items()) if path.endswith(".md"))
print(json.dumps({"hits": cache.stats.hits, "misses": cache.stats.misses, "md": markdown.decode("utf-8")}))
"""


def test_a_changed_template_rebuilds(tmp_path):
    """A copy of the generator with one of its templates changed: the templates' Markdown downloads show it."""
    package = tmp_path / "code"
    shutil.copytree(GENERATOR, package / "generator", ignore=shutil.ignore_patterns("__pycache__"))

    def run():
        result = subprocess.run(
            [sys.executable, "-c", MAKE, str(FIXTURE_DATA), str(package), str(tmp_path / "cache")],
            capture_output=True,
            text=True,
            cwd=package,
            env={"PYTHONPATH": str(package), "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    first, second = run(), run()
    assert first["misses"] == ["Templates-ja"] and second["hits"] == ["Templates-ja"]
    assert second["md"] == first["md"] and "EDITED TEMPLATE LINE" not in first["md"]
    template = package / "generator" / "templates" / "template_download.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nEDITED TEMPLATE LINE\n", encoding="utf-8")
    third = run()
    assert third["misses"] == ["Templates-ja"] and "EDITED TEMPLATE LINE" in third["md"]


def test_a_changed_source_file_or_version_rebuilds(fixture_linked, tmp_path):
    """The key holds every file of the generator's package: an edit to a module, or a new version, is a miss."""
    package = tmp_path / "code" / "generator"
    shutil.copytree(GENERATOR, package, ignore=shutil.ignore_patterns("__pycache__"))

    def misses():
        cache = Cache(tmp_path / "cache", package=package)
        made(cache, fixture_linked, {"OpenData"})
        return cache.stats.misses

    assert misses() == ["OpenData-ja"]
    assert misses() == []
    module = package / "export_json.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert misses() == ["OpenData-ja"]
    assert misses() == []
    init = package / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace('__version__ = "', '__version__ = "9.9.9+'), encoding="utf-8"
    )
    assert "9.9.9+" in init.read_text(encoding="utf-8")
    assert misses() == ["OpenData-ja"]
