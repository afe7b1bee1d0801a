"""The readings of the words file (search._reading) are the ones pykakasi's converter gives, read by its dictionary
without the converter's per-call work: the same hiragana for every kanji run of the guideline and of its kanji, and
for the runs where the converter's rule has its corners."""

import gzip
import json

import pykakasi
import pytest

from generator import search
from generator.i18n import Language
from generator.walk import texts

CORNERS = [
    "情報処理推進機構",  # the longest word of the dictionary at each kanji
    "重要インフラ",  # (kana: read by the converter itself)
    "色",  # a reading with a condition on the segment before it (そん), which no kanji meets
    "原色",
    "人々",  # 々 inside a word of the dictionary
    "情報々",  # 々 the converter takes for a symbol
    "〇〇年〇〇月",
    "﨑山",  # a compatibility ideograph NFKC keeps
    "㐂情報",  # a variant kanji (itaiji) read as its standard one (喜)
    "情丂報告",  # a kanji the dictionary lacks: read as nothing, and the character after it skipped
    "情髙橋報告",  # (one it has words for, none of them this one)
    "丂々",
    "湿婆",  # a reading with a sound mark that is no hiragana
]


def converted(run: str) -> str:
    return "".join(part["hira"] for part in pykakasi.kakasi().convert(run))


@pytest.mark.parametrize("run", CORNERS)
def test_a_corner_of_the_converters_rule_reads_as_the_converter_reads_it(run):
    assert search._reading(run) == converted(run)


def test_every_kanji_run_and_kanji_of_the_guideline_reads_as_the_converter_reads_it(linked):
    japanese = Language.of(linked.kb, "ja")
    every = [japanese.text(text) for _, text in texts(linked.kb)]
    runs = {run for text in every for run in search.KANJI_RUN.findall(search.normalise(text))}
    runs |= {char for run in runs for char in run}
    assert len(runs) > 2000
    differ = [run for run in sorted(runs) if search._reading(run) != converted(run)]
    assert differ == []


def test_the_japanese_words_files_readings_are_the_converters(site):
    words = json.loads(gzip.decompress((site / "assets" / "search-words.json.gz").read_bytes()))
    assert len(words["readings"]) > 1000 and len(words["kanji"]) > 500
    for reading, runs in words["readings"].items():
        assert all(converted(run) == reading for run in runs), reading
    assert all(converted(char) == reading for char, reading in words["kanji"].items())
