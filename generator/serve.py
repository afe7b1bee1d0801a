"""The editor's loop: build, serve site/ on 127.0.0.1 under a URL prefix, rebuild when a source file changes, and
reload the open pages.

A rebuild does only what the change needs: unchanged downloads come from the build cache, only the files whose bytes
changed are written, and MkDocs renders again only those pages (see generator/mkdocs_run.py). Every HTML page the server
sends carries a small script (generator/templates/serve_reload.html.j2; never written to site/) that waits for the
next build: a good build reloads the page, a failed one shows its message over the page, which stays the last good
build's. Nothing a rebuild does stops the server: any error is printed with what to do, and the port stays open. A
change to the generator's own code restarts the process on the same listening socket.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import files
from .build import Paths, build, compile_templates, preview
from .cache import FOLDER as CACHE_FOLDER
from .errors import DataError
from .layout import input_roots
from .load import DEFAULT_UI
from .mkdocs_adapter import warm_up
from .mkdocs_run import output_of
from .parallel import ChildFailed
from .publish import build_lock, reindex
from .render import environment
from .search_index import SearchIndex
from .uptodate import nothing_changed, record

PACKAGE = Path(__file__).resolve().parent
RELOAD_ENDPOINT = "__kb_reload"
POLL_SECONDS = 0.2  # how often the sources are looked at
SETTLE_SECONDS = 0.1  # a save can take several writes: build when the files have stopped changing
WAIT_SECONDS = 20  # a page's request for the next build is answered after at most this long
SITE = "serve-site"  # serve builds here, never into site/: the deploy folder holds only what build or release made
SOCKET_ENV = "KB_SERVE_SOCKET"  # the listening socket's file descriptor, handed to the restarted process


def snapshot(roots: list[Path]) -> dict[Path, tuple[int, int]]:
    files = {}
    for root in roots:
        candidates = [root] if root.is_file() else root.rglob("*") if root.is_dir() else []
        for path in candidates:
            if "__pycache__" in path.parts:
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            if not path.is_dir():
                files[path] = (stat.st_mtime_ns, stat.st_size)
    return files


class PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under a prefix, as an intranet server would (e.g. /sec/guideline/). Only files inside the site
    folder are sent: a link that leads out of it is not followed (generator/files.py). A request that is not well
    formed — a path that is not UTF-8 once decoded, holds a control character, is longer than MAX_URL characters or
    deeper than MAX_DEPTH folders — is answered 400 or 414, and a connection idle for IDLE_SECONDS is closed."""

    prefix = "/"
    timeout = 30  # IDLE_SECONDS: socketserver closes a connection that sends nothing this long
    MAX_URL = 2048
    MAX_DEPTH = 64

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        problem = _malformed(self.path, self.MAX_URL, self.MAX_DEPTH)
        if problem:
            self.send_error(*problem)
            return False
        return True

    def translate_path(self, path: str) -> str:
        decoded = urllib.parse.unquote(urllib.parse.urlsplit(path).path, errors="strict")
        root = Path(self.directory)
        if not decoded.startswith(self.prefix):
            return str(root / OUTSIDE)
        rest = decoded[len(self.prefix) :]
        target = root.joinpath(*(part for part in rest.split("/") if part not in ("", ".", "..")))
        try:
            files.inside(target, root, "the site")
        except files.Refused:  # missing, or a link that leads out of the site
            return str(root / OUTSIDE)
        return str(target) + ("/" if rest.endswith("/") else "")

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


OUTSIDE = "__outside_prefix__"  # a name no site holds: the request is answered 404


def _malformed(path: str, max_url: int, max_depth: int) -> tuple[int, str] | None:
    """Why a request's path cannot be served (status, reason), or None."""
    if len(path) > max_url:
        return 414, f"the URL is longer than {max_url} characters"
    try:
        decoded = urllib.parse.unquote(urllib.parse.urlsplit(path).path, errors="strict")
    except UnicodeDecodeError:
        return 400, "the path is not UTF-8 once decoded"
    if any(ord(c) < 32 or ord(c) == 127 for c in decoded):
        return 400, "the path holds a control character"
    if decoded.count("/") > max_depth:
        return 414, f"the path is more than {max_depth} folders deep"
    return None


class QuietServer(http.server.ThreadingHTTPServer):
    """A connection the browser dropped is no news; any other error of one request is said in one line, never as a
    traceback, and the server goes on."""

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            print(f"serve: a request from {client_address[0]} failed: {type(error).__name__}: {error}", file=sys.stderr)


@dataclass
class BuildState:
    """The latest build, as the pages' reload script sees it: an id that changes with every build, and the error
    message of a failed one (the site then still holds the last good build)."""

    id: str
    error: str | None = None


class Builds:
    """The builds as the open pages see them, and which pages are open: each page's reload script asks for the next
    build with its own address, so that a build can show the open pages first (build.preview) and a page reloads
    only when a build since the one it shows changed it (or a file every page loads)."""

    def __init__(self) -> None:
        self._epoch = time.time_ns()  # a restarted server's ids differ from the old one's: its pages reload
        self._count = 0
        self.state = BuildState(self._id())
        self._changed = threading.Condition()
        self._pages: dict[int, frozenset[str] | None] = {}  # by build: the pages it changed (None: every page)
        self._waiting: dict[str, int] = {}  # page: its requests waiting now
        self._asked: dict[str, float] = {}  # page: when it last asked
        self._showing: dict[str, str] = {}  # page: the build it shows, as it last said

    def _id(self) -> str:
        return f"{self._epoch}-{self._count}"

    def finished(self, error: str | None, changed: list[str] | None = None) -> None:
        """A build ended: its error, or the files of the site it changed (None: unknown, every page reloads)."""
        with self._changed:
            self._count += 1
            self._pages[self._count] = frozenset() if error else None if changed is None else changed_pages(changed)
            self._pages.pop(self._count - KEPT_BUILDS, None)
            self.state = BuildState(self._id(), error)
            self._changed.notify_all()

    def after(self, since: str, timeout: float, page: str | None = None, shown: str = "") -> BuildState:
        with self._changed:
            if page is not None:
                self._waiting[page] = self._waiting.get(page, 0) + 1
                self._asked[page] = time.monotonic()
                self._showing[page] = shown
                self._changed.notify_all()
            try:
                self._changed.wait_for(lambda: self.state.id != since, timeout)
            finally:
                if page is not None:
                    self._waiting[page] -= 1
                    self._asked[page] = time.monotonic()
            return self.state

    def shown(self, pages: set[str], timeout: float) -> None:
        """Wait until each of `pages` shows the latest build (its reloaded script has asked), or `timeout` seconds:
        the rest of a build then starts, which would slow the server's threads while the page loads."""
        with self._changed:
            self._changed.wait_for(lambda: all(self._showing.get(page) == self.state.id for page in pages), timeout)

    def open_pages(self) -> set[str]:
        """The pages open in a browser: waiting for the next build, or asked a moment ago (a page reloading)."""
        with self._changed:
            now = time.monotonic()
            return {page for page, count in self._waiting.items() if count or now - self._asked[page] < OPEN_SECONDS}

    def changed_since(self, shown: str, page: str | None) -> bool:
        """Whether a build after `shown` (the build a page shows) changed `page`; True when it cannot be told."""
        epoch, _, count = shown.partition("-")
        if page is None or epoch != str(self._epoch) or not count.isdigit():
            return True
        with self._changed:
            builds = [self._pages.get(number, None) for number in range(int(count) + 1, self._count + 1)]
        return any(pages is None or page in pages for pages in builds)


RELOAD_SECONDS = 5  # after showing the open pages first, the rest of the build waits this long at most for them
KEPT_BUILDS = 200  # builds whose changed pages are kept; a page that shows an older build reloads
OPEN_SECONDS = 5  # a page that asked for the next build this recently is open (it may be reloading)
PAGE_PARTS = (".css", ".js", ".mjs", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".ttf")


def changed_pages(changed: list[str]) -> frozenset[str] | None:
    """The pages (site-relative URL paths: "guideline/4-6/", "en/", "404.html") among the changed files of a site;
    None when a file that every page may load changed (a style sheet, a script, a font, an image). Downloads and
    data files are fetched when asked for: they change no open page."""
    if any(name.endswith(PAGE_PARTS) for name in changed):
        return None
    return frozenset(page_key(name) for name in changed if name.endswith(".html"))


def page_key(path: str) -> str:
    """A page's site-relative path as a changed file or an address names it: "guideline/4-6/index.html" and
    "guideline/4-6/" are one page."""
    return path.removesuffix("index.html")


class ServeHandler(PrefixHandler):
    """The site under its prefix, each HTML page with the reload script; `<prefix>__kb_reload?since=ID` answers with
    the first build after ID (at once if there is one). Only requests for the address it serves (its `hosts`) are
    answered: a page of another site that a DNS name of its own points to 127.0.0.1 (DNS rebinding) gets 403, and
    the reload endpoint (a failed build's message holds data) answers no page of another origin."""

    builds: Builds
    building: bytes = b""  # building_page()
    hosts: frozenset[str] = frozenset()  # Host headers answered, e.g. "127.0.0.1:8000"

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.hosts:
            self.send_error(403, f"this server answers requests for {', '.join(sorted(self.hosts))} only "
                            "(serve --allow-host NAME adds a name)")  # fmt: skip
            return False
        return True

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if urllib.parse.unquote(url.path) == self.prefix + RELOAD_ENDPOINT:
            origin = self.headers.get("Origin")
            if origin is not None and origin.lower() not in {f"http://{host}" for host in self.hosts}:
                self.send_error(403, "the build's state is for the served pages only")
                return
            query = urllib.parse.parse_qs(url.query)
            since, shown = query.get("since", [""])[0], query.get("shown", [""])[0]
            page = urllib.parse.unquote(query.get("page", [""])[0])
            page = page_key(page[len(self.prefix) :]) if page.startswith(self.prefix) else None
            state = self.builds.after(since, WAIT_SECONDS, page, shown)
            reload = state.error is None and self.builds.changed_since(shown, page)
            self._send(200, "application/json",
                       json.dumps({"build": state.id, "error": state.error, "reload": reload}).encode())  # fmt: skip
            return
        super().do_GET()

    def send_head(self):
        url_path = urllib.parse.urlsplit(self.path).path
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not url_path.endswith("/"):
                return super().send_head()  # the base class redirects to the folder's URL
            page = path / "index.html"
        elif path.suffix == ".html" or url_path.endswith("/"):
            page = path if path.suffix == ".html" else path / "index.html"
        else:
            return super().send_head()
        try:
            body, status = page.read_bytes(), 200
        except OSError:
            body, status = self._missing()
        body = _with_script(body, self._script())
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(body)

    def _missing(self) -> tuple[bytes, int]:
        """The site's own 404 page, or while there is no site yet the page that says it is being built (503: the
        reload script brings the site, or shows why the first build failed)."""
        try:
            return (Path(self.directory) / "404.html").read_bytes(), 404
        except OSError:
            return self.building, 503

    def _script(self) -> bytes:
        state = self.builds.state
        script = SCRIPT_TEMPLATE.render(endpoint=self.prefix + RELOAD_ENDPOINT, build=state.id, title=ERROR_TITLE)
        return script.encode("utf-8")

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


SCRIPT_TEMPLATE = environment().get_template("serve_reload.html.j2")
ERROR_TITLE = (
    "The build failed; this page shows the last good build. Fix the file and save: the page reloads by itself."
)


def _with_script(page: bytes, script: bytes) -> bytes:
    end = page.rfind(b"</body>")
    return page + script if end == -1 else page[:end] + script + page[end:]


LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(port: int, names: list[str] = ()) -> frozenset[str]:
    """The Host headers serve answers: the loopback names with its port, and each name given (with its port, or as
    given when it names one)."""
    hosts = set()
    for name in (*LOCAL_HOSTS, *names):
        name = name.strip().lower()
        hosts.add(name if re.search(r":[0-9]+$", name) else f"{name}:{port}")
    return frozenset(hosts)


def building_page(data: Path) -> bytes:
    """The page sent until the first build is done, in the knowledge base's first language (kb.yaml `languages`;
    its ui.yaml over the defaults'). What cannot be read here leaves the defaults' first language: the build says
    what is wrong with it."""
    defaults, own, config = (_mapping(path) for path in (DEFAULT_UI, data / "ui.yaml", data / "kb.yaml"))
    first = (config.get("languages") or [None])[0] if isinstance(config.get("languages"), list) else None
    fallback = config.get("interface_fallback")
    shown_in = fallback.get(first) if isinstance(fallback, dict) and isinstance(first, str) else None
    texts = {}
    for key in ("serve.building.title", "serve.building.body"):
        strings = {**defaults[key], **(own.get(key) if isinstance(own.get(key), dict) else {})}
        language = next((code for code in (first, shown_in) if isinstance(strings.get(code), str)),
                        next(iter(defaults[key])))  # fmt: skip
        texts[key.rsplit(".", 1)[1]], texts["language"] = strings[language], language
    return environment().get_template("serve_empty.html.j2").render(**texts).encode("utf-8")


def _mapping(path: Path) -> dict:
    try:
        data = yaml.safe_load(files.read_regular(path, limit=4_000_000))
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def handler_class(site: Path, prefix: str, builds: Builds, hosts: frozenset[str], building: bytes = b""):
    attributes = {"prefix": prefix, "builds": builds, "hosts": hosts, "building": building}
    return functools.partial(type("Handler", (ServeHandler,), attributes), directory=str(site))


def serve(paths: Paths, port: int, prefix: str, allow_hosts: list[str] = ()) -> None:
    paths = dataclasses.replace(paths, site=paths.project / SITE)
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    builds = Builds()
    server = _server(port)
    port = server.server_address[1]
    hosts = allowed_hosts(port, allow_hosts)
    server.RequestHandlerClass = handler_class(paths.site, prefix, builds, hosts, building_page(paths.data))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{port}{urllib.parse.quote(prefix)}"
    print(f"Serving on {url} — edit the data and save: open pages reload. Ctrl+C stops.", flush=True)
    search = SearchIndex()  # kept from build to build: Pagefind loads its dictionary once
    # stopped by a service manager (or a test) as by Ctrl+C: a build's processes and Pagefind's are ended with it,
    # where the system's default would leave them running
    signal.signal(signal.SIGTERM, _interrupt)
    sys.unraisablehook = _unraisable
    try:
        try_build(paths, builds, search, progress=_say)
        _loop(paths, server, builds, search, (port, prefix, allow_hosts))
    finally:  # Ctrl+C (the command line says "Interrupted") or an error: the port and Pagefind are closed
        server.shutdown()
        server.server_close()
        search.close()


def _interrupt(signum, frame) -> None:
    _STOP.set()
    raise KeyboardInterrupt


# Asked to stop (SIGTERM). Python drops an exception that a signal handler raises inside a hook it calls itself
# (logging's, as a build forks its processes), printing "Exception ignored in _releaseLock" and a traceback, and
# serve then kept serving: the loop stops at its next turn instead, and that drop is not printed.
_STOP = threading.Event()


def _unraisable(unraisable) -> None:
    if not (_STOP.is_set() and isinstance(unraisable.exc_value, KeyboardInterrupt)):
        sys.__unraisablehook__(unraisable)


def _loop(paths: Paths, server: QuietServer, builds: Builds, search: SearchIndex, address: tuple) -> None:
    """Rebuild on every change of the sources; restart on a change of the generator's own code."""
    roots, code = input_roots(paths), [PACKAGE]
    seen, code_seen = snapshot(roots), snapshot(code)
    warmed = False
    while True:
        if not warmed and builds.state.error is None:
            warmed = _warm(paths)
        time.sleep(POLL_SECONDS)
        if _STOP.is_set():
            raise KeyboardInterrupt
        if snapshot(code) != code_seen:
            code_seen = snapshot(code)
            problem = _broken_code()
            if problem:  # mid-edit, most likely: keep serving with the code that works
                print(
                    f"The generator's code changed but does not load: {problem}\nStill running the code "
                    "from before; save the fix and it restarts.",
                    file=sys.stderr,
                    flush=True,
                )
                builds.finished(f"The generator's code does not load: {problem}")
            else:
                print("The generator's code changed: restarting…", flush=True)
                search.close()
                _restart(server, paths, *address)
        now = snapshot(roots)
        if now == seen:
            continue
        while True:  # until the files have settled
            time.sleep(SETTLE_SECONDS)
            settled = snapshot(roots)
            if settled == now:
                break
            now = settled
        seen = now
        print("Change seen, rebuilding…", flush=True)
        try_build(paths, builds, search, saved_again=lambda settled=now: snapshot(roots) != settled)


def _server(port: int) -> QuietServer:
    """The listening socket on 127.0.0.1 (the one a restarted process inherits); its handler is set once the port
    is known."""
    inherited = os.environ.pop(SOCKET_ENV, None)
    if inherited is None:
        return QuietServer(("127.0.0.1", port), ServeHandler)
    server = QuietServer(("127.0.0.1", port), ServeHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = socket.socket(fileno=int(inherited))
    server.server_address = server.socket.getsockname()
    return server


def _restart(server: QuietServer, paths: Paths, port: int, prefix: str, allow_hosts: list[str]) -> None:
    """Run the changed code: the same command in this process, on the same listening socket (the port never
    closes; requests wait in its queue)."""
    listening = server.socket.fileno()
    os.set_inheritable(listening, True)
    os.environ[SOCKET_ENV] = str(listening)
    command = [sys.executable, "-m", "generator", "--project", str(paths.project), "--data", str(paths.data),
               *(["--overlay", str(paths.overlay)] if paths.overlay else []), "serve",
               "--port", str(port), "--prefix", prefix,
               *(option for name in allow_hosts for option in ("--allow-host", name))]  # fmt: skip
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)


def _broken_code() -> str | None:
    """Why the generator, as it is on disk now, would not start (the last line of the error), or None."""
    result = subprocess.run([sys.executable, "-c", "import generator.cli, generator.serve"], capture_output=True,
                            text=True, cwd=PACKAGE.parent)  # fmt: skip
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else f"exit status {result.returncode}") if result.returncode else None


def _warm(paths: Paths) -> bool:
    """After the first good build: MkDocs' plugins and extensions imported and every page template compiled here,
    once, so that every rebuild's processes (forked from this one) start with them."""
    with contextlib.suppress(Exception):  # only a speed-up
        compile_templates(paths.build / CACHE_FOLDER)
        configs = sorted(paths.build.glob("*/mkdocs.yml"))
        if configs:
            warm_up(configs[0], output_of(configs[0]))
    return True


def _say(stage: str) -> None:
    print(f"  {stage}…", flush=True)


def try_build(paths: Paths, builds: Builds, search: SearchIndex | None = None, progress=None,
              saved_again=lambda: False) -> None:  # fmt: skip
    """One build; whatever goes wrong is reported (console and open pages) and the last good site stays served.
    The pages open in a browser that the change shows differently are built and shown first (build.preview), the
    rest after; when `saved_again` says a file was saved since, the rest (or the search index, or the report of a
    data error, read perhaps from a file half written) waits for the build of that save, whose open pages come
    first. `progress`: told each stage as it starts (serve's first build)."""
    start, cpu = time.perf_counter(), _cpu()
    try:
        opened = builds.open_pages()
        shown = preview(paths, opened) if opened else None
        if shown is not None:
            builds.finished(None, shown.changed)
            pages = {page_key(name) for name in shown.changed} & opened
            print(f"Shown in {time.perf_counter() - start:.1f} s (CPU {_cpu() - cpu:.1f} s): "
                  f"{', '.join(sorted(page or '/' for page in pages))} ({_stages(shown)}); building the rest…",
                  flush=True)  # fmt: skip
            builds.shown(pages, RELOAD_SECONDS)
            if saved_again():
                print("Saved again: the rest follows the next build.", flush=True)
                return
        report = build(paths, search=search, search_later=True, progress=progress)
    except DataError as error:
        if saved_again():  # it may have read a file half saved: the build of that save says what is wrong, if anything
            print("Saved again: the build of that save follows.", flush=True)
            return
        report = f"{error}\nThe site still shows the last good build; fix the file and save."
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - serve must survive anything a build does
        report = unexpected(error)
    else:
        builds.finished(None, report.changed)  # before the line that says so: a page opened after it shows this build
        if report.unchanged is not None:
            print(nothing_changed(paths.site, report.unchanged, report.timings["check"]), flush=True)
            return
        print(
            f"Built in {time.perf_counter() - start:.1f} s (CPU {_cpu() - cpu:.1f} s; {_stages(report)}).", flush=True
        )
        if report.search_pending and saved_again():
            print("Saved again: the search index follows the next build.", flush=True)
        elif report.search_pending:
            try:
                if progress:
                    progress("indexing the site for search")
                with build_lock(paths.build):
                    seconds = reindex(paths.site, search)
                    record(paths, report.inputs)
                print(f"Search index updated in {seconds:.1f} s.", flush=True)
            except Exception as error:  # noqa: BLE001 - the pages are out; say why search lags
                print(f"The search index could not be updated ({error}); it will be at the next save.", flush=True)
        return
    print(report, file=sys.stderr, flush=True)
    builds.finished(report)


def _cpu() -> float:
    """The processor seconds of this process and of the processes it waited for (a build's languages)."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


def _stages(report) -> str:
    stages = ("load", "validate", "link", "open pages", "languages (in parallel)", "search index")
    shown = {k: v for k, v in report.timings.items() if k in stages}
    rendered = ", ".join(f"{code} {count} of {report.pages[code]}" for code, count in report.rendered.items())
    said = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in shown.items())
    return said + (f"; pages rendered: {rendered}" if rendered else "")


FRAME = re.compile(r'File "(.+)", line (\d+)')


def unexpected(error: BaseException) -> str:
    """A short report of an error that is not about the data: what and where, and what to do."""
    child = error if isinstance(error, ChildFailed) else error.__cause__
    if isinstance(child, ChildFailed):  # raised in a language's process: where it was raised there
        lines = [line for line in str(child).strip().splitlines() if line.strip()]
        frames = [f"{m[1]}:{m[2]}" for m in (FRAME.match(line.strip()) for line in lines) if m]
        what, where = lines[-1], frames[-1] if frames else ""
    else:
        what = f"{type(error).__name__}: {error}"
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return (
        f"The build stopped with an unexpected error: {what}\n"
        + (f"    at {where}\n" if where else "")
        + "The site still shows the last good build. If a file of the data or the theme caused it, fix it and save;\n"
        "otherwise this is a bug of the generator: run `python -m generator build` for the full traceback."
    )
