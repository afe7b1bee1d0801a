"""Accessibility: axe-core on every page kind in both languages and with the search dialog open (no serious or
critical violation), and the keyboard: search with "/", the glossary filter by Tab, focus always visible."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .page_kinds import LANGUAGE_ROOTS, every_kind, page_url

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
# Rules switched off, each with its reason. Keep this empty unless a rule cannot apply to a static intranet site.
DISABLED_RULES: dict[str, str] = {}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {rule: {"enabled": False} for rule in DISABLED_RULES},
}


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def page(shared_page):
    """These tests only look, each at a page it opens: they share one tab (no new browser context for each)."""
    return shared_page


def blocking_violations(axe: Axe, page) -> list[str]:
    results = axe.run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}: {node['html'][:160]}" for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize(("language", "kind"), every_kind())
def test_page_kind_has_no_serious_accessibility_violation(page, server, site, axe, language, kind):
    page.goto(server + page_url(site, language, kind))
    violations = blocking_violations(axe, page)
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("language", LANGUAGE_ROOTS)
def test_hovered_links_keep_their_contrast(page, server, language):
    """A hovered link takes the accent colour; the pointer may rest on any link as a page opens."""
    page.goto(server + LANGUAGE_ROOTS[language] + "checklists/rollup/")
    for link in (page.locator(".md-sidebar--primary .md-nav__link[href]").last, page.locator("article a[href]").first):
        link.hover()
        violations = blocking_violations(Axe(), page)
        assert not violations, "\n".join(violations)


@pytest.mark.parametrize("language", LANGUAGE_ROOTS)
def test_open_search_dialog_has_no_serious_accessibility_violation(page, server, axe, language):
    page.goto(server + LANGUAGE_ROOTS[language] + "guideline/")
    page.keyboard.press("/")
    page.keyboard.type("CSIRT")
    page.wait_for_selector("[data-kb-search-results] .kb-search__link", timeout=15000)
    violations = blocking_violations(axe, page)
    assert not violations, "\n".join(violations)


# ---------------------------------------------------------------- keyboard

FOCUS_STATE = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    text: (element.getAttribute("aria-label") || element.textContent || "").trim().slice(0, 40),
    outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    inDialog: !!element.closest("#kb-search"),
  };
}"""


def tab_stops(page, limit: int, until=None) -> list[dict]:
    """Press Tab up to `limit` times, or until `until(state)`; the state of every element that took the focus."""
    visited = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(FOCUS_STATE))
        if until and until(visited[-1]):
            return visited
    if until:
        pytest.fail(f"not reached in {limit} Tab presses; last focus: {visited[-1]}")
    return visited


def invisible_focus(visited: list[dict]) -> list[dict]:
    """The tab stops that show no outline when focused."""
    return [s for s in visited if s["tag"] != "body" and (s["outline"] == "none" or s["width"] == 0)]


def test_search_opens_with_slash_and_works_without_a_mouse(page, server):
    page.goto(server + "guideline/")
    page.keyboard.press("/")
    assert page.evaluate("document.getElementById('kb-search').open")
    focus = page.evaluate(FOCUS_STATE)
    assert focus["tag"] == "input" and focus["inDialog"], focus
    page.keyboard.type("多要素認証")
    page.wait_for_selector("[data-kb-search-results] .kb-search__link", timeout=15000)
    visited = tab_stops(page, 10, until=lambda s: s["tag"] == "a" and s["inDialog"])
    assert not invisible_focus(visited), invisible_focus(visited)
    target = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target.split("#")[0] + "**")
    assert page.url.split("?")[0].split("#")[0] != server + "guideline/"


def test_search_dialog_closes_with_escape(page, server):
    page.goto(server + "en/")
    page.keyboard.press("/")
    assert page.evaluate("document.getElementById('kb-search').open")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('kb-search').open")


@pytest.mark.parametrize("language", LANGUAGE_ROOTS)
def test_glossary_filter_is_reachable_by_tab_and_filters(page, server, language):
    page.goto(server + LANGUAGE_ROOTS[language] + "glossary/")
    entries = page.locator(".kb-glossary-entry")
    total = entries.count()
    visited = tab_stops(page, 300, until=lambda s: s["id"] == "kb-glossary-filter")
    assert not invisible_focus(visited), invisible_focus(visited)
    page.keyboard.type("CSIRT")
    shown = page.locator(".kb-glossary-entry:visible").count()
    assert 1 <= shown < total
    assert page.locator("[data-kb-filter-count]").inner_text() == f"{shown} / {total}"


@pytest.mark.parametrize("path", ["guideline/4-2-1/", "controls/", "en/guideline/5-4-6/"])
def test_focus_is_visible_on_every_tab_stop(page, server, path):
    """The first tab stops of a page (header, navigation, content) each show where the focus is."""
    page.goto(server + path)
    visited = tab_stops(page, 60)
    assert len({(s["tag"], s["id"], s["text"]) for s in visited}) > 20
    assert not invisible_focus(visited), invisible_focus(visited)
