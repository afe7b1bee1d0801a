"""Which everyday words (words.yaml) a page's text uses (search.everyday_words, its kb_related): a word in Latin
letters as a whole word or its plural, a word of several as the same words in a row, any other as a part of a run."""

import pytest

from generator import search
from generator.i18n import Language

CASES = [
    ("en", "Report to the board.", "executive management", True),
    ("en", "The boards approve it.", "executive management", True),
    ("en", "Open the dashboard.", "executive management", False),  # not a whole word
    ("en", "The Board, then the CEO.", "executive management", True),  # any case, beside signs
    ("en", "Ask two outsourcing partners.", "contractor", True),  # several words, the last one plural
    ("en", "An outsourcing partnership.", "contractor", False),
    ("en", "Partner in outsourcing.", "contractor", False),  # the words, not in a row
    ("en", "Our security officers.", "セキュリティ責任者", True),
    ("ja", "経営層向けの説明", "社長", True),  # a part of a run
    ("ja", "経営の層", "社長", False),
    ("ja", "CISOへの報告", "最高情報セキュリティ責任者", True),  # a word in Latin letters on the Japanese site
    ("ja", "ＣＩＳＯｓへの報告", "最高情報セキュリティ責任者", True),
    ("ja", "XCISOへの報告", "最高情報セキュリティ責任者", False),
]


@pytest.mark.parametrize(("code", "text", "member", "found"), CASES)
def test_a_text_uses_an_everyday_word_as_a_whole_word(linked, code, text, member, found):
    language = Language.of(linked.kb, code)
    assert (member in search.everyday_words(linked, language, text)) is found
