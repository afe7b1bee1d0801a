"""Languages as data: the site's languages, their interface strings, and Japanese dates (和暦 with 西暦)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import schema
from .errors import DataError, Problem

# Era start dates; a date is written in the latest era that began on or before it.
ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
)
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")  # fmt: skip


@dataclass(frozen=True)
class Language:
    code: str
    strings: dict[str, schema.UiString]
    root: str  # the knowledge base's first language, served at the site root (kb.yaml `languages`)

    @classmethod
    def all(cls, kb: schema.KnowledgeBase) -> list[Language]:
        """The knowledge base's languages in order, the root language first."""
        return [cls(code, kb.ui, kb.config.languages[0]) for code in kb.config.languages]

    @classmethod
    def of(cls, kb: schema.KnowledgeBase, code: str) -> Language:
        return cls(code, kb.ui, kb.config.languages[0])

    @property
    def is_default(self) -> bool:
        return self.code == self.root

    @property
    def site_prefix(self) -> str:
        """Where this language's site lives below the site root: "" for the root language, else "<code>/"."""
        return "" if self.is_default else f"{self.code}/"

    def t(self, key: str) -> str:
        """The interface string `key` in this language; a missing key is a data error, not a blank."""
        try:
            return getattr(self.strings[key], self.code)
        except KeyError:
            raise DataError(
                [
                    Problem(
                        "guideline_data/ui.yaml", None, f"no interface string {key!r}", f"add '{key}:' with ja and en"
                    )
                ]
            ) from None

    def section_number(self, section_id: str) -> str:
        """'1.2.3', '別紙1.' / 'Annex 1.' (ui string <kind>.number), or '' for an unnumbered section."""
        if section_id[0].isdigit():
            return section_id
        if "-" in section_id:  # a lettered kind: its number as the ui string "<kind>.number" writes it
            kind, number = section_id.split("-", 1)
            return self.t(f"{kind}.number").format(n=number.upper())
        return ""

    def section_title(self, section: schema.Section) -> str:
        number = self.section_number(section.id)
        return f"{number} {self.text(section.title)}" if number else self.text(section.title)

    def fallback(self, text: schema.Text) -> str | None:
        """The language an organisation's text is shown in when it is not written in this one (None: it is)."""
        languages = text.languages()
        return None if self.code in languages else languages[0]

    def text(self, text: schema.Text) -> str:
        """The text in this language. The knowledge base's texts are in every language (validate checks); only an
        organisation's may lack one, and is then shown in the first it is written in."""
        return getattr(text, self.fallback(text) or self.code)

    def date(self, value: dt.date, precision: str = "day") -> str:
        return japanese_date(value, precision) if self.code == "ja" else english_date(value, precision)


def japanese_date(value: dt.date, precision: str = "day") -> str:
    """令和7年（2025年）4月1日: the era year first, as Japanese readers expect, with the Western year beside it."""
    for start, era in ERAS:
        if value >= start:
            year = value.year - start.year + 1
            era_year = "元" if year == 1 else str(year)
            text = f"{era}{era_year}年（{value.year}年）"
            break
    else:
        text = f"{value.year}年"
    if precision in ("month", "day"):
        text += f"{value.month}月"
    if precision == "day":
        text += f"{value.day}日"
    return text


def english_date(value: dt.date, precision: str = "day") -> str:
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return f"{MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
