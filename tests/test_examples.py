"""Other knowledge bases from data alone: the examples/ folders build, link-check and work in a browser, in the
languages their kb.yaml names, and keep their saved answers and catalog ids apart from this guideline's."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path

import pytest
import yaml

from generator.build import load_knowledge_base
from generator.serve import PrefixHandler

from .conftest import PREFIX, PROJECT, example_site
from .test_links import Resolver, checked, parse

EXAMPLES = sorted(p.name for p in (PROJECT / "examples").iterdir() if (p / "guideline_data" / "kb.yaml").is_file())


def kb_config(name: str) -> dict:
    return yaml.safe_load((PROJECT / "examples" / name / "guideline_data" / "kb.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session", params=EXAMPLES)
def example(request, tmp_path_factory) -> tuple[str, Path]:
    return request.param, example_site(tmp_path_factory, request.param)


def roots(name: str) -> dict[str, str]:
    languages = kb_config(name)["languages"]
    return {code: "" if code == languages[0] else f"{code}/" for code in languages}


def test_examples_are_of_other_shapes():
    configs = {name: kb_config(name) for name in EXAMPLES}
    assert configs
    assert len(configs) >= 2
    assert any(c["languages"] == ["ja"] for c in configs.values())
    assert any(len(c["languages"]) == 3 for c in configs.values())
    assert all(c["structure"]["controls"] != "5" for c in configs.values())


def test_every_page_exists_in_every_language(example):
    name, site = example
    prefixes = tuple(root for root in roots(name).values() if root)
    every = [p.relative_to(site).as_posix() for p in site.rglob("index.html")]

    def in_language(path: str, root: str) -> bool:
        return path.startswith(root) if root else not path.startswith(prefixes or "\0")

    pages = {code: {p.removeprefix(root) for p in every if in_language(p, root)} for code, root in roots(name).items()}
    first = next(iter(pages.values()))
    assert len(first) > 10
    assert all(found == first for found in pages.values()), {k: len(v) for k, v in pages.items()}


def test_every_internal_link_resolves(example):
    _, site = example
    html_files = {path.relative_to(site).as_posix(): parse(path) for path in sorted(site.rglob("*.html"))}
    resolver = Resolver(site, html_files)
    broken = [
        f"{source}: {url}: {problem}"
        for source, found in html_files.items()
        if checked(source)
        for _, url, _ in found.urls
        if (problem := resolver.problem(source, url))
    ]
    assert not broken, "\n".join(broken[:20])


def test_no_text_of_the_aviation_guideline_leaks_into_an_example(example):
    _, site = example
    leaks = [p for p in site.rglob("*.html") if any(w in p.read_text(encoding="utf-8") for w in ("航空", "概要版"))]
    assert not leaks, leaks[:5]


def test_saved_answers_and_catalog_ids_are_namespaced(example, site):
    name, example_site = example
    key = f'<meta name="kb-storage-key" content="{kb_config(name)["slug"]}:answers">'
    assert key in (example_site / "index.html").read_text(encoding="utf-8")
    assert key not in (site / "index.html").read_text(encoding="utf-8")
    ours = json.loads((site / "downloads" / "data" / "guideline-catalog.oscal.json").read_text(encoding="utf-8"))
    theirs = json.loads(next(example_site.glob("downloads/data/*.oscal.json")).read_text(encoding="utf-8"))
    assert ours["catalog"]["uuid"] != theirs["catalog"]["uuid"]
    prefix = kb_config(name)["oscal_prefix"] + "-"
    assert all(group["id"].startswith(prefix) for group in theirs["catalog"]["groups"])


def test_example_checks_from_its_data_folder_alone():
    for name in EXAMPLES:
        linked = load_knowledge_base(PROJECT / "examples" / name / "guideline_data")
        controls = [s.id for s in linked.kb.sections if linked.kb.is_control(s.id)]
        assert controls and all(c.startswith(kb_config(name)["structure"]["controls"] + ".") for c in controls)


@pytest.mark.browser
def test_answers_persist_and_the_language_switch_keeps_the_page(example, browser):
    name, site = example
    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": PREFIX}), directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(base + "checklists/ch2/")
        tab.locator("select").first.select_option(index=1)
        tab.reload()
        assert tab.locator("select").first.input_value() != ""
        stored = tab.evaluate("k => localStorage.getItem(k)", f"{kb_config(name)['slug']}:answers")
        assert stored and "CL2-001" in stored
        for code, root in list(roots(name).items())[1:]:
            tab.goto(base + "guideline/2-1/")
            tab.locator(f'a[hreflang="{code}"]').first.dispatch_event("click")
            # Links to a folder name its index.html, so that the site also works opened from a folder (file://).
            tab.wait_for_url(re.compile(rf"{re.escape(PREFIX + root)}guideline/2-1/(index\.html)?$"))
    finally:
        context.close()
        httpd.shutdown()


def test_new_starts_a_knowledge_base_that_checks_and_never_overwrites(tmp_path):
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=tmp_path)

    created = run("new", "Our Rail KB")
    assert created.returncode == 0, created.stderr
    data = tmp_path / "Our Rail KB" / "guideline_data"
    assert yaml.safe_load((data / "kb.yaml").read_text(encoding="utf-8"))["slug"] == "our-rail-kb"
    assert run("check", "--data", str(data)).returncode == 0
    again = run("new", "Our Rail KB")
    assert again.returncode == 1 and "the folder exists and is not empty: nothing was written" in again.stderr
    assert "Traceback" not in again.stderr
