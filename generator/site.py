"""Stage 6, site: MkDocs builds each language, Pagefind indexes them, and the result replaces site/ atomically.

The languages are built at the same time, one process each (MkDocs keeps global state: it is not thread-safe), into
folders kept between builds (build/<code>/site). There MkDocs renders again only the pages whose Markdown the write
stage changed, when nothing that every page shows has changed since the last build (see `site_fingerprint`);
otherwise, and whenever a page loses an anchor that another page might link to, it builds every page. The languages'
folders are then put together in a fresh folder beside site/ (files that did not change are hard links to the
current site's), Pagefind indexes it and it replaces site/.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import fcntl
import functools
import gc
import glob
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import mkdocs.commands.build as mkdocs_build_module
import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.utils import get_markdown_title

from .cache import FOLDER as CACHE_FOLDER
from .cache import compiled_templates
from .errors import DataError, Problem
from .files import read_regular
from .offline import write_offline
from .reproducible import steady_index


def publish(configs: dict[str, Path], site_dir: Path, indexer: SearchIndex | None = None,
            search_later: bool = False) -> tuple[float, float, bool]:  # fmt: skip
    """Put the languages' built folders together in a fresh folder beside site/ (the root language at its root, the
    others under their code), index it with Pagefind and swap it in; returns the seconds of the first two steps and
    whether the search index is still to be made. `search_later` (serve): when pages changed, the new site keeps the
    current search index for now, and `reindex` replaces it once the pages are shown. A failure leaves site/ as it
    was."""
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    root = next(iter(configs))  # the configs come in the knowledge base's order: the root language first
    staging = _staging(site_dir)
    pending = False
    try:
        start = time.perf_counter()
        changed = []
        for code, config in configs.items():
            changed += assemble(output_of(config), staging, "" if code == root else code, site_dir)
        assembled = time.perf_counter() - start
        start = time.perf_counter()
        if not reuse_search(staging, site_dir, changed):
            if search_later and _link_tree(site_dir / PAGEFIND_FOLDER, staging / PAGEFIND_FOLDER):
                (staging / PAGEFIND_FOLDER / PENDING).write_text("the pages changed since this index\n")
                pending = True
            elif indexer is None or not indexer.index(staging):
                index_search(staging)
        if not pending:
            steady_index(staging / PAGEFIND_FOLDER)
            write_offline(staging)
        search = time.perf_counter() - start
        mark_site(staging)
        _swap(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return assembled, search, pending


def reindex(site_dir: Path, indexer: SearchIndex | None = None) -> float:
    """Index the site again and swap it in (serve, after a build whose search index was left for later). The files
    of the index it replaces stay beside the new ones, so that a page opened before still finds what it asks for."""
    site_dir = site_dir.resolve()
    staging = _staging(site_dir)
    start = time.perf_counter()
    try:
        for folder, dirs, names in os.walk(site_dir):
            relative = Path(folder).relative_to(site_dir)
            if relative == Path("."):
                dirs[:] = [d for d in dirs if d != PAGEFIND_FOLDER]
            (staging / relative).mkdir(parents=True, exist_ok=True)
            for name in names:
                os.link(Path(folder) / name, staging / relative / name)
        if indexer is None or not indexer.index(staging):
            index_search(staging)
        steady_index(staging / PAGEFIND_FOLDER)
        write_offline(staging)
        for folder, _, names in os.walk(site_dir / PAGEFIND_FOLDER):
            relative = Path(folder).relative_to(site_dir)
            (staging / relative).mkdir(parents=True, exist_ok=True)
            for name in names:
                if name != PENDING and not (staging / relative / name).exists():
                    os.link(Path(folder) / name, staging / relative / name)
        _swap(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return time.perf_counter() - start


def _link_tree(source: Path, target: Path) -> bool:
    if not source.is_dir():
        return False
    try:
        shutil.copytree(source, target, copy_function=os.link)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return False
    return True


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
    gc.freeze()  # the children's garbage collector then leaves this process's objects (and their memory) alone
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            with _ctrl_c_here():  # the workers are forked now; Ctrl+C reaches them too, and is this process's to tell
                futures = [pool.submit(_run_job, number) for number in range(len(jobs))]
            try:
                outcomes = [future.result() for future in futures]
            except KeyboardInterrupt:  # stop the languages' processes now rather than wait for them
                for child in multiprocessing.active_children():
                    child.terminate()
                raise
    finally:
        gc.unfreeze()
        _JOBS = []
    # A problem with a file every language reads (a theme file) is said once.
    problems = list(dict.fromkeys(problem for kind, value in outcomes if kind == "data" for problem in value))
    crashes = [value for kind, value in outcomes if kind == "crash"]
    if crashes:
        error, text = crashes[0]
        if isinstance(error, (OSError, KeyboardInterrupt)):  # said as plainly as in this process (a full disk)
            raise error from ChildFailed(text)
        raise ChildFailed(text)
    if problems:
        raise DataError(problems)
    return [value for _, value in outcomes]


@contextlib.contextmanager
def _ctrl_c_here():
    """Processes forked inside ignore Ctrl+C (SIGINT): they would each print a traceback of where it found them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_job(number: int) -> tuple[str, Any]:
    try:
        return "ok", _JOBS[number]()
    except DataError as error:  # its problems travel; the exception itself does not pickle with them
        return "data", error.problems
    except BaseException as error:  # noqa: BLE001 - reported by the parent, with the child's traceback
        try:
            pickle.dumps(error)
        except Exception:  # noqa: BLE001 - then its traceback tells
            error = None
        return "crash", (error, traceback.format_exc())


# ---------------------------------------------------------------- MkDocs, one language


def output_of(config_file: Path) -> Path:
    return config_file.parent / "site"


def build_language(config_file: Path) -> tuple[float, str]:
    """MkDocs for one language into build/<code>/site; returns the seconds and which pages it built."""
    out, state_file = output_of(config_file), config_file.parent / "site-state.json"
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        state = state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        state = {}
    state_file.unlink(missing_ok=True)  # a build that fails half-way leaves no state: the next one builds all pages
    fingerprint, shown = site_fingerprint(config_file, state.get("shown", {}))
    start = time.perf_counter()
    intact = out.is_dir() and state.get("outputs") == output_digests(out)
    if state.get("fingerprint") == fingerprint and intact:
        unchanged = _Unchanged(state.get("anchors", {}), {page: entry[2] for page, entry in shown.items()})
        try:
            anchors, mode = _mkdocs(config_file, out, unchanged), "changed pages"
        except _NeedsFullBuild as reason:
            anchors, mode = _mkdocs(config_file, out, None), f"all pages ({reason})"
    else:
        reason = (
            "first build"
            if not state
            else "the navigation, theme or configuration changed"
            if state.get("fingerprint") != fingerprint
            else "the built pages were changed outside a build"
        )
        anchors, mode = _mkdocs(config_file, out, None), f"all pages ({reason})"
    state = {"fingerprint": fingerprint, "anchors": anchors, "shown": shown, "outputs": output_digests(out)}
    state_file.write_text(json.dumps(state, ensure_ascii=False, default=str), encoding="utf-8")
    return time.perf_counter() - start, mode


def output_digests(out: Path) -> dict[str, str]:
    """The hash of every file MkDocs left in a language's built folder, by path: a build of the changed pages keeps
    the others, so they are checked against what the last build left (a page damaged or edited in build/ since is
    never published; every page is built again instead)."""
    digests = {}
    for folder, _, names in os.walk(out):
        for name in names:
            path = Path(folder) / name
            try:
                digests[path.relative_to(out).as_posix()] = hashlib.sha256(read_regular(path)).hexdigest()
            except (OSError, ValueError):
                digests[path.relative_to(out).as_posix()] = "unreadable"
    return digests


def site_fingerprint(config_file: Path, known: dict[str, list]) -> tuple[str, dict[str, list]]:
    """What every page of a language shows besides its own Markdown: the configuration (site name, navigation), the
    configuration it inherits, the theme overrides, the hooks, the versions of MkDocs and its extensions, the list
    of files, and what other pages show of each page's front matter (SHOWN_ELSEWHERE). Also returns, by docs path,
    the hash of each page's front matter and what others show of it; `known` is that of the last build (a front
    matter with the same hash is not read again)."""
    digest = hashlib.sha256(config_file.read_bytes())
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    inherited = (config_file.parent / config.get("INHERIT", "")).resolve() if config.get("INHERIT") else None
    theme_dir = Path(config.get("theme", {}).get("custom_dir") or config_file.parent / "none")
    hooks = [Path(h) for h in config.get("hooks", [])]
    for path in [*([inherited] if inherited else []), *hooks, *_files(theme_dir)]:
        digest.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    digest.update(_versions().encode())
    docs = config_file.parent / config.get("docs_dir", "docs")
    shown = {}
    for path in _files(docs):
        name = path.relative_to(docs).as_posix()
        digest.update(name.encode() + b"\0")
        if path.suffix == ".md":
            head = _front_matter(path)
            head_hash = hashlib.sha256(head.encode()).hexdigest()
            before = known.get(name)
            if isinstance(before, list) and len(before) == 3 and before[0] == head_hash:
                shown[name] = before
            else:
                meta = _meta(head) if head else {}
                kept = {key: value for key, value in meta.items() if key not in OWN_ONLY}
                shown[name] = [head_hash, {key: meta[key] for key in SHOWN_ELSEWHERE if key in meta}, kept]
            digest.update(json.dumps(shown[name][1], sort_keys=True, default=str).encode() + b"\0")
    return digest.hexdigest(), shown


# The front matter other pages show: titles and tags (the tags index), and what Material puts in the navigation. The
# rest (search metadata, hidden parts) shows on the page itself, which is built again when its Markdown changes.
SHOWN_ELSEWHERE = ("title", "tags", "icon", "status", "subtitle")
OWN_ONLY = ("search",)  # front matter that matters to its own page only: not kept for the pages not built again
# The plugins known to work when MkDocs builds the changed pages only (they read each page's front matter and
# Markdown, which `_Unchanged` gives them for the others); with any other plugin every build builds every page.
PARTIAL_PLUGINS = {"material/tags", "tags"}
THEME_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions")


@functools.cache
def _versions() -> str:
    versions = []
    for name in THEME_PACKAGES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return " ".join(versions)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _front_matter_block(lines: Iterable[str]) -> list[str]:
    """The front matter at the start of a page, as MkDocs reads it: its lines from the opening `---` to the closing
    `---` or `...`, both included; [] if it has none. Stops reading at its end."""
    lines = iter(lines)
    first = next(lines, "")
    if first.rstrip() != "---":
        return []
    block = [first]
    for line in lines:
        block.append(line)
        if line.rstrip() in ("---", "..."):
            return block
    return []


def _front_matter(path: Path) -> str:
    """The YAML inside a page's front matter (what its hash is of); only the page's first lines are read."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        return "".join(_front_matter_block(handle)[1:-1])


class _NeedsFullBuild(Exception):
    pass


class _Unchanged:
    """MkDocs building the changed pages only (its `dirty` builds), made to give the same pages as a full build.

    MkDocs does not read a page that it does not render again, so plugins and the pages that are rendered lack what
    they need from it: its title (navigation, previous and next links), its tags (the tags plugin links them to the
    tags index and lists every tagged page) and its anchors (the links to them are checked). For each such page this
    reads its Markdown and gives it the front matter kept from the last build and its anchors, and runs the
    plugins' Markdown event on it, in MkDocs' own order, without rendering it. A rendered page that lost an anchor
    (a link from an unchanged page may point to it) or that lists other pages (the tags index) asks for a full
    build instead."""

    def __init__(self, anchors: dict[str, list[str]], meta: dict[str, dict]) -> None:
        self.stored, self.meta = anchors, meta

    def populate(self, original):
        def populate(page, config, files, dirty: bool = False) -> None:
            if dirty and not page.file.is_modified():
                self._read(page, config, files)
                return
            original(page, config, files, dirty)
            if TAGS_MARKER in Path(page.file.abs_src_path).read_text(encoding="utf-8"):
                raise _NeedsFullBuild(f"{page.file.src_uri} lists other pages")
            if set(self.stored.get(page.file.src_uri, ())) - (page.present_anchor_ids or set()):
                raise _NeedsFullBuild(f"{page.file.src_uri} lost an anchor")

        return populate

    def _read(self, page, config, files) -> None:
        config._current_page = page
        try:
            text = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig")
            head = "".join(_front_matter_block(text.splitlines(keepends=True)))
            page.markdown = text[len(head) :] if head else text
            page.meta = dict(self.meta.get(page.file.src_uri, {}))
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
            page.present_anchor_ids = set(self.stored.get(page.file.src_uri, ()))
            page._title_from_render = get_markdown_title(page.markdown)  # as rendering would find it: its <h1>
            page.content = ""  # not rendered; plugins that fill in listings may write to it (it is not written)
        finally:
            config._current_page = None


def _partial_safe(plugin: str) -> bool:
    """A plugin of PARTIAL_PLUGINS, or the generator's own hooks (they only change how downloads are copied)."""
    return plugin in PARTIAL_PLUGINS or os.path.abspath(plugin) == str(Path(__file__).with_name("mkdocs_hooks.py"))


TAGS_MARKER = "<!-- material/tags"


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
        _quicker_theme(config, config_file.parent.parent / CACHE_FOLDER)
        if unchanged is not None and {name for name in config.plugins if not _partial_safe(name)}:
            raise _NeedsFullBuild("a plugin is used that needs every page read")
        config.plugins["kb-anchors"] = _AnchorRecorder(anchors)
        original = mkdocs_build_module._populate_page
        if unchanged is not None:
            mkdocs_build_module._populate_page = unchanged.populate(original)
        try:
            mkdocs_build(config, dirty=unchanged is not None)
        finally:
            mkdocs_build_module._populate_page = original
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


def _quicker_theme(config, cache_folder: Path) -> None:
    """The theme's Jinja environment with its compiled templates kept in the build cache (each signed with this
    account's key, see cache.SignedBytecodeCache; Jinja checks each against its source), and the theme's installed
    folders listed once per process: MkDocs otherwise compiles Material's templates and walks its thousands of icon
    files at every build."""
    theme, make = config.theme, config.theme.get_env
    compiled = cache_folder / "theme-jinja" / hashlib.sha256(f"{_versions()} {theme.locale}".encode()).hexdigest()[:24]

    def get_env():
        env = make()
        with contextlib.suppress(OSError):
            compiled.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = compiled_templates(compiled)
        if isinstance(env.loader, jinja2.FileSystemLoader):
            env.loader = _ListedOnce(env.loader, fresh={theme.custom_dir} if theme.custom_dir else set())
        return env

    theme.get_env = get_env


class _ListedOnce(jinja2.BaseLoader):
    """A FileSystemLoader whose folders, but those in `fresh` (the theme overrides), are listed once per process."""

    listings: dict[str, list[str]] = {}

    def __init__(self, loader: jinja2.FileSystemLoader, fresh: set[str]) -> None:
        self.loader, self.fresh = loader, {os.path.abspath(f) for f in fresh}

    def get_source(self, environment, template):
        return self.loader.get_source(environment, template)

    def list_templates(self) -> list[str]:
        found = set()
        for folder in self.loader.searchpath:
            if os.path.abspath(folder) in self.fresh or folder not in self.listings:
                self.listings[folder] = jinja2.FileSystemLoader(folder).list_templates()
            found.update(self.listings[folder])
        return sorted(found)


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
PENDING = ".kb-pending"  # in an index that serve keeps until the new one is made (see publish)


def reuse_search(staging: Path, site_dir: Path, changed: list[str]) -> bool:
    """When no page changed (the same HTML files, the same bytes), the current site's search index still holds:
    link it into the new site instead of indexing again."""
    if any(path.endswith(".html") for path in changed) or (site_dir / PAGEFIND_FOLDER / PENDING).exists():
        return False
    if _pages(staging) != _pages(site_dir):
        return False
    return _link_tree(site_dir / PAGEFIND_FOLDER, staging / PAGEFIND_FOLDER)


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


class SearchIndex:
    """Pagefind as a service, in a thread of its own. Started when a build starts, it loads its Japanese dictionary
    (the better part of its time) while this process loads the data on the other core; `serve` keeps it from build
    to build, so that the dictionary loads once. When the service cannot be used, the command line indexes instead."""

    WARM_PAGE = '<html lang="ja"><body><p>検索の準備をする。</p></body></html>'

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_service_ended)
        self._launched = None
        self._launching = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="pagefind", daemon=True)
        self._thread.start()
        self._service = asyncio.run_coroutine_threadsafe(self._start(), self._loop)

    async def _start(self):
        from pagefind.service import PagefindService

        # asyncio cannot cancel a process while it is being started (its pipes never connect and the cancelled
        # start waits for them for ever): close() waits for this launch, then kills the process
        self._launching = asyncio.ensure_future(PagefindService().launch())
        service = self._launched = await asyncio.shield(self._launching)
        index = await service.create_index(None)
        await index.add_html_file(content=self.WARM_PAGE, url="/")
        await index.delete_index()
        return service

    def index(self, site: Path) -> bool:
        """Index `site` into site/pagefind/; False when the service failed (nothing is written then)."""
        try:
            service = self._service.result(timeout=SEARCH_TIMEOUT)
            done = asyncio.run_coroutine_threadsafe(self._index(service, site), self._loop)
            done.result(timeout=SEARCH_TIMEOUT)
            return True
        except Exception:  # noqa: BLE001 - the command line reports what is wrong
            shutil.rmtree(site / PAGEFIND_FOLDER, ignore_errors=True)
            self._service = asyncio.run_coroutine_threadsafe(self._start(), self._loop)  # a fresh one next time
            return False

    @staticmethod
    async def _index(service, site: Path) -> None:
        index = await service.create_index(None)
        try:
            await index.add_directory(str(site))
            await index.write_files(output_path=str(site / PAGEFIND_FOLDER))
        finally:
            await index.delete_index()

    def close(self) -> None:
        """Stop the service; one still loading its dictionary (a build that stopped early) is killed once its process
        has started, not awaited."""

        async def stop():
            if self._launching is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._launching), 10)
            service, process = self._launched, getattr(self._launched, "_backend", None)
            if not self._service.done():
                self._service.cancel()
                if process is not None:
                    process.kill()
                    await process.wait()
            elif service is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(service.close(), 10)
            poll = getattr(service, "_poll_task", None)
            if poll is not None and poll.done() and not poll.cancelled():
                poll.exception()  # retrieved: the service ended, as asked
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()


SEARCH_TIMEOUT = 600


def _service_ended(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """Pagefind's service reads its process's output in a task of its own, which ends with IncompleteReadError when
    the process has ended (Ctrl+C stops it with us): that is no error; anything else is told as asyncio does."""
    if not isinstance(context.get("exception"), (asyncio.IncompleteReadError, ConnectionError)):
        loop.default_exception_handler(context)


def _staging(site_dir: Path) -> Path:
    """A new folder beside site/ for the next site, named after it (two sites in one web root keep theirs apart)."""
    return Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))


def _staging_name(site_dir: Path) -> str:
    return f".{site_dir.name}.new-XXXXXXXX"  # as long as the names _staging makes


def _shorten(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else f"{name[:20]}…{name[-12:]}"


def remove_leftovers(site_dir: Path) -> None:
    """The staging folders of builds that were killed before their swap (or after it, before the old site was
    deleted): only this site's, only folders, and only while this build holds the build folder's lock."""
    for kind in ("new", "old"):
        for leftover in site_dir.parent.glob(f".{glob.escape(site_dir.name)}.{kind}-*"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


RENAME_EXCHANGE = 2  # renameat2(2), Linux


def _swap(staging: Path, site_dir: Path) -> None:
    """Put the new site in place of the old one. Where the system can swap two folders in one step (Linux's
    renameat2 RENAME_EXCHANGE), site/ is never missing, not even for an instant; elsewhere the old one is renamed
    aside first, and a build killed between the two renames leaves it beside, named .site.old-*, for the next build
    to find missing and remove."""
    if site_dir.exists() and _exchange(staging, site_dir):
        shutil.rmtree(staging, ignore_errors=True)  # now the old site
        return
    old = None
    if site_dir.exists():
        old = site_dir.with_name(f".{site_dir.name}.old-{time.time_ns()}")
        site_dir.rename(old)
    staging.rename(site_dir)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step; False where the system cannot (then nothing changed)."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd = -100
    done = renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), RENAME_EXCHANGE)
    return done == 0


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


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
    existing = next(p for p in (folder, *folder.parents) if os.path.lexists(p))
    names = [*folder.relative_to(existing).parts, *([_staging_name(folder)] if kind == "site" else [])]
    limit = os.pathconf(existing if existing.is_dir() else existing.parent, "PC_NAME_MAX")
    too_long = [name for name in names if len(os.fsencode(name)) > limit]
    if too_long:
        size = len(os.fsencode(too_long[0]))
        return (f"cannot be made: the name {_shorten(too_long[0])} is {size} bytes long, the file system's limit is "
                f"{limit} (a site's new version is made beside it, named .<its name>.new-XXXXXXXX)")  # fmt: skip
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


LOCK_FILE = ".kb-lock"  # in the build folder: held by the build that uses it (the system lets go when it ends)


@contextlib.contextmanager
def build_lock(build_dir: Path):
    """One build at a time in a build folder: two at once (`make site` while `make serve` builds, or a build with an
    overlay beside one without) would mix each other's pages. The lock file says which process holds it."""
    path = build_dir / LOCK_FILE
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as error:
        raise DataError([Problem(str(path), None, f"the build folder's lock cannot be opened ({error.strerror})",
                                 "delete the file; the next build makes it again")]) from None  # fmt: skip
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 1000, 0).decode("utf-8", "replace").strip() or "a process that has not said"
            raise DataError([Problem(str(build_dir), None, f"another build is using this build folder ({holder}); "
                                     "nothing was touched", "wait for it to end and run this again, or stop it "
                                     "(serve builds again at the next save)")]) from None  # fmt: skip
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"pid {os.getpid()}: {shlex.join(['python', '-m', 'generator', *sys.argv[1:]])}".encode(), 0)
        yield
    finally:
        os.close(handle)  # and with it the lock


def mark_site(staging: Path) -> None:
    (staging / SITE_MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def warm_up(config_file: Path) -> None:
    """Load a language's configuration once in this process: MkDocs' plugins, Markdown extensions and theme are
    imported, so that the processes forked for later builds start with them (`serve`)."""
    config = load_config(config_file=str(config_file), site_dir=str(output_of(config_file)))
    _quicker_theme(config, config_file.parent.parent / CACHE_FOLDER)
    config.theme.get_env().list_templates()
