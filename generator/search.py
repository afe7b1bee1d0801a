"""Search, index side: the words each page is found by, beyond what Pagefind reads in its text.

Pagefind splits Japanese text with its own dictionary (Lindera) when it indexes, and the reader's browser splits the
query with another (Intl.Segmenter): the two disagree (サイバー is one word in the index, サイ|バー in Chromium's
query) and Pagefind requires every piece. So both sides here use one rule that needs no dictionary and gives the
same pieces in every browser: a text is cut into runs of one script (katakana, hiragana, kanji, Latin letters and
digits), after NFKC and lower-casing. docs/assets/kb-search.js cuts queries with the same rule (`runs` there) and
hands the runs to Pagefind unsplit; this module writes, invisibly on every page, the runs of its text as Pagefind
metadata, which Pagefind splits only at spaces. A word that stands in a page is then found by the same word typed as
a query, whatever either dictionary thinks.

Seven metadata fields, each a list of words separated by spaces (main.html writes them; kb-search.js weighs them):
- `kb_words`: the runs of the page's text, and the tails of its kanji runs (要素認証 inside 多要素認証);
- `kb_title`: the runs of the page's title (a title match ranks before a mention), and of its titles in the other
  languages written in Latin letters;
- `kb_synonyms`: what readers type for the glossary terms the page uses and for the page itself, that its text may
  not say: the terms' synonyms, aliases and abbreviations, on the Japanese site their English names, and the name of
  the page's kind (テンプレート, checklist);
- `kb_related`: the everyday words (words.yaml) of the words the page uses, weighed below its own;
- `kb_topics`: the topics of its section or template (editorial: what readers ask about there that its text may not
  say), each as its runs and as one word;
- `kb_task`: the words readers use for what the page is for (its feature's ui string `search.task.*`);
- `kb_other`: the words of a section's text in the other languages (backup on the Japanese site).

The build also writes `assets/search-words.json.gz` per language (`words_file`): section numbers and where they lead,
and the candidates for "did you mean" (glossary terms, readings, aliases, synonyms, section titles, and the words of
the text).
"""

from __future__ import annotations

import functools
import gc
import gzip
import json
import re
import unicodedata
from collections.abc import Iterable

import ahocorasick
import lxml.html
from pydantic import BaseModel

from . import kana, schema, thesaurus
from .features import Feature
from .i18n import Language
from .kinds import TOOL
from .link import Key, Linked
from .pages import Page, label_of, section_path, target_of, url_of
from .walk import texts

# Character classes of the runs; kb-search.js has the same ranges (keep them in step).
KATAKANA = "\u30a1-\u30fa\u30fc-\u30fe"  # ァ…ヺ, ー, ヽ, ヾ
HIRAGANA = "\u3041-\u3096\u309d\u309e\u30fc"  # with ー, as readings write it (さーびす)
KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005-\u3007"  # with 々 〆 〇
RUN = re.compile(f"[{KATAKANA}]+|[{HIRAGANA}]+|[{KANJI}]+|[a-z0-9]+")
KANJI_RUN = re.compile(f"[{KANJI}]+")
ONE_KANJI = re.compile(f"[{KANJI}]")
# A verb's compound written with or without its okurigana (取り組み, 取組み, 取組; 申し込み, 申込): one kanji, the kana
# that ends its reading, one kanji, with no kanji on either side (見直し計画 is no such compound). Its key is its kanji
# (取組), indexed for every page that writes any form; kb-search.js turns such a compound of a query into the key, by
# this very pattern, which the words file carries (`okurigana`).
OKURIGANA = "いえきけしちつみりれせげぎじびわめべ"
OKURIGANA_COMPOUND = re.compile(f"(?<![{KANJI}])[{KANJI}][{OKURIGANA}][{KANJI}](?![{KANJI}])")
ONE_HIRAGANA = re.compile(f"[{HIRAGANA}]")
HIRAGANA_RUN = re.compile(f"[{HIRAGANA}]+")
KANA_RUN = re.compile(f"[{KATAKANA}{HIRAGANA}]+")
# Words of a query that say nothing about its subject (particles, endings, question words) are language data: the
# ui string `search.stop_words` of each language. They are never required of a page, and left out of a title written
# as one phrase; kb-search.js reads them from the words file.
STOP_WORDS_KEY = "search.stop_words"
TASK_SEPARATOR = re.compile("[,、，]")


def stop_words(language: Language) -> frozenset[str]:
    return frozenset(runs(language.t(STOP_WORDS_KEY)))


# The words that only mark a section number (第, 章, section, s) and the language's numerals one to ten (二, II):
# language data, as the stop words are (ui strings `search.number_words`, `search.numerals`); kb-search.js reads
# 5章3節1 and chapter 5.3 as section numbers, and 別紙二 as 別紙2.
NUMBER_WORDS_KEY, NUMERALS_KEY = "search.number_words", "search.numerals"


# How the language's words change their endings, language data as the stop words are: the ui string
# `search.inflections`, "ending: forms; …" ("-" for no ending). kb-search.js reads a reader's word that ends in a form
# as its stem with the ending too (locked → lock), and finds a phrase of the everyday words by its stem with any of
# the forms (辞める in 辞めた人).
INFLECTIONS_KEY = "search.inflections"


def inflections(language: Language) -> list[list]:
    """[ending, [forms]] of the language's words, as the ui string `search.inflections` writes them."""
    rules = []
    for entry in language.t(INFLECTIONS_KEY).split(";"):
        ending, colon, forms = entry.partition(":")
        ending = "" if ending.strip() == "-" else normalise(ending.strip())
        found = [form for form in dict.fromkeys(normalise(f) for f in forms.split()) if form != ending]
        if colon and found and not (ending and not ending.isalpha()):
            rules.append([ending, found])
    return rules


# How much a page counts in the ranking, by kind: the guideline's own sections first, then the pages a reader asks
# for by name (a template, a checklist, the glossary for a bare term), then the site's own pages, which mention
# everything. kb-search.js multiplies each result's relative score by it (a Pagefind filter `kind` tells the kinds
# apart): it adjusts the index's score, and never buries a far better match. Each feature declares the kinds of its
# pages, by template, with their weight (Feature.search_kinds, kinds.SearchKind); a page of no declared kind is a
# site page (kinds.TOOL). Each kind's name is the ui string `search.js.kind.<kind>`, shown beside a result and indexed
# as a word of its pages (テンプレート finds the templates). Ids readers type (CL4-039, cyber-policy) lead to what
# they name: the reference kinds declared `found_by_id`.


def normalise(text: str) -> str:
    """Width and case folded, as the query is: ＣＩＳＯ → ciso, ｸﾗｳﾄﾞ → クラウド."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    return RUN.findall(normalise(text))


def _distinct(words: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(words))


def id_key(text: str) -> str:
    """An id as any reader types it, one key: its letter and digit groups, the digits without leading zeros
    (CL4-039, cl4-39, ＣＬ４－０３９ → cl-4-39; IA-5(1) → ia-5-1; A.5.1 → a-5-1). kb-search.js has the same rule."""
    return "-".join(p.lstrip("0") or "0" if p.isdigit() else p for p in re.findall(r"[a-z]+|[0-9]+", normalise(text)))


# Languages that Pagefind cuts into words with a dictionary (its needsWordSegmentation); the others are written with
# spaces between words, which Pagefind and every browser read alike: their pages need only the runs of other scripts.
DICTIONARY_SEGMENTED = ("ja", "zh", "th")


SKIPPED = frozenset({"script", "style", "template"})  # elements whose content Pagefind leaves out, as any markup's


def indexed_text(page_html: str) -> str:
    """The text of a page's HTML that Pagefind indexes: not inside data-pagefind-ignore, a permalink, a script; its
    pieces between tags joined by spaces. Read by lxml's HTML parser (html.parser took 2.5 times as long)."""
    if not page_html.strip():
        return ""
    root = lxml.html.fragment_fromstring(page_html, create_parent="div")
    parts = [root.text] if root.text else []
    _indexed(root, parts)
    return " ".join(parts)


def _indexed(element, parts: list[str]) -> None:
    for child in element:
        if isinstance(child.tag, str) and not (
            child.get("data-pagefind-ignore") is not None
            or "headerlink" in (child.get("class") or "").split()
            or child.tag in SKIPPED
        ):
            if child.text:
                parts.append(child.text)
            _indexed(child, parts)
        if child.tail:  # a comment's text is no text; what follows it, or a left-out element, is
            parts.append(child.tail)


def index_words(page_html: str, code: str = "ja") -> str:
    """`kb_words` of a page (its HTML): each run of the text Pagefind indexes once (a lone hiragana is a particle,
    never a query), the tails of its kanji runs, so that a query for the end of a compound finds it, and the kanji of
    its compounds written with okurigana (取り組み → 取組)."""
    words = []
    text = normalise(indexed_text(page_html))  # (once: NFKC of a page's text is most of the work)
    latin_too = code.split("-")[0] in DICTIONARY_SEGMENTED
    for run in RUN.findall(text):
        if (len(run) == 1 and ONE_HIRAGANA.match(run)) or (not latin_too and run.isascii()):
            continue
        words.append(run)
        if len(run) > 2 and KANJI_RUN.fullmatch(run):  # (a run of two has no tail to add)
            words += [run[i:] for i in range(1, len(run) - 1)]
    return _distinct(words + okurigana_keys(text))


def okurigana_keys(text: str) -> list[str]:
    """The kanji of each compound of a text written with okurigana (取り組み → 取組), found by any of its forms."""
    return ["".join(ONE_KANJI.findall(m)) for m in OKURIGANA_COMPOUND.findall(normalise(text))]


def title_words(title: str, stop: Iterable[str] = ()) -> str:
    """`kb_title` of a page: the runs of its title and all their tails, so that each word inside a title counts as
    in the title (セキュリティ in サイバーセキュリティ方針); and every tail of the whole title written without spaces
    and stop words, so that a query is found as a phrase of the title (制御システム in 制御システムのリスクアセスメント,
    not in 情報システム等のアクセス制御, which has both words)."""
    parts = runs(title)
    words = []
    for run in parts:
        words.append(run)
        if not run.isascii():
            words += [run[i:] for i in range(1, len(run) - 1)]
    stop = frozenset(stop)
    whole = "".join(p for p in parts if not (ONE_HIRAGANA.fullmatch(p) or p in stop))
    words += [whole[i:] for i in range(len(whole) - 1)]
    return _distinct(words)


def kind_of(linked: Linked, page: Page) -> str:
    return linked.vocabulary.search_kind(page.template).name


# ---------------------------------------------------------------- synonyms


def term_forms(term: schema.GlossaryTerm, language: Language) -> list[str]:
    """What a reader of `language` may type for a term: its name, abbreviation, aliases and synonyms, and its names
    and synonyms in the other languages that are written in Latin letters (readers type "backup" on a Japanese
    site). A language whose glossary goes by letters (A–Z) takes only the aliases written in Latin letters."""
    code = language.code
    forms = [language.text(term.term), term.abbr or "", term.expansion or "", *term.synonyms.of(code)]
    forms += [alias for alias in term.aliases if latin(alias) or language.collation != "letters"]
    others = [getattr(term.term, other) for other in term.term.languages() if other != code]
    others += [form for other in term.synonyms.languages() if other != code for form in term.synonyms.of(other)]
    forms += [form for form in others if latin(form)]
    return [f for f in forms if f]


def page_synonyms(linked: Linked, language: Language, page: Page) -> str:
    """`kb_synonyms` of a page: the forms of every glossary term the page uses (all terms on the glossary), the
    section's own synonyms and its title and synonyms in the other languages written in Latin letters; and the name of
    the page's kind."""
    index = linked.index
    section = page.section
    if page.template == "glossary.md.j2":
        terms = list(linked.kb.glossary)
    elif section is not None:
        terms = [index.terms[key.id] for key in index.outgoing(Key("section", section.id), "uses-term")]
    else:
        terms = []
    forms = [form for term in terms for form in term_forms(term, language)]
    if section is not None:
        forms += section_names(section, language)
        others = [getattr(section.title, other) for other in section.title.languages() if other != language.code]
        forms += [form for form in others if latin(form)]
    forms.append(language.t(f"{STRINGS}kind.{kind_of(linked, page)}"))
    return _distinct(word for form in forms for word in search_forms(form))


def page_related(linked: Linked, language: Language, page: Page) -> str:
    """`kb_related` of a page: the everyday words (words.yaml) that mean what a word of the page's text, its terms or
    its kind's name means (社長 on a page that says 経営層). Weighed below the page's own words."""
    text = " ".join([*page_texts(linked, language, page), page_synonyms(linked, language, page)])
    return _distinct(word for form in everyday_words(linked, language, text) for word in search_forms(form))


def page_topic_words(language: Language, page: Page) -> str:
    """`kb_topics` of a page: the topics readers ask about on it that its text may not name (`topics` of its section or
    template: 3-2-1ルール under backups), each as its words and as one word: a query that is a topic names the page."""
    forms = [form for topics in page_topics(page) for form in words_for(topics, language)]
    return _distinct(word for form in forms for word in search_forms(form))


def task_phrases(text: str) -> list[str]:
    """The phrases of a page's task words (a ui string, Page.task), as written between commas (, 、 ，)."""
    return [phrase.strip() for phrase in TASK_SEPARATOR.split(text) if runs(phrase)]


def page_task(language: Language, page: Page) -> str:
    """`kb_task` of a page: the words readers use for what the page is for (Page.task, a ui string of its feature),
    each phrase as its runs between spaces, the phrases between commas. Pagefind finds the page by the runs;
    kb-search.js puts it first for a query that says one of the phrases and no word that is neither the phrases' nor
    the page's title's."""
    return " , ".join(" ".join(runs(phrase)) for phrase in task_phrases(language.t(page.task))) if page.task else ""


def own_page(linked: Linked, page: Page) -> bool:
    """Whether a page is one the box may put first by its title or its task words (a Pagefind filter, `own`): a page
    of the site's own, or one that says what it is for (the glossary's "abbreviations")."""
    return bool(page.task) or kind_of(linked, page) == TOOL.name


def _phrase(form: str) -> bool:
    parts = runs(form)
    return len(parts) > 1 and any(len(p) == 1 or HIRAGANA_RUN.fullmatch(p) for p in parts)


def search_forms(form: str) -> list[str]:
    """The words a form is found by: its runs, and a form of several runs also written as one word (立ち上げ, whose
    runs 立 and 上 alone say little): kb-search.js keeps such a phrase of a query whole."""
    parts = runs(form)
    return parts + ["".join(parts)] if len(parts) > 1 else parts


def page_texts(linked: Linked, language: Language, page: Page) -> list[str]:
    """The texts of the data a page shows: its title, and every text of the section, checklist, template or other
    item of the knowledge base it is made from (all terms on the glossary)."""
    title = page.title if isinstance(page.title, schema.Text) else None
    found = [language.text(title) if title else language.t(str(page.title))]
    models = list(linked.kb.glossary) if page.template == "glossary.md.j2" else []
    models += [value for value in page.context.values().values() if isinstance(value, BaseModel)]
    for model in models:
        found += [language.text(text) for _, text in texts(model)]
    return found


def everyday_words(linked: Linked, language: Language, text: str) -> list[str]:
    """The words of every group of words.yaml that has a word `text` uses (in the page's language): a word in Latin
    letters as a whole word (board is not in dashboard; a plural counts), any other as a part of a run (経営層 in
    経営層向). The group's words in every language are added: readers type English words on a Japanese site."""
    words = runs(text)
    written, present = f" {' '.join(words)} ", frozenset(words)
    found = []
    for group in linked.kb.words:
        if any(_uses(written, member, present) for member in group.of(language.code)):
            found += group_members(linked, group)
    return found


def group_members(linked: Linked, group: schema.WordGroup) -> list[str]:
    return [member for code in linked.kb.config.languages for member in group.of(code)]


def _uses(written: str, word: str, present: frozenset[str] = frozenset()) -> bool:
    """Whether `written` (runs between spaces, one at each end; `present`: those runs, if given) uses `word`."""
    phrase = _spelt(word)
    if not phrase:
        return False
    if not phrase.isascii():
        return phrase in written
    # whole runs of `written`, the last one or its plural: one run is looked up among them, several are looked for
    # with a space each side (a regular expression over a page's text took five times as long)
    if present and " " not in phrase:
        return not present.isdisjoint((phrase, f"{phrase}s", f"{phrase}es"))
    return any(f" {phrase}{plural} " in written for plural in ("", "s", "es"))


@functools.lru_cache(maxsize=1 << 14)
def _spelt(word: str) -> str:
    """A word as its runs between spaces (every page asks it of every everyday word of its language)."""
    return " ".join(runs(word))


def latin(text: str) -> bool:
    """Whether the text is written in Latin letters (its letters are; digits and signs do not count)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all("LATIN" in unicodedata.name(c, "") for c in letters)


def section_names(section: schema.Section, language: Language) -> list[str]:
    """The other names of a section, which readers type for it as they would its title: its own synonyms, and those
    of its other languages written in Latin letters (budget for 資源の確保, security policy typed on either site)."""
    return words_for(section.synonyms, language)


def words_for(words: schema.Synonyms, language: Language) -> list[str]:
    """Editorial words for a reader of `language`: those of the language, and those of the others written in Latin
    letters, which readers type on every site."""
    others = [f for code in words.languages() if code != language.code for f in words.of(code)]
    return list(dict.fromkeys([*words.of(language.code), *(f for f in others if latin(f))]))


def said_in(keys: Iterable[str], texts: Iterable[str]) -> set[str]:
    """Which of `keys` (a phrase's runs, joined) some text says, as its runs joined, or without its lone hiragana as
    the box searches it (棚卸し is 棚卸)."""
    automaton = ahocorasick.Automaton()
    for key in keys:
        for form in {key, "".join(run for run in runs(key) if not ONE_HIRAGANA.fullmatch(run))} - {""}:
            automaton.add_word(form, key)
    if not len(automaton):
        return set()
    automaton.make_automaton()
    return {key for text in texts for _, key in automaton.iter("".join(runs(text)))}


def page_topics(page: Page) -> list[schema.Synonyms]:
    """The `topics` of what a page shows: its section's, or its template's."""
    models = [page.section, *page.context.values().values()]
    return [model.topics for model in models if isinstance(model, schema.Section | schema.Template)]


def page_other_titles(linked: Linked, language: Language, page: Page) -> str:
    """The words of a section's title in the knowledge base's other languages that are written in Latin letters, for
    `kb_title`: "supply chain" typed on the Japanese site is in the title of 4.4 (Supply chain risk management), as
    サプライチェーン is, not a mention like any other. Its words only, not their tails and phrases as the title's own
    (`title_words`): each word the field holds weighs on every other page's score."""
    section = page.section
    if section is None:
        return ""
    return _distinct(run for title in latin_titles_elsewhere(section, language) for run in runs(title))


def latin_titles_elsewhere(section: schema.Section, language: Language) -> list[str]:
    """A section's titles in the knowledge base's other languages that are written in Latin letters."""
    others = [getattr(section.title, code) for code in section.title.languages() if code != language.code]
    return [title for title in others if latin(title)]


def page_other_words(linked: Linked, language: Language, page: Page) -> str:
    """`kb_other` of a section's page: the words of its text in the knowledge base's other languages, so that a
    reader who types "backup" on the Japanese site finds the section that the English site finds."""
    section = page.section
    if section is None:
        return ""
    others = [code for code in linked.kb.config.languages if code != language.code]
    words = []
    for _, text in texts(section):
        for code in others:
            words += [run for run in runs(getattr(text, code)) if not ONE_HIRAGANA.fullmatch(run)]
    return _distinct(words)


# ---------------------------------------------------------------- words carried from the other languages


def carried(linked: Linked, language: Language, known: Iterable[str]) -> dict[str, list[str]]:
    """`carry` of the words file: what a reader types in another language of the knowledge base → this language's
    names for it. The glossary's terms, the sections' and templates' titles and other names, the document's title,
    the everyday words and the interface's short strings are written in every language: a reader who types a term of
    the other language into this language's box (要管理対策区域, or its reading in Latin letters, yokanri taisaku
    kuiki, in the English box) is carried to this language's name for it (controlled area). Keyed by the form's runs
    joined (and, less surely, by each of its runs of two characters or more that no form has whole: the names that
    have it, the shortest first) and, where the other language's glossary goes by kana, by its reading as `loose`
    writes it. A key that is a word of this site is none: the box finds it as it is."""
    kb = linked.kb
    own = set(known)
    # (a form in another language, this language's names, its reading where that language's glossary goes by kana)
    pairs: list[tuple[str, list[str], str | None]] = []
    for code in kb.config.languages:
        if code == language.code:
            continue
        other = Language.of(kb, code)
        found: list[tuple[str, list[str], str | None]] = []
        for term in kb.glossary:
            reading = kana.to_hiragana(term.reading) if term.reading else ""
            names = [language.text(term.term)]
            forms = [getattr(term.term, code, None), *term.synonyms.of(code)]
            found += [(form, names, reading if i == 0 else "") for i, form in enumerate(forms) if form]
        for section in kb.sections:
            names = [language.text(section.title)]
            forms = [getattr(section.title, code, None), *section.synonyms.of(code)]
            found += [(form, names, "") for form in forms if form]
        for model in [*kb.templates, kb.document]:
            found.append((getattr(model.title, code, None) or "", [language.text(model.title)], ""))
        for group in kb.words:
            names = group.of(language.code)
            found += [(form, names, "") for form in group.of(code)] if names else []
        for key in language.strings:
            if key.startswith(TASK):  # (a page's task words: each phrase of the other language → this one's first)
                mine = task_phrases(language.t(key))[:1]
                found += [(phrase, mine, "") for phrase in task_phrases(other.t(key))] if mine else []
            elif key.startswith(("nav.", f"{STRINGS}kind.")) and "{" not in language.t(key):  # the pages' names
                found.append((other.t(key), [language.t(key)], ""))
        by_kana = other.collation == "kana"
        pairs += [(form, names, reading if by_kana else None) for form, names, reading in found]
    whole: dict[str, list[str]] = {}
    parts: dict[str, list[str]] = {}

    def add(table: dict[str, list[str]], key: str, names: list[str]) -> None:
        if key and key not in own:
            found = table.setdefault(key, [])
            found += [n for n in names if n not in found and "".join(runs(n)) != key]

    for form, names, reading in pairs:
        parts_of = [run for run in runs(form) if not ONE_HIRAGANA.fullmatch(run)]
        key = "".join(parts_of)
        add(whole, key, names)
        if reading is not None:
            add(whole, loose(reading or read(key)), names)
        if len(parts_of) > 1:
            for run in parts_of:
                if len(run) > 1 and not run.isdigit():
                    add(parts, run, names)
                    if reading is not None:
                        add(parts, loose(read(run)), names)
    for key, names in parts.items():  # (a run of a few names only: 対策 of many titles names none of them)
        if len(names) <= PART_OF:
            add(whole, key, sorted(names, key=len))
    # (each name once, by its number: most names are reached by several keys)
    numbers: dict[str, int] = {}
    keys = {}
    for key, names in whole.items():
        seen: set[str] = set()
        distinct = [n for n in names if not (normalise(n) in seen or seen.add(normalise(n)))][:3]
        if distinct:
            keys[key] = [numbers.setdefault(n, len(numbers)) for n in distinct]
    return {"names": list(numbers), "keys": keys}


PART_OF = 3  # a run of another language's names leads to them when it is in this many names or fewer
TASK = "search.task."


def read(text: str) -> str:
    """The reading of a text in hiragana: its kanji runs read as _reading reads them, its kana as hiragana; "" when a
    run is neither (Latin letters: no reading)."""
    out = []
    for run in runs(text):
        if KANJI_RUN.fullmatch(run):
            out.append(_reading(run))
        elif KANA_RUN.fullmatch(run):
            out.append(kana.to_hiragana(run))
        else:
            return ""
    found = "".join(out)
    return found if HIRAGANA_RUN.fullmatch(found) else ""


VOWEL_KANA = "あいうえおぁぃぅぇぉ"


@functools.cache
def kana_vowels() -> dict[str, str]:
    """Each hiragana → its vowel (a, i, u, e, o), by its Unicode name (HIRAGANA LETTER KA, SMALL YA); ん, っ none."""
    found = {}
    for code in range(0x3041, 0x3097):
        name = unicodedata.name(chr(code), "")
        if name.startswith("HIRAGANA LETTER") and name[-1] in "AIUEO" and "SMALL TU" not in name:
            found[chr(code)] = name[-1].lower()
    return found


def loose(hiragana: str) -> str:
    """A reading as readers type it in Latin letters, most without its long vowels (yokanri for ようかんり, kotsu for
    こうつう): the long-vowel mark left out, and a vowel kana that lengthens the vowel before it (the same vowel, う
    after o, い after e). kb-search.js has the same rule (with `vowels` of the words file)."""
    vowels = kana_vowels()
    out, last = [], ""
    for char in hiragana.replace("ー", ""):
        vowel = vowels.get(char, "")
        if char in VOWEL_KANA and last and (vowel == last or (last, vowel) in (("o", "u"), ("e", "i"))):
            continue
        out.append(char)
        last = vowel
    return "".join(out)


# ---------------------------------------------------------------- acronyms the knowledge base defines

# An acronym as written: two to ten letters or digits, at least two of them capitals (MFA, CISO, DoD, IoT, SP).
ACRONYM = r"[A-Za-z][A-Za-z0-9&]{1,9}"
# "multi-factor authentication (MFA)", 「最高情報セキュリティ責任者（CISO）」; and "CISO (chief … officer)".
DEFINED = re.compile(rf"[(（]\s*({ACRONYM})\s*[)）]")
SPELLED = re.compile(rf"(?<![A-Za-z0-9])({ACRONYM})\s*[(（]([^()（）]{{2,80}})[)）]")
LATIN_END = re.compile(r"[A-Za-z0-9 ,'/&.-]+$")  # the words a long form in Latin letters can be among
NOT_LATIN = re.compile(f"[{KATAKANA}{KANJI}]{{4,}}")  # a long form of one word in other letters: no list (A・B)


def _capitals(word: str) -> bool:
    return sum(c.isupper() for c in word) >= 2


def _long_form(acronym: str, before: str) -> str | None:
    """The words that end `before` and spell `acronym` (Schwartz and Hearst's rule, 2003: each letter of the acronym
    found in them from the end backwards, the first at the start of a word), or None. Its own few lines: the one
    package of it (abbreviations, 2019) is no longer kept, and reads neither Japanese brackets nor a title."""
    words = (LATIN_END.search(before) or [""])[0].split()
    candidate = " ".join(words[-min(len(acronym) + 5, 2 * len(acronym)) :])
    short, long = acronym.lower(), candidate.lower()
    at = len(long) - 1
    for i in range(len(short) - 1, -1, -1):
        while at >= 0 and (long[at] != short[i] or (i == 0 and at > 0 and long[at - 1].isalnum())):
            at -= 1
        if at < 0:
            return None
        at -= 1
    found = candidate[long.rfind(" ", 0, at + 1) + 1 :].strip(" ,;:")
    return found if len(found.split()) > 1 or "-" in found else None


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """(acronym, what it stands for) as a text of the knowledge base defines them: "multi-factor authentication
    (MFA)", 「最高情報セキュリティ責任者（CISO）」, "CISO（最高情報セキュリティ責任者）"."""
    found = []
    if "(" not in text and "（" not in text:  # both forms have brackets (most texts have none: a quicker no)
        return found
    for match in DEFINED.finditer(text):
        acronym, before = match.group(1), text[: match.start()].rstrip()
        if not _capitals(acronym):
            continue
        written = NOT_LATIN.search(before[-80:])
        long = written.group(0) if written and written.end() == len(before[-80:]) else _long_form(acronym, before)
        if long:
            found.append((acronym, long))
    for match in SPELLED.finditer(text):
        acronym, inside = match.groups()
        if _capitals(acronym) and (
            NOT_LATIN.fullmatch(inside.strip()) or _long_form(acronym, inside) == inside.strip()
        ):
            found.append((acronym, inside.strip()))
    return found


def title_acronyms(title: str, stop: Iterable[str]) -> list[tuple[str, str]]:
    """(acronym, words) of the initials of three to five consecutive words of a title in Latin letters, none of
    them a stop word: "Multi-factor Authentication to Privileged Accounts" gives MFA. Readers type such initials for
    what a catalog's titles spell out; the site's own words are never taken for one (words_file)."""
    if not latin(title):
        return []
    stop = frozenset(stop)
    words = re.findall(r"[A-Za-z]+", title)
    found = []
    for start in range(len(words)):
        for end in range(start + 3, min(start + 5, len(words)) + 1):
            group = words[start:end]
            if any(w.lower() in stop for w in group):
                break
            found.append(("".join(w[0] for w in group), " ".join(group)))
    return found


@functools.cache
def _reading(run: str) -> str:
    """The reading of a run of kanji in hiragana, as pykakasi's converter gives it (its hira, segment by segment), by
    pykakasi's own dictionary looked up by each prefix of the run: the converter compares every word of the
    dictionary that begins with a run's first kanji (hundreds for 情) and works out three romanisations of each
    segment, which cost 0.1 ms a run. Its rule kept: at each kanji the longest word of the dictionary the rest of the
    run begins with (after its variant kanji, itaiji, are made standard), its first reading that fits the segment
    before (a word with a condition); a kanji it does not know reads as nothing and the character after it is
    skipped. A run with a character the converter does not take for a kanji (々, 〇, a compatibility ideograph) is
    read by the converter itself. The dictionary is loaded once a process (about 0.2 s; `serve` pays it at its
    first build only)."""
    kanwa, itaiji = _dictionary()
    parts, before, i = [], "", 0
    while i < len(run):
        if not "\u3400" <= run[i] < "\ue000":
            return "".join(part["hira"] for part in _converter().convert(run))
        text = itaiji.convert(run[i:])
        words = kanwa.load(text) or {}
        for end in range(len(text), 0, -1):
            read = next((yomi for yomi, cond in words.get(text[:end], ()) if cond is None or before in cond), None)
            if read is not None:
                parts.append(read)
                before, i = run[i : i + end], i + end
                break
        else:
            parts.append("")
            before, i = "", i + 2
    return "".join(parts)


@functools.cache
def _dictionary():
    """pykakasi's dictionary, set apart from Python's cyclic garbage collector: its 270,000 words are lists and
    tuples that each of the collector's passes over old objects went through for the rest of the process (0.2 s of
    a build's CPU). What the process holds then is set apart with it, after a pass over the younger objects that
    frees what it no longer holds of them (a pass over every object cost 0.05 s)."""
    from pykakasi.kanji import Itaiji, Kanwa  # only a site whose glossary goes by kana needs it

    gc.collect(1)
    found = Kanwa(), Itaiji()
    gc.freeze()
    return found


@functools.cache
def _converter():
    import pykakasi

    return pykakasi.kakasi()


def _readings(texts_: Iterable[str]) -> dict[str, list[str]]:
    """Each reading (hiragana) of a kanji run of two or more characters in the texts → the runs read so, the most
    used first; a run that pykakasi cannot read is left out."""
    used: dict[str, int] = {}
    for text in texts_:
        for run in KANJI_RUN.findall(normalise(text)):
            if len(run) > 1:
                used[run] = used.get(run, 0) + 1
    readings: dict[str, list[str]] = {}
    for run in sorted(used, key=lambda r: (-used[r], r)):
        if HIRAGANA_RUN.fullmatch(_reading(run)):
            readings.setdefault(_reading(run), []).append(run)
    return readings


def _kanji_readings(words: Iterable[str]) -> dict[str, str]:
    """Each kanji of the words → its reading alone (hiragana): a kanji mistyped for another read alike, as an input
    method offers it (情報供有 for 情報共有: 供 and 共 are both きょう), is corrected by it."""
    found = {}
    for char in sorted({c for word in words for c in ONE_KANJI.findall(word)}):
        reading = _reading(char)
        if HIRAGANA_RUN.fullmatch(reading):
            found[char] = reading
    return found


# ---------------------------------------------------------------- the words file


def words_file(linked: Linked, language: Language) -> bytes:
    """assets/search-words.json.gz: what the search box needs besides Pagefind's index, as gzip-compressed JSON.

    - `sections`: each section number → its page (relative to the language's site root), its title with and
      without the number and its other names (`section_names`), so that 5-6-1 and ５．６．１ lead to 5.6.1 first, and
      so does its title or one of its names typed as a query (a
      number that is not only digits, 別紙1, is keyed by its runs: 別紙 1; a catalog's own label and id likewise:
      AC-2(1) and ac-2.1 are both "ac 2 1", AC-2 "ac 2");
    - `topics`: each topic no text of the site says (its runs joined) → the pages it is a topic of, which a query of
      it leads to;
    - `ids`: each id a reader may type (a section's as written, a checklist item's, a template's, a checklist's:
      `id_key`) → its page with the anchor, and its name;
    - `synonyms`: each normalised synonym, alias, abbreviation and reading → the term's name, each everyday
      word of words.yaml → the other words of its group, and each acronym that the text defines or the initials of
      a title's words spell → its words, so that a query for MFA also ranks and highlights what the pages say
      (多要素認証, multi-factor authentication);
    - `thesaurus`: each word of the language's thesaurus that means what a word of the site means → those words
      (離職者 → 退職者; generator/thesaurus.py), looked up after the synonyms, never one of the site's words;
    - `phrases`: the synonyms and everyday words of several runs one of which alone says little (立ち上げ: 立, 上;
      踏み台攻撃: 踏): a query keeps them whole, as the index has them (`search_forms`);
    - `kind_words`: each page kind's name and its everyday words (テンプレート, 雛形, 様式): a query that has one
      beside other words asks for a page of that kind;
    - `terms`: the normalised names and forms of the glossary's terms (the glossary ranks first only for those);
    - `words`: every word the index holds, the box's vocabulary (a word in none of them is corrected, never
      silently): every run of every text of the knowledge base and of the interface strings, the synonyms, the
      everyday words, the names; and the candidates for "did you mean", by edit distance;
    - `readings`: on a site whose glossary goes by kana, the reading in hiragana of each kanji word of its text →
      those words, the most used first (かんさ → 監査): readers type a word by its sound, in kana or romaji;
      `kanji`: there, each kanji of the words → its reading alone (a kanji mistyped for one read alike: 情報供有);
    - `kinds`: the weight of each page kind (kinds.SearchKind), the heaviest first; `named`, `listings`: the kinds
      readers ask for by name, and those that list a collection;
    - `stop`: the words a query may leave out (ui string `search.stop_words`);
    - `number_words`, `numerals`: the words that only mark a section number, and the numerals one to ten (ui strings
      `search.number_words`, `search.numerals`);
    - `inflections`: how the language's words change their endings (ui string `search.inflections`): [ending, forms];
    - `carry`: the words of the knowledge base's other languages that name what this one names (`carried`): their
      `names` here, and each word or reading (`loose`) → the numbers of its names; `vowels`: each hiragana and its
      vowel, where a reading is among them;
    - `okurigana`: the pattern of a compound written with okurigana (OKURIGANA_COMPOUND), which the box turns into
      its key as the index has it;
    - `strings`: the search box's interface strings (ui.yaml `search.js.*`).
    """
    kb = linked.kb
    sections = {}
    for section in kb.sections:
        number = language.section_label(section).rstrip(".")
        keys = [" ".join(runs(number)) if number and not number[0].isdigit() else number]
        if kb.config.native:  # a catalog's own id as well as its label: ac-2.1 and AC-2(1) are both "ac 2 1"
            keys.append(" ".join(runs(section.id)))
        for key in dict.fromkeys(k for k in keys if k):
            sections[key] = [
                url_of(section_path(linked, section.id)),
                language.section_title(section),
                language.text(section.title),
                section_names(section, language),
            ]
    # a section's id as written (a lettered one; a catalog's own ids, ac-2, ia-5.1, typed AC-2, IA-5(1))
    ids = {}
    for section in kb.sections:
        for written in (section.id, section.label or ""):
            if written:
                ids[id_key(written)] = [url_of(section_path(linked, section.id)), language.section_title(section)]
    for kind in (kind for kind in linked.vocabulary.kinds if kind.found_by_id):
        for id_, target in linked.index.tables[kind.collection].items():
            page, anchor = target_of(linked, Key(kind.name, id_))
            name = label_of(linked, language, Key(kind.name, id_))
            if name == id_ and isinstance(getattr(target, "text", None), schema.Text):  # an item: its id and text
                name = f"{id_} {language.text(target.text)}"
            # a section keeps its id: a selection's checklist item may carry its control's id (AC-2)
            ids.setdefault(id_key(id_), [url_of(page) + (f"#{anchor}" if anchor else ""), name])
    synonyms: dict[str, list[str]] = {}
    names, forms_all = [], []
    for term in kb.glossary:
        name = language.text(term.term)
        names.append(name)
        forms = term_forms(term, language)
        if term.reading and language.collation == "kana":
            forms.append(kana.to_hiragana(term.reading))
        forms_all += forms
        for form in forms:
            key = " ".join(runs(form))
            if key and key != " ".join(runs(name)):
                synonyms.setdefault(key, [])
                if name not in synonyms[key]:
                    synonyms[key].append(name)
    groups = [group_members(linked, group) for group in kb.words]
    for members in groups:
        for member in members:
            key = " ".join(runs(member))
            others = [m for m in members if " ".join(runs(m)) != key]
            synonyms.setdefault(key, [])
            synonyms[key] += [m for m in others if m not in synonyms[key]]
    section_synonyms = [form for s in kb.sections for form in s.synonyms.of(language.code)]
    titles = [language.text(s.title) for s in kb.sections]
    every = [language.text(text) for _, text in texts(kb)] + [language.t(key) for key in kb.ui]
    # each topic of a section or template → the pages it is a topic of, which it leads to; a topic some text of the
    # site says, or a synonym of what it says, is found where it is said, as any word (自己評価 is a topic of 4.1.4
    # and the self-assessment's title: `said` below)
    topics: dict[str, list[list[str]]] = {}
    pages = [(s.topics, Key("section", s.id)) for s in kb.sections] + [
        (t.topics, Key("tpl", t.id)) for t in kb.templates
    ]
    for forms, key in pages:
        for form in words_for(forms, language):
            topics.setdefault("".join(runs(form)), []).append(
                [url_of(target_of(linked, key)[0]), label_of(linked, language, key)]
            )
    words: dict[str, None] = {}
    for text in [*names, *synonyms, *titles]:
        words.setdefault(normalise(text), None)
        words.setdefault("".join(runs(text)), None)
    # (and the sections' titles in other languages written in Latin letters, which kb_title holds: page_other_titles)
    other_titles = [title for section in kb.sections for title in latin_titles_elsewhere(section, language)]
    for text in [
        *every,
        *forms_all,
        *section_synonyms,
        *(form for forms, _ in pages for form in words_for(forms, language)),
        *(m for members in groups for m in members),
        *other_titles,
    ]:
        for run in runs(text):
            if not ONE_HIRAGANA.fullmatch(run) and not run.isdigit():
                words.setdefault(run, None)
        for key in okurigana_keys(text):
            words.setdefault(key, None)
    # the acronyms the knowledge base's own text defines, and the initials of its titles' words that are no word of
    # its text: MFA finds what says multi-factor authentication (synonyms, not words of the index: the box looks such
    # a word up by what it stands for)
    acronyms = [pair for text in every for pair in defined_acronyms(text)]
    stop = stop_words(language)
    acronyms += [
        (short, long)
        for title in titles
        for short, long in title_acronyms(title, stop)
        if normalise(short) not in words
    ]
    for short, long in acronyms:
        key, spelled = " ".join(runs(short)), " ".join(runs(long))
        if key != spelled and long not in synonyms.setdefault(key, []):
            synonyms[key].append(long)
    readings = _readings(every) if language.collation == "kana" else {}
    kanji = _kanji_readings(words) if readings else {}
    strings = {key.removeprefix(STRINGS): language.t(key) for key in kb.ui if key.startswith(STRINGS)}
    kinds = linked.vocabulary.every_search_kind()
    kind_words = {}
    for kind in (kind.name for kind in kinds):
        name = language.t(f"{STRINGS}kind.{kind}")
        forms = [name, *(m for members in groups if any(_uses(f" {' '.join(runs(name))} ", m) for m in members)
                         for m in members)]  # fmt: skip
        kind_words[kind] = sorted({"".join(runs(form)) for form in forms if runs(form)})
    said = said_in(topics, [*every, *(language.t(key) for key in language.strings)])
    said.update("".join(key.split()) for key in synonyms)  # (an acronym or another name of what some page says: MFA)
    topics = {key: found for key, found in topics.items() if key not in said}
    carry = carried(linked, language, words)
    read_in_latin = any(map(HIRAGANA_RUN.fullmatch, carry["keys"]))  # (a reading among the keys)
    vowels = "".join(f"{kana}{vowel}" for kana, vowel in kana_vowels().items()) if read_in_latin else ""
    data = {
        "strings": strings,
        "kinds": {kind.name: kind.weight for kind in kinds},
        "named": [kind.name for kind in kinds if kind.named],
        "listings": [kind.name for kind in kinds if kind.listing],
        "stop": sorted(stop_words(language)),
        "inflections": inflections(language),
        "number_words": language.t(NUMBER_WORDS_KEY).split(),
        "numerals": [numerals.split() for numerals in language.t(NUMERALS_KEY).split("|") if numerals.split()],
        "okurigana": OKURIGANA_COMPOUND.pattern,
        "sections": sections,
        "ids": ids,
        "topics": topics,
        "synonyms": synonyms,
        "thesaurus": thesaurus.synonyms(kb, language, words, every, synonyms),  # readers' words the language knows
        "kind_words": kind_words,
        "phrases": sorted({"".join(runs(f)) for f in [*synonyms, *section_synonyms] if _phrase(f)}),
        "terms": sorted({" ".join(runs(f)) for f in [*names, *forms_all] if runs(f)}),
        "words": list(words),
        "readings": readings,
        "kanji": kanji,
        "carry": carry,
        "vowels": vowels,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(text, compresslevel=9, mtime=0)  # a quarter of the size; the same bytes every build


# ---------------------------------------------------------------- the build's hooks


class Search(Feature):
    """Every site has search: the words file in each language, and each page's synonyms for its front matter."""

    name = "search"
    files_made_anywhere = True  # the words file: an asset of the search box, on no page

    def files(self, linked: Linked, language: Language) -> dict[str, bytes]:
        return {WORDS_FILE: words_file(linked, language)}

    def context(self, linked: Linked, language: Language, files: dict[str, bytes]) -> dict:
        return {
            "search_synonyms": lambda page: page_synonyms(linked, language, page),
            "search_related": lambda page: page_related(linked, language, page),
            "search_topics": lambda page: page_topic_words(language, page),
            "search_other_words": lambda page: page_other_words(linked, language, page),
            "search_other_titles": lambda page: page_other_titles(linked, language, page),
            "search_kind": lambda page: kind_of(linked, page),
            "search_task": lambda page: page_task(language, page),
            "search_own": lambda page: own_page(linked, page),
        }


WORDS_FILE = "assets/search-words.json.gz"  # gzip-compressed JSON; kb-search.js inflates it
STRINGS = "search.js."  # the interface strings of the search box (ui.yaml), read by kb-search.js from WORDS_FILE
