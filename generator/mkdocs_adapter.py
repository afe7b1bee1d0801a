"""Every use of MkDocs' API, its private parts included, in one place; and the versions of MkDocs and Material it
was written for, checked before MkDocs runs.

Its private parts are used where MkDocs offers no public way: `mkdocs.commands.build._populate_page` is wrapped when
MkDocs builds the changed pages only, so that the pages it does not render again still give plugins and the other
pages what they need (`Unchanged`); `config._current_page` is set meanwhile, as MkDocs sets it while it reads a
page; `theme.get_env` is wrapped to keep the theme's compiled templates (`quicker_theme`); when a language's pages
are built in two processes (`Halves`), `_populate_page`, `_build_page`, `_build_theme_template` and
`_build_extra_template` are wrapped to do each process's half, and a page's `_title_from_render` is set as
rendering would set it. Material's
part is its templates' blocks, which the theme overrides fill. MkDocs' configuration is read with its own YAML
loader on PyYAML's C parser (`_load_config`). Of Python-Markdown, a link's bracket ends are found by
`bracket_ends` while MkDocs runs (its `LinkInlineProcessor._findBracketEnds`, the same list, quicker)."""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import os
import pickle
import re
import signal
import sys
import traceback
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import NoReturn

import jinja2
import markdown.inlinepatterns
import mkdocs.commands.build as mkdocs_build_module
import mkdocs.config.defaults as mkdocs_defaults
import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, MkDocsException
from mkdocs.structure.pages import Page
from mkdocs.utils import get_markdown_title
from packaging.specifiers import SpecifierSet

from .cache import FOLDER as CACHE_FOLDER
from .cache import compiled_folder, compiled_templates
from .errors import DataError, Problem
from .parallel import ChildFailed

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


class Halves:
    """MkDocs' pages over two processes, for a language built while a core is free (one language on two cores): after
    the navigation is made, this process forks; each process renders every other page (its half: Markdown, theme,
    file) and reads the others as `Unchanged` reads a page it does not render (front matter, plugins' Markdown event,
    title). The process forked copies no static file and writes no theme template. When its pages are written it hands
    this process its pages' anchors, their links to anchors and its warnings, and ends; this process then checks every
    page's links to anchors and counts every warning as MkDocs would in one process (strict stays strict). A failure
    in either ends both with what MkDocs said."""

    def __init__(self, warnings: _Warnings) -> None:
        self.warnings, self.seen, self.child, self.forked, self.mine, self.channel = warnings, 0, 0, False, None, -1

    # a plugin event of MkDocs, the last one run: the navigation is made, no page read yet
    def on_nav(self, nav, /, *, config, files):
        pages = files.documentation_pages()
        if len(pages) < 2:
            return nav
        halves = _halves(pages)
        read, write = os.pipe()
        self.seen = len(self.warnings.records)
        gc.freeze()  # the child's garbage collector leaves what it shares with this process alone
        pid = os.fork()
        if pid == 0:
            os.close(read)
            self.forked, self.channel = True, write
            self.mine = halves[1]
        else:
            gc.unfreeze()
            os.close(write)
            self.child, self.channel = pid, read
            self.mine = halves[0]
            files.copy_static_files = lambda *args, **kwargs: None  # the fork's, which starts later
            mkdocs_build_module._build_theme_template = mkdocs_build_module._build_extra_template = _nothing
        return nav

    def populate(self, original):
        def populate(page, config, files, dirty: bool = False) -> None:
            if self.mine is None or page.file.src_uri in self.mine:
                original(page, config, files, dirty)
                return
            page.render = functools.partial(_unrendered, page)  # read as MkDocs reads it, events and errors alike
            try:
                original(page, config, files, dirty)
            finally:
                del page.render

        return populate

    def build_page(self, original):
        def build_page(page, *args, **kwargs) -> None:
            if self.mine is None or page.file.src_uri in self.mine:
                original(page, *args, **kwargs)

        return build_page

    def validate(self, original):
        def validate(page, *, files, log_level) -> None:
            self.meet(files)
            original(page, files=files, log_level=log_level)

        return validate

    def meet(self, files) -> None:
        """Every page is written: the fork hands over what it found and ends; this process takes it (once)."""
        if self.forked:
            own = [file.page for file in files.documentation_pages() if file.src_uri in self.mine and file.page]
            self._tell({
                "anchors": {p.file.src_uri: sorted(p.present_anchor_ids or ()) for p in own
                            if p.present_anchor_ids is not None},
                "links": {p.file.src_uri: {to.src_uri: links for to, links in p.links_to_anchors.items()}
                          for p in own if p.links_to_anchors},
            })  # fmt: skip
        if not self.child:
            return
        told = self._heard()
        for name, level, message in told["warnings"]:
            logging.getLogger(name).log(level, message)  # counted here, as MkDocs counts them in strict mode
        if "template" in told:
            raise jinja2.TemplateSyntaxError(*told["template"])
        if "error" in told:
            raise (Abort if told["fatal"] else ChildFailed)(told["error"])
        for file in files.documentation_pages():
            if file.page is None:
                continue
            if file.src_uri in told["anchors"]:
                file.page.present_anchor_ids = set(told["anchors"][file.src_uri])
            links = told["links"].get(file.src_uri)
            if links:
                file.page.links_to_anchors = {files.get_file_from_path(to): found for to, found in links.items()}

    def fail(self, error: BaseException) -> None:
        """The fork failed: tell this process what MkDocs said, and end."""
        if self.forked:
            if isinstance(error, jinja2.TemplateSyntaxError):
                self._tell({"template": (error.message, error.lineno, error.name, error.filename)})
            fatal = isinstance(error, (MkDocsException, SystemExit))
            self._tell({"error": str(error) if fatal else traceback.format_exc(), "fatal": fatal})

    def _tell(self, told: dict) -> NoReturn:
        told["warnings"] = self.warnings.records[self.seen :]
        try:
            with os.fdopen(self.channel, "wb") as channel:
                pickle.dump(told, channel)
        finally:
            os._exit(0)

    def _heard(self) -> dict:
        with os.fdopen(self.channel, "rb") as channel:
            data = channel.read()
        self.channel = -1
        _, status = os.waitpid(self.child, 0)
        self.child = 0
        if not data:
            return {"warnings": [], "error": f"the process rendering half the pages ended ({status})", "fatal": False}
        return pickle.loads(data)

    def end(self) -> None:
        """This process's build ended (or failed): the fork, if it still runs, is stopped."""
        if self.forked:
            os._exit(1)  # never returns into the build of the process it was forked from
        if self.channel >= 0:
            os.close(self.channel)
        if self.child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child, signal.SIGKILL)
            os.waitpid(self.child, 0)
            self.child = 0


def _unrendered(page, config, files) -> None:
    """What rendering a page gives the other pages, without rendering it: its title (its <h1>); no anchors known."""
    page._title_from_render = get_markdown_title(page.markdown)
    page.present_anchor_ids, page.content = None, ""


def _halves(pages) -> tuple[set[str], set[str]]:
    """The pages in two halves of about the same work, the largest first into the lighter half: measured on a
    catalog's 1,222 pages, MkDocs spends about 6 ms on a page and 0.74 µs on each byte of its Markdown."""
    halves, work = (set(), set()), [0, 0]
    for size, name in sorted(((_size(file), file.src_uri) for file in pages), reverse=True):
        lighter = work.index(min(work))
        halves[lighter].add(name)
        work[lighter] += size + PAGE_BYTES
    return halves


PAGE_BYTES = 8_000  # what a page costs MkDocs besides its Markdown, in bytes of Markdown (6 ms / 0.74 µs)


def _size(file) -> int:
    try:
        return os.path.getsize(file.abs_src_path)
    except OSError:
        return 0


def _nothing(*args, **kwargs) -> None:
    return None


def _partial_safe(plugin: str) -> bool:
    """A plugin of PARTIAL_PLUGINS, or the generator's own hooks (they only change how downloads are copied)."""
    return plugin in PARTIAL_PLUGINS or os.path.abspath(plugin) == str(Path(__file__).with_name("mkdocs_hooks.py"))


TAGS_MARKER = "<!-- material/tags"


class _Warnings(logging.Handler):
    """Keeps MkDocs' warnings, so that a failed build reports them instead of a bare count."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []  # logger, level, message

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))

    @property
    def messages(self) -> list[str]:
        return [message for _, _, message in self.records]


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


def run(config_file: Path, out: Path, unchanged: Unchanged | None, halves: bool = False) -> dict[str, list[str]]:
    """One MkDocs build; returns each page's anchors. `unchanged` given: only the pages whose Markdown is newer than
    their HTML are built again. A build of every page: `halves`, its pages over two processes (see Halves)."""
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
        every_page = {name for name in config.plugins if not _partial_safe(name)}  # a plugin that reads all pages
        if unchanged is not None and every_page:
            raise NeedsFullBuild("a plugin is used that needs every page read")
        split = Halves(warnings) if halves and unchanged is None and not every_page else None
        config.plugins["kb-anchors"] = _AnchorRecorder(anchors)
        patched = ("_populate_page", "_build_page", "_build_theme_template", "_build_extra_template")
        originals = {name: getattr(mkdocs_build_module, name) for name in patched}
        validate = Page.validate_anchor_links
        links = markdown.inlinepatterns.LinkInlineProcessor
        find_ends = links.__dict__.get("_findBracketEnds")
        if isinstance(find_ends, staticmethod):
            links._findBracketEnds = staticmethod(bracket_ends)
        if unchanged is not None:
            mkdocs_build_module._populate_page = unchanged.populate(originals["_populate_page"])
        if split is not None:
            config.plugins["kb-halves"] = split
            mkdocs_build_module._populate_page = split.populate(originals["_populate_page"])
            mkdocs_build_module._build_page = split.build_page(originals["_build_page"])
            Page.validate_anchor_links = split.validate(validate)
        try:
            mkdocs_build(config, dirty=unchanged is not None)
        except BaseException as error:
            if split is not None:
                split.fail(error)
            raise
        finally:
            for name, original in originals.items():
                setattr(mkdocs_build_module, name, original)
            Page.validate_anchor_links = validate
            if isinstance(find_ends, staticmethod):
                links._findBracketEnds = find_ends
            if split is not None:
                split.end()
    except jinja2.TemplateSyntaxError as error:  # a knowledge base's own theme template (overrides/)
        problem = f"this theme template cannot be used: {error.message}"
        raise DataError([Problem(_theme_file(error, config_file), error.lineno, problem, THEME_FIX)]) from None
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


def bracket_ends(data: str) -> list[int | None]:
    """What Python-Markdown's `LinkInlineProcessor._findBracketEnds` returns (for each index of `data`, the index just
    past the `]` that closes a bracket opened before it, or None), found by the brackets alone instead of by every
    character in Python: depth changes at a bracket only, so the indexes between two brackets share their end. The
    same lists for every page of both languages and 20,000 random strings; 0.67 → 0.02 s for every page's text, and
    about 0.12 s of a language's MkDocs build (Markdown asks again each time a link in a paragraph is replaced)."""
    ends: list[int | None] = [None] * (len(data) + 1)
    starts, depths, depth = [0], [0], 0  # the runs of indexes at one depth: where each starts, its depth
    for bracket in BRACKET.finditer(data):
        depth += 1 if bracket.group() == "[" else -1
        starts.append(bracket.end())
        depths.append(depth)
    starts.append(len(data) + 1)
    waiting: list[int] = []  # runs whose end is not found yet, their depths increasing
    for run, depth in enumerate(depths):
        while waiting and depth < depths[waiting[-1]]:
            ended = waiting.pop()
            ends[starts[ended] : starts[ended + 1]] = [starts[run]] * (starts[ended + 1] - starts[ended])
        waiting.append(run)
    return ends


BRACKET = re.compile(r"[\[\]]")


THEME_FIX = "correct the template: Jinja's syntax, with the filters and values Material's templates have"


def _theme_file(error: jinja2.TemplateSyntaxError, config_file: Path) -> str:
    """The template as its author knows it: the knowledge base's own overrides/<name> (build/overrides holds the
    generator's and the knowledge base's together), shown from the folder that holds the knowledge base."""
    build = config_file.resolve().parent.parent
    found = Path(error.filename or "")
    if found.is_relative_to(build / "overrides"):
        own = build.parent / found.relative_to(build)
        if own.is_file():
            return own.relative_to(build.parent.parent).as_posix()
    return error.filename or error.name or "a theme template"


def quicker_theme(config, cache_folder: Path) -> None:
    """The theme's Jinja environment with its compiled templates kept, and the theme's installed folders listed once
    per process: MkDocs otherwise compiles Material's templates and walks its thousands of icon files at every build.
    The installed theme's templates are kept as the pages' are (cache.compiled_folder: a cold build, with no build
    folder, finds them compiled), the knowledge base's overrides in the build cache (their path is the build
    folder's); each signed with this account's key (cache.SignedBytecodeCache; Jinja checks each against its
    source)."""
    theme, make = config.theme, config.theme.get_env
    name = hashlib.sha256(versions().encode()).hexdigest()[:24]
    own_folder = cache_folder / "theme-jinja" / name / str(theme.locale)
    fresh = {os.path.abspath(theme.custom_dir)} if theme.custom_dir else set()

    def get_env():
        env = make()
        own = compiled_templates(own_folder)  # None: this account has no key, templates are compiled in memory
        if own is not None:
            shared = compiled_folder("theme", name, cache_folder)
            env.bytecode_cache = (
                _KeptApart(compiled_templates(shared / str(theme.locale)), own, fresh) if shared else own
            )
        if isinstance(env.loader, jinja2.FileSystemLoader):
            env.loader = _ListedOnce(env.loader, fresh=fresh)
        return env

    theme.get_env = get_env


class _KeptApart(jinja2.BytecodeCache):
    """Compiled templates kept in `shared`, but those of the folders `fresh` (a build folder's theme overrides), which
    go to `own`."""

    def __init__(self, shared: jinja2.BytecodeCache, own: jinja2.BytecodeCache, fresh: set[str]) -> None:
        self.shared, self.own, self.fresh, self.of = shared, own, fresh, {}

    def get_bucket(self, environment, name, filename, source):
        folder = os.path.abspath(filename or "")
        cache = self.own if any(folder.startswith(f + os.sep) for f in self.fresh) else self.shared
        bucket = cache.get_bucket(environment, name, filename, source)
        self.of[bucket.key] = cache
        return bucket

    def set_bucket(self, bucket) -> None:
        self.of.get(bucket.key, self.own).set_bucket(bucket)


class _ListedOnce(jinja2.BaseLoader):
    """A FileSystemLoader whose folders, but those in `fresh` (the theme overrides), are listed once per process, each
    without the files and folders whose names start with a dot. MkDocs lists a theme's files to copy its static
    ones (`Files.add_files_from_theme`, the only caller), and leaves out every name with such a part: Material's
    .icons alone are 14,500 of its 14,700 files, each matched against a dozen patterns, in every language's process
    of a cold build."""

    listings: dict[str, list[str]] = {}

    def __init__(self, loader: jinja2.FileSystemLoader, fresh: set[str]) -> None:
        self.loader, self.fresh = loader, fresh

    def get_source(self, environment, template):
        return self.loader.get_source(environment, template)

    def list_templates(self) -> list[str]:
        found = set()
        for folder in self.loader.searchpath:
            if os.path.abspath(folder) in self.fresh or folder not in self.listings:
                self.listings[folder] = _undotted_files(folder)
            found.update(self.listings[folder])
        return sorted(found)


def _undotted_files(folder: str) -> list[str]:
    """The files under `folder` as Jinja's FileSystemLoader lists them (relative, "/"-separated), but
    those with a part of their path that starts with a dot."""
    found = []
    for parent, dirs, names in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        under = os.path.relpath(parent, folder).replace(os.sep, "/")
        prefix = "" if under == "." else f"{under}/"
        found += [prefix + name for name in names if not name.startswith(".")]
    return found


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
