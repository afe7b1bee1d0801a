"""The guideline as data: every heading of the overview's table of contents, both languages, glossary, errata."""

import re
import unicodedata

from generator import kana, schema
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


# ---------------------------------------------------------------- names, claims and our own wording
# English official names, one English term per idea, no claim stronger than the source, and one style for the
# Japanese we write ourselves. "Ours" is every text marked editorial (a note, an editorial glossary definition or
# checklist item, a reference note, a template outside its quotes, a checklist's title and description, the
# changelog); the guideline's own words are left as the overview prints them (corrections go through errata).

OFFICIAL_TITLES = {  # the English titles NISC and METI use for their own documents
    "action-plan": "Cybersecurity Policy for Critical Infrastructure Protection",
    "safety-standards-guideline": "Guidelines for Establishing Safety Principles for Ensuring Cybersecurity of Critical"
    " Infrastructure",
    "meti-cyber-mgmt-guidelines-v3": "Cyber Security Management Guidelines Version 3.0",
}
OUTDATED_NAMES = (  # our earlier renderings of those titles, and of the NISC damage-information guidance
    "Action Plan for Critical Infrastructure",
    "Guidelines for Formulating Safety Standards",
    "Cybersecurity Management Guidelines Ver",
    "Information on Cyber Damage",
)
JAPANESE = "\u3040-\u30ff\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e"
SPACED = re.compile(rf"[{JAPANESE}] +[!-~]|[!-~] +[{JAPANESE}]")
NUMBERED = re.compile(rf"(?<![0-9A-Za-z.])\d+(?:\.\d+)*\.? +(?=[{JAPANESE}])")  # "4.1 組織状況の理解", "1. 目的"
AS_THE_SOURCE_PRINTS_IT = (  # titles quoted from the overview as it prints them
    "サイバーセキュリティ経営ガイドライン Ver3.0",
    "米国 NIST サイバーセキュリティフレームワーク",
)
POLITE = re.compile(r"(です|ます|ました|ません|ください)(。|$)")


def _provenance(kb, path) -> str:
    """guideline or editorial: who wrote the text at this path."""
    top = path[0]
    if top == "templates":
        return "guideline" if "quotes" in path else "editorial"
    if top == "references":
        return "editorial" if path[2] == "note" else "guideline"
    if top == "changelog":
        return "editorial"
    node, found = kb, None
    for step in path:
        node = node[step] if isinstance(step, int) else getattr(node, step)
        if isinstance(node, schema.Block):
            found = node.source
        elif isinstance(node, schema.ChecklistItem):
            found = node.wording
        elif isinstance(node, schema.GlossaryTerm) and path[2] == "definition":
            found = node.source
    return found or ("editorial" if top == "checklists" else "guideline")


def _data_texts(kb):
    """Every text of the data but the errata (the extraction's own words are quoted there) and the interface."""
    return [(path, text) for path, text in texts(kb) if path[0] not in ("errata", "ui")]


def _ours(kb):
    return [(path, text) for path, text in _data_texts(kb) if _provenance(kb, path) == "editorial"]


def test_cyberattack_is_one_word(linked):
    for path, text in texts(linked.kb):
        assert not re.search(r"cyber[ -]attack", text.en, re.IGNORECASE), path


def test_nisc_and_meti_documents_by_their_official_english_titles(linked):
    references = {r.id: r for r in linked.kb.references}
    for ref_id, title in OFFICIAL_TITLES.items():
        assert references[ref_id].title.en == title
    for path, text in texts(linked.kb):
        assert not [name for name in OUTDATED_NAMES if name in text.en], (path, text.en[:80])
        assert text.en.count("Cyber Security Management Guidelines") == text.en.count(OFFICIAL_TITLES[
            "meti-cyber-mgmt-guidelines-v3"]), path  # fmt: skip


def test_the_short_form_of_the_cip_policy_follows_its_full_title_on_each_page(linked):
    """'the CIP Policy' only once the page has named the policy by its full title."""
    kb = linked.kb
    pages = [list(texts(s)) for s in kb.sections] + [list(texts(c)) for c in kb.checklists]
    pages += [list(texts(t)) for t in kb.templates]
    pages += [[(p, t) for p, t in texts(kb.document) if p[0] == part] for part in ("background", "revision_points")]
    for page in pages:
        english = "\n".join(text.en for _, text in page)
        if "CIP Policy" in english:
            assert 0 <= english.find(OFFICIAL_TITLES["action-plan"]) < english.find("CIP Policy"), english[:120]


def test_relevant_entities_and_stakeholders_are_kept_apart(linked):
    """関係主体 is 'relevant entities', ステークホルダー 'stakeholders': two words of the source, two words of ours."""
    for path, text in texts(linked.kb):
        if path[0] == "errata":
            continue
        english = text.en.lower()
        if "関係主体" in text.ja:
            assert "relevant entit" in english, (path, text.en[:80])
        if "関係主体" in text.ja and "ステークホルダー" not in text.ja:
            assert "stakeholder" not in english, (path, text.en[:80])
        if "ステークホルダー" in text.ja:
            assert "stakeholder" in english, (path, text.en[:80])


OFFICIAL_TERMS = {
    "任務保証": "mission assurance",
    "セプター": "CEPTOAR",
    "情報処理安全確保支援士": "Registered Information Security Specialist",
}


def test_one_english_word_for_each_office_and_term(linked):
    for path, text in _data_texts(linked.kb):
        for japanese, english in OFFICIAL_TERMS.items():
            if japanese in text.ja:
                assert english.lower() in text.en.lower(), (path, english)
        if "監査役" in text.ja:
            assert "Audit & Supervisory Board member" in text.en, path
        if "対策項目" in text.ja:
            assert "control" in text.en.lower(), (path, text.en[:80])  # 対策項目 are the controls, as chapter 5


def test_sections_are_cited_by_their_own_titles(linked):
    """Where the data names a section by number and Japanese title, the English names it by its English title."""
    numbered = [s for s in linked.kb.sections if s.id[0].isdigit()]
    for path, text in _data_texts(linked.kb):
        english = text.en.replace("’", "'").lower()
        for section in numbered:
            if any(f"{section.id}{sep}{section.title.ja}" in text.ja for sep in (" ", ".", ". ")):
                assert section.title.en.replace("’", "'").lower() in english, (path, section.id)


def test_one_placeholder_convention(linked):
    """〇〇 in our Japanese, [Capitalised words] in English; ○○, XX and ×× belong to neither."""
    for path, text in texts(linked.kb):
        assert not re.search(r"XX|[○〇×]{2}", text.en), (path, text.en[:80])
    for path, text in _ours(linked.kb):
        assert not re.search(r"XX|ＸＸ|[○×]{2}", text.ja), (path, text.ja[:40])


def test_our_site_is_called_tousaito(linked):
    for path, text in texts(linked.kb):
        assert not re.search(r"本サイト|このサイト|本データ|本知識ベース", text.ja), (path, text.ja[:40])


def test_no_half_width_space_between_japanese_and_latin_in_our_text(linked):
    """「CISO を」 is 「CISOを」. A section number before its title keeps its space, as the overview writes it."""
    for path, text in _ours(linked.kb):
        ja = NUMBERED.sub(lambda m: m.group(0).rstrip(" "), text.ja)
        for quoted in AS_THE_SOURCE_PRINTS_IT:
            ja = ja.replace(quoted, "")
        assert not SPACED.findall(ja), (path, [ja[max(m.start() - 6, 0) : m.end() + 6] for m in SPACED.finditer(ja)])


def test_our_notes_and_definitions_are_in_dearu_style(linked):
    """Editorial notes, reference notes and our glossary definitions: である, never です・ます (the interface,
    checklist descriptions and the templates' instructions speak to the reader and keep です・ます)."""
    for path, text in _ours(linked.kb):
        if path[0] in ("sections", "document", "references", "glossary"):
            assert not POLITE.search(text.ja), (path, text.ja[:40])


def test_checklist_items_are_the_operators_own_actions(linked):
    """An operator's checklist asks the contractor (「委託先に…を求め」); it does not speak for the contractor."""
    for checklist in linked.kb.checklists:
        for item in checklist.items:
            if item.wording == "editorial":
                assert "委託先は" not in item.text.ja and "発注者は" not in item.text.ja, item.id
                assert "ことを確かめる" not in item.text.ja, item.id


def test_the_guidelines_word_for_destroying_information(linked):
    """5.6.1: 情報が返却、破棄又は抹消されたこと — our templates and items say 破棄 too."""
    for path, text in _data_texts(linked.kb):
        assert not re.search(r"返却[、・]廃棄", text.ja), path


def test_no_claim_stronger_than_the_source(linked):
    kb = linked.kb
    for reference in kb.references:  # a version in an English title is one the overview names
        versions = re.findall(r"\d+\.\d+", reference.title.en)
        assert all(v in reference.title.ja for v in versions), reference.id
    handbook = next(r for r in kb.references if r.id == "info-sharing-handbook")
    assert handbook.date is None  # the overview names no edition; the first (2020) predates the 2022 CIP Policy
    for key in ("status.current", "status.current_help"):  # 現行: carried over from the current guideline
        assert "unchanged" not in kb.ui[key].en.lower() and "変更のない" not in kb.ui[key].ja
    for path, text in texts(kb):  # report to MLIT in the cases 4.8.2 lists, not always
        if path[0] == "templates" and "国土交通省へ情報連絡" in text.ja:
            assert "情報連絡を要するケース" in text.ja, path
