"""A site that works from a folder (file://, no web server): a file share, a USB stick, an extracted release.

Browsers open a site's pages from disk, but refuse what search needs there: Pagefind's script is an ES module loaded
with `import()`, and it reads its index with `fetch()`; both fail on file://. So the build also writes, into
`kb-offline/` at the site root, each file the search box fetches as a classic script that hands its bytes to the page
(`kbOfflineFile(path, base64)`), and Pagefind's module as a classic script that hands over a function making it
(`kbOfflineModule`). docs/assets/kb-offline.js, on file:// only, serves those bytes to `fetch()` and the module to
the search box's import, loading each script when it is first asked for: the same files as over HTTP, read by the
same code, so search finds the same pages in the same order. Over HTTP nothing of this is loaded or used.

Links to folders (`guideline/3/`) would open a folder listing from disk: every relative link of a page that ends in
`/` is written to name the folder's `index.html` (`directory_links`, an MkDocs hook), which a web server serves the
same way.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

from .errors import DataError, Problem
from .search import WORDS_FILE

FOLDER = "kb-offline"  # at the site root; kb-offline.js looks there
PAGEFIND = "pagefind"
MODULE = "pagefind.js"  # the bundle's entry, an ES module
# What Pagefind's script reads (its worker and UI files are not used by the search box).
ENTRY = "pagefind-entry.json"
BUNDLE_DATA = (ENTRY, "*.pf_meta", "wasm.*.pagefind", "index/*", "fragment/*", "filter/*")
EXPORTS = re.compile(r"export\s*\{([\w\s,$]*)\}\s*;?\s*$")


def write_offline(site: Path, early: Path | None = None, done: frozenset[str] = frozenset()) -> int:
    """Write kb-offline/ for `site` (after Pagefind has indexed it); returns the bytes written. `early`: a folder of
    the files' scripts written before (`write_offline_part`), those of the files named `done`, which are moved in
    rather than written again."""
    out = site / FOLDER
    if out.exists():
        shutil.rmtree(out)
    bundle = site / PAGEFIND
    written = 0
    if not (bundle / MODULE).is_file():
        return written
    if early is not None and early.is_dir():
        early.rename(out)
    written += _write(out / PAGEFIND / f"{MODULE}.js", module_script(f"{PAGEFIND}/{MODULE}", bundle / MODULE))
    fetched = bundle_data(bundle)
    fetched += sorted(site.glob(WORDS_FILE)) + sorted(site.glob(f"*/{WORDS_FILE}"))
    names = [path.relative_to(site).as_posix() for path in fetched]
    for name in done.difference(names):  # (none: a file the bundle no longer holds)
        (out / f"{name}.js").unlink(missing_ok=True)
    for path, name in zip(fetched, names, strict=True):
        if name not in done:
            written += _write(out / f"{name}.js", file_script(name, path.read_bytes()))
    return written


def write_offline_part(bundle: Path, out: Path) -> frozenset[str]:
    """The scripts `write_offline` writes for the files of a language's Pagefind bundle, before that bundle is merged
    into the site's (the same files, moved there as they are; generator/search_index.merge_bundles): into `out`,
    named by their path in the site, all but the bundle's entry file, which the merge writes anew. Returns the names
    written."""
    names = set()
    for path in bundle_data(bundle):
        name = f"{PAGEFIND}/{path.relative_to(bundle).as_posix()}"
        if path.name != ENTRY:
            _write(out / f"{name}.js", file_script(name, path.read_bytes()))
            names.add(name)
    return frozenset(names)


def bundle_data(bundle: Path) -> list[Path]:
    """The files of a Pagefind bundle that its script reads (BUNDLE_DATA), in order."""
    return sorted({path for pattern in BUNDLE_DATA for path in bundle.glob(pattern) if path.is_file()})


def _write(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def file_script(name: str, data: bytes) -> str:
    return f"kbOfflineFile({json.dumps(name)},{json.dumps(base64.b64encode(data).decode('ascii'))});\n"


def module_script(name: str, module: Path) -> str:
    """An ES module as a classic script: its body inside a function that returns what it exports, with
    `import.meta.url` given as an argument. The function also gets `Worker` as undefined: Pagefind then runs in the
    page (a worker would read its files with its own fetch, which the page cannot serve from disk)."""
    source = module.read_text(encoding="utf-8")
    exports = EXPORTS.search(source)
    if exports is None or _imports(source):
        raise DataError([Problem(str(module), None, "Pagefind's script has a shape this build cannot turn into a "
                                 "classic script for reading from a folder (no single export list at its end, or "
                                 "an import)", "use the pagefind version that pyproject.toml names")])  # fmt: skip
    names = [part.strip() for part in exports[1].split(",") if part.strip()]
    body = source[: exports.start()].replace("import.meta.url", "kbMetaUrl")
    returned = ",".join(names)
    return f"kbOfflineModule({json.dumps(name)},function(kbMetaUrl,Worker){{\n{body}\nreturn{{{returned}}};\n}});\n"


def _imports(source: str) -> bool:
    """Whether the module imports anything (a statement `import … from`, `import "…"`, or `import(…)`)."""
    return re.search(r"(^|[;}])\s*import\s*([{*\"'(]|\w+\s*(,|from\b))|\bimport\(", source) is not None


# ---------------------------------------------------------------- links to folders

# A link's (<a>, <link>) relative href to a folder: a path ending in "/" ("../3/", "./", "guideline/4-2/#x"), or
# dots alone ("..", "../..", "."); a scheme (":"), a root ("/") or a file name are left alone.
HREF = re.compile(r'(<(?:a|link)\b[^>]*?\shref=")(?:([^":#?/][^":#?]*/|\./)|(\.\.?(?:/\.\.)*))([?#][^"]*)?"')


def directory_links(html: str) -> str:
    """Every relative link to a folder in a page names the folder's index.html; a link to a place on the page itself
    (`./#x`: every page is its folder's index.html) becomes `#x`, which needs no reload over HTTP either."""

    def named(match: re.Match) -> str:
        folder, rest = match[2] or match[3] + "/", match[4] or ""
        if folder == "./" and rest.startswith("#"):
            return f'{match[1]}{rest}"'
        return f'{match[1]}{folder}index.html{rest}"'

    return HREF.sub(named, html)
