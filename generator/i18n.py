"""Languages as data: the site's languages, their interface strings, and their dates (ui strings date.*; the
Japanese era, 和暦, computed here as a calendar, written as ja's strings say: 令和7年（2025年）10月1日)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import schema
from .errors import DataError, Problem

# Era start dates of the Japanese calendar; a date is in the latest era that began on or before it.
ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
)


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
        return getattr(text, self.fallback(text) or self.code)

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
