"""Stage 4: text from the data is shown as written, references become links, terms get a tooltip once."""

import datetime as dt

from markupsafe import Markup

from generator.features.core import glossary_groups, term_haystack
from generator.i18n import Language
from generator.link import Key
from generator.pages import Page, relative_url
from generator.render import PageRenderer, TermMatcher, environment, escape_markdown
from generator.schema import Text


def renderer(linked, code="ja", path="guideline/2/index.md"):
    language = Language.of(linked.kb, code)
    return PageRenderer(linked, language, Page(path, "section.md.j2", "x"), TermMatcher(linked.kb.glossary))


def test_html_and_markdown_are_escaped():
    """As character references, which are the characters themselves in Markdown text, raw HTML and attributes alike,
    while Markdown sees no link, emphasis, attribute list or block marker in them."""
    assert escape_markdown("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_markdown("*a* [b](c) # d") == "&#42;a&#42; &#91;b&#93;(c) &#35; d"
    assert escape_markdown("1. first") == "1&#46; first"
    assert escape_markdown("- item") == "&#45; item" and escape_markdown("??? note") == "&#63;?? note"
    assert escape_markdown("5.4.2 and 1.5") == "5.4.2 and 1.5"  # a number is not a list
    assert escape_markdown('{: onclick="x" }') == "&#123;: onclick=&quot;x&quot; &#125;"
    assert escape_markdown("a'b\nc") == "a&#39;b<br>c"


def test_every_value_a_template_prints_is_escaped():
    """The environment's finalize: a plain string (a ui string, a field of the data) is escaped for Markdown; Markup
    from the renderer is left as it is; `|html` escapes for HTML only, for attributes and raw HTML blocks."""
    env = environment()
    template = env.from_string('{{ s }} | {{ m }} | <a title="{{ s|html }}">{{ n }}</a>')
    out = template.render(s='[x](javascript:alert(1)) {{ 7*7 }} "q"', m=Markup("**b**"), n=3)
    assert out == (
        "&#91;x&#93;(javascript:alert(1)) &#123;&#123; 7&#42;7 &#125;&#125; &quot;q&quot; | **b** | "
        '<a title="[x](javascript:alert(1)) {{ 7*7 }} &quot;q&quot;">3</a>'
    )


def test_reference_becomes_a_relative_markdown_link(fixture_linked):
    r = renderer(fixture_linked)
    text = r.text(Text(ja="（前スライド参照：@1.2）", en="x"))
    assert "[1.2 リスク評価](../1-2.md)" in text


def test_terms_are_marked_once_per_page(fixture_linked):
    r = renderer(fixture_linked)
    first = r.text(Text(ja="CSIRTを整備し、CSIRTが対応する。", en="x"))
    assert first.count('class="kb-term"') == 1
    assert 'href="../../glossary/#term-csirt"' in first
    again = r.text(Text(ja="CSIRT", en="x"))
    assert "kb-term" not in again


def test_terms_are_found_inside_japanese_sentences(fixture_linked):
    r = renderer(fixture_linked)
    assert "kb-term" in r.text(Text(ja="多要素認証を導入する", en="x"))


def test_relative_urls_work_under_any_prefix():
    assert relative_url("guideline/4-7/index.md", "glossary.md", "term-csirt") == "../../glossary/#term-csirt"
    assert relative_url("index.md", "guideline/index.md") == "guideline/"
    assert relative_url("guideline/5-4-6.md", "index.md") == "../../"


def test_wareki_with_seireki(fixture_linked):
    """More dates, in every language, in tests/test_i18n.py."""
    japanese = Language.of(fixture_linked.kb, "ja")
    assert japanese.date(dt.date(2024, 4, 1), "month") == "令和6年（2024年）4月"
    assert japanese.date(dt.date(2019, 5, 1)) == "令和元年（2019年）5月1日"
    assert japanese.date(dt.date(2003, 11, 21)) == "平成15年（2003年）11月21日"


def test_glossary_in_gojuon_order(fixture_linked):
    glossary = fixture_linked.kb.glossary
    groups = glossary_groups(glossary, Language.of(fixture_linked.kb, "ja"))
    rows = [g["label"] for g in groups]
    assert rows == sorted(rows, key="あかさたなはまやらわ".index)
    assert sum(len(g["terms"]) for g in groups) == len(glossary)


def test_filter_haystack_has_reading_in_both_kana(fixture_linked):
    term = next(t for t in fixture_linked.kb.glossary if t.id == "csirt")
    hay = term_haystack(term)
    assert "しーさーと" in hay and "シーサート" in hay and "CSIRT" in hay


def test_key_labels(fixture_linked):
    r = renderer(fixture_linked, "en")
    assert r.label(Key("section", "annex-1")).startswith("Annex 1.")
