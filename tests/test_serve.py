"""`serve` is the editor's loop: it serves under a prefix, rebuilds what a save changed, and the open page follows —
it reloads by itself after a good build and shows the error of a failed one over the last good build. On the fixture
knowledge base (serve's behaviour is the generator's; `make bench` times the loop on the real data)."""

import contextlib
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
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
def serving(shared_tab, project: Path, port: int, **popen):
    """`serve` on `port` under /kb/, logging to project/serve.log, and the worker's browser tab, reset; the server
    stopped at the end, then the tab leaves its page (one reloading for a new build hung Chromium as it closed)."""
    log = project / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "generator", "--project", str(project), "serve", "--port", str(port), "--prefix",
             "/kb/"],
            stdout=out, stderr=subprocess.STDOUT, **popen,
        )  # fmt: skip
    tab = shared_tab.reset(f"http://127.0.0.1:{port}/kb/")
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


def test_the_deployed_site_has_no_reload_script(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100
    assert not [p for p in pages if b"__kb_reload" in p.read_bytes() or b"kb-serve" in p.read_bytes()]


@pytest.mark.browser
def test_serve_reloads_the_open_page_and_shows_build_errors(shared_tab, tmp_path):
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    port = free_port()
    url = f"http://127.0.0.1:{port}/kb/{EDITED_PAGE}"
    with serving(shared_tab, tmp_path, port, cwd=PROJECT) as (tab, log):
        # serve builds into its own folder: site/, the one to deploy, only ever holds what build or release made
        assert (tmp_path / "serve-site" / "index.html").is_file() and not (tmp_path / "site").exists()
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
        # The open page is built and shown first; the rest (the exports among it) follows, and is right then.
        assert wait_for(lambda: log.read_text().count("Built in") == 2, 120), log.read_text()
        after_edit = log.read_text().split("Change seen", 1)[1]
        assert re.search(r"Shown in [0-9.]+ s \(CPU [0-9.]+ s\): guideline/1-2/ ", after_edit), after_edit
        assert after_edit.index("Shown in") < after_edit.index("Built in")
        exported = json.loads((tmp_path / "serve-site" / "downloads" / "data" / "knowledge-base.ja.json").read_bytes())
        assert EDITED + "（編集中）" in json.dumps(exported, ensure_ascii=False)

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
def test_serve_restarts_on_a_code_change_and_never_closes_its_port(shared_tab, tmp_path):
    """A copy of the generator inside a copy of the project: saving a module restarts serve on the same listening
    socket (the open page reloads); a module that does not load keeps the old code running and says so."""
    copy_project(tmp_path, ("overrides", "docs", "mkdocs.yml", "generator"))  # the generator and its defaults
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    port = free_port()
    url = f"http://127.0.0.1:{port}/kb/{EDITED_PAGE}"
    own_code = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}  # the copy, not the project's generator
    with serving(shared_tab, tmp_path, port, cwd=tmp_path, env=own_code) as (tab, log):
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


def test_the_first_run_prints_each_stage_and_the_page_says_it_is_building_until_the_site_is_there(browser, tmp_path):
    """Until the first build is done, every page is one in the knowledge base's language that says the site is being
    built (503); it reloads by itself into the site. The console says each stage as it starts."""
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        command = [sys.executable, "-m", "generator", "--project", str(tmp_path), "serve", "--port", str(port)]
        server = subprocess.Popen([*command, "--prefix", "/kb/"], stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT)
    context = browser.new_context(locale="en-GB")  # the reader's browser language does not choose the page's
    tab = context.new_page()
    try:
        url = f"http://127.0.0.1:{port}/kb/"
        assert wait_for(lambda: "Serving on" in log.read_text(), 60), log.read_text()
        tab.goto(url)
        assert tab.evaluate("document.documentElement.lang") == "ja"  # the fixture's first language
        assert tab.locator("h1").inner_text() == "サイトを作成しています", log.read_text()
        assert tab.locator("#kb-serve-reload").count() == 1
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(url, timeout=30)
        assert answer.value.code == 503 or "Built in" in log.read_text()
        tab.wait_for_function("!!document.querySelector('.md-header')", timeout=300_000)  # the site, by itself
        printed = log.read_text()
        stages = [line.strip() for line in printed.splitlines() if line.startswith("  ") and line.endswith("…")]
        languages = "writing the pages and running MkDocs for each language (ja, en), in parallel…"
        assert stages[:3] == ["reading guideline_data/…", "checking the data and its references…", languages], printed
        assert printed.index(stages[-1]) < printed.index("Built in")
    finally:
        server.terminate()
        server.wait(timeout=10)
        with contextlib.suppress(PlaywrightError):
            tab.goto("about:blank")
        context.close()


def test_the_building_page_speaks_the_knowledge_base_s_first_language(tmp_path):
    from generator.serve import building_page

    data = shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    page = building_page(data).decode()
    assert '<html lang="ja">' in page and "<h1>サイトを作成しています</h1>" in page
    config = data / "kb.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("languages: [ja, en]", "languages: [en, ja]"), "utf-8")
    assert "<h1>Building the site</h1>" in building_page(data).decode()
    (data / "ui.yaml").write_text("serve.building.title: {en: 'Wait <a little>'}\n", encoding="utf-8")
    assert "<h1>Wait &lt;a little&gt;</h1>" in building_page(data).decode()  # its own words, escaped
    # a language the generator's strings are not written in: shown in its interface_fallback
    config.write_text("languages: [de]\ninterface_fallback: {de: en}\n", encoding="utf-8")
    (data / "ui.yaml").unlink()
    assert '<html lang="en">' in building_page(data).decode()
    config.write_text("languages: [broken\n", encoding="utf-8")  # the build will say what is wrong
    assert '<html lang="ja">' in building_page(data).decode()


# ---------------------------------------------------------------- what serve answers, and to whom


@pytest.fixture
def served(tmp_path):
    """serve's own server and handler (generator/serve.py) on a small site under /kb/: the index, a page, a link to
    a file outside the site and a link inside it. Yields (port, site, outside file)."""
    from generator.serve import Builds, QuietServer, allowed_hosts, handler_class

    site, secret = tmp_path / "site", tmp_path / "secret.txt"
    (site / "docs").mkdir(parents=True)
    (site / "index.html").write_text("<html><body><p>home</p></body></html>", encoding="utf-8")
    (site / "docs" / "page.css").write_text("body {}", encoding="utf-8")
    secret.write_text("private", encoding="utf-8")
    (site / "leak.txt").symlink_to(secret)
    (site / "inside.css").symlink_to(site / "docs" / "page.css")
    server = QuietServer(("127.0.0.1", 0), None)
    port = server.server_address[1]
    server.RequestHandlerClass = handler_class(site, "/kb/", Builds(), allowed_hosts(port, ["kb.intranet"]))
    server.RequestHandlerClass.func.timeout = 1  # idle connections closed after a second (30 in use)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield port, site, secret
    server.shutdown()
    server.server_close()


def raw_request(port: int, request: bytes) -> bytes:
    """What the server sends back for `request`, as bytes (the client sends exactly what a hostile page would)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status(port: int, path: str, host: str | None = None, headers: str = "") -> int:
    host = host or f"127.0.0.1:{port}"
    answer = raw_request(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n".encode())
    return int(answer.split(b" ", 2)[1])


def test_serve_answers_only_requests_for_its_own_address(served):
    port, _, _ = served
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"kb.intranet:{port}", "KB.intranet:"
                 f"{port}"):  # fmt: skip
        assert status(port, "/kb/", host) == 200, host
    for host in (f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}", f"localhost.evil.example:{port}"):
        assert status(port, "/kb/", host) == 403, host
    answer = raw_request(
        port, f"GET /kb/ HTTP/1.1\r\nHost: rebound.example:{port}\r\nConnection: close\r\n\r\n".encode()
    )
    assert b"home" not in answer
    said = f"this server answers requests for 127.0.0.1:{port}, [::1]:{port}, kb.intranet:{port}, localhost:{port} "
    assert (said + "only (serve --allow-host NAME adds a name)").encode() in answer
    no_host = raw_request(port, b"GET /kb/ HTTP/1.0\r\n\r\n")
    assert no_host.startswith(b"HTTP/1.0 403")


def test_the_reload_endpoint_tells_nothing_to_another_origin(served):
    port, _, _ = served
    assert status(port, "/kb/__kb_reload?since=x", headers="Origin: https://evil.example\r\n") == 403
    assert status(port, "/kb/__kb_reload?since=x", headers="Origin: null\r\n") == 403
    same = raw_request(port, f"GET /kb/__kb_reload?since=x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: "
                       f"http://127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())  # fmt: skip
    assert same.startswith(b"HTTP/1.0 200") and b'"error": null' in same
    assert b"Access-Control-Allow-Origin" not in same


def test_an_open_page_reloads_only_after_a_build_that_changed_it_or_what_every_page_loads():
    """The reload endpoint hears which page asks and which build it shows: a build that changed other pages, or
    only downloads, leaves it as it is; one that changed it, or a style sheet, reloads it; the pages asking are the
    open ones (what serve builds first)."""
    from generator.serve import Builds, QuietServer, allowed_hosts, handler_class

    builds = Builds()
    server = QuietServer(("127.0.0.1", 0), None)
    port = server.server_address[1]
    server.RequestHandlerClass = handler_class(Path("/nonexistent"), "/kb/", builds, allowed_hosts(port))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shown = builds.state.id

    def ask(page: str, since: str, seen: str = shown) -> dict:
        url = f"http://127.0.0.1:{port}/kb/__kb_reload?since={since}&shown={seen}&page=" + urllib.parse.quote(page)
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    try:
        waiting = threading.Thread(target=ask, args=("/kb/guideline/1-2/", shown))
        waiting.start()
        assert wait_for(lambda: builds.open_pages() == {"guideline/1-2/"}, 10)
        builds.finished(None, ["guideline/1-1/index.html", "downloads/data/knowledge-base.ja.json", "sitemap.xml"])
        waiting.join(10)
        assert ask("/kb/guideline/1-2/", shown)["reload"] is False
        assert ask("/kb/guideline/1-1/index.html", shown)["reload"] is True
        builds.finished("broken.yaml:3: a problem")
        assert ask("/kb/guideline/1-2/", shown) == {"build": builds.state.id, "error": "broken.yaml:3: a problem",
                                                     "reload": False}  # fmt: skip
        builds.finished(None, ["assets/stylesheets/kb.css"])
        assert ask("/kb/guideline/1-2/", shown)["reload"] is True
        builds.finished(None, [])
        assert ask("/kb/guideline/1-2/", "x", seen=builds.state.id)["reload"] is False
        assert ask("/kb/guideline/1-2/", "x", seen="1-0")["reload"] is True  # shown by a server before a restart
    finally:
        server.shutdown()
        server.server_close()


def test_serve_follows_no_link_out_of_its_folder(served):
    port, _, secret = served
    assert status(port, "/kb/leak.txt") == 404
    assert status(port, "/kb/inside.css") == 200  # a link that stays inside is followed
    assert status(port, "/kb/../secret.txt") == 404 and status(port, "/kb/%2e%2e/secret.txt") == 404
    assert status(port, f"/kb/{secret}") == 404


def test_malformed_requests_get_a_4xx_and_no_traceback(served, capfd):
    port, _, _ = served
    deep = "/kb/" + "a/" * 3000
    cases = {"/kb/%00": 400, "/kb/%ed%a0%80": 400, "/kb/%ff": 400, "/kb/a%0a": 400, deep: 414,
             "/kb/" + "a" * 3000: 414, "/kb/" + "a/" * 70: 414}  # fmt: skip
    for path, expected in cases.items():
        assert status(port, path) == expected, path[:40]
    # Not HTTP at all: answered as HTTP/0.9 is (no status line), with the 400 page.
    assert b"Error code: 400" in raw_request(port, b"\x00\xff garbage\r\n\r\n")
    assert status(port, "/kb/") == 200  # and it goes on serving
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out and "serve:" not in printed.err


def test_idle_connections_are_closed(served):
    port, _, _ = served
    with socket.create_connection(("127.0.0.1", port), timeout=10) as idle:
        start = time.monotonic()
        assert idle.recv(100) == b""  # closed by the server, without a request
        assert time.monotonic() - start < 5


def test_serve_prints_a_url_that_works_under_a_prefix_with_a_space_and_stops_quietly_on_ctrl_c(tmp_path):
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "generator", "--project", str(tmp_path), "serve", "--port", str(port), "--prefix",
             "/a b/"], stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
    try:
        assert wait_for(lambda: "Built in" in log.read_text(), 300), log.read_text()
        first = log.read_text().splitlines()[0]
        url = f"http://127.0.0.1:{port}/a%20b/"
        assert first == f"Serving on {url} — edit the data and save: open pages reload. Ctrl+C stops."
        assert "架空索道" in served_text(url)
        os.killpg(server.pid, signal.SIGINT)  # Ctrl+C in a terminal: the whole foreground group
        assert server.wait(timeout=60) == 130
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    printed = log.read_text().splitlines()
    assert printed[-1] == f"Interrupted; {tmp_path}/site/ was left as it was." and "Traceback" not in log.read_text()


def test_serve_stopped_while_it_builds_leaves_no_process_behind(tmp_path):
    """Terminated (SIGTERM, as a service manager or a test stops it) while its languages' processes run: they, and
    Pagefind's services, end with it (the system's default left them running, waiting for work for ever)."""
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    mark = f"KB_TEST_RUN={tmp_path}"  # in the environment of every process it starts
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "generator", "--project", str(tmp_path), "serve", "--port", str(free_port())],
            stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT, env={**os.environ, "KB_TEST_RUN": str(tmp_path)},
        )  # fmt: skip
    try:
        assert wait_for(lambda: "writing the pages" in log.read_text(), 300), log.read_text()
        assert len(started_by(mark)) > 1  # serve and Pagefind's services, its languages' processes soon
        server.terminate()
        assert server.wait(timeout=60) == 130
    finally:
        if server.poll() is None:
            server.kill()
    left = [] if wait_for(lambda: not started_by(mark), 30) else started_by(mark)
    named = {pid: command_of(pid) for pid in left}
    for pid in left:  # not left for the next tests
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert not named, f"{named}\n{log.read_text()}"
    assert "Traceback" not in log.read_text()


def command_of(pid: int) -> str:
    with contextlib.suppress(OSError):
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    return "(ended)"


def started_by(mark: str) -> list[int]:
    """The processes whose environment holds `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and mark.encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def test_a_data_error_read_from_a_file_saved_again_meanwhile_is_left_to_the_build_of_that_save(tmp_path, capsys):
    """A save while a build reads the data (a file half written: empty, here) is not reported as the data's error:
    the build of that save follows, and says what is wrong if anything is. With no save since, it is reported."""
    from generator.layout import Paths
    from generator.serve import Builds, try_build

    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    (tmp_path / EDITED_FILE).write_text("", encoding="utf-8")
    paths = Paths.of(data=tmp_path / "guideline_data")
    builds = Builds()
    try_build(paths, builds, saved_again=lambda: True)
    assert builds.state.error is None
    assert capsys.readouterr().out == "Saved again: the build of that save follows.\n"
    try_build(paths, builds, saved_again=lambda: False)
    assert builds.state.error.startswith(f"1 problem in the data:\n{EDITED_FILE}:")
    assert not (tmp_path / "serve-site").exists() and not (tmp_path / "site").exists()
