"""Search, index side: the words each page is found by, beyond what Pagefind reads in its text.

Pagefind splits Japanese text with its own dictionary (Lindera) when it indexes, and the reader's browser splits the
query with another (Intl.Segmenter): the two disagree (サイバー is one word in the index, サイ|バー in Chromium's
query) and Pagefind requires every piece. So both sides here use one rule that needs no dictionary and gives the
same pieces in every browser: a text is cut into runs of one script (katakana, hiragana, kanji, Latin letters and
digits), after NFKC and lower-casing. docs/assets/kb-search.js cuts queries with the same rule (`runs` there) and
hands the runs to Pagefind unsplit; this module writes, invisibly on every page, the runs of its text as Pagefind
metadata, which Pagefind splits only at spaces. A word that stands in a page is then found by the same word typed as
a query, whatever either dictionary thinks.

Four metadata fields, each a list of words separated by spaces (main.html writes them; kb-search.js weighs them):
- `kb_words`: the runs of the page's text, and the tails of its kanji runs (要素認証 inside 多要素認証);
- `kb_title`: the runs of the page's title (a title match ranks before a mention);
- `kb_synonyms`: what readers type for the glossary terms the page uses and for the page itself, that its text may
  not say: the terms' synonyms, aliases and abbreviations, and on the Japanese site their English names;
- `kb_other`: the words of a section's text in the other languages (backup on the Japanese site).

The build also writes `assets/search-words.json.gz` per language (`words_file`): section numbers and where they lead,
and the candidates for "did you mean" (glossary terms, readings, aliases, synonyms, section titles, and the words of
the text).
"""

from __future__ import annotations

import gzip
import html.parser
import json
import re
import unicodedata
from collections.abc import Iterable

from . import kana, schema
from .features import Feature
from .i18n import Language
from .link import Key, Linked
from .pages import Page, section_path, url_of
from .walk import texts

# Character classes of the runs; kb-search.js has the same ranges (keep them in step).
KATAKANA = "\u30a1-\u30fa\u30fc-\u30fe"  # ァ…ヺ, ー, ヽ, ヾ
HIRAGANA = "\u3041-\u3096\u309d\u309e\u30fc"  # with ー, as readings write it (さーびす)
KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005-\u3007"  # with 々 〆 〇
RUN = re.compile(f"[{KATAKANA}]+|[{HIRAGANA}]+|[{KANJI}]+|[a-z0-9]+")
KANJI_RUN = re.compile(f"[{KANJI}]+")
ONE_HIRAGANA = re.compile(f"[{HIRAGANA}]")
# Words of a query that say nothing about its subject (particles, endings, question words): never required of a
# page, and left out of a title written as one phrase. kb-search.js reads them from the words file.
_STOP = (
    "の に は を が と で や へ も か な から まで より など とは って について における に関する による ための として "
    "こと もの する して した される され ます です である ある いる どう どこ なに なん "
    "what is are was were be been the a an of to in on for how do does did which who whom when why where can cannot "
    "could should would may might must will shall not it its this that these those there with from by as at or and "
    "if then than so into about any some my our your we you i"
)
STOP_WORDS = frozenset(_STOP.split())

# How much a page counts in the ranking, by kind: the guideline's own sections first, then the pages that explain
# what they cite and the words they use, then our tools and the site's own pages, which mention everything. The
# weight is Pagefind's data-pagefind-weight on the page body; kb-search.js also multiplies each result's score by
# it (a Pagefind filter `kind` tells the kinds apart), since the metadata matches are not weighted by Pagefind.
KIND_WEIGHTS = {"guideline": 1.0, "reference": 0.5, "tool": 0.15}
KIND_OF_TEMPLATE = {  # a page kind is its template; one not listed here is a tool page
    "section.md.j2": "guideline",
    "control.md.j2": "guideline",
    "glossary.md.j2": "reference",
    "references.md.j2": "reference",
}


def normalise(text: str) -> str:
    """Width and case folded, as the query is: ＣＩＳＯ → ciso, ｸﾗｳﾄﾞ → クラウド."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    return RUN.findall(normalise(text))


def _distinct(words: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(words))


# Languages that Pagefind cuts into words with a dictionary (its needsWordSegmentation); the others are written with
# spaces between words, which Pagefind and every browser read alike: their pages need only the runs of other scripts.
DICTIONARY_SEGMENTED = ("ja", "zh", "th")


class _IndexedText(html.parser.HTMLParser):
    """The text of a page's HTML that Pagefind indexes: not inside data-pagefind-ignore, a permalink, a script."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[bool] = []  # per open element: whether its content is left out
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.VOID:
            return
        names = dict(attrs)
        skip = (
            "data-pagefind-ignore" in names
            or "headerlink" in (names.get("class") or "").split()
            or tag in ("script", "style", "template")
        )
        self.skipping.append(skip or bool(self.skipping and self.skipping[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.skipping:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not (self.skipping and self.skipping[-1]):
            self.parts.append(data)


def indexed_text(page_html: str) -> str:
    parser = _IndexedText()
    parser.feed(page_html)
    parser.close()
    return " ".join(parser.parts)


def index_words(page_html: str, code: str = "ja") -> str:
    """`kb_words` of a page (its HTML): each run of the text Pagefind indexes once (a lone hiragana is a particle,
    never a query), and the tails of its kanji runs, so that a query for the end of a compound finds it."""
    words = []
    for run in runs(indexed_text(page_html)):
        if ONE_HIRAGANA.fullmatch(run) or (code.split("-")[0] not in DICTIONARY_SEGMENTED and run.isascii()):
            continue
        words.append(run)
        if KANJI_RUN.fullmatch(run):
            words += [run[i:] for i in range(1, len(run) - 1)]
    return _distinct(words)


def title_words(title: str) -> str:
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
    whole = "".join(p for p in parts if not (ONE_HIRAGANA.fullmatch(p) or p in STOP_WORDS))
    words += [whole[i:] for i in range(len(whole) - 1)]
    return _distinct(words)


def kind_of(page: Page) -> str:
    return KIND_OF_TEMPLATE.get(page.template, "tool")


def weigh(pages: list[Page]) -> None:
    """Set each page's search weight from its kind."""
    for page in pages:
        page.search_weight = KIND_WEIGHTS[kind_of(page)]


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
    """`kb_synonyms` of a page: the forms of every glossary term the page uses (all terms on the glossary), and the
    section's own synonyms and its title and synonyms in the other languages written in Latin letters."""
    index = linked.index
    section: schema.Section | None = page.context.get("section")
    if page.template == "glossary.md.j2":
        terms = list(linked.kb.glossary)
    elif section is not None:
        terms = [index.terms[key.id] for key in index.outgoing(Key("section", section.id), "uses-term")]
    else:
        terms = []
    forms = [form for term in terms for form in term_forms(term, language)]
    if section is not None:
        forms += section.synonyms.of(language.code)
        others = [getattr(section.title, other) for other in section.title.languages() if other != language.code]
        others += [
            f for other in section.synonyms.languages() if other != language.code for f in section.synonyms.of(other)
        ]
        forms += [form for form in others if latin(form)]
    return _distinct(word for form in forms for word in runs(form))


def latin(text: str) -> bool:
    """Whether the text is written in Latin letters (its letters are; digits and signs do not count)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all("LATIN" in unicodedata.name(c, "") for c in letters)


def page_other_words(linked: Linked, language: Language, page: Page) -> str:
    """`kb_other` of a section's page: the words of its text in the knowledge base's other languages, so that a
    reader who types "backup" on the Japanese site finds the section that the English site finds."""
    section: schema.Section | None = page.context.get("section")
    if section is None:
        return ""
    others = [code for code in linked.kb.config.languages if code != language.code]
    words = []
    for _, text in texts(section):
        for code in others:
            words += [run for run in runs(getattr(text, code)) if not ONE_HIRAGANA.fullmatch(run)]
    return _distinct(words)


# ---------------------------------------------------------------- the words file


def words_file(linked: Linked, language: Language) -> bytes:
    """assets/search-words.json.gz: what the search box needs besides Pagefind's index, as gzip-compressed JSON.

    - `sections`: each section number → its page (relative to the language's site root), its title with and
      without the number, so that 5-6-1 and ５．６．１ lead to 5.6.1 first, and so does its title typed as a query (a
      number that is not only digits, 別紙1, is keyed by its runs: 別紙 1; a catalog's own label and id likewise:
      AC-2(1) and ac-2.1 are both "ac 2 1", AC-2 "ac 2");
    - `synonyms`: each normalised synonym, alias, abbreviation and reading → the term's name, so that a query for
      MFA also ranks and highlights what the pages say (多要素認証);
    - `words`: the candidates for "did you mean", by edit distance: those names and every run of the text;
    - `kinds`: the weight of each page kind (KIND_WEIGHTS);
    - `stop`: the words a query may leave out (STOP_WORDS);
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
            ]
    synonyms: dict[str, list[str]] = {}
    names = []
    for term in kb.glossary:
        name = language.text(term.term)
        names.append(name)
        forms = term_forms(term, language)
        if term.reading and language.collation == "kana":
            forms.append(kana.to_hiragana(term.reading))
        for form in forms:
            key = " ".join(runs(form))
            if key and key != " ".join(runs(name)):
                synonyms.setdefault(key, [])
                if name not in synonyms[key]:
                    synonyms[key].append(name)
    titles = [language.text(s.title) for s in kb.sections]
    words: dict[str, None] = {}
    for text in [*names, *synonyms, *titles]:
        words.setdefault(normalise(text), None)
    for _, text in texts(kb):
        for run in runs(language.text(text)):
            if len(run) >= 3 and not run.isdigit():
                words.setdefault(run, None)
    strings = {key.removeprefix(STRINGS): language.t(key) for key in kb.ui if key.startswith(STRINGS)}
    data = {
        "strings": strings,
        "kinds": KIND_WEIGHTS,
        "stop": sorted(STOP_WORDS),
        "sections": sections,
        "synonyms": synonyms,
        "words": list(words),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(text, compresslevel=9, mtime=0)  # a quarter of the size; the same bytes every build


# ---------------------------------------------------------------- the build's hooks


class Search(Feature):
    """Every site has search: the words file in each language, and each page's synonyms for its front matter."""

    name = "search"

    def files(self, linked: Linked, language: Language) -> dict[str, bytes]:
        return {WORDS_FILE: words_file(linked, language)}

    def context(self, linked: Linked, language: Language, files: dict[str, bytes]) -> dict:
        return {
            "search_synonyms": lambda page: page_synonyms(linked, language, page),
            "search_other_words": lambda page: page_other_words(linked, language, page),
            "search_kind": kind_of,
        }


WORDS_FILE = "assets/search-words.json.gz"  # gzip-compressed JSON; kb-search.js inflates it
STRINGS = "search.js."  # the interface strings of the search box (ui.yaml), read by kb-search.js from WORDS_FILE
