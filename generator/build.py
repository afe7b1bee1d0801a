"""The orchestrator: load → validate → link → render → write → site, each stage timed. Nothing else lives here.

The first three stages run once; then each language goes its own way in a process of its own (render, write, MkDocs:
two cores build two languages at once), and the languages' sites are put together, indexed and swapped in. Nothing
runs when nothing a build reads has changed since the last (uptodate.py); downloads come from the build cache
(cache.py) and each page's Markdown from the last build (reads.py) when nothing they read has changed."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import __version__
from .cache import FOLDER as CACHE_FOLDER
from .cache import Cache, code_fingerprint, compiled_folder, compiled_templates, environment_fingerprint, feature_code
from .errors import Problem
from .features import About, BuildSettings, Feature
from .features.registry import checked, configured, linked_by_features
from .files import remove_links
from .i18n import Language
from .layout import DEFAULTS as DEFAULTS  # where other modules have found it
from .layout import Paths, walk_files
from .link import Linked
from .load import load
from .mkdocs_adapter import check_versions
from .mkdocs_config import BaseConfig
from .mkdocs_run import build_language
from .overlay import Applied, load_overlay
from .pages import Page, nav, url_of
from .parallel import Handover, Turns, can_fork, cores, in_parallel
from .publish import SITE_MARKER, Publication, build_lock, check_output_dirs, patch, remove_leftovers
from .reads import Entities, Pages, TemplateNames, fingerprint, page_reads, recording
from .render import TermMatcher, environment, html_text, render_page
from .reproducible import zip_bytes
from .search_index import SearchIndex, read_titles, titles
from .uptodate import forget, inputs_fingerprint, record, up_to_date
from .validate import validate
from .write import alternates, language_config, write_if_changed, write_language, write_theme


@dataclass
class BuildReport:
    timings: dict[str, float] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    cached: dict[str, list[str]] = field(default_factory=lambda: {"hits": [], "misses": []})  # "Checklists-ja", …
    mkdocs: dict[str, str] = field(default_factory=dict)  # per language: which pages MkDocs built, and why
    rendered: dict[str, int] = field(default_factory=dict)  # per language: the pages rendered (not the last build's)
    search_pending: bool = False  # serve: the pages are out, their search index comes after (publish.reindex)
    notices: list[Problem] = field(default_factory=list)  # the overlay's notes to review, fingerprints to keep
    unchanged: int | None = None  # nothing changed since the last build: the files of site/ found as it published
    inputs: str = ""  # the fingerprint of what the build read (uptodate.py), for serve to record after `reindex`
    changed: list[str] = field(default_factory=list)  # the files of site/ that this build changed (site-relative)
    handed: list[str] = field(default_factory=list)  # files a language's process made for another's ("search-ja")


def load_knowledge_base(data_dir: Path) -> Linked:
    """The first three stages and the features' own checks (configured as a build without a site address would
    configure them); what `check` runs."""
    linked = linked_by_features(validate(load(data_dir)))
    checked(linked, configured(linked, BuildSettings(site_url="")))
    return linked


def page_title(page: Page, language: Language) -> str:
    if isinstance(page.title, str):
        return language.t(page.title)
    section = page.section
    return language.section_title(section) if section is not None else language.text(page.title)


def nav_title(page: Page, language: Language) -> str:
    """Titles in the navigation: the home page is just "Home", the others their page title."""
    return html_text(language.t("nav.home") if page.path == "index.md" else page_title(page, language))


def page_tags(page: Page, linked: Linked, language: Language) -> list[str]:
    section = page.section
    if section is None:
        return []
    actors = {a.id: a for a in linked.kb.actors}
    return [language.text(actors[a].name) for a in (*section.actors, *section.stakeholders)]


def own_context(feature: Feature, values: dict, shared: dict) -> dict:
    """A feature's template values; a name another feature (or the build) already gave is an error, not an override."""
    clash = sorted(values.keys() & shared.keys())
    if clash:
        raise TypeError(f"feature {type(feature).__name__} gives template names already taken: {', '.join(clash)}")
    return values


def build_settings(base: BaseConfig, overlay: Applied | None = None) -> BuildSettings:
    """The build's settings for the features: the site's address is the knowledge base's mkdocs.yml `site_url`
    (merged over the generator's, as MkDocs reads it), "" when none is set: the workbooks link to the site only
    when it is known."""
    return BuildSettings(site_url=base.site_url, overlay=overlay)


def apply_overlay(linked: Linked, paths: Paths) -> Applied | None:
    """The overlay named by --overlay, else by kb.yaml, loaded and linked against the knowledge base; or None."""
    named = linked.kb.config.overlay
    folder = paths.overlay or (paths.project / named if named else None)
    return load_overlay(folder, linked) if folder else None


@dataclass
class Plan:
    """What every language of a build shares, made once before the languages part."""

    linked: Linked
    paths: Paths
    theme: tuple[BaseConfig, Path]
    features: list[Feature]
    pages: list[Page]
    languages: list[Language]
    names: dict[str, str]


def plan(linked: Linked, paths: Paths, theme: tuple[BaseConfig, Path], features: list[Feature]) -> Plan:
    """What every language shares: the pages of the features, configured and checked."""
    pages = [page for feature in features for page in feature.pages(linked)]
    languages = Language.all(linked.kb)
    # Material prints the language names as HTML, unescaped, in the language selector.
    names = {language.code: html_text(language.t(f"language.{language.code}")) for language in languages}
    return Plan(linked, paths, theme, features, pages, languages, names)


def generate_language(plan: Plan, language: Language, report: BuildReport, cache: Cache, split: bool = False,
                      handover: Handover | None = None) -> Path:  # fmt: skip
    """Render and write one language; return its MkDocs config. `split`: a core is free (see render_pages).
    `handover`: another language's process makes the files that may be made anywhere (see _one_language)."""
    linked, features, pages = plan.linked, plan.features, plan.pages
    files = {}
    for feature in features:
        elsewhere = handover is not None and feature.files_made_anywhere
        if elsewhere:
            handover.wait()
        files.update(cache.files(feature, linked, language, elsewhere))
    files.update(download_all(linked, language, files))
    shared = shared_context(plan, language, files)
    state = Pages(plan.paths.build / language.code, read=cache.enabled)
    rendered = render_pages(plan, language, shared, state, split)
    report.rendered[language.code] = rendered.count
    site_nav = nav(linked, pages, functools.partial(nav_title, language=language))
    site_name = html_text(language.text(linked.kb.document.title))
    switch = alternates(plan.names, language) if len(plan.languages) > 1 else []  # one language: no language selector
    config = language_config(language, site_name, site_nav, switch, linked.kb.config.slug,
                             linked.kb.config.interface_fallback.get(language.code))  # fmt: skip
    report.pages[language.code] = len(rendered.markdown)
    report.files[language.code] = len([path for path in files if path.startswith("downloads/")])  # not our assets
    rendered.state.forget()
    config_file = write_language(plan.paths, plan.theme, language.code, rendered.markdown, files, config)
    rendered.save()
    return config_file


def shared_context(plan: Plan, language: Language, files: dict[str, bytes]) -> dict:
    """What every page template of a language may use besides its page: the downloads, and each feature's values."""
    linked, features = plan.linked, plan.features
    shared = {
        "download_about": described(features, linked, language, files),
        "generator_version": __version__,
        "home_cards": [c for f in features for c in f.home_cards()],
        "site_pages": {page.path for page in plan.pages},
    }
    for feature in features:
        shared.update(own_context(feature, feature.context(linked, language, files), shared))
    return shared


def download_all(linked: Linked, language: Language, files: dict[str, bytes]) -> dict[str, bytes]:
    """Every download of the language, from every feature, in one zip beside them (downloads/<slug>-<code>.zip),
    the same bytes for the same files: dated by the data (its newest changelog entry), never by the clock."""
    name = f"{linked.kb.config.slug}-{language.code}"
    downloads = {f"{name}/{path.removeprefix(DOWNLOADS)}": data for path, data in files.items()
                 if path.startswith(DOWNLOADS)}  # fmt: skip
    return {f"{DOWNLOADS}{name}.zip": zip_bytes(downloads, linked.kb.changelog[0].date)} if downloads else {}


def described(features: list[Feature], linked: Linked, language: Language, files: dict[str, bytes]) -> dict[str, About]:
    """What each download of the language is, as the feature that writes it says; one it does not say is shown by
    its file name."""
    about = {path: a for feature in features for path, a in feature.about(linked, language).items()}
    other = language.t("downloads.about.other")
    return {
        path: about.get(path) or About(posixpath.basename(path), other) for path in files if path.startswith(DOWNLOADS)
    }


DOWNLOADS = "downloads/"


@dataclass
class Rendered:
    state: Pages
    entities: Entities
    pages: dict[str, tuple[str, str, list[str]]]  # path: (fingerprint, Markdown, what it read)
    count: int  # the pages rendered (the others were the last build's)

    @property
    def markdown(self) -> dict[str, str]:
        return {path: text for path, (_, text, _) in self.pages.items()}

    def save(self) -> None:
        self.state.save(self.entities, self.pages)


def render_pages(plan: Plan, language: Language, shared: dict, state: Pages, split: bool = False) -> Rendered:
    """Every page's Markdown: rendered, or the last build's when nothing it reads changed (see reads.py). `split`: a
    core is free, the pages to render are rendered half here, half in a process forked for them."""
    linked = plan.linked
    entities = Entities(linked)
    env = page_templates(plan)
    names = TemplateNames(env)
    settings = [(f.name, vars(f)) for f in plan.features]
    folders = tuple(f.template_folder for f in plan.features if f.template_folder)
    code = [code_fingerprint(), *map(code_fingerprint, folders), *filter(None, map(feature_code, plan.features))]
    every_page = [*code, environment_fingerprint(), dt.date.today().isoformat(), language.code,
                  entities.shape_of(settings), entities.shape, entities.hashes["config"]]  # fmt: skip
    keys, kept, todo = {}, {}, []
    with recording(entities):
        for page in plan.pages:
            used = names.of(page.template)
            own = {name: value for name, value in shared.items() if used is None or name in used}
            keys[page.path] = fingerprint([every_page, entities.shape_of([vars(page), own])])
            last = state.kept(page.path, keys[page.path], entities)
            if last is None:
                todo.append(page)
            else:
                kept[page.path] = last
        if todo:
            turns = Turns(len(todo))  # each process renders the next page not yet taken
            some = functools.partial(_render_some, env, plan, language, TermMatcher(linked.kb.glossary), shared)
            jobs = [functools.partial(some, todo, turns)] * 2
            done = in_parallel(jobs, first_here=True) if split and len(todo) > 1 else [some(todo, turns)]
            for texts in done:
                kept.update(texts)
    pages = {path: (key, *kept[path]) for path, key in keys.items()}
    return Rendered(state, entities, pages, len(todo))


def _render_some(env: jinja2.Environment, plan: Plan, language: Language, terms: TermMatcher, shared: dict,
                 pages: list[Page], turns: Turns) -> dict[str, tuple[str, list[str]]]:  # fmt: skip
    """The Markdown of the pages whose turn this process takes, each with what it read."""
    texts = {}
    for page in map(pages.__getitem__, turns):
        with page_reads() as read:
            texts[page.path] = (_render(env, plan, language, page, terms, shared), sorted(read))
    return texts


def _render(env: jinja2.Environment, plan: Plan, language: Language, page: Page, terms: TermMatcher,
            shared: dict) -> str:  # fmt: skip
    context = {**shared, "page_title": page_title(page, language), "page_tags": page_tags(page, plan.linked, language)}
    return render_page(env, plan.linked, language, page, terms, context)


@functools.cache
def templates(cache_folder: Path, folders: tuple[Path, ...] = ()) -> jinja2.Environment:
    """The pages' Jinja environment: made once per process (the processes `serve` forks for a build start with every
    template compiled). Compiled templates are kept for the next process (cache.compiled_folder), in a folder of this
    very generator's code (what Jinja compiles depends on how render.py sets it up). Each is signed with this
    account's key and checked when read (cache.SignedBytecodeCache): no code is loaded that this account did not
    compile."""
    env = environment(folders)
    compiled = compiled_folder("jinja", code_fingerprint()[:24], cache_folder)
    if compiled is not None:
        env.bytecode_cache = compiled_templates(compiled)
    return env


def compile_templates(cache_folder: Path) -> None:
    """Every page template compiled now, in this process's environment and for later ones (see `templates`)."""
    env = templates(cache_folder)
    for name in env.list_templates(filter_func=lambda name: name.endswith(".j2")):
        env.get_template(name)


def build(paths: Paths, site: bool = True, cache: bool = True, search: SearchIndex | None = None,
          search_later: bool = False, progress: Callable[[str], None] | None = None) -> BuildReport:  # fmt: skip
    """The whole build; nothing at all when nothing it reads changed since the last (see uptodate.py). `search`: a
    running Pagefind service to use (serve keeps one); else one is started here, so that it gets ready while the data
    loads. `search_later` (serve): see publish.publish. `progress`: told each stage as it starts."""
    if site:
        check_versions()  # MkDocs and Material of the versions this generator knows, before anything is touched
    check_output_dirs(paths.site if site else None, paths.build, paths.project, paths.data)  # before any write
    with build_lock(paths.build):  # one build at a time in a build folder
        remove_links(paths.build)  # build/ is not trusted: nothing is written through a link planted there
        if site:
            remove_leftovers(paths.site)
        start = time.perf_counter()
        inputs = inputs_fingerprint(paths) if site else ""
        if site and cache:
            found = up_to_date(paths, inputs)
            if found is not None:
                return BuildReport(timings={"check": _lap(start)}, unchanged=found, inputs=inputs)
        own_search = SearchIndex() if site and search is None else None
        if own_search:  # its dictionaries load on the other core while the data is read and checked
            own_search.warm(read_titles(paths.data))
        try:
            report = _build(paths, site, cache, search or own_search, search_later, progress or (lambda stage: None))
        finally:
            if own_search:
                own_search.close()
        report.inputs = inputs
        if site and not report.search_pending:
            record(paths, inputs)
        return report


def preview(paths: Paths, urls: set[str]) -> BuildReport | None:
    """serve, before the build: the open pages (`urls`, their paths in the site: "guideline/4-6/", "en/") that the
    data now makes differently, rendered alone and built by MkDocs beside the last build's navigation, downloads and
    other pages, then put into the served site in place (publish.patch): the open page shows an edit before the
    build that follows makes the rest — the exports, the other pages that read what changed, the search index — and
    publishes the whole site as usual. None when there is nothing to show first: no open page changed, there is no
    site yet, or MkDocs would have to build every page (the navigation, a title or the theme changed)."""
    check_versions()
    check_output_dirs(paths.site, paths.build, paths.project, paths.data)
    with build_lock(paths.build):
        remove_links(paths.build)
        if not (paths.site / SITE_MARKER).is_file():
            return None
        report = BuildReport()
        the_plan = _prepared(paths, report, None, lambda stage: None)
        configs = {language.code: paths.build / language.code / "mkdocs.yml" for language in the_plan.languages}
        jobs = {}
        for language in the_plan.languages:
            prefix = "" if language.is_default else f"{language.code}/"
            wanted = [page for page in the_plan.pages if prefix + url_of(page.path) in urls]
            if wanted and configs[language.code].is_file():
                jobs[language.code] = functools.partial(_preview_language, the_plan, language, wanted)
        start = time.perf_counter()
        written = {code: names for code, names in zip(jobs, in_parallel(list(jobs.values())), strict=True) if names}
        report.timings["open pages"] = _lap(start)
        if not written:
            return None
        start = time.perf_counter()
        forget(paths)
        report.changed = patch(configs, written, paths.site)
        report.timings["assemble"] = _lap(start)
        return report


def _preview_language(the_plan: Plan, language: Language, wanted: list[Page]) -> list[str]:
    """The open pages of one language rendered and, those whose Markdown changed, built by MkDocs (changed pages
    only): the files it wrote, relative to build/<code>/site; [] when none changed or MkDocs would build them all."""
    folder = the_plan.paths.build / language.code
    pages = {page.path for page in the_plan.pages}
    named = {path.relative_to(folder / "docs").as_posix(): path for path in walk_files(folder / "docs")}
    # the last build's downloads and assets, read; its pages are not (a catalog has a thousand of them)
    files = {name: path.read_bytes() for name, path in named.items() if name not in pages}
    env, terms = page_templates(the_plan), TermMatcher(the_plan.linked.kb.glossary)
    shared = shared_context(the_plan, language, files)
    changed = [
        write_if_changed(folder / "docs" / page.path, _render(env, the_plan, language, page, terms, shared).encode())
        for page in wanted
    ]
    if not any(changed):
        return []
    built = build_language(folder / "mkdocs.yml", changed_only=True)
    return built[2] if built else []


def page_templates(plan: Plan) -> jinja2.Environment:
    folders = tuple(f.template_folder for f in plan.features if f.template_folder)  # features outside the package
    return templates(plan.paths.build / CACHE_FOLDER, folders)


def _build(paths: Paths, site: bool, cache: bool, search: SearchIndex | None, search_later: bool,
           progress: Callable[[str], None]) -> BuildReport:  # fmt: skip
    report = BuildReport()
    the_plan = _prepared(paths, report, search, progress)
    start = time.perf_counter()
    codes = [language.code for language in the_plan.languages]
    progress(f"writing the pages and running MkDocs for each language ({', '.join(codes)}), in parallel")
    handover = _handover(the_plan, cache)
    jobs = [
        functools.partial(_one_language, the_plan, language, site, cache, handover) for language in the_plan.languages
    ]
    # each language's site goes into the new site, and to Pagefind, as soon as its process ends (publish.Publication)
    publication = Publication(codes, paths.site, search, search_later) if site else None
    try:
        # in processes of their own, even one language under serve: its server threads keep answering meanwhile
        done = in_parallel(
            jobs, elsewhere=search_later, on_done=publication and functools.partial(_publish, publication, codes)
        )
        for _, part in done:
            _gather(report, part)
        report.timings["languages (in parallel)"] = _lap(start)
        if publication is not None:
            forget(paths)
            progress("putting the site together" + ("" if search_later else " and indexing it for search"))
            assemble, searching, report.search_pending, report.changed = publication.finish()
            report.timings["assemble"] = assemble
            report.timings["search index"] = searching
    except BaseException:
        if publication is not None:
            publication.abandon()
        raise
    return report


def _publish(publication: Publication, codes: list[str], number: int, done: tuple[Path, BuildReport]) -> None:
    publication.add(codes[number], done[0])


def _gather(report: BuildReport, part: BuildReport) -> None:
    """A language's own report, in the build's."""
    report.timings.update(part.timings)
    report.pages.update(part.pages)
    report.files.update(part.files)
    report.mkdocs.update(part.mkdocs)
    report.rendered.update(part.rendered)
    report.handed += part.handed
    for kind in ("hits", "misses"):
        report.cached[kind] += part.cached[kind]


def _prepared(paths: Paths, report: BuildReport, search: SearchIndex | None,
              progress: Callable[[str], None]) -> Plan:  # fmt: skip
    """The stages every language shares, timed in `report`: load, validate, link (the overlay, the theme and the
    features configured and checked with them) and the plan."""
    start = time.perf_counter()
    progress(f"reading {paths.data.name}/")
    raw = load(paths.data)
    if search is not None:  # the languages' dictionaries load on the other core while the data is checked
        documents = raw.files.get("document") or []
        search.warm(titles(documents[0].data if documents else None))
    report.timings["load"] = _lap(start)
    start = time.perf_counter()
    progress("checking the data and its references")
    validated = validate(raw)
    report.timings["validate"] = _lap(start)
    start = time.perf_counter()
    linked = linked_by_features(validated)
    overlay = apply_overlay(linked, paths)
    report.notices = overlay.notices if overlay else []
    theme = write_theme(paths)
    features = checked(linked, configured(linked, build_settings(theme[0], overlay)))  # one set, configured first
    report.timings["link"] = _lap(start)
    start = time.perf_counter()
    the_plan = plan(linked, paths, theme, features)
    report.timings["plan"] = _lap(start)
    return the_plan


def _one_language(the_plan: Plan, language: Language, site: bool, use_cache: bool,
                  handover: Handover | None = None) -> tuple[Path, BuildReport]:  # fmt: skip
    """A language's part of the build (in a process of its own): render, write, MkDocs into build/<code>/site.
    `handover` (see _handover): the last language's process first makes the files of the first language that may be
    made anywhere, and the first language's reads them."""
    part, cache = BuildReport(), Cache(the_plan.paths.build / CACHE_FOLDER, enabled=use_cache)
    code = language.code
    halves = _halves(the_plan)
    start = time.perf_counter()
    first, last = the_plan.languages[0], the_plan.languages[-1]
    if handover is not None and language is last and handover.offer():
        try:
            for feature in the_plan.features:
                if feature.files_made_anywhere:
                    cache.files(feature, the_plan.linked, first)
                    part.handed.append(f"{feature.name}-{first.code}")
        except Exception:  # noqa: BLE001 - the first language's process makes them, and says what went wrong
            pass
        finally:
            handover.given()
    config = generate_language(the_plan, language, part, cache, halves, handover if language is first else None)
    part.timings[f"render+write ({code})"] = _lap(start)
    part.cached = {"hits": cache.stats.hits, "misses": cache.stats.misses}
    if site:
        part.timings[f"mkdocs ({code})"], part.mkdocs[code], _ = build_language(config, halves=halves)
    return config, part


def _handover(the_plan: Plan, use_cache: bool) -> Handover | None:
    """The languages' processes end one after the other, not all at once: the last language's process makes the
    first language's files that may be made anywhere (the search box's words), which the first language's process
    then reads from the build cache. The first language's site is indexed first (Pagefind reads it from its built
    folder; the others' once they are copied into the new site), and with it done earlier, while the last language
    is still built: Japanese, first in our guideline, costs Pagefind twice what English does (1.2 against 0.6 s) and
    its words file five times (0.3 against 0.06 s, its readings). Only when every language has a process at once
    and the build cache is used; None otherwise."""
    languages = the_plan.languages
    if not use_cache or len(languages) < 2 or len(languages) > cores() or not can_fork():
        return None
    return Handover()


def _halves(the_plan: Plan) -> bool:
    """Whether a language's pages are made in two processes: a core the other languages leave free."""
    return len(the_plan.languages) < cores() and can_fork()


def _lap(start: float) -> float:
    return time.perf_counter() - start
