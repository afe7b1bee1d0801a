"""Stage 1, load: read every YAML file of guideline_data/ into plain Python data, remembering the line of each key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import DataError, Problem

MAX_FILE_BYTES = 1_000_000  # the largest real file is far smaller; anything bigger is a mistake

Shape = Literal["mapping", "list", "item-per-file"]


@dataclass(frozen=True)
class Collection:
    name: str
    path: str  # a file, or a folder read in file-name order
    shape: Shape  # mapping: one mapping; list: each file a list; item-per-file: each file one mapping


COLLECTIONS = (
    Collection("document", "document.yaml", "mapping"),
    Collection("sections", "sections", "list"),
    Collection("glossary", "glossary.yaml", "list"),
    Collection("references", "references.yaml", "list"),
    Collection("errata", "errata", "list"),
    Collection("actors", "actors.yaml", "list"),
    Collection("csf", "csf.yaml", "list"),
    Collection("checklists", "checklists", "item-per-file"),
    Collection("templates", "templates", "item-per-file"),
    Collection("changelog", "changelog.yaml", "list"),
    Collection("ui", "ui.yaml", "mapping"),
)


@dataclass
class SourceFile:
    """One YAML file: its data and the line on which each key path starts."""

    path: str  # as shown in messages, relative to the project
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int:
        """The line of the longest prefix of `path` that exists in the file (a missing key: its parent)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


@dataclass
class RawData:
    root: Path
    files: dict[str, list[SourceFile]]


def load(root: Path, shown_root: str = "guideline_data") -> RawData:
    """Read every collection; raise DataError listing every file that cannot be read."""
    problems: list[Problem] = []
    files: dict[str, list[SourceFile]] = {}
    root = root.resolve()
    for collection in COLLECTIONS:
        files[collection.name] = []
        for path in _paths(root, collection, problems, shown_root):
            shown = f"{shown_root}/{path.relative_to(root).as_posix()}"
            source = _read(path, root, shown, problems)
            if source is not None and _shape_ok(source, collection, problems):
                files[collection.name].append(source)
    if problems:
        raise DataError(problems)
    return RawData(root=root, files=files)


def _paths(root: Path, collection: Collection, problems: list[Problem], shown_root: str) -> list[Path]:
    target = root / collection.path
    if target.is_dir():
        return sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml"))
    if target.is_file():
        return [target]
    problems.append(
        Problem(
            f"{shown_root}/{collection.path}",
            None,
            f"the {collection.name} data is missing",
            f"create {shown_root}/{collection.path} (see {shown_root}/README.md)",
        )
    )
    return []


def _read(path: Path, root: Path, shown: str, problems: list[Problem]) -> SourceFile | None:
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        problems.append(
            Problem(
                shown, 1, f"this file points outside the data folder (to {resolved})", "replace the link by a real file"
            )
        )
        return None
    size = resolved.stat().st_size
    if size > MAX_FILE_BYTES:
        with resolved.open("rb") as file:
            line = file.read(MAX_FILE_BYTES).count(b"\n") + 1  # where the file passes the limit
        problems.append(
            Problem(
                shown,
                line,
                f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                "split it into several files in the same folder, or remove what does not belong",
            )
        )
        return None
    raw = resolved.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(shown, line, "the file is not UTF-8 text", "save it as UTF-8 (without BOM is fine)"))
        return None
    try:
        return _parse(text, shown)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        tab = "\t" in text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else False
        fix = "indent with spaces, not tabs" if tab else "check the indentation and quoting near this line"
        problems.append(Problem(shown, line, f"YAML syntax error: {error.problem}", fix))
    except _DuplicateKey as error:
        problems.append(
            Problem(shown, error.line, f"the key {error.key!r} appears twice in one mapping", "keep one of the two")
        )
    except _BadValue as error:
        problems.append(
            Problem(
                shown,
                error.line,
                f"the value {error.value!r} cannot be read: {error.reason}",
                "write a date as YYYY-MM-DD with a real month and day, or quote the value if it is text",
            )
        )
    return None


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int):
        self.key, self.line = key, line


class _BadValue(Exception):
    def __init__(self, value: str, reason: str, line: int):
        self.value, self.reason, self.line = value, reason, line


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """A node's Python value. PyYAML turns 2026-13-45 into a date itself, and fails with a bare ValueError."""
    try:
        return loader.construct_object(node, deep=True)
    except ValueError as error:
        raise _BadValue(str(node.value), str(error), node.start_mark.line + 1) from None


def _parse(text: str, shown: str) -> SourceFile:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        source = SourceFile(path=shown, data=None)
        source.data = _build(loader, node, (), source.lines) if node is not None else None
        return source
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> Any:
    """Turn a composed node into Python data and record the line of every key and list item."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node)
            if key in result:
                raise _DuplicateKey(str(key), key_node.start_mark.line + 1)
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, path + (key,), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (index,), lines) for index, item in enumerate(node.value)]
    return _construct(loader, node)


def _shape_ok(source: SourceFile, collection: Collection, problems: list[Problem]) -> bool:
    expected = list if collection.shape == "list" else dict
    if isinstance(source.data, expected):
        return True
    what = "a list (lines starting with '- ')" if expected is list else "a mapping (key: value lines)"
    problems.append(
        Problem(
            source.path,
            1,
            f"the file must hold {what}",
            f"see guideline_data/README.md for the {collection.name} format",
        )
    )
    return False
