"""Readers' answers are never lost, in a real Chromium on the built site: an import is previewed and changes nothing
until confirmed, merges by date or replaces, and can be undone like a reset; files without a usable answer or from a
newer format are refused with the reason; storage that cannot keep answers is said on load in a warning that stays
in view; an import larger than the quota is refused and rolled back; an unreadable stored value is kept aside;
answers for items this edition does not have are kept; a knowledge base's own storage key takes over the old one."""

from __future__ import annotations

import json
import re

import pytest

from .test_checklists import answer, checklist_url, shown

pytestmark = pytest.mark.browser

FORMAT = "guideline-kb/answers"  # what every answers file says it is now
OLD_FORMAT = "aviation-guideline-kb/answers"  # what this knowledge base's files said before: its slug's
STORAGE_KEY = "document.querySelector('meta[name=kb-storage-key]').content.trim()"
OLD = "2001-02-03T04:05:06.000Z"  # a date before any answer given in a test
LATER = "2099-01-01T00:00:00.000Z"  # a date after


def ui(linked, key: str, /, **values) -> str:
    """An interface string as the page shows it in Japanese, placeholders filled in."""
    return linked.kb.ui[key].ja.format(**values)


def ui_pattern(linked, key: str, /, **values) -> re.Pattern:
    """An interface string with a date in it: the date as any text, the other placeholders filled in."""
    parts = linked.kb.ui[key].ja.split("{date}")
    return re.compile(".+".join(re.escape(part.format(**values)) for part in parts))


def leave(page) -> None:
    """Leave the field being typed in, as a reader does: its change event is what dates and counts the answer."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def stored(page) -> dict | None:
    return page.evaluate(f"() => JSON.parse(localStorage.getItem({STORAGE_KEY}))")


def raw_stored(page, suffix: str = "") -> str | None:
    return page.evaluate(f"suffix => localStorage.getItem(({STORAGE_KEY}) + suffix)", suffix)


def store(page, value: str) -> None:
    page.evaluate(f"value => localStorage.setItem({STORAGE_KEY}, value)", value)


def answers_of(page) -> dict:
    """The stored answers without their dates: what the reader answered."""
    value = stored(page) or {"items": {}, "areas": {}}
    strip = lambda group: {i: {k: v for k, v in r.items() if k != "updated"} for i, r in value[group].items()}  # noqa: E731
    return {"items": strip("items"), "areas": strip("areas")}


def answers_file(tmp_path, name: str = "answers.json", **content) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"format": FORMAT, "version": 2, **content}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def choose_file(page, path: str) -> None:
    page.locator("input[data-kb-action='import-json']").set_input_files(path)


def open_preview(page, path: str):
    choose_file(page, path)
    dialog = page.locator("[data-kb-import-dialog]")
    dialog.wait_for(state="visible")
    return dialog


def message(page) -> str:
    return page.locator("[data-kb-message]").inner_text()


def fact(dialog, slot: str) -> str:
    return dialog.locator(f"[data-kb-preview='{slot}']").inner_text()


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


# ---------------------------------------------------------------- import: preview, merge, replace, undo


def test_import_preview_shows_what_the_file_holds_and_changes_nothing_until_confirmed(page, server, linked, tmp_path):
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "done", owner="経営企画部")
    leave(page)
    before = stored(page)
    path = answers_file(
        tmp_path,
        site="別のサイト",
        edition="令和9年改定",
        exported="2024-05-06T07:08:09.000Z",
        items={
            "CL3-001": {"status": "todo", "updated": LATER},
            "CL3-002": {"status": "partial"},
            "OLD-1": {"status": "done"},
            "CL3-003": {"status": "toString"},
        },
        areas={"csirt": {"current": 1, "target": 3}},
    )
    dialog = open_preview(page, path)
    assert fact(dialog, "file") == "answers.json"
    assert fact(dialog, "site") == "別のサイト" and fact(dialog, "edition") == "令和9年改定"
    assert fact(dialog, "exported").startswith("2024/05/06")
    assert fact(dialog, "items") == ui(linked, "checklist.js.answers_count", n=2)
    assert fact(dialog, "areas") == ui(linked, "checklist.js.answers_count", n=1)
    assert fact(dialog, "unknown") == ui(linked, "checklist.js.answers_unknown_ids", n=1, ids="OLD-1")
    assert fact(dialog, "ignored") == ui(linked, "checklist.js.answers_count", n=1)  # the status "toString"
    notes = dialog.locator("[data-kb-preview='notes'] li").all_inner_texts()
    assert notes == [
        ui(linked, "checklist.js.answers_other_site", site="別のサイト"),
        ui(linked, "checklist.js.answers_other_edition", edition="令和9年改定"),
        ui(linked, "checklist.js.answers_unknown_kept", n=1),
    ]
    # merge, newer wins: CL3-002, OLD-1 and csirt added, CL3-001 updated (the file's answer is dated later)
    changes = ui(linked, "checklist.js.answers_changes", n=4, added=3, updated=1, removed=0)
    assert fact(dialog, "changes") == changes
    assert stored(page) == before  # nothing yet
    dialog.locator("[data-kb-import='cancel']").click()
    assert dialog.is_hidden()
    assert message(page) == ui(linked, "checklist.js.answers_cancelled")
    assert stored(page) == before and shown(page, "CL3-001") == ("done", "経営企画部", "")

    dialog = open_preview(page, path)
    page.keyboard.press("Escape")  # closing the dialog otherwise changes nothing either
    assert dialog.is_hidden() and stored(page) == before

    open_preview(page, path).locator("[data-kb-import='confirm']").click()
    assert message(page) == ui(
        linked,
        "checklist.js.answers_imported",
        file="answers.json",
        n=4,
        mode=ui(linked, "checklist.js.answers_mode_merge"),
    )
    assert answers_of(page) == {
        "items": {"CL3-001": {"status": "todo"}, "CL3-002": {"status": "partial"}, "OLD-1": {"status": "done"}},
        "areas": {"csirt": {"current": 1, "target": 3}},
    }
    assert shown(page, "CL3-001") == ("todo", "", "")
    page.reload()
    assert shown(page, "CL3-002")[0] == "partial"


def test_a_file_whose_answers_differ_but_are_older_is_not_called_the_same(page, server, linked, tmp_path):
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "done")
    dialog = open_preview(page, answers_file(tmp_path, items={"CL3-001": {"status": "todo", "updated": OLD}}))
    assert fact(dialog, "changes") == ui(linked, "checklist.js.answers_older", n=1)
    assert dialog.locator("[data-kb-import='confirm']").is_disabled()  # merging by date would change nothing
    dialog.locator("[data-kb-import-mode][value='theirs']").check()
    assert fact(dialog, "changes") == ui(linked, "checklist.js.answers_changes", n=1, added=0, updated=1, removed=0)
    dialog.locator("[data-kb-import='cancel']").click()


def test_merge_keeps_the_newer_answer_of_each_item_or_the_side_chosen(page, server, linked, tmp_path):
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "done")
    answer(page, "CL3-002", "partial")
    answer(page, "CL3-004", "na")
    store(page, json.dumps({**stored(page), "areas": {"backup": {"current": 2}}}))  # an answer with no date
    page.reload()
    path = answers_file(
        tmp_path,
        items={
            "CL3-001": {"status": "todo", "updated": OLD},  # older than mine: mine stays
            "CL3-002": {"status": "na", "updated": LATER},  # newer than mine: the file's
            "CL3-003": {"status": "done", "updated": OLD},  # not answered here: added
        },
        areas={"backup": {"current": 3, "updated": LATER}},  # mine has no date: which is newer is unknown
    )
    dialog = open_preview(page, path)
    assert fact(dialog, "changes") == " ".join(
        [
            ui(linked, "checklist.js.answers_changes", n=2, added=1, updated=1, removed=0),
            ui(linked, "checklist.js.answers_older", n=1),
            ui(linked, "checklist.js.answers_undated", n=1),
        ]
    )
    dialog.locator("[data-kb-import-mode][value='theirs']").check()
    assert fact(dialog, "changes") == ui(linked, "checklist.js.answers_changes", n=4, added=1, updated=3, removed=0)
    dialog.locator("[data-kb-import-mode][value='mine']").check()
    assert fact(dialog, "changes") == ui(linked, "checklist.js.answers_changes", n=1, added=1, updated=0, removed=0)
    dialog.locator("[data-kb-import-mode][value='newer']").check()
    dialog.locator("[data-kb-import='confirm']").click()
    assert answers_of(page) == {
        "items": {
            "CL3-001": {"status": "done"},
            "CL3-002": {"status": "na"},
            "CL3-003": {"status": "done"},
            "CL3-004": {"status": "na"},
        },
        "areas": {"backup": {"current": 2}},
    }
    assert stored(page)["items"]["CL3-002"]["updated"] == LATER  # the answer keeps the date it was given


def test_replace_then_undo_the_import(page, server, linked, tmp_path):
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "done", note="自分のメモ")
    answer(page, "CL3-004", "na")
    leave(page)
    before = stored(page)
    path = answers_file(tmp_path, items={"CL3-002": {"status": "partial"}, "CL3-004": {"status": "na"}})
    dialog = open_preview(page, path)
    dialog.locator("[data-kb-import-mode][value='replace']").check()
    assert fact(dialog, "changes") == ui(linked, "checklist.js.answers_changes", n=2, added=1, updated=0, removed=1)
    dialog.locator("[data-kb-import='confirm']").click()
    assert message(page) == ui(
        linked,
        "checklist.js.answers_imported",
        file="answers.json",
        n=2,
        mode=ui(linked, "checklist.js.answers_mode_replace"),
    )
    assert answers_of(page)["items"] == {"CL3-002": {"status": "partial"}, "CL3-004": {"status": "na"}}
    assert shown(page, "CL3-001") == ("", "", "")
    page.reload()  # the undo is kept in storage, not only in the page
    undo = page.locator("button[data-kb-action='undo']")
    assert ui_pattern(linked, "checklist.js.answers_undo_import").fullmatch(undo.inner_text())
    answer(page, "CL3-005", "todo")  # given after the import: an undo does not lose it for good
    imported = stored(page)
    undo.click()
    assert message(page) == ui(linked, "checklist.js.answers_undone_import")
    assert stored(page) == before
    assert shown(page, "CL3-001") == ("done", "", "自分のメモ")
    page.reload()
    assert stored(page) == before
    assert ui_pattern(linked, "checklist.js.answers_undo_undo").fullmatch(undo.inner_text())
    undo.click()
    assert message(page) == ui(linked, "checklist.js.answers_undone_undo")
    assert stored(page) == imported and shown(page, "CL3-005")[0] == "todo"


def test_undo_the_last_reset(page, server, linked):
    page.on("dialog", lambda d: d.accept())
    page.goto(checklist_url(server, "ch4"))
    answer(page, "CL4-001", "done", owner="CISO室")
    answer(page, "CL4-002", "todo")
    leave(page)
    before = stored(page)
    page.locator("button[data-kb-action='reset']").click()
    assert message(page) == ui(linked, "checklist.js.reset_done")
    assert answers_of(page)["items"] == {} and shown(page, "CL4-001") == ("", "", "")
    page.reload()
    undo = page.locator("button[data-kb-action='undo']")
    assert ui_pattern(linked, "checklist.js.answers_undo_reset").fullmatch(undo.inner_text())
    undo.click()
    assert message(page) == ui(linked, "checklist.js.answers_undone_reset")
    assert stored(page) == before and shown(page, "CL4-001") == ("done", "CISO室", "")


# ---------------------------------------------------------------- import: files that are refused


def test_files_without_a_usable_answer_or_from_a_newer_format_are_refused(page, server, linked, tmp_path):
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "done", owner="経営企画部")
    leave(page)
    before = stored(page)
    not_answers = ("checklist.js.answers_refused_format", {})
    refused = {
        "empty-items": ({"items": {}}, not_answers),  # no format, no version
        "array": ([{"format": FORMAT}], not_answers),
        "version-string": ({"format": FORMAT, "version": "2", "items": {"CL3-001": {"status": "todo"}}}, not_answers),
        "items-list": ({"format": FORMAT, "version": 2, "items": [{"status": "todo"}]}, not_answers),
        "newer": (
            {"format": FORMAT, "version": 99, "items": {"CL3-001": {"status": "todo"}}},
            ("checklist.js.answers_refused_version", {"version": 99, "max": 2}),
        ),
        "no-answer": (
            {"format": FORMAT, "version": 2, "items": {}},
            ("checklist.js.answers_refused_empty", {"unknown": 0, "ignored": 0}),
        ),
        "wrong-types": (
            {
                "format": FORMAT,
                "version": 1,
                "items": {"CL3-001": {"status": 5, "owner": ["x"]}, "CL3-002": "done"},
                "areas": {"csirt": {"current": 7, "target": "high"}},
            },
            ("checklist.js.answers_refused_empty", {"unknown": 0, "ignored": 5}),
        ),
        "prototype-statuses": (
            {
                "format": FORMAT,
                "version": 2,
                "items": {
                    "CL3-001": {"status": "__proto__"},
                    "CL3-002": {"status": "toString"},
                    "CL3-003": {"status": "constructor"},
                    "CL3-004": {"status": "hasOwnProperty"},
                    "CL3-005": {"__proto__": {"status": "done"}},
                },
            },
            ("checklist.js.answers_refused_empty", {"unknown": 0, "ignored": 5}),
        ),
        "unknown-ids-only": (
            {
                "format": FORMAT,
                "version": 2,
                "items": {"ZZ9-001": {"status": "done"}},
                "areas": {"nowhere": {"current": 1}},
            },
            ("checklist.js.answers_refused_empty", {"unknown": 2, "ignored": 0}),
        ),
    }
    for name, (content, (key, values)) in refused.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(content), encoding="utf-8")
        choose_file(page, str(path))
        expected = ui(linked, key, file=path.name, **values)
        page.wait_for_function("text => document.querySelector('[data-kb-message]').textContent === text", arg=expected)
        assert page.locator("[data-kb-import-dialog]").is_hidden(), name
        assert stored(page) == before, name
    (tmp_path / "not.json").write_text("{ not json", encoding="utf-8")
    choose_file(page, str(tmp_path / "not.json"))
    expected = ui(linked, "checklist.js.answers_refused_json", file="not.json")
    page.wait_for_function("text => document.querySelector('[data-kb-message]').textContent === text", arg=expected)
    page.reload()
    assert stored(page) == before and shown(page, "CL3-001") == ("done", "経営企画部", "")
    assert page.locator("button[data-kb-action='undo']").is_hidden()  # nothing was imported, nothing to undo


# ---------------------------------------------------------------- storage that cannot keep answers

BLOCKED = {
    "setItem-quota": (
        "Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };",
        "checklist.js.answers_reason_full",
    ),
    "setItem-security": (
        "Storage.prototype.setItem = function () { throw new DOMException('denied', 'SecurityError'); };",
        "checklist.js.answers_reason_blocked",
    ),
    "getter-throws": (
        "Object.defineProperty(window, 'localStorage',"
        " { get() { throw new DOMException('denied', 'SecurityError'); } });",
        "checklist.js.answers_reason_blocked",
    ),
}


@pytest.mark.parametrize("how", BLOCKED)
def test_storage_that_cannot_keep_answers_is_said_on_load_and_stays_in_view(page, server, linked, how):
    script, why = BLOCKED[how]
    page.context.add_init_script(script)
    page.goto(checklist_url(server, "ch5"))
    alert = page.locator("[data-kb-alert='storage']")
    assert alert.get_attribute("role") == "alert"
    reason = ui(linked, why)
    assert alert.locator("[data-kb-alert-text]").inner_text() == ui(
        linked, "checklist.js.answers_storage_broken", reason=reason
    )
    assert in_view(page, alert)
    last = page.locator("[data-kb-item]").last
    last.scroll_into_view_if_needed()
    answer(page, last.get_attribute("data-kb-item"), "done")  # an edit 7,000 px below the toolbar
    assert in_view(page, alert)
    assert alert.locator("[data-kb-alert-text]").inner_text() == ui(
        linked, "checklist.js.answers_save_error", reason=reason
    )
    with page.expect_download() as download:
        alert.locator("button[data-kb-action='export-json']").click()  # the answers can still leave in a file
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert exported["items"][last.get_attribute("data-kb-item")]["status"] == "done"
    assert message(page) == ""  # no success message anywhere
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    end = page.locator("footer.md-footer").bounding_box()
    assert end["y"] + end["height"] <= alert.bounding_box()["y"] + 1  # the warning covers nothing of the page


def test_an_import_larger_than_the_quota_is_refused_and_nothing_is_lost(page, server, linked, tmp_path):
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "done", owner="経営企画部")
    leave(page)
    before = stored(page)
    # Chromium keeps about 5.24 million characters per site: 531 notes of 10,000 characters each (the longest a field
    # takes), most of them for items of another edition (kept).
    huge = {f"OLD-{n:04d}": {"status": "todo", "note": "x" * 10_000} for n in range(530)}
    huge["CL3-002"] = {"status": "todo", "note": "x" * 10_000}
    path = answers_file(tmp_path, items=huge)
    dialog = open_preview(page, path)
    size = dialog.locator("[data-kb-preview='size']")
    assert size.get_attribute("role") == "alert"
    planned = len(json.dumps({"items": {**before["items"], **huge}, "areas": {}}, ensure_ascii=False,
                             separators=(",", ":")))  # fmt: skip
    reason = ui(linked, "checklist.js.answers_reason_full")
    assert size.inner_text() == ui(linked, "checklist.js.answers_too_large", size=f"{planned:,}", reason=reason)
    assert dialog.locator("[data-kb-import='confirm']").is_disabled()
    dialog.locator("[data-kb-import-mode][value='replace']").check()
    assert dialog.locator("[data-kb-import='confirm']").is_disabled()
    dialog.locator("[data-kb-import='cancel']").click()
    page.reload()
    assert stored(page) == before and shown(page, "CL3-002") == ("", "", "")
    answer(page, "CL3-003", "partial")  # and the storage still works
    assert answers_of(page)["items"]["CL3-003"] == {"status": "partial"}


def test_a_write_that_fails_during_an_import_is_rolled_back_and_said(page, server, linked, tmp_path):
    """The probe passed, then the browser refused the answers themselves: the previous state comes back."""
    page.context.add_init_script(
        "const write = Storage.prototype.setItem;"
        "Storage.prototype.setItem = function (key, value) {"
        "  if (key.endsWith(':answers') && value.includes('CL3-009'))"
        "    throw new DOMException('full', 'QuotaExceededError');"
        "  return write.call(this, key, value); };"
    )
    page.goto(checklist_url(server, "ch3"))
    answer(page, "CL3-001", "done")
    before, undo_before = stored(page), raw_stored(page, ":undo")
    dialog = open_preview(page, answers_file(tmp_path, items={"CL3-009": {"status": "todo"}}))
    dialog.locator("[data-kb-import='confirm']").click()
    reason = ui(linked, "checklist.js.answers_reason_full")
    assert message(page) == ui(linked, "checklist.js.answers_save_failed", reason=reason)
    assert stored(page) == before and raw_stored(page, ":undo") == undo_before
    assert shown(page, "CL3-009") == ("", "", "")
    page.reload()
    assert stored(page) == before and shown(page, "CL3-001")[0] == "done"


# ---------------------------------------------------------------- stored values


def test_an_unreadable_stored_value_is_kept_aside_and_said(page, server, linked):
    page.goto(checklist_url(server, "ch3"))
    store(page, '{"items": {"CL3-001": {"status": "done"}, "CL3-002": ')
    page.reload()
    alert = page.locator("[data-kb-alert='corrupt']")
    assert alert.get_attribute("role") == "alert"
    keys = page.evaluate("() => Object.keys(localStorage).filter(k => k.includes(':corrupt-'))")
    assert len(keys) == 1
    assert (
        page.evaluate("k => localStorage.getItem(k)", keys[0])
        == '{"items": {"CL3-001": {"status": "done"}, "CL3-002": '
    )
    assert alert.locator("[data-kb-alert-text]").inner_text() == ui(
        linked, "checklist.js.answers_corrupt_kept", key=keys[0]
    )
    assert in_view(page, alert)
    with page.expect_download() as download:
        alert.locator("button[data-kb-action='download-corrupt']").click()
    assert download.value.path().read_text(encoding="utf-8") == '{"items": {"CL3-001": {"status": "done"}, "CL3-002": '
    answer(page, "CL3-003", "todo")
    page.reload()  # kept aside once, not again on every load
    assert page.locator("[data-kb-alert='corrupt']").is_hidden()
    assert len(page.evaluate("() => Object.keys(localStorage).filter(k => k.includes(':corrupt-'))")) == 1
    assert answers_of(page)["items"] == {"CL3-003": {"status": "todo"}}


def test_a_stored_value_with_unreadable_entries_keeps_the_rest_and_the_original(page, server, linked):
    page.goto(checklist_url(server, "ch3"))
    original = json.dumps({"items": {"CL3-001": {"status": "done"}, "CL3-002": {"status": "__proto__"}}, "areas": {}})
    store(page, original)
    page.reload()
    assert shown(page, "CL3-001")[0] == "done"
    keys = page.evaluate("() => Object.keys(localStorage).filter(k => k.includes(':corrupt-'))")
    assert [page.evaluate("k => localStorage.getItem(k)", k) for k in keys] == [original]
    assert page.locator("[data-kb-alert='corrupt']").is_visible()


def test_an_unreadable_value_that_cannot_be_kept_aside_is_not_overwritten_before_it_is_downloaded(page, server, linked):
    page.context.add_init_script(
        "const write = Storage.prototype.setItem;"
        "Storage.prototype.setItem = function (key, value) {"
        "  if (key.includes(':corrupt-')) throw new DOMException('full', 'QuotaExceededError');"
        "  return write.call(this, key, value); };"
    )
    page.goto(checklist_url(server, "ch3"))
    store(page, "not json at all")
    page.reload()
    alert = page.locator("[data-kb-alert='corrupt']")
    assert alert.locator("[data-kb-alert-text]").inner_text() == ui(linked, "checklist.js.answers_corrupt_held")
    answer(page, "CL3-001", "done")
    assert raw_stored(page) == "not json at all"  # the edit was not saved over it
    with page.expect_download() as download:
        alert.locator("button[data-kb-action='download-corrupt']").click()
    assert download.value.path().read_text(encoding="utf-8") == "not json at all"
    answer(page, "CL3-002", "todo")
    assert answers_of(page)["items"] == {"CL3-001": {"status": "done"}, "CL3-002": {"status": "todo"}}


def test_answers_for_items_not_in_this_edition_are_kept_reported_and_exported(page, server, linked):
    page.goto(checklist_url(server, "ch3"))
    store(page, json.dumps({"items": {"CL3-001": {"status": "done"}, "CL9-999": {"status": "todo", "note": "旧版"}},
                            "areas": {"retired-area": {"current": 2}}}))  # fmt: skip
    page.reload()
    kept = ui(linked, "checklist.js.answers_kept_orphans", n=2)
    assert kept in page.locator("[data-kb-exported]").inner_text()
    answer(page, "CL3-002", "partial")
    assert answers_of(page)["items"]["CL9-999"] == {"status": "todo", "note": "旧版"}
    assert answers_of(page)["areas"] == {"retired-area": {"current": 2}}
    with page.expect_download() as download:
        page.locator(".kb-cl-toolbar button[data-kb-action='export-json']").click()
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert exported["items"]["CL9-999"] == {"status": "todo", "note": "旧版"}
    assert exported["areas"] == {"retired-area": {"current": 2}}
    assert exported["version"] == 2 and exported["site"] == linked.kb.document.title.ja
    assert exported["edition"] == linked.kb.document.edition.ja


def name_the_storage_key(page, key: str) -> None:
    """As a knowledge base does (<meta name="kb-storage-key">), ahead of any the page has: for the pages of ch3."""

    def with_meta(route):
        response = route.fetch()
        body = response.text().replace("<head>", f'<head><meta name="kb-storage-key" content="{key}">', 1)
        route.fulfill(response=response, body=body)

    page.route("**/checklists/ch3/", with_meta)


def test_answers_saved_and_exported_by_earlier_versions_are_read_and_nothing_is_dropped(page, server, linked, tmp_path):
    """The key answers are kept under is the knowledge base's slug's, as it has always been: answers saved by the
    first version (no dates, only status, owner and note) show as they were; a file exported under the format's old
    name imports, and what is exported now carries the generic name."""
    key = f"{linked.kb.config.slug}:answers"
    assert key == "aviation-guideline-kb:answers"  # the key this site's readers' answers have always been under
    items = {"CL3-001": {"status": "done", "owner": "旧版", "note": "最初の版"}, "CL9-999": {"status": "todo"}}
    first = {"items": items, "areas": {"csirt": {"current": 1}}}
    page.goto(checklist_url(server, "ch3"))
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, json.dumps(first)])
    page.reload()
    assert page.evaluate(f"() => {STORAGE_KEY}") == key
    assert shown(page, "CL3-001") == ("done", "旧版", "最初の版")
    answer(page, "CL3-002", "todo")
    assert answers_of(page)["items"] == {**first["items"], "CL3-002": {"status": "todo"}}  # nothing dropped
    assert answers_of(page)["areas"] == first["areas"]

    old = tmp_path / "old.json"
    record = {"status": "partial", "evidence": "旧形式", "updated": OLD}
    content = {"format": OLD_FORMAT, "version": 2, "kb": key, "items": {"CL3-003": record}}
    old.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    dialog = open_preview(page, str(old))
    assert dialog.locator("[data-kb-preview='notes'] li").count() == 0  # this knowledge base's own file
    dialog.locator("[data-kb-import='confirm']").click()
    assert answers_of(page)["items"]["CL3-003"] == {"status": "partial", "evidence": "旧形式"}
    assert set(answers_of(page)["items"]) == {"CL3-001", "CL3-002", "CL3-003", "CL9-999"}
    with page.expect_download() as download:
        page.locator(".kb-cl-toolbar button[data-kb-action='export-json']").click()
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert (exported["format"], exported["kb"]) == (FORMAT, key)
    for name in ("another-kb/answers", "guideline-kb/answer"):  # no other name is taken for ours
        other = tmp_path / "other.json"
        other.write_text(json.dumps({"format": name, "version": 2, "items": {"CL3-004": {"status": "na"}}}))
        choose_file(page, str(other))
        refused = ui(linked, "checklist.js.answers_refused_format", file="other.json")
        page.wait_for_function("text => document.querySelector('[data-kb-message]').textContent === text", arg=refused)
        choose_file(page, str(old))  # between the two: the message changes
        page.locator("[data-kb-import-dialog] [data-kb-import='cancel']").click()


# ---------------------------------------------------------------- the last export to a file


def test_the_last_export_is_shown_and_many_changes_not_exported_bring_a_reminder(page, server, linked):
    page.goto(checklist_url(server, "ch3"))
    saved = page.locator("[data-kb-exported]")
    assert saved.inner_text() == ui(linked, "checklist.js.answers_exported_never")
    remind = page.locator("[data-kb-alert='remind']")
    for n in range(20):
        answer(page, f"CL3-{n % 10 + 1:03d}", ("done", "todo")[n // 10])
        assert remind.is_visible() == (n == 19), n
    assert remind.get_attribute("role") == "status"
    assert remind.locator("[data-kb-alert-text]").inner_text() == ui(linked, "checklist.js.answers_remind", n=20)
    assert in_view(page, remind)
    remind.locator("button[data-kb-action='dismiss']").click()  # later: not again until 20 more
    answer(page, "CL3-011", "done")
    assert remind.is_hidden()
    with page.expect_download():
        page.locator(".kb-cl-toolbar button[data-kb-action='export-json']").click()
    assert ui_pattern(linked, "checklist.js.answers_exported_at", n=0).fullmatch(saved.inner_text())
    page.reload()
    assert ui_pattern(linked, "checklist.js.answers_exported_at", n=0).fullmatch(saved.inner_text())
    answer(page, "CL3-012", "na")
    assert ui_pattern(linked, "checklist.js.answers_exported_at", n=1).fullmatch(saved.inner_text())


def test_a_file_from_the_other_language_is_this_site_and_one_from_another_knowledge_base_is_said(
    page, server, linked, tmp_path
):
    page.goto(checklist_url(server, "ch3", "en"))
    answer(page, "CL3-001", "done")
    with page.expect_download() as download:
        page.locator(".kb-cl-toolbar button[data-kb-action='export-json']").click()
    english = tmp_path / "english.json"
    download.value.save_as(english)
    exported = json.loads(english.read_text(encoding="utf-8"))
    assert exported["kb"] == page.evaluate(f"() => {STORAGE_KEY}")
    assert (exported["site"], exported["edition"]) == (linked.kb.document.title.en, linked.kb.document.edition.en)
    page.goto(checklist_url(server, "ch3"))
    dialog = open_preview(page, str(english))
    assert dialog.locator("[data-kb-preview='notes'] li").count() == 0  # the same site and edition, in English
    assert fact(dialog, "changes") == ui(linked, "checklist.js.answers_no_change")
    assert dialog.locator("[data-kb-import='confirm']").is_disabled()
    dialog.locator("[data-kb-import='cancel']").click()
    # A knowledge base that names its storage key knows another one by it, whatever the site's name says.
    name_the_storage_key(page, "this-kb:answers")
    page.reload()
    other = answers_file(tmp_path, kb="another-kb:answers", site=exported["site"], items={"CL3-002": {"status": "na"}})
    notes = open_preview(page, other).locator("[data-kb-preview='notes'] li").all_inner_texts()
    assert notes == [ui(linked, "checklist.js.answers_other_site", site=exported["site"])]
    page.keyboard.press("Escape")
    same = answers_file(tmp_path, kb="this-kb:answers", site="改名したサイト", items={"CL3-002": {"status": "na"}})
    assert open_preview(page, same).locator("[data-kb-preview='notes'] li").count() == 0
