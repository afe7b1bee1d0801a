"""Stage 6, MkDocs: each language's Markdown into its built folder (build/<code>/site), kept between builds.

MkDocs renders again only the pages whose Markdown the write stage changed, when nothing that every page shows has
changed since the last build (see `site_fingerprint`); otherwise, and whenever a page loses an anchor that another
page might link to, it builds every page. What this keeps between builds (site-state.json beside the language's
config) and what it decides are here; every call into MkDocs itself is mkdocs_adapter's."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import yaml

from .layout import file_stats
from .mkdocs_adapter import NeedsFullBuild, Unchanged, front_matter_block, run, versions


def output_of(config_file: Path) -> Path:
    return config_file.parent / "site"


def build_language(config_file: Path, changed_only: bool = False,
                   halves: bool = False) -> tuple[float, str, list[str]] | None:  # fmt: skip
    """MkDocs for one language into build/<code>/site; returns the seconds, which pages it built and the files it
    wrote (relative to the built folder). `changed_only` (serve's first look at an open page, see build.preview):
    None, and nothing done, when every page would have to be built. A build of every page: `halves`, a core is free,
    it renders them in two processes (mkdocs_adapter.Halves)."""
    out, state_file = output_of(config_file), config_file.parent / "site-state.json"
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        state = state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        state = {}
    fingerprint, shown = site_fingerprint(config_file, state.get("shown", {}))
    start = time.perf_counter()
    before = file_stats(out)
    partial = state.get("fingerprint") == fingerprint and out.is_dir() and state.get("outputs") == before
    if changed_only and not partial:
        return None
    state_file.unlink(missing_ok=True)  # a build that fails half-way leaves no state: the next one builds all pages
    if partial:
        unchanged = Unchanged(state.get("anchors", {}), {page: entry[2] for page, entry in shown.items()})
        try:
            anchors, mode = run(config_file, out, unchanged), "changed pages"
        except NeedsFullBuild as reason:
            if changed_only:
                return None
            anchors, mode = run(config_file, out, None, halves), f"all pages ({reason})"
    else:
        reason = (
            "first build"
            if not state
            else "the navigation, theme or configuration changed"
            if state.get("fingerprint") != fingerprint
            else "the built pages were changed outside a build"
        )
        anchors, mode = run(config_file, out, None, halves), f"all pages ({reason})"
    after = file_stats(out)
    state = {"fingerprint": fingerprint, "anchors": anchors, "shown": shown, "outputs": after}
    state_file.write_text(json.dumps(state, ensure_ascii=False, default=str), encoding="utf-8")
    return time.perf_counter() - start, mode, sorted(path for path, seen in after.items() if before.get(path) != seen)


def site_fingerprint(config_file: Path, known: dict[str, list]) -> tuple[str, dict[str, list]]:
    """What every page of a language shows besides its own Markdown: the configuration (site name, navigation), the
    configuration it inherits, the theme overrides, the hooks, the versions of MkDocs and its extensions, the list
    of files, and what other pages show of each page's front matter (SHOWN_ELSEWHERE). Also returns, by docs path,
    the hash of each page's front matter and what others show of it; `known` is that of the last build (a front
    matter with the same hash is not read again)."""
    digest = hashlib.sha256(config_file.read_bytes())
    config = yaml.load(config_file.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    inherited = (config_file.parent / config.get("INHERIT", "")).resolve() if config.get("INHERIT") else None
    theme_dir = Path(config.get("theme", {}).get("custom_dir") or config_file.parent / "none")
    hooks = [Path(h) for h in config.get("hooks", [])]
    for path in [*([inherited] if inherited else []), *hooks, *_files(theme_dir)]:
        digest.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    digest.update(versions().encode())
    docs = config_file.parent / config.get("docs_dir", "docs")
    shown = {}
    for path in _files(docs):
        name = path.relative_to(docs).as_posix()
        digest.update(name.encode() + b"\0")
        if path.suffix == ".md":
            head = _front_matter(path)
            head_hash = hashlib.sha256(head.encode()).hexdigest()
            before = known.get(name)
            if isinstance(before, list) and len(before) == 3 and before[0] == head_hash:
                shown[name] = before
            else:
                meta = _meta(head) if head else {}
                kept = {key: value for key, value in meta.items() if key not in OWN_ONLY}
                shown[name] = [head_hash, {key: meta[key] for key in SHOWN_ELSEWHERE if key in meta}, kept]
            digest.update(json.dumps(shown[name][1], sort_keys=True, default=str).encode() + b"\0")
    return digest.hexdigest(), shown


# The front matter other pages show: titles and tags (the tags index), and what Material puts in the navigation. The
# rest (search metadata, hidden parts) shows on the page itself, which is built again when its Markdown changes.
SHOWN_ELSEWHERE = ("title", "tags", "icon", "status", "subtitle")
OWN_ONLY = ("search",)  # front matter that matters to its own page only: not kept for the pages not built again


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _front_matter(path: Path) -> str:
    """The YAML inside a page's front matter (what its hash is of); only the page's first lines are read."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        return "".join(front_matter_block(handle)[1:-1])


def _meta(head: str) -> dict:
    try:
        meta = yaml.load(head, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}
