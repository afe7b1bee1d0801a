"""Japanese collation for the glossary: 50音 order by reading, grouped by the row (行) of the first kana."""

from __future__ import annotations

import re
import unicodedata

KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u309d\u309e\u30fd\u30fe ・ー]+$")  # a reading

ROWS = ("あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ")
ROW_ANCHORS = ("a", "ka", "sa", "ta", "na", "ha", "ma", "ya", "ra", "wa")
SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
ROW_OF = {
    kana: row
    for row, members in zip(
        ROWS,
        (
            "あいうえお",
            "かきくけこ",
            "さしすせそ",
            "たちつてと",
            "なにぬねの",
            "はひふへほ",
            "まみむめも",
            "やゆよ",
            "らりるれろ",
            "わをん",
        ),
        strict=True,
    )  # fmt: skip
    for kana in members
}


def to_hiragana(text: str) -> str:
    """Katakana to hiragana, full width; the long-vowel mark ー is kept."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def base_kana(char: str) -> str:
    """が → か, ぱ → は, ゃ → や: the letter that decides the 50音 position."""
    return unicodedata.normalize("NFD", char)[0].translate(SMALL)


def sort_key(reading: str) -> tuple:
    """Gojūon order: the unvoiced letters first, then voicing, as Japanese dictionaries sort."""
    hira = to_hiragana(reading).replace("ー", "")
    return (tuple(base_kana(c) for c in hira), hira)


def row_of(reading: str) -> str:
    first = base_kana(to_hiragana(reading)[0])
    return ROW_OF.get(first, ROWS[-1])
