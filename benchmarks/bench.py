"""Build, rebuild and editor's-loop figures of the knowledge base: `make bench` (benchmarks/bench.py). Not a test.

For the real data (1×), synthetic data 5× as large and a catalog of NIST SP 800-53's size (1,200 more controls in 20
groups, made by `catalog_data`; all made on the fly in a temporary folder), and with --catalog DIR an imported
knowledge base's data folder (`python -m generator import CATALOG --profile PROFILE OUT`: the real catalog), one run
each (with --runs N, the fastest of N cold builds and of N floors at 1×: the quickest figures are the least certain):
- a cold build (no build folder, no cache), a build with nothing changed, and (on the real data and the catalog; at
  every size with --edit-at-every-size) a rebuild after a one-paragraph edit — each `python -m generator build` as
  a whole process, with its stages, its CPU time (user + system, its child processes included: the figure a loaded
  machine changes least) and its peak memory;
- the floor: MkDocs alone (`python -m mkdocs build`) on the very configurations the generator wrote (same pages,
  theme, plugins, extensions and hooks), both languages one after the other, each a whole process;
- the editor's loop: `serve` running, a page open in Chromium, a paragraph saved: the seconds until the open page
  shows it (it reloads by itself);
- what the reader downloads (HTML per page, search index; with --first-query, what the first search downloads,
  measured in Chromium at the first size), and how long the heaviest pages take to open in Chromium: to the load
  event, and to interactive (the end of the last long task before a second without one, as Lighthouse counts it).
Prints Markdown tables; nothing in the project is changed unless --readme is given, which rewrites the
"## Benchmark" section of README.md with them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runs from a checkout too, without `pip install -e .`

from generator.serve import PrefixHandler  # noqa: E402
from generator.validate import section_order_key  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one set of launch flags)
from tests.helpers import copy_project  # noqa: E402

PREFIX = "/bench/"
QUERIES = {"ja": "多要素認証", "en": "backup"}
README_HEADING = "## Benchmark"
EDITED = "人材育成・意識啓発を行う"  # a paragraph of 4.6 that nothing quotes, at every scale
EDITED_PAGE = "guideline/4-6/"
CATALOG = "nist"  # --scales: a catalog of NIST SP 800-53's size (see catalog_data)
CATALOG_GROUPS, CATALOG_PER_GROUP = 20, 60
IMPORTED = "imported"  # --catalog DIR: an imported knowledge base's data folder, as it is
BUILD = """
import json, resource, sys, time
from pathlib import Path
from generator.layout import Paths
from generator.uptodate import up_to_date
paths = Paths.of(Path(sys.argv[1]))
if up_to_date(paths) is not None:  # as the command line does, before the stages are imported
    report = {"timings": {}, "pages": {}, "mkdocs": {}, "rendered": {}, "unchanged": True}
else:  # as the command line does: Pagefind's services start, and load their dictionaries, while the stages load
    from generator.search_index import SearchIndex, read_titles
    search = SearchIndex()
    search.warm(read_titles(paths.data))
    try:
        from generator import load
        from generator.build import build
        load.MAX_FILE_BYTES = 100_000_000  # the synthetic glossary is larger than the limit editors get
        built = build(paths, search=search)
    finally:
        search.close()
    report = {"timings": built.timings, "pages": built.pages, "mkdocs": built.mkdocs, "rendered": built.rendered,
              "unchanged": built.unchanged is not None}
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({**report, "peak_kb": peak}))
"""
SERVE = """
import sys
from pathlib import Path
from generator import load
from generator.cli import main
load.MAX_FILE_BYTES = 100_000_000
sys.exit(main(sys.argv[1:]))
"""
COMPILE = """
import tempfile
from pathlib import Path
import generator.serve
from generator.build import compile_templates
compile_templates(Path(tempfile.mkdtemp()))
"""
# Python writes its bytecode, as it does for anyone who runs the generator (some shells say it should not).
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "NO_MKDOCS_2_WARNING": "1",
       "PYTHONPATH": str(ROOT)}  # fmt: skip


# ---------------------------------------------------------------- synthetic data


def scale_data(data: Path, factor: int) -> None:
    """Make the data `factor` times as large: chapters 1-5 again under new chapter numbers (8, 9, …) and every
    glossary term again under a new id. Copies keep their references to the originals, so everything resolves."""
    if factor == 1:
        return
    sections = [item for path in sorted((data / "sections").glob("*.yaml")) for item in _yaml(path)]
    chapters = [s["id"] for s in sections if s["id"].isdigit() and not s.get("listing")]
    number = max(int(s["id"]) for s in sections if s["id"].isdigit())
    for _ in range(1, factor):
        for chapter in chapters:
            number += 1
            for section in [s for s in sections if s["id"] == chapter or s["id"].startswith(chapter + ".")]:
                # Only chapter 5 holds controls, so a copied control is a plain section without a category.
                copy = {key: value for key, value in section.items() if key != "category"}
                copy["id"] = str(number) + section["id"][len(chapter) :]
                sections.append(copy)
    for path in (data / "sections").glob("*.yaml"):
        path.unlink()
    sections.sort(key=lambda s: section_order_key(s["id"]))
    _dump(data / "sections" / "all.yaml", sections)

    glossary = _yaml(data / "glossary.yaml")
    copies = []
    for copy_number in range(1, factor):
        for term in glossary:
            copy = {key: value for key, value in term.items() if key not in ("abbr", "expansion", "aliases")}
            copy["id"] = f"{term['id']}-copy{copy_number}"
            copy["term"] = {
                "ja": f"{term['term']['ja']}（複製{copy_number}）",
                "en": f"{term['term']['en']} (copy {copy_number})",
            }
            copies.append(copy)
    _dump(data / "glossary.yaml", glossary + copies)


def catalog_data(data: Path, groups: int = CATALOG_GROUPS, per_group: int = CATALOG_PER_GROUP) -> None:
    """A catalog of NIST SP 800-53's size: the real data with `groups` more groups of `per_group` controls each in
    the controls chapter (5.7, 5.7.1, …), each control a copy of one of the guideline's controls (category, the
    sections it implements, its text and references) under its own number and title. The rest stays as it is."""
    controls = _yaml(data / "sections" / "05_controls.yaml")
    group, members = controls[1], [c for c in controls if c["id"].count(".") == 2]
    for g in range(groups):
        number = 7 + g
        added = [{**group, "id": f"5.{number}", "title": {"ja": f"対策群{number}", "en": f"Control group {number}"}}]
        for n in range(per_group):
            model = members[(g * per_group + n) % len(members)]
            title = {
                "ja": f"{model['title']['ja']}（{number}-{n + 1}）",
                "en": f"{model['title']['en']} ({number}-{n + 1})",
            }
            added.append({**model, "id": f"5.{number}.{n + 1}", "title": title})
        _dump(data / "sections" / f"05_zz_{number:03}.yaml", added)  # after 05_controls.yaml, before the annexes


def make_data(data: Path, size: str) -> None:
    """The data of one size of --scales: a multiple of the real data, or CATALOG."""
    if size == CATALOG:
        catalog_data(data)
    else:
        scale_data(data, int(size))


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data) -> None:
    """JSON, which is YAML too (flow style, one value a line): written out in full, many times quicker to write."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def make_project(base: Path, size: str, catalog: Path | None = None) -> Path:
    """A project of one size of --scales; IMPORTED: a project holding a copy of `catalog` (a data folder)."""
    if size == IMPORTED:
        project = base / IMPORTED
        shutil.copytree(catalog, project / "guideline_data")
        return project
    project = copy_project(base / f"x{size}")
    make_data(project / "guideline_data", size)
    return project


def edited(project: Path) -> tuple[str, str]:
    """The paragraph an edit changes (its opening words) and the URL of the page that shows it: 4.6's in the real
    data and what is made of it; in an imported catalog, the opening of the guidance of its middle control."""
    sections = sorted((project / "guideline_data" / "sections").glob("*.yaml"))
    if any(EDITED in path.read_text(encoding="utf-8") for path in sections):
        return EDITED, EDITED_PAGE
    controls = [s for path in sections for s in _yaml(path) if s.get("kind") == "control" and "." not in s["id"]]
    for control in controls[len(controls) // 2 :]:
        texts = [p for b in control.get("blocks", ()) if b.get("role") == "guidance" for p in b.get("paragraphs", ())]
        if texts:
            opening = next(iter(texts[0].values()))[:30]
            if sum(path.read_text(encoding="utf-8").count(opening) for path in sections) == 1:
                return opening, f"guideline/{control['id'].replace('.', '-')}/"
    raise SystemExit(f"no control of {project / 'guideline_data'} has guidance of its own to edit")


def edit_paragraph(project: Path, mark: str, opening: str) -> None:
    """Append `mark` to the paragraph `edited` named (its `opening`; a quote of it elsewhere stays an excerpt). The
    paragraph is found before the clock starts: finding it in a catalog parses every file (2.4 s at NIST's size)."""
    for path in sorted((project / "guideline_data" / "sections").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        at = text.find(opening)
        if at != -1:
            end = at + len(opening)
            while text.startswith("（", end):  # after the marks of earlier edits
                end = text.index("）", end) + 1
            path.write_text(text[:end] + mark + text[end:], encoding="utf-8")
            return
    raise SystemExit(f"the paragraph to edit ({opening}) is not in the data any more: update EDITED in {__file__}")


# ---------------------------------------------------------------- time


def timed_build(project: Path) -> dict:
    """`python -m generator build` as a whole process: its wall time, the CPU time of it and every process it started
    (user + system: what a loaded machine does not change much), its peak memory and the stages it reports."""
    start, before = time.perf_counter(), _cpu()
    result = subprocess.run([sys.executable, "-c", BUILD, str(project)], capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        raise SystemExit(f"the build failed:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["total"], report["cpu"] = time.perf_counter() - start, _cpu() - before
    return report


def _cpu() -> float:
    """User + system seconds of this process's children that have ended (and theirs)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def floor(project: Path) -> tuple[float, float]:
    """MkDocs alone on the generated configurations, each language a whole `mkdocs build`, one after the other: wall
    and CPU seconds."""
    configs = [project / "build" / code / "mkdocs.yml" for code in languages(project)]
    seconds, before = 0.0, _cpu()
    for config in configs:
        out = project / "floor-site" / config.parent.name
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(out)],
            capture_output=True,
            text=True,
            env=ENV,
        )
        seconds += time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"mkdocs build {config} failed:\n{result.stderr[-3000:]}")
    shutil.rmtree(project / "floor-site", ignore_errors=True)
    return seconds, _cpu() - before


def languages(project: Path) -> list[str]:
    return _yaml(project / "guideline_data" / "kb.yaml")["languages"]


def edit_to_browser(project: Path, edits: int) -> list[float]:
    """`serve` running and the edited page open in Chromium: seconds from saving a paragraph to the page showing it."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-c", SERVE, "--project", str(project), "serve", "--port", str(port), "--prefix", PREFIX]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True).start()
    seconds = []
    try:
        _wait(lambda: any(line.startswith(("Built in", "Nothing changed")) for line in lines), 900, lines)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            opening, url = edited(project)
            page.goto(f"http://127.0.0.1:{port}{PREFIX}{url}")
            for number in range(edits):
                mark = f"（serve {number + 1}）"
                indexed = _count(lines, "Search index updated")
                time.sleep(0.5)  # the watcher (it looks every 0.2 s) has seen the files as they are
                start = time.perf_counter()
                edit_paragraph(project, mark, opening)
                page.wait_for_function(
                    "m => !!document.body && document.body.innerText.includes(m)", arg=mark, timeout=300_000
                )  # a page that is reloading has no body yet
                seconds.append(time.perf_counter() - start)
                said = [line.strip() for line in lines if line.startswith("Shown in")][-1:]
                load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
                print(f"    save {number + 1}: {seconds[-1]:.2f} s (load {load}); serve: {said}", file=sys.stderr)
                if number + 1 < edits:  # the next save after this one's search index (serve's loop is sequential)
                    _wait(lambda n=indexed: _count(lines, "Search index updated") > n, 300, lines)
            _stop(server)  # first: closing the browser while a new build reloads its page can hang Chromium
            browser.close()
    finally:
        _stop(server)
    return seconds


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=30)


def _count(lines: list[str], start: str) -> int:
    return sum(line.startswith(start) for line in lines)


def _wait(predicate, seconds: float, lines: list[str]) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("serve did not get there in time:\n" + "".join(lines[-30:]))
        time.sleep(0.05)


# ---------------------------------------------------------------- size


def content_pages(site: Path) -> list[Path]:
    skip = ("pagefind", "assets", "downloads")
    return [p for p in site.rglob("*.html") if not set(p.relative_to(site).parts) & set(skip)]


def html_sizes(site: Path) -> tuple[float, int, str]:
    sizes = sorted((p.stat().st_size, p.relative_to(site).as_posix()) for p in content_pages(site))
    return statistics.median(size for size, _ in sizes), sizes[-1][0], sizes[-1][1]


def search_index_sizes(site: Path, codes: list[str]) -> dict[str, int]:
    """Per language: Pagefind's metadata, index chunks and page fragments for that language."""
    bundle = site / "pagefind"
    sizes = {}
    for code in codes:
        files = [
            *bundle.glob(f"pagefind.{code}_*.pf_meta"),
            *bundle.glob(f"index/{code}_*"),
            *bundle.glob(f"fragment/{code}_*"),
        ]
        sizes[code] = sum(f.stat().st_size for f in files)
    return sizes


@contextlib.contextmanager
def browsing(site: Path):
    """The site served under PREFIX on a free port, and Chromium: yields (browser, the site's base URL)."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": PREFIX}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser, f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
            browser.close()
    finally:
        server.shutdown()


def first_query_downloads(site: Path, codes: list[str]) -> dict[str, tuple[int, int]]:
    """Per language: (requests, bytes) of Pagefind files fetched from opening the search to the first results."""
    roots = {code: "" if code == codes[0] else f"{code}/" for code in codes}
    with browsing(site) as (browser, base):
        return {code: _first_query(browser, base + roots[code], QUERIES[code]) for code in codes}


def _first_query(browser, url: str, query: str) -> tuple[int, int]:
    context = browser.new_context()  # an empty cache
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    responses = []

    def record(response) -> None:
        if "/pagefind/" in response.url or "/search-words." in response.url:  # the search box's own words file
            responses.append(response)

    page.on("response", record)
    page.keyboard.press("/")
    page.keyboard.type(query)
    page.wait_for_selector("[data-kb-search-results] .kb-search__link", timeout=30000)
    page.wait_for_load_state("networkidle")
    downloaded = sum(len(response.body()) for response in responses)
    context.close()
    return len(responses), downloaded


HEAVY = ("print/", "controls/", "checklists/map/", "checklists/rollup/")  # pages that grow with the catalog
# Long tasks, recorded from the page's first script on: the end of the last one is when the page became interactive.
LONG_TASKS = """window.__kbLongTasks = [];
new PerformanceObserver(list => {
  for (const task of list.getEntries()) window.__kbLongTasks.push(task.startTime + task.duration);
}).observe({type: "longtask"});"""
OPENED = """() => { const nav = performance.getEntriesByType("navigation")[0];
  return [nav.loadEventEnd / 1000, Math.max(nav.domContentLoadedEventEnd, ...window.__kbLongTasks) / 1000]; }"""


def heavy_pages(site: Path, codes: list[str], count: int = 4) -> dict[str, tuple[int, float, float]]:
    """The pages that grow with the catalog (HEAVY, and the `count` largest HTML pages of the first language, which
    include a baseline's checklist): bytes, and seconds to open in Chromium from the start of the navigation (the
    site served under its prefix, an empty cache): to the load event, and to interactive (the end of the last long
    task before a second without one)."""
    root = [
        p
        for p in content_pages(site)
        if not p.relative_to(site).as_posix().startswith(tuple(f"{c}/" for c in codes[1:]))
    ]
    largest = sorted(root, key=lambda p: p.stat().st_size, reverse=True)[:count]
    urls = list(dict.fromkeys([*HEAVY, *(p.parent.relative_to(site).as_posix() + "/" for p in largest)]))
    opened = {}
    with browsing(site) as (browser, base):
        for url in (u for u in urls if (site / u / "index.html").is_file()):
            context = browser.new_context()
            context.add_init_script(LONG_TASKS)
            page = context.new_page()
            page.goto(base + url, wait_until="load", timeout=120_000)
            seen = -1
            while seen != (seen := page.evaluate("window.__kbLongTasks.length")):
                page.wait_for_timeout(1000)
            opened[url] = ((site / url / "index.html").stat().st_size, *page.evaluate(OPENED))
            context.close()
    return opened


def printed(site: Path, codes: list[str]) -> dict[str, tuple[int, float, bool]]:
    """The print page of each language printed by Chromium as its print dialog does (page.pdf, A4), right after it
    opened: its sheets, the seconds the PDF took, and whether every chapter was laid out for print (the chapters the
    screen had not shown yet among them)."""
    whole = """() => [...document.querySelectorAll("[data-kb-part]")].every(part => {
      const style = getComputedStyle(part);
      return style.display !== "none" && style.contentVisibility === "visible"; })"""
    out = {}
    with browsing(site) as (browser, base):
        for url in (f"{'' if code == codes[0] else code + '/'}print/" for code in codes):
            if not (site / url / "index.html").is_file():
                continue
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + url, wait_until="load", timeout=120_000)
            start = time.perf_counter()
            pdf = page.pdf(format="A4")
            seconds = time.perf_counter() - start
            page.emulate_media(media="print")
            out[url] = (len(re.findall(rb"/Type\s*/Page\b", pdf)), seconds, page.evaluate(whole))
            context.close()
    return out


def sizes(project: Path, first_query: bool) -> dict[str, str]:
    site, codes = project / "site", [c for c in languages(project) if c in QUERIES]
    median, largest, largest_page = html_sizes(site)
    index = search_index_sizes(site, codes)
    query = first_query_downloads(site, codes) if first_query else {}
    pages = len([p for p in content_pages(site) if not p.relative_to(site).as_posix().startswith("en/")])
    data = project / "guideline_data"
    sections = sum(len(_yaml(p)) for p in (data / "sections").glob("*.yaml"))
    terms = len(_yaml(data / "glossary.yaml")) if (data / "glossary.yaml").is_file() else 0
    return {
        "pages per language": str(pages),
        "sections / glossary terms": f"{sections} / {terms}",
        "HTML per page, median": kb(median),
        "HTML per page, max": f"{kb(largest)} ({largest_page.removesuffix('index.html')})",
        **{f"search index, {code}": kb(index[code]) for code in codes},
        **{f"first query, {code} ({QUERIES[code]})": f"{kb(n)} in {requests} requests"
           for code, (requests, n) in query.items()},
        **{f"open in Chromium (load / interactive): {url}": f"{loaded:.2f} / {interactive:.2f} s, {kb(size)}"
           for url, (size, loaded, interactive) in heavy_pages(site, languages(project)).items()},
        **{f"printed in Chromium: {url}": f"{sheets} A4 pages in {seconds:.1f} s" + ("" if whole else ", not whole")
           for url, (sheets, seconds, whole) in printed(site, languages(project)).items()},
    }  # fmt: skip


def kb(size: float) -> str:
    return f"{size / 1024:,.0f} KB"


# ---------------------------------------------------------------- report


def measure(project: Path, edits: int, with_sizes: bool, first_query: bool, runs: int, edit_build: bool) -> dict:
    """The figures of one data size; the cold build and the floor are the fastest of `runs` (the run least disturbed
    by the machine, as timeit takes it). `edit_build`: time `build` after a one-paragraph edit too."""
    # Python's bytecode and the page templates compiled first, as they are on any machine that ran the generator once.
    subprocess.run([sys.executable, "-c", COMPILE], check=True, env=ENV)
    colds = []
    for _ in range(runs):
        shutil.rmtree(project / "build", ignore_errors=True)
        shutil.rmtree(project / "site", ignore_errors=True)
        colds.append(timed_build(project))
    figures = {"cold": min(colds, key=lambda report: report["total"])}
    print(f"  [{_clock()}] cold build {[round(c['total'], 1) for c in colds]} s", file=sys.stderr)
    figures["warm"] = timed_build(project)
    print(f"  [{_clock()}] nothing changed {figures['warm']['total']:.2f} s", file=sys.stderr)
    if edit_build:
        edit_paragraph(project, "（ベンチ）", edited(project)[0])
        figures["edit"] = timed_build(project)
        print(f"  [{_clock()}] one-paragraph edit {figures['edit']['total']:.1f} s", file=sys.stderr)
    floors = [floor(project) for _ in range(runs)]
    figures["floor"], figures["floor_cpu"] = min(floors)
    print(f"  [{_clock()}] floor {[round(f, 1) for f, _ in floors]} s", file=sys.stderr)
    figures["shown"] = edit_to_browser(project, edits)
    print(f"  [{_clock()}] edit shown under serve {figures['shown']}", file=sys.stderr)
    if with_sizes:
        figures["sizes"] = sizes(project, first_query)
    return figures


BEGAN = time.perf_counter()


def _clock() -> str:
    return f"{time.perf_counter() - BEGAN:5.0f} s"


def row(label: str, values: list[str], bold: bool = False) -> str:
    mark = "**" if bold else ""
    return f"| {mark}{label}{mark} | " + " | ".join(f"{mark}{v}{mark}" for v in values) + " |"


def time_table(results: dict[str, dict]) -> str:
    sizes = list(results.values())
    # every language any size has: an imported catalog may have one language where the guideline has two
    stages_run = (stage for r in sizes for stage in r["cold"]["timings"])
    codes = list(dict.fromkeys(s.removeprefix("mkdocs (").rstrip(")") for s in stages_run if s.startswith("mkdocs (")))
    head = ["| seconds | " + " | ".join(_label(f) for f in results) + " |", "|---|" + "---:|" * len(results)]
    lines = [*head, row("pages per language", [str(max(r["cold"]["pages"].values())) for r in sizes])]
    stages = ["load", "validate", "link", "plan", *(f"render+write ({c})" for c in codes),
              *(f"mkdocs ({c})" for c in codes), "languages (in parallel)", "assemble", "search index"]  # fmt: skip
    for kind, title in (("cold", "cold build"), ("edit", "rebuild after a one-paragraph edit")):
        for stage in stages:
            values = [f"{r[kind]['timings'][stage]:.2f}" if stage in r.get(kind, {}).get("timings", {}) else "–"
                      for r in sizes]  # fmt: skip
            lines.append(row(f"{title}: {stage}", values))

    def each(kind: str, value) -> list[str]:
        return [value(r) if kind in r else "–" for r in sizes]

    lines += [
        row("cold build, whole process", each("cold", lambda r: f"{r['cold']['total']:.1f}"), bold=True),
        row("nothing changed, whole process", each("warm", lambda r: f"{r['warm']['total']:.2f}"), bold=True),
        row("rebuild after a one-paragraph edit", each("edit", lambda r: f"{r['edit']['total']:.1f}"), bold=True),
        row("floor: MkDocs alone, both languages", [f"{r['floor']:.1f}" for r in sizes], bold=True),
        row("cold ÷ floor", [f"{r['cold']['total'] / r['floor']:.2f}" for r in sizes]),
        row("nothing changed ÷ floor", [f"{r['warm']['total'] / r['floor']:.3f}" for r in sizes]),
        row("edit ÷ floor", each("edit", lambda r: f"{r['edit']['total'] / r['floor']:.2f}")),
        row(
            "CPU s (user+sys): cold / nothing changed / edit / floor",
            [
                " / ".join(f"{r[k]['cpu']:.1f}" if k in r else "–" for k in ("cold", "warm", "edit"))
                + f" / {r['floor_cpu']:.1f}"
                for r in sizes
            ],
        ),  # fmt: skip
        row(
            "CPU ratios: cold ÷ floor, nothing changed ÷ floor, edit ÷ floor",
            [
                ", ".join(f"{r[k]['cpu'] / r['floor_cpu']:.2f}" if k in r else "–" for k in ("cold", "warm", "edit"))
                for r in sizes
            ],
        ),  # fmt: skip
        row(
            "pages rendered after the edit (per language)",
            each("edit", lambda r: " / ".join(str(n) for n in r["edit"]["rendered"].values())),
        ),  # fmt: skip
        row("peak memory of a cold build (MB)", [f"{r['cold']['peak_kb'] / 1024:.0f}" for r in sizes]),
        row(
            "cold build per page (both languages), ms",
            [f"{1000 * r['cold']['total'] / sum(r['cold']['pages'].values()):.0f}" for r in sizes],
        ),  # fmt: skip
        row("floor per page, ms", [f"{1000 * r['floor'] / sum(r['cold']['pages'].values()):.0f}" for r in sizes]),
        row(
            "saved edit → shown in the open page (serve)",
            [" / ".join(f"{s:.1f}" for s in r["shown"]) for r in sizes],
            bold=True,
        ),  # fmt: skip
    ]
    return "\n".join(lines)


def _label(size: str) -> str:
    if size == IMPORTED:
        return "imported catalog"
    return f"{CATALOG_GROUPS * CATALOG_PER_GROUP:,} controls" if size == CATALOG else f"{size}×"


def size_table(results: dict[str, dict]) -> str:
    shown = {f: r["sizes"] for f, r in results.items() if "sizes" in r}
    if not shown:
        return ""
    names = list(dict.fromkeys(name for r in shown.values() for name in r))
    lines = ["| size | " + " | ".join(_label(f) for f in shown) + " |", "|---|" + "---:|" * len(shown)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(r.get(name, "–") for r in shown.values()) + " |")
    return "\n".join(lines)


def machine() -> str:
    cores = len(os.sched_getaffinity(0))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{python}, {cores} cores, {platform.machine()}, load {load}"


def update_readme(section: str) -> None:
    """Replace the Benchmark section of README.md, up to its next heading (or add it at the end)."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.find(f"\n{README_HEADING}\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:  # up to the next heading: a subsection of its own (### Search quality) stays
        ends = [at for at in (text.find("\n## ", start + 1), text.find("\n### ", start + 1)) if at != -1]
        end = min(ends) if ends else -1
        text = text[: start + 1] + section + (text[end:] if end != -1 else "")
    readme.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=f"1,5,{CATALOG}", help="data sizes: multiples of the real data, or "
                        f"'{CATALOG}' (a catalog of {CATALOG_GROUPS * CATALOG_PER_GROUP:,} controls)")  # fmt: skip
    parser.add_argument("--catalog", type=Path, help="an imported knowledge base's data folder (python -m generator "
                        "import CATALOG --profile PROFILE OUT makes one), measured after the --scales")  # fmt: skip
    parser.add_argument("--edits", type=int, default=1, help="paragraph saves timed under serve, per data size")
    parser.add_argument("--runs", type=int, default=1, help="cold builds and floors at the first size, the fastest "
                        "kept (the first size's figures are the least certain: --runs 3 steadies them)")  # fmt: skip
    parser.add_argument("--no-sizes", action="store_true", help="skip the download sizes")
    parser.add_argument("--edit-at-every-size", action="store_true", help="time `build` after a one-paragraph edit "
                        "at every size, not only the first (serve's edit is timed at every size)")  # fmt: skip
    parser.add_argument("--first-query", action="store_true", help="also measure, in Chromium at the first size, "
                        "what the first search downloads (tests/test_search.py holds it to its budget)")  # fmt: skip
    parser.add_argument("--readme", action="store_true", help="write the tables into README.md's Benchmark section")
    args = parser.parse_args()
    scales = args.scales.split(",") if args.scales else []
    if args.catalog:
        if not (args.catalog / "kb.yaml").is_file():
            raise SystemExit(f"--catalog {args.catalog}: no kb.yaml there; name the data folder an import wrote")
        scales.append(IMPORTED)
    began, at_start = time.perf_counter(), machine()
    results = {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as folder:
        for factor in scales:
            print(f"{_label(factor)}: making the data…", file=sys.stderr)
            project = make_project(Path(folder), factor, args.catalog)
            runs = args.runs if not results else 1  # the first size is quick: its figures are the least certain
            first_query = args.first_query and not results
            edit_build = args.edit_at_every_size or not results or factor in (CATALOG, IMPORTED)
            results[factor] = measure(project, args.edits, not args.no_sizes, first_query, runs, edit_build)
            shutil.rmtree(project)
    elapsed = time.perf_counter() - began
    fastest = f" (at 1× the cold build and the floor are the fastest of {args.runs})" if args.runs > 1 else ""
    section = (
        f"{README_HEADING}\n\n"
        f"`make bench` ({time.strftime('%Y-%m-%d')}; {at_start} at the start; {elapsed / 60:.1f} min in all). 1× is\n"
        "the real data; 5× repeats chapters 1–5 under new chapter numbers and every glossary term under a new id;\n"
        f"the catalog adds {CATALOG_GROUPS * CATALOG_PER_GROUP:,} controls in {CATALOG_GROUPS} groups to the "
        f"controls chapter (NIST SP 800-53's size)"
        + ("; the imported catalog is a data folder as `python -m generator import` wrote it" if args.catalog else "")
        + f". One run each{fastest}.\n"
        "Builds are `python -m generator build` as whole processes: cold (no build folder, no cache; Python's\n"
        "bytecode and the page templates compiled, as after any earlier build on the machine), nothing changed (the\n"
        "build before's output) and, on the real data and the catalog, after a one-paragraph edit (4.6). CPU is\n"
        "user + system time of the process and all it started: on a shared machine wall times vary with the load, the\n"
        "CPU times much less. The floor is MkDocs alone on the configurations the generator wrote (same pages, theme,\n"
        "plugins, extensions and hooks): `python -m mkdocs build` for each language, one after the other. Under\n"
        "`serve`, a paragraph is saved while its page is open in Chromium: the seconds until the page shows it.\n\n"
        f"{time_table(results)}\n\n{size_table(results)}\n\n"
        "Reading the table: a build first checks whether anything it reads changed since the last one and the site\n"
        "is as that build published it (generator/uptodate.py); if so it does nothing more. Else the generator's\n"
        "stages run once (load, validate, link), then each language in a process of its own (render+write and\n"
        "MkDocs: two cores, two languages; a language built alone renders its pages and has MkDocs build them in two\n"
        "processes); as each language's process ends, its site goes into the new site and to Pagefind (a service of\n"
        "its own for each language, one a core at most), while the other languages are still built, and the\n"
        "languages' index bundles are merged into the site's one. Each page records what it reads\n"
        "(generator/reads.py): after an edit only the pages that read what changed are rendered, only the files whose\n"
        "bytes changed are written, and MkDocs renders only those pages unless something every page shows\n"
        "(navigation, titles, theme) changed. Under `serve` the pages open in a browser come first (rendered alone,\n"
        "built by MkDocs alone and put into the served site), then the rest of the build, then the search index.\n"
        "Where a cold build still costs more than the floor: the downloads and exports (Excel, Word, CSV, JSON,\n"
        "OSCAL, zips, the search box's words) and the pages' own rendering, which the floor does not do, and\n"
        "Pagefind.\n"
    )
    print(section)
    if args.readme:
        update_readme(section)


if __name__ == "__main__":
    main()
