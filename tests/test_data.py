"""The guideline as data: every heading of the overview's table of contents, both languages, glossary, errata."""

import csv
import io
import re
import unicodedata

import openpyxl

from generator import kana, schema
from generator.i18n import Language
from generator.walk import texts

from .page_kinds import LANGUAGE_ROOTS

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
    "meti-cyber-mgmt-guidelines-v3": "Cyber Security Management Guidelines Ver 3.0",  # METI's form ("Ver. 2.0" before)
}
OUTDATED_NAMES = (  # our earlier renderings of those titles, and of the NISC damage-information guidance
    "Action Plan for Critical Infrastructure",
    "Guidelines for Formulating Safety Standards",
    "Cybersecurity Management Guidelines Ver",
    "Cyber Security Management Guidelines Version",
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


# How strongly the overview asks for what an item asks, read from the ending of the sentence the item cites.
VERB_ENDING = re.compile(r"(る|う|く|す|つ|む|ぶ|ぐ|こと|べき|ない)$")


def _ending_class(text: str) -> str:
    """The class of a sentence's ending: what closes it, our insertions 〔…〕, footnote marks, a closing bracket or a
    parenthesis such as （次スライド参照） aside."""
    text = re.sub(r"〔[^〕]*〕|\*", "", text).strip()
    while (cut := re.sub(r"(。|」|（[^（）]*）|\([^()]*\))$", "", text).strip()) != text:
        text = cut
    if text.endswith(("望ましい", "望まれる")):
        return "desirable"
    if text.endswith("重要である"):
        return "important"
    if VERB_ENDING.search(text):
        return "asked"
    # a noun phrase: a list's title that says it (「…記載することが望ましい項目」), else an entry named in a list
    return "desirable" if "望ましい" in text or "望まれる" in text else "listed"


def _citable(block: schema.Block) -> list[tuple[str, str | None]]:
    """What an item may cite in a block: its title, each paragraph and each of its sentences, each list entry and
    its note, with the top-level entry a nested entry belongs to (its strength is that entry's)."""
    found = [(block.title.ja, None)] if block.title else []
    for paragraph in block.paragraphs:
        found += [(paragraph.ja, None)] + [(s, None) for s in re.split(r"(?<=。)", paragraph.ja) if s.strip()]

    def walk(entries, top):
        for entry in entries:
            found.append((entry.text.ja, top))
            if entry.note:
                found.append((entry.note.ja, top))
            walk(entry.items, top or entry.text.ja)

    walk(block.items, None)
    return found


def test_every_item_says_how_strongly_the_overview_asks_for_it_as_its_cited_sentence_ends(linked):
    """Every chapter item records its strength and the sentence, list entry or list title it comes from, verbatim in
    the block it names; the strength is that sentence's ending class (an entry of a list of examples: example; an
    entry nested in a list: the class of the entry it belongs to, where that entry ends with a verb or a wish)."""
    problems = []
    for checklist in linked.kb.checklists:
        for item in checklist.items:
            section = linked.index.sections[item.section]
            guideline = [b for b in section.blocks if b.source == "guideline"]
            if item.strength == "unstated" or item.strength is None or item.cites is None:
                if guideline or item.strength != "unstated" or item.cites is not None:
                    problems.append((item.id, "strength and cites are needed where the section has text"))
                continue
            found = [(top, b.role) for b in guideline if b.role == item.block for text, top in _citable(b)
                     if text.strip() == item.cites]  # fmt: skip
            if not found:
                problems.append((item.id, f"cites no sentence of its {item.block} block: {item.cites}"))
                continue
            top, role = found[0]
            expected = (
                "example" if role == "examples"
                else _ending_class(top) if top is not None and _ending_class(top) != "listed"
                else _ending_class(item.cites)
            )  # fmt: skip
            if item.strength != expected:
                problems.append((item.id, f"{item.strength} but its sentence reads {expected}: {item.cites}"))
    assert not problems, problems


def test_every_chapter_item_ends_as_an_action_in_the_plain_form(linked):
    """One ending for every checklist item: an action in the plain form, 「…する。」 (no 「…こと。」, no question, no
    noun phrase); how strongly the overview words it is the item's strength, not its ending."""
    odd = [
        (item.id, item.text.ja[-12:])
        for checklist in linked.kb.checklists
        for item in checklist.items
        if not VERB_ENDING.search(item.text.ja.strip().removesuffix("。")) or not item.text.ja.strip().endswith("。")
        or item.text.ja.strip().endswith(("こと。", "か。", "？"))
    ]  # fmt: skip
    assert not odd, odd


def test_the_strength_of_each_item_is_shown_on_its_page_and_in_every_download(linked, site):
    """The item's page, the CSV and the workbook carry the strength in the language of each."""
    for code in ("ja", "en"):
        language = Language.of(linked.kb, code)
        label = {s: language.t(f"checklist.strength.{s}") for s in ("asked", "desirable", "example", "listed")}
        items = {i.id: i for c in linked.kb.checklists for i in c.items}
        root = site / LANGUAGE_ROOTS[code]
        page = (root / "checklists" / "ch5" / "index.html").read_text("utf-8")
        assert 'data-kb-strength="desirable">' + label["desirable"] in page
        rows = list(csv.reader(io.StringIO((root / f"downloads/checklists/ch5-{code}.csv").read_text("utf-8-sig"))))
        column = rows[0].index(language.t("checklist.strength"))
        for row in rows[1:]:
            assert row[column] == language.t(f"checklist.strength.{items[row[1]].strength}"), row[1]
        sheet = openpyxl.load_workbook(root / f"downloads/checklists/ch5-{code}.xlsx", read_only=True).worksheets[1]
        cells = [[c.value for c in r] for r in sheet.iter_rows()]
        header = next(r for r in cells if language.t("checklist.strength") in r)
        column = header.index(language.t("checklist.strength"))
        shown = {r[0]: r[column] for r in cells if r and isinstance(r[0], str) and r[0] in items}
        assert shown and all(v == language.t(f"checklist.strength.{items[k].strength}") for k, v in shown.items())


def test_a_guideline_sentence_quoted_in_the_glossary_reads_as_its_section_translates_it(linked):
    """A definition that is a sentence of a section, word for word in Japanese, has that section's English too."""
    translations = {}
    for section in linked.kb.sections:
        for _, text in texts(section):
            translations.setdefault(text.ja.strip(), set()).add(text.en.strip())
    differ = [
        (term.id, text.ja[:30])
        for term in linked.kb.glossary
        if term.source == "guideline"
        for _, text in texts(term)
        if len(text.ja) > 20
        and text.ja.strip() in translations
        and text.en.strip() not in translations[text.ja.strip()]
    ]
    assert not differ, differ


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


# ---------------------------------------------------------------- fidelity to the source
# The guideline's own words as the overview prints them: each correction is an erratum the data carries out, no
# stray half-width space is left, no pointer to a place on a slide points at nothing, our few words inside the
# guideline's text are marked 〔 〕 (Japanese) and [ ] (English), and the overview's marks stay on the topic it marks.

LATIN_IN_JAPANESE = re.compile(
    rf"[A-Za-z*] +[{JAPANESE}]"  # 「IP アドレス」「SMB* 等」「NIST サイバー」
    rf"|[{JAPANESE}] +[A-Za-z(]"  # 「米国 NIST」「内閣官房 (NISC)」
    rf"|[{JAPANESE}] +[{JAPANESE}]"  # 「英国 サイバー」「実現 など」「である。 自主的」
    r"| [:：]"  # 「CSIRT : 」「ICSCoE : 」
)
SPACED_AS_THE_OVERVIEW_SETS_IT = (
    "国土交通省 航空局 危機管理室",  # the issuer, office by office
    "サイバーセキュリティ経営ガイドライン Ver3.0",  # METI's title
    "注 ",  # the label of the note under Annex 4-3
    # the revision points set the headings they name between spaces: 「2.2.1 …の現状 に、」
    "の現状 に",
    "の理解 に",
    "保守 を",
    "用語集 に",
    "対策項目 へ",
)
SLIDE_POINTER = re.compile(r"(?:前|次)スライド(?:参照)?|左記")
TOC_SENTENCE = "NISCが定める「安全基準等策定指針」の改定に則り、安全ガイドラインの構成を以下のとおりとしている。"


def _guideline_texts(kb):
    return [(path, text) for path, text in _data_texts(kb) if _provenance(kb, path) == "guideline"]


def _guideline_blocks_texts(kb):
    """The guideline's text in sections, the document and guideline glossary terms (not quotes or items)."""
    return [(p, t) for p, t in _guideline_texts(kb) if p[0] in ("sections", "document", "glossary")]


def test_no_stray_half_width_space_in_the_guidelines_text(linked):
    """「IP アドレス」 is 「IPアドレス」 (errata E020–E022, E118–E122, E208, E209)."""
    for path, text in _guideline_texts(linked.kb):
        ja = NUMBERED.sub(lambda m: m.group(0).rstrip(" "), text.ja)
        for kept in SPACED_AS_THE_OVERVIEW_SETS_IT:
            ja = ja.replace(kept, "")
        found = [ja[max(m.start() - 6, 0) : m.end() + 6] for m in LATIN_IN_JAPANESE.finditer(ja)]
        assert not found, (path, found)


def test_every_erratum_is_carried_out(linked):
    """What an erratum prints is in the data (cell by cell, line by line), and its wrong form is not."""
    kb = linked.kb
    data = [text.ja for _, text in _data_texts(kb)]
    for erratum in kb.errata:
        pieces = [p.strip() for line in erratum.corrected.splitlines() for p in line.removeprefix("- ").split(" | ")]
        for piece in filter(None, pieces):
            assert any(piece in ja for ja in data), (erratum.id, piece)
        if not erratum.seed_may_remain:
            assert not any(erratum.seed in ja for ja in data), erratum.id
    assert not any("。）。" in ja for ja in data)  # E301 once ended a bracketed sentence twice


def test_emendations_by_inference_are_not_called_extraction_slips(linked):
    kinds = {e.id: e.kind for e in linked.kb.errata}
    assert kinds["E019"] == kinds["E108"] == "editorial-emendation"  # 利用しておらず → 利用しており; 自動的 → 自主的
    assert {"E115", "E116", "E117", "E124", "E210"} <= kinds.keys()  # the source's own slips


def test_the_slip_corrections(linked):
    by_id = {s.id: "\n".join(t.ja for _, t in texts(s)) for s in linked.kb.sections}
    assert "幅広く対応することを目的とするのではなく" in by_id["4.2.3"]
    assert "「行動計画に基づく手引書」を参考にし実施すること" in by_id["4.8.2"]
    assert "「サイバー攻撃被害に係る情報の共有・公表ガイダンス」を踏まえ" in by_id["4.8.2"]
    assert "クラウド事業者の最新のサポート（サービス）情報を確認する" in by_id["5.5"]
    assert "報告率100%を目標とする" in by_id["4.3.3"]


def test_every_slide_pointer_says_where_it_points(linked):
    """「次スライド参照」「左記」 mean nothing on a web page: each is followed by our link or gloss in 〔 〕."""
    for path, text in _guideline_blocks_texts(linked.kb):
        for match in SLIDE_POINTER.finditer(text.ja):
            assert text.ja[match.end() : match.end() + 1] == "〔", (path, text.ja[match.start() : match.end() + 8])
    pointers = [t for _, t in _guideline_blocks_texts(linked.kb) if SLIDE_POINTER.search(t.ja)]
    assert len(pointers) == 10  # the overview has ten: 3.3, 3.7, 4.1.4, 4.2.1, 4.2.3 (four), 4.3.1, 4.8.2 (two)…
    assert sum(len(SLIDE_POINTER.findall(t.ja)) for t in pointers) == 10


def test_our_words_inside_the_guidelines_text_are_marked(linked):
    """〔 〕 in Japanese, [ ] in English, as many of one as of the other; the known insertions are marked."""
    for path, text in _guideline_blocks_texts(linked.kb):
        opened = re.findall(r"〔[^〔〕]*〕", text.ja)
        assert text.ja.count("〔") == text.ja.count("〕") == len(opened), path
        placeholders = len(re.findall(r"[〇○]{2}", text.ja))  # the overview's own blanks, [Number] in English
        brackets = re.findall(r"\[[^\[\]]*\]", text.en)
        assert len(opened) + placeholders == len(brackets), (path, text.ja[:40], text.en[:60])
    sections = {s.id: s for s in linked.kb.sections}
    table = next(b for b in sections["2"].blocks if b.role == "table")
    assert [c.ja for c in table.columns] == ["時期", "〔国・地域〕", "被害状況"]
    terms = {t.id: t.term.ja for t in linked.kb.glossary}
    for risk_response in ("risk-reduction", "risk-avoidance", "risk-transfer", "risk-retention"):
        assert terms[risk_response].endswith("〔リスク対応〕"), risk_response  # 低減 of risk, not of anything else
    for path, text in _guideline_blocks_texts(linked.kb):
        assert "（行見出し" not in text.ja and "（リスク対応）" not in text.ja, path
    # Where a definition joins the overview's separate lines, the punctuation that joins them is ours.
    definitions = {t.id: t.definition.ja for t in linked.kb.glossary}
    assert "Officer)〔。〕リスク管理" in definitions["ciso"]
    safety = definitions["safety-standards"]
    assert safety.count("〔、〕") == 3 and "「内規」等〔。〕" in safety


def test_the_information_type_checklist_has_timing_as_its_first_rows_label(linked):
    """4.8.2: タイミング heads the row 「可能な限り早期のタイミング | ケースバイケース」, not the label column."""
    section = {s.id: s for s in linked.kb.sections}["4.8.2"]
    table = next(b for b in section.blocks if b.role == "table" and "チェックリスト" in b.title.ja)
    assert [c.ja for c in table.columns] == ["〔項目〕", "情報共有", "被害公表"]
    assert [cell.ja for cell in table.rows[0]] == ["タイミング", "可能な限り早期のタイミング", "ケースバイケース"]
    assert all(row[0].ja == "〔行見出しは抽出テキストに残っていない〕" for row in table.rows[1:])


def test_marks_stay_on_the_topic_the_overview_marks(linked):
    sections = {s.id: s for s in linked.kb.sections}
    topics = {b.title.ja: b.status for b in sections["5.1.3"].blocks if b.role == "heading"}
    assert topics == {"マルウェアからの保護": "new", "バックアップ": "added"}
    for section in linked.kb.sections:  # a mark is the section's or its topics', never both
        assert not (section.status and any(b.status for b in section.blocks)), section.id
    assert sections["5.1.3"].status is None
    # a section titled as the topic the overview marks carries its mark, as 4.3 and 4.7 do: 4.1 is 組織状況の理解 (追記)
    assert sections["4.1"].status == sections["4.7"].status == "added" and sections["4.3"].status == "new"


def test_the_toc_slides_sentence_is_kept(linked):
    contents = linked.kb.document.contents
    assert contents[0].title.ja == "改正安全ガイドラインの目次構成"
    assert contents[0].paragraphs[0].ja == TOC_SENTENCE
    assert contents[0].source == "guideline"


def _html_text(path) -> str:
    import lxml.html

    return lxml.html.fromstring(path.read_bytes()).text_content()


def test_changes_page_lists_marked_topics_and_shows_no_markup(site):
    import lxml.html

    pages = ((site, "新規", "マルウェアからの保護"), (site / "en", "New", "Protection against malware"))
    for root, new_heading, topic in pages:
        page = root / "changes" / "index.html"
        html = page.read_text(encoding="utf-8")
        assert "&lt;br&gt;" not in html and "&amp;nbsp;" not in html  # markup shown as text in the crosswalk
        tree = lxml.html.fromstring(html)
        cells = [td for td in tree.iter("td") if len(td.findall(".//a")) == 2]
        assert cells and all(td.find("br") is not None for td in cells)  # 4.2 and 4.3, on two lines
        lists = {h.text_content().strip(): h.getnext() for h in tree.iter("h3")}
        new_list = next(v for k, v in lists.items() if k.startswith(new_heading))
        assert topic in new_list.text_content() and "5.1.3" in new_list.text_content()
        assert "<br>" not in _html_text(page) and "&nbsp;" not in _html_text(page)


def test_toc_page_and_errata_page_show_the_source_and_our_marks(site):
    toc = _html_text(site / "guideline" / "index.html")
    assert TOC_SENTENCE in toc
    errata = _html_text(site / "errata" / "index.html")
    assert "編集上の訂正（推定）" in errata and "〔　〕" in errata
    assert "Editorial emendation (inferred)" in _html_text(site / "en" / "errata" / "index.html")
    import lxml.html

    control = lxml.html.fromstring((site / "guideline" / "5-1-3" / "index.html").read_bytes())
    marks = {h.text_content().strip("¶ "): h.getnext() for h in control.iter("h3")}
    malware, backup = marks["マルウェアからの保護"], marks["バックアップ"]  # the mark right under each topic heading
    assert malware.get("class") == backup.get("class") == "kb-status"
    assert (malware.text_content(), backup.text_content()) == ("新規", "追記")


# NIST CSF 2.0 (NIST CSWP 29, 2024): its six functions' 22 categories.
CSF_2_0 = {
    "GV": ["GV.OC", "GV.RM", "GV.RR", "GV.PO", "GV.OV", "GV.SC"],
    "ID": ["ID.AM", "ID.RA", "ID.IM"],
    "PR": ["PR.AA", "PR.AT", "PR.DS", "PR.PS", "PR.IR"],
    "DE": ["DE.CM", "DE.AE"],
    "RS": ["RS.MA", "RS.AN", "RS.CO", "RS.MI"],
    "RC": ["RC.RP", "RC.CO"],
}


def test_csf_lists_every_category_of_csf_2_0(linked):
    assert {f.id: [c.id for c in f.categories] for f in linked.kb.csf} == CSF_2_0


def test_every_csf_category_is_mapped_or_says_why_not(linked):
    """A gap analysis reads an empty category as "the guideline is silent": each category has sections, or an
    editorial reason in both languages why none maps (and never both)."""
    mapped = {c for s in linked.kb.sections for c in s.csf}
    for function in linked.kb.csf:
        for category in function.categories:
            reason = category.not_covered
            assert (category.id in mapped) != bool(reason), category.id
            assert reason is None or (reason.ja.strip() and reason.en.strip()), category.id


def test_every_leaf_heading_of_the_policy_and_control_chapters_is_mapped_to_csf(linked):
    """Headings without overview text are mapped by their title, as the others: no heading of chapters 3–5 that
    calls for something (a heading with no sub-headings) is left out of the mapping."""
    sections = linked.kb.sections
    ids = [s.id for s in sections]
    leaves = [
        s for s in sections if re.match(r"[345]\.", s.id) and not any(other.startswith(s.id + ".") for other in ids)
    ]
    assert len(leaves) > 50
    assert [s.id for s in leaves if not s.csf] == []


def test_the_csf_categories_the_review_found_missing_are_mapped(linked):
    by_id = {s.id: set(s.csf) for s in linked.kb.sections}
    assert "DE.AE" in by_id["4.9.1"] and "RC.CO" in by_id["4.9.4"] and "RC.CO" in by_id["3.7"]
    assert {"RC.RP"} <= by_id["4.9.2"] and {"RC.RP"} <= by_id["4.5.1"]
    assert "ID.RA" in by_id["4.3.1"] and "ID.RA" in by_id["4.3.3"]
