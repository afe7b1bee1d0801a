"""Search quality of the built site: `make bench-search` (python benchmarks/search_bench.py). Not a test.

Types every query of benchmarks/search_queries.yaml (or another set of the same format: --queries, e.g. a blind set
written by someone who never saw the pages) into the site's real search box in headless Chromium (press "/", type,
wait for the results to settle), reads the result links in order and prints, per kind of query and language,
hit@1, hit@5, MRR and the share of queries with no result at all; then types every section title as a query (its
own section must come first) and lists those that do not; and the time from the last keystroke to the results
shown (after the first query), where the UI says when its list is complete.

The results are read through a small contract, whatever the search UI looks like: the links of the results are the
`a[href]` inside `<dialog id="kb-search">` (inside `[data-kb-search-results]` if the UI marks its result list), in
order; several links to the same page count as one result. Results have settled when the dialog says so
(`data-kb-searched` on the dialog equals the query, if the UI sets it), else when the dialog has changed after the
query was typed and then stayed unchanged for a moment.

Builds the site into a temporary folder (the project's site/ is never touched) unless --site names a built one.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runs from a checkout too, without `pip install -e .`

from generator.build import Paths, build  # noqa: E402
from generator.errors import DataError  # noqa: E402
from generator.serve import PrefixHandler  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one set of launch flags)

QUERIES = ROOT / "benchmarks" / "search_queries.yaml"
SOURCES = ("guideline_data", "overrides", "docs", "mkdocs.yml")
PREFIX = "/bench-search/"  # served under a prefix, as on an intranet
LANGUAGE_ROOTS = {"ja": "", "en": "en/"}
KINDS = (
    "exact",
    "partial",
    "synonym",
    "abbreviation",
    "width",
    "kana",
    "variant",
    "typo",
    "english",
    "question",
    "section",
    "paraphrase",
    "short",
    "compound",
    "task",
    "id",
    "romaji",
)
QUIET_MS = 350  # the dialog unchanged this long after its first change = results settled
SETTLE_TIMEOUT_MS = 8000  # no change at all this long after typing: read what is there

# Counts every change inside the dialog, and when the last one happened.
WATCH_JS = """() => {
  if (window.__kbBench) return;
  window.__kbBench = {changes: 0, last: performance.now()};
  new MutationObserver(() => {
    window.__kbBench.changes += 1;
    window.__kbBench.last = performance.now();
  }).observe(document.getElementById("kb-search"),
             {subtree: true, childList: true, characterData: true, attributes: true});
}"""
SETTLED_JS = """([since, quiet]) =>
  window.__kbBench.changes > since && performance.now() - window.__kbBench.last > quiet"""
SEARCHED_JS = """(text) => document.getElementById("kb-search").dataset.kbSearched === text"""
# Times one query: from the input event of its typing to the dialog marking its results as shown.
ARM_JS = """(text) => {
  const dialog = document.getElementById("kb-search");
  const timing = window.__kbTiming = {start: null, end: null};
  document.addEventListener("input", () => { timing.start = performance.now(); }, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (dialog.dataset.kbSearched === text && timing.start !== null) {
      timing.end = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(dialog, {attributes: true, attributeFilter: ["data-kb-searched"]});
}"""
TIMING_JS = """() => window.__kbTiming.end === null ? null : window.__kbTiming.end - window.__kbTiming.start"""
LINKS_JS = """() => {
  const dialog = document.getElementById("kb-search");
  const scope = dialog.querySelector("[data-kb-search-results]") || dialog;
  return Array.from(scope.querySelectorAll("a[href]"), a => a.href);
}"""


@dataclass
class Query:
    text: str
    language: str
    kind: str
    expect: list[str]
    line: int


@dataclass
class Outcome:
    query: Query
    results: list[str]  # distinct pages, in order, as language-relative site paths
    ms: float | None = None  # last keystroke → results shown

    @property
    def rank(self) -> int | None:
        for number, path in enumerate(self.results, 1):
            if path in self.query.expect:
                return number
        return None


@dataclass
class Score:
    n: int = 0
    hit1: int = 0
    hit5: int = 0
    rr: float = 0.0
    empty: int = 0
    failures: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        rank = outcome.rank
        self.n += 1
        self.hit1 += rank == 1
        self.hit5 += rank is not None and rank <= 5
        self.rr += 1 / rank if rank else 0.0
        self.empty += not outcome.results
        if rank != 1:
            self.failures.append(outcome)


# ---------------------------------------------------------------- queries


class QueryError(Exception):
    pass


def load_queries(path: Path, site: Path) -> list[Query]:
    """The query set, checked: known language and kind, and every expected page exists in the built site."""
    loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    queries, problems = [], []
    for language_node, entries in root.value:
        language = language_node.value
        if language not in LANGUAGE_ROOTS:
            problems.append(f"{path}:{language_node.start_mark.line + 1}: unknown language {language!r}")
            continue
        for node in entries.value:
            line = node.start_mark.line + 1
            entry = yaml.safe_load(yaml.serialize(node))
            if set(entry) != {"q", "kind", "expect"} or not entry["expect"]:
                problems.append(f"{path}:{line}: a query needs exactly q, kind and a non-empty expect list")
                continue
            if entry["kind"] not in KINDS:
                problems.append(f"{path}:{line}: unknown kind {entry['kind']!r}; one of {', '.join(KINDS)}")
            for page in entry["expect"]:
                if not (site / LANGUAGE_ROOTS[language] / page / "index.html").is_file():
                    problems.append(f"{path}:{line}: {entry['q']!r}: no page {LANGUAGE_ROOTS[language]}{page}")
            queries.append(Query(str(entry["q"]), language, entry["kind"], list(entry["expect"]), line))
    if problems:
        raise QueryError("\n".join(problems))
    return queries


def half(query: Query, queries: list[Query]) -> str:
    """Whether a query is the 1st, 3rd, 5th … ("odd") or the 2nd, 4th … ("even") of its language in its set."""
    number = [q for q in queries if q.language == query.language].index(query) + 1
    return "odd" if number % 2 else "even"


def section_title_queries(data: Path) -> list[Query]:
    """Every section's title, in each language, expecting the section's own page: read from the YAML itself, so
    that any commit's data can be measured."""
    listing_pages = {"glossary": "glossary/", "references": "references/"}
    files = sorted((data / "sections").glob("*.yaml"))
    sections = [section for path in files for section in yaml.safe_load(path.read_text("utf-8"))]
    queries = []
    for language in LANGUAGE_ROOTS:
        for section in sections:
            number = str(section["id"])
            page = listing_pages.get(section.get("listing"), f"guideline/{number.replace('.', '-')}/")
            queries.append(Query(section["title"][language], language, f"title {number}", [page], 0))
    return queries


# ---------------------------------------------------------------- the browser


class SearchBox:
    """One tab per language, reused for every query: open the dialog once, then clear and type."""

    def __init__(self, browser, base: str, language: str) -> None:
        self.base = base + LANGUAGE_ROOTS[language]
        self.page = browser.new_page(locale="ja-JP" if language == "ja" else "en-GB")
        self.page.goto(self.base + "guideline/")
        self.page.keyboard.press("/")  # the keyboard shortcut opens the dialog with the focus in the box
        self.input = self.page.locator("#kb-search input:not([type=hidden])").first
        self.input.wait_for(state="visible", timeout=15000)
        self.page.evaluate(WATCH_JS)
        self.says_when_done = False  # the UI marks the query its list shows (data-kb-searched): learnt on warm-up
        self.ms: float | None = None  # the last query's time, where the UI says when it is done

    def warm_up(self, text: str) -> None:
        self.search(text)
        with contextlib.suppress(PlaywrightTimeout):  # the first query may show a state before its results
            self.page.wait_for_function(SEARCHED_JS, arg=text, timeout=SETTLE_TIMEOUT_MS, polling=50)
        self.says_when_done = self.page.evaluate(SEARCHED_JS, text)

    def search(self, text: str) -> list[str]:
        self.input.fill("")
        self.ms = None
        if self.says_when_done:
            self.page.wait_for_function("() => !document.getElementById('kb-search').dataset.kbSearched", timeout=3000)
            self.page.evaluate(ARM_JS, text.strip())
        if not self.says_when_done:
            # The previous results go away when the box is emptied (a UI that keeps them: the next change is awaited).
            with contextlib.suppress(PlaywrightTimeout):
                self.page.wait_for_function(f"() => !({LINKS_JS})().length", timeout=3000, polling=50)
        since = self.page.evaluate("window.__kbBench.changes")
        self.input.focus()
        self.page.keyboard.insert_text(text)  # one input event, as an IME commits a word or a paste does
        # Nothing changed at all: the links there are the answer (usually none).
        with contextlib.suppress(PlaywrightTimeout):
            if self.says_when_done:
                self.page.wait_for_function(SEARCHED_JS, arg=text.strip(), timeout=SETTLE_TIMEOUT_MS, polling=20)
                self.ms = self.page.evaluate(TIMING_JS)
            else:
                self.page.wait_for_function(SETTLED_JS, arg=[since, QUIET_MS], timeout=SETTLE_TIMEOUT_MS, polling=50)
        return self.pages(self.page.evaluate(LINKS_JS))

    def pages(self, hrefs: list[str]) -> list[str]:
        """Distinct result pages in order, as paths inside the language root (query and anchor dropped)."""
        seen: list[str] = []
        for href in hrefs:
            parts = urlsplit(href)
            url = f"{parts.scheme}://{parts.netloc}{parts.path}"
            if not url.startswith(self.base):
                continue
            path = url[len(self.base) :]
            path = path.removesuffix("index.html")
            if path not in seen:
                seen.append(path)
        return seen


BROWSER = {"version": ""}  # the Chromium that measured, for the README


def run(site: Path, queries: list[Query], progress: bool) -> list[Outcome]:
    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": PREFIX}), directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    outcomes = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            BROWSER["version"] = browser.version
            boxes: dict[str, SearchBox] = {}
            for number, query in enumerate(queries, 1):
                if query.language not in boxes:
                    boxes[query.language] = SearchBox(browser, base, query.language)
                    boxes[query.language].warm_up("CSIRT" if query.language == "en" else "バックアップ")
                box = boxes[query.language]
                outcomes.append(Outcome(query, box.search(query.text), box.ms))
                if progress and number % 50 == 0:
                    print(f"  {number}/{len(queries)} queries", file=sys.stderr)
            browser.close()
    finally:
        httpd.shutdown()
    return outcomes


# ---------------------------------------------------------------- report


def ratio(part: float, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "–"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def table(outcomes: list[Outcome]) -> str:
    scores: dict[tuple[str, str], Score] = collections.defaultdict(Score)
    for outcome in outcomes:
        scores[(outcome.query.language, outcome.query.kind)].add(outcome)
        scores[(outcome.query.language, "all")].add(outcome)
    languages = [language for language in LANGUAGE_ROOTS if (language, "all") in scores]
    head = "| kind |" + "".join(f" {lang} n | hit@1 | hit@5 | MRR | no result |" for lang in languages)
    rule = "|---|" + "---:|---:|---:|---:|---:|" * len(languages)
    rows = [head, rule]
    for kind in (*KINDS, "all"):
        if not any((language, kind) in scores for language in languages):
            continue
        cells = []
        for language in languages:
            s = scores.get((language, kind))
            if s is None:
                cells.append(" – | – | – | – | – |")
                continue
            cells.append(
                f" {s.n} | {ratio(s.hit1, s.n)} | {ratio(s.hit5, s.n)} | {ratio(s.rr, s.n)} | {percent(s.empty, s.n)} |"
            )
        label = "**all**" if kind == "all" else kind
        rows.append(f"| {label} |" + "".join(cells))
    return "\n".join(rows)


def latency_report(outcomes: list[Outcome]) -> str:
    """Last keystroke → results shown, per language: median, 90th percentile and slowest, in ms."""
    lines = []
    for language in LANGUAGE_ROOTS:
        times = sorted(o.ms for o in outcomes if o.query.language == language and o.ms is not None)
        if times:
            median, p90 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.9))]
            lines.append(
                f"last keystroke → results, {language}: median {median:.0f} ms, 90% within {p90:.0f} ms, "
                f"slowest {times[-1]:.0f} ms ({len(times)} queries)"
            )
    return "\n".join(lines)


def title_report(outcomes: list[Outcome]) -> str:
    lines = []
    for language in LANGUAGE_ROOTS:
        mine = [o for o in outcomes if o.query.language == language]
        if not mine:
            continue
        failing = [o for o in mine if o.rank != 1]
        lines.append(f"section titles typed as a query, {language}: {len(mine) - len(failing)}/{len(mine)} first")
        for o in failing:
            got = ", ".join(o.results[:3]) or "no result"
            lines.append(f"  - {o.query.kind[6:]} {o.query.text!r}: rank {o.rank or '–'} (first: {got})")
    return "\n".join(lines)


README_SECTION = "## Benchmark"
README_HEADING = "### Search quality"


def readme_text(measured: list[Outcome], titles: list[Outcome], note: str | None, queries: Path = QUERIES) -> str:
    counts = collections.Counter(o.query.language for o in measured)
    first = collections.Counter(o.query.language for o in titles if o.rank == 1)
    total = collections.Counter(o.query.language for o in titles)
    lines = [
        README_HEADING,
        "",
        f"`make bench-search` ({dt.date.today().isoformat()}; Chromium {BROWSER['version']}) types each of the "
        f"{len(measured)} queries of `{queries.resolve().relative_to(ROOT).as_posix()}` ({counts['ja']} Japanese, "
        f"{counts['en']} "
        "English, written the way airline and airport security staff type them, each with its right pages chosen by "
        "reading the data) into the site's own search box in headless Chromium and reads the results in order. "
        "hit@k: a right page among the first k results; MRR: the mean of 1/rank; no result: nothing shown at all. "
        "`kana` and `english` (English words on the Japanese site) are Japanese-site kinds.",
        "",
        table(measured),
        "",
        "Every section title typed as a query, its own section first: "
        + ", ".join(f"{lang} {first[lang]}/{total[lang]}" for lang in LANGUAGE_ROOTS if total[lang])
        + ".",
        "",
        latency_report(measured + titles),
    ]
    if note:
        lines += ["", note]
    wrap = functools.partial(textwrap.fill, width=115, break_on_hyphens=False)
    prose = [line if line.startswith(("|", "#")) else wrap(line) for line in lines]
    return "\n".join(prose) + "\n"


def update_readme(text: str) -> None:
    """Write the Search quality subsection at the end of the README's Benchmark section (replacing the old one)."""
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    start = content.find(f"\n{README_SECTION}\n")
    if start == -1:
        content = content.rstrip("\n") + f"\n\n{README_SECTION}\n\n{text}"
    else:
        end = content.find("\n## ", start + 1)
        end = len(content) if end == -1 else end + 1
        section = content[start:end]
        old = section.find(f"\n{README_HEADING}\n")
        if old != -1:
            following = section.find("\n### ", old + 1)
            tail = section[following + 1 :] if following != -1 else ""
            section = section[: old + 1] + text + ("\n" + tail if tail else "")
        else:
            section = section.rstrip("\n") + "\n\n" + text
        content = content[:start] + section.rstrip("\n") + "\n" + ("\n" + content[end:] if end < len(content) else "")
    readme.write_text(content, encoding="utf-8")


def key(query: Query) -> str:
    return f"{query.language} {query.kind} {query.text}"


def save(outcomes: list[Outcome], path: Path) -> None:
    data = {key(o.query): {"rank": o.rank, "results": o.results[:5]} for o in outcomes}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def comparison(outcomes: list[Outcome], path: Path) -> str:
    """The queries whose right page moved, against a run saved with --save."""
    before = json.loads(path.read_text(encoding="utf-8"))
    worse, better = [], []
    for o in outcomes:
        old = before.get(key(o.query))
        if old is None:
            continue
        was, now = old["rank"] or 99, o.rank or 99
        line = f"  {o.query.language} {o.query.kind:<12} {o.query.text!r}: {old['rank'] or '–'} → {o.rank or '–'}"
        if now > was:
            worse.append(f"{line} (now first: {', '.join(o.results[:2]) or 'no result'})")
        elif now < was:
            better.append(line)
    return "\n".join([f"Against {path.name}: {len(better)} queries rank better, {len(worse)} worse.", *worse])


def failure_report(outcomes: list[Outcome]) -> str:
    lines = ["queries whose right page is not first:"]
    for o in outcomes:
        if o.rank != 1:
            got = ", ".join(o.results[:3]) or "no result"
            lines.append(f"  {o.query.language} {o.query.kind:<12} {o.query.text!r}: rank {o.rank or '–'} ({got})")
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def strip_synonyms(data: Path) -> None:
    """Remove every `synonyms:` key from the YAML files under `data` (a copy), leaving all else as written: to
    measure what the synonyms add (--without-synonyms)."""
    for path in data.rglob("*.yaml"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept, skipping = [], None
        for line in lines:
            indent = len(line) - len(line.lstrip(" "))
            if skipping is not None and (indent > skipping or not line.strip()):
                continue
            skipping = None
            if re.match(r"^\s*synonyms:", line):
                skipping = indent
                continue
            kept.append(line)
        path.write_text("".join(kept), encoding="utf-8")


def built_site(folder: Path, synonyms: bool = True, ref: str | None = None) -> Path:
    """A real build of the project's sources, copied into `folder` so that ./site and ./build are never touched.
    With `ref`, of that commit instead (generator included, run from the copy): what is committed, not what is
    being edited."""
    if ref:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=False)
        if archive.returncode:
            raise BuildFailed(archive.stderr.decode(errors="replace").strip())
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
        if not synonyms:
            strip_synonyms(folder / "guideline_data")
        site = folder / "site"
        done = subprocess.run(
            [sys.executable, "-m", "generator", "build", "--site-dir", str(site)],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise BuildFailed("\n".join((done.stdout + done.stderr).strip().splitlines()[-15:]))
        return site
    for name in SOURCES:
        source = ROOT / name
        if source.exists():  # the generator has defaults for all but the data
            (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    if not synonyms:
        strip_synonyms(folder / "guideline_data")
    paths = Paths(project=folder, data=folder / "guideline_data", build=folder / "build", site=folder / "site")
    try:
        build(paths)
    except DataError as error:
        raise BuildFailed(str(error)) from None
    return paths.site


class BuildFailed(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site folder (default: build one in a temp folder)")
    parser.add_argument("--queries", type=Path, default=QUERIES, help="the query set (default: %(default)s)")
    parser.add_argument("--language", choices=sorted(LANGUAGE_ROOTS), help="only this language")
    parser.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable)")
    parser.add_argument("--no-titles", action="store_true", help="skip the section titles")
    parser.add_argument("--failures", action="store_true", help="also list every query whose right page is not first")
    parser.add_argument(
        "--half",
        choices=("odd", "even"),
        help="only the 1st, 3rd, 5th … (odd) or 2nd, 4th … (even) query of each language (design on one half)",
    )
    parser.add_argument("--halves", action="store_true", help="also print the table of each half (odd, even)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md (Search quality)")
    parser.add_argument("--readme-note", help="a sentence to print under the README's table (e.g. the --against one)")
    parser.add_argument("--ref", help="build this commit (e.g. HEAD) instead of the working tree")
    parser.add_argument("--without-synonyms", action="store_true", help="build with every synonyms: key removed")
    parser.add_argument("--save", type=Path, help="write each query's rank and first results to this JSON file")
    parser.add_argument("--against", type=Path, help="list the queries whose rank changed since a --save run")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kb-search-bench-") as folder:
        if args.site:
            site = args.site.resolve()
        else:
            print("building the site…", file=sys.stderr)
            try:
                site = built_site(Path(folder), synonyms=not args.without_synonyms, ref=args.ref)
            except BuildFailed as error:
                print(f"the site did not build:\n{error}", file=sys.stderr)
                return 1
        try:
            queries = load_queries(args.queries, site)
        except QueryError as error:
            print(error, file=sys.stderr)
            return 2
        data = site.parent / "guideline_data" if not args.site else ROOT / "guideline_data"
        titles = [] if args.no_titles else section_title_queries(data)
        if args.half:
            queries = [q for q in queries if half(q, queries) == args.half]
        chosen = [
            q
            for q in queries + titles
            if (not args.language or q.language == args.language)
            and (not args.kind or q.kind in args.kind or (q.kind.startswith("title") and not args.no_titles))
        ]
        print(f"typing {len(chosen)} queries…", file=sys.stderr)
        outcomes = run(site, chosen, progress=True)
    measured = [o for o in outcomes if not o.query.kind.startswith("title")]
    print(table(measured))
    print()
    if args.halves:
        for name in ("odd", "even"):
            print(f"{name} half:")
            print(table([o for o in measured if half(o.query, queries) == name]))
            print()
    print(title_report([o for o in outcomes if o.query.kind.startswith("title")]))
    print()
    print(latency_report(outcomes))
    if args.failures:
        print()
        print(failure_report(measured))
    if args.save:
        save(outcomes, args.save)
    compared = comparison(outcomes, args.against) if args.against else None
    if compared:
        print()
        print(compared)
    if args.readme:
        titles_typed = [o for o in outcomes if o.query.kind.startswith("title")]
        update_readme(readme_text(measured, titles_typed, args.readme_note, args.queries))
    print(f"\n{len(outcomes)} queries in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
