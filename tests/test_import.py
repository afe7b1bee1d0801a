"""`import`: an OSCAL catalog and its profiles become a knowledge base that checks and builds as our own data.

The catalog is a public-domain slice of NIST SP 800-53 rev5 (tests/fixtures/oscal/README.md)."""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from generator.build import Paths, build, load_knowledge_base
from generator.cli import _command, main
from generator.export_oscal import oscal_json
from generator.i18n import Language
from generator.link import Key
from generator.pages import label_of, target_of

from .conftest import PROJECT, once_per_run

OSCAL = PROJECT / "tests" / "fixtures" / "oscal"
CATALOG = OSCAL / "nist-800-53-slice_catalog.json"
PROFILES = [OSCAL / "nist-800-53-slice_low_profile.json", OSCAL / "nist-800-53-slice_moderate_profile.json"]
REPORT = """\
created {data} from {catalog}:
  3 groups, 50 controls, 39 references, 11 controls in LOW IMPACT BASELINE, 20 controls in MODERATE IMPACT BASELINE
  changed: sort-id (the catalog's order is kept): 50
  not carried: control.links[] rel 'incorporated-into' to an id the catalog does not have: 2
  not carried: control.links[] rel 'related' to an id the catalog does not have: 159
  not carried: control.params[].depends-on: 1
  not carried: metadata.links: 1
  not carried: metadata.props[] named 'keywords': 1
  not carried: profile.merge: 2
ok: 53 sections, 175 links; now `{command} build --data {data}`
"""


def run_import(folder: Path, *extra: str, catalog: Path = CATALOG, profiles: list[Path] = PROFILES) -> int:
    args = ["import", str(catalog), str(folder), *extra]
    for profile in profiles:
        args += ["--profile", str(profile)]
    return main(args)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("imported") / "nist"
    assert run_import(folder, "--language", "en") == 0
    return folder / "guideline_data"


def test_import_reports_what_it_carried_and_what_not(tmp_path, capsys):
    folder = tmp_path / "nist"
    assert run_import(folder, "--language", "en") == 0
    data = folder / "guideline_data"
    assert capsys.readouterr().out == REPORT.format(data=data, catalog=CATALOG, command=_command())
    # the layout `new` makes: the same required files, the sections in a folder
    for name in ("kb.yaml", "document.yaml", "changelog.yaml", "sections"):
        assert (data / name).exists()


def test_groups_controls_and_enhancements_keep_their_identity(imported):
    kb = load_knowledge_base(imported).kb
    sections = {s.id: s for s in kb.sections}
    assert kb.config.section_ids == "native" and kb.config.languages == ["en"]
    family, control, enhancement = sections["ac"], sections["ac-2"], sections["ac-2.1"]
    assert (family.kind, family.label, family.parent) == ("group", None, None)
    assert (control.kind, control.label, control.parent) == ("control", "AC-2", "ac")
    assert (enhancement.kind, enhancement.label, enhancement.parent) == ("control", "AC-2(1)", "ac-2")
    assert not kb.is_control("ac") and kb.is_control("ac-2") and kb.is_control("ac-2.1")
    statement = control.blocks[0]
    assert (statement.role, statement.id) == ("statement", "ac-2_smt")
    assert [(i.id, i.label) for i in statement.items[:2]] == [("ac-2.a", "a."), ("ac-2.b", "b.")]
    assert control.blocks[1].role == "guidance"
    assert control.selections == ["low-impact-baseline", "moderate-impact-baseline"]


def test_withdrawn_is_a_control_status_with_its_links(imported):
    kb = load_knowledge_base(imported).kb
    withdrawn = next(s for s in kb.sections if s.id == "ac-13")
    assert withdrawn.control_status == "withdrawn" and withdrawn.status is None
    assert [(link.rel, link.target) for link in withdrawn.links] == [("incorporated-into", "ac-2")]
    assert kb.config.control_statuses == ["withdrawn"]


def test_parameters_and_inline_references(imported):
    linked = load_knowledge_base(imported)
    control = linked.index.sections["ac-1"]
    choice = next(p for p in control.params if p.select)
    assert (choice.id, choice.select.how_many) == ("ac-1_prm_2", "one-or-more")
    assert [c.en for c in choice.select.choices] == ["Organization-level", "Mission/business process-level",
                                                      "System-level"]  # fmt: skip
    assert control.blocks[0].items[0].text.en == "Develop, document, and disseminate to @param:ac-1_prm_1:"
    # a statement item is a reference target: @ac-2.a is AC-2a on AC-2's page
    english = Language.of(linked.kb, "en")
    assert label_of(linked, english, Key("section", "ac-2.a")) == "AC-2a"
    assert target_of(linked, Key("section", "ac-2.a")) == ("guideline/ac-2/index.md", "part-ac-2-a")


def test_back_matter_is_references_with_their_citation(imported):
    references = yaml.safe_load((imported / "references.yaml").read_text(encoding="utf-8"))
    tic = next(r for r in references if r["url"] == "https://www.dhs.gov/trusted-internet-connections")
    assert tic["citation"] == {"en": "Department of Homeland Security, *Trusted Internet Connections (TIC)*."}
    assert re.match(r"^[0-9a-f-]{36}$", tic["id"])


def test_profiles_are_selections_and_checklists(imported):
    kb = load_knowledge_base(imported).kb
    assert kb.config.selections == ["low-impact-baseline", "moderate-impact-baseline"]
    moderate = [s.id for s in kb.sections if "moderate-impact-baseline" in s.selections]
    assert len(moderate) == 20 and "ac-2.1" in moderate and "ac-13" not in moderate
    low, mod = kb.checklists
    assert len(low.items) == 11 and len(mod.items) == 9 and len(mod.include) == 11


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "{catalog}: not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ('{"profile": {}}', "{catalog}: not an OSCAL catalog: no 'catalog' object at the top (found profile)"),
        ('{"catalog": {"uuid": "x"}}', "{catalog}: catalog.uuid: not a valid OSCAL catalog: String should match "
                                       "pattern '^[0-9A-Fa-f]{{8}}-[0-9A-Fa-f]{{4}}-[45][0-9A-Fa-f]{{3}}-"
                                       "[89ABab][0-9A-Fa-f]{{3}}-[0-9A-Fa-f]{{12}}$'"),
        # no oscal-version: compliance-trestle then raises its own error with the message alone
        ('{"catalog": {"uuid": "74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724", "metadata": {"title": "T"}}}',
         "{catalog}: catalog.metadata.last-modified: not a valid OSCAL catalog: Field required"),
        ("[" * 100 + "]" * 100, "{catalog}: the file nests more than 60 levels deep"),
    ],
)  # fmt: skip
def test_a_broken_catalog_is_one_clear_message(tmp_path, capsys, content, message):
    catalog = tmp_path / "catalog.json"
    catalog.write_text(content, encoding="utf-8")
    assert run_import(tmp_path / "kb", "--language", "en", catalog=catalog, profiles=[]) == 1
    assert capsys.readouterr().err.splitlines()[1] == message.format(catalog=catalog)
    assert not (tmp_path / "kb").exists()


def test_the_language_must_be_known(tmp_path, capsys):
    assert run_import(tmp_path / "kb") == 1
    err = capsys.readouterr().err
    assert f"{CATALOG}: the catalog does not say its language\n    fix: give it: --language en (BCP 47)" in err
    assert run_import(tmp_path / "kb", "--language", "english") == 1
    assert "--language: not a BCP 47 language code: 'english'" in capsys.readouterr().err


def test_import_writes_only_into_a_new_folder(tmp_path, capsys):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "mine.txt").write_text("keep", encoding="utf-8")
    assert run_import(tmp_path / "kb", "--language", "en") == 1
    assert "the folder exists and is not empty: nothing was written" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "kb").iterdir()] == ["mine.txt"]


def test_catalog_text_cannot_make_references_or_markup(tmp_path):
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    control = catalog["catalog"]["groups"][0]["controls"][0]
    control["title"] = "Mail csirt@example.org <script>alert(1)</script> @ac-2"
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog), encoding="utf-8")
    assert run_import(tmp_path / "kb", "--language", "en", catalog=catalog_path, profiles=[]) == 0
    linked = load_knowledge_base(tmp_path / "kb" / "guideline_data")
    title = linked.index.sections["ac-1"].title.en
    assert title == "Mail csirt@@example.org <script>alert(1)</script> @@ac-2"
    assert linked.index.outgoing(Key("section", "ac-1"), "mentions") == []


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory) -> Path:
    def make(folder: Path) -> Path:
        assert run_import(folder / "nist", "--language", "en") == 0
        paths = Paths.of(data=folder / "nist" / "guideline_data")
        build(paths)
        return paths.site

    return once_per_run(tmp_path_factory, "imported-nist", make)


def test_the_imported_catalog_builds_with_native_urls_and_titles(imported_site):
    page = (imported_site / "guideline" / "ac-2" / "index.html").read_text(encoding="utf-8")
    assert "<title>AC-2 Account Management - " in page
    assert re.search(r'<span id="part-ac-2-a"></span><span class="kb-item-label">a\.</span> Define and document', page)
    assert re.search(
        r'class="kb-param" href="(\./)?#param-ac-2-prm-1">&#91;Assignment: organization-defined prerequisites and '
        r"criteria&#93;</a> for group and role membership",
        page,
    )
    withdrawn = (imported_site / "guideline" / "ac-13" / "index.html").read_text(encoding="utf-8")
    assert '<span class="kb-control-status__badge">Withdrawn</span> Incorporated into: ' in withdrawn
    assert "No text for this heading" not in withdrawn
    family = (imported_site / "guideline" / "ac" / "index.html").read_text(encoding="utf-8")
    assert "No text for this heading" not in family
    # a choice that inserts a parameter shows that parameter's own text (a link cannot hold a link)
    boundary = html.unescape((imported_site / "guideline" / "sc-7-5" / "index.html").read_text(encoding="utf-8"))
    choice = "[Selection (one or more): at managed interfaces; for [Assignment: organization-defined systems]]"
    assert choice in boundary
    assert "@param" not in boundary


def test_the_controls_overview_filters_by_selection(imported_site):
    page = (imported_site / "controls" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-selection="([^"]*)"', page)  # no attribute of a filter the catalog has not
    assert len(rows) == 50
    assert page.count('<section class="kb-controls__group"') == 3  # a table per family: ac, ia, sc
    assert sum("moderate-impact-baseline" in r.split() for r in rows) == 20
    assert '<option value="moderate-impact-baseline">MODERATE IMPACT BASELINE</option>' in page


def test_citations_render_their_emphasis(imported_site):
    page = (imported_site / "references" / "index.html").read_text(encoding="utf-8")
    assert "Department of Homeland Security, <em>Trusted Internet Connections (TIC)</em>." in page


def test_export_then_import_gives_the_same_knowledge_base(imported, tmp_path):
    """import → OSCAL export → import: the same files, byte for byte (same folder name, same profiles)."""
    exported = tmp_path / "export.json"
    exported.write_bytes(oscal_json(load_knowledge_base(imported)))
    again = tmp_path / "again" / imported.parent.name
    assert run_import(again, "--language", "en", catalog=exported) == 0
    first = sorted(p.relative_to(imported) for p in imported.rglob("*") if p.is_file())
    second = sorted(
        p.relative_to(again / "guideline_data") for p in (again / "guideline_data").rglob("*") if p.is_file()
    )
    assert first == second
    for name in first:
        assert (again / "guideline_data" / name).read_text(encoding="utf-8") == (imported / name).read_text(
            encoding="utf-8"
        ), name


def test_the_export_keeps_native_ids_groups_parts_parameters_and_status(imported):
    from trestle.oscal.catalog import Catalog

    catalog = Catalog.model_validate(json.loads(oscal_json(load_knowledge_base(imported)))["catalog"])
    assert [g.id for g in catalog.groups] == ["ac", "ia", "sc"]
    ac = catalog.groups[0]
    ac2 = next(c for c in ac.controls if c.id == "ac-2")
    assert [p.value for p in ac2.props if p.name == "label"] == ["AC-2"]
    statement = ac2.parts[0]
    assert (statement.id, statement.name) == ("ac-2_smt", "statement")
    assert [(p.id, p.props[0].value) for p in statement.parts[:2]] == [("ac-2_smt.a", "a."), ("ac-2_smt.b", "b.")]
    assert statement.parts[2].prose == "Require {{ insert: param, ac-2_prm_1 }} for group and role membership;"
    assert [p.id for p in ac2.params][:2] == ["ac-2_prm_1", "ac-2_prm_2"]
    assert [c.id for c in ac2.controls][:2] == ["ac-2.1", "ac-2.2"]
    ac13 = next(c for c in ac.controls if c.id == "ac-13")
    assert [(p.name, p.value) for p in ac13.props if p.name == "status"] == [("status", "withdrawn")]
    assert [(link.rel, link.href) for link in ac13.links] == [("incorporated-into", "#ac-2")]


def test_a_nist_profile_resolves_against_our_export(imported, tmp_path):
    from trestle.core.profile_resolver import ProfileResolver

    exported = tmp_path / "catalog.json"
    exported.write_bytes(oscal_json(load_knowledge_base(imported)))
    profile = json.loads(PROFILES[1].read_text(encoding="utf-8"))
    for entry in profile["profile"]["imports"]:
        entry["href"] = str(exported)  # the profile names NIST's file; ours stands in for it
    del profile["profile"]["back-matter"]
    (tmp_path / ".trestle" / "cache").mkdir(parents=True)
    (tmp_path / "profile.json").write_text(json.dumps(profile), encoding="utf-8")
    resolved = ProfileResolver.get_resolved_profile_catalog(tmp_path, tmp_path / "profile.json")
    ids = [control.id for control in controls_of(resolved)]
    assert len(ids) == 20 and "ac-2.1" in ids


def controls_of(owner) -> list:
    """Every control of a trestle catalog or group, at any depth."""
    found = []
    for control in getattr(owner, "controls", None) or []:
        found += [control, *controls_of(control)]
    for group in getattr(owner, "groups", None) or []:
        found += controls_of(group)
    return found


def test_search_knows_the_native_ids(imported_site):
    """The search box's words file leads a catalog's own ids and labels to their pages: AC-2, ac-2, IA-5(1)."""
    words = json.loads(gzip.decompress((imported_site / "assets" / "search-words.json.gz").read_bytes()))
    sections = words["sections"]
    assert sections["ac 2"][:2] == ["guideline/ac-2/", "AC-2 Account Management"]
    assert sections["ia 5 1"][:2] == ["guideline/ia-5-1/", "IA-5(1) Password-based Authentication"]
    assert sections["sc 7"][0] == "guideline/sc-7/"


def test_an_organisation_sets_parameter_values_of_its_own(imported, tmp_path):
    """An overlay's values for a control's parameters: shown inline as the organisation's, and exported as an OSCAL
    profile whose set-parameters trestle applies to our catalog."""
    from trestle.core.profile_resolver import ProfileResolver

    from generator.export_oscal import organisation_profile
    from generator.overlay import load_overlay
    from generator.pages import Page
    from generator.render import PageRenderer, TermMatcher

    overlay = tmp_path / "overlay"
    (overlay / "annotations").mkdir(parents=True)
    (overlay / "organisation.yaml").write_text(
        "slug: example-org\nname: {en: Example Org (fictional)}\nshort_name: Example\n", encoding="utf-8"
    )
    (overlay / "annotations" / "controls.yaml").write_text(
        '- target: "@ac-1"\n  date: 2026-12-01\n  parameters: {ac-1_prm_4: [every year]}\n', encoding="utf-8"
    )
    linked = load_knowledge_base(imported)
    applied = load_overlay(overlay, linked)
    assert applied.parameter_values == {"ac-1_prm_4": ["every year"]}
    page = Page("guideline/ac-1.md", "control.md.j2", linked.index.sections["ac-1"].title)
    renderer = PageRenderer(linked, Language.of(linked.kb, "en"), page, TermMatcher([]), organisation=applied)
    assert renderer.param_value(linked.index.params["ac-1_prm_4"]) == (
        '<span class="kb-param kb-param--own" title="Internal">every year</span>'
    )
    assert renderer.param_value(linked.index.params["ac-1_prm_5"]) == (
        '<a class="kb-param" href="./#param-ac-1-prm-5">&#91;Assignment: organization-defined events&#93;</a>'
    )

    (tmp_path / "catalog.json").write_bytes(oscal_json(linked))
    (tmp_path / "profile.json").write_bytes(organisation_profile(linked, applied, "catalog.json"))
    (tmp_path / ".trestle" / "cache").mkdir(parents=True)
    profile = json.loads((tmp_path / "profile.json").read_text(encoding="utf-8"))["profile"]
    assert profile["modify"] == {"set-parameters": [{"param-id": "ac-1_prm_4", "values": ["every year"]}]}
    profile["imports"][0]["href"] = str(tmp_path / "catalog.json")
    (tmp_path / "profile.json").write_text(json.dumps({"profile": profile}), encoding="utf-8")
    resolved = ProfileResolver.get_resolved_profile_catalog(tmp_path, tmp_path / "profile.json")
    ac1 = next(c for c in controls_of(resolved) if c.id == "ac-1")
    assert next(p for p in ac1.params if p.id == "ac-1_prm_4").values == ["every year"]


def native_problems(imported: Path, tmp_path: Path, change) -> list[str]:
    """The problems of a copy of the imported knowledge base after `change` to its first sections file."""
    from generator.errors import DataError
    from generator.load import load
    from generator.validate import validate

    data = tmp_path / "guideline_data"
    shutil.copytree(imported, data)
    path = data / "sections" / "001_ac.yaml"
    sections = yaml.safe_load(path.read_text(encoding="utf-8"))
    change({s["id"]: s for s in sections}, sections)
    path.write_text(yaml.safe_dump(sections, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        validate(load(data))
    return [str(p).replace(str(data.parent) + "/", "") for p in caught.value.problems]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda by_id, _: by_id["ac-2"].update(parent="zz"),
         "guideline_data/sections/001_ac.yaml:{line}: [{index}].parent: section ac-2 has no parent section zz\n"
         "    fix: add zz"),
        (lambda by_id, _: by_id["ac-2"].update(control_status="retired"),
         "guideline_data/sections/001_ac.yaml:{line}: [{index}].control_status: unknown control status 'retired'\n"
         "    fix: use the id of an existing control status (kb.yaml lists them in control_statuses)"),
        (lambda by_id, _: by_id["ac-2"].update(selections=["high"]),
         "guideline_data/sections/001_ac.yaml:{line}: [{index}].selections[0]: unknown selection 'high'\n"
         "    fix: use the id of an existing selection (kb.yaml lists them in selections)"),
        (lambda by_id, _: by_id["ac-2"].update(links=[{"rel": "related", "target": "ac-99"}]),
         "guideline_data/sections/001_ac.yaml:{line}: [{index}].links[0].target: unknown section or part 'ac-99'\n"
         "    fix: did you mean 'ac-2.9'?"),
        (lambda by_id, _: by_id["ac-2"]["blocks"][0]["items"][0].update(id="ac-3"),
         "guideline_data/sections/001_ac.yaml:{line}: [{index}].blocks[0].items[0].id: the part id 'ac-3' is already "
         "the id of a section\n    fix: ids of sections, parts and parameters are one name space: give it its own id"),
    ],
)  # fmt: skip
def test_native_ids_are_checked_with_file_line_and_fix(imported, tmp_path, change, expected):
    sections = yaml.safe_load((imported / "sections" / "001_ac.yaml").read_text(encoding="utf-8"))
    index = next(i for i, s in enumerate(sections) if s["id"] == "ac-2")
    [problem] = native_problems(imported, tmp_path, change)
    line = int(problem.split(":")[1])
    assert problem == expected.format(line=line, index=index)


def test_a_parent_comes_before_its_sections(imported, tmp_path):
    def move(by_id, sections):
        sections.insert(0, sections.pop(next(i for i, s in enumerate(sections) if s["id"] == "ac-2.1")))

    [problem] = native_problems(imported, tmp_path, move)
    assert problem == (
        "guideline_data/sections/001_ac.yaml:3: [0].parent: section ac-2.1 has no parent section ac-2 before it\n"
        "    fix: move ac-2.1 after ac-2"
    )


@pytest.mark.browser
def test_filtering_a_selection_in_the_browser_shows_its_controls(imported_site, shared_tab):
    import functools
    import http.server
    import threading

    from generator.serve import PrefixHandler

    from .conftest import PREFIX, tab_on
    from .search_box import paths, typed

    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": PREFIX}), directory=str(imported_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    try:
        with tab_on(shared_tab, base) as tab:
            tab.goto(base + "controls/")
            rows = tab.locator("#kb-controls tbody tr")
            assert rows.count() == 50
            tab.select_option("#kb-controls-selection", "moderate-impact-baseline")
            assert tab.locator("#kb-controls tbody tr:visible").count() == 20
            tab.select_option("#kb-controls-selection", "low-impact-baseline")
            assert tab.locator("#kb-controls tbody tr:visible").count() == 11
            tab.fill("#kb-controls-text", "AC-2")  # a family's table without a row shown is hidden with its heading
            assert tab.locator(".kb-controls__group:visible h2").all_inner_texts() == ["Access Control"]
            tab.goto(base + "guideline/ac-13/")
            badge = tab.locator(".kb-control-status__badge").first
            assert badge.inner_text() == "Withdrawn" and badge.is_visible()
            # the search box knows the catalog's own ids and labels, and the titles
            tab.goto(base + "guideline/")
            tab.keyboard.press("/")
            tab.wait_for_selector("#kb-search[open]")
            for query, first in (
                ("AC-2", "guideline/ac-2/"),
                ("ac-2", "guideline/ac-2/"),
                ("IA-5(1)", "guideline/ia-5-1/"),
                ("SC-7", "guideline/sc-7/"),
                ("account management", "guideline/ac-2/"),
            ):
                assert paths(base, typed(tab, query))[0] == first, query
    finally:
        httpd.shutdown()


NESTED = """\
catalog:
  uuid: 0b4ad8e4-7c11-4f3c-9a7e-6a1f7f1b2c3d
  metadata:
    title: 架空の管理策カタログ
    last-modified: 2026-11-01T00:00:00+09:00
    version: "2.0"
    oscal-version: 1.1.2
  groups:
    - id: a
      title: 組織的管理策
      groups:
        - id: a.5
          title: 方針
          controls:
            - id: a.5.1
              title: 情報セキュリティのための方針群
              props: [{name: label, value: A.5.1}]
              parts:
                - {id: a.5.1_smt, name: statement, prose: "方針群を定め、@a.5.1 の承認を得る。"}
                - id: a.5.1_obj
                  name: assessment-objective
                  parts: [{id: a.5.1_obj.1, name: objective, prose: 方針が承認されている。}]
                - {id: a.5.1_ex, name: example, title: 例, prose: 年次の見直し。}
              controls:
                - id: a.5.1.1
                  title: 方針の見直し
                  props: [{name: label, value: A.5.1.1}]
                  parts: [{id: a.5.1.1_smt, name: statement, prose: 定期的に見直す。}]
  controls:
    - id: gc-1
      title: 全般
      props: [{name: label, value: GC.1}]
      parts: [{id: gc-1_smt, name: statement, prose: 全般の管理策。}]
"""


def test_a_yaml_catalog_in_another_language_with_nested_groups(tmp_path, capsys):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(NESTED, encoding="utf-8")
    assert run_import(tmp_path / "kb", "--language", "ja", catalog=catalog, profiles=[]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "  2 groups, 3 controls"
    linked = load_knowledge_base(tmp_path / "kb" / "guideline_data")
    kb = linked.kb
    assert [(s.id, s.kind, s.parent, s.label) for s in kb.sections] == [
        ("a", "group", None, None),
        ("a.5", "group", "a", None),
        ("a.5.1", "control", "a.5", "A.5.1"),
        ("a.5.1.1", "control", "a.5.1", "A.5.1.1"),
        ("gc-1", "control", None, "GC.1"),
    ]
    statement, objective, example = linked.index.sections["a.5.1"].blocks
    assert statement.paragraphs[0].ja == "方針群を定め、@@a.5.1 の承認を得る。"  # the catalog's @ is an at sign
    assert (objective.role, objective.items[0].id, objective.items[0].text.ja) == (
        "objective", "a.5.1_obj.1", "方針が承認されている。")  # fmt: skip
    assert (example.role, example.title.ja) == ("examples", "例")
    assert Language.of(kb, "ja").section_title(linked.index.sections["a.5.1"]) == "A.5.1 情報セキュリティのための方針群"


GERMAN = """\
catalog:
  uuid: 5f0c6d7e-8a9b-4c1d-9e2f-3a4b5c6d7e8f
  metadata: {title: Fiktiver Katalog, last-modified: 2026-11-01T00:00:00+01:00, version: "1.0", oscal-version: 1.1.2}
  params:
    - {id: freq, label: Häufigkeit}
    - {id: unused, label: Unbenutzt}
  controls:
    - id: r-1
      title: Richtlinien
      params:
        - id: r-1_prm_1
          select: {how-many: one, choice: ["jährlich", "alle {{ insert: param, freq }}"]}
      parts:
        - {id: r-1_smt, name: statement, prose: "Die Richtlinie wird {{ insert: param, r-1_prm_1 }} geprüft."}
        - {id: r-1_gdn, name: guidance, prose: "Siehe {{ insert: param, freq }}."}
"""


def test_a_catalog_in_a_language_the_interface_is_not_written_in(tmp_path, capsys):
    """An Austrian German catalog (de-AT): the generator's menus and buttons are not written in it, so the import
    asks which language to show them in, writing nothing, and with --interface builds in one command: the pages are
    German (lang="de": Material's own interface has de, not de-AT, which stopped the build), the interface English.
    The catalog's own parameter is carried by the control that first inserts it
    (a choice of its parameter), and a choice shows it as its own text."""
    catalog = tmp_path / "katalog.yaml"
    catalog.write_text(GERMAN, encoding="utf-8")
    assert run_import(tmp_path / "kb", "--language", "de-AT", catalog=catalog, profiles=[]) == 1
    assert capsys.readouterr().err == (
        "1 problem in the data:\n"
        "--language: the generator's interface strings (menus, buttons, labels) are not written in 'de-AT'\n"
        "    fix: give --interface with one they are in (en, ja, zh-Hant): the site shows them in it until the "
        "knowledge base's ui.yaml writes them as 'de-AT:'\n"
    )
    assert not (tmp_path / "kb").exists()
    assert run_import(tmp_path / "kb", "--language", "de-AT", "--interface", "en", catalog=catalog, profiles=[]) == 0
    data = tmp_path / "kb" / "guideline_data"
    assert capsys.readouterr().out.splitlines()[1:5] == [
        "  1 controls",
        "  changed: catalog parameters (carried by the first section that inserts them): 1",
        "  changed: interface strings: shown in English (kb.yaml interface_fallback): 1",
        "  not carried: catalog.params[] no section's text inserts: 1",
    ]
    assert yaml.safe_load((data / "kb.yaml").read_text(encoding="utf-8"))["interface_fallback"] == {"de-AT": "en"}
    linked = load_knowledge_base(data)
    assert [p.id for p in linked.index.sections["r-1"].params] == ["r-1_prm_1", "freq"]
    paths = Paths.of(data=data)
    build(paths)
    page = (paths.site / "guideline" / "r-1" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "Die Richtlinie wird [Selection: jährlich; alle [Assignment: Häufigkeit]] geprüft." in text
    assert "Siehe [Assignment: Häufigkeit]." in text
    assert "Discussion" in text  # the guidance's heading: an interface string, in English


def test_a_control_whose_id_a_page_of_the_site_keeps_gets_another(tmp_path, capsys):
    """guideline/index.md is the table of contents: a catalog's control `index` becomes index-x, said in the report,
    and the knowledge base checks (before, the import wrote data that `build` refused)."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GERMAN.replace("id: r-1\n", "id: INDEX\n"), encoding="utf-8")
    assert run_import(tmp_path / "kb", "--language", "de", "--interface", "ja", catalog=catalog, profiles=[]) == 0
    assert "  changed: ids the site keeps for a page of its own (-x added): 1" in capsys.readouterr().out.splitlines()
    linked = load_knowledge_base(tmp_path / "kb" / "guideline_data")
    assert [s.id for s in linked.kb.sections] == ["index-x"]


def test_a_profile_selects_by_pattern_and_one_that_selects_nothing_is_said(tmp_path, capsys):
    """OSCAL's `matching` is a glob over the catalog's ids; a profile that selects no control makes no selection
    (a checklist of nothing would not build) and the report says so."""
    profiles = []
    for name, pattern in (("ac-two", "ac-2*"), ("none", "zz-*")):
        profile = {"profile": {"uuid": "3f0c6d7e-8a9b-4c1d-9e2f-3a4b5c6d7e8f",
                               "metadata": {"title": name, "last-modified": "2026-11-01T00:00:00Z", "version": "1",
                                            "oscal-version": "1.1.2"},
                               "imports": [{"href": "catalog.json",
                                            "include-controls": [{"matching": [{"pattern": pattern}],
                                                                  "with-child-controls": "yes"}]}]}}  # fmt: skip
        profiles.append(tmp_path / f"{name}.json")
        profiles[-1].write_text(json.dumps(profile), encoding="utf-8")
    assert run_import(tmp_path / "kb", "--language", "en", profiles=profiles) == 0
    assert "  not carried: profiles that select no control of the catalog: 1" in capsys.readouterr().out.splitlines()
    kb = load_knowledge_base(tmp_path / "kb" / "guideline_data").kb
    assert kb.config.selections == ["ac-two"]
    chosen = [s.id for s in kb.sections if "ac-two" in s.selections]
    assert chosen == [s.id for s in kb.sections if s.kind == "control" and s.id.startswith("ac-2")]
    assert "ac-2" in chosen and "ac-2.1" in chosen and "ac-1" not in chosen


def test_a_markdown_list_that_ends_a_parts_prose_is_its_items(tmp_path):
    """OSCAL prose is Markdown: its paragraphs are paragraphs, and a list that ends it is the block's items, nested
    as indented, a numbered one with its number as label (the export writes a block's items so); a list before a
    paragraph stays text, since a block's items come after its paragraphs."""
    prose = "Die Organisation:\n\n- eins\n  weiter\n- zwei\n  1. a\n  2. b\n\n* drei"
    before = "- erst\n\nDann ein Absatz."
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GERMAN.replace('prose: "Siehe {{ insert: param, freq }}."', f"prose: {json.dumps(before)}")
                       .replace('prose: "Die Richtlinie wird {{ insert: param, r-1_prm_1 }} geprüft."',
                                f"prose: {json.dumps(prose)}"), encoding="utf-8")  # fmt: skip
    assert run_import(tmp_path / "kb", "--language", "de", "--interface", "en", catalog=catalog, profiles=[]) == 0
    statement, guidance = load_knowledge_base(tmp_path / "kb" / "guideline_data").index.sections["r-1"].blocks
    assert [p.de for p in statement.paragraphs] == ["Die Organisation:"]
    shape = [(i.label, i.text.de, [(c.label, c.text.de) for c in i.items]) for i in statement.items]
    assert shape == [(None, "eins\nweiter", []), (None, "zwei", [("1.", "a"), ("2.", "b")]), (None, "drei", [])]
    assert ([p.de for p in guidance.paragraphs], guidance.items) == (["- erst", "Dann ein Absatz."], [])
