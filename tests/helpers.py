"""Helpers for the tests: a private copy of the real data, or of the small fixture knowledge base, to break."""

import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# A small, plainly fictional knowledge base (ja+en, controls in chapter 2): for the unit tests that need some
# knowledge base, not this guideline's content.
FIXTURE_DATA = PROJECT / "tests" / "fixtures" / "kb" / "guideline_data"


SOURCES = ("guideline_data", "overrides", "docs", "mkdocs.yml")  # what a build reads of the project


def copy_project(target: Path, names: tuple[str, ...] = SOURCES, source: Path = PROJECT) -> Path:
    """A copy of `names` of the project (its sources, by default) in `target`: a project to build, break or serve.
    Python's byte-code caches stay behind."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, target / name)
    return target


def copy_data(tmp_path: Path) -> Path:
    """A private copy of the real data (this guideline's content)."""
    return _copy(PROJECT / "guideline_data", tmp_path)


def copy_fixture(tmp_path: Path) -> Path:
    """A private copy of the fixture knowledge base (a few files: quick to copy and to load)."""
    return _copy(FIXTURE_DATA, tmp_path)


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "guideline_data"
    shutil.copytree(source, target)
    return target
