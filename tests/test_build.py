"""The whole build of the real data: both languages, every page, and a failed build that leaves site/ alone."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from generator.build import BuildReport, Paths, _prepared, build, generate_language
from generator.cache import FOLDER as CACHE_FOLDER
from generator.cache import Cache
from generator.publish import check_output_dirs
from generator.reads import STATE
from generator.search_index import read_titles
from generator.uptodate import RECORD, up_to_date

from .helpers import SOURCES, copy_fixture, copy_project
from .page_kinds import LANGUAGES


def html_pages(site, code):
    root = site if code == "ja" else site / code
    pages = {p.relative_to(root).as_posix() for p in root.rglob("index.html")}
    return {p for p in pages if not p.startswith(("en/", "pagefind/", "assets/", "downloads/"))}


def test_every_page_exists_in_both_languages(site, built):
    paths, report = built
    assert report.pages["ja"] == report.pages["en"] >= 85
    assert html_pages(site, "ja") == html_pages(site, "en")
    assert len(html_pages(site, "ja")) >= 85


def test_html_lang_is_set_per_language(site):
    assert '<html lang="ja"' in (site / "guideline" / "5-4-6" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in (site / "en" / "guideline" / "5-4-6" / "index.html").read_text(encoding="utf-8")


def test_every_heading_of_the_toc_has_a_page(site, linked):
    from generator.pages import section_path, url_of

    for section in linked.kb.sections:
        url = url_of(section_path(linked, section.id))
        for code in LANGUAGES:
            root = site if code == "ja" else site / code
            assert (root / url / "index.html").is_file(), (code, section.id)


def test_pages_without_overview_text_say_so(site):
    html = (site / "guideline" / "3-1-2" / "index.html").read_text(encoding="utf-8")
    assert "概要版には本文がありません" in html
    html = (site / "en" / "guideline" / "3-1-2" / "index.html").read_text(encoding="utf-8")
    assert "the overview edition has no text for it" in html


def test_search_index_per_language(site):
    entry = (site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8")
    assert '"ja"' in entry and '"en"' in entry


def test_failed_build_keeps_the_last_good_site(built, tmp_path):
    """A copy of the project with the session's site (hard links: a file the build touched would show in its
    inode's time), and a data file broken."""
    paths, _ = built
    project = copy_project(tmp_path / "project", (*SOURCES, "build"), paths.project)
    shutil.copytree(paths.site, project / "site", copy_function=os.link)
    before = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    actors = project / "guideline_data" / "actors.yaml"
    actors.write_text(actors.read_text(encoding="utf-8") + "- id: [broken\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "generator", "--project", str(project), "build"],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1
    assert "guideline_data/actors.yaml:" in result.stderr and "Traceback" not in result.stderr
    assert "site/ was left as it was" in result.stderr
    after = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    assert after == before


def test_a_search_service_stopped_while_its_process_starts_ends_at_once_and_says_nothing():
    """A build that stops on bad data closes the Pagefind service it started a few milliseconds before: asyncio cannot
    cancel a process being started (it waited 30 s and printed 'Task was destroyed but it is pending!' at exit); nor
    does one still loading a language's dictionary for the knowledge base (Pagefind's close waits 5 s for it)."""
    script = ("import time; from generator.search_index import SearchIndex\n"
              "warm, two = {'ja': '検索'}, {'ja': '検索', 'en': 'search'}\n"
              "for delay, texts in ((0, {}), (0.001, {}), (0.003, {}), (0.01, {}), (0, warm), (1, warm), (0, two),\n"
              "                     (0.01, two), (1, two)):\n"
              "    service = SearchIndex(); service.warm(texts); time.sleep(delay); start = time.perf_counter()\n"
              "    service.close(); print(round(time.perf_counter() - start))\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout.split(), result.stderr) == (0, ["0"] * 9, "")


def test_the_search_service_warms_up_with_the_knowledge_bases_title_in_each_of_its_languages(tmp_path):
    """Each language's dictionary loads while the generator's stages are imported: Japanese text for Japanese, none
    for a language the knowledge base does not have; a title that is not text, or a document file that cannot be
    read, is left to the build to tell."""
    data = copy_fixture(tmp_path)
    assert read_titles(data) == {"ja": "架空索道サイバーセキュリティ指針（テスト用）",
                                 "en": "Fictional cable-car cybersecurity guideline (for tests)"}  # fmt: skip
    document = data / "document.yaml"
    text = document.read_text(encoding="utf-8")
    for broken in (re.sub(r"(?m)^title:.*(\n  .*)*", "title: [not, text]", text), "title: [", "\x00"):
        document.write_text(broken, encoding="utf-8")
        assert read_titles(data) == {}
    document.unlink()
    assert read_titles(data) == {}


def test_check_command(built):
    paths, _ = built
    result = subprocess.run([sys.executable, "-m", "generator", "--project", str(paths.project), "check"],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0 and result.stdout.startswith("ok: ")


def test_tags_index_lists_actors_and_stakeholders(site):
    html = (site / "tags" / "index.html").read_text(encoding="utf-8")
    for name in ("経営層", "システム管理者", "空港", "ケータリング"):
        assert name in html


def test_control_page_has_typed_link_sections(site):
    html = (site / "guideline" / "5-6-1" / "index.html").read_text(encoding="utf-8")
    assert "この対策を求める項目" in html and "4.4 サプライチェーン・リスクマネジメント" in html
    html = (site / "en" / "guideline" / "4-4" / "index.html").read_text(encoding="utf-8")
    assert "Controls that implement it" in html and "5.6.1" in html


def test_every_control_page_holds_its_typed_sections_in_both_languages(site, linked):
    """A control with text of its own shows each kind of typed link, "none" where it has none, so that readers see
    what is missing; one without text (a heading the overview names only) shows what it has, never rows of "none"."""
    from generator.i18n import Language
    from generator.pages import section_path, url_of

    headings = {
        "ja": ("この対策を求める項目", "チェックリスト項目", "テンプレート", "使われている用語", "参考文献"),
        "en": ("Sections that call for it", "Checklist items", "Templates", "Terms used", "References"),
    }
    controls = [s for s in linked.kb.sections if s.id.startswith("5.")]
    assert len(controls) == 22
    for section in controls:
        url = url_of(section_path(linked, section.id))
        for code, expected in headings.items():
            html = ((site if code == "ja" else site / code) / url / "index.html").read_text(encoding="utf-8")
            none = f'<span class="kb-muted">{Language.of(linked.kb, code).t("related.none")}</span>'
            if section.blocks:
                for heading in expected:
                    assert f">{heading}<" in html or f">{heading} " in html, (code, section.id, heading)
            else:
                assert none not in html, (code, section.id)
    assert any(not s.blocks for s in controls) and any(s.blocks for s in controls)


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """One first build of a copy of the fixture knowledge base, shared by the two tests of what a build with a site
    does next (a full build takes seconds; a copy would not do: the build folder names the project's folder): the
    project and the first build's report. Each of the two leaves the project built, with a site, from its data as
    it left it (edited or not), so that either may run first."""
    copy = Paths.of(data=copy_fixture(tmp_path_factory.mktemp("first-build") / "project"))
    return copy, build(copy)


def test_a_rebuild_after_an_edit_builds_only_what_changed_and_the_same_site_as_a_full_build(first_build):
    """After a one-paragraph edit: the downloads that do not show it come from the cache, MkDocs renders only the
    pages whose Markdown changed — and the site is byte for byte the one a full build makes (search index aside).
    On the fixture knowledge base: the rule is the generator's."""
    copy, first = first_build
    assert first.cached["hits"] == [] and set(first.mkdocs.values()) == {"all pages (first build)"}
    policy = copy.data / "sections" / "01_policy.yaml"
    text = policy.read_text(encoding="utf-8")
    edited = "事業者は、運行管理室と搬器の制御に関わるリスクを評価し、評価の結果を記録する。\n"
    assert text.count(edited) == 1
    policy.write_text(text.replace(edited, edited[:-1] + "（改訂）\n", 1), encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in (copy.build / "ja" / "docs").rglob("*") if p.is_file()}
    rebuilt = build(copy)
    assert rebuilt.mkdocs == {"ja": "changed pages", "en": "changed pages"}
    # (on the fixture's 29 pages: those that read the section, the listings, and the downloads page, which shows each
    # download's size: the edit's eight characters may take one across a kilobyte)
    assert 0 < rebuilt.rendered["ja"] <= rebuilt.pages["ja"] / 2 + 1, rebuilt.rendered
    assert {"checklists-ja", "templates-ja", "checklists-en", "templates-en"} <= set(rebuilt.cached["hits"])
    written = sorted(p.relative_to(copy.build).as_posix() for p, t in before.items() if p.stat().st_mtime_ns != t)
    assert "ja/docs/guideline/1-2.md" in written and len(written) < len(before) / 4, written
    assert "記録する。（改訂）" in (copy.site / "guideline" / "1-2" / "index.html").read_text(encoding="utf-8")
    partial = _site_files(copy.site)
    for code in ("ja", "en"):
        (copy.build / code / "site-state.json").unlink()
        (copy.build / code / STATE).unlink()  # every page rendered again
    (copy.build / RECORD).unlink()  # else nothing changed: no build at all
    full = build(copy)
    assert set(full.mkdocs.values()) == {"all pages (first build)"}
    assert _site_files(copy.site) == partial


def _site_files(site):
    """Every file of a site but the search index (Pagefind numbers its chunks differently at every run)."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file() and
            "pagefind" not in p.relative_to(site).parts}  # fmt: skip


def test_a_build_with_nothing_changed_does_nothing_and_says_so_and_a_touched_site_is_built_again(first_build, tmp_path):
    """Nothing changed: no stage, no MkDocs, no Pagefind, not a file written — and the command says so. A page of
    site/ changed by hand, a file deleted from it or a record that is not what a build writes: a build again, which
    puts the site back as the data makes it."""
    copy, _ = first_build  # as its last build left it: the first, or the rebuild test's full one after its edit
    written = {p: p.stat().st_mtime_ns for p in (*copy.site.rglob("*"), *copy.build.rglob("*")) if p.is_file()}
    result = subprocess.run([sys.executable, "-m", "generator", "--project", str(copy.project), "build"],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(f"Nothing changed since the last build: {copy.site} holds the ")
    assert result.stdout.rstrip().endswith("Nothing was rendered; MkDocs and Pagefind were not run.")
    assert {p: p.stat().st_mtime_ns for p in written} == written
    assert {p for p in (*copy.site.rglob("*"), *copy.build.rglob("*")) if p.is_file()} == set(written)

    page = copy.site / "guideline" / "1-2" / "index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"</body>", b"<script>alert(1)</script></body>"))
    damaged = build(copy)
    assert damaged.unchanged is None and set(damaged.mkdocs) == {"ja", "en"}
    assert page.read_bytes() == good
    assert build(copy).unchanged == len([p for p in copy.site.rglob("*") if p.is_file()])

    (copy.site / "en" / "glossary" / "index.html").unlink()
    assert build(copy).unchanged is None
    assert (copy.site / "en" / "glossary" / "index.html").is_file()

    assert up_to_date(copy) is not None
    kept = json.loads((copy.build / RECORD).read_text(encoding="utf-8"))
    wrong = [[], {**kept, "inputs": 1}, {**kept, "files": {"index.html": "x"}}, {**kept, "site": str(tmp_path)}]
    for broken in [*(json.dumps(w) for w in wrong), "{", "\x00"]:
        (copy.build / RECORD).write_text(broken, encoding="utf-8")
        assert up_to_date(copy) is None, broken


# Edits of the fixture knowledge base, one after the other: file, old, new, what shows it in the Markdown, and whether
# it is local (at most half the pages of a language read what it changed) or may reach every page.
EDITS = [
    ("sections/01_policy.yaml", "評価の結果を記録する。", "評価の結果を記録する（改訂）。", "記録する（改訂）", True),
    ("sections/02_controls.yaml", "{ja: 多要素認証, en: Multi-factor authentication}",
     "{ja: 多要素認証の導入, en: Introducing multi-factor authentication}", "多要素認証の導入", False),
    ("sections/01_policy.yaml", "@2.1 と@2.2 の実施状況", "@2.1 と@2.2 と@2.3 の実施状況", "2-3.md", True),
    ("glossary.yaml", "本人を確かめる認証。", "本人を確かめる認証（改訂）。", "認証（改訂）", True),
    ("glossary.yaml", "aliases: [ゴンドラ]", "aliases: [ゴンドラ, 制御]", "制御", False),
    ("checklists/01_ch2.yaml", "復旧手順を訓練している。", "復旧手順を年に一度訓練している。", "年に一度訓練", True),
    ("ui.yaml", "内容はすべて架空です。", "内容はすべて架空のものです。", "架空のものです", False),
    ("words.yaml", "2fa]", "2fa, passkey]", "passkey", False),
]  # fmt: skip
WORDS = "- ja: [多要素認証, 二要素認証]\n  en: [multi-factor authentication, 2fa]\n"  # everyday words (words.yaml)


def test_an_edit_renders_only_the_pages_that_read_what_changed_and_each_as_a_full_render_would(tmp_path):
    """Each edit in turn — a paragraph, a title other pages link with, a new reference (the target's backlinks), a
    term's definition, a term's spelling (every page that might now use it), a checklist item, an interface string,
    a group of everyday words (the pages that use one of its words are found by the others): the pages rendered again
    are few where the edit is local, and the Markdown is the very Markdown a build that renders every page writes."""
    copy = Paths.of(data=copy_fixture(tmp_path / "project"))
    (copy.data / "words.yaml").write_text(WORDS, encoding="utf-8")
    first = build(copy, site=False)
    assert first.rendered == first.pages
    for file, old, new, shown, local in EDITS:
        path = copy.data / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, (file, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
        partial = build(copy, site=False)
        for code in ("ja", "en"):  # a language's pages read what they show in it: the counts may differ
            most = partial.pages[code] * 0.6 if local else partial.pages[code]  # a term is marked on many pages
            assert 0 < partial.rendered[code] <= most, (file, new, partial.rendered)
        written = _docs(copy)
        assert any(shown in text for text in written.values()), new
        for code in ("ja", "en"):
            (copy.build / code / STATE).unlink()
        full = build(copy, site=False)
        assert full.rendered == full.pages
        assert _docs(copy) == written, (file, new)


def _docs(paths):
    return {p.relative_to(paths.build).as_posix(): p.read_text(encoding="utf-8")
            for p in paths.build.glob("*/docs/**/*.md")}  # fmt: skip


def test_a_page_that_hides_its_contents_sidebar_does_not_carry_it(site, linked):
    """The print page hides Material's table of contents: its HTML holds none (at a catalog's size it was half of the
    page's elements), while its own list of contents and every heading's anchor stay."""

    def contents_links(html: str) -> int:
        sidebar = re.search(r'<nav class="md-nav md-nav--secondary".*?</nav>', html, re.DOTALL)
        return sidebar.group().count("<a ") if sidebar else 0

    for root in (site, site / "en"):
        html = (root / "print" / "index.html").read_text(encoding="utf-8")
        assert contents_links(html) == 0
        assert 'class="kb-print-toc"' in html
        anchors = set(re.findall(r'id="(print-[^"]+)"', html))
        assert {f"print-{s.id.replace('.', '-')}" for s in linked.kb.sections} <= anchors
    assert contents_links((site / "checklists" / "ch5" / "index.html").read_text(encoding="utf-8")) > 0


@pytest.mark.browser
def test_a_long_page_drawn_by_parts_still_goes_to_its_anchors(page, server):
    """The print page and the checklists lay out on screen only what is in view (content-visibility): a link to the
    last anchor of the print page still brings it into view, and one to a checklist's last item too."""
    drawn_by_parts = "selector => getComputedStyle(document.querySelector(selector)).contentVisibility"
    for url, selector in ((f"{server}print/", ".kb-print-entry"), (f"{server}checklists/ch5/", ".kb-cl-item")):
        page.goto(url)
        assert page.evaluate(drawn_by_parts, selector) == "auto"
        last = page.evaluate(f"() => [...document.querySelectorAll('[id^=print-], {selector}[id]')].pop().id")
        page.goto(f"{url}#{last}")
        in_view = "id => (y => y >= 0 && y < innerHeight)(document.getElementById(id).getBoundingClientRect().top)"
        page.wait_for_function(in_view, arg=last, timeout=15_000)


def test_the_changes_page_names_the_edition_it_is_about(site):
    """In each language's way of writing dates: 和暦 with 西暦 in Japanese."""
    assert "この版：<strong>令和6年（2024年）4月</strong>" in (site / "changes" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "This edition: <strong>April 2024</strong>" in (site / "en" / "changes" / "index.html").read_text(
        encoding="utf-8"
    )


def test_a_language_rendered_in_two_processes_writes_the_same_pages(tmp_path):
    """With a core to spare, a language's pages are rendered by two processes, each taking the next page not yet
    taken: the same Markdown, page for page, as one process renders, and every page rendered once."""
    written = []
    for split in (False, True):
        paths = Paths.of(data=copy_fixture(tmp_path / str(split)))
        check_output_dirs(None, paths.build, paths.project, paths.data)
        the_plan = _prepared(paths, BuildReport(), None, lambda stage: None)
        for language in the_plan.languages:
            report = BuildReport()
            generate_language(the_plan, language, report, Cache(paths.build / CACHE_FOLDER, enabled=False), split)
            assert report.rendered[language.code] == report.pages[language.code] > 20
        written.append({p.relative_to(paths.build).as_posix(): p.read_bytes() for p in paths.build.rglob("*.md")})
    assert written[0] == written[1]


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_downloads_zip_stores_the_workbooks_and_documents_as_they_are_and_unzip_reads_it(site, code):
    """A workbook or document is a zip itself: stored in the language's zip, not deflated again; every other file is
    deflated. unzip checks every entry; each is the file the downloads page links, byte for byte."""
    root = (site if code == LANGUAGES[0] else site / code) / "downloads"
    (everything,) = root.glob("*.zip")
    tested = subprocess.run(["unzip", "-tq", str(everything)], capture_output=True, text=True)
    assert tested.returncode == 0 and tested.stdout.startswith("No errors detected"), tested.stdout + tested.stderr
    with zipfile.ZipFile(everything) as archive:
        entries = archive.infolist()
        kinds = {entry.filename.rsplit(".", 1)[-1]: entry.compress_type for entry in entries}
        for entry in entries:
            assert archive.read(entry) == (root / entry.filename.split("/", 1)[1]).read_bytes()
    assert kinds["xlsx"] == kinds["docx"] == zipfile.ZIP_STORED
    assert kinds["json"] == kinds["csv"] == kinds["md"] == zipfile.ZIP_DEFLATED
    assert len(kinds) == 5


def test_the_last_languages_process_makes_the_first_languages_search_words_once(built):
    """Each language of a build has a process of its own (two cores, two languages): the first language's search words
    file, which no page shows, is made by the last language's process, before its own files (the first language's
    process ends earlier, and its site is indexed while the last is still built). It is made once in the build, by
    one process, and found by the other, not counted again."""
    _, report = built
    assert report.handed == [f"search-{LANGUAGES[0]}"]
    assert report.cached["hits"] == []
    assert sorted(report.cached["misses"]) == sorted({*report.cached["misses"]})
    assert {f"search-{code}" for code in LANGUAGES} <= set(report.cached["misses"])
