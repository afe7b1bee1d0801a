"""The MkDocs adapter: the versions of MkDocs and Material it was written for are checked before anything is touched;
a language's pages built over two processes give the same site and the same messages as in one; the installed
theme's compiled templates are found by a build folder made anew; a link's brackets are matched as Markdown does."""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import jinja2
import markdown.inlinepatterns
import pytest

from generator import mkdocs_adapter
from generator.cache import FOLDER as CACHE_FOLDER
from generator.errors import DataError
from generator.layout import walk_files
from generator.mkdocs_adapter import WRITTEN_FOR, check_versions, run, version_problems

from .conftest import PROJECT
from .helpers import copy_fixture

FIX = "install the versions it was written for: python -m pip install 'mkdocs~=1.6.1' 'mkdocs-material~=9.8.2'"


def test_the_installed_versions_are_the_ones_it_was_written_for():
    check_versions()  # raises when they are not
    assert version_problems({"mkdocs": "1.6.3", "mkdocs-material": "9.8.9"}) == []


def test_another_version_is_named_with_the_one_expected_and_the_fix():
    problems = version_problems({"mkdocs": "1.7.0", "mkdocs-material": None})
    assert [(p.file, p.line, p.message, p.fix) for p in problems] == [
        (sys.prefix, None, "MkDocs 1.7.0 is installed; the build was written for MkDocs 1.6.1 (or a later 1.6) and "
         "uses its private _populate_page, config._current_page and theme.get_env", FIX),
        (sys.prefix, None, "Material for MkDocs is not installed; the build was written for Material for MkDocs 9.8.2 "
         "(or a later 9.8) and uses its templates' blocks and partials", FIX),
    ]  # fmt: skip
    assert version_problems({"mkdocs": "1.6.0", "mkdocs-material": "9.8.2"})[0].message.startswith("MkDocs 1.6.0 is")


def test_pyproject_asks_for_the_same_versions():
    wanted = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert {f"{name}~={version}" for name, (_, version, _) in WRITTEN_FOR.items()} <= set(wanted)


def test_a_build_with_another_mkdocs_stops_before_it_touches_anything(tmp_path):
    """A real MkDocs with an older version's metadata found first, as a second install beside it would be."""
    fake = tmp_path / "older"
    (fake / "mkdocs-1.5.3.dist-info").mkdir(parents=True)
    (fake / "mkdocs-1.5.3.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: mkdocs\nVersion: 1.5.3\n")
    data = copy_fixture(tmp_path / "kb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(PROJECT)])}
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"1 problem in the data:\n{sys.prefix}: MkDocs 1.5.3 is installed; the build was written for MkDocs 1.6.1 "
        "(or a later 1.6) and uses its private _populate_page, config._current_page and theme.get_env\n"
        f"    fix: {FIX}\nThe build stopped; kb/site/ was left as it was.\n"
    )
    assert sorted(p.name for p in (tmp_path / "kb").iterdir()) == ["guideline_data"]  # no build/, no site/


# ---------------------------------------------------------------- a language's pages over two processes


def small_site(folder: Path, hook: str = "") -> Path:
    """A one-language MkDocs project with the generator's theme settings' kind of checks (strict, anchors checked):
    pages of different sizes, links to anchors of other pages, one of them broken on every page."""
    docs = folder / "docs"
    docs.mkdir(parents=True)
    names = ["index", "big", "second", *(f"p{n}" for n in range(9))]
    for number, name in enumerate(names):
        other = names[(number + 1) % len(names)]
        parts = {"big": 40, "second": 20}.get(name, 3)
        body = "\n\n".join(f"## Part {part}\n\nText of {name}, part {part}." for part in range(parts))
        links = f"[next]({other}.md#part-1) and [gone]({other}.md#no-such-part-{number})"
        (docs / f"{name}.md").write_text(f"---\ntitle: Page {name}\n---\n\n# {name}\n\n{links}\n\n{body}\n")
    (docs / "notes.txt").write_text("a static file\n")
    config = folder / "mkdocs.yml"
    config.write_text(
        "site_name: Small\nstrict: true\ntheme:\n  name: mkdocs\nuse_directory_urls: true\nplugins: []\n"
        + "validation:\n  links:\n    anchors: warn\n"
        + (f"hooks:\n  - {folder / 'hook.py'}\n" if hook else "")
    )
    if hook:
        (folder / "hook.py").write_text(hook)
    return config


def outcome(config: Path, out: Path, halves: bool) -> tuple[list[str], dict]:
    """What MkDocs said, and what it wrote with the anchors it found (kept for the next build of changed pages)."""
    try:
        anchors = run(config, out, None, halves)
        said = []
    except DataError as error:
        anchors, said = None, [str(problem) for problem in error.problems]
    return said, {
        "anchors": anchors,
        **{path.relative_to(out).as_posix(): path.read_bytes() for path in walk_files(out)},
    }


def test_a_language_built_in_two_processes_writes_the_same_site_and_says_the_same(tmp_path, monkeypatch):
    """Every page's broken link is found, whichever process rendered it, and strict mode counts them all; without
    the broken links the sites are the same files, byte for byte."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1712000000")  # the theme's build date
    config = small_site(tmp_path / "one")
    said_once, _ = outcome(config, tmp_path / "once", halves=False)
    said_split, _ = outcome(config, tmp_path / "split", halves=True)
    assert (
        len(said_once) == 13 and "could not build the site: Aborted with 12 warnings in strict mode!" in said_once[-1]
    )
    assert sorted(said_split) == sorted(said_once)
    for page in (tmp_path / "one" / "docs").glob("*.md"):
        page.write_text(re.sub(r" and \[gone\]\([^)]*\)", "", page.read_text()))
    said_once, once = outcome(config, tmp_path / "once", halves=False)
    said_split, split = outcome(config, tmp_path / "split", halves=True)
    assert said_once == said_split == [] and len(once) > 12 and len(once["anchors"]) == 12
    assert split == once


def test_a_failure_in_the_forked_half_is_said_as_in_one_process(tmp_path, monkeypatch):
    """The second largest page is the forked process's (the largest is this one's): its error ends the build with
    MkDocs' own messages, as in one process, and the forked process is gone. (The test's hook, which fails on that
    page, is declared one that reads a page at a time, as the generator's own hooks are.)"""
    hook = (
        "from mkdocs.exceptions import PluginError\n\n\n"
        "def on_post_page(output, page, config):\n"
        "    if page.file.src_uri == 'second.md':\n"
        "        raise PluginError('second.md cannot be written')\n"
        "    return output\n"
    )
    config = small_site(tmp_path / "one", hook)
    monkeypatch.setattr(
        mkdocs_adapter, "PARTIAL_PLUGINS", {*mkdocs_adapter.PARTIAL_PLUGINS, str(tmp_path / "one" / "hook.py")}
    )
    said_once, _ = outcome(config, tmp_path / "once", halves=False)
    before = children()
    said_split, _ = outcome(config, tmp_path / "split", halves=True)
    assert any("Error building page 'second.md':" in said for said in said_once)
    assert any("second.md cannot be written" in said for said in said_once)
    assert "MkDocs could not build the site: Aborted with a BuildError!" in said_once[-1]
    assert sorted(said_split) == sorted(said_once)
    assert multiprocessing.active_children() == []
    assert children() <= before  # no process it forked is left, running or ended unreaped


def children() -> set[int]:
    """This process's child processes, ended ones not yet reaped included (a test runner's worker may have others of
    its own: a search service started by an earlier test)."""
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update(map(int, (task / "children").read_text().split()))
    return found


# ---------------------------------------------------------------- the theme's compiled templates


def test_a_build_folder_made_anew_finds_the_installed_theme_compiled_and_compiles_its_overrides_only(
    tmp_path, monkeypatch
):
    """The installed theme's templates are compiled once for every build folder on the machine (a cold build has none:
    MkDocs compiled Material's templates in each language's process at each cold build); a build folder's own theme
    overrides are compiled for it and kept in its own build cache, never beside the generator's code."""
    compiled = []
    compile_template = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(Path(filename))
        return compile_template(self, source, name, filename, *args, **kwargs)

    def material_site(build: Path) -> Path:
        (build / "overrides").mkdir(parents=True)
        (build / "overrides" / "main.html").write_text(
            '{% extends "base.html" %}\n{% block footer %}kb-own-footer{% endblock %}\n'
        )
        config = small_site(build / "en")
        text = config.read_text().replace(
            "theme:\n  name: mkdocs\n", "theme:\n  name: material\n  custom_dir: ../overrides\n"
        )
        config.write_text(text.replace("anchors: warn", "anchors: info"))
        return config

    run(material_site(tmp_path / "first" / "build"), tmp_path / "first" / "site", None)
    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    second = tmp_path / "second" / "build"
    run(material_site(second), tmp_path / "second" / "site", None)
    assert compiled == [second / "overrides" / "main.html"]
    assert "kb-own-footer" in (tmp_path / "second" / "site" / "index.html").read_text()
    kept = list((second / CACHE_FOLDER).rglob("*.signed"))
    assert len(kept) == 1 and kept[0].read_bytes().find(b"main.html") > 0
    assert not [p for p in (PROJECT / "generator" / "__pycache__").rglob("*.signed") if b"/second/" in p.read_bytes()]


# ---------------------------------------------------------------- Python-Markdown's link brackets


def test_the_bracket_ends_of_links_are_markdowns_own_for_every_page_and_random_text(built, tmp_path):
    """bracket_ends, used while MkDocs runs, gives the list Python-Markdown's own gives: for every page the build
    wrote and for random text of brackets, escapes and letters; Markdown's own is back once MkDocs has run, and
    once it has failed."""
    paths, _ = built
    original = markdown.inlinepatterns.LinkInlineProcessor._findBracketEnds
    pages = [path.read_text(encoding="utf-8") for path in paths.build.glob("*/docs/**/*.md")]
    shuffled = random.Random(26)
    texts = ["".join(shuffled.choice("[]\\a ") for _ in range(shuffled.randint(0, 60))) for _ in range(5000)]
    assert len(pages) > 200
    for text in [*pages, *texts, "", "[", "]", "][", "[[]", "[]]"]:
        assert mkdocs_adapter.bracket_ends(text) == original(text), text[:80]
    with pytest.raises(DataError):  # the small site's broken links
        run(small_site(tmp_path / "site"), tmp_path / "out", None)
    assert markdown.inlinepatterns.LinkInlineProcessor._findBracketEnds is original
