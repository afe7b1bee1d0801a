"""Derived files cached by content: a feature's downloads and exports, and each language's rendered pages (the print
page among them), are made again only when something they read has changed.

An entry's key is a hash of every input: the part of the knowledge base the producer reads (its validated models as
JSON), the feature's own settings (e.g. the site URL of the workbooks), the language, today's date (the workbooks
print it), the generator's version, every source file of the generator (Python and Jinja templates: a code change
never serves a stale file) and the versions of the libraries that write the files. The cache lives in
build/.cache/; deleting it only costs time. Each stored file is named by the hash of its bytes and checked against
it when read, so a damaged entry is made again instead of served.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .features import Feature
    from .i18n import Language
    from .link import Linked

PACKAGE = Path(__file__).resolve().parent
FOLDER = ".cache"  # inside the build folder
KEPT = 3  # entries kept per producer and language: an edit and its undo are both served from the cache
LIBRARIES = ("openpyxl", "python-docx", "jinja2", "markupsafe", "pydantic", "pyyaml", "lxml")

# What a feature's files leave unread of the knowledge base (paths into its JSON; "*" is every list item). A feature
# not named here is taken to read all of it. The checklists' and templates' downloads name sections by number and
# title only: a section's blocks (the guideline's paragraphs) are in the site and the open-data exports, not in them.
# tests/test_cache.py changes everything listed here and checks that those downloads stay the same.
UNREAD: dict[str, tuple[tuple[str, ...], ...]] = {
    "Checklists": (("sections", "*", "blocks"),),
    "Templates": (("sections", "*", "blocks"),),
}


def code_fingerprint(package: Path = PACKAGE) -> str:
    """The generator's source: every file of the package (modules, templates), by path and content."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def environment_fingerprint() -> str:
    """Python and the libraries that shape the files' bytes."""
    versions = [sys.version]
    for name in LIBRARIES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return hashlib.sha256("\n".join(versions).encode()).hexdigest()


def data_fingerprint(data: dict, unread: Iterable[tuple[str, ...]] = ()) -> str:
    """A hash of the knowledge base's JSON without the parts a producer leaves unread."""
    for path in unread:
        data = _without(data, path)
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=_plain).encode()).hexdigest()


def _without(value, path: tuple[str, ...]):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(value, list):
        return [_without(item, rest) for item in value]
    if isinstance(value, dict) and head in value:
        if not rest:
            return {key: item for key, item in value.items() if key != head}
        return {**value, head: _without(value[head], rest)}
    return value


@dataclass
class CacheStats:
    hits: list[str] = field(default_factory=list)  # e.g. "Checklists-ja"
    misses: list[str] = field(default_factory=list)


class Cache:
    """One build's view of build/.cache/: `get(name, key, make)` returns what `make` would, from disk when the same
    inputs made it before. Each producer and language (`name`) has a folder of its own: the languages are built in
    parallel processes, each writing only its own folders."""

    def __init__(self, folder: Path, enabled: bool = True, package: Path = PACKAGE) -> None:
        self.folder = folder
        self.enabled = enabled
        self.stats = CacheStats()
        self._code = code_fingerprint(package) + environment_fingerprint()
        self._json: tuple[object, dict] | None = None
        self._data: dict[tuple, str] = {}

    # -- what the build calls
    def files(self, feature: Feature, linked: Linked, language: Language) -> dict[str, bytes]:
        """A feature's downloads in one language."""
        kind = type(feature).__name__
        name = f"{kind}-{language.code}"
        parts = {"settings": vars(feature), "language": language.code}
        key = self.key(name, linked, UNREAD.get(kind, ()), parts)
        return self.get(name, key, lambda: feature.files(linked, language))

    def key(self, name: str, linked: Linked, unread: Iterable[tuple[str, ...]], parts: dict) -> str:
        unread = tuple(unread)
        if self._json is None or self._json[0] is not linked:
            self._json, self._data = (linked, linked.kb.model_dump(mode="json")), {}
        if unread not in self._data:
            self._data[unread] = data_fingerprint(self._json[1], unread)
        inputs = {"name": name, "data": self._data[unread], "code": self._code, "date": dt.date.today().isoformat()}
        return hashlib.sha256(json.dumps({**inputs, **parts}, sort_keys=True, default=_plain).encode()).hexdigest()

    def get(self, name: str, key: str, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        if self.enabled:
            found = self._read(name, key)
            if found is not None:
                self.stats.hits.append(name)
                return found
        files = make()
        self.stats.misses.append(name)
        if self.enabled:
            self._write(name, key, files)
        return files

    # -- storage: <name>/<key>.json maps each path to the hash of its bytes, kept in <name>/blobs/<hash>
    def _read(self, name: str, key: str) -> dict[str, bytes] | None:
        entry = self.folder / _safe(name) / f"{key}.json"
        try:
            manifest = json.loads(entry.read_text(encoding="utf-8"))
            files = {}
            for path, digest in manifest.items():
                content = (entry.parent / "blobs" / digest).read_bytes()
                if hashlib.sha256(content).hexdigest() != digest:
                    return None
                files[path] = content
            os.utime(entry)  # most recently used
        except (OSError, ValueError, AttributeError, TypeError):
            return None
        return files

    def _write(self, name: str, key: str, files: dict[str, bytes]) -> None:
        folder = self.folder / _safe(name)
        try:
            (folder / "blobs").mkdir(parents=True, exist_ok=True)
            manifest = {}
            for path, content in files.items():
                digest = hashlib.sha256(content).hexdigest()
                if not _holds(folder / "blobs" / digest, content):
                    _atomic_write(folder / "blobs" / digest, content)
                manifest[path] = digest
            _atomic_write(folder / f"{key}.json", json.dumps(manifest, ensure_ascii=False).encode())
            _prune(folder)
        except (OSError, ValueError) as error:  # a cache that cannot be written only costs time
            print(f"note: the build cache {self.folder} could not be written ({error})", file=sys.stderr)


def _prune(folder: Path) -> None:
    """Keep the KEPT newest entries of a folder, and the blobs they name."""
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    if len(entries) <= KEPT:
        return
    for old in entries[KEPT:]:
        old.unlink(missing_ok=True)
    named = set()
    for entry in entries[:KEPT]:
        named.update(json.loads(entry.read_text(encoding="utf-8")).values())
    for blob in (folder / "blobs").iterdir():
        if blob.name not in named and not blob.name.startswith(".tmp-"):
            blob.unlink(missing_ok=True)


def _holds(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def _plain(value):
    """Settings as JSON: dataclasses and models by their fields; anything else by its repr (at worst a miss)."""
    if hasattr(value, "cache_key"):  # an object that says what of it shapes the files (the overlay)
        return value.cache_key()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return repr(value)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _atomic_write(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
