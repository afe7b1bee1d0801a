"""One page of every kind the site has, by URL under a language's root: what the browser quality gates visit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

# The aviation knowledge base's languages, as its kb.yaml names them; the first is served at the site root.
KB_CONFIG = yaml.safe_load((Path(__file__).parent.parent / "guideline_data" / "kb.yaml").read_text(encoding="utf-8"))
LANGUAGES = tuple(KB_CONFIG["languages"])
DEFAULT_LANGUAGE = LANGUAGES[0]
LANGUAGE_ROOTS = {code: "" if code == DEFAULT_LANGUAGE else f"{code}/" for code in LANGUAGES}

# Kinds every build has.
CORE = {
    "home": "",
    "chapter": "guideline/3/",
    "section": "guideline/4-2-1/",
    "control": "guideline/5-4-6/",
    "controls overview": "controls/",
    "glossary": "glossary/",
    "references": "references/",
    "changes": "changes/",
    "errata": "errata/",
    "csf": "csf/",
}
# Kinds that features add; "*" stands for the first page of a folder (one checklist, one template).
FEATURES = {
    "checklists": "checklists/",
    "checklist": "checklists/*/",
    "self-assessment": "assessment/",
    "rollup": "checklists/rollup/",
    "map": "checklists/map/",
    "templates": "templates/",
    "template": "templates/*/",
    "downloads": "downloads/",
    "print": "print/",
}
PAGE_KINDS = {**CORE, **FEATURES}


def find_page(site: Path, language: str, kind: str) -> str | None:
    """The URL of `kind` under the language root, relative to the server's base URL; None if it is not built."""
    root = LANGUAGE_ROOTS[language]
    pattern = PAGE_KINDS[kind]
    if "*" in pattern:
        folder = site / root / pattern.split("*")[0]
        pages = sorted(p.parent for p in folder.glob("*/index.html")) if folder.is_dir() else []
        return pages[0].relative_to(site).as_posix() + "/" if pages else None
    return root + pattern if (site / root / pattern / "index.html").is_file() else None


def page_url(site: Path, language: str, kind: str) -> str:
    """As `find_page`, skipping the test when a feature has not built its page yet."""
    url = find_page(site, language, kind)
    if url is None:
        pytest.skip(f"no {kind} page in the site yet ({LANGUAGE_ROOTS[language]}{PAGE_KINDS[kind]})")
    return url


def every_kind() -> list:
    """pytest parameters: (language, kind) for every kind in both languages."""
    return [pytest.param(language, kind, id=f"{language}-{kind}") for language in LANGUAGE_ROOTS for kind in PAGE_KINDS]
