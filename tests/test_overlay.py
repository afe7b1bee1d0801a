"""The organisation's own layer (examples/overlay-demo/overlay): built beside the guideline, labelled on every page and
file it reaches, never changing the guideline's text, and telling which notes a new edition asks to review."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml

from generator.build import Paths, build, load_knowledge_base
from generator.cache import FOLDER as CACHE_FOLDER
from generator.errors import DataError
from generator.link import Key
from generator.overlay import fingerprint, load_overlay
from generator.publish import BUILD_MARKER
from generator.serve import PrefixHandler

from .conftest import PREFIX, PROJECT
from .helpers import copy_project

DEMO = PROJECT / "examples" / "overlay-demo" / "overlay"
ARTICLE = re.compile(r"<article.*?</article>", re.DOTALL)
OWN_BOX = re.compile(r'<div class="admonition kb-own">.*?</div>\n?', re.DOTALL)
# What the search index reads of a page (its words, for Pagefind): an overlay's notes are searchable too.
SEARCH_WORDS = re.compile(r'<span data-pagefind-meta="kb_words">.*?</span>', re.DOTALL)


@pytest.fixture(scope="session")
def overlay_site(built, tmp_path_factory) -> Path:
    """The real data with the demo overlay; the session build's cache beside it, so that only the downloads the
    overlay shows in are made again."""
    root = copy_project(tmp_path_factory.mktemp("overlay"))
    shutil.copytree(built[0].build / CACHE_FOLDER, root / "build" / CACHE_FOLDER)
    shutil.copy(built[0].build / BUILD_MARKER, root / "build")
    shutil.copytree(DEMO, root / "overlay")
    paths = Paths.of(root, overlay=root / "overlay")
    build(paths)
    return paths.site


def html(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def copy_overlay(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEMO, tmp_path / "overlay"))


def problems(folder: Path, data: Path = PROJECT / "guideline_data") -> str:
    with pytest.raises(DataError) as raised:
        load_overlay(folder, load_knowledge_base(data))
    return str(raised.value)


def test_control_pages_show_the_layer_labelled_in_both_languages(overlay_site):
    ja = html(overlay_site, "guideline/5-4-2")
    assert '<p class="admonition-title">社内（架空エアライン）</p>' in ja
    assert "全社アクセス管理規程 第4条で実施" in ja and "所管：<strong>IT統括部</strong>" in ja
    assert 'class="kb-internal" href="https://intranet.fictional-air.invalid/rules/it-sec-004"' in ja
    en = html(overlay_site, "en/guideline/5-1-1")
    assert '<p class="admonition-title">Internal (架空エアライン)</p>' in en
    # written in Japanese only: shown in Japanese on the English page, marked as such
    assert (
        '<span lang="ja">資産台帳は構成管理データベースで管理する。</span> <span class="kb-muted">(in 日本語 only)'
        in en
    )


def test_the_guideline_text_is_the_same_with_and_without_the_layer(overlay_site, site):
    for path in ("guideline/5-4-2", "en/guideline/5-4-2", "guideline/4-8-2"):
        with_layer = SEARCH_WORDS.sub("", OWN_BOX.sub("", ARTICLE.search(html(overlay_site, path)).group(0)))
        without = SEARCH_WORDS.sub("", ARTICLE.search(html(site, path)).group(0))
        assert with_layer == without, path


def test_a_site_without_an_overlay_has_none_of_it(site):
    assert not [p for p in site.rglob("*.html") if "kb-own" in p.read_text(encoding="utf-8")]
    assert "organisation" not in json.loads((site / "downloads/data/knowledge-base.json").read_text(encoding="utf-8"))
    assert not (site / "organisation").exists()


def test_controls_overview_filters_by_internal_note_and_owner(overlay_site):
    page = html(overlay_site, "controls")
    assert '<select id="kb-controls-own" data-kb-attr="own">' in page
    rows = re.findall(r'<tr data-category="[^"]*" data-status="[^"]*" data-own="([^"]*)"', page)
    assert sum("note" in r for r in rows) >= 10 and sum("owner" in r for r in rows) >= 8
    assert any(r.strip() == "" for r in rows)  # controls without a note stay unmarked


def test_the_print_page_and_the_own_page_carry_the_layer(overlay_site):
    assert html(overlay_site, "print").count('class="admonition kb-own"') >= 10
    for root in ("", "en/"):
        page = html(overlay_site, f"{root}organisation/internal-rules")
        assert "kb-badge--own" in page and "IT-SEC-004" in page
    home = html(overlay_site, "")
    assert "organisation/internal-rules/" in home  # in the navigation, in its own name: no folder name shows
    assert not re.search(r">\s*organisation/\s*<", home)


def test_home_template_and_checklist_pages_carry_the_layer(overlay_site):
    home = html(overlay_site, "")
    assert "CSIRT 窓口（24時間）：FA-CSIRT" in home and 'class="kb-own-logo"' in home
    assert (overlay_site / "assets/organisation/logo.png").read_bytes()[:4] == b"\x89PNG"
    assert "当社の方針は取締役会で毎年見直す。" in html(overlay_site, "templates/cyber-policy")
    checklist = html(overlay_site, "checklists/ch5")
    assert '<span class="kb-cl-item__own"><span class="kb-badge kb-badge--own">社内</span> 特権IDの申請は' in checklist
    assert 'data-kb-default-owner="IT統括部"' in checklist  # the item's fields are made in the browser


def test_workbooks_prefill_the_owner_and_list_internal_rules_in_their_own_column(overlay_site):
    sheet = openpyxl.load_workbook(overlay_site / "downloads/checklists/ch5-ja.xlsx")["ch5"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    header = rows["ID"]
    owner, status = header.index("担当者"), header.index("状況")
    assert header[-1] == "社内規程" and owner == status + 1
    assert rows["CL5-031"][owner] == "IT統括部"  # the organisation's default owner
    assert rows["CL5-031"][-1] == "全社アクセス管理規程 IT-SEC-004"
    assert rows["CL5-031"][status] is None  # the reader's status stays the reader's


def test_word_templates_come_filled_in(overlay_site):
    document = docx.Document(overlay_site / "downloads/templates/cyber-policy.docx")
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "架空エアライン株式会社" in cells and "取締役会" in cells
    markdown = (overlay_site / "downloads/templates/cyber-policy.md").read_text(encoding="utf-8")
    assert "| 架空エアライン株式会社 |" in markdown


def test_json_and_oscal_keep_the_layer_apart(overlay_site):
    data = json.loads((overlay_site / "downloads/data/knowledge-base.json").read_text(encoding="utf-8"))
    assert data["organisation"]["organisation"]["short_name"] == "架空エアライン"
    assert len(data["organisation"]["annotations"]) >= 11
    catalog = json.loads((overlay_site / "downloads/data/guideline-catalog.oscal.json").read_text(encoding="utf-8"))
    text = json.dumps(catalog, ensure_ascii=False)
    assert text.count('"ns": "urn:x-fictional-air:oscal"') >= 11 and '"class": "organisation"' in text
    from trestle.oscal.catalog import Catalog

    Catalog.parse_obj(catalog["catalog"])  # still a valid OSCAL catalog


def test_a_changed_guideline_text_asks_for_a_review(tmp_path):
    data = Path(shutil.copytree(PROJECT / "guideline_data", tmp_path / "guideline_data"))

    def new_edition(sections: list) -> None:  # the next edition adds a sentence to 5.4.2
        (control,) = [s for s in sections if s["id"] == "5.4.2"]
        control["blocks"].append({"role": "paragraph", "paragraphs": [{"ja": "新しい文。", "en": "A new sentence."}]})

    edit_yaml(data / "sections" / "05_controls.yaml", new_edition)
    linked = load_knowledge_base(data)
    applied = load_overlay(DEMO, linked)
    (note,) = [n for n in applied.of(Key("section", "5.4.2")) if n.note]
    assert applied.needs_review(note)
    (notice,) = [str(n) for n in applied.notices]
    now = fingerprint(linked, Key("section", "5.4.2"))
    assert notice == (
        "overlay/annotations/controls.yaml:1: review this note: the text of @5.4.2 has changed since the note was "
        f"written\n    fix: read the note against the new text, then set 'fingerprint: {now}'"
    )
    assert not load_overlay(DEMO, load_knowledge_base(PROJECT / "guideline_data")).review


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("annotations/controls.yaml", lambda d: d[0].update(target="@5.4.20"),
         "overlay/annotations/controls.yaml:1: [0].target: no section '5.4.20' in the knowledge base\n"
         "    fix: did you mean '5.4.2'?"),
        ("annotations/controls.yaml", lambda d: d[0].update(target="@cl:CL5-0311"),
         "overlay/annotations/controls.yaml:1: [0].target: no item 'CL5-0311' in the knowledge base\n"
         "    fix: did you mean 'CL5-031'?"),
        ("annotations/controls.yaml", lambda d: d[0].update(references=["access-rules"]),
         "overlay/annotations/controls.yaml:16: [0].references[0]: unknown internal reference 'access-rules'\n"
         "    fix: did you mean 'access-rule'?"),
        ("annotations/controls.yaml", lambda d: d[0].update(target="@term:csirt"),
         "overlay/annotations/controls.yaml:1: [0].target: an annotation cannot be attached to a term\n"
         "    fix: attach it to a section, a control, a checklist item or a template"),
        ("annotations/controls.yaml", lambda d: d[0].update(target="5.4.2"),
         "overlay/annotations/controls.yaml:1: [0].target: String should match pattern '^@' (got '5.4.2')"),
        ("references.yaml", lambda d: d[0].update(url="javascript:alert(1)"),
         "overlay/references.yaml:6: [0].url: String should match pattern "
         "'" + r"^https?://[^\s<>\"']+$" + "' (got 'javascript:alert(1)')"),
        ("annotations/controls.yaml", lambda d: d[0]["note"].update(fr="Mis en œuvre"),
         "overlay/annotations/controls.yaml:8: [0].note.fr: unknown language 'fr'\n"
         "    fix: the knowledge base's languages are ja, en"),
        ("templates.yaml", lambda d: d["fields"]["cyber-policy"].update(organization={"ja": "x"}),
         "overlay/templates.yaml:12: fields.cyber-policy.organization: template 'cyber-policy' has no "
         "field 'organization'\n    fix: did you mean 'organisation'?"),
        ("organisation.yaml", lambda d: d.update(logo="../../../etc/hostname"),
         "overlay/organisation.yaml:6: logo: the logo '../../../etc/hostname' is outside the overlay folder\n"
         "    fix: put the image file in the overlay folder"),
        ("organisation.yaml", lambda d: d.update(logo="references.yaml"),
         "overlay/organisation.yaml:6: logo: the logo 'references.yaml' is not an image\n"
         "    fix: use a file ending in .png, .jpg, .jpeg, .webp, .gif"),
        ("annotations/controls.yaml", lambda d: d[0].update(note={"ja": "@5.9.9 を参照"}),
         "overlay/annotations/controls.yaml:5: [0].note.ja: unknown reference '@5.9.9': no section '5.9.9'\n"
         "    fix: refer to something the knowledge base has, or write @@ for an at sign"),
    ],
    ids=["unknown-section", "unknown-item", "unknown-internal-reference", "not-annotatable", "target-not-a-reference",
         "not-http",
         "unknown-language", "unknown-template-field", "logo-outside", "logo-not-an-image",
         "unknown-reference-in-note"],
)  # fmt: skip
def test_overlay_errors_name_the_file_the_line_and_the_fix(tmp_path, file, change, expected):
    folder = copy_overlay(tmp_path)
    edit_yaml(folder / file, change)
    assert expected in problems(folder)


@pytest.mark.browser
def test_checklist_owner_is_prefilled_until_the_reader_writes_theirs(overlay_site, browser):
    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": PREFIX}), directory=str(overlay_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}checklists/ch5/")
        tab.locator('[data-kb-item="CL5-031"]').scroll_into_view_if_needed()  # its fields are made near the window
        owner = tab.locator('[data-kb-item="CL5-031"] [data-kb-field="owner"]')
        assert owner.input_value() == "IT統括部"
        owner.fill("情報システム部")
        tab.reload()
        tab.locator('[data-kb-item="CL5-031"]').scroll_into_view_if_needed()
        assert tab.locator('[data-kb-item="CL5-031"] [data-kb-field="owner"]').input_value() == "情報システム部"
    finally:
        context.close()
        httpd.shutdown()


def test_the_folder_above_an_overlay_says_which_one_was_meant(tmp_path, linked):
    shutil.copytree(DEMO, tmp_path / "overlay-demo" / "overlay")
    with pytest.raises(DataError) as error:
        load_overlay(tmp_path / "overlay-demo", linked)
    assert [str(problem) for problem in error.value.problems] == [
        f"{tmp_path / 'overlay-demo'}: no organisation.yaml here, but overlay/ inside holds an overlay\n"
        f"    fix: did you mean {tmp_path / 'overlay-demo' / 'overlay'}/?"
    ]
