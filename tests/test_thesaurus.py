"""The language's general thesaurus (generator/thesaurus.py): the vendored file as the module reads it, the refresh
script that makes it from its npm package, the words file's synonyms it adds, and a reader's word that the text never
uses finding the page in the real search box."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from generator import search, thesaurus
from generator.build import load_knowledge_base
from generator.errors import DataError
from generator.i18n import THESAURI, Language

from .conftest import PROJECT, example_site
from .search_box import open_search, paths, typed

FIXTURE = PROJECT / "tests" / "fixtures" / "kb" / "guideline_data"
OFF = 'search.thesaurus: {ja: "", en: ""}'  # a knowledge base's ui.yaml switching it off


def words_of(linked, code: str = "ja") -> dict:
    return json.loads(gzip.decompress(search.words_file(linked, Language.of(linked.kb, code))))


def with_ui(tmp_path: Path, line: str, source: Path = FIXTURE) -> Path:
    """A copy of a knowledge base's data (the fixture's) whose ui.yaml ends with `line`."""
    data = shutil.copytree(source, tmp_path / "guideline_data")
    ui = data / "ui.yaml"
    ui.write_text(ui.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    return data


def test_the_vendored_thesaurus_says_what_it_is_made_from_and_is_read_by_the_module():
    text = gzip.decompress((THESAURI / "sudachi.tsv.gz").read_bytes()).decode("utf-8")
    assert text.splitlines()[:3] == [
        "# sudachi: SudachiDict's synonym dictionary (Works Applications Co., Ltd., Apache License 2.0),",
        "# from the npm package sudachi-synonyms-dictionary 18.0.0; see sudachi.NOTICE and sudachi.LICENSE.",
        "# Made by `make thesaurus` (benchmarks/refresh_thesaurus.py): never edited by hand.",
    ]
    assert "Apache License" in (THESAURI / "sudachi.LICENSE").read_text(encoding="utf-8")
    assert "Works Applications" in (THESAURI / "sudachi.NOTICE").read_text(encoding="utf-8")
    loaded = thesaurus.load("sudachi")
    [number] = [int(n) for n in thesaurus._line(loaded.single, "退職者").split()]
    assert [word for _, _, word in loaded.group(number)] == ["退職者", "離職者"]
    # a word of several runs, found by its first (不正プログラム, as the box cuts it)
    assert "不正 プログラム:" in thesaurus._line(loaded.several, "不正")


def test_the_refresh_script_makes_the_thesaurus_from_the_npm_package(tmp_path):
    """What `make thesaurus` runs on the unpacked package: the words and their flags kept, the words never expanded
    (expandControl 2) and a word the box cannot read as typed (résumé) left out, the licence and a notice beside."""
    from benchmarks.refresh_thesaurus import refresh

    package = tmp_path / "package"
    package.mkdir()
    (package / "package.json").write_text(json.dumps({"name": "sudachi-synonyms-dictionary", "version": "9.9.9"}))
    (package / "LICENSE").write_text("Apache License, Version 2.0\n")

    def item(word, expand=0, sense=1):
        return {"taigenYogen": "体言", "expandControl": expand, "vocabularyNumber": sense, "midashi": word}

    groups = [
        {"id": "1", "items": [item("退職者"), item("離職者", sense=2), item("退社者", expand=2, sense=3)]},
        {"id": "2", "items": [item("マルウェア"), item("不正プログラム", sense=3), item("résumé", sense=4)]},
        {"id": "3", "items": [item("ベンダー"), item("自動販売機", expand=1, sense=2)]},
        {"id": "4", "items": [item("一人"), item("ひとり", expand=2)]},  # one word left: no group
    ]
    (package / "sudachi-synonyms-dictionary.json").write_text(json.dumps(groups, ensure_ascii=False))
    written = refresh(package, tmp_path / "thesauri")
    made = thesaurus.Thesaurus(gzip.decompress(written.read_bytes()))
    assert [made.group(n) for n in range(len(made.groups))] == [
        [("1", True, "退職者"), ("2", True, "離職者")],
        [("1", True, "マルウェア"), ("3", True, "不正 プログラム")],
        [("1", True, "ベンダー"), ("2", False, "自動販売機")],
    ]
    assert [thesaurus._line(made.single, w) for w in ("退職者", "マルウェア", "ベンダー", "自動販売機")] == [
        "0", "1", "2", ""]  # fmt: skip
    assert thesaurus._line(made.several, "不正") == "不正 プログラム:1"
    assert (tmp_path / "thesauri" / "sudachi.LICENSE").read_text() == "Apache License, Version 2.0\n"
    assert "sudachi-synonyms-dictionary 9.9.9" in (tmp_path / "thesauri" / "sudachi.NOTICE").read_text()


def test_readers_words_lead_to_the_sites_words_and_never_redirect_them(linked, tmp_path):
    """離職者 (no page says it) leads to 退職者; 人事異動, a word of the site in the group 異動 leads, stays itself;
    the knowledge base's own synonyms (glossary, words.yaml) and the index's words are as they were; no word of one
    character, none that the box would keep whole in a sentence (消す)."""
    on = words_of(linked)
    off = words_of(load_knowledge_base(with_ui(tmp_path, OFF, PROJECT / "guideline_data")))
    assert off["thesaurus"] == {}
    related = on["thesaurus"]
    assert related["離職者"] == ["退職者"]
    assert related["必要条件"] == ["要件"]
    assert "人事異動" in on["words"] and "人事異動" not in related
    assert "消す" not in related and "消 す" not in related
    assert on["synonyms"] == off["synonyms"]
    assert not [key for key in related if key in on["words"] or len(key.replace(" ", "")) < 2 or key in on["synonyms"]]
    # the index's words: the thesaurus' are none of them; the setting's value is a ui string, read as one (as
    # glossary.collation's)
    assert set(on["words"]) ^ set(off["words"]) == {"sudachi"}


def test_a_knowledge_base_in_another_language_has_none(tmp_path_factory):
    """An English knowledge base: English has no thesaurus (the setting's default is empty), so its words file has
    none."""
    site = example_site(tmp_path_factory, "en-demo")
    written = json.loads(gzip.decompress((site / "assets" / "search-words.json.gz").read_bytes()))
    assert written["thesaurus"] == {}
    assert written["synonyms"]  # (its own synonyms are there)


def test_a_setting_that_names_no_thesaurus_is_refused_with_its_fix(tmp_path):
    data = with_ui(tmp_path, 'search.thesaurus: {ja: wordnet, en: ""}')
    line = (data / "ui.yaml").read_text(encoding="utf-8").count("\n")
    with pytest.raises(DataError) as error:
        load_knowledge_base(data)
    assert str(error.value).splitlines()[1:] == [
        f"guideline_data/ui.yaml:{line}: search.thesaurus.ja: no thesaurus 'wordnet' for 'ja'",
        '    fix: write one of sudachi, or "" for none',
    ]


# ---------------------------------------------------------------- in the real search box


@pytest.fixture
def page(shared_page):
    return shared_page


@pytest.mark.browser
def test_a_readers_word_the_text_never_uses_finds_the_page_in_the_search_box(page, server, site):
    """離職者 is written on no page; the box leads it to 退職者, and the first page found says 退職者."""
    assert not [page for page in site.rglob("*.html") if "離職者" in page.read_text(encoding="utf-8")]
    open_search(page, server)
    first = paths(server, typed(page, "離職者"))[0]
    assert "退職者" in (site / first / "index.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_a_word_of_the_site_finds_its_own_pages_not_its_synonyms(page, server, site):
    """人事異動 is in a group that 異動 (also a word of the site) leads: typed, it finds the pages that say 人事異動."""
    open_search(page, server)
    found = paths(server, typed(page, "人事異動"))
    assert found and all("人事異動" in (site / path / "index.html").read_text(encoding="utf-8") for path in found[:3])
