"""The same data gives the same site, byte for byte (and so the same release zip, generator/release.py).

Pagefind writes each filter's values, and the languages of pagefind-entry.json, in the order of a hash map, which
differs from run to run: the filter file, its name (a hash of its bytes), the metadata file that names it and
pagefind-entry.json, which names that, then differ too. `steady_index` writes them in sorted order and names the
files after their new bytes, the way Pagefind names them. What Pagefind reads is unchanged: a filter's values and a
language are looked up by name.

Files are replaced, never written in place: an index linked from the site before (site.reuse_search) stays as it was.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import zipfile
from pathlib import Path

import cbor2

from .files import write_atomically

SIGNATURE = b"pagefind_dcd"  # the start of every index file, once inflated
ENTRY = "pagefind-entry.json"


def steady_index(bundle: Path) -> None:
    entry_file = bundle / ENTRY
    if not entry_file.is_file():
        return
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    renamed = {}
    for path in sorted((bundle / "filter").glob("*.pf_filter")):
        name, values = _read(path)
        values[1] = sorted(values[1], key=lambda value: value[0])
        renamed[name] = _write(bundle / "filter", name, values, ".pf_filter", 7)
    for language in entry["languages"].values():
        meta = bundle / f"pagefind.{language['hash']}.pf_meta"
        name, values = _read(meta)
        values[3] = sorted(values[3], key=lambda pair: pair[0])  # its filters, [name, file]: a hash map's order too
        language["hash"] = _write(bundle, name, _renamed(values, renamed), ".pf_meta", 10, prefix="pagefind.")
    entry["languages"] = dict(sorted(entry["languages"].items()))  # also in a hash map's order
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    if text != entry_file.read_text(encoding="utf-8"):
        write_atomically(entry_file, text.encode("utf-8"))


def _read(path: Path) -> tuple[str, object]:
    data = gzip.decompress(path.read_bytes())
    name = path.name.removeprefix("pagefind.").split(".")[0]
    return name, cbor2.loads(data[len(SIGNATURE) :])


def _write(folder: Path, name: str, values: object, suffix: str, digits: int, prefix: str = "") -> str:
    """The file for `values`, named as Pagefind names it (its language, a hash of its bytes); the old one goes."""
    data = SIGNATURE + cbor2.dumps(values)
    language = name.split("_")[0]
    new = f"{language}_{hashlib.sha256(data).hexdigest()[:digits]}"
    old, target = folder / f"{prefix}{name}{suffix}", folder / f"{prefix}{new}{suffix}"
    if new != name:
        target.write_bytes(gzip.compress(data, mtime=0))
        old.unlink()
    return new


def _renamed(values, renamed: dict[str, str]):
    if isinstance(values, list):
        return [_renamed(value, renamed) for value in values]
    return renamed.get(values, values) if isinstance(values, str) else values


def zip_bytes(files: dict[str, bytes], date: dt.date) -> bytes:
    """A zip of `files` (name: bytes) that is the same bytes for the same files and date: entries in sorted order,
    each with `date` as its time and fixed permissions (the release, the downloads page's one zip per language). A
    file that is compressed already (a workbook or a document, itself a zip; gzip; an image) is stored as it is, the
    others deflated at zlib's default level. Measured on a language's downloads: deflating every file at level 9
    took 85 ms, 35 ms now, for a zip 4 % larger (the workbooks and documents deflated again lost 5-7 % of their
    bytes; level 9 took the open data twice as long as level 6 for 1.5 % fewer bytes)."""
    buffer = io.BytesIO()
    stamp = (date.year, date.month, date.day, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_STORED if files[name].startswith(COMPRESSED) else zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, whatever builds it: the same bytes everywhere
            archive.writestr(entry, files[name])
    return buffer.getvalue()


# How files that are compressed already begin: zip (a workbook, a document), gzip, PNG, JPEG, WOFF2.
COMPRESSED = (b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"wOF2")
