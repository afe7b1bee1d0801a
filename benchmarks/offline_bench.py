"""Search opened from a folder (file://) against over HTTP: what the site holds for it, what the first query reads,
and how long the first query takes, in Chromium, at 1x the real data and at a ~1,200-page catalog (16x).

    .venv/bin/python benchmarks/offline_bench.py [--factors 1 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench import _dump, _yaml, make_project  # noqa: E402
from generator.build import Paths, build  # noqa: E402
from generator.offline import FOLDER  # noqa: E402
from generator.serve import PrefixHandler  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

QUERIES = {"ja": "多要素認証", "en": "backup"}
ROOTS = {"ja": "", "en": "en/"}


def catalog(base: Path, factor: int) -> Path:
    """bench.py's data `factor` times as large (its sections: pages), in files under the loader's size limit; the
    glossary (one page) as it is."""
    project = make_project(base, factor)
    data = project / "guideline_data"
    if factor > 1:
        sections = _yaml(data / "sections" / "all.yaml")
        (data / "sections" / "all.yaml").unlink()
        for start in range(0, len(sections), 150):
            _dump(data / "sections" / f"part-{start // 150:04d}.yaml", sections[start : start + 150])
        _dump(data / "glossary.yaml", [t for t in _yaml(data / "glossary.yaml") if "-copy" not in t["id"]])
    return project


def size(folder: Path, names=None) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and (names is None or names(p)))


def first_query(browser, start: str, query: str) -> tuple[float, int]:
    """Seconds from pressing "/" to the first results shown, in an empty browser; bytes of search files read."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(start, wait_until="load")
    read = []
    page.on("requestfinished", lambda r: read.append(r) if ("/pagefind/" in r.url or "search-words" in r.url) else 0)
    began = time.perf_counter()
    page.keyboard.press("/")
    page.fill("#kb-search-input", query)
    page.press("#kb-search-input", "Enter")
    page.wait_for_function("q => document.getElementById('kb-search').dataset.kbSearched === q", arg=query,
                           timeout=60000)  # fmt: skip
    seconds = time.perf_counter() - began
    total = 0
    for request in read:
        sizes = request.sizes()
        total += sizes.get("responseBodySize", 0) or 0
    context.close()
    return seconds, total


def measure(site: Path, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(type("H", (PrefixHandler,), {"prefix": "/kb/"}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    http_root = f"http://127.0.0.1:{server.server_address[1]}/kb/"
    out = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for code, query in QUERIES.items():
                for way, start in (("http", f"{http_root}{ROOTS[code]}guideline/"),
                                   ("file", (site / ROOTS[code] / "guideline" / "index.html").as_uri())):  # fmt: skip
                    timings = [first_query(browser, start, query) for _ in range(runs)]
                    out[f"{way} {code}"] = (statistics.median(t[0] for t in timings), timings[0][1])
            browser.close()
    finally:
        server.shutdown()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as base:
        for factor in args.factors:
            project = catalog(Path(base), factor)
            report = build(Paths.of(project))
            site = project / "site"
            bundle = size(site / "pagefind", lambda p: "ui" not in p.name and "highlight" not in p.name)
            twins = size(site / FOLDER)
            print(f"{factor}x: {report.pages['ja']} pages per language; search bundle {bundle / 1024:.0f} KB, "
                  f"its file:// scripts {twins / 1024:.0f} KB ({twins / bundle:.2f}x)", flush=True)  # fmt: skip
            for key, (seconds, read) in measure(site, args.runs).items():
                print(f"  first query, {key}: {seconds:.2f} s (median of {args.runs}), {read / 1024:.0f} KB read")


if __name__ == "__main__":
    main()
