"""The generator names no guideline: no section number, annex, title or issuer of one in its code, templates or
default strings. What a knowledge base is lives in its kb.yaml and its data."""

from __future__ import annotations

import re

from .conftest import PROJECT

GENERATOR = PROJECT / "generator"
# This guideline's name and issuer, its edition, and a quoted section number such as "4.1.4", ("3.", "4.") or "5".
SPECIFIC = re.compile(
    r"航空|aviation|概要版|overview edition|国土交通|MLIT|NISC|avsec|令和6年|April 2024"
    r"|[\"'][3-7](?:\.[0-9]+){0,3}\.?[\"']|annex-[0-9]",
    re.IGNORECASE,
)


def test_no_guideline_specific_literal_in_the_generator():
    found = []
    for path in sorted(GENERATOR.rglob("*")):
        if path.suffix not in (".py", ".j2", ".yaml", ".html", ".js") or "__pycache__" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SPECIFIC.search(line):
                found.append(f"{path.relative_to(PROJECT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)
