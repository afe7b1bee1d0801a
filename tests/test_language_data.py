"""Language is data: no code, template or asset of the generator names a language; a glossary needs a reading only
where its language sorts by one; synonyms come in any language; `check` finds every interface string the data asks
for, with its file and line, as `build` would; a one-language site has its search button. Built on examples/en-demo
(English only), examples/rail-demo (Japanese only) and examples/tri-demo (three languages), each with a template."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import docx
import pytest
import yaml

from generator.build import load_knowledge_base
from generator.errors import DataError

from .conftest import PROJECT, example_site

EXAMPLES = PROJECT / "examples"


@pytest.mark.parametrize("name", ["en-demo", "rail-demo", "tri-demo"])
def test_each_example_builds_its_template_in_every_language(tmp_path_factory, name):
    site = example_site(tmp_path_factory, name)
    kb = load_knowledge_base(EXAMPLES / name / "guideline_data").kb
    [template] = kb.templates
    for index, code in enumerate(kb.config.languages):
        root = site if index == 0 else site / code
        page = (root / "templates" / template.id / "index.html").read_text(encoding="utf-8")
        assert getattr(template.title, code) in page
    word = docx.Document(site / "downloads" / "templates" / f"{template.id}.docx")
    assert word.core_properties.language == {"en-demo": "en-GB", "rail-demo": "ja-JP", "tri-demo": "ja-JP"}[name]


def test_an_english_glossary_needs_no_reading_and_is_sorted_a_to_z(tmp_path_factory):
    site = example_site(tmp_path_factory, "en-demo")
    glossary = (site / "glossary" / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="kana-(\w+)"', glossary)
    assert headings == ["d", "p", "s"]
    assert "kb-reading" not in glossary


def test_a_reading_is_asked_for_only_where_the_language_sorts_by_it(tmp_path):
    data = shutil.copytree(EXAMPLES / "rail-demo" / "guideline_data", tmp_path / "guideline_data")
    glossary = data / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    reading = re.search(r"^  reading: .*\n", text, re.M)
    line = text[: reading.start()].count("\n") - 2  # the term's first line: "- id: …"
    glossary.write_text(text[: reading.start()] + text[reading.end() :], encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_knowledge_base(data)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("guideline_data/glossary.yaml", line + 1)
    assert problem.message == "the term 'mfa' has no reading"
    assert problem.fix == (
        "add 'reading:' in hiragana or katakana: the 'ja' glossary is sorted by reading (ui glossary.collation: kana)"
    )
    # The same language sorted by its characters: no reading needed.
    (data / "ui.yaml").write_text(
        (data / "ui.yaml").read_text(encoding="utf-8") + "glossary.collation: {ja: characters}\n", encoding="utf-8"
    )
    assert load_knowledge_base(data).kb.glossary


def test_synonyms_in_any_language_are_searched(tmp_path_factory):
    """A Japanese-only site: its terms' English synonyms ("2FA") are search words of the pages that use them."""
    site = example_site(tmp_path_factory, "rail-demo")
    assert "2fa" in (site / "glossary" / "index.html").read_text(encoding="utf-8").lower()


def test_check_finds_a_missing_label_with_its_line_as_build_would(tmp_path):
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    config = data / "kb.yaml"
    text = config.read_text(encoding="utf-8")
    wider = text.replace("control_categories: [technical, physical]", "control_categories: [technical, physical, pipe]")
    config.write_text(wider, encoding="utf-8")
    line = text[: text.index("control_categories")].count("\n") + 1
    for command in ("check", "build"):
        result = subprocess.run([sys.executable, "-m", "generator", command, "--data", str(data)], capture_output=True,
                                text=True, cwd=tmp_path)  # fmt: skip
        assert result.returncode == 1
        assert result.stderr.splitlines()[1:3] == [
            f"guideline_data/kb.yaml:{line}: control_categories[2]: no interface string 'category.pipe': it "
            "labels 'pipe' of kb.yaml 'control_categories'",
            "    fix: add 'category.pipe:' to guideline_data/ui.yaml with 'en:'",
        ], result.stderr
        assert "Traceback" not in result.stderr
    assert result.stderr.endswith("The build stopped; site/ was left as it was.\n")


def test_a_failed_build_names_the_site_folder_it_left(tmp_path):
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    (data / "kb.yaml").write_text("slug: [\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data), "--site-dir",
                             str(tmp_path / "public")], capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.endswith("The build stopped; public/ was left as it was.\n")


def test_a_one_language_site_has_the_search_button(tmp_path_factory):
    for name in ("en-demo", "rail-demo"):
        site = example_site(tmp_path_factory, name)
        home = (site / "index.html").read_text(encoding="utf-8")
        header = home[home.index('<header class="md-header') : home.index("</header>")]
        assert header.count("data-kb-search-open") == 1
        assert "md-select__list" not in header  # no language selector with one language


def test_a_three_language_site_has_one_search_button_and_the_language_selector(tmp_path_factory):
    site = example_site(tmp_path_factory, "tri-demo")
    for root in (site, site / "en", site / "zh-Hant"):
        home = (root / "index.html").read_text(encoding="utf-8")
        header = home[home.index('<header class="md-header') : home.index("</header>")]
        assert header.count("data-kb-search-open") == 1
        assert header.count('class="md-select__link"') == 3


def test_docx_typography_is_data(tmp_path):
    """The Word files' fonts and language tags are ui strings: a knowledge base changes them without code."""
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    ui = (data / "ui.yaml").read_text(encoding="utf-8")
    (data / "ui.yaml").write_text(ui + "docx.font.body: {en: Georgia}\ndocx.locale: {en: en-US}\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data)], check=True, capture_output=True,
                   cwd=tmp_path)  # fmt: skip
    word = docx.Document(tmp_path / "site" / "downloads" / "templates" / "entry-record.docx")
    assert word.core_properties.language == "en-US"
    assert word.styles["Normal"].font.name == "Georgia"


# ---------------------------------------------------------------- no sector words, no empty pages


def test_the_defaults_name_no_reader_of_one_guideline(tmp_path_factory):
    """en-demo uses the generator's wording: its navigation and requirement blocks say nothing of "operators"."""
    site = example_site(tmp_path_factory, "en-demo")
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    for word in ("The guideline<", "What operators are asked to do", "By actor and relevant entity", "Translations"):
        assert word not in pages, word
    assert ">Contents<" in (site / "index.html").read_text(encoding="utf-8")
    assert ">Requirements<" in (site / "guideline" / "2-1" / "index.html").read_text(encoding="utf-8")


def test_pages_with_nothing_to_show_are_not_made(tmp_path_factory):
    """en-demo has no errata, no editorial notes and no section naming an actor: no errata page, no index by actor."""
    site = example_site(tmp_path_factory, "en-demo")
    assert not (site / "errata").exists() and not (site / "tags").exists()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "errata/" not in home and "tags/" not in home


def test_a_control_page_shows_no_empty_row_of_a_kind_the_knowledge_base_has_not(tmp_path_factory):
    """en-demo has no references: its control pages have no "References: None"; it has templates, so a control
    without one says so."""
    site = example_site(tmp_path_factory, "en-demo")
    control = (site / "guideline" / "2-2" / "index.html").read_text(encoding="utf-8")
    related = control[control.index('id="related"') :]
    assert ">References<" not in related
    assert ">Templates<" in related and ">None<" in related


def test_dates_are_days_in_the_knowledge_bases_time_zone(tmp_path_factory):
    import json

    for name, offset in (("en-demo", "+00:00"), ("tri-demo", "+09:00")):
        site = example_site(tmp_path_factory, name)
        catalog = json.loads(next(site.glob("downloads/data/*.oscal.json")).read_text(encoding="utf-8"))["catalog"]
        assert catalog["metadata"]["last-modified"].endswith(f"T00:00:00{offset}"), name


def test_an_unknown_time_zone_is_named_with_its_line(tmp_path):
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    config = data / "kb.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "time_zone: Japan/Tokio\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_knowledge_base(data)
    [problem] = caught.value.problems
    assert str(problem) == (
        f"guideline_data/kb.yaml:{config.read_text(encoding='utf-8').count(chr(10))}: time_zone: unknown time zone "
        "'Japan/Tokio': write an IANA name such as Europe/London or UTC\n    fix: correct the value (see "
        "guideline_data/README.md)"
    )


def test_an_unknown_feature_is_named_with_its_line_in_kb_yaml(tmp_path):
    """kb.yaml names features from the one registry (generator/features/registry.py)."""
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    config = data / "kb.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("features: [core, checklists, templates, open_data]",
                                   "features: [core, checklist]"), encoding="utf-8")  # fmt: skip
    line = text[: text.index("features:")].count("\n") + 1
    with pytest.raises(DataError) as caught:
        load_knowledge_base(data)
    assert [str(p) for p in caught.value.problems] == [
        f"guideline_data/kb.yaml:{line}: features[1]: unknown feature 'checklist'\n"
        "    fix: use one of core, checklists, templates, open_data"
    ]


def test_a_language_no_interface_string_is_written_in_is_said_once(tmp_path):
    """`con` is a well-formed language code that neither the defaults nor the knowledge base write interface strings
    in: one message at its place in kb.yaml, not one for each of the generator's hundreds of strings, naming the
    knowledge base's own ui.yaml as where they go (never the generator's defaults)."""
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    config = data / "kb.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("languages: [en]", "languages: [en, con]"), encoding="utf-8")
    line = text[: text.index("languages:")].count("\n") + 1
    with pytest.raises(DataError) as caught:
        load_knowledge_base(data)
    messages = [str(p) for p in caught.value.problems]
    assert messages[0] == (
        f"guideline_data/kb.yaml:{line}: languages[1]: no interface string is written in 'con'\n"
        "    fix: write them in the knowledge base's ui.yaml as 'con:' beside each of the generator's (its defaults "
        "are in en, ja, zh-Hant), or show them in one of those until then: interface_fallback: {con: en} in kb.yaml"
    )
    assert not [m for m in messages if "defaults" in m.split(":")[0] or m.startswith("generator")]
    assert all(m.startswith("guideline_data/") for m in messages)


def test_a_language_the_knowledge_base_wrote_a_few_interface_strings_in_is_still_said_once(tmp_path):
    """The knowledge base's own ui.yaml writes one of the generator's strings in `con` (and an import writes its
    selection's name in the catalog's language): the hundreds of others are still said in one message, counted,
    at the language's place in kb.yaml — never one message for each at the generator's defaults."""
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    config = data / "kb.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("languages: [en]", "languages: [en, con]"), encoding="utf-8")
    ui = data / "ui.yaml"
    ui.write_text(ui.read_text(encoding="utf-8").replace("home.intro:\n", "home.intro:\n  con: Tlhingan\n"),
                  encoding="utf-8")  # fmt: skip
    line = text[: text.index("languages:")].count("\n") + 1
    with pytest.raises(DataError) as caught:
        load_knowledge_base(data)
    messages = [str(p) for p in caught.value.problems]
    defaults = yaml.safe_load((PROJECT / "generator" / "defaults" / "ui.yaml").read_text(encoding="utf-8"))
    missing = sorted(key for key in defaults if key != "home.intro")
    assert messages[0] == (
        f"guideline_data/kb.yaml:{line}: languages[1]: {len(missing)} of the generator's {len(defaults)} interface "
        f"strings are not written in 'con': {', '.join(missing[:3])} …\n"
        "    fix: write them in the knowledge base's ui.yaml as 'con:' beside each of the generator's (its defaults "
        "are in en, ja, zh-Hant), or show them in one of those until then: interface_fallback: {con: en} in kb.yaml"
    )
    assert all(m.startswith("guideline_data/") for m in messages)


@pytest.mark.parametrize(
    ("fallback", "expected"),
    [
        ("{fr: en}", "interface_fallback: fr is not a language of this knowledge base (en, con): key it by one of "
                     "them\n    fix: correct the value (see guideline_data/README.md)"),
        ("{con: tlh}", "interface_fallback.con: the generator's interface strings are not written in 'tlh'\n"
                       "    fix: write one of en, ja, zh-Hant"),
    ],
)  # fmt: skip
def test_an_interface_fallback_names_a_language_of_the_knowledge_base_and_one_the_generator_speaks(
    tmp_path, fallback, expected
):
    data = shutil.copytree(EXAMPLES / "en-demo" / "guideline_data", tmp_path / "guideline_data")
    config = data / "kb.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("languages: [en]", f"languages: [en, con]\ninterface_fallback: {fallback}"),
                      encoding="utf-8")  # fmt: skip
    line = text[: text.index("languages:")].count("\n") + 2
    with pytest.raises(DataError) as caught:
        load_knowledge_base(data)
    assert str(caught.value.problems[0]) == f"guideline_data/kb.yaml:{line}: {expected}"
