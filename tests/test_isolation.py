"""Isolation: the site goes on a closed intranet, so no page may load anything from outside the site it is served
from: no CDN, no web font, no analytics. Checked twice: in Chromium (every request recorded) and in the files."""

from __future__ import annotations

import html.parser
import re

import pytest

from .page_kinds import LANGUAGE_ROOTS, PAGE_KINDS, find_page

# Elements whose URL the browser fetches by itself, and the attributes that hold it.
RESOURCE_ATTRIBUTES = {
    "link": ("href",),
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
OUTSIDE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_OUTSIDE = re.compile(r"(url\(\s*['\"]?|@import\s+['\"])(https?:)?//", re.IGNORECASE)


# What the search asks for on a page is decided by the URLs its script loads the engine, the words and the kana table
# from (the dialog's data, resolved against the page) and the page's language (Pagefind picks its index by it).
SEARCH_LOADS = """() => {
    const dialog = document.getElementById("kb-search");
    const urls = [dialog.dataset.kbBundle, dialog.dataset.kbWords, dialog.dataset.kbKana, dialog.dataset.kbRoot];
    return [...urls.map(url => url && new URL(url, document.baseURI).href), document.documentElement.lang];
}"""


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGE_ROOTS)
def test_no_page_kind_requests_anything_outside_the_site(page, server, site, language):
    """Every page kind opened; the search (which loads Pagefind's scripts, WebAssembly and index on demand) used on
    the first, and every other kind shown to load it from the very same URLs."""
    visited, loads = [], set()
    for kind in PAGE_KINDS:
        path = find_page(site, language, kind)
        if path is None:
            continue  # a feature that is not built yet
        page.goto(server + path)
        loads.add(tuple(page.evaluate(SEARCH_LOADS)))
        if not visited:
            page.keyboard.press("/")
            page.keyboard.type("CSIRT")
            page.keyboard.press("Enter")  # at once, not after the typing pause
            page.wait_for_selector("[data-kb-search-results] .kb-search__link", timeout=15000)
        visited.append(kind)
    # Every request is recorded as it starts, so one page's late requests show on the next; the last page's show here.
    page.wait_for_load_state("networkidle")
    assert len(visited) >= 10, visited
    assert len(loads) == 1, loads
    assert page.outside_requests == []


class _Resources(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in RESOURCE_ATTRIBUTES.get(tag, ()) and value:
                self.urls += [(tag, url.split()[0]) for url in value.split(",")] if name == "srcset" else [(tag, value)]


def test_no_built_html_loads_a_resource_from_another_host(site):
    found = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    for path in pages:
        parser = _Resources()
        parser.feed(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(site)}: <{tag}> {url}" for tag, url in parser.urls if OUTSIDE.match(url)]
    assert not found, "\n".join(found[:20])


def test_no_stylesheet_loads_from_another_host(site):
    """Web fonts and @imports are how a theme reaches the internet behind the HTML's back."""
    found = [
        f"{path.relative_to(site)}: {match.group(0)}"
        for path in sorted(site.rglob("*.css"))
        for match in CSS_OUTSIDE.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not found, "\n".join(found[:20])
