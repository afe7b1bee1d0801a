"""Stage 1, load: read every YAML file of guideline_data/ into plain Python data, remembering the line of each key."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from . import files
from .errors import DataError, Problem

MAX_FILE_BYTES = 1_000_000  # the largest real file is far smaller; anything bigger is a mistake
MAX_DEPTH = 50  # the real data nests 11 levels deep
MAX_ALIASES = 100  # the real data uses none; an alias bomb needs millions
# PyYAML's C parser (libyaml) composes the same nodes with the same marks about ten times faster than the pure-Python
# one, which stays the fallback where PyYAML was built without libyaml.
FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates; the non-characters; and the
# bidi controls, which make text show otherwise than it reads (the "Trojan Source" trick).
CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CONTROL_FIX = "delete it (most editors show it as nothing or as a box); a line break is written as a new line"
DEPTH_FIX = "flatten the structure: the formats in guideline_data/README.md nest about a dozen levels at most"

Shape = Literal["mapping", "list", "item-per-file"]


@dataclass(frozen=True)
class Collection:
    name: str
    path: str  # a file, or a folder read in file-name order
    shape: Shape  # mapping: one mapping; list: each file a list; item-per-file: each file one mapping
    required: bool = True  # a knowledge base without it is incomplete; the others may be left out (none of them)


COLLECTIONS = (
    Collection("config", "kb.yaml", "mapping"),
    Collection("document", "document.yaml", "mapping"),
    Collection("sections", "sections", "list"),
    Collection("glossary", "glossary.yaml", "list", required=False),
    Collection("references", "references.yaml", "list", required=False),
    Collection("errata", "errata", "list", required=False),
    Collection("actors", "actors.yaml", "list", required=False),
    Collection("csf", "csf.yaml", "list", required=False),
    Collection("checklists", "checklists", "item-per-file", required=False),
    Collection("templates", "templates", "item-per-file", required=False),
    Collection("changelog", "changelog.yaml", "list"),
    Collection("ui", "ui.yaml", "mapping", required=False),  # over the generator's defaults (DEFAULT_UI)
    Collection("words", "words.yaml", "list", required=False),  # everyday words for search
)
# Interface strings every knowledge base starts from; its own ui.yaml overrides or adds to them.
DEFAULT_UI = Path(__file__).parent / "defaults" / "ui.yaml"


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


def load(root: Path, shown_root: str = "guideline_data", collections: tuple[Collection, ...] = COLLECTIONS) -> RawData:
    """Read every collection (a knowledge base's, or an overlay's); raise DataError listing every file that cannot
    be read."""
    problems: list[Problem] = []
    files: dict[str, list[SourceFile]] = {}
    root = root.resolve()
    for collection in collections:
        files[collection.name] = []
        if collection.name == "ui" and collections is COLLECTIONS:
            defaults = _read(DEFAULT_UI, DEFAULT_UI.parent, "generator/defaults/ui.yaml", problems)
            if defaults is not None and _shape_ok(defaults, collection, problems):
                files["ui"].append(defaults)
        for path in _paths(root, collection, problems, shown_root):
            shown = f"{shown_root}/{path.relative_to(root).as_posix()}"
            source = _read(path, root, shown, problems, _too_big_fix(collection, path, root))
            if source is not None and _shape_ok(source, collection, problems):
                files[collection.name].append(source)
    problems += _unknown(root, collections, shown_root) if root.is_dir() else []
    if problems:
        raise DataError(problems)
    return RawData(root=root, files=files)


def read_mapping(root: Path, name: str) -> Any:
    """The data of the one-file collection `name` ("document") alone, read and checked as `load` reads it (which
    then does not parse it again), or None when it cannot be read (`load` says why)."""
    collection = next(collection for collection in COLLECTIONS if collection.name == name)
    root = root.resolve()
    source = _read(root / collection.path, root, f"guideline_data/{collection.path}", [])
    return None if source is None else source.data


YAML = (".yaml", ".yml")


def _split(collection: Collection) -> str | None:
    """The folder that may hold a one-file list collection split into several files (glossary.yaml → glossary/)."""
    one_file = collection.path.endswith(YAML)
    return collection.path.rsplit(".", 1)[0] if one_file and collection.shape == "list" else None


def _paths(root: Path, collection: Collection, problems: list[Problem], shown_root: str) -> list[Path]:
    target = root / collection.path
    shown = f"{shown_root}/{collection.path}"
    split = _split(collection)
    if split and (root / split).is_dir():
        if os.path.lexists(target):
            message = f"both {collection.path} and {split}/ hold the {collection.name} data"
            problems.append(Problem(shown, None, message, f"keep one: move its entries into a file in {split}/"))
            return []
        target, shown = root / split, f"{shown_root}/{split}"
    elif collection.path.endswith(YAML) and os.path.lexists(target):  # _read tells what is wrong if not a file
        return [target]
    if target.is_dir():
        try:
            # Hidden files are editors' (Emacs locks are dangling links named .#x.yaml): never data.
            return sorted(p for p in target.iterdir() if p.suffix in YAML and not p.name.startswith("."))
        except OSError as error:
            problems.append(Problem(shown, None, f"the folder cannot be read ({error.strerror})",
                                    "let the account that builds the site read it"))  # fmt: skip
            return []
    if os.path.lexists(target):
        problems.append(
            Problem(
                shown,
                None,
                f"the {collection.name} data must be a folder of YAML files",
                f"replace {shown} by a folder holding the files{_see(root, shown_root)}",
            )  # fmt: skip
        )
        return []
    if not collection.required:
        return []
    problems.append(Problem(shown, None, f"the {collection.name} data is missing", f"create {shown}"
                            f"{_see(root, shown_root)}"))  # fmt: skip
    return []


def _see(root: Path, shown_root: str) -> str:
    """Where the formats are described, when the folder has its README."""
    return f" (see {shown_root}/README.md)" if (root / "README.md").is_file() else ""


def _too_big_fix(collection: Collection, path: Path, root: Path) -> str:
    """What to do with a file over the size limit that the loader will then read: a list can be split."""
    if collection.shape == "mapping":
        return "remove what does not belong: no file of this kind needs to be that large"
    if path.parent == root:  # glossary.yaml
        return (f"split it into several files in a folder {_split(collection)}/ in its place (each a list; they "
                "are read in file-name order)")  # fmt: skip
    return "split it into several files in the same folder (they are read in file-name order)"


def _unknown(root: Path, collections: tuple[Collection, ...], shown_root: str) -> list[Problem]:
    """YAML files and folders of YAML files beside the data that are no collection: a misspelt glosary.yaml would
    otherwise be left out without a word."""
    known = {c.path for c in collections} | {_split(c) for c in collections if _split(c)}
    problems = []
    for entry in sorted(root.iterdir()):
        name = entry.name
        if name.startswith(".") or name in known:
            continue
        if entry.is_dir() and not entry.is_symlink():
            if not any(p.suffix in YAML for p in entry.iterdir()):
                continue
            kind, candidates = "folder", sorted(k for k in known if not k.endswith(YAML))
        elif entry.suffix in YAML:
            kind, candidates = "file", sorted(k for k in known if k.endswith(YAML))
        else:
            continue
        close = difflib.get_close_matches(name, candidates, n=1)
        message = f"not a data {kind} of this knowledge base" + (f"; did you mean {close[0]}?" if close else "")
        fix = f"rename it to {close[0] if close else 'one of ' + ', '.join(candidates)}, or move it out of {shown_root}"
        problems.append(Problem(f"{shown_root}/{name}", None, message, fix))
    return problems


# The last parse of each file, by the name it is shown under: a process that loads again (serve, after a save) parses
# only the files whose text changed; the others are the very same SourceFile (validate.py then keeps their items).
_PARSED: dict[str, tuple[str, SourceFile]] = {}


def _read(path: Path, root: Path, shown: str, problems: list[Problem], too_big: str = "") -> SourceFile | None:
    text = _text(path, root, shown, problems, too_big)
    if text is None:
        return None
    last = _PARSED.get(shown)
    if last is not None and last[0] == text:
        return last[1]
    try:
        source = _parse(text, shown)
        _PARSED[shown] = (text, source)
        return source
    except _Refused as error:
        problems.append(Problem(shown, error.line, error.message, error.fix))
    except yaml.YAMLError as error:
        problems.append(_syntax_problem(error, text, shown))
    except RecursionError:  # the pure-Python composer recurses per level; libyaml stops at 1,000 levels itself
        problems.append(Problem(shown, None, f"the data is nested more than {MAX_DEPTH} levels deep", DEPTH_FIX))
    return None


def _text(path: Path, root: Path, shown: str, problems: list[Problem], too_big: str = "") -> str | None:
    """The file's text, if it is a regular UTF-8 file inside `root`, within the size limit and free of control
    characters; otherwise a problem saying why. A named pipe, a device or a folder is never opened."""
    raw = _bytes(path, root, shown, problems, too_big)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(shown, line, "the file is not UTF-8 text", "save it as UTF-8 (without BOM is fine)"))
        return None
    control = CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        problems.append(Problem(shown, line, _control_message(control.group()), CONTROL_FIX))
        return None
    return text


def _bytes(path: Path, root: Path, shown: str, problems: list[Problem], too_big: str) -> bytes | None:
    def refuse(message: str, fix: str, line: int | None = 1) -> None:
        problems.append(Problem(shown, line, message, fix))

    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    try:
        resolved = files.regular_file(path, root, shown.removesuffix("/" + relative), "YAML file")
        size = os.stat(resolved).st_size
    except files.Refused as refused:
        return refuse(refused.message, refused.fix)
    except OSError as error:
        return refuse(f"the file cannot be read ({error.strerror})", files.READ_FIX)
    if size > MAX_FILE_BYTES:
        return _too_big(resolved, size, refuse, too_big)
    try:
        return files.read_regular(resolved, MAX_FILE_BYTES)
    except OSError as error:
        return refuse(f"the file cannot be read ({error.strerror})", files.READ_FIX)
    except ValueError as error:  # swapped for something else, or grown, after the check
        return refuse(f"the file changed while it was read ({error})", "run it again once it is saved")


def _too_big(resolved: Path, size: int, refuse, fix: str) -> None:
    with resolved.open("rb") as file:
        line = file.read(MAX_FILE_BYTES).count(b"\n") + 1  # where the file passes the limit
    refuse(f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", fix or "remove what does not belong", line)


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _control_message(character: str) -> str:
    if BIDI.match(character):
        return f"the text holds the invisible bidi control U+{ord(character):04X}, which reorders what readers see"
    return f"the text holds the invisible control character U+{ord(character):04X}"


def _syntax_problem(error: yaml.YAMLError, text: str, shown: str) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    line = mark.line + 1 if mark else None
    if "maximum nesting depth" in problem:  # libyaml's own limit (1,000 levels)
        return Problem(shown, line, f"the data is nested more than {MAX_DEPTH} levels deep", DEPTH_FIX)
    lines = text.splitlines()
    tab = mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]
    fix = "indent with spaces, not tabs" if tab else "check the indentation and quoting near this line"
    return Problem(shown, line, f"YAML syntax error: {problem}", fix)


class _Refused(Exception):
    """Something in a well-formed YAML file that the data may not hold."""

    def __init__(self, line: int, message: str, fix: str):
        self.line, self.message, self.fix = line, message, fix


STR = "tag:yaml.org,2002:str"
SCALAR_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp", "str")}
COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
TAG_FIX = "remove the tag: the data holds only text, numbers, dates, true/false, lists and mappings"


def _parse(text: str, shown: str) -> SourceFile:
    loader = FastLoader(text)
    try:
        node = loader.get_single_node()
        source = SourceFile(path=shown, data=None)
        source.data = _Builder(loader, source.lines).build(node, ()) if node is not None else None
        return source
    finally:
        loader.dispose()


class _Builder:
    """Turns a composed node into Python data and records the line of every key and list item, within bounds: an
    anchored node used again through an alias is counted (a "billion laughs" file fails at the 101st use, not after
    minutes and gigabytes), the depth is limited, and only plain keys, the standard tags and text without control
    characters are accepted."""

    def __init__(self, loader: yaml.SafeLoader, lines: dict[tuple, int]):
        self.loader, self.lines = loader, lines
        self.seen: set[int] = set()  # every node built so far: one met again came through an alias
        self.aliases = 0

    def build(self, node: yaml.Node, path: tuple) -> Any:
        self._count(node, path)
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if len(path) > MAX_DEPTH:
            raise _Refused(line, f"the data is nested more than {MAX_DEPTH} levels deep", DEPTH_FIX)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in COLLECTION_TAGS:
            raise _Refused(line, f"the YAML tag {node.tag!r} is not allowed here", TAG_FIX)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        result: dict = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    key_line,
                    "a key is a list or a mapping (a YAML complex key, '? ...')",
                    "write a plain key such as 'title:'; a list or mapping goes after the colon, as the value",
                )
            self._count(key_node, path)
            key = self._scalar(key_node)
            if key in result:
                raise _Refused(key_line, f"the key {str(key)!r} appears twice in one mapping", "keep one of the two")
            self.lines[path + (key,)] = key_line
            result[key] = self.build(value_node, path + (key,))
        return result

    def _count(self, node: yaml.Node, path: tuple) -> None:
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            line = self.lines.get(path[:1], 1)  # the entry that holds the expansion (inner lines are the anchors')
            raise _Refused(
                line,
                f"the file uses anchored data (&name) through aliases (*name) more than {MAX_ALIASES} times",
                "write the data out where it is used; aliases that expand into aliases multiply",
            )

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        line = node.start_mark.line + 1
        if node.tag == STR:
            value = node.value
        elif node.tag in SCALAR_TAGS:
            try:
                value = self.loader.yaml_constructors[node.tag](self.loader, node)
            except ValueError as error:  # PyYAML turns 2026-13-45 into a date itself, and fails with a bare ValueError
                date = node.tag.endswith(":timestamp")
                fix = "write a date as YYYY-MM-DD with a real month and day, or quote the value if it is text"
                raise _Refused(
                    line,
                    f"the value {_shorten(node.value)!r} cannot be read: {str(error).split(';')[0]}",
                    fix if date else "write the number as it should be read, or quote the value if it is text",
                ) from None
        else:
            raise _Refused(line, f"the YAML tag {node.tag!r} is not allowed here", TAG_FIX)
        if isinstance(value, str):
            control = CONTROL.search(value)  # an escape such as "\0" or "\a" in a double-quoted string
            if control:
                raise _Refused(line, _control_message(control.group()), CONTROL_FIX)
        return value


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
