"""Links: every internal link, anchor and download in the built site resolves, in both languages, for the site
served under a URL prefix. Links are resolved the way a browser does (relative to the page's URL under PREFIX)
and checked against the files of site/; nothing outside the site is fetched."""

from __future__ import annotations

import html.parser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from .conftest import PREFIX

ORIGIN = "http://intranet.invalid"
URL_ATTRIBUTES = ("href", "src")
# 404.html is served by the web server for any missing URL, at any depth, so its links cannot be relative; MkDocs
# writes them root-absolute ("/assets/…"), which no prefix-independent check can resolve. Every other page must.
NOT_CHECKED = {"404.html": "the web server's error page; MkDocs writes its links root-absolute"}


def checked(source: str) -> bool:
    return source.rsplit("/", 1)[-1] not in NOT_CHECKED


@dataclass
class HtmlFile:
    ids: set[str] = field(default_factory=set)
    urls: list[tuple[str, str, dict]] = field(default_factory=list)  # (tag, url, attributes)


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = HtmlFile()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(name):
                self.found.ids.add(attributes[name])
        for name in URL_ATTRIBUTES:
            if name in attributes:
                self.found.urls.append((tag, attributes[name], attributes))


def parse(path: Path) -> HtmlFile:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    collector.close()
    return collector.found


def page_url(relative: str) -> str:
    """The URL under which the server shows a file: directory URLs for index.html files."""
    return relative.removesuffix("index.html") if relative.endswith("index.html") else relative


@pytest.fixture(scope="session")
def html_files(site) -> dict[str, HtmlFile]:
    return {path.relative_to(site).as_posix(): parse(path) for path in sorted(site.rglob("*.html"))}


class Resolver:
    def __init__(self, site: Path, html_files: dict[str, HtmlFile]) -> None:
        self.site, self.html_files = site, html_files

    def problem(self, source: str, url: str) -> str | None:
        """Why `url` on page `source` does not resolve, or None when it does (or is not ours to check)."""
        absolute = urljoin(f"{ORIGIN}{PREFIX}{page_url(source)}", url)
        parts = urlsplit(absolute)
        if parts.scheme in ("mailto", "tel", "data", "blob", "javascript"):
            return None if parts.scheme != "javascript" else "javascript: URL"
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            return None  # an external link for the reader to follow (references); test_isolation checks resources
        if not parts.path.startswith(PREFIX):
            return f"leaves the site's prefix ({parts.path})"
        target = unquote(parts.path[len(PREFIX) :])  # urljoin has already resolved "." and ".."
        if target == "" or target.endswith("/"):
            target += "index.html"
        file = self.site / target
        if not file.is_file():
            return "no such page" if not file.is_dir() else "a folder without its trailing slash"
        fragment = unquote(parts.fragment)
        if fragment and target.endswith(".html") and fragment not in self.html_files[target].ids:
            return f"no anchor #{fragment} on {target}"
        return None


@pytest.fixture(scope="session")
def resolver(site, html_files) -> Resolver:
    return Resolver(site, html_files)


def _language_of(path: str) -> str:
    return "en" if path.startswith("en/") else "ja"


def test_every_internal_link_anchor_and_resource_resolves(html_files, resolver):
    broken = []
    counted = {"ja": 0, "en": 0}
    for source, found in html_files.items():
        if not checked(source):
            continue
        for tag, url, _ in found.urls:
            counted[_language_of(source)] += 1
            problem = resolver.problem(source, url)
            if problem:
                broken.append(f"{source}: <{tag}> {url!r}: {problem}")
    assert counted["ja"] > 1000 and counted["en"] > 1000, counted
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken[:40])


def test_both_languages_have_the_same_pages(html_files):
    ja = {path for path in html_files if not path.startswith("en/")}
    en = {path.removeprefix("en/") for path in html_files if path.startswith("en/")}
    assert ja == en
    assert len(ja) > 50


def test_in_page_anchors_resolve(html_files, resolver):
    """href="#x" (table of contents, permalinks, the kana jump list) points at an id on the same page."""
    anchors = [(s, url) for s, f in html_files.items() if checked(s) for _, url, _ in f.urls if url[:1] == "#"]
    assert len(anchors) > 500
    broken = [f"{source}: {url}" for source, url in anchors if url != "#" and resolver.problem(source, url)]
    assert not broken, "\n".join(broken[:40])


def test_links_to_anchors_on_other_pages_resolve(html_files, resolver):
    """ "page/index.html#x": glossary terms, references, CSF categories, tags."""
    cross = [
        (s, url) for s, f in html_files.items() for _, url, _ in f.urls if "/index.html#" in url and "://" not in url
    ]
    assert len(cross) > 500
    assert not [f"{s}: {url}: {p}" for s, url in cross if (p := resolver.problem(s, url))]


def test_glossary_term_tooltips_link_to_their_entry(html_files, resolver):
    """A marked term carries its definition as a tooltip and links to its entry on the glossary page."""
    marked = [
        (source, attributes)
        for source, found in html_files.items()
        for tag, _, attributes in found.urls
        if tag == "a" and "kb-term" in attributes.get("class", "").split()
    ]
    for language in ("ja", "en"):
        assert sum(1 for source, _ in marked if _language_of(source) == language) > 100, language
    for source, attributes in marked:
        href = attributes["href"]
        assert "glossary/index.html#term-" in href, (source, href)
        assert attributes.get("title", "").strip(), (source, href)
        assert resolver.problem(source, href) is None, (source, href, resolver.problem(source, href))


def test_download_links_resolve_to_files(site, html_files, resolver):
    downloads = [
        (source, url)
        for source, found in html_files.items()
        if checked(source)
        for tag, url, attributes in found.urls
        if tag == "a" and ("downloads/" in url or "download" in attributes)
    ]
    if not downloads:
        pytest.skip("no download links in the site yet")
    for source, url in downloads:
        assert resolver.problem(source, url) is None, (source, url, resolver.problem(source, url))
        target = urlsplit(urljoin(f"{ORIGIN}{PREFIX}{page_url(source)}", url)).path[len(PREFIX) :]
        assert (site / unquote(target)).stat().st_size > 0, (source, url)


def test_links_are_relative(html_files):
    """Root-absolute links break when the site is served under a prefix."""
    absolute = [
        f"{source}: {url}"
        for source, found in html_files.items()
        if checked(source)
        for _, url, _ in found.urls
        if url.startswith("/") and not url.startswith("//")
    ]
    assert not absolute, "\n".join(absolute[:40])
