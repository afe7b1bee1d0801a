"""Bad input: broken or hostile data of many kinds stops the build with one exact message — file:line, the key path,
what is wrong and the fix — never a traceback, never a hang; and a build never replaces a folder it did not make.

Each case breaks a fresh copy of the real data and runs what `python -m generator check` runs (load, validate, link,
the features' checks) in this process, catching the DataError: validation is all these cases need. A few runs of the
real command prove the exit code, the absence of a traceback, that site/ is left as it was, and that --site-dir
refuses the project."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from generator.build import Paths, build, load_knowledge_base
from generator.errors import DataError
from generator.load import FastLoader
from generator.publish import check_output_dirs

from .conftest import PROJECT
from .helpers import FIXTURE_DATA, copy_project

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
    en: {en}
  reading: {reading}
  definition:
    ja: 試験のための用語。
    en: A term for the tests.
  source: editorial
"""
CHECKLIST = """\
id: {id}
title: {{ja: 試験, en: Test}}
description: {{ja: 試験用。, en: For the tests.}}
kind: focus
include: [CL3-001]
"""
SYNTAX_FIX = "check the indentation and quoting near this line"
C_PARSER = FastLoader is not yaml.SafeLoader  # libyaml words a few syntax errors differently
CONTROL_FIX = "delete it (most editors show it as nothing or as a box); a line break is written as a new line"
TAG_FIX = "remove the tag: the data holds only text, numbers, dates, true/false, lists and mappings"
LINK_FIX = "replace the link by the file it should point to, or delete it"
OUTSIDE_FIX = "copy the file itself into the folder, or delete the link"
DEPTH_FIX = "flatten the structure: the formats in guideline_data/README.md nest about a dozen levels at most"
INVISIBLE_FIX = "delete it: retype the text around it if your editor does not show it"


@dataclass(frozen=True)
class Expected:
    """One problem, exactly as the build prints it: `file:line: key.path: message` and `    fix: …`."""

    file: str  # as the message shows it, e.g. guideline_data/sections/05z_extra.yaml
    line: int | None
    message: str  # with its key path, if it has one
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" + (f"\n    fix: {self.fix}" if self.fix else "")


Case = Callable[[Path, Path], Expected]  # (data folder, a folder outside the data) -> what the check must say
CASES: list[Case] = []


def case(function: Case) -> Case:
    CASES.append(function)
    return function


def shown(relative: str) -> str:
    return f"guideline_data/{relative}"


def write_extra(data: Path, text: str) -> Expected | None:
    (data / EXTRA).write_text(text, encoding="utf-8")


def append(data: Path, relative: str, text: str) -> int:
    """Append YAML list items to a file; return the number of the first appended line."""
    path = data / relative
    old = path.read_text(encoding="utf-8")
    old += "" if old.endswith("\n") else "\n"
    path.write_text(old + text, encoding="utf-8")
    return old.count("\n") + 1


def extra(line: int, message: str, fix: str = "") -> Expected:
    return Expected(shown(EXTRA), line, message, fix)


# ---------------------------------------------------------------- YAML that cannot be read


@case
def yaml_syntax_error(data, outside):
    write_extra(data, EXTRA_CONTROL + "  status: new: added\n")
    context = "in this context" if C_PARSER else "here"
    return extra(6, f"YAML syntax error: mapping values are not allowed {context}", SYNTAX_FIX)


@case
def tab_indentation(data, outside):
    """In a real chapter file: an editor that indents with a tab."""
    path = data / "sections" / "03_governance.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith("  title:"))
    lines[number] = "\t" + lines[number][2:]
    path.write_text("".join(lines), encoding="utf-8")
    message = "YAML syntax error: found character " + ("" if C_PARSER else "'\\t' ") + "that cannot start any token"
    return Expected(shown("sections/03_governance.yaml"), number + 1, message, "indent with spaces, not tabs")


@case
def unclosed_quote(data, outside):
    write_extra(data, EXTRA_CONTROL + '  status: "new\n')
    return extra(7, "YAML syntax error: found unexpected end of stream", SYNTAX_FIX)


@case
def unclosed_flow_mapping(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("  category: technical\n", "  title2: {ja: x, en: y\n"))
    return extra(6, "YAML syntax error: did not find expected ',' or '}'", SYNTAX_FIX)


@case
def two_documents_in_one_file(data, outside):
    write_extra(data, EXTRA_CONTROL + "---\n- id: '5.98'\n")
    return extra(6, "YAML syntax error: but found another document", SYNTAX_FIX)


@case
def duplicate_yaml_key(data, outside):
    write_extra(data, EXTRA_CONTROL + "  title: {ja: 二つ目, en: Second}\n")
    return extra(6, "the key 'title' appears twice in one mapping", "keep one of the two")


@case
def not_utf8(data, outside):
    (data / EXTRA).write_bytes(EXTRA_CONTROL.encode("shift_jis"))
    return extra(3, "the file is not UTF-8 text", "save it as UTF-8 (without BOM is fine)")


@case
def utf16_file(data, outside):
    (data / EXTRA).write_bytes(EXTRA_CONTROL.encode("utf-16"))
    return extra(1, "the file is not UTF-8 text", "save it as UTF-8 (without BOM is fine)")


@case
def huge_file(data, outside):
    filler = "# " + "x" * 98 + "\n"
    write_extra(data, EXTRA_CONTROL + filler * 10_100)
    # The message points at the line where the file passes the limit.
    line = len(EXTRA_CONTROL.splitlines()) + (1_000_000 - len(EXTRA_CONTROL.encode())) // len(filler) + 1
    size = len(EXTRA_CONTROL.encode()) + len(filler) * 10_100
    return extra(
        line,
        f"the file is {size:,} bytes; the limit is 1,000,000",
        "split it into several files in the same folder (they are read in file-name order)",
    )


@case
def huge_glossary(data, outside):
    """A collection of one file: its fix is a folder in its place, which the loader reads (see the test below)."""
    glossary = data / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "#" * 1_100_000 + "\n", encoding="utf-8")
    size = glossary.stat().st_size
    return Expected(
        shown("glossary.yaml"),
        glossary.read_text(encoding="utf-8").count("\n"),
        f"the file is {size:,} bytes; the limit is 1,000,000",
        "split it into several files in a folder glossary/ in its place (each a list; they are read in file-name "
        "order)",
    )


@case
def misspelt_data_file(data, outside):
    (data / "glossary.yaml").rename(data / "glosary.yaml")
    return Expected(shown("glosary.yaml"), None, "not a data file of this knowledge base; did you mean glossary.yaml?",
                    "rename it to glossary.yaml, or move it out of guideline_data")  # fmt: skip


@case
def unknown_data_folder(data, outside):
    (data / "notes").mkdir()
    (data / "notes" / "a.yaml").write_text("[]\n", encoding="utf-8")
    return Expected(shown("notes"), None, "not a data folder of this knowledge base",
                    "rename it to one of actors, changelog, checklists, csf, errata, glossary, references, sections, "
                    "templates, words, or move it out of guideline_data")  # fmt: skip


@case
def glossary_file_and_folder(data, outside):
    (data / "glossary").mkdir()
    return Expected(shown("glossary.yaml"), None, "both glossary.yaml and glossary/ hold the glossary data",
                    "keep one: move its entries into a file in glossary/")  # fmt: skip


@case
def impossible_date(data, outside):
    note = (
        "  blocks:\n  - role: note\n    source: editorial\n    date: 2026-13-45\n    paragraphs: [{ja: 注, en: Note}]\n"
    )
    write_extra(data, EXTRA_CONTROL + note)
    return extra(
        9,
        "the value '2026-13-45' cannot be read: month must be in 1..12",
        "write a date as YYYY-MM-DD with a real month and day, or quote the value if it is text",
    )


@case
def number_too_long(data, outside):
    write_extra(data, EXTRA_CONTROL + "  extra_number: " + "9" * 5000 + "\n")
    return extra(
        6,
        f"the value '{'9' * 39}…' cannot be read: Exceeds the limit (4300 digits) for integer string conversion: "
        "value has 5000 digits",
        "write the number as it should be read, or quote the value if it is text",
    )


@case
def wrong_shape(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("- id:", "id:").replace("\n  ", "\n"))
    return extra(1, "the file must hold a list (lines starting with '- ')", "see guideline_data/README.md for the "
                 "sections format")  # fmt: skip


@case
def empty_file(data, outside):
    write_extra(data, "# nothing here yet\n")
    return extra(1, "the file must hold a list (lines starting with '- ')", "see guideline_data/README.md for the "
                 "sections format")  # fmt: skip


# ---------------------------------------------------------------- YAML that asks for too much


@case
def alias_bomb(data, outside):
    """A 'billion laughs': ten aliases of ten aliases of … (10^9 items). It must fail at once, not after minutes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        name, previous = chr(97 + level), chr(96 + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    (data / "document.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Expected(
        shown("document.yaml"),
        2,
        "the file uses anchored data (&name) through aliases (*name) more than 100 times",
        "write the data out where it is used; aliases that expand into aliases multiply",
    )


@case
def nested_too_deep(data, outside):
    write_extra(data, EXTRA_CONTROL + "  blocks: " + "[" * 60 + "]" * 60 + "\n")
    return extra(6, "the data is nested more than 50 levels deep", DEPTH_FIX)


@case
def nested_three_thousand_deep(data, outside):
    """Deeper than libyaml's own limit (1,000), which stops the parser: the same message."""
    write_extra(data, EXTRA_CONTROL + "  blocks: " + "[" * 3000 + "]" * 3000 + "\n")
    return extra(6, "the data is nested more than 50 levels deep", DEPTH_FIX)


@case
def complex_key(data, outside):
    write_extra(data, EXTRA_CONTROL + "  ? [a, b]\n  : value\n")
    return extra(
        6,
        "a key is a list or a mapping (a YAML complex key, '? ...')",
        "write a plain key such as 'title:'; a list or mapping goes after the colon, as the value",
    )


@case
def python_tag(data, outside):
    write_extra(data, EXTRA_CONTROL + "  status: !!python/object/apply:os.system [echo]\n")
    return extra(6, "the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed here", TAG_FIX)


@case
def binary_tag(data, outside):
    write_extra(data, EXTRA_CONTROL + "  status: !!binary aGk=\n")
    return extra(6, "the YAML tag 'tag:yaml.org,2002:binary' is not allowed here", TAG_FIX)


@case
def local_tag(data, outside):
    write_extra(data, EXTRA_CONTROL + "  blocks: !include other.yaml\n")
    return extra(6, "the YAML tag '!include' is not allowed here", TAG_FIX)


@case
def merge_key(data, outside):
    write_extra(data, EXTRA_CONTROL + "  <<: {status: new}\n")
    return extra(6, "the YAML tag 'tag:yaml.org,2002:merge' is not allowed here", TAG_FIX)


@case
def set_tag(data, outside):
    write_extra(data, EXTRA_CONTROL + "  actors: !!set {a, b}\n")
    return extra(6, "the YAML tag 'tag:yaml.org,2002:set' is not allowed here", TAG_FIX)


# ---------------------------------------------------------------- invisible characters


def control(line: int, code: str) -> Expected:
    return extra(line, f"the text holds the invisible control character U+{code}", CONTROL_FIX)


@case
def bell_character(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("試験用の対策", "試験用の\a対策"))
    return control(3, "0007")


@case
def escape_character_raw(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("for the tests", "for the \x1b[31mtests"))
    return control(4, "001B")


@case
def delete_character(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("試験用の対策", "試験用の\x7f対策"))
    return control(3, "007F")


@case
def c1_control_character(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("試験用の対策", "試験用の\x90対策"))
    return control(3, "0090")


@case
def nul_in_a_title_escaped(data, outside):
    """A double-quoted string may write a NUL as \\0: it would reach the page's <h1>."""
    write_extra(data, EXTRA_CONTROL.replace("ja: 試験用の対策", 'ja: "試験用の\\0対策"'))
    return control(3, "0000")


@case
def bell_escaped(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("en: A control for the tests", 'en: "A control\\a for the tests"'))
    return control(4, "0007")


@case
def lone_surrogate_escaped(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("en: A control for the tests", 'en: "A control \\ud800"'))
    if C_PARSER:  # libyaml refuses the escape itself
        return extra(4, "YAML syntax error: found invalid Unicode character escape code", SYNTAX_FIX)
    return control(4, "D800")


@case
def control_character_in_a_key(data, outside):
    write_extra(data, EXTRA_CONTROL + "  cate\x08gory: technical\n")
    return control(6, "0008")


@case
def bidi_override_raw(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("A control for the tests", "A control \u202efor the tests"))
    return extra(4, "the text holds the invisible bidi control U+202E, which reorders what readers see", CONTROL_FIX)


@case
def bidi_isolate_escaped(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("en: A control for the tests", 'en: "A control \\u2066for the tests"'))
    return extra(4, "the text holds the invisible bidi control U+2066, which reorders what readers see", CONTROL_FIX)


@case
def zero_width_space_in_a_term(data, outside):
    """It would make a duplicate term look new, and the term would never be found in the text."""
    line = append(data, "glossary.yaml", TERM.format(ja="CSI\u200bRT", en="Test term", reading="しーさーと"))
    return Expected(
        shown("glossary.yaml"),
        line + 2,
        "[87].term.ja: the term holds the invisible character U+200B (ZERO WIDTH SPACE)",
        INVISIBLE_FIX,
    )


JOINED = "CSIRT\u2060"  # with a WORD JOINER


@case
def zero_width_duplicate_of_a_term(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja=JOINED, en=JOINED, reading="しーさーと"))
    return Expected(
        shown("glossary.yaml"),
        line + 1,
        f"[87].term: the term {JOINED!r} duplicates glossary entry 'csirt' (ignoring case and full/half width)",
        "merge the two entries",
    )


@case
def zero_width_joiner_in_an_abbreviation(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="試験用語", en="Test term", reading="しけんようご"))
    (data / "glossary.yaml").write_text(
        (data / "glossary.yaml").read_text(encoding="utf-8") + "  abbr: T\u200dT\n", encoding="utf-8"
    )
    return Expected(
        shown("glossary.yaml"),
        line + 9,
        "[87].abbr: the abbreviation holds the invisible character U+200D (ZERO WIDTH JOINER)",
        INVISIBLE_FIX,
    )


@case
def soft_hyphen_in_an_alias(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="試験用語", en="Test term", reading="しけんようご"))
    (data / "glossary.yaml").write_text(
        (data / "glossary.yaml").read_text(encoding="utf-8") + "  aliases: [試験\u00ad用語]\n", encoding="utf-8"
    )
    return Expected(
        shown("glossary.yaml"),
        line + 9,
        "[87].aliases[0]: the alias holds the invisible character U+00AD (SOFT HYPHEN)",
        INVISIBLE_FIX,
    )


# ---------------------------------------------------------------- what kb.yaml asks for

CORE_MISSING = (
    "features: core is missing: it makes the home page, the guideline and its sections, which every other feature "
    "adds to; list it first, e.g. features: [core, checklists]"
)


def _features(data: Path, listed: str) -> Expected:
    config = data / "kb.yaml"
    text = config.read_text(encoding="utf-8")
    line = text[: text.index("features:")].count("\n") + 1
    config.write_text(text.replace("features: [core, checklists, templates, open_data]", listed), encoding="utf-8")
    return Expected(shown("kb.yaml"), line, CORE_MISSING, "correct the value (see guideline_data/README.md)")


@case
def no_features(data, outside):
    """`check` says what `build` would have met (a KeyError of a page that core makes)."""
    return _features(data, "features: []")


@case
def checklists_without_core(data, outside):
    return _features(data, "features: [checklists]")


# ---------------------------------------------------------------- files that are not files


@case
def file_outside_the_data_folder(data, outside):
    target = outside / "elsewhere.yaml"
    target.write_text(EXTRA_CONTROL, encoding="utf-8")
    (data / EXTRA).symlink_to(target)
    return extra(1, f"this link leads out of guideline_data (to {target}): only files inside it are read", OUTSIDE_FIX)


@case
def link_to_a_device(data, outside):
    (data / EXTRA).symlink_to("/dev/zero")
    return extra(1, "this link leads out of guideline_data (to /dev/zero): only files inside it are read", OUTSIDE_FIX)


@case
def symlink_loop(data, outside):
    (data / EXTRA).symlink_to(data / EXTRA)
    return extra(1, "this link leads back to itself (a loop of symbolic links)", LINK_FIX)


@case
def dangling_symlink(data, outside):
    (data / EXTRA).symlink_to(data / "sections" / "gone.yaml")
    return extra(1, f"this link points to nothing ({data / 'sections' / 'gone.yaml'} does not exist)", LINK_FIX)


@case
def folder_named_yaml(data, outside):
    (data / EXTRA).mkdir()
    (data / EXTRA / "inside.yaml").write_text(EXTRA_CONTROL, encoding="utf-8")
    return extra(
        1,
        "this is a folder, not a YAML file",
        "rename the folder so that its name does not end in .yaml, or move its files up beside it",
    )


@case
def named_pipe(data, outside):
    """A FIFO: opening it for reading would wait for a writer for ever."""
    os.mkfifo(data / EXTRA)
    return extra(
        1, "this is a named pipe (FIFO), not a regular file: only regular files are read", "replace it by a YAML "
        "file, or delete it"
    )  # fmt: skip


@case
def unix_socket(data, outside):
    server = socket.socket(socket.AF_UNIX)
    with contextlib.chdir(data):  # a relative name: a socket's path has a length limit that tmp_path may pass
        server.bind(EXTRA)
    server.close()
    return extra(
        1, "this is a socket, not a regular file: only regular files are read", "replace it by a YAML file, or "
        "delete it"
    )  # fmt: skip


@case
def single_file_collection_is_a_folder(data, outside):
    (data / "glossary.yaml").unlink()
    (data / "glossary.yaml").mkdir()
    return Expected(
        shown("glossary.yaml"),
        1,
        "this is a folder, not a YAML file",
        "rename the folder so that its name does not end in .yaml, or move its files up beside it",
    )


@case
def folder_collection_is_a_file(data, outside):
    shutil.rmtree(data / "checklists")
    (data / "checklists").write_text("- x\n", encoding="utf-8")
    return Expected(
        shown("checklists"),
        None,
        "the checklists data must be a folder of YAML files",
        "replace guideline_data/checklists by a folder holding the files (see guideline_data/README.md)",
    )


@case
def missing_collection(data, outside):
    (data / "changelog.yaml").unlink()
    return Expected(
        shown("changelog.yaml"),
        None,
        "the changelog data is missing",
        "create guideline_data/changelog.yaml (see guideline_data/README.md)",
    )


# ---------------------------------------------------------------- the schema


@case
def wrong_type(data, outside):
    write_extra(data, EXTRA_CONTROL.replace('- id: "5.99"', "- id: 5.99"))
    return extra(
        1,
        "[0].id: Input should be a valid string (got 5.99)",
        'give a value of the expected type (quote numbers that are IDs, e.g. id: "1.2")',
    )


@case
def unknown_key(data, outside):
    write_extra(data, EXTRA_CONTROL + "  titel: Typo\n")
    return extra(
        6,
        "[0].titel: unknown key 'titel'",
        "remove 'titel' or correct its spelling; the keys allowed here are in generator/schema.py",
    )


@case
def missing_translation(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("    en: A control for the tests\n", ""))
    return extra(2, "[0].title.en: a required key is missing", "add the English text as 'en:' beside 'ja:'")


@case
def unknown_language(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("    en: A control for the tests\n", "    en: x\n    fr: y\n"))
    return extra(
        5,
        "[0].title.fr: unknown language 'fr'",
        "this knowledge base's languages are ja, en (kb.yaml 'languages'): remove it or add the language there",
    )


@case
def empty_required_text(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("en: A control for the tests", 'en: ""'))
    return extra(
        4, "[0].title.en: String should have at least 1 character (got '')", "write the text: it may not be empty"
    )


def pattern(line: int, path: str, got: str, regex: str, file: str = EXTRA) -> Expected:
    return Expected(
        shown(file),
        line,
        f"{path}: String should match pattern '{regex}' (got {got!r})",
        f"use a value of the form {regex}",
    )


SECTION_ID = r"^[a-z0-9]+([._-][a-z0-9]+)*$"


@case
def section_id_with_arabic_indic_digits(data, outside):
    write_extra(data, EXTRA_CONTROL.replace('"5.99"', '"5.٩٩"'))
    return pattern(1, "[0].id", "5.٩٩", SECTION_ID)


@case
def section_id_with_full_width_digits(data, outside):
    write_extra(data, EXTRA_CONTROL.replace('"5.99"', '"５.９９"'))
    return pattern(1, "[0].id", "５.９９", SECTION_ID)


@case
def section_id_with_a_trailing_line_break(data, outside):
    write_extra(data, EXTRA_CONTROL.replace('- id: "5.99"', '- id: "5.99\\n"'))
    return pattern(1, "[0].id", "5.99\n", SECTION_ID)


@case
def section_id_with_zero_width_space(data, outside):
    write_extra(data, EXTRA_CONTROL.replace('"5.99"', '"5.9\u200b9"'))
    return pattern(1, "[0].id", "5.9\u200b9", SECTION_ID)


@case
def slug_with_capitals(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="試験用語", en="Test term", reading="しけんようご"))
    (data / "glossary.yaml").write_text(
        (data / "glossary.yaml").read_text(encoding="utf-8").replace("- id: test-term", "- id: Test-Term"),
        encoding="utf-8",
    )
    return pattern(line, "[87].id", "Test-Term", "^[a-z0-9][a-z0-9-]*$", "glossary.yaml")


@case
def errata_id_with_full_width_digits(data, outside):
    path = data / "errata" / "01_front.yaml"
    text = path.read_text(encoding="utf-8")
    first = yaml.safe_load(text)[0]["id"]
    path.write_text(text.replace(f"id: {first}", "id: E００１", 1), encoding="utf-8")
    line = next(i for i, line in enumerate(text.splitlines(), 1) if f"id: {first}" in line)
    return pattern(line, "[0].id", "E００１", "^E[0-9]{3}$", "errata/01_front.yaml")


@case
def reference_url_javascript(data, outside):
    line = append(
        data, "references.yaml", "- id: test-ref\n  title: {ja: 試験, en: Test}\n  url: javascript:alert(1)\n"
    )
    path = f"[{_count(data, 'references.yaml') - 1}].url"
    return pattern(line + 2, path, "javascript:alert(1)", r"^https?://[^\s<>\"']+$", "references.yaml")


def _count(data: Path, relative: str) -> int:
    return len(yaml.safe_load((data / relative).read_text(encoding="utf-8")))


@case
def unknown_block_role(data, outside):
    write_extra(data, EXTRA_CONTROL + "  blocks:\n  - role: sidebar\n    paragraphs: [{ja: 注, en: Note}]\n")
    roles = "'heading', 'summary', 'requirement', 'examples', 'additional', 'paragraph', 'note', 'column', 'quote', "
    roles += "'table', 'figure', 'statement', 'guidance' or 'objective'"
    return extra(7, f"[0].blocks[0].role: Input should be {roles} (got 'sidebar')", f"use one of {roles}")


@case
def editorial_block_without_date(data, outside):
    write_extra(data, EXTRA_CONTROL + "  blocks:\n  - role: note\n    source: editorial\n"
                "    paragraphs: [{ja: 注, en: Note}]\n")  # fmt: skip
    return extra(
        7,
        "[0].blocks[0]: an editorial block needs the 'date' it was written",
        "correct the value (see guideline_data/README.md)",
    )


@case
def table_row_too_short(data, outside):
    table = (
        "  blocks:\n  - role: table\n    columns: [{ja: 一, en: One}, {ja: 二, en: Two}]\n"
        "    rows:\n    - [{ja: a, en: a}]\n"
    )
    write_extra(data, EXTRA_CONTROL + table)
    return extra(
        7, "[0].blocks[0]: table row 0 has 1 cells, expected 2", "correct the value (see guideline_data/README.md)"
    )


@case
def reading_not_kana(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="試験用語", en="Test term", reading="shiken"))
    return Expected(
        shown("glossary.yaml"),
        line + 4,
        "[87].reading: the reading 'shiken' is not hiragana or katakana",
        "write how the 'ja' term is read in kana",
    )


@case
def checklist_without_items(data, outside):
    (data / "checklists" / "99_test.yaml").write_text(CHECKLIST.format(id="test").replace("include: [CL3-001]\n", ""))
    return Expected(
        shown("checklists/99_test.yaml"),
        1,
        "a checklist needs 'items' or 'include'",
        "correct the value (see guideline_data/README.md)",
    )


# ---------------------------------------------------------------- interface strings (ui.yaml)


def ui_line(data: Path, text: str) -> tuple[int, str]:
    return append(data, "ui.yaml", text), shown("ui.yaml")


@case
def ui_placeholder_differs_between_languages(data, outside):
    """The generator fills in {n}: the English string's {count} would stop the build with a KeyError halfway."""
    line, file = ui_line(data, 'checklist.items_count: {ja: "{n} 項目", en: "{count} items"}\n')
    return Expected(
        file,
        line,
        "checklist.items_count.en: the interface string 'checklist.items_count' has the placeholder {count} in 'en', "
        "which the generator does not fill in",
        "use only {n} (as in generator/defaults/ui.yaml)",
    )


@case
def ui_placeholder_renamed_in_every_language(data, outside):
    line, file = ui_line(data, 'checklist.items_count: {ja: "{count} 項目", en: "{count} items"}\n')
    return Expected(
        file,
        line,
        "checklist.items_count.ja: the interface string 'checklist.items_count' has the placeholder {count} in 'ja', "
        "which the generator does not fill in",
        "use only {n} (as in generator/defaults/ui.yaml)",
    )


@case
def ui_lone_opening_brace(data, outside):
    line, file = ui_line(data, 'test.brace: {ja: "括弧 { だけ", en: "a brace"}\n')
    return Expected(
        file,
        line,
        "test.brace.ja: the interface string 'test.brace' has a brace that opens or closes no placeholder: "
        "'括弧 { だけ'",
        "write a placeholder as {name}; interface strings hold no other braces",
    )


@case
def ui_lone_closing_brace(data, outside):
    line, file = ui_line(data, 'test.brace: {ja: "括弧", en: "a } brace"}\n')
    return Expected(
        file,
        line,
        "test.brace.en: the interface string 'test.brace' has a brace that opens or closes no placeholder: 'a } brace'",
        "write a placeholder as {name}; interface strings hold no other braces",
    )


@case
def ui_attr_list_braces(data, outside):
    """What once put an onclick on a page heading through attr_list."""
    line, file = ui_line(data, 'test.heading: {ja: "見出し {: onclick=alert(1) }", en: "Heading"}\n')
    return Expected(
        file,
        line,
        "test.heading.ja: the interface string 'test.heading' has a placeholder that is not a plain name: {...}",
        "write a placeholder as {name} (lower-case letters, digits and _), without a format",
    )


@case
def ui_placeholder_with_a_format(data, outside):
    line, file = ui_line(data, 'test.count: {ja: "{n:>3} 項目", en: "{n:>3} items"}\n')
    return Expected(
        file,
        line,
        "test.count.ja: the interface string 'test.count' has a placeholder that is not a plain name: {n...}",
        "write a placeholder as {name} (lower-case letters, digits and _), without a format",
    )


@case
def ui_key_is_a_number(data, outside):
    line, file = ui_line(data, "1: {ja: 一, en: one}\n")
    return Expected(file, line, "the key 1 is not text", "quote it: '\"1\":'")


@case
def ui_key_is_true(data, outside):
    line, file = ui_line(data, 'yes: {ja: はい, en: "yes"}\n')
    return Expected(file, line, "the key True is not text", "quote it: '\"True\":'")


# ---------------------------------------------------------------- rules across files


@case
def duplicate_id(data, outside):
    text = (data / "references.yaml").read_text(encoding="utf-8")
    first = yaml.safe_load(text)[0]["id"]
    at = next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("- id:"))
    line = append(data, "references.yaml", f"- id: {first}\n  title: {{ja: 重複, en: Duplicate}}\n")
    path = f"[{_count(data, 'references.yaml') - 1}].id"
    return Expected(
        shown("references.yaml"),
        line,
        f"{path}: duplicate id {first!r} (first defined at guideline_data/references.yaml:{at})",
        "give each entry its own id",
    )


@case
def duplicate_checklist_item(data, outside):
    item = "items:\n- id: CL3-001\n  text: {ja: 重複, en: Duplicate}\n  section: '3.1'\n  block: summary\n"
    item += "  actor: executives\n  wording: editorial\n"
    (data / "checklists" / "99_test.yaml").write_text(CHECKLIST.format(id="test").replace("include: [CL3-001]\n", item))
    return Expected(
        shown("checklists/99_test.yaml"),
        6,
        "items[0].id: duplicate checklist item id 'CL3-001'",
        "item ids are stable and unique across all checklists",
    )


@case
def glossary_term_duplicated_in_other_width_and_case(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="ＣＳＩＲＴ", en="Test term", reading="しーさーと"))
    return Expected(
        shown("glossary.yaml"),
        line + 1,
        "[87].term: the term 'ＣＳＩＲＴ' duplicates glossary entry 'csirt' (ignoring case and full/half width)",
        "merge the two entries",
    )


@case
def dangling_reference(data, outside):
    text = "  blocks:\n  - role: paragraph\n    paragraphs:\n    - ja: 詳細は@5.9.9を参照。\n      en: See @5.9.9.\n"
    write_extra(data, EXTRA_CONTROL + text)
    return extra(9, "[0].blocks[0].paragraphs[0].ja: unknown reference '@5.9.9': no section with id '5.9.9'",
                 "did you mean '5.99'?")  # fmt: skip


@case
def dangling_term_reference(data, outside):
    text = "  blocks:\n  - role: paragraph\n    paragraphs:\n    - ja: '@term:no-such-term を参照。'\n      en: x\n"
    write_extra(data, EXTRA_CONTROL + text)
    return extra(
        9,
        "[0].blocks[0].paragraphs[0].ja: unknown reference '@term:no-such-term': no term with id 'no-such-term'",
        "use the id of an existing term, or write @@ for a literal @",
    )


@case
def unknown_reference_id(data, outside):
    write_extra(data, EXTRA_CONTROL + "  references: [no-such-document]\n")
    return extra(6, "[0].references[0]: unknown reference 'no-such-document'", "use the id of an existing reference")


@case
def unknown_actor(data, outside):
    write_extra(data, EXTRA_CONTROL + "  actors: [everybody]\n")
    return extra(6, "[0].actors[0]: unknown actor 'everybody'", "use the id of an existing actor")


@case
def unknown_related_term(data, outside):
    line = append(data, "glossary.yaml", TERM.format(ja="試験用語", en="Test term", reading="しけんようご"))
    (data / "glossary.yaml").write_text(
        (data / "glossary.yaml").read_text(encoding="utf-8") + "  related: [no-such-term]\n", encoding="utf-8"
    )
    return Expected(
        shown("glossary.yaml"),
        line + 9,
        "[87].related[0]: unknown glossary term 'no-such-term'",
        "use the id of an existing glossary term",
    )


@case
def unknown_included_item(data, outside):
    (data / "checklists" / "99_test.yaml").write_text(CHECKLIST.format(id="test").replace("CL3-001", "CL9-999"))
    return Expected(
        shown("checklists/99_test.yaml"),
        5,
        "include[0]: unknown checklist item 'CL9-999'",
        "use the id of an existing checklist item",
    )


@case
def unknown_implemented_section(data, outside):
    write_extra(data, EXTRA_CONTROL + '  implements: ["9.9"]\n')
    return extra(6, "[0].implements[0]: unknown section '9.9'", "did you mean '4.9'?")


@case
def circular_relation(data, outside):
    write_extra(data, EXTRA_CONTROL + '  implements: ["5.99"]\n')
    return extra(
        6,
        "[0].implements[0]: section 5.99 implements itself: a circular relation",
        "name the section that calls for this control",
    )


@case
def section_out_of_toc_order(data, outside):
    write_extra(data, EXTRA_CONTROL + EXTRA_CONTROL.replace('"5.99"', '"5.98"'))
    return extra(
        6, "[1].id: section 5.98 comes after 5.99: out of table-of-contents order", "move it to its place in the "
        "table of contents"
    )  # fmt: skip


@case
def section_without_parent(data, outside):
    write_extra(data, EXTRA_CONTROL.replace('"5.99"', '"5.99.1"'))
    return extra(1, "[0].id: section 5.99.1 has no parent section 5.99", "add 5.99")


@case
def control_without_category(data, outside):
    write_extra(data, EXTRA_CONTROL.replace("  category: technical\n", ""))
    return extra(1, "[0]: control 5.99 has no category", "add 'category:'")


@case
def unknown_change_status(data, outside):
    write_extra(data, EXTRA_CONTROL + "  status: renewed\n")
    return extra(6, "[0].status: unknown change status 'renewed'",
                 "did you mean 'new'? (kb.yaml lists them in change_statuses)")  # fmt: skip


@case
def corrected_error_back_in_the_text(data, outside):
    errata = [e for path in sorted((data / "errata").glob("*.yaml")) for e in yaml.safe_load(path.read_text("utf-8"))]
    erratum = next(e for e in errata if not e.get("seed_may_remain") and "\n" not in e["seed"] and e["corrected"])
    write_extra(data, EXTRA_CONTROL.replace("試験用の対策", erratum["seed"]))
    return extra(
        3,
        f"[0].title.ja: the extraction error {erratum['seed']!r} ({erratum['id']}) is back in the text",
        f"write {erratum['corrected']!r} as errata {erratum['id']} says",
    )


# ---------------------------------------------------------------- ids that would take a page's place


def reserved_checklist(data: Path, checklist_id: str, reason: str) -> Expected:
    (data / "checklists" / "99_test.yaml").write_text(CHECKLIST.format(id=checklist_id), encoding="utf-8")
    return Expected(
        shown("checklists/99_test.yaml"),
        1,
        f"id: the checklist id {checklist_id!r} is reserved: {reason}",
        f"choose another id, e.g. '{checklist_id}-checklist'",
    )


@case
def checklist_id_index(data, outside):
    return reserved_checklist(data, "index", "checklists/index.md is the overview of all checklists")


@case
def checklist_id_all(data, outside):
    return reserved_checklist(data, "all", "the checklist script uses 'all' for every checklist at once")


@case
def checklist_id_assessment(data, outside):
    return reserved_checklist(data, "assessment", "the checklist script uses 'assessment' for the self-assessment")


@case
def checklist_id_of_the_all_checklists_workbook(data, outside):
    reason = "its downloads would overwrite the workbook of all checklists (checklists-<language>.xlsx)"
    return reserved_checklist(data, "checklists", reason)


@case
def template_id_index(data, outside):
    path = sorted((data / "templates").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    first = yaml.safe_load(text)["id"]
    path.write_text(text.replace(f"id: {first}", "id: index", 1), encoding="utf-8")
    line = next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("id:"))
    return Expected(
        shown(f"templates/{path.name}"),
        line,
        "id: the template id 'index' is reserved: templates/index.md is the list of all templates",
        "choose another id, e.g. 'index-template'",
    )


# ---------------------------------------------------------------- running the cases


@dataclass(frozen=True)
class Workspace:
    pristine: Path  # the good data
    base: Path


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Workspace:
    base = tmp_path_factory.mktemp("bad-input")
    shutil.copytree(PROJECT / "guideline_data", base / "pristine")
    return Workspace(base / "pristine", base)


def test_there_are_many_kinds_of_bad_input():
    assert len(CASES) >= 75, len(CASES)


def _alarm(signum, frame):
    raise TimeoutError("the check hung")


@pytest.mark.parametrize("break_data", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_gives_its_exact_message(break_data, workspace, tmp_path):
    data, outside = tmp_path / "guideline_data", tmp_path / "outside"
    shutil.copytree(workspace.pristine, data)
    outside.mkdir()
    expected = break_data(data, outside)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)  # a named pipe must not hang the check (wall time: a pipe waits without using the processor)
    start = time.process_time()
    try:
        with pytest.raises(DataError) as caught:
            load_knowledge_base(data)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.process_time() - start < 10  # nor a bomb (processor time: the same on a loaded machine)
    messages = [str(p) for p in caught.value.problems]
    assert str(expected) in messages, "\n".join(messages)


# ---------------------------------------------------------------- output folders


@dataclass(frozen=True)
class Project:
    root: Path
    data: Path
    build: Path


@pytest.fixture
def project(tmp_path) -> Project:
    root = tmp_path / "project"
    (root / "guideline_data").mkdir(parents=True)
    (root / "guideline_data" / "actors.yaml").write_text("[]\n", encoding="utf-8")
    return Project(root, root / "guideline_data", root / "build")


def refused(site: Path, project: Project) -> list[str]:
    with pytest.raises(DataError) as caught:
        check_output_dirs(site, project.build, project.root, project.data)
    return [str(p) for p in caught.value.problems]


SITE_FIX = (
    "name a new or empty folder, or one an earlier build made (it holds .kb-site); to reuse another folder, "
    "empty it yourself first"
)


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        (".", "is the project folder"),
        ("..", "holds the project ({root})"),
        ("guideline_data", "is the data folder"),
        ("guideline_data/site", "is inside the data folder"),
        ("build", "overlaps the build folder (build/)"),
        ("guideline_data/actors.yaml", "is inside the data folder"),
    ],
)
def test_site_dir_that_would_lose_the_project_is_refused(project, where, reason):
    site = (project.root / where).resolve()
    [message] = refused(site, project)
    assert (
        message
        == f"{site}: the site folder {reason.format(root=project.root)}; nothing was touched\n    fix: {SITE_FIX}"
    )
    assert (project.data / "actors.yaml").read_text(encoding="utf-8") == "[]\n"


def test_site_dir_with_files_of_its_own_is_refused(project, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "report.txt").write_text("keep me", encoding="utf-8")
    (folder / "notes").mkdir()
    [message] = refused(folder, project)
    assert message == f"{folder}: the site folder holds files that no build made (notes, report.txt); nothing was " \
        f"touched\n    fix: {SITE_FIX}"  # fmt: skip
    assert (folder / "report.txt").read_text(encoding="utf-8") == "keep me"


def test_site_dir_that_is_a_file_is_refused(project, tmp_path):
    target = tmp_path / "site.html"
    target.write_text("x", encoding="utf-8")
    [message] = refused(target, project)
    assert message.startswith(f"{target}: the site folder is a file, not a folder; nothing was touched")
    [message] = refused(target / "site", project)
    assert message.startswith(f"{target / 'site'}: the site folder cannot be created: {target} is a file; nothing")


def test_site_dir_that_a_build_made_or_that_is_empty_is_accepted(project, tmp_path):
    empty, built = tmp_path / "empty", tmp_path / "built"
    empty.mkdir()
    built.mkdir()
    (built / ".kb-site").write_text("", encoding="utf-8")
    (built / "index.html").write_text("old site", encoding="utf-8")
    for site in (empty, built, tmp_path / "new"):
        check_output_dirs(site, project.build, project.root, project.data)
    assert (project.build / ".kb-build").is_file()


def test_build_dir_with_files_of_its_own_is_refused(project):
    project.build.mkdir()
    (project.build / "thesis.tex").write_text("keep me", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        check_output_dirs(None, project.build, project.root, project.data)
    assert str(caught.value.problems[0]).startswith(
        f"{project.build}: the build folder holds files that no build made (thesis.tex); nothing was touched"
    )
    assert (project.build / "thesis.tex").is_file()


def test_broken_mkdocs_yml_names_its_line(tmp_path):
    from generator.mkdocs_config import write_base_config

    project = tmp_path / "kb"
    project.mkdir()
    (project / "mkdocs.yml").write_text("site_name: x\ntheme:\n  name: material\n   palette: x\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        write_base_config(PROJECT, project, tmp_path / "out" / "mkdocs.yml")
    [message] = [str(p) for p in caught.value.problems]
    assert message.startswith("kb/mkdocs.yml:4: YAML syntax error: mapping values are not allowed here")


# ---------------------------------------------------------------- the real command, a few times


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command, as an editor types it, in a project copy."""
    path = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=project,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(folder: Path) -> dict:
    """What 'untouched' means: the same folder, the same files, the same modification times."""
    files = {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}
    return {"folder": folder.stat().st_ino, "files": files}


@pytest.fixture(scope="module")
def command_project(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("command") / "project")
    site = project / "site"  # the last good site, as an earlier build left it
    site.mkdir()
    (site / ".kb-site").write_text("", encoding="utf-8")
    (site / "index.html").write_text("<!doctype html><title>last good build</title>", encoding="utf-8")
    return project


def test_command_stops_with_file_and_line_and_keeps_the_site(command_project):
    data = command_project / "guideline_data"
    original = (data / "actors.yaml").read_text(encoding="utf-8")
    (data / "actors.yaml").write_text(original + "- id: x\n  name: {ja: a, en: b\n", encoding="utf-8")
    before = snapshot(command_project / "site")
    try:
        result = run(command_project, "build")
    finally:
        (data / "actors.yaml").write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    line = original.count("\n") + 3
    assert f"guideline_data/actors.yaml:{line}: YAML syntax error" in result.stderr, result.stderr
    assert "The build stopped; site/ was left as it was." in result.stderr
    assert snapshot(command_project / "site") == before
    assert not list(command_project.glob(".site.new-*")), "a failed build left its staging folder behind"


def test_command_check_stops_an_alias_bomb_at_once(command_project):
    data = command_project / "guideline_data"
    original = (data / "document.yaml").read_text(encoding="utf-8")
    alias_bomb(data, command_project)
    start = time.perf_counter()
    try:
        result = run(command_project, "check")
    finally:
        (data / "document.yaml").write_text(original, encoding="utf-8")
    assert time.perf_counter() - start < 30  # the process, Python's start-up included
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "guideline_data/document.yaml:2: the file uses anchored data (&name) through aliases" in result.stderr


def test_command_refuses_to_build_over_the_project(command_project):
    before = snapshot(command_project / "guideline_data")
    result = run(command_project, "build", "--site-dir", ".")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert f"{command_project}: the site folder is the project folder; nothing was touched" in result.stderr
    assert snapshot(command_project / "guideline_data") == before
    assert (command_project / "mkdocs.yml").is_file()


def test_link_out_of_the_assets_is_refused(tmp_path):
    """A symbolic link in docs/assets would publish its target (a key, a password file) as a file of the site."""
    from generator.files import files_under

    assets, secret = tmp_path / "docs" / "assets", tmp_path / "secret.txt"
    assets.mkdir(parents=True)
    secret.write_text("private", encoding="utf-8")
    (assets / "kb.css").write_text("body {}", encoding="utf-8")
    (assets / "leak.css").symlink_to(secret)
    (assets / "loop.css").symlink_to(assets / "loop.css")
    with pytest.raises(DataError) as caught:
        files_under(assets, "docs/assets")
    assert [str(p) for p in caught.value.problems] == [
        f"docs/assets/leak.css: this link leads out of docs/assets (to {secret}): only files inside it are read\n"
        f"    fix: {OUTSIDE_FIX}",
        f"docs/assets/loop.css: this link leads back to itself (a loop of symbolic links)\n    fix: {LINK_FIX}",
    ]
    (assets / "leak.css").unlink()
    (assets / "loop.css").unlink()
    assert files_under(assets, "docs/assets") == [assets / "kb.css"]


# ---------------------------------------------------------------- one path policy: a knowledge base's own theme


def own_project(tmp_path: Path) -> Path:
    """A knowledge base of its own (the fixture's data) in `tmp_path`/kb, beside a secret file and folder."""
    project = tmp_path / "kb"
    shutil.copytree(FIXTURE_DATA, project / "guideline_data")
    (tmp_path / "secret.txt").write_text("private", encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "key.pem").write_text("private", encoding="utf-8")
    return project


def test_links_out_of_a_knowledge_bases_own_overrides_are_refused(tmp_path):
    """A knowledge base is often someone else's: a link in its overrides/ must not publish /etc/passwd, nor copy
    /etc into build/."""
    project = own_project(tmp_path)
    overrides = project / "overrides"
    (overrides / "assets").mkdir(parents=True)
    (overrides / "main.html").write_text('{% extends "base.html" %}\n', encoding="utf-8")
    (overrides / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (overrides / "assets" / "leak.css").symlink_to(tmp_path / "secret.txt")
    (overrides / "etcdir").symlink_to(tmp_path / "secrets")
    out = f"only files inside it are read\n    fix: {OUTSIDE_FIX}"
    build_refused(
        project,
        f"overrides/assets/leak.css: this link leads out of overrides (to {tmp_path}/secret.txt): {out}",
        f"overrides/etcdir: this link leads out of overrides (to {tmp_path}/secrets): {out}",
        f"overrides/leak.txt: this link leads out of overrides (to {tmp_path}/secret.txt): {out}",
    )
    assert not (project / "site").exists()
    assert not [p for p in (project / "build").rglob("*") if p.is_file() and p.read_bytes() == b"private"]
    for link in ("leak.txt", "assets/leak.css", "etcdir"):
        (overrides / link).unlink()
    (overrides / "inside.html").symlink_to(overrides / "main.html")  # a link that stays inside is followed
    result = run(project, "build")
    assert result.returncode == 0, result.stderr
    assert (project / "build" / "overrides" / "inside.html").read_text(
        encoding="utf-8"
    ) == '{% extends "base.html" %}\n'


def test_a_theme_folder_or_mkdocs_yml_that_leads_out_is_refused(tmp_path):
    project = own_project(tmp_path)
    (project / "docs").mkdir()
    (project / "docs" / "assets").symlink_to(tmp_path / "secrets")
    (project / "mkdocs.yml").symlink_to(tmp_path / "secret.txt")
    out = f"only files inside it are read\n    fix: {OUTSIDE_FIX}"
    build_refused(project, f"kb/mkdocs.yml: this link leads out of kb (to {tmp_path}/secret.txt): {out}")
    (project / "mkdocs.yml").unlink()
    build_refused(project, f"docs/assets: this link leads out of kb (to {tmp_path}/secrets): {out}")


def test_a_knowledge_bases_own_theme_template_that_cannot_be_used_is_named_with_its_line(tmp_path):
    """A template of its overrides/ that Jinja cannot compile: its own file and line, once for every language, and
    no traceback; the same when its one language's pages are built in two processes (one of them forked)."""
    project = own_project(tmp_path)
    (project / "overrides").mkdir()
    (project / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}\n\n{% block content %}{{ page.content | no_such_filter }}{% endblock %}\n'
    )
    problem = (
        "kb/overrides/main.html:3: this theme template cannot be used: No filter named 'no_such_filter'.\n"
        "    fix: correct the template: Jinja's syntax, with the filters and values Material's templates have"
    )
    build_refused(project, problem)
    shutil.rmtree(project / "guideline_data")
    shutil.copytree(PROJECT / "examples" / "en-demo" / "guideline_data", project / "guideline_data")  # English only
    build_refused(project, problem)


def build_refused(project: Path, *problems: str) -> None:
    """`build` of `project` stops with exactly these problems (and no traceback)."""
    result = run(project, "build")
    head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the data:\n"
    said = head + "".join(f"{problem}\n" for problem in problems) + "The build stopped; site/ was left as it was.\n"
    assert result.returncode == 1 and result.stderr == said, result.stderr


# ---------------------------------------------------------------- an organisation's logo

OVERLAY_DEMO = PROJECT / "examples" / "overlay-demo" / "overlay"


def png(width: int, height: int) -> bytes:
    """A PNG's signature and header for an image of that size (and no pixels): what a reader's browser reads to
    decide how much memory to take."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


LOGO_SIZE = "the limit is 2,000 pixels a side\n    fix: scale the image down (the header shows it about 48 pixels high)"
LOGO_CASES = {  # the logo's name, its content (or the file it links to), and the problem
    "script-in-name": ('x"><img src=x onerror=alert(1)>.png', png(10, 10),
                       "the logo's file name 'x\"><img src=x onerror=alert(1)>.png' holds characters other than "
                       "letters, digits, '.', '_' and '-'\n    fix: rename the image file, e.g. logo.png"),
    "20000x20000": ("huge.png", png(20_000, 20_000), f"the logo has more than 178,956,970 pixels; {LOGO_SIZE}"),
    "too-wide": ("wide.png", png(3_000, 40), f"the logo is 3,000×40 pixels; {LOGO_SIZE}"),
    "wrong-format": ("photo.jpg", png(10, 10), "the logo 'photo.jpg' holds a PNG image, not what its name says\n"
                     "    fix: save it in the format its name ends with"),
    "not-an-image": ("broken.png", b"\x89PNG\r\n\x1a\nnot a png", "the logo 'broken.png' cannot be read as an image"),
    "link-out": ("leak.png", OVERLAY_DEMO / "logo.png",
                 "the logo 'leak.png': this link leads out of overlay (to {demo}/logo.png): only files inside it are "
                 "read\n    fix: copy the file itself into the folder, or delete the link"),
}  # fmt: skip


@pytest.mark.parametrize(("logo", "content", "expected"), LOGO_CASES.values(), ids=LOGO_CASES.keys())
def test_a_logo_is_a_small_image_with_a_plain_name_inside_the_overlay(linked, tmp_path, logo, content, expected):
    from generator.overlay import load_overlay

    folder = shutil.copytree(OVERLAY_DEMO, tmp_path / "overlay")
    if isinstance(content, Path):
        (folder / logo).symlink_to(content)
    else:
        (folder / logo).write_bytes(content)
    organisation = folder / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    organisation.write_text(text.replace("logo: logo.png", f"logo: {json.dumps(logo)}"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_overlay(folder, linked)
    (problem,) = [str(p) for p in caught.value.problems]
    assert problem.startswith("overlay/organisation.yaml:4: logo: " + expected.format(demo=OVERLAY_DEMO.resolve()))


# ---------------------------------------------------------------- one build at a time, the right site


@pytest.fixture(scope="module")
def own_built(tmp_path_factory) -> Paths:
    """The fixture knowledge base, built once; the tests below build it again after breaking its build folder."""
    project = tmp_path_factory.mktemp("own") / "kb"
    shutil.copytree(FIXTURE_DATA, project / "guideline_data")
    paths = Paths.of(project)
    build(paths)
    return paths


def test_one_build_at_a_time_in_a_build_folder(own_built):
    from generator.publish import build_lock

    before = snapshot(own_built.site)
    with build_lock(own_built.build):
        result = run(own_built.project, "build")
    holder = f"pid {os.getpid()}: {shlex.join(['python', '-m', 'generator', *sys.argv[1:]])}"
    assert result.returncode == 1 and result.stderr == (
        "1 problem in the data:\n"
        f"{own_built.build}: another build is using this build folder ({holder}); nothing was touched\n"
        "    fix: wait for it to end and run this again, or stop it (serve builds again at the next save)\n"
        "The build stopped; site/ was left as it was.\n"
    )
    assert snapshot(own_built.site) == before
    assert run(own_built.project, "build").returncode == 0  # the lock went with the process that held it


def test_pages_changed_in_the_build_folder_are_never_published(own_built):
    """A page of build/<lang>/site edited (a script added) or cut short since the last build: the next build, of the
    same data, builds every page again and publishes what the data makes."""
    built = own_built.build / "ja" / "site"
    home, glossary = built / "index.html", built / "glossary" / "index.html"
    good_home, good_glossary = (
        (own_built.site / "index.html").read_bytes(),
        (own_built.site / "glossary" / "index.html").read_bytes(),
    )
    home.write_bytes(home.read_bytes().replace(b"</body>", b"<script>alert(document.domain)</script></body>"))
    glossary.write_bytes(glossary.read_bytes()[:100])
    (built / "planted.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    changelog = own_built.data / "changelog.yaml"  # a change that every language builds again in part
    changelog.write_text(changelog.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    report = build(own_built)
    assert report.mkdocs["ja"] == "all pages (the built pages were changed outside a build)"
    assert b"alert(document.domain)" not in (own_built.site / "index.html").read_bytes()
    assert (own_built.site / "index.html").read_bytes() == good_home
    assert (own_built.site / "glossary" / "index.html").read_bytes() == good_glossary
    assert not (own_built.site / "planted.html").exists()


def test_killed_builds_leftovers_are_removed_and_the_site_is_never_missing(own_built, tmp_path):
    from generator.publish import _swap

    parent = own_built.site.parent
    for name in (".site.new-x1y2z3", ".site.old-1765000000"):
        (parent / name / "guideline").mkdir(parents=True)
        (parent / name / "index.html").write_text("half a site", encoding="utf-8")
    other = parent / ".other.new-abc"  # another site's: not ours to remove
    other.mkdir()
    build(own_built)
    assert sorted(p.name for p in parent.iterdir() if p.name.startswith(".")) == [".other.new-abc"]

    # The swap: site/ is there at every moment, old or new (a reader polls it while it is swapped 200 times).
    site, missing, done = tmp_path / "site", [], threading.Event()
    site.mkdir()
    (site / "index.html").write_text("0", encoding="utf-8")

    def watch():
        while not done.is_set():
            if not (site / "index.html").exists():
                missing.append(time.perf_counter())

    watcher = threading.Thread(target=watch)
    watcher.start()
    for number in range(1, 201):
        staging = tmp_path / f".site.new-{number}"
        staging.mkdir()
        (staging / "index.html").write_text(str(number), encoding="utf-8")
        _swap(staging, site)
    done.set()
    watcher.join()
    assert missing == [] and (site / "index.html").read_text(encoding="utf-8") == "200"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# ---------------------------------------------------------------- file-system errors: where, the real cause, its fix


def test_file_system_errors_name_the_path_being_written_and_their_own_cause(tmp_path):
    """Each error made by the real operation: a full disk (/dev/full) while writing a file, a folder asked for inside
    a file, a missing file, a name longer than the file system allows."""
    from generator.cli import os_problem
    from generator.write import write_if_changed

    paths = Paths.of(tmp_path)
    source = tmp_path / "page.html"
    source.write_text("<p>page</p>", encoding="utf-8")
    said = []
    for operation in (
        lambda: write_if_changed(Path("/dev/full"), b"x" * 100),
        lambda: (source / "inside").mkdir(),
        lambda: (tmp_path / "gone.html").read_bytes(),
        lambda: (tmp_path / ("a" * 300)).mkdir(),
    ):
        with pytest.raises(OSError) as caught:
            operation()
        said.append(os_problem(caught.value, paths))
    assert said == [
        "/dev/full: No space left on device\n    fix: the disk is full: free some space on it and run it again",
        f"{source}/inside: Not a directory\n"
        "    fix: a part of that path is a file, not a folder: move the file away or name another folder",
        f"{tmp_path}/gone.html: No such file or directory\n    fix: a file or folder on the way is missing (moved or "
        "deleted while this ran?): check the path and run it again",
        f"{tmp_path}/{'a' * 300}: File name too long\n"
        "    fix: a name on that path is longer than the file system allows: use shorter folder or file names",
    ]


def test_a_site_folder_name_too_long_is_said_as_such(own_built, tmp_path):
    site = tmp_path / ("s" * 300)
    result = run(own_built.project, "build", "--site-dir", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr == (
        f"1 problem in the data:\n{site}: the site folder cannot be made: the name {'s' * 20}…{'s' * 12} is 300 "
        "bytes long, the file system's limit is 255 (a site's new version is made beside it, named .<its name>.new-"
        "XXXXXXXX); nothing was touched\n    fix: name a new or empty folder, or one an earlier build made (it holds "
        f".kb-site); to reuse another folder, empty it yourself first\nThe build stopped; {site}/ was left as it was.\n"
    )


def test_new_into_a_file_says_it_is_a_file(tmp_path):
    (tmp_path / "kb").write_text("mine", encoding="utf-8")
    result = run(tmp_path, "new", "kb")
    assert result.returncode == 1 and result.stderr == (
        "kb: this is a file, not a folder: nothing was written\n    fix: name a new folder\n"
    )
    assert (tmp_path / "kb").read_text(encoding="utf-8") == "mine"


def test_links_planted_in_the_build_folder_are_never_written_through(own_built, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("mine", encoding="utf-8")
    page = own_built.build / "ja" / "docs" / "index.md"
    page.unlink()
    page.symlink_to(outside)
    (own_built.build / "ja" / "docs" / "elsewhere").symlink_to(tmp_path)
    changelog = own_built.data / "changelog.yaml"
    changelog.write_text(changelog.read_text(encoding="utf-8") + "\n# edited again\n", encoding="utf-8")
    build(own_built)
    assert outside.read_text(encoding="utf-8") == "mine" and sorted(p.name for p in tmp_path.iterdir()) == [
        "outside.md"
    ]
    assert not page.is_symlink() and "---" in page.read_text(encoding="utf-8")


def test_a_knowledge_bases_own_mkdocs_yml_runs_no_code_and_names_no_file_outside(tmp_path):
    from generator.mkdocs_config import write_base_config

    project = tmp_path / "kb"
    project.mkdir()
    (project / "mkdocs.yml").write_text(
        "site_name: x\nhooks: [evil.py]\nINHERIT: /etc/mkdocs.yml\ntheme:\n  custom_dir: /etc\n"
        "extra:\n  slug: !!python/object/apply:os.system [touch pwned]\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        write_base_config(PROJECT / "generator" / "defaults", project, tmp_path / "out" / "mkdocs.yml")
    assert [str(p) for p in caught.value.problems] == [
        "kb/mkdocs.yml:2: hooks: a knowledge base's mkdocs.yml may not run code or name files outside it\n"
        "    fix: remove 'hooks:'",
        "kb/mkdocs.yml:3: INHERIT: a knowledge base's mkdocs.yml may not run code or name files outside it\n"
        "    fix: remove 'INHERIT:'",
        "kb/mkdocs.yml:4: theme.custom_dir: a knowledge base's mkdocs.yml may not run code or name files outside it\n"
        "    fix: remove 'custom_dir:'",
        "kb/mkdocs.yml:7: the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not plain data\n"
        "    fix: write a plain value (a string, number, list or mapping) without a tag",
    ]
    assert not (tmp_path / "out").exists() and not (tmp_path / "pwned").exists()
