"""Bad input: broken data of many kinds stops `python -m generator build` with the file, the line and a fix, never a
traceback, and leaves the last good site/ as it was. Text that looks like HTML is data, shown as text.

One copy of the project is built once (good data); each case breaks its data, runs the real command, and the data
is restored afterwards. Validation stops before MkDocs, so a case takes about a second."""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from .conftest import PROJECT

SOURCES = ("guideline_data", "overrides", "docs", "mkdocs.yml")
# A chapter-5 file of our own: it sorts between 05_controls.yaml and 06_annexes.yaml, and 5.99 comes after every
# real control, so the good version is in table-of-contents order and each case knows its lines exactly.
EXTRA = "sections/05z_extra.yaml"
EXTRA_CONTROL = """\
- id: "5.99"
  title:
    ja: 試験用の対策
    en: A control for the tests
  category: technical
"""  # lines 1-5; a case adds line 6 onwards
TERM = """\
- id: test-term
  term:
    ja: {ja}
    en: Test term
  reading: {reading}
  definition:
    ja: 試験のための用語。
    en: A term for the tests.
  source: editorial
"""


@dataclass(frozen=True)
class Expected:
    file: str  # as the message shows it, e.g. guideline_data/sections/05z_extra.yaml
    line: int
    fragments: tuple[str, ...]  # exact pieces of the message and of its fix


Case = Callable[[Path, Path], Expected]  # (data folder, a folder outside the project) -> what the build must say
CASES: list[Case] = []


def case(function: Case) -> Case:
    CASES.append(function)
    return function


def shown(relative: str) -> str:
    return f"guideline_data/{relative}"


def write_extra(data: Path, text: str) -> None:
    (data / EXTRA).write_text(text, encoding="utf-8")


def append(data: Path, relative: str, text: str) -> int:
    """Append YAML list items to a file; return the number of the first appended line."""
    path = data / relative
    old = path.read_text(encoding="utf-8")
    old += "" if old.endswith("\n") else "\n"
    path.write_text(old + text, encoding="utf-8")
    return old.count("\n") + 1


# ---------------------------------------------------------------- the cases


@case
def yaml_syntax_error(data, outside):
    write_extra(data, EXTRA_CONTROL + "  status: new: added\n")
    return Expected(shown(EXTRA), 6, ("YAML syntax error: mapping values are not allowed here",))


@case
def tab_indentation(data, outside):
    """In a real chapter file: an editor that indents with a tab."""
    path = data / "sections" / "03_governance.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith("  title:"))
    lines[number] = "\t" + lines[number][2:]
    path.write_text("".join(lines), encoding="utf-8")
    return Expected(shown("sections/03_governance.yaml"), number + 1, ("YAML syntax error", "fix: indent with spaces"))


@case
def wrong_type(data, outside):
    write_extra(data, EXTRA_CONTROL.replace('- id: "5.99"', "- id: 5.99"))
    return Expected(shown(EXTRA), 1, ("[0].id:", "Input should be a valid string (got 5.99)", "quote numbers"))


@case
def unknown_key(data, outside):
    write_extra(data, EXTRA_CONTROL + "  titel: Typo\n")
    return Expected(shown(EXTRA), 6, ("unknown key 'titel'", "fix: remove 'titel' or correct its spelling"))


@case
def duplicate_id(data, outside):
    first = yaml.safe_load((data / "references.yaml").read_text(encoding="utf-8"))[0]["id"]
    line = append(data, "references.yaml", f"- id: {first}\n  title: {{ja: 重複, en: Duplicate}}\n")
    return Expected(shown("references.yaml"), line, (f"duplicate id {first!r} (first defined at", "give each entry"))


@case
def dangling_reference(data, outside):
    text = "  blocks:\n  - role: paragraph\n    paragraphs:\n    - ja: 詳細は@5.9.9を参照。\n      en: See @5.9.9.\n"
    write_extra(data, EXTRA_CONTROL + text)
    return Expected(shown(EXTRA), 9, ("unknown reference '@5.9.9': no section with id '5.9.9'",))


@case
def missing_translation(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("    en: A control for the tests\n", ""))
    return Expected(shown(EXTRA), 2, ("title.en: a required key is missing", "fix: add the English text as 'en:'"))


@case
def empty_required_text(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("en: A control for the tests", 'en: ""'))
    return Expected(shown(EXTRA), 4, ("title.en:", "String should have at least 1 character", "may not be empty"))


@case
def circular_relation(data, outside):
    write_extra(data, EXTRA_CONTROL + '  implements: ["5.99"]\n')
    return Expected(shown(EXTRA), 6, ("section 5.99 implements itself: a circular relation",))


@case
def reading_not_kana(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="試験用語", reading="shiken"))
    return Expected(shown("glossary.yaml"), line + 4, ("reading must be hiragana or katakana, got 'shiken'",))


@case
def glossary_term_duplicated_in_other_width_and_case(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="ＣＳＩＲＴ", reading="しーさーと"))
    fragments = ("the term 'ＣＳＩＲＴ' duplicates glossary entry 'csirt'", "(ignoring case and full/half width)")
    return Expected(shown("glossary.yaml"), line + 1, fragments)


@case
def file_outside_the_data_folder(data, outside):
    target = outside / "elsewhere.yaml"
    target.write_text(EXTRA_CONTROL, encoding="utf-8")
    (data / EXTRA).symlink_to(target)
    return Expected(shown(EXTRA), 1, ("this file points outside the data folder", "fix: replace the link"))


@case
def huge_file(data, outside):
    filler = "# " + "x" * 98 + "\n"
    write_extra(data, EXTRA_CONTROL + filler * 10_100)
    # The message points at the line where the file passes the limit.
    line = len(EXTRA_CONTROL.splitlines()) + (1_000_000 - len(EXTRA_CONTROL.encode())) // len(filler) + 1
    return Expected(shown(EXTRA), line, ("bytes; the limit is 1,000,000", "fix: split it into several files"))


@case
def not_utf8(data, outside):
    (data / EXTRA).write_bytes(EXTRA_CONTROL.encode("shift_jis"))
    return Expected(shown(EXTRA), 3, ("the file is not UTF-8 text", "fix: save it as UTF-8"))


@case
def duplicate_yaml_key(data, outside):
    write_extra(data, EXTRA_CONTROL + "  title: {ja: 二つ目, en: Second}\n")
    return Expected(shown(EXTRA), 6, ("the key 'title' appears twice in one mapping", "fix: keep one of the two"))


@case
def unknown_reference_id(data, outside):
    write_extra(data, EXTRA_CONTROL + "  references: [no-such-document]\n")
    return Expected(shown(EXTRA), 6, ("[0].references[0]:", "unknown reference 'no-such-document'"))


@case
def section_out_of_toc_order(data, outside):
    write_extra(data, EXTRA_CONTROL + EXTRA_CONTROL.replace('"5.99"', '"5.98"'))
    return Expected(shown(EXTRA), 6, ("section 5.98 comes after 5.99: out of table-of-contents order",))


@case
def impossible_date(data, outside):
    note = (
        "  blocks:\n  - role: note\n    source: editorial\n    date: 2026-13-45\n    paragraphs: [{ja: 注, en: Note}]\n"
    )
    write_extra(data, EXTRA_CONTROL + note)
    return Expected(shown(EXTRA), 9, ("the value '2026-13-45' cannot be read: month must be in 1..12", "YYYY-MM-DD"))


@case
def unknown_actor(data, outside):
    write_extra(data, EXTRA_CONTROL + "  actors: [everybody]\n")
    return Expected(shown(EXTRA), 6, ("unknown actor 'everybody'",))


# ---------------------------------------------------------------- the project copy and the command


def run_build(project: Path) -> subprocess.CompletedProcess:
    """The real command, as an editor types it, in the project copy."""
    path = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "generator", "build"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(site: Path) -> dict:
    """What 'untouched' means: the same folder, the same files, the same modification times."""
    files = {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*")}
    return {"folder": site.stat().st_ino, "files": files}


@dataclass(frozen=True)
class Workspace:
    project: Path
    pristine: Path  # the good data, to restore after each case
    outside: Path  # a folder beside the project, outside its data


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Workspace:
    base = tmp_path_factory.mktemp("bad-input")
    project, outside = base / "project", base / "outside"
    outside.mkdir()
    for name in SOURCES:
        source = PROJECT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    shutil.copytree(project / "guideline_data", base / "pristine")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "index.html").is_file()
    return Workspace(project, base / "pristine", outside)


@pytest.fixture
def workspace_with_good_data(workspace) -> Workspace:
    yield workspace
    data = workspace.project / "guideline_data"
    shutil.rmtree(data)
    shutil.copytree(workspace.pristine, data, symlinks=True)


def test_there_are_many_kinds_of_bad_input():
    assert len(CASES) >= 15


@pytest.mark.parametrize("break_data", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_stops_the_build_with_file_and_line(break_data, workspace_with_good_data):
    project = workspace_with_good_data.project
    expected = break_data(project / "guideline_data", workspace_with_good_data.outside)
    before = snapshot(project / "site")
    result = run_build(project)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert f"{expected.file}:{expected.line}:" in result.stderr, result.stderr
    for fragment in expected.fragments:
        assert fragment in result.stderr, result.stderr
    assert "The build stopped; site/ was left as it was." in result.stderr
    assert snapshot(project / "site") == before
    assert not list(project.glob(".site-new-*")), "a failed build left its staging folder behind"


class _Elements(html.parser.HTMLParser):
    """The script elements and event-handler attributes of a page: what a browser would run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.code: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        self.code += [value or "" for name, value in attrs if name.startswith("on")]

    def handle_data(self, data):
        if self._in_script:
            self.code.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def test_html_in_the_data_is_shown_as_text(workspace_with_good_data):
    """Markup in a text is data, not code: pages show it, and no script or handler from it can run, whether it is in
    running text or in a title (which MkDocs repeats in the navigation, the <title> and the footer of other pages)."""
    project = workspace_with_good_data.project
    markup = '<script>alert("kb")</script> <img src=x onerror=alert(1)> & <b>'.replace('"', '\\"')
    titled = EXTRA_CONTROL.replace("試験用の対策", "試験用の対策 <b>太字</b>").replace(
        "en: A control for the tests", 'en: "A control <script>alert(\\"title\\")</script>"'
    )
    text = f'  blocks:\n  - role: paragraph\n    paragraphs:\n    - ja: "本文 {markup}"\n      en: "Body {markup}"\n'
    write_extra(project / "guideline_data", titled + text)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    ja = (site / "guideline" / "5-99" / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "guideline" / "5-99" / "index.html").read_text(encoding="utf-8")
    assert '&lt;script&gt;alert("kb")&lt;/script&gt;' in ja and '&lt;script&gt;alert("kb")&lt;/script&gt;' in en
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;" in ja
    assert "5.99 試験用の対策 &lt;b&gt;太字&lt;/b&gt;" in ja  # the heading, the <title>, the navigation
    assert '&lt;script&gt;alert("title")&lt;/script&gt;' in en
    for page in site.rglob("*.html"):
        source = page.read_text(encoding="utf-8")
        elements = _Elements()
        elements.feed(source)
        assert not [code for code in elements.code if "alert" in code], page
        assert "<b>太字</b>" not in source, page
