"""Build and size figures for the knowledge base: `make bench` (python benchmarks/bench.py). Not a test.

Prints two Markdown tables: where the build time goes (generator stages, MkDocs per language, Pagefind), against a
bare Material build of the same generated Markdown (theme only: no nav, extensions, plugins, hooks or search
index), and what the reader downloads (HTML per page, search index, the first query, measured in Chromium).
Each for the real data and for synthetic data scaled 5x and 20x (made on the fly in a temporary folder), so that
the growth of cost with size shows. Times are medians of several runs. Nothing in the project is changed unless
--readme is given, which rewrites the "## Benchmark" section of README.md with the tables.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runs from a checkout too, without `pip install -e .`

from generator import load as load_stage  # noqa: E402
from generator.build import Paths, build  # noqa: E402
from generator.i18n import LANGUAGES  # noqa: E402
from generator.serve import PrefixHandler  # noqa: E402
from generator.validate import section_order_key  # noqa: E402

SOURCES = ("guideline_data", "overrides", "docs", "mkdocs.yml")
PREFIX = "/bench/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
QUERIES = {"ja": "多要素認証", "en": "backup"}
GENERATOR_STAGES = ("load", "validate", "link", "render+write")
README_HEADING = "## Benchmark"


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


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


def make_project(base: Path, factor: int) -> Path:
    project = base / f"x{factor}"
    for name in SOURCES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    scale_data(project / "guideline_data", factor)
    return project


# ---------------------------------------------------------------- time


def timed_build(project: Path) -> dict[str, float]:
    """One full build (stage times from the build's own report, plus the wall-clock total) and the floor."""
    start = time.perf_counter()
    report = build(Paths.of(project))
    timings = {**report.timings, "total": time.perf_counter() - start}
    timings["bare Material"] = bare_material_build(project)
    return timings


def bare_material_build(project: Path) -> float:
    """The floor: MkDocs with the Material theme alone over the Markdown our generator wrote, both languages."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    seconds = 0.0
    for code in LANGUAGES:
        config_file = project / "build" / f"bare-{code}.yml"
        config = {
            "site_name": "bare",
            "docs_dir": str(project / "build" / code / "docs"),
            "site_dir": str(project / "bare-site" / code),
            "theme": {"name": "material"},
            "plugins": [],  # MkDocs would otherwise add its search plugin and build an index
        }
        config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
        start = time.perf_counter()
        mkdocs_build(load_config(str(config_file)))
        seconds += time.perf_counter() - start
    return seconds


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


# ---------------------------------------------------------------- size


def content_pages(site: Path) -> list[Path]:
    skip = ("pagefind", "assets", "downloads")
    return [p for p in site.rglob("*.html") if not set(p.relative_to(site).parts) & set(skip)]


def html_sizes(site: Path) -> tuple[float, int, str]:
    sizes = sorted((p.stat().st_size, p.relative_to(site).as_posix()) for p in content_pages(site))
    return statistics.median(size for size, _ in sizes), sizes[-1][0], sizes[-1][1]


def search_index_sizes(site: Path) -> dict[str, int]:
    """Per language: Pagefind's metadata, index chunks and page fragments for that language."""
    bundle = site / "pagefind"
    sizes = {}
    for code in LANGUAGES:
        files = [
            *bundle.glob(f"pagefind.{code}_*.pf_meta"),
            *bundle.glob(f"index/{code}_*"),
            *bundle.glob(f"fragment/{code}_*"),
        ]
        sizes[code] = sum(f.stat().st_size for f in files)
    return sizes


def first_query_downloads(site: Path) -> dict[str, tuple[int, int]]:
    """Per language: (requests, bytes) of Pagefind files fetched from opening the search to the first results."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": PREFIX}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            roots = {code: "" if code == LANGUAGES[0] else f"{code}/" for code in LANGUAGES}
            measured = {code: _first_query(browser, base + roots[code], QUERIES[code]) for code in LANGUAGES}
            browser.close()
    finally:
        server.shutdown()
    return measured


def _first_query(browser, url: str, query: str) -> tuple[int, int]:
    context = browser.new_context()  # an empty cache
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    responses = []

    def record(response) -> None:
        if "/pagefind/" in response.url:
            responses.append(response)

    page.on("response", record)
    page.keyboard.press("/")
    page.keyboard.type(query)
    page.wait_for_selector("[data-kb-search-results] .kb-search__link", timeout=30000)
    page.wait_for_load_state("networkidle")
    downloaded = sum(len(response.body()) for response in responses)
    context.close()
    return len(responses), downloaded


def sizes(project: Path) -> dict[str, str]:
    site = project / "site"
    median, largest, largest_page = html_sizes(site)
    index = search_index_sizes(site)
    query = first_query_downloads(site)
    pages = len([p for p in content_pages(site) if not p.relative_to(site).as_posix().startswith("en/")])
    data = project / "guideline_data"
    sections = sum(len(_yaml(p)) for p in (data / "sections").glob("*.yaml"))
    return {
        "pages per language": str(pages),
        "sections / glossary terms": f"{sections} / {len(_yaml(data / 'glossary.yaml'))}",
        "HTML per page, median": kb(median),
        "HTML per page, max": f"{kb(largest)} ({largest_page.removesuffix('index.html')})",
        **{f"search index, {code}": kb(index[code]) for code in LANGUAGES},
        **{
            f"first query, {code} ({QUERIES[code]})": f"{kb(query[code][1])} in {query[code][0]} requests"
            for code in LANGUAGES
        },
    }


def kb(size: float) -> str:
    return f"{size / 1024:,.0f} KB"


# ---------------------------------------------------------------- report


def time_table(results: dict[int, dict[str, float]], runs: int) -> str:
    stages = [*GENERATOR_STAGES, *(f"mkdocs ({code})" for code in LANGUAGES), "search index", "total"]
    head = f"| build time, s (median of {runs}) | " + " | ".join(f"{f}×" for f in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for stage in stages:
        bold = "**" if stage == "total" else ""
        lines.append(
            f"| {bold}{stage}{bold} | " + " | ".join(f"{bold}{r[stage]:.2f}{bold}" for r in results.values()) + " |"
        )
    lines.append(
        "| bare Material, same Markdown (floor) | "
        + " | ".join(f"{r['bare Material']:.2f}" for r in results.values())
        + " |"
    )
    lines.append(
        "| total ÷ floor | " + " | ".join(f"{r['total'] / r['bare Material']:.1f}" for r in results.values()) + " |"
    )
    return "\n".join(lines)


def size_table(results: dict[int, dict[str, str]]) -> str:
    lines = ["| size | " + " | ".join(f"{f}×" for f in results) + " |", "|---|" + "---:|" * len(results)]
    for row in next(iter(results.values())):
        lines.append(f"| {row} | " + " | ".join(r[row] for r in results.values()) + " |")
    return "\n".join(lines)


def machine() -> str:
    cores = len(os.sched_getaffinity(0))
    return f"{platform.python_implementation()} {platform.python_version()}, {cores} cores, {platform.machine()}"


def update_readme(section: str) -> None:
    """Replace the Benchmark section of README.md (or add it at the end)."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.find(f"\n{README_HEADING}\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[: start + 1] + section + (text[end:] if end != -1 else "")
    readme.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds per data size; times are their medians")
    parser.add_argument("--scales", default="1,5,20", help="data sizes, as multiples of the real data")
    parser.add_argument("--readme", action="store_true", help="write the tables into README.md's Benchmark section")
    args = parser.parse_args()
    # The synthetic glossary is one file larger than the limit editors get; the limit is not what is measured.
    load_stage.MAX_FILE_BYTES = 100_000_000
    times, figures = {}, {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as folder:
        for factor in (int(f) for f in args.scales.split(",")):
            project = make_project(Path(folder), factor)
            runs = []
            for run in range(args.runs):
                runs.append(timed_build(project))
                print(f"{factor}×, run {run + 1}/{args.runs}: {runs[-1]['total']:.1f} s", file=sys.stderr)
            times[factor] = medians(runs)
            figures[factor] = sizes(project)
            shutil.rmtree(project)
    section = (
        f"{README_HEADING}\n\n"
        f"`make bench` ({time.strftime('%Y-%m-%d')}; {machine()}). 1× is the real data; 5× and 20× repeat\n"
        "chapters 1–5 under new chapter numbers and every glossary term under a new id. The floor is MkDocs with the\n"
        "Material theme alone over the same generated Markdown (no navigation config, extensions, plugins, hooks or\n"
        "search index).\n\n"
        f"{time_table(times, args.runs)}\n\n{size_table(figures)}\n\n"
        "Reading the table: glossary terms are found with one Aho-Corasick automaton, so `link` grows with the\n"
        "text; `render+write` also builds every download (xlsx, docx, JSON, OSCAL, the print page), which grow with\n"
        "the data. The floor has no `navigation.prune`, so each of\n"
        "its pages carries the whole navigation and it overtakes our build as pages multiply. The first query\n"
        "downloads about the same whatever the size: Pagefind fetches only the index chunks and fragments it needs.\n"
    )
    print(section)
    if args.readme:
        update_readme(section)


if __name__ == "__main__":
    main()
