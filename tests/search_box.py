"""The site's search box in Chromium, as a reader uses it: open it with "/", type, read the results.

The dialog marks the query it has shown results for (`data-kb-searched`), so that a test reads the list only once it
is complete."""

from __future__ import annotations

from urllib.parse import urlsplit

from .page_kinds import LANGUAGE_ROOTS

RESULT_LINKS = "[data-kb-search-results] .kb-search__link"


def open_search(page, server: str, language: str = "ja") -> None:
    """The search dialog open on the language's guideline page; a tab that has it open already keeps it (with its
    search engine loaded)."""
    url = server + LANGUAGE_ROOTS[language] + "guideline/"
    if page.url == url and page.evaluate("document.getElementById('kb-search').open"):
        return
    page.goto(url)
    page.keyboard.press("/")
    page.wait_for_selector("#kb-search[open]")


def typed(page, query: str) -> list[str]:
    """Type `query` into the open search box and press Enter (the box searches at once, not after the pause it waits
    for while one types); the results' links, in order."""
    page.fill("#kb-search-input", query)
    page.press("#kb-search-input", "Enter")
    page.wait_for_function("q => document.getElementById('kb-search').dataset.kbSearched === q", arg=query,
                           timeout=20000)  # fmt: skip
    return page.eval_on_selector_all(RESULT_LINKS, "links => links.map(a => a.href)")


def paths(server: str, hrefs: list[str]) -> list[str]:
    """Links as paths below the site's root."""
    prefix = urlsplit(server).path
    return [urlsplit(h).path.removeprefix(prefix) for h in hrefs]
