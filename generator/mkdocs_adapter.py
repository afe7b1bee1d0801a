"""Every use of MkDocs' API, its private parts included, in one place; and the versions of MkDocs and Material it
was written for, checked before MkDocs runs.

Three private parts are used, each where MkDocs offers no public way: `mkdocs.commands.build._populate_page` is
wrapped when MkDocs builds the changed pages only, so that the pages it does not render again still give plugins
and the other pages what they need (`Unchanged`); `config._current_page` is set meanwhile, as MkDocs sets it while
it reads a page; `theme.get_env` is wrapped to keep the theme's compiled templates (`quicker_theme`). Material's
part is its templates' blocks, which the theme overrides fill. MkDocs' configuration is read with its own YAML
loader on PyYAML's C parser (`_load_config`)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import jinja2
import mkdocs.commands.build as mkdocs_build_module
import mkdocs.config.defaults as mkdocs_defaults
import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.utils import get_markdown_title
from packaging.specifiers import SpecifierSet

from .cache import FOLDER as CACHE_FOLDER
from .cache import compiled_templates
from .errors import DataError, Problem

# The plugins known to work when MkDocs builds the changed pages only (they read each page's front matter and
# Markdown, which `Unchanged` gives them for the others); with any other plugin every build builds every page.
PARTIAL_PLUGINS = {"material/tags", "tags"}
THEME_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions")
# The versions this module was written for, by package: its name, the version (later ones of its series will do) and
# what of it the build uses that other versions change. pyproject.toml asks for the same.
WRITTEN_FOR = {
    "mkdocs": ("MkDocs", "1.6.1", "its private _populate_page, config._current_page and theme.get_env"),
    "mkdocs-material": ("Material for MkDocs", "9.8.2", "its templates' blocks and partials"),
}


@functools.cache
def versions() -> str:
    """The installed versions of MkDocs, Material and the Markdown extensions, as one string (a fingerprint's part)."""
    found = installed(THEME_PACKAGES)
    return " ".join(f"{name}=={version}" if version else f"{name} missing" for name, version in found.items())


def installed(names: Iterable[str]) -> dict[str, str | None]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def version_problems(found: dict[str, str | None]) -> list[Problem]:
    """A problem for each package of WRITTEN_FOR whose version in `found` is not of the series it was written for."""
    problems = []
    wanted = " ".join(f"'{name}~={version}'" for name, (_, version, _) in WRITTEN_FOR.items())
    for name, (label, version, uses) in WRITTEN_FOR.items():
        have = found.get(name)
        if have is not None and SpecifierSet(f"~={version}").contains(have, prereleases=True):
            continue
        said = f"{label} {have} is installed" if have else f"{label} is not installed"
        series = version.rsplit(".", 1)[0]
        message = f"{said}; the build was written for {label} {version} (or a later {series}) and uses {uses}"
        fix = f"install the versions it was written for: python -m pip install {wanted}"
        problems.append(Problem(sys.prefix, None, message, fix))
    return problems


@functools.cache
def check_versions() -> None:
    """Stop with one message naming the installed and the expected versions, before MkDocs runs, when MkDocs or
    Material is not of the version this module was written for."""
    problems = version_problems(installed(WRITTEN_FOR))
    if problems:
        raise DataError(problems)


def front_matter_block(lines: Iterable[str]) -> list[str]:
    """The front matter at the start of a page, as MkDocs reads it: its lines from the opening `---` to the closing
    `---` or `...`, both included; [] if it has none. Stops reading at its end."""
    lines = iter(lines)
    first = next(lines, "")
    if first.rstrip() != "---":
        return []
    block = [first]
    for line in lines:
        block.append(line)
        if line.rstrip() in ("---", "..."):
            return block
    return []


class NeedsFullBuild(Exception):
    pass


class Unchanged:
    """MkDocs building the changed pages only (its `dirty` builds), made to give the same pages as a full build.

    MkDocs does not read a page that it does not render again, so plugins and the pages that are rendered lack what
    they need from it: its title (navigation, previous and next links), its tags (the tags plugin links them to the
    tags index and lists every tagged page) and its anchors (the links to them are checked). For each such page this
    reads its Markdown and gives it the front matter kept from the last build and its anchors, and runs the
    plugins' Markdown event on it, in MkDocs' own order, without rendering it. A rendered page that lost an anchor
    (a link from an unchanged page may point to it) or that lists other pages (the tags index) asks for a full
    build instead."""

    def __init__(self, anchors: dict[str, list[str]], meta: dict[str, dict]) -> None:
        self.stored, self.meta = anchors, meta

    def populate(self, original):
        def populate(page, config, files, dirty: bool = False) -> None:
            if dirty and not page.file.is_modified():
                self._read(page, config, files)
                return
            original(page, config, files, dirty)
            if TAGS_MARKER in Path(page.file.abs_src_path).read_text(encoding="utf-8"):
                raise NeedsFullBuild(f"{page.file.src_uri} lists other pages")
            if set(self.stored.get(page.file.src_uri, ())) - (page.present_anchor_ids or set()):
                raise NeedsFullBuild(f"{page.file.src_uri} lost an anchor")

        return populate

    def _read(self, page, config, files) -> None:
        config._current_page = page
        try:
            text = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig")
            head = "".join(front_matter_block(text.splitlines(keepends=True)))
            page.markdown = text[len(head) :] if head else text
            page.meta = dict(self.meta.get(page.file.src_uri, {}))
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
            page.present_anchor_ids = set(self.stored.get(page.file.src_uri, ()))
            page._title_from_render = get_markdown_title(page.markdown)  # as rendering would find it: its <h1>
            page.content = ""  # not rendered; plugins that fill in listings may write to it (it is not written)
        finally:
            config._current_page = None


def _partial_safe(plugin: str) -> bool:
    """A plugin of PARTIAL_PLUGINS, or the generator's own hooks (they only change how downloads are copied)."""
    return plugin in PARTIAL_PLUGINS or os.path.abspath(plugin) == str(Path(__file__).with_name("mkdocs_hooks.py"))


TAGS_MARKER = "<!-- material/tags"


class _Warnings(logging.Handler):
    """Keeps MkDocs' warnings, so that a failed build reports them instead of a bare count."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _not_dirty_warning(record: logging.LogRecord) -> bool:
    """MkDocs warns about every build of changed pages only (its `--dirty`): this one checks what it warns about."""
    return not record.getMessage().startswith("A 'dirty' build is being performed")


def _load_config(config_file: Path, **options):
    """MkDocs' configuration, read by its YAML loader (its tags added to PyYAML's full loader) on PyYAML's C parser,
    the same loader in C: the navigation of a large catalog took a second to read in Python at every build."""
    original = mkdocs_defaults.get_yaml_loader
    mkdocs_defaults.get_yaml_loader = functools.partial(original, getattr(yaml, "CLoader", yaml.Loader))
    try:
        return load_config(config_file=str(config_file), **options)
    finally:
        mkdocs_defaults.get_yaml_loader = original


def run(config_file: Path, out: Path, unchanged: Unchanged | None) -> dict[str, list[str]]:
    """One MkDocs build; returns each page's anchors. `unchanged` given: only the pages whose Markdown is newer than
    their HTML are built again."""
    check_versions()
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    warnings = _Warnings()
    logger.addHandler(warnings)
    logging.getLogger("mkdocs.commands.build").addFilter(_not_dirty_warning)
    anchors: dict[str, list[str]] = {}
    try:
        config = _load_config(config_file, site_dir=str(out), strict=True)
        quicker_theme(config, config_file.parent.parent / CACHE_FOLDER)
        if unchanged is not None and {name for name in config.plugins if not _partial_safe(name)}:
            raise NeedsFullBuild("a plugin is used that needs every page read")
        config.plugins["kb-anchors"] = _AnchorRecorder(anchors)
        original = mkdocs_build_module._populate_page
        if unchanged is not None:
            mkdocs_build_module._populate_page = unchanged.populate(original)
        try:
            mkdocs_build(config, dirty=unchanged is not None)
        finally:
            mkdocs_build_module._populate_page = original
    except (MkDocsException, SystemExit) as error:
        problems = [Problem(str(config_file), None, message, "") for message in warnings.messages[:MAX_SHOWN]]
        more = len(warnings.messages) - MAX_SHOWN
        summary = f"MkDocs could not build the site: {error}" + (
            f" ({more} more warnings not shown)" if more > 0 else ""
        )
        problems.append(Problem(str(config_file), None, summary, "the warnings above name the page and the problem"))
        raise DataError(problems) from None
    finally:
        logger.removeHandler(warnings)
        logging.getLogger("mkdocs.commands.build").removeFilter(_not_dirty_warning)
    return anchors


def quicker_theme(config, cache_folder: Path) -> None:
    """The theme's Jinja environment with its compiled templates kept in the build cache (each signed with this
    account's key, see cache.SignedBytecodeCache; Jinja checks each against its source), and the theme's installed
    folders listed once per process: MkDocs otherwise compiles Material's templates and walks its thousands of icon
    files at every build."""
    theme, make = config.theme, config.theme.get_env
    compiled = cache_folder / "theme-jinja" / hashlib.sha256(f"{versions()} {theme.locale}".encode()).hexdigest()[:24]

    def get_env():
        env = make()
        with contextlib.suppress(OSError):
            compiled.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = compiled_templates(compiled)
        if isinstance(env.loader, jinja2.FileSystemLoader):
            env.loader = _ListedOnce(env.loader, fresh={theme.custom_dir} if theme.custom_dir else set())
        return env

    theme.get_env = get_env


class _ListedOnce(jinja2.BaseLoader):
    """A FileSystemLoader whose folders, but those in `fresh` (the theme overrides), are listed once per process."""

    listings: dict[str, list[str]] = {}

    def __init__(self, loader: jinja2.FileSystemLoader, fresh: set[str]) -> None:
        self.loader, self.fresh = loader, {os.path.abspath(f) for f in fresh}

    def get_source(self, environment, template):
        return self.loader.get_source(environment, template)

    def list_templates(self) -> list[str]:
        found = set()
        for folder in self.loader.searchpath:
            if os.path.abspath(folder) in self.fresh or folder not in self.listings:
                self.listings[folder] = jinja2.FileSystemLoader(folder).list_templates()
            found.update(self.listings[folder])
        return sorted(found)


class _AnchorRecorder:
    """Keeps every page's anchors after the build, for the next build of changed pages."""

    def __init__(self, anchors: dict[str, list[str]]) -> None:
        self.anchors = anchors
        self.files = None

    def on_env(self, env, /, *, config, files):
        self.files = files
        return env

    def on_post_build(self, *, config):
        for file in self.files.documentation_pages() if self.files else ():
            if file.page is not None and file.page.present_anchor_ids is not None:
                self.anchors[file.src_uri] = sorted(file.page.present_anchor_ids)


MAX_SHOWN = 20


def warm_up(config_file: Path, out: Path) -> None:
    """Load a language's configuration once in this process: MkDocs' plugins, Markdown extensions and theme are
    imported, so that the processes forked for later builds start with them (`serve`)."""
    check_versions()
    config = _load_config(config_file, site_dir=str(out))
    quicker_theme(config, config_file.parent.parent / CACHE_FOLDER)
    config.theme.get_env().list_templates()
