"""The build cache (generator/cache.py): an unchanged input serves the same bytes from the cache; a change to any input
— a data value a download shows, a template, the generator's source or version — makes the file again."""

import gc
import io
import json
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jinja2
import openpyxl
import pytest
import yaml
from jinja2.bccache import bc_magic

from generator.build import load_knowledge_base
from generator.cache import Cache
from generator.features import BuildSettings
from generator.features.checklists import Checklists
from generator.features.registry import configured
from generator.features.templates import Templates
from generator.i18n import Language

from .conftest import PROJECT
from .helpers import FIXTURE_DATA, copy_fixture, copy_project

GENERATOR = PROJECT / "generator"


def producers(linked):
    return {feature.name: feature for feature in configured(linked, BuildSettings(site_url=""))}


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

    blob = sorted((tmp_path / "cache" / "checklists-ja" / "blobs").iterdir())[0]
    blob.write_bytes(b"damaged")
    damaged = Cache(tmp_path / "cache")
    remade = made(damaged, fixture_linked, {"checklists", "open_data"})
    assert damaged.stats.misses == ["checklists-ja"] and damaged.stats.hits == ["open_data-ja"]
    assert unzipped(remade["checklists"]) == unzipped(files["checklists"])
    served = Cache(tmp_path / "cache")
    assert made(served, fixture_linked, {"checklists"})["checklists"] == remade["checklists"]
    assert served.stats.hits == ["checklists-ja"]

    shutil.rmtree(tmp_path / "cache")
    fresh = Cache(tmp_path / "cache")
    assert unzipped(made(fresh, fixture_linked, {"checklists"})["checklists"]) == unzipped(files["checklists"])
    assert fresh.stats.misses == ["checklists-ja"]


def test_downloads_are_made_with_the_collector_paused_and_it_runs_again_after(fixture_linked, tmp_path, monkeypatch):
    """The collector is paused while a feature makes its files (its passes over the writers' objects cost a fifth of
    their time) and on again after, a feature that fails included; the files are the same bytes either way."""
    seen = []
    real = Checklists.files

    def files(self, linked, language):
        seen.append(gc.isenabled())
        return real(self, linked, language)

    monkeypatch.setattr(Checklists, "files", files)
    paused = made(Cache(tmp_path / "cache", enabled=False), fixture_linked, {"checklists"})
    assert seen == [False] and gc.isenabled()

    def failing(self, linked, language):
        raise OSError("disk full")

    monkeypatch.setattr(Checklists, "files", failing)
    with pytest.raises(OSError, match="disk full"):
        made(Cache(tmp_path / "cache", enabled=False), fixture_linked, {"checklists"})
    assert gc.isenabled()

    monkeypatch.setattr(Checklists, "files", real)
    again = real(producers(fixture_linked)["checklists"], fixture_linked, Language.of(fixture_linked.kb, "ja"))
    assert again == paused["checklists"]


def test_a_changed_checklist_item_rebuilds_its_workbook(fixture_linked, tmp_path):
    made(Cache(tmp_path / "cache"), fixture_linked, {"checklists"})
    data = copy_fixture(tmp_path)
    checklist = data / "checklists" / "01_ch2.yaml"
    text = checklist.read_text(encoding="utf-8")
    old = "バックアップからの復旧手順を訓練している。"
    new = "バックアップからの復旧手順を年に一度訓練している。"
    assert old in text
    checklist.write_text(text.replace(old, new, 1), encoding="utf-8")
    changed = load_knowledge_base(data)
    cache = Cache(tmp_path / "cache")
    files = made(cache, changed, {"checklists"})
    assert cache.stats.misses == ["checklists-ja"]
    assert any(new in text for text in cell_texts(files["checklists"]["downloads/checklists/ch2-ja.xlsx"]))


def test_what_a_download_leaves_unread_does_not_change_it(fixture_linked, tmp_path):
    """Checklists.unread and Templates.unread say their downloads do not read the sections' blocks: with every
    paragraph of every section changed they come from the cache — and made afresh, they are the same files."""
    assert Checklists.unread == Templates.unread == (("sections", "*", "blocks"),)
    read = {"checklists", "templates", "open_data"}
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
    assert sorted(cache.stats.hits) == ["checklists-ja", "templates-ja"]
    assert "open_data-ja" in cache.stats.misses
    assert "（変更）" in files["open_data"]["downloads/data/knowledge-base.json"].decode("utf-8")
    afresh = made(Cache(tmp_path / "cache", enabled=False), changed, {"checklists", "templates"})
    for name in ("checklists", "templates"):
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
from generator.build import load_knowledge_base
from generator.cache import Cache
from generator.features import BuildSettings
from generator.features.registry import configured
from generator.i18n import Language
import generator
assert generator.__file__.startswith(sys.argv[2]), generator.__file__
linked = load_knowledge_base(Path(sys.argv[1]))
feature = next(f for f in configured(linked, BuildSettings(site_url="")) if f.name == "templates")
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
    assert first["misses"] == ["templates-ja"] and second["hits"] == ["templates-ja"]
    assert second["md"] == first["md"] and "EDITED TEMPLATE LINE" not in first["md"]
    template = package / "generator" / "templates" / "template_download.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nEDITED TEMPLATE LINE\n", encoding="utf-8")
    third = run()
    assert third["misses"] == ["templates-ja"] and "EDITED TEMPLATE LINE" in third["md"]


def test_a_changed_source_file_or_version_rebuilds(fixture_linked, tmp_path):
    """The key holds every file of the generator's package: an edit to a module, or a new version, is a miss."""
    package = tmp_path / "code" / "generator"
    shutil.copytree(GENERATOR, package, ignore=shutil.ignore_patterns("__pycache__"))

    def misses():
        cache = Cache(tmp_path / "cache", package=package)
        made(cache, fixture_linked, {"open_data"})
        return cache.stats.misses

    assert misses() == ["open_data-ja"]
    assert misses() == []
    module = package / "export_json.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert misses() == ["open_data-ja"]
    assert misses() == []
    init = package / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace('__version__ = "', '__version__ = "9.9.9+'), encoding="utf-8"
    )
    assert "9.9.9+" in init.read_text(encoding="utf-8")
    assert misses() == ["open_data-ja"]


# ---------------------------------------------------------------- the build folder is not trusted

MARKER = "kb-crafted-ran"


def crafted_bytecode(marker: Path) -> bytes:
    """What Jinja's own bytecode cache would load and run: its header, then a pickle that runs a command."""

    class Exploit:
        def __reduce__(self):
            return (subprocess.call, (["touch", str(marker)],))

    return bc_magic + pickle.dumps(Exploit())


def build_with(package: Path, data: Path, home: Path) -> subprocess.CompletedProcess:
    """`python -m generator build` of `data` with the generator in `package` (a copy: its __pycache__ is this
    test's) and the account's cache folder in `home`."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "build", "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=package,
        env={"PYTHONPATH": str(package), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(home), "HOME": str(home)},
    )


def test_compiled_templates_in_the_build_folder_are_never_run_unless_signed_here(tmp_path):
    """A crafted compiled template (Jinja's format, a pickle that runs a command) in place of every compiled template
    of the build cache (the theme overrides') and of the generator's __pycache__ (the pages' and the installed
    theme's): the next build (of changed data, so that the pages are rendered again) runs none of them, says so for
    each it needed, compiles those again and exits 0."""
    defaults = tuple(name for name in ("mkdocs.yml", "overrides", "docs") if (PROJECT / name).exists())
    package = copy_project(tmp_path / "code", defaults)
    shutil.copytree(GENERATOR, package / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    data = copy_fixture(tmp_path / "kb")
    first = build_with(package, data, tmp_path / "home")
    assert first.returncode == 0, first.stderr
    compiled = sorted((data.parent / "build" / ".cache").rglob("*.signed"))
    compiled += sorted((package / "generator" / "__pycache__").rglob("*.signed"))

    def kind(path: Path) -> str:
        if path.is_relative_to(data.parent / "build"):
            return "overrides"
        folder = path.relative_to(package / "generator" / "__pycache__").parts[0]
        return "theme" if folder.startswith("theme-") else "pages"

    assert len(compiled) > 20 and {kind(p) for p in compiled} == {"overrides", "theme", "pages"}
    marker = tmp_path / MARKER
    for path in compiled:
        path.write_bytes(bytes(32) + crafted_bytecode(marker))
    document = data / "document.yaml"
    document.write_text(document.read_text(encoding="utf-8").replace("テスト版", "テスト第2版"), encoding="utf-8")
    second = build_with(package, data, tmp_path / "home")
    assert second.returncode == 0, second.stderr
    assert not marker.exists()
    expected = {
        f"note: the compiled template {p} is damaged or was not made here: it is compiled again": p for p in compiled
    }
    notes = [line for line in second.stderr.splitlines() if line.startswith("note:")]
    assert notes and set(notes) <= expected.keys(), notes
    assert {kind(expected[note]) for note in notes} == {"overrides", "theme", "pages"}
    document.write_text(document.read_text(encoding="utf-8").replace("テスト第2版", "テスト第3版"), encoding="utf-8")
    third = build_with(package, data, tmp_path / "home")
    assert third.returncode == 0 and not set(third.stderr.splitlines()) & set(notes), third.stderr


def test_a_compiled_template_cut_short_or_crafted_is_compiled_again(tmp_path, capsys):
    from generator.cache import SignedBytecodeCache

    def render():
        env = jinja2.Environment(loader=jinja2.DictLoader({"page.j2": "{{ 6 * 7 }} {{ name }}"}))
        env.bytecode_cache = SignedBytecodeCache(tmp_path, bytes(range(32)))
        return env.get_template("page.j2").render(name="x")

    assert render() == "42 x"
    (path,) = tmp_path.glob("*.signed")
    note = f"note: the compiled template {path} is damaged or was not made here: it is compiled again\n"
    assert capsys.readouterr().err == "" and render() == "42 x" and capsys.readouterr().err == ""
    for content in (
        path.read_bytes()[:40],
        b"",
        path.read_bytes()[32:],
        bytes(32) + crafted_bytecode(tmp_path / MARKER),
    ):
        path.write_bytes(content)
        assert render() == "42 x"
        assert capsys.readouterr().err == note
        assert not (tmp_path / MARKER).exists()
    render()
    assert capsys.readouterr().err == ""
    signed_elsewhere = SignedBytecodeCache(tmp_path, bytes(32))  # another account's key
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.j2": "{{ 6 * 7 }} {{ name }}"}))
    env.bytecode_cache = signed_elsewhere
    assert env.get_template("page.j2").render(name="y") == "42 y" and capsys.readouterr().err == note


def test_a_key_anyone_may_read_is_not_used(tmp_path):
    from generator.cache import account_key

    key = account_key(tmp_path)
    assert key is not None and len(key) == 32 and account_key(tmp_path) == key
    path = tmp_path / "kb-generator" / "cache.key"
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o644)
    assert account_key(tmp_path) is None
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    assert account_key(tmp_path) is None


def test_damaged_or_foreign_manifests_are_made_again_and_never_write_outside(fixture_linked, tmp_path, capsys):
    """A manifest that is a JSON list, one cut short, one that names a file outside the folder (`../`, an absolute
    path) or a blob outside the cache: each entry is discarded with a note and made again; nothing is written
    outside."""
    folder = tmp_path / "build" / ".cache"
    files = made(Cache(folder), fixture_linked, {"open_data"})["open_data"]
    (entry,) = (folder / "open_data-ja").glob("*.json")
    good = json.loads(entry.read_text(encoding="utf-8"))
    digest = next(iter(good.values()))
    for content in (
        "[1, 2]",
        entry.read_text(encoding="utf-8")[:20],
        json.dumps({"../../../../escaped.txt": digest}),
        json.dumps({str(tmp_path / "escaped.txt"): digest}),
        json.dumps({"downloads/x.json": "../../../../../etc/passwd"}),
        json.dumps({"downloads\\..\\..\\x.json": digest}),
    ):
        entry.write_text(content, encoding="utf-8")
        capsys.readouterr()
        cache = Cache(folder)
        assert made(cache, fixture_linked, {"open_data"})["open_data"].keys() == files.keys(), content
        assert cache.stats.misses == ["open_data-ja"], content
        note = capsys.readouterr().err
        assert note == (
            f"note: the build cache's entry {entry} is damaged (it is not a JSON object of relative paths to hashes): "
            "it is made again\n"
        ), content
        assert json.loads(entry.read_text(encoding="utf-8")) == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
    # A blob swapped for a link to a file outside the cache is not read through it.
    blob = folder / "open_data-ja" / "blobs" / digest
    outside = tmp_path / "outside.json"
    outside.write_bytes(blob.read_bytes())
    blob.unlink()
    blob.symlink_to(outside)
    capsys.readouterr()
    cache = Cache(folder)
    made(cache, fixture_linked, {"open_data"})
    assert cache.stats.misses == ["open_data-ja"]
    assert capsys.readouterr().err == (
        f"note: the build cache's entry {entry} is damaged ([Errno 40] Too many levels of symbolic links: "
        f"'{blob}'): it is made again\n"
    )
