"""Stage 6, site: MkDocs builds each language, Pagefind indexes them, and the result replaces site/ atomically.

The languages are built at the same time, one process each (MkDocs keeps global state: it is not thread-safe), into
folders kept between builds (build/<code>/site). There MkDocs renders again only the pages whose Markdown the write
stage changed, when nothing that every page shows has changed since the last build (see `site_fingerprint`);
otherwise, and whenever a page loses an anchor that another page might link to, it builds every page. The languages'
folders are then put together in a fresh folder beside site/ (files that did not change are hard links to the
current site's), Pagefind indexes it and it replaces site/.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from .errors import DataError, Problem


def publish(configs: dict[str, Path], site_dir: Path) -> tuple[float, float]:
    """Put the languages' built folders together in a fresh folder beside site/ (the root language at its root, the
    others under their code), index it with Pagefind and swap it in; returns the seconds of the first two steps. A
    failure leaves site/ as it was."""
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    root = next(iter(configs))  # the configs come in the knowledge base's order: the root language first
    staging = Path(tempfile.mkdtemp(prefix=".site-new-", dir=site_dir.parent))
    try:
        start = time.perf_counter()
        changed = []
        for code, config in configs.items():
            changed += assemble(output_of(config), staging, "" if code == root else code, site_dir)
        assembled = time.perf_counter() - start
        start = time.perf_counter()
        if not reuse_search(staging, site_dir, changed):
            index_search(staging)
        search = time.perf_counter() - start
        mark_site(staging)
        _swap(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return assembled, search


# ---------------------------------------------------------------- one process per language


class ChildFailed(RuntimeError):
    """A parallel job failed with an error that is not about the data; carries its traceback."""


_JOBS: list[Callable[[], Any]] = []


def in_parallel(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in a process of its own, forked from this one (so it has the loaded data and modules), when the
    machine has a core for more than one; else here, one after the other. Returns the jobs' results in order; the
    problems of every failed job are raised together as one DataError."""
    workers = min(len(jobs), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [job() for job in jobs]
    global _JOBS
    _JOBS = jobs  # the workers are forked on the first submit, after this
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            outcomes = list(pool.map(_run_job, range(len(jobs))))
    finally:
        _JOBS = []
    problems = [problem for kind, value in outcomes if kind == "data" for problem in value]
    crashes = [value for kind, value in outcomes if kind == "crash"]
    if crashes:
        raise ChildFailed(crashes[0])
    if problems:
        raise DataError(problems)
    return [value for _, value in outcomes]


def _run_job(number: int) -> tuple[str, Any]:
    try:
        return "ok", _JOBS[number]()
    except DataError as error:  # its problems travel; the exception itself does not pickle with them
        return "data", error.problems
    except BaseException:  # noqa: BLE001 - reported by the parent, with the child's traceback
        return "crash", traceback.format_exc()


# ---------------------------------------------------------------- MkDocs, one language


def output_of(config_file: Path) -> Path:
    return config_file.parent / "site"


def build_language(config_file: Path) -> tuple[float, str]:
    """MkDocs for one language into build/<code>/site; returns the seconds and which pages it built."""
    out, state_file = output_of(config_file), config_file.parent / "site-state.json"
    fingerprint, heads = site_fingerprint(config_file)
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    state_file.unlink(missing_ok=True)  # a build that fails half-way leaves no state: the next one builds all pages
    start = time.perf_counter()
    if isinstance(state, dict) and state.get("fingerprint") == fingerprint and out.is_dir():
        try:
            anchors, mode = _mkdocs(config_file, out, _Unchanged(state.get("anchors", {}), heads)), "changed pages"
        except _NeedsFullBuild as reason:
            anchors, mode = _mkdocs(config_file, out, None), f"all pages ({reason})"
    else:
        reason = "first build" if not state else "the navigation, theme or configuration changed"
        anchors, mode = _mkdocs(config_file, out, None), f"all pages ({reason})"
    state_file.write_text(json.dumps({"fingerprint": fingerprint, "anchors": anchors}), encoding="utf-8")
    return time.perf_counter() - start, mode


def site_fingerprint(config_file: Path) -> tuple[str, dict[str, str]]:
    """What every page of a language shows besides its own Markdown: the configuration (site name, navigation), the
    configuration it inherits, the theme overrides, the hooks, the versions of MkDocs and its extensions, the list
    of files, and each page's front matter (titles and tags, which the tags index lists). Also returns the front
    matter of each page, by its docs path."""
    digest = hashlib.sha256(config_file.read_bytes())
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    inherited = (config_file.parent / config.get("INHERIT", "")).resolve() if config.get("INHERIT") else None
    theme_dir = Path(config.get("theme", {}).get("custom_dir") or config_file.parent / "none")
    hooks = [Path(h) for h in config.get("hooks", [])]
    for path in [*([inherited] if inherited else []), *hooks, *_files(theme_dir)]:
        digest.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    for name in ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions"):
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    docs = config_file.parent / config.get("docs_dir", "docs")
    heads = {}
    for path in _files(docs):
        name = path.relative_to(docs).as_posix()
        digest.update(name.encode() + b"\0")
        if path.suffix == ".md":
            heads[name] = _front_matter(path)
            digest.update(heads[name].encode() + b"\0")
    return digest.hexdigest(), heads


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _front_matter(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace") as handle:
        if handle.readline().rstrip() != "---":
            return ""
        lines = []
        for line in handle:
            if line.rstrip() in ("---", "..."):
                return "".join(lines)
            lines.append(line)
    return ""


class _NeedsFullBuild(Exception):
    pass


class _Unchanged:
    """A plugin for a build of the changed pages only. MkDocs does not read the pages it does not render again; this
    gives them what the others need from them — their anchors (so that links to them are checked) and their front
    matter — and asks for a build of every page when a rendered page lost an anchor or lists other pages."""

    def __init__(self, anchors: dict[str, list[str]], heads: dict[str, str]) -> None:
        self.stored, self.heads = anchors, heads

    def on_env(self, env, /, *, config, files):
        for file in files.documentation_pages():
            page = file.page
            if page is None:
                continue
            if page.present_anchor_ids is None:  # not read again: unchanged since the last build
                page.present_anchor_ids = set(self.stored.get(file.src_uri, ()))
                if self.heads.get(file.src_uri):
                    page.meta = _meta(self.heads[file.src_uri])
                continue
            if "<!-- material/tags" in (page.markdown or ""):
                raise _NeedsFullBuild("the tags index changed")
            if set(self.stored.get(file.src_uri, ())) - page.present_anchor_ids:
                raise _NeedsFullBuild(f"{file.src_uri} lost an anchor")
        return env


def _meta(head: str) -> dict:
    try:
        meta = yaml.load(head, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


class _Warnings(logging.Handler):
    """Keeps MkDocs' warnings, so that a failed build reports them instead of a bare count."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _not_dirty_warning(record: logging.LogRecord) -> bool:
    """MkDocs warns about every build of changed pages only (its `--dirty`): this one checks what it warns about."""
    return not record.getMessage().startswith("A 'dirty' build is being performed")


def _mkdocs(config_file: Path, out: Path, unchanged: _Unchanged | None) -> dict[str, list[str]]:
    """One MkDocs build; returns each page's anchors. `unchanged` given: only the pages whose Markdown is newer than
    their HTML are built again."""
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    warnings = _Warnings()
    logger.addHandler(warnings)
    logging.getLogger("mkdocs.commands.build").addFilter(_not_dirty_warning)
    anchors: dict[str, list[str]] = {}
    try:
        config = load_config(config_file=str(config_file), site_dir=str(out), strict=True)
        if unchanged is not None:
            config.plugins["kb-unchanged-pages"] = unchanged
        config.plugins["kb-anchors"] = _AnchorRecorder(anchors)
        mkdocs_build(config, dirty=unchanged is not None)
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
        logging.getLogger("mkdocs.commands.build").removeFilter(_not_dirty_warning)
    return anchors


class _AnchorRecorder:
    """Keeps every page's anchors after the build, for the next build of changed pages."""

    def __init__(self, anchors: dict[str, list[str]]) -> None:
        self.anchors = anchors
        self.files = None

    def on_env(self, env, /, *, config, files):
        self.files = files
        return env

    def on_post_build(self, *, config):
        for file in self.files.documentation_pages() if self.files else ():
            if file.page is not None and file.page.present_anchor_ids is not None:
                self.anchors[file.src_uri] = sorted(file.page.present_anchor_ids)


MAX_SHOWN = 20


# ---------------------------------------------------------------- putting the languages together


def assemble(out: Path, staging: Path, prefix: str, site_dir: Path) -> list[str]:
    """Copy a language's built folder into the new site (under `prefix`); a file that the current site holds with the
    same bytes is hard-linked from it instead. MkDocs writes its files in place, so nothing in a site is ever a link
    to build/: only the sites' own files are shared, and those are never written to. Returns the files that changed
    (site-relative)."""
    changed = []
    for folder, _, names in os.walk(out):
        relative = Path(folder).relative_to(out)
        into = staging / prefix / relative
        into.mkdir(parents=True, exist_ok=True)
        for name in names:
            source, dest, current = Path(folder) / name, into / name, site_dir / prefix / relative / name
            if _same(source, current):
                try:
                    os.link(current, dest)
                    continue
                except OSError:
                    pass
            else:
                changed.append((Path(prefix) / relative / name).as_posix())
            shutil.copy2(source, dest)
    return changed


def _same(source: Path, current: Path) -> bool:
    try:
        mine, theirs = source.stat(), current.stat()
        if mine.st_size != theirs.st_size:
            return False
        return mine.st_mtime_ns == theirs.st_mtime_ns or source.read_bytes() == current.read_bytes()
    except OSError:
        return False


def _pages(site: Path) -> set[str]:
    """What Pagefind reads: the HTML files (its bundle aside)."""
    bundle = site / PAGEFIND_FOLDER
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html") if bundle not in p.parents}


PAGEFIND_FOLDER = "pagefind"


def reuse_search(staging: Path, site_dir: Path, changed: list[str]) -> bool:
    """When no page changed (the same HTML files, the same bytes), the current site's search index still holds:
    link it into the new site instead of indexing again."""
    old = site_dir / PAGEFIND_FOLDER
    if any(path.endswith(".html") for path in changed) or not old.is_dir() or _pages(staging) != _pages(site_dir):
        return False
    try:
        shutil.copytree(old, staging / PAGEFIND_FOLDER, copy_function=os.link)
    except OSError:
        shutil.rmtree(staging / PAGEFIND_FOLDER, ignore_errors=True)
        return False
    return True


def index_search(site: Path) -> None:
    """Pagefind (extended, for Japanese segmentation) writes one index per <html lang> into site/pagefind/. The
    headings' permalink signs (¶) stay out: Pagefind would glue them to the heading's last word."""
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--quiet", "--exclude-selectors", ".headerlink"],
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
        if not parent.is_dir():
            return f"cannot be created: {parent} is a file"
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


def warm_up(config_file: Path) -> None:
    """Load a language's configuration once in this process: MkDocs' plugins, Markdown extensions and theme are
    imported, so that the processes forked for later builds start with them (`serve`)."""
    load_config(config_file=str(config_file), site_dir=str(output_of(config_file)))
