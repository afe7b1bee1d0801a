"""Languages as data: the site's languages, their interface strings, their dates (ui strings date.*; the
Japanese era, 和暦, computed here as a calendar, written as ja's strings say: 令和7年（2025年）10月1日) and how each
sorts its glossary (ui string glossary.collation). No code here or elsewhere names a language: what differs between
languages is a string of generator/defaults/ui.yaml, which a knowledge base may override or add a language to."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from . import kana, schema
from .errors import DataError, Problem

# Era start dates of the Japanese calendar; a date is in the latest era that began on or before it.
ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
)

# How a language sorts and groups its glossary (ui string glossary.collation):
# - kana: by each term's `reading` (hiragana or katakana) in 50音 order, under the kana rows (glossary.kana_row);
# - letters: by the term, under its first letter (A–Z for Latin letters);
# - characters: by the term's characters in code point order, in one list (for Chinese characters the order of the
#   Unicode Han block: radical by radical, then by strokes, as a 部首 dictionary).
COLLATIONS = ("kana", "letters", "characters")
# A language's general thesaurus, which the search box's words file draws on (generator/thesaurus.py): ui string
# search.thesaurus names a file THESAURI/<name>.tsv.gz, or is empty for none.
THESAURI = Path(__file__).resolve().parent / "thesauri"
THESAURUS_SUFFIX = ".tsv.gz"
LANGUAGE_CODE = re.compile(schema.LANGUAGE_CODE)


@dataclass(frozen=True)
class Language:
    code: str
    strings: dict[str, schema.UiString]
    root: str  # the knowledge base's first language, served at the site root (kb.yaml `languages`)
    native_ids: bool = False  # sections carry their own ids and labels (kb.yaml `section_ids: native`)

    @classmethod
    def all(cls, kb: schema.KnowledgeBase) -> list[Language]:
        """The knowledge base's languages in order, the root language first."""
        return [cls(code, kb.ui, kb.config.languages[0], kb.config.native) for code in kb.config.languages]

    @classmethod
    def of(cls, kb: schema.KnowledgeBase, code: str) -> Language:
        return cls(code, kb.ui, kb.config.languages[0], kb.config.native)

    @property
    def is_default(self) -> bool:
        return self.code == self.root

    def t(self, key: str) -> str:
        """The interface string `key` in this language; a missing key is a data error, not a blank."""
        try:
            return (self.strings[key].__pydantic_extra__ or {})[self.code]  # (as `text` reads a Text)
        except KeyError:  # `check` finds those the data asks for (language_problems)
            raise DataError(
                [
                    Problem(
                        "guideline_data/ui.yaml",
                        None,
                        f"no interface string {key!r} in {self.code!r}",
                        f"add '{key}:' with a '{self.code}:' string",
                    )
                ]  # fmt: skip
            ) from None

    @property
    def collation(self) -> str:
        """How this language sorts its glossary: one of COLLATIONS."""
        return self.t("glossary.collation")

    def section_number(self, section_id: str) -> str:
        """'1.2.3', '別紙1.' / 'Annex 1.' (ui string <kind>.number), or '' for an unnumbered section."""
        if section_id[0].isdigit():
            return section_id
        if "-" in section_id:  # a lettered kind: its number as the ui string "<kind>.number" writes it
            kind, number = section_id.split("-", 1)
            return self.t(f"{kind}.number").format(n=number.upper())
        return ""

    def section_label(self, section: schema.Section) -> str:
        """What names a section before its title: its own label (AC-2), else its number (none for native ids)."""
        if section.label is not None:
            return section.label
        return "" if self.native_ids else self.section_number(section.id)

    def section_title(self, section: schema.Section) -> str:
        number = self.section_label(section)
        return f"{number} {self.text(section.title)}" if number else self.text(section.title)

    def fallback(self, text: schema.Text) -> str | None:
        """The language an organisation's text is shown in when it is not written in this one (None: it is)."""
        languages = text.languages()
        return None if self.code in languages else languages[0]

    def text(self, text: schema.Text) -> str:
        """The text in this language. The knowledge base's texts are in every language (validate checks); only an
        organisation's may lack one, and is then shown in the first it is written in."""
        strings = text.__pydantic_extra__ or {}  # (read at once: one attribute read, not pydantic's lookup of each)
        return strings[self.code] if self.code in strings else next(iter(strings.values()))

    def date(self, value: dt.date, precision: str = "day") -> str:
        """The date as this language writes it (ui strings date.*), to the day, the month or the year:
        1 October 2025, 2025年10月1日, 令和7年（2025年）10月1日. In date.month and date.day, {year} is the year as
        written by `year` below; each language's format uses the fields it needs ({month} or {month_name})."""
        year = self.year(value)
        if precision == "year":
            return year
        name = self.t(f"date.month_name.{value.month}")
        return self.t(f"date.{precision}").format(year=year, month=value.month, day=value.day, month_name=name)

    def year(self, value: dt.date) -> str:
        """The year of the date: in its era if the language writes eras (date.era_year is not empty), else plain."""
        era = era_of(value)
        with_era = self.t("date.era_year") if era else ""
        if with_era:
            return with_era.format(year=value.year, era=era[0], era_year=era[1])
        return self.t("date.year").format(year=value.year)


def era_of(value: dt.date) -> tuple[str, str] | None:
    """The Japanese era of the date and its year in it (("令和", "元"), ("平成", "31")), or None before 昭和."""
    for start, era in ERAS:
        if value >= start:
            year = value.year - start.year + 1
            return era, "元" if year == 1 else str(year)
    return None


# Languages as the messages (in English) name them; another is named by its code.
LANGUAGE_NAMES = {"ja": "Japanese", "en": "English", "zh-Hant": "Traditional Chinese", "zh-Hans": "Simplified Chinese",
                  "ko": "Korean"}  # fmt: skip


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, f"{code!r}")


def reading_language(kb: schema.KnowledgeBase) -> str | None:
    """The language whose glossary is sorted by the terms' readings (its terms are read as `reading` says), if any."""
    return next((code for code in kb.config.languages if _collation(kb, code) == "kana"), None)


def thesaurus_name(kb: schema.KnowledgeBase, code: str) -> str:
    """The name of language `code`'s thesaurus: "" for none (the string empty, or not given for that language)."""
    string = kb.ui.get("search.thesaurus")
    return (getattr(string, code, None) or "").strip() if string is not None else ""


def thesauri() -> list[str]:
    """The names of the thesauri the generator has."""
    return sorted(path.name.removesuffix(THESAURUS_SUFFIX) for path in THESAURI.glob(f"*{THESAURUS_SUFFIX}"))


def _collation(kb: schema.KnowledgeBase, code: str) -> str | None:
    string = kb.ui.get("glossary.collation")
    return getattr(string, code, None) if string is not None else None


# The interface strings that data asks for beyond the generator's own: kb.yaml's values and the sections' kinds.
NAMED_BY_CONFIG = {"control_categories": "category", "change_statuses": "status", "control_statuses": "control_status",
                   "selections": "selection", "languages": "language"}  # fmt: skip


def language_problems(kb: schema.KnowledgeBase, locator) -> list[Problem]:
    """What `build` would stop on for want of language data, found before it: each interface string the data asks
    for (labels of kb.yaml's values, the numbering of each lettered kind of section), each language's collation,
    the readings its collation sorts by, and synonyms keyed by language codes."""
    problems = []
    languages = kb.config.languages
    shown = ", ".join(f"'{code}:'" for code in languages)

    def need(key: str, path: tuple, why: str) -> None:
        if key not in kb.ui:  # a key present is in every language (validate checks)
            problems.append(locator.problem(path, f"no interface string {key!r}: {why}",
                                            f"add '{key}:' to guideline_data/ui.yaml with {shown}"))  # fmt: skip

    for name, prefix in NAMED_BY_CONFIG.items():
        for index, value in enumerate(getattr(kb.config, name)):
            need(f"{prefix}.{value}", ("config", name, index), f"it labels {value!r} of kb.yaml '{name}'")
    kinds = set()
    for index, section in enumerate(kb.sections):
        kind = section.id.split("-", 1)[0] if "-" in section.id and not kb.config.native else None
        if kind and kind not in kinds:
            kinds.add(kind)
            need(f"{kind}.number", ("sections", index, "id"), f"it writes the number of a section of kind {kind!r}")
    for code in languages:
        collation = _collation(kb, code)
        if collation is not None and collation not in COLLATIONS:
            problems.append(locator.problem(("ui", "glossary.collation", code),
                                            f"unknown collation {collation!r} for {code!r}",
                                            f"write one of {', '.join(COLLATIONS)}"))  # fmt: skip
        thesaurus = thesaurus_name(kb, code)
        if thesaurus and thesaurus not in thesauri():
            problems.append(locator.problem(("ui", "search.thesaurus", code),
                                            f"no thesaurus {thesaurus!r} for {code!r}",
                                            f"write one of {', '.join(thesauri())}, or \"\" for none"))  # fmt: skip
    reader = reading_language(kb)
    for index, term in enumerate(kb.glossary):
        if reader and term.reading is None:
            problems.append(locator.problem(("glossary", index), f"the term {term.id!r} has no reading",
                                            f"add 'reading:' in hiragana or katakana: the {reader!r} glossary is "
                                            "sorted by reading (ui glossary.collation: kana)"))  # fmt: skip
        elif reader and not kana.KANA.match(term.reading):
            problems.append(locator.problem(("glossary", index, "reading"),
                                            f"the reading {term.reading!r} is not hiragana or katakana",
                                            f"write how the {reader!r} term is read in kana"))  # fmt: skip
    owners = [(("glossary", i), t.synonyms) for i, t in enumerate(kb.glossary)]
    owners += [(("sections", i), s.synonyms) for i, s in enumerate(kb.sections)]
    for path, synonyms in owners:  # in any language: readers of a Japanese site type "2FA" too
        for code in synonyms.languages():
            if not LANGUAGE_CODE.match(code):
                problems.append(locator.problem(path + ("synonyms", code), f"{code!r} is not a language code",
                                                "key synonyms by a BCP 47 code: ja, en, zh-Hant, …"))  # fmt: skip
    return problems
