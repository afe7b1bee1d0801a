"""The search index of a build: each language indexed by a Pagefind service of its own as soon as its process ends,
while the others are still built, and the languages' bundles merged into the site's one (search_index, publish)."""

from __future__ import annotations

import json
import random
import shutil
import string
import time
from pathlib import Path

import pytest

from generator.errors import DataError
from generator.parallel import cores, in_parallel
from generator.publish import Publication
from generator.reproducible import steady_index
from generator.search_index import SearchIndex, index_search, merge_bundles

from .page_kinds import LANGUAGES


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def whole_site_index(site: Path, into: Path) -> dict[str, bytes]:
    """The bundle Pagefind's command line makes of `site`'s pages all at once (a copy without its search files)."""
    shutil.copytree(site, into, ignore=shutil.ignore_patterns("pagefind", "kb-offline"))
    index_search(into)
    steady_index(into / "pagefind")
    return files_of(into / "pagefind")


@pytest.fixture
def search():
    service = SearchIndex()
    yield service
    service.close()


def test_each_language_indexed_as_its_build_ends_gives_the_whole_sites_index_whatever_order_they_end_in(
    built, tmp_path, search
):
    """The session's languages put together in the other order than the build's (the last language first): the first
    to come in is indexed before the next is in, and the merged bundle is the session site's, file for file, and the
    one Pagefind's command line makes of the whole site at once."""
    paths, _ = built
    search.warm({code: code for code in LANGUAGES})
    publication = Publication(list(LANGUAGES), tmp_path / "site", search)
    first, *others = reversed(LANGUAGES)
    publication.add(first, paths.build / first / "mkdocs.yml")
    publication.indexing[first].result(timeout=120)  # indexed with no other language in yet
    assert json.loads((publication.bundles / first / "pagefind-entry.json").read_text())["languages"].keys() == {first}
    for code in others:
        publication.add(code, paths.build / code / "mkdocs.yml")
    publication.finish()
    merged = files_of(tmp_path / "site" / "pagefind")
    assert merged == files_of(paths.site / "pagefind")
    assert merged == whole_site_index(paths.site, tmp_path / "whole")
    assert json.loads(merged["pagefind-entry.json"])["languages"].keys() == set(LANGUAGES)
    assert not publication.bundles.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["site", "whole"]


def built_languages(folder: Path, pages: dict[str, dict[str, str]]) -> dict[str, Path]:
    """Languages' built folders as MkDocs leaves them (build/<code>/site beside its mkdocs.yml), of `pages`: by
    language, each page's path and HTML."""
    configs = {}
    for code, own in pages.items():
        configs[code] = folder / code / "mkdocs.yml"
        for path, html in own.items():
            (folder / code / "site" / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / code / "site" / path).write_text(html, encoding="utf-8")
    return configs


def page(lang: str | None, text: str) -> str:
    attribute = f' lang="{lang}"' if lang else ""
    return f"<!doctype html><html{attribute}><head><title>{text}</title></head><body><p>{text}</p></body></html>"


def publish(configs: dict[str, Path], site: Path, search: SearchIndex) -> None:
    publication = Publication(list(configs), site, search)
    for code, config in configs.items():
        publication.add(code, config)
    publication.finish()


def test_pages_of_one_language_in_two_languages_folders_are_indexed_as_one_site(tmp_path, search):
    """An English page in the Japanese site's folder (a file of a knowledge base's own theme): both languages' bundles
    would hold an English index, and one index must hold every English page: the whole site is indexed then."""
    configs = built_languages(tmp_path / "build", {
        "ja": {"index.html": page("ja", "監査の記録"), "leaflet.html": page("en", "printed leaflet")},
        "en": {"index.html": page("en", "audit records")},
    })  # fmt: skip
    publish(configs, tmp_path / "site", search)
    entry = json.loads((tmp_path / "site" / "pagefind" / "pagefind-entry.json").read_text())
    assert {code: language["page_count"] for code, language in entry["languages"].items()} == {"en": 2, "ja": 1}
    assert files_of(tmp_path / "site" / "pagefind") == whole_site_index(tmp_path / "site", tmp_path / "whole")


def test_a_page_without_a_language_is_searched_in_its_folders_language(tmp_path, search):
    """Pagefind gives a page without <html lang> the language of the most pages of what it reads: each language's
    folder, here (the whole site, it would give both to one language)."""
    configs = built_languages(tmp_path / "build", {
        "ja": {"index.html": page("ja", "監査の記録"), "extra.html": page(None, "別紙")},
        "en": {"index.html": page("en", "audit records"), "extra.html": page(None, "annex")},
    })  # fmt: skip
    publish(configs, tmp_path / "site", search)
    entry = json.loads((tmp_path / "site" / "pagefind" / "pagefind-entry.json").read_text())
    assert {code: language["page_count"] for code, language in entry["languages"].items()} == {"en": 2, "ja": 2}


def test_an_index_larger_than_the_services_pipe_is_written_whole(tmp_path, search):
    """A language's files come from the service in one answer (Pagefind's write_files answers before its files are
    whole): an answer over the 2 MiB its package reads at most, as a catalog's is, is read whole, and the bundle is
    the one the command line writes."""
    words = random.Random(7)
    text = lambda: " ".join("".join(words.choices(string.ascii_lowercase, k=8)) for _ in range(400))  # noqa: E731
    configs = built_languages(tmp_path / "build", {
        "en": {f"p{number}/index.html": page("en", text()) for number in range(500)},
    })  # fmt: skip
    publish(configs, tmp_path / "site", search)
    files = files_of(tmp_path / "site" / "pagefind")
    assert sum(map(len, files.values())) * 4 / 3 > 2**21
    assert files == whole_site_index(tmp_path / "site", tmp_path / "whole")


def test_a_language_whose_service_failed_is_indexed_by_the_command_line_and_the_next_build_by_a_new_service(
    tmp_path, search
):
    configs = built_languages(tmp_path / "build", {
        "ja": {"index.html": page("ja", "監査の記録")}, "en": {"index.html": page("en", "audit records")}
    })  # fmt: skip
    search.warm({"ja": "監査", "en": "audit"})
    second = search._of["en"]
    second._service.result(timeout=60)._backend.kill()
    publish(configs, tmp_path / "site", search)
    expected = whole_site_index(tmp_path / "site", tmp_path / "whole")
    assert files_of(tmp_path / "site" / "pagefind") == expected
    assert search._of["en"] is not second and search._of["ja"] in search._services
    publish(configs, tmp_path / "again", search)
    assert files_of(tmp_path / "again" / "pagefind") == expected


def test_two_languages_are_indexed_by_two_services_on_two_cores_and_by_one_on_one(monkeypatch):
    for count, services in ((1, 1), (2, 2), (8, 2)):
        monkeypatch.setattr("generator.search_index.cores", lambda count=count: count)
        search = SearchIndex()
        try:
            search.warm({"ja": "監査", "en": "audit"})
            assert len({id(search._of[code]) for code in ("ja", "en")}) == len(search._services) == services
        finally:
            search.close()


def bundle(folder: Path, languages: dict, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    entry = {"version": "1.5.2", "languages": languages, "include_characters": ["_"]}
    (folder / "pagefind-entry.json").write_text(json.dumps(entry), encoding="utf-8")
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_two_bundles_whose_files_of_one_name_differ_are_not_merged(tmp_path):
    ja = bundle(tmp_path / "ja", {"ja": {"hash": "ja_1"}}, {"pagefind.js": b"one", "index/ja_1.pf_index": b"x"})
    en = bundle(tmp_path / "en", {"en": {"hash": "en_1"}}, {"pagefind.js": b"two", "index/en_1.pf_index": b"y"})
    with pytest.raises(DataError) as raised:
        merge_bundles({"ja": ja, "en": en}, tmp_path / "merged")
    (problem,) = raised.value.problems
    assert (problem.file, problem.message, problem.fix) == (
        str(en / "pagefind.js"),
        "Pagefind wrote this file of the en pages' search index differently for the ja pages': the languages' "
        "indexes cannot be put together into one",
        "install the pagefind version that pyproject.toml names, and build again",
    )


def test_each_job_is_told_as_soon_as_it_ends_while_the_others_still_run(tmp_path):
    """The second job ends at once; the first waits for what being told of the second does (a file written here)."""
    if cores() < 2:
        pytest.skip("one core: the jobs run one after the other")
    told = tmp_path / "told"

    def waits() -> str:
        deadline = time.monotonic() + 120
        while not told.exists():
            assert time.monotonic() < deadline, "never told of the second job while the first ran"
            time.sleep(0.01)
        return "first"

    order = []

    def on_done(number, result):
        order.append((number, result))
        told.write_text(result)

    assert in_parallel([waits, lambda: "second"], on_done=on_done) == ["first", "second"]
    assert order == [(1, "second"), (0, "first")]
