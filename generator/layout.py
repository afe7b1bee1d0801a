"""Where a build's things are (the project, its data, the build and site folders, the overlay) and every input a
build reads. Light on purpose: the command line finds out whether anything changed before it imports the stages."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

# What every knowledge base starts from, shipped inside the package: mkdocs.yml, overrides/, docs/assets/ (and ui.yaml).
# A knowledge base's own files of the same names are laid over them.
DEFAULTS = Path(__file__).resolve().parent / "defaults"
THEME_INPUTS = ("overrides", "docs", "mkdocs.yml")  # in the project and in the generator's defaults


@dataclass
class Paths:
    project: Path  # the knowledge base's folder: its data and, if it brings them, mkdocs.yml, overrides/, docs/assets/
    data: Path
    build: Path
    site: Path
    defaults: Path = DEFAULTS
    overlay: Path | None = None  # the organisation's own layer (--overlay, else kb.yaml `overlay`)

    @classmethod
    def of(cls, project: Path | None = None, site: Path | None = None, data: Path | None = None,
           overlay: Path | None = None) -> Paths:  # fmt: skip
        """`--data DIR` alone: the knowledge base's folder is the one that holds DIR; its site goes beside it."""
        project = (project or (data.parent if data else Path.cwd())).resolve()
        data = (data or project / "guideline_data").resolve()
        site = (site or project / "site").resolve()
        return cls(project, data, project / "build", site, overlay=overlay.resolve() if overlay else None)


def named_overlay(paths: Paths) -> Path | None:
    """The overlay folder kb.yaml names (`overlay:`, relative to the project), or None; a kb.yaml that cannot be read
    names none here (the build says what is wrong with it)."""
    try:
        config = yaml.load((paths.data / "kb.yaml").read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError, ValueError):
        return None
    named = config.get("overlay") if isinstance(config, dict) else None
    return paths.project / named if isinstance(named, str) and named else None


def input_roots(paths: Paths) -> list[Path]:
    """Every file and folder whose content a build reads, besides the generator itself: the data, the overlay (given,
    or named by kb.yaml), and the project's and the defaults' mkdocs.yml, overrides/ and docs/."""
    homes = [paths.project] + ([paths.defaults] if paths.defaults != paths.project else [])
    overlay = paths.overlay or named_overlay(paths)
    return [paths.data, *([overlay] if overlay else []), *(home / name for home in homes for name in THEME_INPUTS)]


def file_stats(root: Path) -> dict[str, list[int]]:
    """Each file under `root` by its path relative to it: [size, modification time in ns, inode] ([] when it cannot
    be read). What a build left is checked by these, not by its bytes: hashing every page of a large catalog cost
    more than the pages an edit builds. Paths are joined as strings: Path objects for every file of a large site
    cost more than the checks."""
    stats, top = {}, os.fspath(root)
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        under = folder[len(top) + 1 :].replace(os.sep, "/")
        for name in names:
            try:
                info = os.lstat(os.path.join(folder, name))
                seen = [info.st_size, info.st_mtime_ns, info.st_ino]
            except OSError:
                seen = []
            stats[f"{under}/{name}" if under else name] = seen
    return stats


def walk_files(root: Path) -> list[Path]:
    """The files under `root` (or `root` itself), in a stable order; compiled Python aside."""
    if not root.is_dir():
        return [root] if os.path.lexists(root) else []
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [Path(folder) / name for name in sorted(names)]
    return found
