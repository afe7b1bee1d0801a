"""Shared fixtures: one real build of the real data per test session, served over HTTP under a URL prefix,
a real headless Chromium driven by playwright, and the small fixture knowledge base for the unit tests."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import pickle
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from filelock import FileLock

from generator.build import BuildReport, Paths, build, load_knowledge_base
from generator.link import Linked
from generator.serve import PrefixHandler

from .helpers import FIXTURE_DATA, copy_project
from .page_kinds import DEFAULT_LANGUAGE

pytest_plugins = ["tests.cpu_time"]  # --cpu-durations=N: the tests that took the most processor time

PROJECT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
PREFIX = "/sec/guideline/"  # the site must work under any prefix, so the tests never serve it at the root
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def linked() -> Linked:
    return load_knowledge_base(PROJECT / "guideline_data")


@pytest.fixture(scope="session")
def fixture_linked() -> Linked:
    """The fixture knowledge base (tests/fixtures/kb), loaded once: for unit tests of the generator's behaviour.
    Tests of this guideline's own content use `linked`."""
    return load_knowledge_base(FIXTURE_DATA)


# The test files that take longest, longest first (seconds on a loaded 2-core run of the whole suite, 2026-12-07):
# `make test` hands files to its workers in this order (--no-loadscope-reorder), so that the long ones start early
# and the last minutes are short files on both workers, not one long file while the other worker is idle.
SLOWEST_FILES = (
    "test_search.py",  # 322
    "test_bad_input.py",  # 256: needs no build of the real data, so the other worker builds it meanwhile
    "test_rollup.py",  # 197
    "test_accessibility.py",  # 179
    "test_office.py",  # 101
    "test_offline.py",  # 88
    "test_serve.py",  # 84
    "test_install.py",  # 79
    "test_search_index.py",  # 59
    "test_answers_xlsx.py",  # 53
    "test_hostile.py",  # 51
    "test_templates.py",  # 47
    "test_overlay.py",  # 47
    "test_cache.py",  # 46
    "test_checklists.py",  # 43
    "test_release.py",  # 40
    "test_build.py",  # 39
    "test_open_data.py",  # 38
    "test_answers_browser.py",  # 38
    "test_html_valid.py",  # 36
    "test_phone.py",  # 30
    "test_site_browser.py",  # 25
    "test_import.py",  # 23
    "test_isolation.py",  # 21
    "test_i18n.py",  # 20
    "test_examples.py",  # 14
    "test_language_data.py",  # 12
    "test_kinds.py",  # 12
)


def pytest_collection_modifyitems(items) -> None:
    """The slowest files first (SLOWEST_FILES), then the others in their order. In a file, the tests that need no
    build of the real data first: a worker runs them before it waits for the build another worker is making. Of a
    file's tests that share one tab, those of the site's first language come first: the tab changes language once,
    not at each test's pair of languages, and a language's first page loads its search engine again."""
    order = {name: rank for rank, name in enumerate(SLOWEST_FILES)}
    files = {item.nodeid.split("::")[0]: index for index, item in reversed(list(enumerate(items)))}

    def file_rank(item) -> tuple[int, int]:
        path = item.nodeid.split("::")[0]
        return order.get(path.rsplit("/", 1)[-1], len(order)), files[path]

    def language(item) -> int:
        code = getattr(item, "callspec", None) and item.callspec.params.get("language")
        return 1 if "shared_page" in item.fixturenames and code not in (None, DEFAULT_LANGUAGE) else 0

    items.sort(key=lambda item: (file_rank(item), "built" in item.fixturenames, language(item)))


def once_per_run(tmp_path_factory, name: str, make: Callable[[Path], T]) -> T:
    """`make(folder)` once per test run, in a new folder `name`. With several workers (pytest-xdist) the first to ask
    makes it in the folder they share, the others wait for it and read what it returned. No test changes it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, the workers' own folders below it
    made = shared / f"{name}.pickle"
    with FileLock(shared / f"{name}.lock"):
        if not made.is_file():
            made.write_bytes(pickle.dumps(make(shared / name)))
    return pickle.loads(made.read_bytes())


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Paths, BuildReport]:
    """The whole real build, of a copy of the project's sources (the tests never touch ./site)."""

    def make(folder: Path) -> tuple[Paths, BuildReport]:
        paths = Paths.of(copy_project(folder))
        return paths, build(paths)

    return once_per_run(tmp_path_factory, "project", make)


def example_site(tmp_path_factory, name: str) -> Path:
    """examples/<name> built from a copy of its data folder alone (no mkdocs.yml, overrides or assets of its own);
    its site."""

    def make(folder: Path) -> Path:
        shutil.copytree(PROJECT / "examples" / name / "guideline_data", folder / "guideline_data")
        paths = Paths.of(data=folder / "guideline_data")
        build(paths)
        return paths.site

    return once_per_run(tmp_path_factory, name, make)


@pytest.fixture(scope="session")
def site(built) -> Path:
    return built[0].site


@pytest.fixture(scope="session")
def server(site) -> Iterator[str]:
    """The built site on 127.0.0.1 under PREFIX; yields the base URL."""
    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": PREFIX}), directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# What a new context of playwright's gives a page: the shared tab is set back to it before each test.
VIEWPORT = {"width": 1280, "height": 720}
MEDIA = {"media": "null", "color_scheme": "light", "reduced_motion": "no-preference", "forced_colors": "none",
         "contrast": "no-preference"}  # fmt: skip
TIMEOUT = 30_000  # ms, playwright's own


class SharedTab:
    """One browser context and one tab per worker, for every test that opens pages of a site: a new context per test
    cost a second of processor time each. `reset(server)` sets them back to what a new context's tab is, so that no
    test sees what another left: other tabs and popups closed; the listeners, init scripts and routes a test added
    removed; its pages gone from the tab's history; the storage of every site it touched cleared (local and session
    storage, IndexedDB, the cache API, service workers, cookies) with the HTTP cache; permissions, geolocation,
    offline mode and extra headers undone; the viewport, media emulation, timeouts and pointer as new. Every request
    that leaves the server being tested is recorded in the tab's `outside_requests`."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(accept_downloads=True, locale="ja-JP", viewport=VIEWPORT)
        self.tab = self.context.new_page()
        self.server = ""
        self.origins: set[str] = set()  # of every page and resource asked for since the last reset (file:// is one)
        self.tab.outside_requests = []
        self.context.on("request", self._requested)
        self.undo: list[Callable[[], object]] = []
        for target in (self.context, self.tab):
            self._track(target)

    def _requested(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "file"):
            self.origins.add(f"{parts.scheme}://{parts.netloc}")
        if not request.url.startswith(self.server):
            self.tab.outside_requests.append(request.url)

    def _track(self, target) -> None:
        """What a test adds to the context or the tab is recorded as it is added, to be taken away at the reset."""

        def listener(add):
            def added(event, f):
                self.undo.append(lambda: target.remove_listener(event, f))
                return add(event, f)

            return added

        def init_script(add):
            def added(*args, **kwargs):
                script = add(*args, **kwargs)
                self.undo.append(script.close)
                return script

            return added

        def refused(name):
            def call(*args, **kwargs):
                raise RuntimeError(f"{name} cannot be taken back: a test that needs it opens a context of its own")

            return call

        for name in ("on", "once"):
            setattr(target, name, listener(getattr(target, name)))
        target.add_init_script = init_script(target.add_init_script)
        for name in ("expose_binding", "expose_function"):
            setattr(target, name, refused(name))

    def reset(self, server: str):
        """The tab as a new context's (see the class), its requests checked against `server` from now on."""
        context, tab = self.context, self.tab
        for other in context.pages:
            if other is not tab:
                other.close()
        while self.undo:
            with contextlib.suppress(KeyError, ValueError):  # a listener added with once() that has run is gone
                self.undo.pop()()
        tab.unroute_all(behavior="ignoreErrors")
        context.unroute_all(behavior="ignoreErrors")
        tab.goto("about:blank")
        cdp = context.new_cdp_session(tab)  # not kept: while a second session is open, emulate_media changes nothing
        try:
            cdp.send("Page.resetNavigationHistory")  # going back leads to no page of the test before
            for origin in sorted(self.origins):
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
            cdp.send("Network.clearBrowserCache")
        finally:
            cdp.detach()
        self.origins.clear()
        context.clear_cookies()
        context.clear_permissions()
        context.set_geolocation(None)
        context.set_offline(False)
        context.set_extra_http_headers({})
        tab.set_extra_http_headers({})
        tab.set_viewport_size(VIEWPORT)
        tab.emulate_media(**MEDIA)
        tab.set_default_timeout(TIMEOUT)
        tab.set_default_navigation_timeout(TIMEOUT)
        tab.mouse.move(-1, -1)  # off the page: no element stays hovered
        self.watch(server)
        return tab

    def watch(self, server: str) -> None:
        """Record the requests that leave `server` from now on."""
        self.server = server
        self.tab.outside_requests.clear()

    def check(self) -> None:
        """No page opened since `watch` may have asked for anything outside the site (intranets are closed)."""
        outside = list(self.tab.outside_requests)
        self.tab.outside_requests.clear()
        assert outside == [], f"requests outside the site: {outside[:5]}"


@pytest.fixture(scope="session")
def shared_tab(browser) -> Iterator[SharedTab]:
    shared = SharedTab(browser)
    yield shared
    shared.context.close()


@contextlib.contextmanager
def tab_on(shared_tab: SharedTab, server: str):
    """The worker's tab, reset, for a test of the site `server`; checked for requests outside it at the end (checked
    after every browser test, whatever it was about)."""
    yield shared_tab.reset(server)
    shared_tab.check()


@pytest.fixture
def page(shared_tab, server):
    with tab_on(shared_tab, server) as tab:
        yield tab


@pytest.fixture(scope="module")
def _module_tab(shared_tab, server):
    return shared_tab.reset(server)


@pytest.fixture
def shared_page(_module_tab, shared_tab, server):
    """The tab, reset once for all the tests of a module that only look, each at a page it opens (search,
    accessibility, the site browser tests): the page and its search engine load once. Checked after each test."""
    shared_tab.watch(server)
    yield _module_tab
    shared_tab.check()
