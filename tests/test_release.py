"""`release`: the site as one versioned zip (README in the site's languages, checksums, edition, build date,
generator version), the same bytes from the same data, wherever and whenever it is built."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from generator import __version__
from generator.build import load_knowledge_base
from generator.cli import main

from .helpers import FIXTURE_DATA


def released(folder: Path, *extra: str) -> Path:
    """The fixture knowledge base copied into `folder` and released with the command line; the zip."""
    shutil.copytree(FIXTURE_DATA, folder / "guideline_data")
    assert main(["release", "--data", str(folder / "guideline_data"), *extra]) == 0
    (found,) = (folder / "release").glob("*.zip")
    return found


@pytest.fixture(scope="module")
def undated(tmp_path_factory) -> Path:
    """The fixture knowledge base released without SOURCE_DATE_EPOCH set, once for the tests that only read it."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        return released(tmp_path_factory.mktemp("undated"))


def test_the_same_data_gives_the_same_zip_built_twice_apart(undated, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = undated
    second = released(tmp_path / "two" / "elsewhere")  # another folder, another build folder, later
    assert first.read_bytes() == second.read_bytes()
    kb = load_knowledge_base(FIXTURE_DATA).kb
    assert first.name == f"{kb.config.slug}-{kb.version}.zip"
    assert f"release: {second}" in capsys.readouterr().out


def test_the_zip_holds_the_site_its_checksums_and_what_it_is(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    archive = zipfile.ZipFile(released(tmp_path))
    kb = load_knowledge_base(FIXTURE_DATA).kb
    top = f"{kb.config.slug}-{kb.version}/"
    names = archive.namelist()
    assert names == sorted(names) and all(name.startswith(top) for name in names)
    assert {info.date_time for info in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    assert top + "site/index.html" in names and top + "site/kb-offline/pagefind/pagefind.js.js" in names
    assert not [name for name in names if name.endswith(".kb-site")]
    sums = archive.read(top + "SHA256SUMS").decode("utf-8").splitlines()
    assert len(sums) == len(names) - 1  # every file but the sums themselves
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(top + name)).hexdigest() == digest, name
    info = yaml.safe_load(io.StringIO(archive.read(top + "RELEASE.txt").decode("utf-8")))
    assert info["version"] == kb.version and info["generator"] == __version__
    assert str(info["build_date"]) == "2026-01-01"
    assert info["languages"] == ", ".join(kb.config.languages)
    for code in kb.config.languages:
        assert info[f"edition.{code}"] == getattr(kb.document.edition, code)
    readme = archive.read(top + "README.txt").decode("utf-8")
    ui = yaml.safe_load((Path(__file__).parent.parent / "generator/defaults/ui.yaml").read_text(encoding="utf-8"))
    for code in kb.config.languages:  # how to open it from a folder or a server, in each language of the site
        page = "site/index.html" if code == kb.config.languages[0] else f"site/{code}/index.html"
        assert ui["release.folder.body"][code].replace("{page}", page) in readme
        assert ui["release.server.body"][code] in readme
        assert getattr(kb.document.title, code) in readme


def test_without_a_date_set_the_build_date_is_the_datas_own(undated):
    archive = zipfile.ZipFile(undated)
    date = load_knowledge_base(FIXTURE_DATA).kb.changelog[0].date
    assert {info.date_time[:3] for info in archive.infolist()} == {(date.year, date.month, date.day)}


def test_a_release_of_broken_data_writes_nothing(tmp_path, capsys):
    shutil.copytree(FIXTURE_DATA, tmp_path / "guideline_data")
    (tmp_path / "guideline_data" / "kb.yaml").write_text("slug: [\n", encoding="utf-8")
    assert main(["release", "--data", str(tmp_path / "guideline_data")]) == 1
    assert f"The build stopped; {tmp_path / 'site'}/ was left as it was." in capsys.readouterr().err
    assert not (tmp_path / "release").exists()
    assert not (tmp_path / "site").exists()
