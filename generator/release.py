"""A release: the built site as one versioned zip that IT can copy to a file share or put on a web server.

`python -m generator release` builds the site (as `build` does), then writes `release/<slug>-<version>.zip`:

    <slug>-<version>/README.txt    how to open it from a folder or put it on a server, in the site's languages
    <slug>-<version>/RELEASE.txt   the knowledge base's version, the guideline's edition, the build date, the generator
    <slug>-<version>/SHA256SUMS    the SHA-256 of every other file (`sha256sum -c SHA256SUMS` checks them)
    <slug>-<version>/site/…        the site

The same data gives the same bytes: entries in sorted order, each with the build date as its time and fixed
permissions, compressed at a fixed level. The build date is the data's own (its newest changelog entry), or
SOURCE_DATE_EPOCH when it is set, as reproducible builds do; never the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import jinja2

from . import __version__
from .build import Paths, build, load_knowledge_base
from .files import write_atomically
from .i18n import Language
from .render import TEMPLATES
from .reproducible import zip_bytes

FOLDER = "release"  # in the project, beside site/
SITE = "site"
MARKERS = (".kb-site",)  # the build's own marker stays out of the release


def release(paths: Paths, out: Path | None = None) -> Path:
    """Build the site and write its release zip; returns the zip's path."""
    build(paths)
    return write_release(paths, out or paths.project / FOLDER)


def write_release(paths: Paths, out: Path) -> Path:
    kb = load_knowledge_base(paths.data).kb
    name = f"{kb.config.slug}-{kb.version}"
    date = build_date(kb.changelog[0].date)
    languages = Language.all(kb)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)  # fmt: skip
    context = {"kb": kb, "languages": languages, "name": name, "date": date, "generator_version": __version__}
    files = {f"{SITE}/{path}": data for path, data in site_files(paths.site)}
    files["README.txt"] = env.get_template("release_readme.txt.j2").render(context).encode("utf-8")
    files["RELEASE.txt"] = env.get_template("release_info.txt.j2").render(context).encode("utf-8")
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(files.items()))
    files["SHA256SUMS"] = sums.encode("utf-8")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.zip"
    write_atomically(target, zip_bytes({f"{name}/{path}": data for path, data in files.items()}, date))
    return target


def site_files(site: Path) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.name not in MARKERS:
            files.append((path.relative_to(site).as_posix(), path.read_bytes()))
    return files


def build_date(data_date: dt.date) -> dt.date:
    """SOURCE_DATE_EPOCH (seconds, UTC) when set, else the data's own date; a zip cannot hold a date before 1980."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    date = dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch.isdigit() else data_date
    return max(date, dt.date(1980, 1, 1))
