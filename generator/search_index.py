"""Stage 7, search: Pagefind indexes the site, one index per <html lang>, into its pagefind/ folder: each language
as soon as its build ends, by a service of its own, the languages' bundles then merged into the site's
(publish.Publication, merge_bundles); or the whole assembled site at once (serve's `reindex`), as a service that a
build starts first (it loads its dictionary meanwhile) and `serve` keeps, or as a command when a service fails."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from pagefind.service import PagefindService

from .errors import DataError, Problem
from .load import read_mapping
from .parallel import cores
from .reproducible import ENTRY

PAGEFIND_FOLDER = "pagefind"
PENDING = ".kb-pending"  # in an index that serve keeps until the new one is made (see publish)


def index_search(site: Path) -> None:
    """Pagefind (extended, for Japanese segmentation) writes one index per <html lang> into site/pagefind/. The
    headings' permalink signs (¶) stay out: Pagefind would glue them to the heading's last word."""
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--quiet", "--exclude-selectors", *EXCLUDED],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise DataError([Problem(str(site), None, f"Pagefind failed: {result.stderr.strip() or result.stdout.strip()}",
                                 "check that the pagefind[extended] package is installed")])  # fmt: skip


EXCLUDED = (".headerlink",)
CONFIG = {"exclude_selectors": list(EXCLUDED)}  # the service's index, as the command line is told


def pages_of(site: Path) -> list[str]:
    """What Pagefind reads of a site: its HTML files (its own bundle aside), by path."""
    found = []
    for folder, dirs, names in os.walk(site):
        under = Path(folder).relative_to(site).as_posix()
        if under == ".":
            dirs[:] = [d for d in dirs if d != PAGEFIND_FOLDER]
        found += [name if under == "." else f"{under}/{name}" for name in names if name.endswith(".html")]
    return sorted(found)


class _Service(PagefindService):
    """Pagefind's service, spoken to as its package does, but for its reader of the answers: the package's waits a
    tenth of a second before each answer, and stops at an answer of over 2 MiB (the pipe's limit), which an index's
    files are (`_Process._index`): answers are read here as they come, whatever their size."""

    async def _wait_for_responses(self) -> None:
        try:
            unfinished: list[bytes] = []  # the answer being read, chunk by chunk: each ends at a comma
            while True:
                chunk = await self._backend.stdout.read(1 << 16)
                if not chunk:
                    raise asyncio.IncompleteReadError(b"".join(unfinished), None)
                *ends, rest = chunk.split(b",")
                for end in ends:
                    self._answered(b"".join([*unfinished, end]))
                    unfinished = []
                unfinished.append(rest)
        except BaseException as error:  # the process ended: no request waits for an answer that cannot come
            for future in self._responses.values():
                if not future.done():
                    future.set_exception(RuntimeError(f"Pagefind's service ended: {error!r}"))
            raise

    def _answered(self, output: bytes) -> None:
        answer = json.loads(base64.b64decode(output))
        if not isinstance(answer, dict):
            return
        future = self._responses.pop(answer.get("message_id"), None)
        if future is None or future.done():
            return
        payload = answer["payload"]
        if payload["type"] == "Error":
            future.set_exception(RuntimeError(payload.get("message"), payload.get("original_message")))
        else:
            future.set_result(payload)


class SearchIndex:
    """Pagefind as services, in a thread of their own. Started when a build starts (the command line starts it before
    it imports the build's stages), the first service's process launches meanwhile; given the knowledge base's
    languages, `warm` gives each language a service, one for each core at most (a service works on one request at a
    time: two languages are indexed at once only by two of them), and has each load what its languages need (a
    language's dictionary is the better part of its time: Japanese's) while the stages load and the pages are made.
    `serve` keeps them from build to build, so that each loads once. When a service cannot be used, the command line
    indexes instead."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_service_ended)
        self._thread = threading.Thread(target=self._loop.run_forever, name="pagefind", daemon=True)
        self._thread.start()
        self._services = [_Process(self._loop)]
        self._replaced: list[_Process] = []  # services that failed, stopped by close
        self._of: dict[str, _Process] = {}  # each language's service

    def warm(self, texts: dict[str, str]) -> None:
        """Give each language of `texts` (a text by language code: words of the knowledge base) a service, and have
        it index its languages' texts and forget them, so that it loads what each needs now rather than when the
        site is indexed."""
        while len(self._services) < min(len(texts.keys() | self._of.keys()), cores()):
            self._services.append(_Process(self._loop))
        new: dict[_Process, dict[str, str]] = {}
        for code, text in texts.items():
            if code not in self._of:
                new.setdefault(self._service_of(code), {})[code] = text
        for service, own in new.items():
            service.warm(own)

    def _service_of(self, code: str) -> _Process:
        if code not in self._of:
            self._of[code] = self._services[len(self._of) % len(self._services)]
        return self._of[code]

    def index(self, site: Path) -> bool:
        """Index `site` into site/pagefind/; False when the service failed (nothing is written then)."""
        done = self._services[0].index(site, site / PAGEFIND_FOLDER)
        if self.finished({"": done}):
            return True
        shutil.rmtree(site / PAGEFIND_FOLDER, ignore_errors=True)
        return False

    def index_language(self, code: str, folder: Path, out: Path, glob: str | None = None) -> concurrent.futures.Future:
        """Start indexing one language's pages (those of `folder` that `glob` matches, their addresses relative to
        `folder`) into the bundle `out`, on the language's service; `finished` waits for it."""
        return self._service_of(code).index(folder, out, glob)

    def finished(self, started: dict[str, concurrent.futures.Future]) -> bool:
        """Wait for the indexes `started` (by language code, "" the first service's); whether every one was written.
        A service that failed is replaced by a fresh one for the next time."""
        failed = set()
        for code, future in started.items():
            try:
                future.result(timeout=SEARCH_TIMEOUT)
            except Exception:  # noqa: BLE001 - told by the caller, which indexes otherwise
                failed.add(self._of.get(code, self._services[0]))
        for service in failed:
            fresh = _Process(self._loop)
            self._services[self._services.index(service)] = fresh
            self._of = {code: fresh if used is service else used for code, used in self._of.items()}
            self._replaced.append(service)
        return not failed

    def close(self) -> None:
        """Stop the services; one still starting, loading a dictionary or indexing (a build that stopped early) is
        killed once its process has started, not awaited."""

        async def stop():
            await asyncio.gather(*(service.stop() for service in [*self._services, *self._replaced]))
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


class _Process:
    """One process of Pagefind's service, launched at once, then warmed, then indexing one thing at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._launching = None
        self._launched = None
        self._busy: list[concurrent.futures.Future] = []  # warming or indexing
        self._service = asyncio.run_coroutine_threadsafe(self._start(), loop)

    async def _start(self) -> _Service:
        # asyncio cannot cancel a process while it is being started (its pipes never connect and the cancelled
        # start waits for them for ever): stop() waits for this launch, then kills the process
        self._launching = asyncio.ensure_future(_Service().launch())
        self._launched = await asyncio.shield(self._launching)
        return self._launched

    def _run(self, coroutine) -> concurrent.futures.Future:
        done = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        self._busy = [*(future for future in self._busy if not future.done()), done]
        return done

    def warm(self, texts: dict[str, str]) -> None:
        self._run(self._warm(texts))

    async def _warm(self, texts: dict[str, str]) -> None:
        with contextlib.suppress(Exception):  # a service that failed is told by index(), which indexes otherwise
            service = await asyncio.wrap_future(self._service)
            index = await service.create_index(None)
            for code, text in texts.items():
                await index.add_custom_record(url=f"/{code}/", content=text, language=code)
            await index.delete_index()

    def index(self, folder: Path, out: Path, glob: str | None = None) -> concurrent.futures.Future:
        return self._run(self._index(folder, out, glob))

    async def _index(self, folder: Path, out: Path, glob: str | None) -> None:
        service = await asyncio.wrap_future(self._service)
        index = await service.create_index(CONFIG)
        try:
            await index.add_directory(str(folder), glob=glob)
            # Pagefind's write_files answers before its files are whole (its writes are handed to threads and not
            # flushed): a bundle read at once was found with an empty pagefind-entry.json. Its files are asked for
            # instead and written here.
            for file in await index.get_files():
                target = out / file["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)  # a file of the same name may be a hard link to the current site's
                target.write_bytes(file["content"])
        finally:
            with contextlib.suppress(Exception):  # a service stopped meanwhile (the build was stopped) is no error
                await index.delete_index()

    async def stop(self) -> None:
        if self._launching is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._launching), 10)
        service, process = self._launched, getattr(self._launched, "_backend", None)
        if not self._service.done() or any(not future.done() for future in self._busy):
            self._service.cancel()
            for future in self._busy:
                future.cancel()
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
        elif service is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(service.close(), 10)
        poll = getattr(service, "_poll_task", None)
        if poll is not None and poll.done() and not poll.cancelled():
            poll.exception()  # retrieved: the service ended, as asked


SEARCH_TIMEOUT = 600


def titles(document: object) -> dict[str, str]:
    """The knowledge base's title in each of its languages, from its document file as read (`document`), what the
    search services warm up with (a title that is not text is left out: validate says what is wrong with it)."""
    title = document.get("title") if isinstance(document, dict) else None
    if not isinstance(title, dict):
        return {}
    return {code: text for code, text in title.items() if isinstance(code, str) and isinstance(text, str) and text}


def read_titles(data: Path) -> dict[str, str]:
    """`titles` of the data folder's document file, read alone: the command line starts the services before the
    stages are loaded."""
    return titles(read_mapping(data, "document"))


class SharedLanguage(Exception):
    """Two bundles to merge index pages of one language (pages of one language in two languages' folders)."""


def merge_bundles(parts: dict[str, Path], bundle: Path) -> None:
    """Pagefind's bundles of disjoint sets of pages (`parts`: a bundle by name, each of other languages' pages),
    merged into one `bundle` as Pagefind writes it for all the pages at once: each language's index files are named
    after the language and a hash of their bytes, and the script, styles and language-neutral WebAssembly are the
    same in every bundle; pagefind-entry.json lists each language's index. The parts' files are moved into it.
    Raises SharedLanguage when two parts index one language (one index must hold its pages), a DataError when two
    files of one name differ."""
    entry, source = None, {}
    for name, part in parts.items():
        own = json.loads((part / ENTRY).read_text(encoding="utf-8"))
        if entry is None:
            entry = {**own, "languages": {}}
        elif {k: v for k, v in own.items() if k != "languages"} != {k: v for k, v in entry.items() if k != "languages"}:
            raise DataError([_differ(part / ENTRY, name, source[ENTRY])])
        shared = entry["languages"].keys() & own["languages"].keys()
        if shared:
            raise SharedLanguage(sorted(shared))
        entry["languages"].update(own["languages"])
        source[ENTRY] = name
        for path in sorted(part.rglob("*")):
            relative = path.relative_to(part).as_posix()
            if relative == ENTRY or not path.is_file():
                continue
            target = bundle / relative
            if relative in source:
                if target.read_bytes() != path.read_bytes():
                    raise DataError([_differ(path, name, source[relative])])
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
            source[relative] = name
    if entry is not None:
        entry["languages"] = dict(sorted(entry["languages"].items()))
        (bundle / ENTRY).write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _differ(path: Path, name: str, other: str) -> Problem:
    return Problem(str(path), None, f"Pagefind wrote this file of the {name} pages' search index differently for "
                   f"the {other} pages': the languages' indexes cannot be put together into one",
                   "install the pagefind version that pyproject.toml names, and build again")  # fmt: skip


def _service_ended(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """Pagefind's service reads its process's output in a task of its own, which ends with IncompleteReadError when
    the process has ended (Ctrl+C stops it with us): that is no error; anything else is told as asyncio does."""
    if not isinstance(context.get("exception"), (asyncio.IncompleteReadError, ConnectionError)):
        loop.default_exception_handler(context)
