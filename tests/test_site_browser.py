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


# ---- how pages look, at a laptop's width and a phone's


@pytest.fixture(params=[1366, 390], ids=["1366px", "390px"])
def width(request, page):
    """The shared tab at 1366 × 900 or 390 × 844, its size restored afterwards."""
    before = page.viewport_size
    page.set_viewport_size({"width": request.param, "height": 900 if request.param > 1000 else 844})
    yield request.param
    page.set_viewport_size(before)


def test_the_sidebar_title_reads_in_balanced_lines_above_the_navigation_scrolling_under_it(page, server, width):
    page.goto(server + "guideline/5-4-6/")
    if width < 1000:  # the navigation is a drawer on a phone
        page.locator("label.md-header__button[for='__drawer']").click()
        page.wait_for_timeout(400)  # the drawer slides in
    page.evaluate("document.querySelector('.md-sidebar--primary .md-sidebar__scrollwrap').scrollTop = 230")
    lines = page.evaluate("""() => {
      const title = document.querySelector('.md-nav--primary > .md-nav__title');
      const range = document.createRange();
      range.selectNodeContents(title.querySelector('.md-ellipsis') || title);
      const rows = {};
      for (const r of range.getClientRects()) {
        if (r.width) rows[Math.round(r.top)] = (rows[Math.round(r.top)] || 0) + r.width;
      }
      const tops = Object.keys(rows).map(Number).sort((a, b) => a - b);
      const text = title.getBoundingClientRect(), x = text.left + 20, below = Math.max(...tops) + 22;
      const under = document.elementFromPoint(x, below);
      return {widths: tops.map(t => rows[t]), covered: !!under && title.contains(under)};
    }""")
    widths = lines["widths"]
    assert min(widths[-1:] + [1e9]) > 0.3 * max(widths), widths  # no lone last character
    if width > 1000:  # the sticky title: what scrolls under it stays under it, a line below its text too
        assert lines["covered"]
    page.keyboard.press("Escape")


def test_actor_tags_follow_the_title(page, server, width):
    page.goto(server + "guideline/5-4-6/")
    title, tags = page.locator("article h1").bounding_box(), page.locator("article .md-tags").bounding_box()
    assert tags["y"] >= title["y"] + title["height"]
    assert page.evaluate("document.querySelector('article h1').nextElementSibling.classList.contains('md-tags')")


def test_the_outline_holds_headings_without_badges(page, server):
    for url in ("guideline/5-4-6/", "en/guideline/5-4-6/"):
        page.goto(server + url)
        entries = page.locator(".md-nav--secondary a.md-nav__link").all_inner_texts()
        assert entries and all(not e.strip().endswith(("編集", "Editorial")) for e in entries), entries
        assert page.locator(".md-nav--secondary .kb-badge").count() == 0


def test_the_templates_list_keeps_download_names_whole(page, server, width):
    page.goto(server + "templates/")
    whole = """els => els.map(e => [e.textContent.trim(), e.getClientRects().length])"""
    cells = page.eval_on_selector_all(".kb-tpl-index th:last-child, .kb-tpl-index td:last-child a", whole)
    assert len(cells) > 10 and all(lines == 1 for _, lines in cells), [c for c in cells if c[1] != 1]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_downloads_list_keeps_formats_and_sizes_on_one_line(page, server, width):
    """「Excel（.xlsx）」 broke after 「Excel」 beside a file's description."""
    page.goto(server + "downloads/")
    lines = """cells => cells.map(c => {
        const range = document.createRange(); range.selectNodeContents(c);
        return [c.textContent.trim(), range.getClientRects().length];
    })"""
    cells = page.eval_on_selector_all(".kb-downloads td:nth-child(3), .kb-downloads td:nth-child(4)", lines)
    assert len(cells) > 40 and all(n == 1 for _, n in cells), [c for c in cells if c[1] != 1]
    assert any(text.startswith("Excel") for text, _ in cells)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_control_without_text_shows_what_it_has_and_no_rows_of_none(page, server, width):
    page.goto(server + "guideline/5-4-5/")  # a heading of the guideline without overview text
    article = page.inner_text("article")
    assert page.locator(".kb-notext").count() == 1 and "なし" not in article
    assert page.locator("#related ~ h3").count() >= 2  # what it has: the sections calling for it, its CSF mapping


def test_the_language_switch_keeps_the_place_and_marks_the_language(page, server, width):
    page.goto(server + "guideline/5-4-6/")
    assert page.locator("a[data-kb-language='ja'][aria-current]").count() == 1
    assert page.locator("a[data-kb-language='en'][aria-current]").count() == 0
    page.evaluate("document.querySelectorAll('article h2, article h3')[3].scrollIntoView()")
    before = page.evaluate("scrollY")
    assert before > 300
    page.locator("[data-kb-language='en']").evaluate("link => link.click()")
    page.wait_for_url(server + "en/guideline/5-4-6/index.html")
    page.wait_for_load_state("load")
    heading = page.evaluate("document.querySelectorAll('article h2, article h3')[3].getBoundingClientRect().top")
    assert abs(heading) < 60, heading  # the same heading at the top of the window
    assert page.locator("a[data-kb-language='en'][aria-current]").count() == 1


def test_the_added_badge_reads_naturally_in_english(page, server):
    page.goto(server + "en/guideline/5-4-6/")
    assert page.locator(".kb-status .kb-badge--added").inner_text() == "Added"


def test_the_guideline_s_boxed_text_is_as_large_as_the_site_s_lists(page, server, width):
    page.goto(server + "guideline/5-4-6/")
    size = "s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)"
    boxed = page.evaluate(size, ".admonition.kb-requirement p:not(.admonition-title)")
    ours = page.evaluate(size, "#related ~ ul li")
    assert boxed >= ours >= 12, (boxed, ours)
