"""Stage 7, search: Pagefind indexes the assembled site, one index per <html lang>, into its pagefind/ folder;
as a command, or as a service that a build starts first (it loads its dictionary meanwhile) and `serve` keeps."""

from __future__ import annotations

import asyncio
import base64
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


def _service_ended(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """Pagefind's service reads its process's output in a task of its own, which ends with IncompleteReadError when
    the process has ended (Ctrl+C stops it with us): that is no error; anything else is told as asyncio does."""
    if not isinstance(context.get("exception"), (asyncio.IncompleteReadError, ConnectionError)):
        loop.default_exception_handler(context)
