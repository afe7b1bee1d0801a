"""Derived files cached by content: a feature's downloads and exports, and each language's rendered pages (the print
page among them), are made again only when something they read has changed.

An entry's key is a hash of every input: the part of the knowledge base the producer reads (its validated models as
JSON), the feature's own settings (e.g. the site URL of the workbooks), the language, today's date (the workbooks
print it), the generator's version, every source file of the generator (Python and Jinja templates: a code change
never serves a stale file) and the versions of the libraries that write the files. The cache lives in
build/.cache/; deleting it only costs time. Each stored file is named by the hash of its bytes and checked against
it when read, so a damaged entry is made again instead of served.

The build folder is not trusted: whoever could write there (an archive of someone else's project, a shared folder)
must not be able to run code or write anywhere through it. A manifest is read as data and must be a JSON object of
relative paths (no `..`, not absolute) to hashes; anything else is a damaged entry, discarded with a note. Jinja's
compiled templates (code) are kept only with a signature under this account's own key (`SignedBytecodeCache`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import hmac
import inspect
import json
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from . import __version__
from .files import TEMPORARY_PREFIX, read_regular, write_atomically

if TYPE_CHECKING:
    from .features import Feature
    from .i18n import Language
    from .link import Linked

PACKAGE = Path(__file__).resolve().parent
FOLDER = ".cache"  # inside the build folder
KEPT = 3  # entries kept per producer and language: an edit and its undo are both served from the cache
# The libraries that shape every producer's bytes; a feature names those of its own files (Feature.libraries).
LIBRARIES = ("jinja2", "markupsafe", "pydantic", "pyyaml")


def code_fingerprint(package: Path = PACKAGE) -> str:
    """The generator's source: every file of the package (modules, templates), by path and content."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def feature_code(feature: Feature) -> str:
    """The code of a feature that lives outside the package (its module), which `code_fingerprint` does not cover;
    "" for the package's own features."""
    source = Path(inspect.getfile(type(feature))).resolve()
    return "" if source.is_relative_to(PACKAGE) else hashlib.sha256(source.read_bytes()).hexdigest()


def environment_fingerprint(libraries: Iterable[str] = ()) -> str:
    """Python and the libraries that shape the files' bytes: LIBRARIES and those named."""
    versions = [sys.version]
    for name in (*LIBRARIES, *libraries):
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
    hits: list[str] = field(default_factory=list)  # e.g. "checklists-ja"
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
    def files(self, feature: Feature, linked: Linked, language: Language, elsewhere: bool = False) -> dict[str, bytes]:
        """A feature's downloads in one language. `elsewhere`: another process of this build made them (and counted
        them): found, they are not counted again."""
        name = f"{feature.name}-{language.code}"
        parts = {"settings": vars(feature), "language": language.code}
        if feature.libraries:
            parts["libraries"] = environment_fingerprint(feature.libraries)
        if feature_code(feature):
            parts["feature code"] = feature_code(feature)
        key = self.key(name, linked, feature.unread, parts)
        return self.get(name, key, lambda: made_without_collector(lambda: feature.files(linked, language)), elsewhere)

    def key(self, name: str, linked: Linked, unread: Iterable[tuple[str, ...]], parts: dict) -> str:
        unread = tuple(unread)
        if self._json is None or self._json[0] is not linked:
            self._json, self._data = (linked, linked.kb.model_dump(mode="json")), {}
        if unread not in self._data:
            self._data[unread] = data_fingerprint(self._json[1], unread)
        inputs = {"name": name, "data": self._data[unread], "code": self._code, "date": dt.date.today().isoformat()}
        return hashlib.sha256(json.dumps({**inputs, **parts}, sort_keys=True, default=_plain).encode()).hexdigest()

    def get(
        self, name: str, key: str, make: Callable[[], dict[str, bytes]], elsewhere: bool = False
    ) -> dict[str, bytes]:
        """What `make` returns, from disk when the same key stored it. `elsewhere`: as in `files`."""
        if self.enabled:
            found = self._read(name, key)
            if found is not None:
                if not elsewhere:
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
        if not entry.exists():
            return None
        manifest = read_manifest(entry)
        try:
            if manifest is None:
                raise ValueError("it is not a JSON object of relative paths to hashes")
            files = {}
            for path, digest in manifest.items():
                content = read_regular(entry.parent / "blobs" / digest)
                if hashlib.sha256(content).hexdigest() != digest:
                    raise ValueError(f"the stored file {digest} does not match its hash")
                files[path] = content
            os.utime(entry)  # most recently used
        except (OSError, ValueError) as error:
            print(f"note: the build cache's entry {entry} is damaged ({error}): it is made again", file=sys.stderr)
            with contextlib.suppress(OSError):
                entry.unlink()
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
                    write_atomically(folder / "blobs" / digest, content)
                manifest[path] = digest
            write_atomically(folder / f"{key}.json", json.dumps(manifest, ensure_ascii=False).encode())
            _prune(folder)
        except (OSError, ValueError) as error:  # a cache that cannot be written only costs time
            print(f"note: the build cache {self.folder} could not be written ({error})", file=sys.stderr)


def made_without_collector(make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
    """`make()` with Python's cyclic garbage collector paused. The writers of the downloads (openpyxl, python-docx,
    pykakasi's dictionary) make millions of short-lived objects that reference counting frees; the collector's
    passes over them cost a fifth of the downloads' time (measured: 2.2 → 1.8 s of CPU for the Japanese ones). What
    they leave in cycles (a workbook, a document) is collected at the collector's first pass after."""
    if not gc.isenabled():
        return make()
    gc.disable()
    try:
        return make()
    finally:
        gc.enable()


DIGEST = re.compile("[0-9a-f]{64}")
MAX_MANIFEST_BYTES = 10_000_000


def read_manifest(entry: Path) -> dict[str, str] | None:
    """A manifest as the cache wrote it, or None: a JSON object whose keys are relative paths inside the folder they
    are written to (no `..`, no absolute path, no backslash) and whose values are hashes (a blob's file name)."""
    try:
        manifest = json.loads(read_regular(entry, MAX_MANIFEST_BYTES))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    for path, digest in manifest.items():
        if not (isinstance(digest, str) and DIGEST.fullmatch(digest) and relative_name(path)):
            return None
    return manifest


def relative_name(path: object) -> bool:
    """Whether `path` names a file below a folder: POSIX, relative, without `.`/`..` parts, empty parts or controls."""
    if not isinstance(path, str) or not path or "\\" in path or path.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/")) and not any(ord(c) < 32 for c in path)


def _prune(folder: Path) -> None:
    """Keep the KEPT newest entries of a folder, and the blobs they name."""
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    if len(entries) <= KEPT:
        return
    for old in entries[KEPT:]:
        old.unlink(missing_ok=True)
    named = set()
    for entry in entries[:KEPT]:
        named.update((read_manifest(entry) or {}).values())
    for blob in (folder / "blobs").iterdir():
        if blob.name not in named and not blob.name.startswith(TEMPORARY_PREFIX):
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


# ---------------------------------------------------------------- Jinja's compiled templates

KEY_FILE = "kb-generator/cache.key"  # in the account's cache folder ($XDG_CACHE_HOME, else ~/.cache)
MAX_COMPILED_BYTES = 5_000_000


class SignedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates in a folder that is not trusted. Jinja's own FileSystemBytecodeCache unpickles and
    runs whatever it finds there; here each file starts with an HMAC of its bytes (and of the template's cache key)
    under a secret key of this account's (`account_key`), and a file whose HMAC does not match — cut short, damaged,
    written by anyone else or made for another template — is discarded with a note and compiled again. A key that
    anyone can compute (the generator's own content hash) would not do: the generator is public."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder, self.key = folder, key

    def _signature(self, name: str, body: bytes) -> bytes:
        return hmac.new(self.key, name.encode() + b"\0" + body, hashlib.sha256).digest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self.folder / f"{bucket.key}.signed"
        try:
            raw = read_regular(path, MAX_COMPILED_BYTES)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            raw = str(error).encode()
        signature, body = raw[:32], raw[32:]
        if not hmac.compare_digest(signature, self._signature(bucket.key, body)):
            print(f"note: the compiled template {path} is damaged or was not made here: it is compiled again",
                  file=sys.stderr)  # fmt: skip
            with contextlib.suppress(OSError):
                path.unlink()
            return
        bucket.bytecode_from_string(body)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        body = bucket.bytecode_to_string()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.folder / f"{bucket.key}.signed", self._signature(bucket.key, body) + body)
        except OSError:  # only a speed-up
            pass


def compiled_folder(kind: str, fingerprint: str, cache_folder: Path | None) -> Path | None:
    """Where compiled templates of a `kind` ("jinja", "theme") are kept for later processes, in a folder named by the
    `fingerprint` of what compiles them: beside the generator's compiled modules, as Python keeps its own, so that
    every build on this machine finds them (a cold build too, and the first build of a new knowledge base); in the
    build cache (`cache_folder`, if given) where the package cannot be written to. The folders of the same kind made
    for other code are removed. None when neither can be written."""
    for home in (COMPILED_CODE, *([cache_folder / "jinja"] if cache_folder else [])):
        compiled = home / f"{kind}-{fingerprint}"
        try:
            compiled.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if not os.access(compiled, os.W_OK):
            continue
        for old in home.glob(f"{kind}-*"):
            if old != compiled and old.name.rsplit("-", 1)[0] == kind:
                shutil.rmtree(old, ignore_errors=True)
        return compiled
    return None


COMPILED_CODE = PACKAGE / "__pycache__"


def compiled_code_templates(kind: str) -> SignedBytecodeCache | None:
    """Compiled templates of the generator's own Jinja environment `kind` (one that does not compile the page
    templates: its options differ) kept beside its compiled modules, for any build's later processes; None where
    they cannot be kept there (then they are compiled in memory)."""
    folder = compiled_folder(kind, code_fingerprint()[:24], None)
    return compiled_templates(folder) if folder else None


def compiled_templates(folder: Path) -> SignedBytecodeCache | None:
    """A signed cache of compiled templates in `folder`, or None (compiled in memory only) when this account has no
    key and cannot make one."""
    key = account_key()
    return SignedBytecodeCache(folder, key) if key else None


def account_key(home: Path | None = None) -> bytes | None:
    """This account's secret key for the compiled templates: 32 random bytes in a file only it may read, made the
    first time. None when it cannot be read or made, or is not a regular file of this account's alone."""
    base = home or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / KEY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as out:
                out.write(secrets.token_bytes(32))
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as file:
            info = os.fstat(file.fileno())
            key = file.read(33)
    except OSError:
        return None
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    if not stat.S_ISREG(info.st_mode) or not mine or info.st_mode & 0o077 or len(key) != 32:
        return None
    return key
