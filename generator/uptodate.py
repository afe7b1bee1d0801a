"""A build with nothing changed does nothing: no stage, no MkDocs, no Pagefind.

After each build that publishes a site, `record` keeps in the build folder (RECORD) a fingerprint of every input
the build read — the data, the overlay, the themes and configurations (layout.input_roots), the generator's own
code, the installed libraries, the settings a build takes from its environment and today's date (the workbooks
print it) — and a list of every file of the site it published, each with its size, modification time and inode.
`up_to_date` says whether the next build would make that very site: the same inputs, and the site still holds
exactly the files that were published (a file changed, added or deleted in site/ since then makes a full build).
The record is read as untrusted data: anything but the expected shape is no record. Light on purpose (no stage is
imported): the command line asks before it loads the generator's stages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import sys
from pathlib import Path

from .cache import code_fingerprint
from .files import write_atomically
from .layout import Paths, file_stats, input_roots, walk_files

RECORD = "published.json"  # in the build folder


def inputs_fingerprint(paths: Paths) -> str:
    """A hash of everything a build of `paths` reads (see the module). Only regular files are read: anything else
    (a link that leads nowhere, a pipe) counts by its kind, so that the build itself says what is wrong with it."""
    digest = hashlib.sha256()
    for part in (sys.version, dt.date.today().isoformat(), str(paths.site), code_fingerprint(), _libraries()):
        digest.update(part.encode() + b"\0")
    for root in input_roots(paths):
        digest.update(str(root).encode() + b"\0")
        for path in walk_files(root):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            try:
                mode = os.stat(path).st_mode
                digest.update(_file_hash(path) if stat.S_ISREG(mode) else f"mode {mode:o}".encode())
            except OSError as error:
                digest.update(f"unreadable {error.errno}".encode())
    return digest.hexdigest()


def _file_hash(path: Path) -> bytes:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def _libraries() -> str:
    """Every installed distribution and its version, from the names of their metadata folders (`x-1.2.dist-info`)."""
    names = []
    for entry in sys.path:
        try:
            names += [n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
    return " ".join(sorted(names))


def record(paths: Paths, inputs: str) -> None:
    """After a build that published site/: what it read (`inputs`, taken when it started) and what it published."""
    body = json.dumps({"inputs": inputs, "site": str(paths.site), "files": file_stats(paths.site)})
    write_atomically(paths.build / RECORD, body.encode("utf-8"))


def forget(paths: Paths) -> None:
    """Before a build changes site/: no record says the site is what the inputs make."""
    (paths.build / RECORD).unlink(missing_ok=True)


def up_to_date(paths: Paths, inputs: str | None = None) -> int | None:
    """The number of files site/ holds if a build now would publish exactly them (nothing changed), else None."""
    try:
        kept = json.loads((paths.build / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not _valid(kept) or kept["site"] != str(paths.site):
        return None
    if kept["inputs"] != (inputs or inputs_fingerprint(paths)):
        return None
    try:
        published = file_stats(paths.site)
    except OSError:
        return None
    return len(published) if published and published == kept["files"] else None


def nothing_changed(site: Path, files: int, seconds: float) -> str:
    """What a build that found nothing changed says it did, and did not do."""
    return (
        f"Nothing changed since the last build: {site} holds the {files} files it published (checked in "
        f"{seconds:.2f} s). Nothing was rendered; MkDocs and Pagefind were not run."
    )


def _valid(kept: object) -> bool:
    return (
        isinstance(kept, dict)
        and isinstance(kept.get("inputs"), str)
        and isinstance(kept.get("site"), str)
        and isinstance(kept.get("files"), dict)
        and all(
            isinstance(value, list) and len(value) == 3 and all(type(n) is int for n in value)
            for value in kept["files"].values()
        )
    )
