"""Readers' words the site does not write: a word of the knowledge base's other language, or its reading in Latin
letters, typed into this language's box is carried to this language's name for it (search.carried); a word is found
in the forms the language inflects it to (ui string search.inflections). In the built site and a real Chromium."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from generator import search
from generator.build import load_knowledge_base
from generator.i18n import Language

from .search_box import open_search, paths, typed
from .test_search import indexed_pages

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def page(shared_page):
    """These tests share one tab: the page and the search engine load once for all of them."""
    return shared_page


# ---------------------------------------------------------------- the generator


@pytest.mark.parametrize(
    ("typed_as", "written"),
    [
        ("よかんりたいさくくいき", "ようかんりたいさくくいき"),  # the long vowels readers leave out
        ("こつ", "こうつう"),
        ("けえそ", "けいえいそう"),  # (い after e, え after e)
        ("てれわく", "てれわーく"),  # the long-vowel mark
        ("ばっくあっぷ", "ばっくあっぷ"),  # nothing to leave out
    ],
)
def test_a_reading_and_the_way_readers_type_it_are_one_key(typed_as, written):
    assert search.loose(typed_as) == search.loose(written)


def test_the_english_box_carries_the_japanese_names_and_their_readings(linked):
    carry = search.carried(linked, Language.of(linked.kb, "en"), [])
    names = carry["names"]

    def carried(key: str) -> list[str]:
        return [names[i] for i in carry["keys"].get(key, [])]

    assert carried("要管理対策区域") == ["Controlled area"]  # a term, by its name
    assert carried(search.loose("ようかんりたいさくくいき")) == ["Controlled area"]  # and by its reading
    assert "Audit and monitoring" in carried(search.loose("かんさ"))  # a section's title, by a run of it
    assert "Glossary" in carried(search.loose("ようごしゅう"))  # a page's task words, its first phrase
    assert carried("対策") == []  # a run of many names names none of them


def test_a_word_of_this_site_is_never_carried(linked):
    language = Language.of(linked.kb, "ja")
    words = json.loads(gzip.decompress(search.words_file(linked, language)))
    keys = set(words["carry"]["keys"])
    assert keys and not keys & set(words["words"])
    assert words["vowels"] == ""  # (English has no readings: no key of the Japanese site is one)


def test_a_knowledge_base_of_one_language_carries_nothing():
    linked = load_knowledge_base(EXAMPLES / "en-demo" / "guideline_data")
    words = json.loads(gzip.decompress(search.words_file(linked, Language.of(linked.kb, "en"))))
    assert words["carry"] == {"names": [], "keys": {}} and words["vowels"] == ""


def test_three_languages_carry_into_each_other():
    linked = load_knowledge_base(EXAMPLES / "tri-demo" / "guideline_data")
    for code in linked.kb.config.languages:
        carry = search.carried(linked, Language.of(linked.kb, code), [])
        assert carry["keys"], code


def test_inflections_are_read_from_the_language_data(linked):
    english = search.inflections(Language.of(linked.kb, "en"))
    assert ["e", ["es", "ed", "ing"]] in english
    assert ["", ["s", "es", "ed", "ing"]] in english
    japanese = dict((ending, forms) for ending, forms in search.inflections(Language.of(linked.kb, "ja")))
    assert {"た", "て", "ない"} <= set(japanese["る"]) and {"し", "さ"} <= set(japanese["す"])


# ---------------------------------------------------------------- the box

TOKENS = """async (text) => {
    const engine = window.kbSearch.engine();
    const words = await engine.words;
    return engine.tokens(words, text);
}"""


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("yokanri taisaku kuiki", "guideline/5-3-1/"),  # romaji of a term, its long vowels left out, as three words
        ("要管理対策区域", "guideline/5-3-1/"),  # the term in Japanese
        ("ようかんりたいさくくいき", "guideline/5-3-1/"),  # its reading in kana
        ("kansa", "guideline/3-6/"),  # a section's title, by the reading of a word of it
    ],
)
def test_a_japanese_word_or_its_romaji_in_the_english_box_finds_its_english_page(page, server, query, expected):
    open_search(page, server, "en")
    assert paths(server, typed(page, query))[0] == "en/" + expected


@pytest.mark.browser
def test_a_carried_query_is_said_and_the_words_as_typed_are_one_click_away(page, server):
    open_search(page, server, "en")
    typed(page, "kansa")
    status = page.inner_text("#kb-search-status")
    assert "audit" in status.lower() and "kansa" in status
    page.click(".kb-search__instead")
    page.wait_for_function("() => document.getElementById('kb-search').dataset.kbSearched === 'kansa'")


@pytest.mark.browser
def test_an_english_word_of_the_site_is_not_carried(page, server):
    open_search(page, server, "en")
    typed(page, "backup")
    assert not page.query_selector(".kb-search__instead")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("辞めた人の入室権限", "辞める"),  # an everyday word's verb in the past (words.yaml: 退職者)
        ("データを返してもらう", "返す"),  # in the te-form (words.yaml: 返却)
        ("システムが止まらない", "止まる"),
    ],
)
def test_a_phrase_of_the_everyday_words_is_found_as_the_language_inflects_it(page, server, text, phrase):
    open_search(page, server, "ja")
    assert phrase in page.evaluate(TOKENS, text)


@pytest.mark.browser
def test_a_compound_with_okurigana_is_not_cut_for_an_inflected_phrase(page, server):
    open_search(page, server, "ja")
    assert "消す" not in page.evaluate(TOKENS, "アカウントを取り消して")


@pytest.mark.browser
@pytest.mark.parametrize("word", ["locked", "wiping", "getting"])
def test_an_inflected_english_word_is_tried_as_its_stem(page, server, word):
    open_search(page, server, "en")
    stems = {"locked": "lock", "wiping": "wipe", "getting": "get"}
    variants = "async w => { await window.kbSearch.engine().words; return window.kbSearch.variants(w); }"
    assert stems[word] in page.evaluate(variants, word)


@pytest.mark.browser
def test_a_phrase_is_not_taken_from_the_end_of_a_compound_with_okurigana(page, server):
    open_search(page, server, "ja")
    assert "消す" in page.evaluate(TOKENS, "データを消す")
    assert "消す" not in page.evaluate(TOKENS, "権限を取り消す")  # (消す: an everyday word of 消去)


@pytest.mark.browser
def test_a_query_nothing_answers_shows_the_pages_with_most_of_its_pieces(page, server, site):
    """雲海認証: no page has it, it is cut into no words of the site, no word is one slip from it; its pieces that the
    site has (認証) find the pages, marked as matching some of the words."""
    open_search(page, server, "ja")
    found = paths(server, typed(page, "雲海認証"))
    having = {path for path, text in indexed_pages(site, "ja").items() if "認証" in text}
    assert found and found[0] in having
    assert page.query_selector(".kb-search__partial")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("ja", "CSIRTの役割分担表テンプレ", "templates/csirt-roles/"),  # テンプレ: a word of the template group
        ("en", "control system risk assessment sheet", "templates/ics-risk-assessment/"),  # sheet: the same
        ("ja", "参照している文書の一覧", "references/"),  # a task phrase with 一覧
        ("en", "list of abbreviations and terms", "glossary/"),
    ],
)
def test_the_kind_of_document_or_list_a_reader_names_leads_to_it(page, server, language, query, expected):
    open_search(page, server, language)
    root = "" if language == "ja" else f"{language}/"
    assert paths(server, typed(page, query))[0] == root + expected
