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


# Each query given the box's input and its form submitted (what `typed` does through the keyboard: the input event,
# then Enter), the next once the box has marked the list complete.
_EACH = """async ([queries, results, timeout]) => {
    const dialog = document.getElementById("kb-search");
    const input = document.getElementById("kb-search-input");
    const found = [];
    for (const query of queries) {
        input.value = query;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        dialog.querySelector("[data-kb-search-form]").requestSubmit();
        const end = performance.now() + timeout;
        while (dialog.dataset.kbSearched !== query) {
            if (performance.now() > end) throw new Error(`no results shown for ${query} in ${timeout} ms`);
            await new Promise(resolve => setTimeout(resolve, 5));
        }
        found.push(Array.from(document.querySelectorAll(results), a => a.href));
    }
    return found;
}"""


def typed_each(page, queries: list[str]) -> list[list[str]]:
    """`typed` for each query in turn, in one call into the open box (for sweeps over every id or title): the same
    input, form and list as the keyboard reaches; the results' links of each query, in order."""
    return page.evaluate(_EACH, [queries, RESULT_LINKS, 20000])


def paths(server: str, hrefs: list[str]) -> list[str]:
    """Links as paths below the site's root."""
    prefix = urlsplit(server).path
    return [urlsplit(h).path.removeprefix(prefix) for h in hrefs]
