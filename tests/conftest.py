"""Shared fixtures: one real build of the real data per test session, served over HTTP under a URL prefix,
a real headless Chromium driven by playwright, and the small fixture knowledge base for the unit tests."""

from __future__ import annotations

import functools
import http.server
import os
import pickle
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

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


def recording_tab(browser, server: str):
    """A fresh browser context (empty storage) and its tab; every request that leaves the server is recorded."""
    context = browser.new_context(accept_downloads=True, locale="ja-JP")
    tab = context.new_page()
    tab.outside_requests = []
    tab.on("request", lambda r: None if r.url.startswith(server) else tab.outside_requests.append(r.url))
    return context, tab


def closed(context, tab) -> None:
    """Close the context; then no page a test opened may have asked for anything outside the site (intranets are
    closed): checked after every browser test, whatever it was about."""
    context.close()
    assert tab.outside_requests == [], f"requests outside the site: {tab.outside_requests[:5]}"


@pytest.fixture
def page(browser, server):
    context, tab = recording_tab(browser, server)
    yield tab
    closed(context, tab)


@pytest.fixture(scope="module")
def shared_page(browser, server):
    """One tab for all the tests of a module that only look, each at a page it opens (search, accessibility, the
    site browser tests): no new browser context per test, and the page and its search engine load once."""
    context, tab = recording_tab(browser, server)
    yield tab
    closed(context, tab)
