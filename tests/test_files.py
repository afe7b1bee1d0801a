"""files.py: the one way the generator replaces a file that others may be reading."""

from __future__ import annotations

import stat

import pytest

from generator.files import write_atomically


def test_a_file_is_replaced_whole_with_the_permissions_of_any_new_file(tmp_path):
    target = tmp_path / "index.html"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    other = tmp_path / "other.html"
    other.write_bytes(b"")  # made as any program makes a file: what a web server's account can read
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(other.stat().st_mode) != 0o600
    other.unlink()
    assert [path.name for path in tmp_path.iterdir()] == ["index.html"]


def test_a_replacement_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "page"
    target.mkdir()  # a folder where the file should go: the rename fails
    (target / "kept").write_text("kept")
    with pytest.raises(IsADirectoryError):
        write_atomically(target, b"new")
    assert (target / "kept").read_text() == "kept"
    assert [path.name for path in tmp_path.iterdir()] == ["page"]
