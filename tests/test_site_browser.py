"""The built site in a real headless Chromium: search, language switch, glossary filter, isolation."""

import pytest

pytestmark = pytest.mark.browser

SEARCHES = [
    ("", "多要素認証", "guideline/4-2-1/"),
    ("", "要素認証", "guideline/4-2-1/"),  # part of a compound
    ("", "アクセス制御", "guideline/5-4-2/"),
    ("", "5.4.6", "guideline/5-4-6/"),  # a section number
    ("", "CISO", "guideline/3-4/"),  # an abbreviation
    ("", "棚卸し", "guideline/4-3-3/"),  # kana and kanji mixed
    ("en/", "backup", "en/guideline/5-1-3/"),
    ("en/", "remote access", "en/guideline/5-2/"),
]


def first_result(page, server, language, query):
    page.goto(server + language + "guideline/")
    page.keyboard.press("/")  # the keyboard shortcut opens the dialog with the focus in the box
    page.keyboard.type(query)
    page.wait_for_selector("[data-kb-search-results] .kb-search__link", timeout=15000)
    return page.eval_on_selector("[data-kb-search-results] .kb-search__link", "e => e.href")


@pytest.mark.parametrize(("language", "query", "expected"), SEARCHES)
def test_search_finds_the_right_page_first(page, server, language, query, expected):
    href = first_result(page, server, language, query)
    assert href.split("?")[0] == server + expected


def test_english_search_never_returns_japanese_pages(page, server):
    page.goto(server + "en/")
    page.keyboard.press("/")
    page.keyboard.type("CSIRT")
    page.wait_for_selector("[data-kb-search-results] .kb-search__link", timeout=15000)
    hrefs = page.eval_on_selector_all("[data-kb-search-results] .kb-search__link", "els => els.map(e => e.href)")
    assert hrefs and all(h.startswith(server + "en/") for h in hrefs)


def test_result_excerpt_is_highlighted(page, server):
    first_result(page, server, "", "アクセス制御")
    assert page.locator(".kb-search__excerpt mark").count() > 0


def test_language_switch_keeps_the_page(page, server):
    page.goto(server + "guideline/5-4-6/")
    page.locator("[data-kb-language='en']").evaluate("link => link.click()")  # the menu opens on hover
    page.wait_for_url(server + "en/guideline/5-4-6/")
    assert page.locator("h1").inner_text().startswith("5.4.6")
    page.locator("[data-kb-language='ja']").evaluate("link => link.click()")
    page.wait_for_url(server + "guideline/5-4-6/")


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
    assert "/glossary/#term-" in page.url


def test_pages_make_no_request_outside_the_site(page, server):
    for path in ("", "guideline/4-8-2/", "glossary/", "en/controls/"):
        page.goto(server + path)
        page.keyboard.press("/")
        page.keyboard.type("CSIRT")
        page.wait_for_timeout(500)
    assert page.outside_requests == []


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
