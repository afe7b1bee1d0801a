"""The built site in a real headless Chromium: search, language switch, glossary filter, tooltips, the controls
overview. (No page may ask for anything outside the site: tests/conftest.py checks that after every browser test.)"""

import pytest

from .search_box import open_search, paths, typed

pytestmark = pytest.mark.browser


@pytest.fixture
def page(shared_page):
    """These tests only look, each at a page it opens: they share one tab (no new browser context for each)."""
    return shared_page


SEARCHES = [
    ("ja", "多要素認証", "guideline/4-2-1/"),
    ("ja", "要素認証", "guideline/4-2-1/"),  # part of a compound
    ("ja", "アクセス制御", "guideline/5-4-2/"),
    ("ja", "5.4.6", "guideline/5-4-6/"),  # a section number
    ("ja", "CISO", "guideline/3-4-1/"),  # an abbreviation: サイバーセキュリティ責任者の任命
    ("ja", "棚卸し", "guideline/4-3-3/"),  # kana and kanji mixed
    ("en", "backup", "en/guideline/5-1-3/"),
    ("en", "remote access", "en/glossary/"),  # a bare term, no page's title: its entry (which names 5.2) first
]


@pytest.mark.parametrize(("language", "query", "expected"), SEARCHES)
def test_search_finds_the_right_page_first(page, server, language, query, expected):
    open_search(page, server, language)
    assert paths(server, typed(page, query))[:1] == [expected]


def test_result_excerpt_is_highlighted(page, server):
    open_search(page, server)
    typed(page, "アクセス制御")
    assert page.locator(".kb-search__excerpt mark").count() > 0


def test_language_switch_keeps_the_page(page, server):
    page.goto(server + "guideline/5-4-6/")
    page.locator("[data-kb-language='en']").evaluate("link => link.click()")  # the menu opens on hover
    page.wait_for_url(server + "en/guideline/5-4-6/index.html")  # links name a folder's page (file://)
    assert page.locator("h1").inner_text().startswith("5.4.6")
    page.locator("[data-kb-language='ja']").evaluate("link => link.click()")
    page.wait_for_url(server + "guideline/5-4-6/index.html")


def test_glossary_filter_by_kanji_reading_and_english(page, server):
    page.goto(server + "glossary/")
    box = page.locator("#kb-glossary-filter")
    for query in ("任務保証", "にんむほしょう", "ニンムホショウ", "mission assurance"):
        box.fill(query)
        visible = page.locator(".kb-glossary-entry:visible h3")
        assert visible.count() >= 1, query
        assert any("任務保証" in t for t in visible.all_inner_texts()), query
    box.fill("zzzz-no-such-term")
    assert page.locator(".kb-glossary-entry:visible").count() == 0


def test_term_tooltip_links_to_the_glossary(page, server):
    page.goto(server + "guideline/4-7/")
    term = page.locator("a.kb-term").first
    assert term.get_attribute("title")
    term.click()
    assert "/glossary/index.html#term-" in page.url


def test_controls_overview_filters_by_category_status_and_text(page, server):
    page.goto(server + "controls/")
    rows = page.locator("#kb-controls tbody tr:visible td:first-child")
    everything = rows.count()
    page.select_option("#kb-controls-category", "technical")
    numbers = rows.all_inner_texts()
    assert numbers and all(n.startswith("5.4") for n in numbers)
    page.select_option("#kb-controls-status", "added")
    assert set(rows.all_inner_texts()) == {"5.4.2", "5.4.6"}
    page.select_option("#kb-controls-category", "")
    page.select_option("#kb-controls-status", "")
    page.fill("#kb-controls-text", "多層防御")
    assert rows.all_inner_texts() == ["5.4.6"]
    page.fill("#kb-controls-text", "")
    assert rows.count() == everything
