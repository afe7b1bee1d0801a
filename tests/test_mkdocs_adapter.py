"""The MkDocs adapter: the versions of MkDocs and Material it was written for are checked before anything is touched."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from generator.mkdocs_adapter import WRITTEN_FOR, check_versions, version_problems

from .conftest import PROJECT
from .helpers import copy_fixture

FIX = "install the versions it was written for: python -m pip install 'mkdocs~=1.6.1' 'mkdocs-material~=9.8.2'"


def test_the_installed_versions_are_the_ones_it_was_written_for():
    check_versions()  # raises when they are not
    assert version_problems({"mkdocs": "1.6.3", "mkdocs-material": "9.8.9"}) == []


def test_another_version_is_named_with_the_one_expected_and_the_fix():
    problems = version_problems({"mkdocs": "1.7.0", "mkdocs-material": None})
    assert [(p.file, p.line, p.message, p.fix) for p in problems] == [
        (sys.prefix, None, "MkDocs 1.7.0 is installed; the build was written for MkDocs 1.6.1 (or a later 1.6) and "
         "uses its private _populate_page, config._current_page and theme.get_env", FIX),
        (sys.prefix, None, "Material for MkDocs is not installed; the build was written for Material for MkDocs 9.8.2 "
         "(or a later 9.8) and uses its templates' blocks and partials", FIX),
    ]  # fmt: skip
    assert version_problems({"mkdocs": "1.6.0", "mkdocs-material": "9.8.2"})[0].message.startswith("MkDocs 1.6.0 is")


def test_pyproject_asks_for_the_same_versions():
    wanted = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert {f"{name}~={version}" for name, (_, version, _) in WRITTEN_FOR.items()} <= set(wanted)


def test_a_build_with_another_mkdocs_stops_before_it_touches_anything(tmp_path):
    """A real MkDocs with an older version's metadata found first, as a second install beside it would be."""
    fake = tmp_path / "older"
    (fake / "mkdocs-1.5.3.dist-info").mkdir(parents=True)
    (fake / "mkdocs-1.5.3.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: mkdocs\nVersion: 1.5.3\n")
    data = copy_fixture(tmp_path / "kb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(PROJECT)])}
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"1 problem in the data:\n{sys.prefix}: MkDocs 1.5.3 is installed; the build was written for MkDocs 1.6.1 "
        "(or a later 1.6) and uses its private _populate_page, config._current_page and theme.get_env\n"
        f"    fix: {FIX}\nThe build stopped; kb/site/ was left as it was.\n"
    )
    assert sorted(p.name for p in (tmp_path / "kb").iterdir()) == ["guideline_data"]  # no build/, no site/
