"""Stage 6, site: MkDocs builds each language, Pagefind indexes them, and the result replaces site/ atomically."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from .errors import DataError, Problem


@dataclass
class SiteTimings:
    mkdocs: dict[str, float]
    search: float


def build_site(configs: dict[str, Path], site_dir: Path) -> SiteTimings:
    """Build every language into a fresh folder beside site/, then swap it in. A failure leaves site/ as it was."""
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-new-", dir=site_dir.parent))
    try:
        timings = {}
        root = next(iter(configs))  # the configs come in the knowledge base's order: the root language first
        for code in configs:
            out = staging if code == root else staging / code
            start = time.perf_counter()
            _mkdocs(configs[code], out)
            timings[code] = time.perf_counter() - start
        start = time.perf_counter()
        index_search(staging)
        search = time.perf_counter() - start
        mark_site(staging)
        _swap(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteTimings(mkdocs=timings, search=search)


class _Warnings(logging.Handler):
    """Keeps MkDocs' warnings, so that a failed build reports them instead of a bare count."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _mkdocs(config_file: Path, out: Path) -> None:
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    warnings = _Warnings()
    logger.addHandler(warnings)
    try:
        config = load_config(config_file=str(config_file), site_dir=str(out), strict=True)
        mkdocs_build(config)
    except (MkDocsException, SystemExit) as error:
        problems = [Problem(str(config_file), None, message, "") for message in warnings.messages[:MAX_SHOWN]]
        more = len(warnings.messages) - MAX_SHOWN
        summary = f"MkDocs could not build the site: {error}" + (
            f" ({more} more warnings not shown)" if more > 0 else ""
        )
        problems.append(Problem(str(config_file), None, summary, "the warnings above name the page and the problem"))
        raise DataError(problems) from None
    finally:
        logger.removeHandler(warnings)


MAX_SHOWN = 20


def index_search(site: Path) -> None:
    """Pagefind (extended, for Japanese segmentation) writes one index per <html lang> into site/pagefind/."""
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--quiet"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise DataError([Problem(str(site), None, f"Pagefind failed: {result.stderr.strip() or result.stdout.strip()}",
                                 "check that the pagefind[extended] package is installed")])  # fmt: skip


def _swap(staging: Path, site_dir: Path) -> None:
    old = None
    if site_dir.exists():
        old = site_dir.with_name(f".site-old-{time.time_ns()}")
        site_dir.rename(old)
    staging.rename(site_dir)
    if old:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- which folders a build may replace

SITE_MARKER = ".kb-site"  # in every site this generator builds: only a folder holding it is ever replaced
BUILD_MARKER = ".kb-build"  # the same for the build folder (each language's Markdown and MkDocs config)
MARKER_TEXT = (
    "Built by `python -m generator build`. The next build replaces this folder whole: keep nothing else here.\n"
)


def check_output_dirs(site_dir: Path | None, build_dir: Path, project: Path, data: Path) -> None:
    """Before anything is written: refuse a site or build folder whose replacement would lose something — the project,
    a folder above it, the data, or an existing folder that no earlier build made. Then mark the build folder."""
    project, data = project.resolve(), data.resolve()
    problems = []
    for folder, kind, marker in ((site_dir, "site", SITE_MARKER), (build_dir, "build", BUILD_MARKER)):
        if folder is not None:
            reason = _unsafe(folder.resolve(), kind, marker, project, data, build_dir.resolve())
            if reason:
                problems.append(
                    Problem(str(folder.resolve()), None, f"the {kind} folder {reason}; nothing was touched", _FIX[kind])
                )
    if problems:
        raise DataError(problems)
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / BUILD_MARKER).write_text(MARKER_TEXT, encoding="utf-8")


_FIX = {
    "site": "name a new or empty folder, or one an earlier build made (it holds .kb-site); to reuse another folder, "
    "empty it yourself first",
    "build": "move or delete that folder yourself: the build keeps its working files there",
}


def _unsafe(folder: Path, kind: str, marker: str, project: Path, data: Path, build: Path) -> str | None:
    """Why `folder` may not be replaced, or None."""
    if project.is_relative_to(folder):
        return "is the project folder" if folder == project else f"holds the project ({project})"
    if folder.is_relative_to(data) or data.is_relative_to(folder):
        return "is inside the data folder" if folder != data else "is the data folder"
    if kind == "site" and (folder.is_relative_to(build) or build.is_relative_to(folder)):
        return "overlaps the build folder (build/)"
    if not os.path.lexists(folder):
        parent = next(p for p in folder.parents if p.exists())
        return None if os.access(parent, os.W_OK) else f"cannot be created: {parent} is not writable"
    if not folder.is_dir():
        return "is a file, not a folder"
    if (folder / marker).is_file() or _legacy(folder, kind, project):
        return None
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return None
    shown = ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")
    return f"holds files that no build made ({shown})"


def _legacy(folder: Path, kind: str, project: Path) -> bool:
    """The project's own site/ and build/ from before the marker existed."""
    if kind == "site":
        return folder == project / "site" and (folder / "index.html").is_file() and (folder / "pagefind").is_dir()
    if folder != project / "build":
        return False
    configs = (p / "mkdocs.yml" for p in folder.iterdir())
    return any(
        c.is_file() and c.read_text(encoding="utf-8", errors="replace").startswith("# Generated by") for c in configs
    )


def mark_site(staging: Path) -> None:
    (staging / SITE_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
