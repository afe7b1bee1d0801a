"""The whole build of the real data: both languages, every page, and a failed build that leaves site/ alone."""

import subprocess
import sys

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
    paths, _ = built
    before = {p: p.stat().st_mtime_ns for p in paths.site.rglob("*") if p.is_file()}
    actors = paths.data / "actors.yaml"
    good = actors.read_text(encoding="utf-8")
    actors.write_text(good + "- id: [broken\n", encoding="utf-8")
    try:
        result = subprocess.run([sys.executable, "-m", "generator", "--project", str(paths.project), "build"],
                                capture_output=True, text=True)  # fmt: skip
    finally:
        actors.write_text(good, encoding="utf-8")
    assert result.returncode == 1
    assert "guideline_data/actors.yaml:" in result.stderr and "Traceback" not in result.stderr
    assert "site/ was left as it was" in result.stderr
    after = {p: p.stat().st_mtime_ns for p in paths.site.rglob("*") if p.is_file()}
    assert after == before


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
            for heading in expected:
                assert f">{heading}<" in html or f">{heading} " in html, (code, section.id, heading)
