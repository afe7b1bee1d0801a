"""Stage 7, search: Pagefind indexes the assembled site, one index per <html lang>, into its pagefind/ folder;
as a command, or as a service that a build starts first (it loads its dictionary meanwhile) and `serve` keeps.

When a core would be free while MkDocs writes the pages (a language built alone on more than two cores), each page
goes to the service as MkDocs writes it (`Stream`), in whichever process writes it, so that Pagefind indexes the
pages on that core instead of after the whole site; the index is then written into the new site. On two cores the
languages' processes (or a language's two, mkdocs_adapter.Halves) keep both busy, and Pagefind, which reads a site on
two threads of its own, indexes the assembled site after them: handing it the pages one by one costs its process a
quarter more and this one a second at a catalog's size, which the cores would have to find while MkDocs runs.
Streamed pages go to Pagefind in the order of their paths, a language at a time, whatever order they come in
(Pagefind numbers a language's pages in the order it is given them, as it reads a folder when it reads the site):
the same pages streamed give the same index, however the processes' pages interleave."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from pagefind.service import PagefindService

from .errors import DataError, Problem
from .parallel import can_fork

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
    """Pagefind's service, spoken to as its package does, but for two things that cost at a request per page (a
    catalog's 1,222): the package's client formats every request, the page's whole HTML, into a debug message that
    nobody reads (2.5 s of this process's CPU at that size), and its reader waits a tenth of a second before each
    answer (two minutes)."""

    async def send(self, payload):
        self._message_id += 1
        future = self._loop.create_future()
        self._responses[self._message_id] = future
        request = json.dumps({"message_id": self._message_id, "payload": payload}).encode()
        self._backend.stdin.write(base64.b64encode(request) + b",")  # the service reads up to a comma
        await self._backend.stdin.drain()
        return await future

    async def _wait_for_responses(self) -> None:
        try:
            while True:
                output = await self._backend.stdout.readuntil(b",")
                answer = json.loads(base64.b64decode(output[:-1]))
                if not isinstance(answer, dict):
                    continue
                future = self._responses.pop(answer.get("message_id"), None)
                if future is None or future.done():
                    continue
                payload = answer["payload"]
                if payload["type"] == "Error":
                    future.set_exception(RuntimeError(payload.get("message"), payload.get("original_message")))
                else:
                    future.set_result(payload)
        except BaseException as error:  # the process ended: no request waits for an answer that cannot come
            for future in self._responses.values():
                if not future.done():
                    future.set_exception(RuntimeError(f"Pagefind's service ended: {error!r}"))
            raise


class SearchIndex:
    """Pagefind as a service, in a thread of its own. Started when a build starts, its process launches while this
    process loads the data; once the knowledge base's languages are known, `warm` has it load what each needs (a
    language's dictionary is the better part of its time: Japanese's) on the other core while the pages are made.
    `serve` keeps it from build to build, so that each loads once. When the service cannot be used, the command line
    indexes instead."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_service_ended)
        self._launched = None
        self._launching = None
        self._warming = None
        self._warmed: set[str] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pagefind", daemon=True)
        self._thread.start()
        self._service = asyncio.run_coroutine_threadsafe(self._start(), self._loop)

    async def _start(self):

        # asyncio cannot cancel a process while it is being started (its pipes never connect and the cancelled
        # start waits for them for ever): close() waits for this launch, then kills the process
        self._launching = asyncio.ensure_future(_Service().launch())
        self._launched = await asyncio.shield(self._launching)
        return self._launched

    def warm(self, texts: dict[str, str]) -> None:
        """Have the service index `texts` (a text by language code: words of the knowledge base) and forget them, so
        that it loads what each language needs now rather than when the site is indexed."""
        new = {code: text for code, text in texts.items() if code not in self._warmed}
        if new:
            self._warmed |= new.keys()
            self._warming = asyncio.run_coroutine_threadsafe(self._warm(self._service, new), self._loop)

    @staticmethod
    async def _warm(service, texts: dict[str, str]) -> None:
        with contextlib.suppress(Exception):  # a service that failed is told by index(), which indexes otherwise
            service = await asyncio.wrap_future(service)
            index = await service.create_index(None)
            for code, text in texts.items():
                await index.add_custom_record(url=f"/{code}/", content=text, language=code)
            await index.delete_index()

    def index(self, site: Path) -> bool:
        """Index `site` into site/pagefind/; False when the service failed (nothing is written then)."""
        try:
            service = self._service.result(timeout=SEARCH_TIMEOUT)
            done = asyncio.run_coroutine_threadsafe(self._index(service, site), self._loop)
            done.result(timeout=SEARCH_TIMEOUT)
            return True
        except Exception:  # noqa: BLE001 - the command line reports what is wrong
            shutil.rmtree(site / PAGEFIND_FOLDER, ignore_errors=True)
            self._restart()
            return False

    def _restart(self) -> None:
        self._service = asyncio.run_coroutine_threadsafe(self._start(), self._loop)  # a fresh one next time
        self._warmed = set()

    @staticmethod
    async def _index(service, site: Path) -> None:
        index = await service.create_index(CONFIG)
        try:
            await index.add_directory(str(site))
            await index.write_files(output_path=str(site / PAGEFIND_FOLDER))
        finally:
            await index.delete_index()

    def stream(self, prefixes: dict[str, str]) -> Stream:
        """A stream for a build's languages (`prefixes`: each language's folder in the site, "" or "en/")."""
        return Stream(self, prefixes)

    def close(self) -> None:
        """Stop the service; one still starting or loading a dictionary (a build that stopped early) is killed once
        its process has started, not awaited."""

        async def stop():
            if self._launching is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._launching), 10)
            service, process = self._launched, getattr(self._launched, "_backend", None)
            if not self._service.done() or (self._warming is not None and not self._warming.done()):
                self._service.cancel()
                if self._warming is not None:
                    self._warming.cancel()
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


class Sender:
    """What a process writing a language's pages (MkDocs, see mkdocs_adapter) hands the stream: the HTML files the
    language will have (`expect`, once), then each file as it is written (None: MkDocs wrote nothing for it)."""

    def __init__(self, channel, lock, code: str, prefix: str) -> None:
        self._channel, self._lock, self.code, self.prefix = channel, lock, code, prefix

    def expect(self, paths: list[str]) -> None:
        self._send(("expect", [self.prefix + path for path in paths]))

    def page(self, path: str, html: str | None) -> None:
        self._send(("page", (self.prefix + path, html)))

    def _send(self, message: tuple) -> None:
        with self._lock:  # the languages' processes share one channel
            self._channel.send((self.code, *message))


class Stream:
    """Each language's pages handed to Pagefind as they are written, in the processes that write them (see Sender):
    a thread of this process passes them on to the service in the order of their paths, a language at a time (a page
    that comes early waits for those before it). `finish` once every writer is done; `write` the index into a site
    when every page of every language came, else the whole site is indexed as before."""

    def __init__(self, search: SearchIndex, prefixes: dict[str, str]) -> None:
        context = multiprocessing.get_context("fork" if can_fork() else None)
        self._reader, self._writer = context.Pipe(duplex=False)
        self._lock = context.Lock()
        self._search, self._prefixes = search, prefixes
        self._expected: dict[str, list[str]] = {}
        self._next = dict.fromkeys(prefixes, 0)
        self._waiting: dict[str, str | None] = {}
        self._added: list[concurrent.futures.Future] = []
        self._index = None
        self.failed = False
        self._relay = threading.Thread(target=self._pass_on, name="pagefind-stream", daemon=True)
        self._relay.start()

    def sender(self, code: str) -> Sender:
        return Sender(self._writer, self._lock, code, self._prefixes[code])

    def _pass_on(self) -> None:
        try:
            service = self._search._service.result(timeout=SEARCH_TIMEOUT)
            self._index = self._run(service.create_index(CONFIG)).result(timeout=SEARCH_TIMEOUT)
        except Exception:  # noqa: BLE001 - the site is indexed whole instead
            self.failed = True
        while True:
            try:
                code, kind, value = self._reader.recv()
            except (EOFError, OSError):
                return
            if self.failed:
                continue  # read all the same: a writer never waits for a reader that stopped
            if kind == "expect" and code not in self._expected:
                self._expected[code] = sorted(value)
            elif kind == "page":
                self._waiting[value[0]] = value[1]
            else:
                self.failed = True
            self._add_ready(code)

    def _add_ready(self, code: str) -> None:
        expected = self._expected.get(code, [])
        while self._next[code] < len(expected) and expected[self._next[code]] in self._waiting:
            path = expected[self._next[code]]
            html = self._waiting.pop(path)
            if html is not None:
                self._added.append(self._run(self._index.add_html_file(content=html, source_path=path)))
            self._next[code] += 1

    def _run(self, coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._search._loop)

    def finish(self) -> bool:
        """Every writer is done (their processes ended): whether every page of every language reached Pagefind."""
        self._writer.close()
        self._relay.join(timeout=SEARCH_TIMEOUT)
        if self._relay.is_alive():  # a writer still holds the channel: its pages are not waited for
            self.failed = True
            self._reader.close()
            self._relay.join()
        complete = (
            not self.failed
            and not self._waiting
            and all(code in self._expected and self._next[code] == len(self._expected[code]) for code in self._prefixes)
        )
        done, _ = concurrent.futures.wait(self._added, timeout=SEARCH_TIMEOUT)
        return complete and len(done) == len(self._added) and not any(future.exception() for future in done)

    def write(self, site: Path) -> bool:
        """The index of the pages streamed, written into site/pagefind/; False when the service failed."""
        try:
            self._run(self._index.write_files(output_path=str(site / PAGEFIND_FOLDER))).result(timeout=SEARCH_TIMEOUT)
            return True
        except Exception:  # noqa: BLE001 - the site is indexed whole instead
            shutil.rmtree(site / PAGEFIND_FOLDER, ignore_errors=True)
            self._search._restart()
            return False

    def close(self) -> None:
        """The pages streamed are forgotten (written or not), the channel closed."""
        with contextlib.suppress(Exception):
            self._writer.close()
        if self._relay.is_alive():
            self._reader.close()
            self._relay.join(timeout=10)
        with contextlib.suppress(Exception):
            self._reader.close()
        if self._index is not None:
            with contextlib.suppress(Exception):
                self._run(self._index.delete_index()).result(timeout=30)


def _service_ended(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """Pagefind's service reads its process's output in a task of its own, which ends with IncompleteReadError when
    the process has ended (Ctrl+C stops it with us): that is no error; anything else is told as asyncio does."""
    if not isinstance(context.get("exception"), (asyncio.IncompleteReadError, ConnectionError)):
        loop.default_exception_handler(context)
