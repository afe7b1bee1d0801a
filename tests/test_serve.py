"""`serve` is the editor's loop: it serves under a prefix, rebuilds what a save changed, and the open page follows —
it reloads by itself after a good build and shows the error of a failed one over the last good build. On the fixture
knowledge base (serve's behaviour is the generator's; `make bench` times the loop on the real data)."""

import contextlib
import html
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from .conftest import PROJECT
from .helpers import FIXTURE_DATA, copy_project

EDITED = "事業者は、運行管理室と搬器の制御に関わるリスクを評価し、評価の結果を記録する。"  # a paragraph of 1.2
EDITED_FILE = "guideline_data/sections/01_policy.yaml"
EDITED_PAGE = "guideline/1-2/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served_text(url: str) -> str:
    """The page the server sends now, as text (the glossary marks terms inside a paragraph)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return html.unescape(re.sub(r"<[^>]*>", "", response.read().decode("utf-8")))


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def shows(tab, text: str, present: bool = True) -> None:
    """Wait until the open page shows `text` (or no longer does); a page that is reloading has no body yet."""
    tab.wait_for_function("([text, present]) => !!document.body && document.body.innerText.includes(text) === present",
                          arg=[text, present], timeout=120_000)  # fmt: skip


@contextlib.contextmanager
def serving(browser, project: Path, port: int, **popen):
    """`serve` on `port` under /kb/, logging to project/serve.log, and a browser tab; both closed at the end. The tab
    leaves its page first: closing a context while its page reloads for a new build hung Chromium."""
    log = project / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "generator", "--project", str(project), "serve", "--port", str(port), "--prefix",
             "/kb/"],
            stdout=out, stderr=subprocess.STDOUT, **popen,
        )  # fmt: skip
    context = browser.new_context(locale="ja-JP")
    tab = context.new_page()
    try:
        assert wait_for(lambda: "Built in" in log.read_text(), 300), log.read_text()
        yield tab, log
    finally:
        server.terminate()  # first: no new build can reload the page now
        server.wait(timeout=10)
        for _ in range(3):  # a reload begun before may still interrupt the first try
            with contextlib.suppress(PlaywrightError):
                tab.goto("about:blank")
                break
        context.close()


def test_the_deployed_site_has_no_reload_script(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100
    assert not [p for p in pages if b"__kb_reload" in p.read_bytes() or b"kb-serve" in p.read_bytes()]


@pytest.mark.browser
def test_serve_reloads_the_open_page_and_shows_build_errors(browser, tmp_path):
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    port = free_port()
    url = f"http://127.0.0.1:{port}/kb/{EDITED_PAGE}"
    with serving(browser, tmp_path, port, cwd=PROJECT) as (tab, log):
        tab.goto(url)
        assert EDITED in tab.inner_text("article")
        assert tab.locator("#kb-serve-reload").count() == 1  # served pages carry the script

        # A one-paragraph edit: the open page shows it without being reloaded by hand.
        governance = tmp_path / EDITED_FILE
        good = governance.read_text(encoding="utf-8")
        assert good.count(EDITED + "\n") == 1
        saved = time.monotonic()
        governance.write_text(good.replace(EDITED + "\n", EDITED + "（編集中）\n"), encoding="utf-8")
        shows(tab, EDITED + "（編集中）")
        print(f"\nsaved → shown in the open page: {time.monotonic() - saved:.1f} s")

        # Broken YAML: the error shows over the page (as text), the page stays the last good build.
        governance.write_text(
            good.replace(EDITED + "\n", EDITED + "（編集中）\n") + "- id: [broken\n", encoding="utf-8"
        )
        overlay = tab.locator("#kb-serve-error")
        overlay.wait_for(state="visible", timeout=120_000)
        assert EDITED_FILE + ":" in overlay.inner_text()
        assert EDITED + "（編集中）" in tab.inner_text("article")
        assert EDITED + "（編集中）" in served_text(url)  # still served, from the last good build

        # Fixed: the page reloads, without the overlay, with the new text.
        governance.write_text(good.replace(EDITED + "\n", EDITED + "（直した）\n"), encoding="utf-8")
        shows(tab, EDITED + "（直した）")
        assert tab.locator("#kb-serve-error").count() == 0

        # An error that is not about the data (here the build folder is damaged): reported the same way, the server
        # keeps serving, and the next save after the cause is gone builds again.
        state = tmp_path / "build" / "ja" / "site-state.json"
        state.unlink()
        state.mkdir()
        governance.write_text(good.replace(EDITED + "\n", EDITED + "（三回目）\n"), encoding="utf-8")
        tab.locator("#kb-serve-error").wait_for(state="visible", timeout=120_000)
        assert "unexpected error" in tab.locator("#kb-serve-error").inner_text()
        assert EDITED + "（直した）" in served_text(url)
        state.rmdir()
        governance.write_text(good, encoding="utf-8")
        shows(tab, EDITED + "（", present=False)
        assert EDITED in tab.inner_text("article") and tab.locator("#kb-serve-error").count() == 0
    printed = log.read_text()
    assert "Traceback" not in printed
    assert EDITED_FILE + ":" in printed and "unexpected error" in printed


@pytest.mark.browser
def test_serve_restarts_on_a_code_change_and_never_closes_its_port(browser, tmp_path):
    """A copy of the generator inside a copy of the project: saving a module restarts serve on the same listening
    socket (the open page reloads); a module that does not load keeps the old code running and says so."""
    copy_project(tmp_path, ("overrides", "docs", "mkdocs.yml", "generator"))  # the generator and its defaults
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    port = free_port()
    url = f"http://127.0.0.1:{port}/kb/{EDITED_PAGE}"
    own_code = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}  # the copy, not the project's generator
    with serving(browser, tmp_path, port, cwd=tmp_path, env=own_code) as (tab, log):
        tab.goto(url)
        tab.evaluate("window.kbBefore = true")
        module = tmp_path / "generator" / "pages.py"
        good = module.read_text(encoding="utf-8")
        module.write_text(good + "\nbroken = (\n", encoding="utf-8")
        tab.locator("#kb-serve-error").wait_for(state="visible", timeout=120_000)
        assert "does not load" in tab.locator("#kb-serve-error").inner_text()
        assert EDITED in served_text(url)
        module.write_text(good + "\n# saved again\n", encoding="utf-8")
        tab.wait_for_function("window.kbBefore === undefined", timeout=120_000)  # reloaded by the new process
        assert wait_for(lambda: log.read_text().count("Built in") >= 2, 300), log.read_text()
        assert EDITED in served_text(url)
        printed = log.read_text()
        assert "restarting" in printed and "does not load" in printed and "Traceback" not in printed
