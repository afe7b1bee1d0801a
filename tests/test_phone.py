"""Every page kind on a phone (390 × 844, and 360 wide): no sideways scroll, nothing covering text, no text smaller
than 12 px. Wide tables scroll inside their own box (docs/assets/kb.css)."""

from __future__ import annotations

import pytest

from .page_kinds import every_kind, page_url

pytestmark = pytest.mark.browser

# Visible elements that hold text of their own, in the window: each must be at least 12 px and be what the reader
# sees at its centre (not covered by another element); the page must not be wider than the window.
LOOK = """() => {
  const problems = [];
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth) problems.push(`page ${width} px wide in a ${innerWidth} px window`);
  for (const el of document.querySelectorAll("body *")) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || !box.height || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    if (el.closest("[hidden], .md-sidebar, .md-select__inner, dialog:not([open]), .md-tooltip, svg")) continue;
    const kind = typeof el.className === "string" && el.className ? "." + el.className.split(" ")[0] : "";
    const name = el.tagName.toLowerCase() + kind + ` "${el.textContent.trim().slice(0, 20)}"`;
    const size = parseFloat(style.fontSize);
    if (size < 12) problems.push(`${name}: ${size} px`);
    const x = box.left + Math.min(box.width, 8) / 2 + 1, y = box.top + box.height / 2;
    if (y < 60 || y > innerHeight - 4 || x < 0 || x > innerWidth) continue;  // under the header, or not in view
    const top = document.elementFromPoint(x, y);
    if (top && top !== el && !el.contains(top) && !top.contains(el)) {
      problems.push(`${name} covered by ${top.tagName.toLowerCase()}.${top.className}`);
    }
  }
  return problems;
}"""


NEXT_FRAMES = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture(scope="module")
def phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP", has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.mark.parametrize(("language", "kind"), every_kind())
def test_every_page_kind_fits_a_phone(phone, server, site, language, kind):
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(server + page_url(site, language, kind))
    problems = phone.evaluate(LOOK)
    for at in (1500, 4000):  # further down the page too
        phone.evaluate(f"window.scrollTo(0, {at})")
        phone.evaluate(NEXT_FRAMES)  # what scrolled into view is laid out (checklist items: content-visibility)
        problems += [p for p in phone.evaluate(LOOK) if p not in problems]
    phone.set_viewport_size({"width": 360, "height": 740})
    phone.evaluate("window.scrollTo(0, 0)")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert not problems and width <= 360, problems[:10] + [f"at 360 px: {width} px wide"]


def test_wide_tables_scroll_in_their_own_box_with_the_first_column_in_view(phone, server, site):
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(server + page_url(site, "en", "controls overview"))
    table = phone.locator("#kb-controls table").first
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # wider than the screen: it scrolls itself
    first = table.locator("tbody tr td:first-child").first
    left = first.bounding_box()["x"]
    table.evaluate("t => { t.scrollLeft = 200; }")
    assert first.bounding_box()["x"] == left  # the number stays in view
    header = table.locator("th").nth(1)
    assert header.evaluate("h => h.getBoundingClientRect().height < 2.5 * parseFloat(getComputedStyle(h).lineHeight)")


def test_a_filter_whose_longest_choice_is_wider_than_the_screen_keeps_the_page_in_it(phone, server, site):
    """A select is as wide as its longest option: an imported catalog's baseline ("NIST Special Publication 800-53
    Revision 5.1.1 MODERATE IMPACT BASELINE") made the controls overview scroll sideways on a phone."""
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(server + page_url(site, "en", "controls overview"))
    phone.evaluate("""() => { const option = document.createElement("option");
        option.textContent = "NIST Special Publication 800-53 Revision 5.1.1 MODERATE IMPACT BASELINE";
        document.querySelector(".kb-filter select").append(option); }""")
    phone.evaluate(NEXT_FRAMES)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
