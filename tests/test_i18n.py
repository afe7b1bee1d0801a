"""Any language from data: dates, the colon after a label, brackets, the glossary's grouping, the downloads page and
the permalink title come from ui strings (generator/defaults/ui.yaml, a knowledge base's ui.yaml), not from code
that knows Japanese and English. Checked on examples/tri-demo (ja, en, zh-Hant), built once into a tmp folder."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import io
import re
import shutil
import urllib.parse
from pathlib import Path

import docx
import pytest

from generator.build import load_knowledge_base
from generator.errors import DataError
from generator.features.core import glossary_groups
from generator.features.templates import Templates
from generator.i18n import Language
from generator.render import environment

from .conftest import PROJECT, example_site

TRI = PROJECT / "examples" / "tri-demo" / "guideline_data"
FIXTURE = PROJECT / "tests" / "fixtures" / "kb" / "guideline_data"
ROOTS = {"ja": "", "en": "en/", "zh-Hant": "zh-Hant/"}
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"


@pytest.fixture(scope="module")
def tri():
    return load_knowledge_base(TRI)


@pytest.fixture(scope="module")
def fixture_kb():
    """The small fixture knowledge base (ja, en), which has a policy template."""
    return load_knowledge_base(FIXTURE)


@pytest.fixture(scope="module")
def tri_site(tmp_path_factory) -> Path:
    return example_site(tmp_path_factory, "tri-demo")


def page(site: Path, code: str, path: str) -> str:
    return (site / ROOTS[code] / path).read_text(encoding="utf-8")


def text_of(markup: str) -> str:
    """What a reader sees of the page's content (tags removed, references decoded), scripts and styles left out."""
    body = markup.split('<article class="md-content__inner', 1)[-1].split("</article>", 1)[0]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("day", "precision", "code", "expected"),
    [
        ((2024, 4, 1), "day", "en", "1 April 2024"),
        ((2024, 4, 1), "month", "en", "April 2024"),
        ((2024, 4, 1), "year", "en", "2024"),
        ((2024, 4, 1), "day", "zh-Hant", "2024年4月1日"),
        ((2024, 4, 1), "month", "zh-Hant", "2024年4月"),
        ((2024, 4, 1), "year", "zh-Hant", "2024年"),
        ((2024, 4, 1), "day", "ja", "令和6年（2024年）4月1日"),
        ((2024, 4, 1), "month", "ja", "令和6年（2024年）4月"),
        ((2024, 4, 1), "year", "ja", "令和6年（2024年）"),
        ((2019, 5, 1), "day", "ja", "令和元年（2019年）5月1日"),  # the first day of an era: 元年
        ((2019, 4, 30), "day", "ja", "平成31年（2019年）4月30日"),  # the last day of the one before
        ((2019, 5, 1), "year", "ja", "令和元年（2019年）"),
        ((1989, 1, 7), "day", "ja", "昭和64年（1989年）1月7日"),
        ((1989, 1, 8), "day", "ja", "平成元年（1989年）1月8日"),
        ((2003, 11, 21), "day", "ja", "平成15年（2003年）11月21日"),
        ((1926, 12, 25), "month", "ja", "昭和元年（1926年）12月"),
        ((1926, 12, 24), "day", "ja", "1926年12月24日"),  # before the first era the generator knows: no era
        ((2019, 4, 30), "day", "zh-Hant", "2019年4月30日"),  # the era is ja's: other languages write none
        ((1926, 12, 31), "day", "en", "31 December 1926"),
    ],
)
def test_dates_in_each_language(tri, day, precision, code, expected):
    assert Language.of(tri.kb, code).date(dt.date(*day), precision) == expected


def test_every_month_has_its_name(tri):
    english = Language.of(tri.kb, "en")
    names = [english.date(dt.date(2024, month, 1), "month").split()[0] for month in range(1, 13)]
    assert names == ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December"]  # fmt: skip
    chinese = Language.of(tri.kb, "zh-Hant")
    assert [chinese.date(dt.date(2024, month, 9)) for month in (1, 12)] == ["2024年1月9日", "2024年12月9日"]


def test_a_knowledge_base_writes_its_own_date_format(tmp_path):
    """The format is data: a knowledge base's ui.yaml changes it without code; a field the generator does not fill
    is refused with the file, line, key and fix."""
    data = shutil.copytree(FIXTURE, tmp_path / "guideline_data")
    ui = data / "ui.yaml"
    lines = ui.read_text(encoding="utf-8").count("\n")
    ui.write_text(
        ui.read_text(encoding="utf-8") + 'date.day: {ja: "{year}{month}月{day}日", en: "{month_name} {day}, {year}"}\n',
        encoding="utf-8",
    )
    kb = load_knowledge_base(data).kb
    assert Language.of(kb, "en").date(dt.date(2024, 4, 1)) == "April 1, 2024"
    assert Language.of(kb, "ja").date(dt.date(2024, 4, 1)) == "令和6年（2024年）4月1日"  # {year}: with its era

    ui.write_text(ui.read_text(encoding="utf-8").replace("{month_name} {day}", "{weekday}, {month_name} {day}"))
    with pytest.raises(DataError) as error:
        load_knowledge_base(data)
    assert str(error.value).splitlines()[1:] == [
        f"guideline_data/ui.yaml:{lines + 1}: date.day.en: the interface string 'date.day' has the placeholder "
        "{weekday} in 'en', which the generator does not fill in",
        "    fix: use only {day}, {month}, {month_name}, {year} (as in generator/defaults/ui.yaml)",
    ]


def test_the_built_pages_carry_each_languages_dates(tri, tri_site):
    """The newest changelog entry's date, on the about page of each language."""
    d = tri.kb.changelog[0].date
    assert d.year >= 2020  # 令和2年 on
    assert f"{d.year}年{d.month}月{d.day}日" in text_of(page(tri_site, "zh-Hant", "about/index.html"))
    assert f"令和{d.year - 2018}年（{d.year}年）{d.month}月{d.day}日" in text_of(
        page(tri_site, "ja", "about/index.html")
    )
    assert f"{d.day} {calendar.month_name[d.month]} {d.year}" in text_of(page(tri_site, "en", "about/index.html"))


# ---------------------------------------------------------------- colons and brackets

LABELLED = [  # (page, ui key of a label the page writes before a value)
    ("glossary/index.html", "glossary.used_in"),
    ("checklists/ch2/index.html", "checklist.progress"),
    ("checklists/ch2/index.html", "checklist.source"),
    ("checklists/ch2/index.html", "checklist.actor"),
    ("checklists/index.html", "checklists.overall"),
    ("guideline/2-1/index.html", "control.category"),
    ("assessment/index.html", "assessment.basis"),
]


@pytest.mark.parametrize("code", ["ja", "en", "zh-Hant"])
def test_a_label_is_followed_by_the_languages_colon(tri, tri_site, code):
    language = Language.of(tri.kb, code)
    colon = language.t("punct.colon")
    assert colon == {"ja": "：", "en": ": ", "zh-Hant": "："}[code]
    for path, key in LABELLED:
        assert language.t(key) + colon in text_of(page(tri_site, code, path)), (path, key)


@pytest.mark.parametrize("code", ["ja", "zh-Hant"])
def test_no_ascii_colon_or_bracket_after_chinese_characters_or_kana(tri_site, code):
    """On every page of a language written in Chinese characters and kana, no ': ' and no ' (' follows one of them:
    the labels' colons and the brackets around readings, dates and links are the language's own."""
    site = tri_site / ROOTS[code]
    pages = [p for p in site.rglob("index.html") if code != "ja" or not any(p.is_relative_to(site / r) for r in
                                                                              ("en", "zh-Hant"))]  # fmt: skip
    assert len(pages) >= 15
    for path in pages:
        text = text_of(path.read_text(encoding="utf-8"))
        assert not re.search(f"[{CJK}]: ", text), (path, re.search(f".{{20}}[{CJK}]: .{{20}}", text))
        assert not re.search(f"[{CJK}] ?\\(", text), (path, re.search(f".{{20}}[{CJK}] ?\\(.{{20}}", text))


def test_the_glossary_reading_is_in_the_languages_brackets(tri_site):
    assert '入退室記録<span class="kb-reading">（にゅうたいしつきろく）</span>' in page(
        tri_site, "zh-Hant", "glossary/index.html"
    )
    assert '入退室記録 <span class="kb-reading">(にゅうたいしつきろく)</span>' in page(
        tri_site, "en", "glossary/index.html"
    )


def test_a_bold_label_keeps_its_colon_where_markdown_sees_the_bold(fixture_kb):
    """The Markdown download of a template: English 'Template ID: ' and '**Editorial template:** ', Japanese
    '**編集による記入例**：' (a full-width colon after the bold: CommonMark ends a bold before a letter only after a
    letter)."""
    for code, expected in {
        "en": ["> **Editorial template:** ", "> Template ID: `", "> Guideline text it implements: "],
        "ja": ["> **編集による記入例**：", "> テンプレートID：`", "> 実施するガイドラインの記載："],
    }.items():
        language = Language.of(fixture_kb.kb, code)
        files = Templates().files(fixture_kb, language)
        markdown = next(v for k, v in files.items() if k.endswith(".md")).decode("utf-8")
        for piece in expected:
            assert "\n" + piece in markdown, (code, piece)
        assert not re.search(f"[{CJK}]: ", markdown) or code == "en"


def test_the_word_files_label_takes_the_languages_colon(fixture_kb):
    """The template ID in the Word file's note under its title: 'テンプレートID：…', 'Template ID: …' (the header holds
    nothing of ours)."""
    for code in ("ja", "en"):
        language = Language.of(fixture_kb.kb, code)
        files = Templates().files(fixture_kb, language)
        document = docx.Document(io.BytesIO(next(v for k, v in files.items() if k.endswith(".docx"))))
        label = language.t("templates.id") + {"ja": "：", "en": ": "}[code]
        assert not document.sections[0].header.paragraphs[0].text, code
        assert any(label in p.text for p in document.paragraphs[:3]), code


@pytest.mark.parametrize(
    ("punctuation", "expected"),
    [
        (
            (": ", " (", ")"),
            '**Label&#42;:** |<strong>Label&#42;:</strong> | <span class="kb-muted">(4 KB)</span>| (a&#42;)',
        ),
        (
            ("：", "（", "）"),
            '**Label&#42;**：|<strong>Label&#42;</strong>：|<span class="kb-muted">（4 KB）</span>|（a&#42;）',
        ),
    ],
)
def test_label_and_bracket_macros_in_the_site_environment(punctuation, expected):
    """The pages' Jinja escapes every plain string for Markdown: the bold marks and tags stay marks and tags, the
    label and the bracketed text stay text."""
    colon, open_, close = punctuation
    strings = {"punct.colon": colon, "punct.open": open_, "punct.close": close, "label": "Label*"}
    template = environment().from_string(
        '{% from "_macros.md.j2" import strong_label, bracketed with context %}'
        '{{ strong_label(t("label")) }}|{{ strong_label(t("label"), "<strong>", "</strong>") }}|'
        '{{ bracketed("4 KB", "kb-muted") }}|{{ bracketed("a*") }}'
    )
    assert template.render(t=strings.__getitem__) == expected


# ---------------------------------------------------------------- glossary grouping


def test_glossary_of_a_language_in_chinese_characters_is_one_list(tri, tri_site):
    """zh-Hant: one group without a heading, by the terms' code points (for Chinese characters, the Unicode Han
    block's radical-and-stroke order), no jump list, and each term a heading of the level below the page title."""
    language = Language.of(tri.kb, "zh-Hant")
    groups = glossary_groups(tri.kb.glossary, language)
    assert len(groups) == 1 and groups[0]["heading"] is None
    terms = [language.text(t.term) for t in groups[0]["terms"]]
    assert terms == sorted(terms) and len(terms) == len(tri.kb.glossary)

    markup = page(tri_site, "zh-Hant", "glossary/index.html")
    assert "kb-kana-jump" not in markup
    shown = re.findall(r'<h2 id="term-[^"]+">([^<]+)', markup)
    assert shown == terms
    assert not re.search(r'<h[23] id="kana-', markup)


def test_glossary_in_latin_letters_and_in_japanese_keep_their_groups(tri, tri_site):
    english = page(tri_site, "en", "glossary/index.html")
    letters = re.findall(r'<h2 id="kana-([a-z]+)">', english)
    assert letters == sorted(letters) and len(letters) >= 3 and "kb-kana-jump" in english
    assert re.findall(r'<h3 id="term-', english)

    japanese = page(tri_site, "ja", "glossary/index.html")
    groups = glossary_groups(tri.kb.glossary, Language.of(tri.kb, "ja"))
    assert re.findall(r'<h2 id="kana-[a-z]+">([^<]+)', japanese) == [g["heading"] for g in groups]
    assert [g["heading"][-1] for g in groups] == ["行"] * len(groups)
    assert re.findall(r'<h3 id="term-([^"]+)">', japanese) == [t.id for g in groups for t in g["terms"]]


# ---------------------------------------------------------------- downloads page


@pytest.mark.parametrize("code", ["ja", "en", "zh-Hant"])
def test_downloads_page_is_in_the_language(tri, tri_site, code):
    language = Language.of(tri.kb, code)
    markup = page(tri_site, code, "downloads/index.html")
    headings = re.findall(r'<h2 id="files-([^"]+)">([^<]+)', markup)
    assert headings and all(title == language.t(f"downloads.folder.{kind}") for kind, title in headings)
    assert "assets" not in {kind for kind, _ in headings}
    rows = re.findall(r"</a></td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", markup)  # what it is, its format
    formats = {file_format for _, file_format in rows}
    about = {language.t(key) for key in language.strings if key.startswith("downloads.about.")}
    assert {html.unescape(line) for line, _ in rows} <= about - {language.t("downloads.about.other")}
    expected = {
        language.t(f"downloads.file_format.{n}")
        for n in ("json", "schema_json", "oscal_json", "xlsx", "csv", "docx", "md")
    }
    assert formats == expected
    if code != "en":
        assert all("(" not in f for f in formats)  # Excel（.xlsx）, OSCAL（JSON）
    note = language.t("downloads.oscal_language").format(file="guideline-catalog.oscal.json", language="日本語")
    assert note in text_of(markup)


def test_the_oscal_catalog_is_one_file_for_every_language(tri_site):
    catalogs = {
        (tri_site / root / "downloads/data/guideline-catalog.oscal.json").read_bytes() for root in ROOTS.values()
    }
    assert len(catalogs) == 1


# ---------------------------------------------------------------- permalink title


def test_permalink_title_is_in_the_language(tri, tri_site):
    for code in ROOTS:
        titles = set(
            re.findall(r'class="headerlink" href="[^"]*" title="([^"]*)"', page(tri_site, code, "about/index.html"))
        )
        assert titles == {Language.of(tri.kb, code).t("headerlink.title")}, code
    assert Language.of(tri.kb, "en").t("headerlink.title") == "Permanent link"
    assert Language.of(tri.kb, "ja").t("headerlink.title") == "この見出しへのリンク"


# ---------------------------------------------------------------- the language menu


@pytest.mark.parametrize("code", list(ROOTS))
def test_the_language_menu_leads_to_this_page_in_each_language_and_marks_its_own(tri_site, code):
    """Material's own language menu, its links changed in the theme's header block: each leads to the same page in
    its language, relatively (any prefix), past Material's sitemap lookup (target="_self"); the page's is marked."""
    for path in ("index.html", "glossary/index.html", "about/index.html", "404.html"):
        here = f"http://kb.test/sec/{ROOTS[code]}{path}"
        links = re.findall(r'<a href="([^"]*)" ([^>]*)class="md-select__link">', page(tri_site, code, path))
        assert [re.search(r'hreflang="([^"]+)"', attributes).group(1) for _, attributes in links] == list(ROOTS)
        for (href, attributes), other in zip(links, ROOTS, strict=True):
            mark = ' aria-current="true"' if other == code else ""
            assert attributes == f'target="_self" hreflang="{other}" lang="{other}" data-kb-language="{other}"{mark} '
            if path != "404.html":  # the error page is shown at any address: its links name the languages' homes
                assert not href.startswith("/") and urllib.parse.urljoin(here, href).replace("index.html", "") == (
                    f"http://kb.test/sec/{ROOTS[other]}{path}".replace("index.html", "")
                ), (path, href)


def test_the_theme_copies_none_of_materials_templates():
    """Theme changes go through blocks: no file of the generator's overrides stands in for one of Material's."""
    material = Path(__import__("material").__file__).parent / "templates"
    overrides = PROJECT / "generator" / "defaults" / "overrides"
    ours = {p.relative_to(overrides).as_posix() for p in overrides.rglob("*") if p.is_file()}
    assert {name for name in ours if (material / name).exists()} == {"main.html"}  # Material's is empty, to extend
