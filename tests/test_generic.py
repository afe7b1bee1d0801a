"""The generator names no guideline: no section number, annex, title or issuer of one in its code, templates or
default strings. What a knowledge base is lives in its kb.yaml and its data."""

from __future__ import annotations

import re

from .conftest import PROJECT

GENERATOR = PROJECT / "generator"
# This guideline's name and issuer, its edition, and a quoted section number such as "4.1.4", ("3.", "4.") or "5".
SPECIFIC = re.compile(
    r"航空|aviation|概要版|overview edition|国土交通|MLIT|NISC|avsec|令和6年|April 2024"
    r"|(?<!=)[\"'][3-7](?:\.[0-9]+){0,3}\.?[\"']|annex-[0-9]",  # an attribute's value (data-x="3") is no section
    re.IGNORECASE,
)


# A branch on a language code, in Python, Jinja or JavaScript: `== "ja"`, `!= 'en'`, `.ja`, `["en"]`, `("ja", "en")`.
LANGUAGE_BRANCH = re.compile(
    r"""(==|!=|\bin)\s*\(?["'](ja|en|zh[-\w]*)["']|\.(ja|en)\b(?!-)|\[["'](ja|en)["']\]|\(["'](ja|en)["'],\s*["']"""
)
# Pagefind's own list of the languages it cuts into words with a dictionary: a fact about Pagefind, not a choice.
PAGEFIND_FACT = "DICTIONARY_SEGMENTED = "


def generator_lines(suffixes: tuple[str, ...], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every line of the generator's files of these kinds, as ("path:number", line); folders in `skip` left out."""
    lines = []
    for path in sorted(GENERATOR.rglob("*")):
        if path.suffix not in suffixes or {"__pycache__", *skip} & set(path.parts):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            lines.append((f"{path.relative_to(PROJECT)}:{number}", line))
    return lines


def test_no_guideline_specific_literal_in_the_generator():
    """Its code, templates, default strings, theme and assets; the starter is data (a fictional knowledge base), and
    the browser libraries in vendor/ are others' code, unchanged (wanakana's VERSION = "5.3.1" is no section)."""
    kinds = (".py", ".j2", ".yaml", ".yml", ".html", ".js", ".css")
    found = [f"{where}: {line.strip()[:100]}" for where, line in generator_lines(kinds, ("starter", "vendor"))
             if SPECIFIC.search(line)]  # fmt: skip
    assert not found, "\n".join(found)


def test_no_code_template_or_asset_of_the_generator_branches_on_a_language():
    """Language is data (generator/defaults/ui.yaml): nothing the generator runs or serves names a language."""
    lines = generator_lines((".py", ".j2", ".html", ".js", ".css"), ("starter",))
    branches = [(where, line) for where, line in lines if LANGUAGE_BRANCH.search(line) and "lang=" not in line]
    found = [f"{where}: {line.strip()}" for where, line in branches if not line.startswith(PAGEFIND_FACT)]
    assert found == []
