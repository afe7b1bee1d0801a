"""The guideline as data: every heading of the overview's table of contents, both languages, glossary, errata."""

import re
import unicodedata

from generator import kana
from generator.validate import texts

# The detailed table of contents of the overview (改正安全ガイドラインの目次構成), in order. 5.2 lists no
# sub-headings: the overview repeats 3.1.1 and 3.1.2 there by mistake (errata E200).
TOC = [
    "intro",
    "1",
    "2",
    "3",
    "3.1",
    "3.1.1",
    "3.1.2",
    "3.2",
    "3.3",
    "3.4",
    "3.4.1",
    "3.4.2",
    "3.4.3",
    "3.5",
    "3.6",
    "3.7",
    "3.8",
    "3.8.1",
    "3.8.2",
    "4",
    "4.1",
    "4.1.1",
    "4.1.2",
    "4.1.3",
    "4.1.4",
    "4.2",
    "4.2.1",
    "4.2.2",
    "4.2.3",
    "4.3",
    "4.3.1",
    "4.3.2",
    "4.3.3",
    "4.4",
    "4.5",
    "4.5.1",
    "4.5.2",
    "4.5.3",
    "4.6",
    "4.7",
    "4.7.1",
    "4.7.2",
    "4.8",
    "4.8.1",
    "4.8.2",
    "4.9",
    "4.9.1",
    "4.9.2",
    "4.9.3",
    "4.9.4",
    "4.10",
    "4.11",
    "5",
    "5.1",
    "5.1.1",
    "5.1.2",
    "5.1.3",
    "5.1.4",
    "5.2",
    "5.3",
    "5.3.1",
    "5.3.2",
    "5.3.3",
    "5.4",
    "5.4.1",
    "5.4.2",
    "5.4.3",
    "5.4.4",
    "5.4.5",
    "5.4.6",
    "5.5",
    "5.6",
    "5.6.1",
    "5.6.2",
    "5.6.3",
    "6",
    "7",
    "annex-1",
    "annex-2",
]

TITLES = {
    "3.8": "継続的改善",
    "4.9.2": "コンティンジェンシープラン及びBCPの実行",
    "5.4.6": "多層防御",
    "annex-2": "システムの取得・開発・保守に係るセキュリティ管理策",
}


def test_every_toc_heading_once_and_in_order(linked):
    assert [s.id for s in linked.kb.sections] == TOC


def test_titles_as_corrected(linked):
    titles = {s.id: s.title.ja for s in linked.kb.sections}
    for section_id, title in TITLES.items():
        assert titles[section_id] == title


def test_every_text_has_both_languages(linked):
    for path, text in texts(linked.kb):
        assert text.ja.strip() and text.en.strip(), path


def test_english_is_not_japanese(linked):
    kana_or_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    for path, text in texts(linked.kb):
        # Japanese names quoted in English text are fine; a whole Japanese sentence is a missing translation.
        share = len(kana_or_kanji.findall(text.en)) / max(len(text.en), 1)
        assert share < 0.5, (path, text.en[:60])


def test_change_status_as_the_overview_marks_it(linked):
    status = {s.id: s.status for s in linked.kb.sections}
    assert status["3.1.1"] == status["3.3"] == status["4.1.4"] == status["4.2.3"] == "new"
    assert status["3.4"] == status["4.4"] == status["4.8.2"] == status["5.4.6"] == "added"
    assert status["5.3.1"] == "current"


def test_glossary_size_readings_and_official_terms(linked):
    glossary = {t.id: t for t in linked.kb.glossary}
    assert len(glossary) >= 45
    english = {t.term.ja: t.term.en for t in linked.kb.glossary}
    assert english["任務保証"].lower() == "mission assurance"
    assert "CEPTOAR" in english["セプター"]
    assert english["情報処理安全確保支援士"] == "Registered Information Security Specialist"
    for term in linked.kb.glossary:
        assert all(unicodedata.name(c).startswith(("HIRAGANA", "KATAKANA")) or c in "ー・ " for c in term.reading)


def test_glossary_terms_from_the_overview_table(linked):
    guideline_terms = {t.term.ja for t in linked.kb.glossary if t.source == "guideline"}
    for term in (
        "重要インフラ事業者等",
        "任務保証",
        "セプター",
        "コンティンジェンシープラン",
        "情報資産",
        "制御システム",
    ):
        assert term in guideline_terms


def test_sort_key_is_gojuon():
    readings = ["わーむ", "あくせす", "がいぶ", "かいひ", "きー", "ぱすわーど", "はっしゅ"]
    assert sorted(readings, key=kana.sort_key) == [
        "あくせす",
        "かいひ",
        "がいぶ",
        "きー",
        "ぱすわーど",
        "はっしゅ",
        "わーむ",
    ]


def test_no_extraction_error_survives(linked):
    """Each erratum's wrong text is gone from the data (the validate stage enforces it; this lists them)."""
    wrong = {e.seed for e in linked.kb.errata if not e.seed_may_remain}
    assert {"繙続的改善", "コンテインエンジニアリングプラン", "サイバーアクセント", "ゼロディ攻撃"} <= wrong
    for path, text in texts(linked.kb):
        if path[0] != "errata":
            assert not [w for w in wrong if w in text.ja], path


def test_references_cited_by_sections_exist(linked):
    known = {r.id for r in linked.kb.references}
    assert {"action-plan", "safety-standards-guideline", "meti-cyber-mgmt-guidelines-v3", "iso-iec-27002-2022",
            "nist-csf", "uk-caf", "c2m2", "cis-controls"} <= known  # fmt: skip
    assert all(ref in known for s in linked.kb.sections for ref in s.references)


def test_document(linked):
    doc = linked.kb.document
    assert doc.this_position == "②" and len(doc.positions) == 4
    assert [s.ja for s in doc.sectors] == ["鉄道", "航空", "空港", "物流"]
    assert doc.date.year == 2024 and doc.date.month == 4
