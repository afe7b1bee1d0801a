"""Stage 8, publish: the languages' built folders put together in a fresh folder beside site/ (the files that did not
change are hard links to the current site's), indexed, and swapped in for site/ in one step; which folders a build
may replace, one build at a time per build folder (its lock), and what killed builds left behind."""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import glob
import os
import shlex
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from .errors import DataError, Problem
from .files import write_atomically
from .mkdocs_run import output_of
from .offline import write_offline, write_offline_part
from .parallel import libc
from .reproducible import steady_index
from .search_index import (
    PAGEFIND_FOLDER,
    PENDING,
    SEARCH_TIMEOUT,
    SearchIndex,
    SharedLanguage,
    index_search,
    merge_bundles,
    pages_of,
)

# Beside the languages' bundles, named as no language is: a link to each built folder that Pagefind reads, and the
# offline scripts of the bundles' files.
LINKS, OFFLINE = ".links", ".offline"


class Publication:
    """The languages' built folders put together in a fresh folder beside site/ as each language's build ends (the
    root language at its root, the others under their code), indexed with Pagefind and swapped in for site/ in one
    step (`finish`); a failure leaves site/ as it was (`abandon`).

    Each language is indexed as soon as it is in (`add`), by a Pagefind service of its own (search_index), while the
    other languages are still being built: the index no longer waits for the last language, and two languages are
    indexed on two cores. Pagefind keeps an index for each language apart anyway (its files are named after their
    language and a hash of their bytes; pagefind-entry.json lists the languages): each language's own bundle is
    made beside the new site and the bundles are merged into its pagefind/ (merge_bundles), the same files as
    Pagefind indexing the whole site writes, whatever order the languages end in. One bundle at the site root,
    rather than a bundle in each language's folder, leaves the search box and the offline copy reading the one
    bundle they have always read, from any address and from a folder.

    `search_later` (serve): no language is indexed as it comes in; when pages changed, the new site keeps the current
    search index for now, and `reindex` replaces it once the pages are shown; the old site is deleted after `finish`
    returns."""

    def __init__(self, codes: list[str], site_dir: Path, indexer: SearchIndex | None = None,
                 search_later: bool = False) -> None:  # fmt: skip
        self.site_dir = site_dir.resolve()
        self.site_dir.parent.mkdir(parents=True, exist_ok=True)
        self.codes, self.indexer, self.search_later = codes, indexer, search_later
        self.staging = _staging(self.site_dir)
        self.bundles = _staging(self.site_dir)  # each language's own bundle, merged into the site's
        self.changed: dict[str, list[str]] = {}
        self.configs: dict[str, Path] = {}
        self.indexing: dict[str, concurrent.futures.Future] = {}
        self.assembling = 0.0
        # whether the current site's index may serve again (reuse_search): then a language is indexed only when
        # its pages changed
        current = self.site_dir / PAGEFIND_FOLDER
        self.reusable = current.is_dir() and not (current / PENDING).exists()

    def add(self, code: str, config: Path) -> None:
        """A language's built folder, into the new site; indexed now if its pages changed (see above)."""
        self.configs[code] = config
        indexed = self.indexer is not None and not self.search_later
        if indexed and not self.reusable:  # read from its built folder: started first, indexed while it is copied
            self._index(code, config, built=True)
        start = time.perf_counter()
        self.changed[code] = assemble(output_of(config), self.staging, self._prefix(code), self.site_dir)
        self.assembling += time.perf_counter() - start
        pages_changed = not self.reusable or any(path.endswith(".html") for path in self.changed[code])
        if indexed and pages_changed and code not in self.indexing:
            self._index(code, config)

    def _prefix(self, code: str) -> str:
        return "" if code == self.codes[0] else code  # the knowledge base's order: the root language first

    def _index(self, code: str, config: Path, built: bool = False) -> None:
        # Pagefind makes a page's address from its path in the folder it reads: the root language's built folder
        # is read as it is, another language's pages under its folder: `built`, its built folder through a link of
        # that name (the language's index then runs while its files are copied into the new site, not after: the
        # last language's copy was on the build's critical path); else in the new site (the root's may not be read
        # there: the other languages' folders are inside it)
        prefix, out = self._prefix(code), self.bundles / code
        if not prefix:
            folder, glob = output_of(config), None
        elif built:
            folder, glob = self.bundles / LINKS / code, f"{prefix}/**/*.{{html}}"
            try:
                folder.mkdir(parents=True)
                (folder / prefix).symlink_to(output_of(config).resolve(), target_is_directory=True)
            except OSError:  # no links here: read from the new site once it is copied there
                return
        else:
            folder, glob = self.staging, f"{prefix}/**/*.{{html}}"
        self.indexing[code] = self.indexer.index_language(code, folder, out, glob)

    def finish(self) -> tuple[float, float, bool, list[str]]:
        """Index what is left to index and swap the new site in; returns the seconds spent putting the site together,
        those spent on its search index after the last language was in, whether the search index is still to be made
        and the files that changed (site-relative)."""
        start, staging, site_dir = time.perf_counter(), self.staging, self.site_dir
        changed = [path for code in self.codes for path in self.changed[code]]
        pending = False
        early: frozenset[str] = frozenset()  # the files whose offline scripts were written as their bundle came
        if self.indexing or not reuse_search(staging, site_dir, changed):
            if not self.indexing and self.search_later and _link_tree(site_dir / PAGEFIND_FOLDER,
                                                                      staging / PAGEFIND_FOLDER):  # fmt: skip
                (staging / PAGEFIND_FOLDER / PENDING).write_text("the pages changed since this index\n")
                pending = True
            else:
                merged = self._merged() if self.indexer is not None else None
                early = merged or frozenset()
                if merged is None and (self.indexer is None or not self.indexer.index(staging)):
                    index_search(staging)
        if not pending:
            steady_index(staging / PAGEFIND_FOLDER)
            write_offline(staging, self.bundles / OFFLINE if early else None, early)
        search = time.perf_counter() - start
        mark_site(staging)
        _swap(staging, site_dir, later=self.search_later)
        shutil.rmtree(self.bundles, ignore_errors=True)
        return self.assembling, search, pending, changed

    def _merged(self) -> frozenset[str] | None:
        """Every language indexed (those not yet, now) and their bundles merged into the new site's; None when a
        service failed, or two languages' folders hold pages of one language, which one index must hold. Each
        bundle, as soon as it is written, while the others are still being made: its files in steady order
        (reproducible.steady_index, as the merged bundle's are) and their offline scripts (offline.write_offline_part:
        they came after the last language's index, on the build's critical path); returns the files they are of."""
        for code in self.codes:
            if code not in self.indexing:
                self._index(code, self.configs[code])
        early: set[str] = set()
        codes = {future: code for code, future in self.indexing.items()}
        with contextlib.suppress(concurrent.futures.TimeoutError):  # told by `finished`
            for future in concurrent.futures.as_completed(codes, timeout=SEARCH_TIMEOUT):
                if future.exception() is None:
                    steady_index(self.bundles / codes[future])
                    early |= write_offline_part(self.bundles / codes[future], self.bundles / OFFLINE)
        if not self.indexer.finished(self.indexing):
            return None
        try:
            merge_bundles({code: self.bundles / code for code in self.codes}, self.staging / PAGEFIND_FOLDER)
        except SharedLanguage:
            shutil.rmtree(self.staging / PAGEFIND_FOLDER, ignore_errors=True)
            return None
        return frozenset(early)

    def abandon(self) -> None:
        """The build failed: the new site and the bundles go (once the languages being indexed are written)."""
        if self.indexing:
            concurrent.futures.wait(self.indexing.values(), timeout=SEARCH_TIMEOUT)
        shutil.rmtree(self.staging, ignore_errors=True)
        shutil.rmtree(self.bundles, ignore_errors=True)


def patch(configs: dict[str, Path], written: dict[str, list[str]], site_dir: Path) -> list[str]:
    """serve's first look at an open page (build.preview): the files MkDocs wrote (`written`, by language, relative to
    its built folder) put into the served site in place, each in one step (a new file renamed over the old: a site
    of an earlier build that links the same file keeps its bytes). The search index is left as it is, marked as
    older than the pages; the build that follows publishes the whole site as usual. Returns the files replaced."""
    site_dir = site_dir.resolve()
    root = next(iter(configs))
    replaced = []
    for code, names in written.items():
        out, prefix = output_of(configs[code]), "" if code == root else code
        for name in names:
            relative = (Path(prefix) / name).as_posix()
            target = site_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, (out / name).read_bytes())
            replaced.append(relative)
    if replaced and (site_dir / PAGEFIND_FOLDER).is_dir():
        (site_dir / PAGEFIND_FOLDER / PENDING).write_text("the pages changed since this index\n")
    return replaced


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
        _swap(staging, site_dir, later=True)
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


def reuse_search(staging: Path, site_dir: Path, changed: list[str]) -> bool:
    """When no page changed (the same HTML files, the same bytes), the current site's search index still holds:
    link it into the new site instead of indexing again."""
    if any(path.endswith(".html") for path in changed) or (site_dir / PAGEFIND_FOLDER / PENDING).exists():
        return False
    if pages_of(staging) != pages_of(site_dir):
        return False
    return _link_tree(site_dir / PAGEFIND_FOLDER, staging / PAGEFIND_FOLDER)


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


def _swap(staging: Path, site_dir: Path, later: bool = False) -> None:
    """Put the new site in place of the old one. Where the system can swap two folders in one step (Linux's
    renameat2 RENAME_EXCHANGE), site/ is never missing, not even for an instant; elsewhere the old one is renamed
    aside first, and a build killed between the two renames leaves it beside, named .site.old-*, for the next build
    to find missing and remove. `later` (serve): the old site is deleted in a thread of its own (a large catalog's
    thousands of folders took seconds the open page waited for); a process that ends first leaves it to the next
    build, which removes it as a leftover."""
    if site_dir.exists() and _exchange(staging, site_dir):
        if later:
            threading.Thread(target=shutil.rmtree, args=(staging,), kwargs={"ignore_errors": True}).start()
        else:
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
    renameat2 = getattr(libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd = -100
    done = renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), RENAME_EXCHANGE)
    return done == 0


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
_HELD: set[int] = set()  # the handles of the locks this process holds


def _forked() -> None:
    """A process forked while this one holds a build folder's lock (a language's process) does not hold it: the lock
    is the building process's, let go of when its build ends, whether the processes it forked have ended or are still
    ending (parallel.in_parallel does not wait for them)."""
    for handle in _HELD:
        with contextlib.suppress(OSError):
            os.close(handle)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


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
        _HELD.add(handle)
        yield
    finally:
        _HELD.discard(handle)
        os.close(handle)  # and with it the lock


def mark_site(staging: Path) -> None:
    (staging / SITE_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
