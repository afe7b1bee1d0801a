"""Helpers for the tests: a private copy of the real data to break."""

import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "guideline_data"
    shutil.copytree(PROJECT / "guideline_data", target)
    return target
