"""A language's general thesaurus, read at build time: readers type their own words, not the knowledge base's
(あらまし for 概要, 離職者 for 退職者, 必要条件 for 要件), and a reviewed thesaurus of the language knows them.

Which thesaurus a language has is data: the ui string `search.thesaurus` names one of the files vendored in
generator/thesauri/ (`<name>.tsv.gz`, each with its licence and notice, made from its published package by
`make thesaurus`, never edited by hand), or is empty for none; a knowledge base switches it off, or gives a language
of its own none, in its ui.yaml. The Japanese one is SudachiDict's synonym dictionary (Works Applications).

For each word of the site's own vocabulary that leads a group of the thesaurus (Sudachi's expandControl 0; a word
that is only led to, 1, such as ベンダー among the vending machines or 勝手に among 自動's words, is ambiguous and
neither leads nor is led to here), the other words of the group that lead become synonyms in the search box's words
file that lead to the site's word: those of its own sense (spellings, abbreviations, translations: マルウエア), and
those of the group's other senses when the reader's word has NEAR characters or more (離職者 → 退職者, 必要条件 →
要件; a short word has many senses: 自分 is not 自己, 内緒 not 秘密, and led the search box astray on questions). A
word of the site is never redirected (it finds its own pages), a synonym of the knowledge base's own (glossary,
words.yaml) wins, a word of one character is none, nor a phrase the box would keep whole in a sentence (消す, やり方:
the box cuts a query by its synonyms' phrases), and a word not in Latin letters does not lead to a word of the site
in Latin letters (other languages' names of its sections and terms). The file holds only what the build reads, and
the build reads only the groups the site's words lead.
"""

from __future__ import annotations

import bisect
import functools
import gzip
from collections.abc import Iterable

import ahocorasick

from . import schema, search
from .i18n import THESAURI, THESAURUS_SUFFIX, Language, thesaurus_name

LEADS, LED = "", "*"  # a word that leads to the others of its group (expandControl 0); one only led to (1)
NEAR = 3  # a reader's word this long or longer leads to the site's words of its group's other senses too


class Thesaurus:
    """One vendored thesaurus: its groups of words, and which groups each word leads."""

    FORMAT = (
        "Format: this header, then three blocks separated by an empty line. Every word is written as the search",
        "box cuts it: its runs of one script, NFKC-normalised and lower-cased, separated by spaces.",
        "1. the groups, one a line, their words separated by tabs, each '<sense><*> <word>': <sense> is the number",
        "   of its sense in the group (words of one sense are spellings, abbreviations, translations of each other),",
        "   '*' marks a word that does not lead to the others of its group but is led to by them;",
        "2. each word of one run that leads: '<word>\\t<groups>', the groups' lines (from 0) separated by spaces;",
        "3. each word of several runs that leads, by its first run: '<run>\\t<word>:<groups>' (more separated by ';').",
    )

    def __init__(self, data: bytes) -> None:
        """`data`: the file's UTF-8 bytes, read as bytes (only the groups the site's words touch are decoded)."""
        body = data[data.index(b"\n\n") + 2 :] if data.startswith(b"#") else data
        groups, single, several = body.rstrip(b"\n").split(b"\n\n")
        self.groups = groups.split(b"\n")
        self.single = single.split(b"\n")
        self.several = several.split(b"\n")

    @staticmethod
    def write(header: str, groups: list[list[str]]) -> str:
        """The file's text (see FORMAT): `groups` as lines of '<sense><*> <word>' entries."""
        single: dict[str, list[int]] = {}
        several: dict[str, dict[str, list[int]]] = {}
        for number, group in enumerate(groups):
            for entry in group:
                flag, word = entry.split(" ", 1)
                if not flag.endswith(LED) and word:
                    first = word.split(" ")[0]
                    numbers = single.setdefault(word, []) if first == word else several.setdefault(first, {})
                    numbers = numbers if first == word else numbers.setdefault(word, [])
                    if number not in numbers:
                        numbers.append(number)
        lines = [
            "\n".join("\t".join(group) for group in groups),
            "\n".join(f"{word}\t{' '.join(map(str, numbers))}" for word, numbers in sorted(single.items())),
            "\n".join(
                f"{first}\t" + ";".join(f"{word}:{' '.join(map(str, n))}" for word, n in sorted(words.items()))
                for first, words in sorted(several.items())
            ),
        ]
        return header + "\n" + "\n\n".join(lines) + "\n"

    def group(self, number: int) -> list[tuple[str, bool, str]]:
        """A group's words: (sense, leads, word)."""
        words = []
        for entry in self.groups[number].decode("utf-8").split("\t"):
            flag, word = entry.split(" ", 1)
            words.append((flag.rstrip(LED), not flag.endswith(LED), word))
        return words

    def leading(self, site: SiteWords) -> dict[str, list[int]]:
        """Each word of the site that leads a group, and each phrase that begins with a run of the site's (the site
        may not write it) → the groups' numbers."""
        found: dict[str, list[int]] = {}
        for word in site.words | site.parts:
            numbers = _line(self.single, word)
            if numbers and len(word) > 1:
                found[word] = [int(n) for n in numbers.split(" ")]
        for word in site.words:
            for entry in _line(self.several, word).split(";"):
                phrase, _, numbers = entry.partition(":")
                if numbers:
                    found[phrase] = [int(n) for n in numbers.split(" ")]
        return found


def _line(lines: list[bytes], word: str) -> str:
    """What follows `word` and a tab in the sorted `lines`, or ""."""
    key = word.encode("utf-8") + b"\t"
    at = bisect.bisect_left(lines, key)
    return lines[at][len(key) :].decode("utf-8") if at < len(lines) and lines[at].startswith(key) else ""


@functools.cache
def load(name: str) -> Thesaurus:
    return Thesaurus(gzip.decompress((THESAURI / f"{name}{THESAURUS_SUFFIX}").read_bytes()))


class SiteWords:
    """The words of a site, as the search box finds them: a run of the index, a part of a run of kanji (経営層 of
    経営層向け, 終了 of 契約終了後: the index holds each run's tails, and Pagefind finds a word by its beginning), or
    several runs written one after the other (不正プログラム, top management)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = set(words)
        self.parts = set()
        for run in self.words:
            if len(run) > 2 and search.KANJI_RUN.fullmatch(run):
                self.parts.update(run[i:j] for i in range(len(run) - 1) for j in range(i + 2, len(run) + 1))

    def has(self, word: str) -> bool:
        """Whether `word` (runs separated by spaces) is a word of one run of the site's, or written as one (ひな形)."""
        return word in self.words or word in self.parts or word.replace(" ", "") in self.words


def uses(text: str, words: Iterable[str]) -> dict[str, int]:
    """How often `text` (normalised) writes each word (runs separated by spaces: as written, 不正プログラム, top
    management), in one pass (Aho-Corasick)."""
    counts = dict.fromkeys(words, 0)
    if counts:
        automaton = ahocorasick.Automaton()
        for word in counts:
            automaton.add_word(as_written(word), word)
        automaton.make_automaton()
        for _, word in automaton.iter(text):
            counts[word] += 1
    return counts


def synonyms(
    kb: schema.KnowledgeBase, language: Language, words: Iterable[str], texts: Iterable[str], taken: dict
) -> dict[str, list[str]]:
    """The words file's `thesaurus`: each word of a group that one of the site's words leads → those site words, the
    ones of its sense first, then the one the site writes most. `words`: the index's words; `texts`: the site's
    texts; `taken`: the synonyms the knowledge base has already (they win)."""
    name = thesaurus_name(kb, language.code)
    if not name:
        return {}
    thesaurus = load(name)
    site = SiteWords(words)
    readers: dict[int, tuple[dict[str, str], list[tuple[str, str, int]]]] = {}
    found: dict[str, dict[str, bool]] = {}  # a reader's word → the site's words it leads to: of its sense?
    for target, numbers in thesaurus.leading(site).items():
        latin = target.isascii()  # (a word as the box cuts it is in Latin letters if it is ASCII: a-z, 0-9)
        for number in numbers:
            if number not in readers:
                readers[number] = _readers(thesaurus.group(number), site, taken)
            senses, typed = readers[number]
            sense = senses[target]
            for other, word, letters in typed:
                # (a short word has many senses: 自分, 内緒 are not 自己, 秘密; an other language's word is no reader's)
                if word == target or (other != sense and letters < NEAR) or (latin and not word.isascii()):
                    continue
                targets = found.setdefault(word, {})
                targets[target] = targets.get(target, False) or other == sense
    # The phrases the site writes (a reader's word that it writes is its own; a site's phrase that it does not write
    # leads nowhere), and of several words a reader's word leads to, the one the site writes most after those of
    # its sense.
    asked = {word for word in found if " " in word}
    asked |= {target for targets in found.values() if len(targets) > 1 for target in targets}
    asked |= {target for targets in found.values() for target in targets if " " in target}
    counts = uses(search.normalise("\n".join(texts)), asked)
    related = {}
    for word, targets in sorted(found.items()):
        kept = [t for t in targets if " " not in t or counts[t]]
        if kept and not counts.get(word):
            kept.sort(key=lambda t: (not targets[t], -counts.get(t, 0), t))
            related[word] = list(dict.fromkeys(as_written(t) for t in kept))
    return related


def _readers(group: list[tuple[str, bool, str]], site: SiteWords, taken: dict) -> tuple[dict, list]:
    """A group's words that lead, by their sense; and those a reader may type for them: (sense, word, letters). Not
    a word that leads nowhere (ambiguous typed alone: 勝手に, 大事 lead to 自動, 重要), one of the site's (it finds its
    own pages), one the knowledge base has as a synonym (it wins), one of one character, nor a phrase the box keeps
    whole in a sentence (消す, やり方: it would cut sentences anew by it)."""
    senses = {word: sense for sense, leads, word in group if leads}
    typed = []
    for word, sense in senses.items():
        letters = len(word) - word.count(" ")
        if letters > 1 and word not in taken and not site.has(word) and not (" " in word and search._phrase(word)):
            typed.append((sense, word, letters))
    return senses, typed


def as_written(word: str) -> str:
    """A word of runs separated by spaces as a text writes it: 不正プログラム, top management."""
    return word if word.isascii() else word.replace(" ", "")
