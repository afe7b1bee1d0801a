"""The tab the browser tests share (tests/conftest.py, SharedTab): after its reset a page of a site sees what it sees
in a new browser context, whatever the test before left behind: storage of every kind, over HTTP and from a folder,
cookies, a service worker, listeners, init scripts, routes, other tabs, the viewport, media emulation, the pointer's
hover, permissions, offline mode, extra headers and the history. In a real Chromium, on a small site of its own."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from .conftest import VIEWPORT

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>probe</title>
<style>a:hover { color: rgb(255, 0, 0) } a { display: block; height: 400px } @media print { a { break-before: page } }
</style></head>
<body><a href="other.html">a link that fills the top of the page</a></body></html>"""

# Everything a page can see of the state a browser keeps for it.
PROBE = """async () => ({
    local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie,
    databases: (await indexedDB.databases()).map(d => d.name), caches: await caches.keys(),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
    size: [innerWidth, innerHeight], online: navigator.onLine, injected: window.injected || null,
    media: ["print", "(prefers-color-scheme: dark)", "(prefers-reduced-motion: reduce)", "(forced-colors: active)",
            "(prefers-contrast: more)"].map(q => matchMedia(q).matches),
    hovered: await new Promise(done => {  // a scroll moves the page under the pointer: the browser hovers anew
        scrollBy(0, 1); setTimeout(() => done(document.querySelectorAll("a:hover").length), 300); }),
    text: document.body.innerText.slice(0, 20),
    geolocation: (await navigator.permissions.query({name: "geolocation"})).state,
    confirmed: confirm("a dialog no listener answers is dismissed"),
})"""

GEOLOCATION = """() => new Promise(done => navigator.geolocation.getCurrentPosition(
    position => done(position.coords.latitude), error => done(error.code), {timeout: 2000}))"""

LEAVE = """async () => {
    localStorage.setItem("answers", "1"); sessionStorage.setItem("place", "2"); document.cookie = "c=3; path=/";
    await new Promise(done => { const open = indexedDB.open("db", 1);
        open.onupgradeneeded = () => open.result.createObjectStore("s");
        open.onsuccess = () => { open.result.close(); done(); }; });
    await (await caches.open("cache")).put("/x", new Response("y"));
    await navigator.serviceWorker.register("worker.js"); await navigator.serviceWorker.ready;
}"""


@pytest.fixture(scope="module")
def probe_site(tmp_path_factory):
    """A page and a service worker, served on 127.0.0.1 (a secure context: service workers run); the folder, its URL."""
    folder = tmp_path_factory.mktemp("probe")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "worker.js").write_text("self.addEventListener('fetch', () => {});\n", encoding="utf-8")
    quiet = type("Handler", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *_: None})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def seen(tab, url: str) -> dict:
    tab.goto(url)
    return tab.evaluate(PROBE)


def test_a_reset_tab_shows_a_page_what_a_new_context_shows_it(browser, shared_tab, probe_site):
    folder, url = probe_site
    fresh = browser.new_context(accept_downloads=True, locale="ja-JP")
    try:
        expected = seen(fresh.new_page(), url)
    finally:
        fresh.close()
    assert expected["local"] == [] and expected["workers"] == 0 and expected["size"] == [1280, 720]
    assert expected["hovered"] == 0 and expected["confirmed"] is False

    tab = shared_tab.reset(url)
    assert seen(tab, url) == expected
    # What a test may leave behind, of every kind the reset undoes.
    tab.evaluate(LEAVE)
    tab.goto(folder.joinpath("index.html").as_uri())  # the site opened from a folder keeps its storage too
    tab.evaluate("() => { localStorage.setItem('answers', '1'); sessionStorage.setItem('place', '2'); }")
    tab.goto(url)
    tab.mouse.move(20, 20)  # over the link
    assert tab.evaluate(PROBE)["hovered"] == 1
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.add_init_script("window.injected = 'by the tab'")
    tab.context.add_init_script("window.injected = 'by the context'")
    tab.route("**/*", lambda route: route.fulfill(body="<p>routed</p>", content_type="text/html"))
    tab.context.grant_permissions(["geolocation"])
    tab.context.set_geolocation({"latitude": 35.0, "longitude": 139.0})
    assert tab.evaluate(GEOLOCATION) == 35.0
    tab.context.set_extra_http_headers({"X-Left": "behind"})
    tab.context.add_cookies([{"name": "elsewhere", "value": "1", "domain": "example.org", "path": "/"}])
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.emulate_media(media="print", color_scheme="dark", reduced_motion="reduce", forced_colors="active",
                      contrast="more")  # fmt: skip
    tab.set_default_timeout(1)
    tab.context.new_page().goto(url)  # a second tab, as a popup opens one
    tab.goto(url + "?left")
    left = tab.evaluate(PROBE)
    assert left["text"] == "routed" and left["injected"] and left["confirmed"] is True and left["size"] == [390, 844]
    tab.context.set_offline(True)

    tab = shared_tab.reset(url)
    assert tab.context.pages == [tab]
    requested = []
    tab.on("request", lambda request: requested.append(request.headers))
    assert seen(tab, url) == expected
    assert "x-left" not in requested[0]
    tab.go_back()
    tab.go_back()
    assert tab.url == "about:blank"  # the pages the test before opened are not in the history
    tab.goto(folder.joinpath("index.html").as_uri())
    assert tab.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]
    assert tab.viewport_size == VIEWPORT
    tab.emulate_media(media="print")  # what a test sets after the reset takes effect, on the pages it opens next
    tab.goto(url)
    assert tab.evaluate("getComputedStyle(document.querySelector('a')).breakBefore") == "page"
    tab.wait_for_function("() => new Promise(done => setTimeout(() => done(true), 50))")  # the test's 1 ms is gone
    assert tab.context.cookies() == []  # those of sites no page of the test opened too
    tab.goto(url)
    tab.context.grant_permissions(["geolocation"])  # the position the test before set is gone with its permission
    assert tab.evaluate(GEOLOCATION) != 35
