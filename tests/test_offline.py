"""The site opened from a copied folder with file:// (no web server), in Chromium: pages, links, assets, downloads,
the checklists' saved answers and search, with the same search results as over HTTP (generator/offline.py)."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator.errors import DataError
from generator.offline import FOLDER, directory_links, module_script

from .page_kinds import LANGUAGE_ROOTS, every_kind, find_page
from .search_box import RESULT_LINKS, typed

pytestmark = pytest.mark.browser

# Queries of several kinds (exact, kana, a typo, a section number, English on the Japanese site, a question).
QUERIES = {
    "ja": [
        "多要素認証",
        "ばっくあっぷ",
        "サイバー",
        "5.4.2",
        "backup",
        "アクセス制限",
        "インシデントが起きたらどうする",
    ],
    "en": ["multi-factor authentication", "backups", "incident response", "5.4.2", "prioritise"],
}


@pytest.fixture(scope="module")
def folder(site, tmp_path_factory) -> Path:
    """The built site as IT copies it to a share: a folder whose name has a space and Japanese."""
    target = tmp_path_factory.mktemp("share") / "情報セキュリティ 共有" / "kb"
    shutil.copytree(site, target)
    return target


def at(folder: Path, url: str) -> str:
    """A page's file:// URL, from its URL under the site (`guideline/3/`)."""
    return (folder / url / "index.html").as_uri() if url.endswith("/") or not url else (folder / url).as_uri()


def test_links_to_folders_name_their_index_page():
    assert directory_links('<a href="../3/">') == '<a href="../3/index.html">'
    assert directory_links('<a class="x" href="../../glossary/#term-csirt">') == (
        '<a class="x" href="../../glossary/index.html#term-csirt">'
    )
    assert directory_links('<a href="..">') == '<a href="../index.html">'
    assert directory_links('<a href="../.." title="t">') == '<a href="../../index.html" title="t">'
    assert directory_links('<a href="./#x">') == '<a href="#x">'  # the page itself: no reload over HTTP
    assert directory_links('<a href="./">') == '<a href="./index.html">'
    assert directory_links('<a href="w/?q=1">') == '<a href="w/index.html?q=1">'
    assert directory_links('<link rel="alternate" href="../en/">') == '<link rel="alternate" href="../en/index.html">'
    for kept in ('<a href="https://example.org/x/">', '<a href="/about/">', '<a href="a.csv">', '<a href="#x">'):
        assert directory_links(kept) == kept


def test_a_module_of_another_shape_is_refused_with_its_file(tmp_path):
    module = tmp_path / "pagefind.js"
    module.write_text('import{x}from"./y.js";export{x};', encoding="utf-8")
    with pytest.raises(DataError) as error:
        module_script("pagefind/pagefind.js", module)
    assert [str(problem) for problem in error.value.problems] == [
        f"{module}: Pagefind's script has a shape this build cannot turn into a classic script for reading from a "
        "folder (no single export list at its end, or an import)\n"
        "    fix: use the pagefind version that pyproject.toml names"
    ]


def test_every_relative_link_and_resource_of_every_page_is_a_file(folder):
    """From disk a link to a folder opens a folder listing: every relative URL of every page names a file."""
    urls = re.compile(r'<(a|link|script|img|source)\b[^>]*?\s(?:href|src)="([^"]*)"')
    bad, counted = [], 0
    for page in sorted(folder.rglob("*.html")):
        if page.name == "404.html" or FOLDER in page.parts:
            continue
        for tag, url in urls.findall(page.read_text(encoding="utf-8")):
            parts = urlsplit(url)
            if parts.scheme or url.startswith(("#", "/")) or not parts.path:
                continue
            counted += 1
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                bad.append(f"{page.relative_to(folder)}: <{tag}> {url}")
    assert counted > 10000
    assert not bad, f"{len(bad)} URLs that are no file:\n" + "\n".join(bad[:20])


@pytest.fixture(scope="module")
def tab(browser):
    context = browser.new_context(accept_downloads=True, locale="ja-JP")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


@pytest.mark.parametrize(("language", "kind"), every_kind())
def test_every_page_kind_opens_from_the_folder_with_its_styles_and_scripts(tab, folder, language, kind):
    url = find_page(folder, language, kind)
    if url is None:
        pytest.skip(f"no {kind} page")
    tab.errors.clear()
    tab.requests.clear()
    tab.goto(at(folder, url))
    assert tab.locator("h1").first.inner_text().strip()
    assert tab.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"  # Material's
    assert tab.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--kb-own')") == "#0b6b4f"  # ours
    assert tab.evaluate("typeof window.kbImport") == "function"  # scripts run (kb-offline.js)
    assert tab.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert not tab.errors
    assert all(request.startswith("file://") or request.startswith("data:") for request in tab.requests)


def test_a_reader_clicks_from_page_to_page_in_the_folder(tab, folder):
    tab.goto(at(folder, ""))
    tab.locator(".md-content a[href*='guideline/']").first.click()
    tab.wait_for_load_state()
    assert tab.url.endswith("/index.html") and "/guideline/" in tab.url
    assert tab.locator("h1").first.inner_text().strip()
    tab.locator("a.md-header__button.md-logo").click()  # the site title goes home
    tab.wait_for_load_state()
    assert tab.url == at(folder, "")


def searched(page, site_root: str, start: str, query: str) -> list[str]:
    """The results of `query` typed into the search box of the page `site_root + start`, as links below the root."""
    if page.url != site_root + start or not page.evaluate("document.getElementById('kb-search').open"):
        page.goto(site_root + start)
        page.keyboard.press("/")
        page.wait_for_selector("#kb-search[open]")
    return [href.removeprefix(site_root) for href in typed(page, query)]


@pytest.mark.parametrize("language", list(LANGUAGE_ROOTS))
def test_search_from_the_folder_gives_the_same_results_as_over_http(tab, folder, server, shared_page, language):
    start = LANGUAGE_ROOTS[language] + "guideline/"
    for query in QUERIES[language]:
        over_http = searched(shared_page, server, start, query)
        from_disk = searched(tab, folder.as_uri() + "/", start + "index.html", query)
        assert over_http, query
        assert from_disk == over_http, query
    assert not tab.errors
    tab.locator(RESULT_LINKS).first.click()  # a result (made in the page) opens its page from the folder
    tab.wait_for_load_state()
    assert urlsplit(tab.url).path.endswith("/index.html")
    assert tab.locator("h1").first.inner_text().strip()


def test_answers_are_kept_in_the_folder(tab, folder):
    url = find_page(folder, "ja", "checklist")
    tab.goto(at(folder, url))
    item = tab.locator(".kb-cl-item").first
    item.locator("select[data-kb-field='status']").select_option("done")
    item.locator("textarea[data-kb-field='note']").fill("USBから開いた")
    tab.reload()
    item = tab.locator(".kb-cl-item").first
    assert item.locator("select[data-kb-field='status']").input_value() == "done"
    assert item.locator("textarea[data-kb-field='note']").input_value() == "USBから開いた"
    tab.locator(".md-header__option .md-select").hover()
    tab.locator("a[data-kb-language='en']").click()
    tab.wait_for_load_state()
    assert tab.url == at(folder, f"en/{url}")
    assert tab.locator(".kb-cl-item").first.locator("select[data-kb-field='status']").input_value() == "done"


def test_downloads_download_from_the_folder(tab, folder):
    tab.goto(at(folder, find_page(folder, "ja", "downloads")))
    link = tab.locator("a[download]").first
    href = link.get_attribute("href")
    with tab.expect_download() as download:
        link.click()
    target = (folder / "downloads" / "index.html").parent / unquote(href)
    assert Path(download.value.path()).read_bytes() == target.resolve().read_bytes()


def test_over_http_the_folder_runtime_does_nothing(shared_page, server):
    shared_page.goto(server + "guideline/")
    assert shared_page.evaluate("typeof window.kbImport") == "undefined"
    assert shared_page.evaluate("fetch.toString().includes('[native code]')")
    requests = []
    shared_page.on("request", lambda request: requests.append(request.url))
    typed_after_open(shared_page, "多要素認証")
    assert requests and not [url for url in requests if f"/{FOLDER}/" in url]


def typed_after_open(page, query: str) -> list[str]:
    page.keyboard.press("/")
    page.wait_for_selector("#kb-search[open]")
    return typed(page, query)


# ---- Firefox ESR (Debian's), driven over WebDriver BiDi: the same folder, the same checks (tests/firefox.py).


@pytest.fixture(scope="module")
def firefox(tmp_path_factory):
    from .firefox import Firefox, available

    if not available():
        pytest.skip("Firefox ESR is not installed (make test installs Debian's firefox-esr)")
    downloads = tmp_path_factory.mktemp("firefox-downloads")
    browser = Firefox(tmp_path_factory.mktemp("firefox-profile"), downloads)
    browser.downloads = downloads
    yield browser
    browser.close()


def firefox_searched(firefox, site_root: str, start: str, query: str) -> list[str]:
    """As `searched`, typed on the keyboard into Firefox's search box."""
    if firefox.url() != site_root + start or not firefox.evaluate("document.getElementById('kb-search').open"):
        firefox.goto(site_root + start)
        firefox.keys("/")
        assert firefox.wait_for("document.getElementById('kb-search').open")
    firefox.evaluate("(i => { i.focus(); i.select(); })(document.getElementById('kb-search-input'))")
    firefox.keys(query + "\ue007")  # Enter: at once, not after the typing pause
    shown = f"document.getElementById('kb-search').dataset.kbSearched === {json.dumps(query)}"
    assert firefox.wait_for(shown), query
    links = firefox.evaluate(f"[...document.querySelectorAll({json.dumps(RESULT_LINKS)})].map(a => a.href)")
    return [href.removeprefix(site_root) for href in links]


def test_firefox_search_from_the_folder_gives_the_same_results_as_over_http(firefox, folder, server):
    for language, root in LANGUAGE_ROOTS.items():
        start = root + "guideline/"
        # every query over HTTP, then every one from the folder: each page and its search engine load once
        over_http = [firefox_searched(firefox, server, start, query) for query in QUERIES[language]]
        from_disk = [
            firefox_searched(firefox, folder.as_uri() + "/", start + "index.html", q) for q in QUERIES[language]
        ]
        for query, http_links, disk_links in zip(QUERIES[language], over_http, from_disk, strict=True):
            assert http_links, (language, query)
            assert disk_links == http_links, (language, query)
    firefox.evaluate(f"document.querySelector({json.dumps(RESULT_LINKS)}).click()", gesture=True)
    assert firefox.loaded("location.pathname.endsWith('/index.html') && !!document.querySelector('article h1')")


def test_firefox_links_open_pages_not_folder_listings(firefox, folder):
    firefox.goto(at(folder, ""))
    firefox.evaluate("document.querySelector(\".md-content a[href*='guideline/']\").click()", gesture=True)
    assert firefox.loaded("location.pathname.includes('/guideline/') && !!document.querySelector('article h1')")
    assert firefox.url().endswith("/index.html")
    assert firefox.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
    firefox.evaluate("document.querySelector('a.md-header__button.md-logo').click()", gesture=True)
    assert firefox.loaded(f"location.href === {json.dumps(at(folder, ''))}")
    assert firefox.evaluate("typeof window.kbImport") == "function"


def test_firefox_keeps_a_checklist_answer_in_the_folder(firefox, folder):
    firefox.goto(at(folder, find_page(folder, "ja", "checklist")))
    first = "document.querySelector('.kb-cl-item select[data-kb-field=\"status\"]')"
    chosen = "s.value = 'done'; s.dispatchEvent(new Event('change', {bubbles: true}));"
    assert firefox.wait_for(f"{first} !== null")  # the fields of the items near the window are made once it is laid out
    firefox.evaluate(f"(s => {{ {chosen} }})({first})")
    firefox.goto(at(folder, "index.html"))
    firefox.goto(at(folder, find_page(folder, "ja", "checklist")))
    assert firefox.wait_for(f"{first}.value === 'done'")


def test_firefox_downloads_a_file_from_the_folder(firefox, folder):
    firefox.goto(at(folder, find_page(folder, "ja", "downloads")))
    href = firefox.evaluate("document.querySelector('a[download]').getAttribute('href')")
    firefox.evaluate("document.querySelector('a[download]').click()", gesture=True)
    target = (folder / "downloads" / unquote(href)).resolve()
    saved = firefox.downloads / target.name
    end = time.monotonic() + 30
    while not (saved.is_file() and saved.stat().st_size == target.stat().st_size) and time.monotonic() < end:
        time.sleep(0.2)
    assert saved.read_bytes() == target.read_bytes()
