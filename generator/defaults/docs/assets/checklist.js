// Checklists and the self-assessment in the browser: answers kept in localStorage by item id, progress, export as
// CSV and JSON, import of JSON (a preview, then merge or replace, and undo), printing with the answers, and the
// draft risk response plan with its gap chart. No library and no request: everything comes from the JSON the page
// carries (#kb-checklist-data, #kb-answers-data) and its fields.
//
// Nothing a reader typed is lost: a storage that cannot keep answers is found on load (a write–read probe) and
// said in a warning that stays in view; a save that fails never reports success; a stored value that does not
// read is kept aside under another key before anything is written; an import changes nothing until the reader
// confirms it, is checked for size before it replaces anything, and can be undone, like the last reset (the
// previous answers are kept under a key of their own); answers for items this edition does not have are kept.
(function () {
  "use strict";
  const VERSION = 2; // 2: every answer carries `updated`, a file names its site and edition; version 1 is read too
  const REMIND_EVERY = 20; // changes not exported to a file before a gentle reminder
  const ITEM_ID = /^[A-Z0-9][A-Z0-9.-]*$/;
  const AREA_ID = /^[a-z0-9][a-z0-9-]*$/;
  const LEVEL_FIELDS = ["current", "target"];
  const PLAN_FIELDS = ["action", "resources", "owner", "due", "evaluation", "progress"];
  const SVG = "http://www.w3.org/2000/svg";

  const source = document.getElementById("kb-checklist-data");
  const edition = document.getElementById("kb-answers-data");
  if (!source || !edition) return;
  const data = JSON.parse(source.textContent);
  // { site, edition (this language), sites, editions (every language), items: [every item id], areas: [area ids] }
  const known = JSON.parse(edition.textContent);
  // What an exported answers file says it is (generator/features/checklists.py ANSWERS_FORMAT), and every name a
  // file of this knowledge base may carry: the generic one, and the one its files had before (its slug's).
  const FORMAT = known.format;
  const FORMATS = new Set(known.formats);
  const KNOWN_ITEMS = new Set(known.items);
  const KNOWN_AREAS = new Set(known.areas);
  const STATUSES = new Set(Object.keys(data.statuses));
  // The fields of every checklist item (status, owner, evidence, due date, note), as the build lists them for the
  // page, the workbooks and the CSV files alike (generator/features/checklists.py ANSWER_FIELDS): { id, kind, label }.
  const FIELDS = {};
  data.fields.forEach(function (field) { FIELDS[field.id] = field; });
  const strings = data.strings;
  const checklists = {};
  data.checklists.forEach(function (c) { checklists[c.id] = c; });

  function own(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }
  function isRecord(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return own(values, key) ? String(values[key]) : whole;
    });
  }
  function say(message) {
    document.querySelectorAll("[data-kb-message]").forEach(function (p) { p.textContent = message; });
  }
  function when(iso) {
    const date = new Date(iso);
    if (isNaN(date.getTime())) return strings.answers_not_given;
    return date.toLocaleString(strings.locale || data.language, { dateStyle: "medium", timeStyle: "short" });
  }
  function shorten(text, length) {
    const value = String(text);
    return value.length > length ? value.slice(0, length - 1) + "…" : value;
  }

  // ---- warnings that stay in view (fixed at the bottom of the window): role=alert, or role=status for the reminder
  function makeRoom() {
    // The page ends above the warnings, so that they never cover the last item's fields.
    const holder = document.querySelector(".kb-cl-alerts");
    document.body.style.paddingBottom = holder && holder.offsetHeight ? holder.offsetHeight + "px" : "";
  }
  function showAlert(name, text) {
    const box = document.querySelector("[data-kb-alert='" + name + "']");
    if (!box) return;
    box.hidden = false;
    box.querySelector("[data-kb-alert-text]").textContent = text;
    makeRoom();
  }
  function hideAlert(name) {
    const box = document.querySelector("[data-kb-alert='" + name + "']");
    if (box) box.hidden = true;
    makeRoom();
  }

  // ---- storage: one key per knowledge base, read from <meta name="kb-storage-key"> (its slug's: the key its answers
  // have always been kept under, so that answers saved by any earlier version are read where they are), and keys
  // beside it
  const STORAGE_KEY = (function () {
    const meta = document.querySelector("meta[name='kb-storage-key']");
    const value = meta ? meta.content.trim() : "";
    return value || FORMAT.replace("/", ":"); // a theme without the meta element: one key for every such site
  })();
  const UNDO_KEY = STORAGE_KEY + ":undo"; // { kind: "import" | "reset" | "undo", at, answers }: the answers before
  const EXPORTED_KEY = STORAGE_KEY + ":exported"; // { at, changes, reminded }: the last export to a file
  const PROBE_KEY = STORAGE_KEY + ":probe";
  const UNIT_KEY = STORAGE_KEY + ":unit"; // the unit (department, site, contractor) these answers are of
  const UNDO_KINDS = new Set(["import", "reset", "undo"]);
  function storage() {
    try { return window.localStorage || null; } catch (error) { return null; } // the getter throws when blocked
  }
  function readKey(key) {
    const store = storage();
    if (!store) return null;
    try { return store.getItem(key); } catch (error) { return null; }
  }
  function writeKey(key, value) {
    // "" when written, else why not: "full" or "blocked".
    const store = storage();
    if (!store) return "blocked";
    try {
      store.setItem(key, value);
      return "";
    } catch (error) {
      const quota = error &&
        (error.name === "QuotaExceededError" || error.name === "NS_ERROR_DOM_QUOTA_REACHED" || error.code === 22);
      return quota ? "full" : "blocked";
    }
  }
  function removeKey(key) {
    const store = storage();
    if (!store) return;
    try { store.removeItem(key); } catch (error) { /* nothing to keep */ }
  }
  function unitName() { return (readKey(UNIT_KEY) || "").trim().slice(0, 200); }
  function unitSlug() { return unitName().replace(/[\\/:*?"<>|\s]+/g, "-").slice(0, 60); }
  function reason(failure) { return failure === "full" ? strings.answers_reason_full : strings.answers_reason_blocked; }
  function probe(text) {
    // Can this browser keep `text` (or a short token) beside what it holds? "" when it can, else why not.
    const value = text === undefined ? "probe-" + Date.now() + "-" + Math.random() : text;
    const failure = writeKey(PROBE_KEY, value);
    if (failure) return failure;
    const back = readKey(PROBE_KEY);
    removeKey(PROBE_KEY);
    return back === value ? "" : "blocked";
  }

  // ---- answers: { items: { "CL3-001": {status, owner, note, updated} }, areas: { backup: {current, …, updated} } }
  function emptyAnswers() { return { items: Object.create(null), areas: Object.create(null) }; }
  function copyAnswers(answers) {
    const copy = emptyAnswers();
    ["items", "areas"].forEach(function (group) {
      Object.keys(answers[group]).forEach(function (id) { copy[group][id] = Object.assign({}, answers[group][id]); });
    });
    return copy;
  }
  function serialize(answers) { return JSON.stringify({ items: answers.items, areas: answers.areas }); }
  function hasAnswer(record) { return Object.keys(record).some(function (field) { return field !== "updated"; }); }
  function validDate(value) { return typeof value === "string" && value.length <= 40 && !isNaN(Date.parse(value)); }
  function fieldValue(field, value) {
    // The value as stored, or undefined when the field does not take it (the same rule as AnswerField.value).
    if (field.kind === "status") return STATUSES.has(value) ? value : undefined;
    if (typeof value !== "string") return undefined;
    if (field.kind === "date") {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      const day = match && new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
      return day && day.toISOString().slice(0, 10) === value ? value : undefined;
    }
    return value.length <= data.text_limit ? value : undefined;
  }
  function level(value) {
    if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 4) return value;
    if (typeof value === "string" && /^[0-4]$/.test(value)) return Number(value);
    return undefined;
  }
  function readRecord(given, kind, result) {
    // Only known fields with values of the right kind, by own property; every other value counts as ignored.
    const record = {};
    Object.keys(given).forEach(function (field) {
      const value = given[field];
      let good;
      if (field === "updated") good = validDate(value) ? value : undefined;
      else if (kind === "item" && own(FIELDS, field)) good = fieldValue(FIELDS[field], value);
      else if (kind === "area" && LEVEL_FIELDS.indexOf(field) >= 0) good = level(value);
      else if (kind === "area" && PLAN_FIELDS.indexOf(field) >= 0) good = typeof value === "string" ? value : undefined;
      else { result.ignored += 1; return; }
      if (good === undefined) { if (value !== "" && value !== null) result.ignored += 1; }
      else if (good !== "") record[field] = good;
    });
    return record;
  }
  function clean(raw) {
    // A stored value or an imported file may come from another version or from elsewhere: keep only known fields
    // with good values (a status "__proto__" or "toString" is no status). Answers for ids this edition does not
    // have are kept. `ok` is false when the value is not answers at all; `ignored` counts the values left out.
    const result = { ok: isRecord(raw), answers: emptyAnswers(), ignored: 0 };
    if (!result.ok) return result;
    [["items", ITEM_ID, "item"], ["areas", AREA_ID, "area"]].forEach(function (kind) {
      const group = kind[0];
      if (!own(raw, group)) return;
      if (!isRecord(raw[group])) { result.ok = false; return; }
      Object.keys(raw[group]).forEach(function (id) {
        const given = raw[group][id];
        if (!kind[1].test(id) || !isRecord(given)) { result.ignored += 1; return; }
        const record = readRecord(given, kind[2], result);
        if (hasAnswer(record)) result.answers[group][id] = record;
      });
    });
    return result;
  }
  function orphans(answers) {
    return Object.keys(answers.items).filter(function (id) { return !KNOWN_ITEMS.has(id); }).length +
      Object.keys(answers.areas).filter(function (id) { return !KNOWN_AREAS.has(id); }).length;
  }

  // What was stored and could not be read: { raw, key } — key is where it was kept aside, "" when it could not be
  // (then nothing is saved until the reader has downloaded it, so that the first edit does not overwrite it).
  let unreadable = null;
  function keepAside(raw) {
    const key = STORAGE_KEY + ":corrupt-" + new Date().toISOString().replace(/[:.]/g, "-");
    unreadable = { raw: raw, key: writeKey(key, raw) ? "" : key };
    const text = unreadable.key ? format(strings.answers_corrupt_kept, { key: key }) : strings.answers_corrupt_held;
    showAlert("corrupt", text);
    return unreadable.key !== "";
  }
  function load() {
    let raw = readKey(STORAGE_KEY);
    if (raw === null) return emptyAnswers();
    let parsed;
    try { parsed = JSON.parse(raw); } catch (error) { parsed = undefined; }
    const read = clean(parsed);
    if (read.ok && !read.ignored) return read.answers;
    // Not (all) readable: the original is kept aside first, then what could be read is written in its place.
    if (keepAside(raw)) writeKey(STORAGE_KEY, serialize(read.answers));
    return read.answers;
  }
  function save() {
    // true when the answers are stored; a failure is shown in view and never followed by a success message.
    if (unreadable && !unreadable.key) {
      showAlert("corrupt", strings.answers_corrupt_held);
      return false;
    }
    const failure = writeKey(STORAGE_KEY, serialize(answers));
    if (failure) {
      showAlert("storage", format(strings.answers_save_error, { reason: reason(failure) }));
      return false;
    }
    if (storageWorks) hideAlert("storage");
    return true;
  }

  const probed = probe();
  const storageWorks = probed === "";
  if (!storageWorks) showAlert("storage", format(strings.answers_storage_broken, { reason: reason(probed) }));
  let answers = load();
  function setField(record, field, value) {
    if (value === "" || value === undefined) delete record[field];
    else record[field] = value;
  }
  function statusOf(id) { return (answers.items[id] || {}).status || ""; }

  // ---- checklist items
  function setValue(element, value) {
    // Only when it differs: rewriting the field being typed in would move the caret.
    if (element.value !== value) element.value = value;
  }
  function showItem(element) {
    const answer = answers.items[element.dataset.kbItem] || {};
    element.querySelectorAll("[data-kb-field]").forEach(function (field) {
      // an organisation may suggest an owner (data-kb-default): shown until the reader writes their own
      setValue(field, answer[field.dataset.kbField] || field.dataset.kbDefault || "");
    });
    element.dataset.kbStatus = answer.status || "";
    const print = element.querySelector("[data-kb-print]");
    if (print) {
      print.replaceChildren.apply(print, data.fields.map(function (field) {
        const part = document.createElement("span");
        const value = field.id === "status" ? (answer.status ? data.statuses[answer.status] : strings.unanswered)
          : answer[field.id] || "—";
        part.textContent = format(strings.print_field, { label: field.label, value: value });
        return part;
      }));
    }
  }
  function showItems() {
    document.querySelectorAll("[data-kb-item]").forEach(showItem);
  }
  // An item's answer fields are made from the page's one copy of them (template[data-kb-fields]) when the item comes
  // near the window: a checklist of hundreds of items opens without making and laying out thousands of form fields.
  // Its status, progress, print lines and exports come from the answers, never from the fields, so they cover every
  // item from the start, and an item's fields show its saved answers as they are made.
  const fieldsTemplate = document.querySelector("template[data-kb-fields]");
  function makeFields(item) {
    const holder = item.querySelector("[data-kb-answer]");
    if (!fieldsTemplate || !holder || holder.querySelector("[data-kb-field]")) return;
    const fields = fieldsTemplate.content.cloneNode(true);
    fields.querySelectorAll("[data-kb-item-id]").forEach(function (label) { label.textContent = " " + item.dataset.kbItem; });
    const owner = fields.querySelector("[data-kb-field='owner']");
    if (owner && holder.dataset.kbDefaultOwner) owner.dataset.kbDefault = holder.dataset.kbDefaultOwner;
    holder.prepend(fields);
    showItem(item);
  }
  // Fields made above a linked item (#item-…) push it down: until the reader scrolls, it is brought back into view.
  let readerMoved = false;
  ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (kind) {
    addEventListener(kind, function () { readerMoved = true; }, { once: true, passive: true });
  });
  function keepTheLinkedItemInView() {
    const linked = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (readerMoved || !linked) return;
    const top = linked.getBoundingClientRect().top;
    if (top < 0 || top >= innerHeight) linked.scrollIntoView();
  }
  function makeFieldsNearTheWindow() {
    if (!fieldsTemplate) return;
    const near = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        near.unobserve(entry.target);
        makeFields(entry.target);
      });
      keepTheLinkedItemInView();
    }, { rootMargin: "100% 0px" });
    document.querySelectorAll("[data-kb-item]").forEach(function (item) { near.observe(item); });
  }
  function itemIds(scope) {
    if (scope === "*" || scope === "all") return Object.keys(data.items);
    return checklists[scope] ? checklists[scope].items : [];
  }
  function tally(ids, items) {
    // The counts of `ids` by status in `items` (the reader's answers unless given), as generator/rollup.py's Tally.
    const statuses = items || answers.items;
    const counts = { done: 0, partial: 0, todo: 0, na: 0, open: 0 };
    ids.forEach(function (id) { counts[(statuses[id] || {}).status || "open"] += 1; });
    counts.items = ids.length;
    counts.applicable = ids.length - counts.na;
    counts.percent = counts.applicable ? Math.round((100 * counts.done) / counts.applicable) : 0;
    return counts;
  }
  function showProgress() {
    document.querySelectorAll("[data-kb-progress]").forEach(function (element) {
      const counts = tally(itemIds(element.dataset.kbProgress));
      const text = format(strings.progress, counts);
      const short = counts.na ? strings.progress_short_na : strings.progress_short;
      const shown = "kbProgressShort" in element.dataset ? format(short, counts) : text;
      const bar = document.createElement("progress");
      bar.max = Math.max(counts.applicable, 1);
      bar.value = counts.done;
      bar.setAttribute("aria-label", text);
      const label = document.createElement("span");
      label.className = "kb-cl-progress__text";
      label.textContent = shown;
      element.title = text;
      element.replaceChildren(bar, label);
    });
  }

  // ---- self-assessment: levels per area, the gap chart and the draft plan
  function area(id) { return answers.areas[id] || {}; }
  function gaps() {
    return data.areas
      .map(function (id, order) { return { id: id, order: order, levels: area(id) }; })
      .filter(function (g) {
        return g.levels.current !== undefined && g.levels.target !== undefined && g.levels.target > g.levels.current;
      })
      .sort(function (a, b) {
        return b.levels.target - b.levels.current - (a.levels.target - a.levels.current) || a.order - b.order;
      });
  }
  function draft(gap) {
    const checklist = checklists[gap.id];
    const values = { area: checklist.title, current: gap.levels.current, target: gap.levels.target };
    const open = checklist.items.filter(function (id) { return statusOf(id) !== "done" && statusOf(id) !== "na"; });
    let action = format(strings.plan_action, values);
    if (open.length) action += format(strings.plan_open_items, { items: open.join(", ") });
    return { action: action, resources: "", owner: "", due: "", evaluation: format(strings.plan_evaluation, values), progress: "" };
  }
  function planValue(gap, field) {
    return gap.levels[field] !== undefined ? gap.levels[field] : draft(gap)[field];
  }
  function showLevels() {
    document.querySelectorAll("[data-kb-area]").forEach(function (row) {
      const levels = area(row.dataset.kbArea);
      row.querySelectorAll("[data-kb-level]").forEach(function (select) {
        const value = levels[select.dataset.kbLevel];
        setValue(select, value === undefined ? "" : String(value));
      });
      const gap = row.querySelector("[data-kb-gap]");
      const known = levels.current !== undefined && levels.target !== undefined;
      if (gap) gap.textContent = known ? (levels.target > levels.current ? "+" : "") + (levels.target - levels.current) : "—";
    });
  }
  function planField(gap, field) {
    const label = document.createElement("label");
    label.className = "kb-as-plan__field kb-as-plan__field--" + field;
    const name = document.createElement("span");
    name.textContent = data.plan[field];
    const input = document.createElement(field === "action" || field === "evaluation" ? "textarea" : "input");
    if (input.tagName === "INPUT") input.type = field === "due" ? "date" : "text";
    else input.rows = 3;
    input.dataset.kbPlanField = field;
    input.setAttribute("aria-label", data.plan[field] + " — " + checklists[gap.id].title);
    input.value = planValue(gap, field);
    label.append(name, input);
    return label;
  }
  function showPlan() {
    const holder = document.querySelector("[data-kb-plan]");
    if (!holder) return;
    const list = gaps();
    const key = list.map(function (g) { return g.id + ":" + g.levels.current + ":" + g.levels.target; }).join(",");
    if (holder.dataset.kbKey !== key) {
      // Rebuilt only when the gaps change, so that typing in a field never loses the caret.
      holder.dataset.kbKey = key;
      holder.replaceChildren.apply(holder, list.map(function (gap) {
        const entry = document.createElement("section");
        entry.className = "kb-as-plan__entry";
        entry.dataset.kbPlanArea = gap.id;
        const heading = document.createElement("h3");
        heading.textContent = format(strings.plan_heading, {
          area: checklists[gap.id].title, current: gap.levels.current, target: gap.levels.target,
        });
        entry.append(heading);
        PLAN_FIELDS.forEach(function (field) { entry.append(planField(gap, field)); });
        return entry;
      }));
    }
    list.forEach(function (gap) {
      holder.querySelectorAll("[data-kb-plan-area='" + gap.id + "'] [data-kb-plan-field]").forEach(function (field) {
        if (field !== document.activeElement) setValue(field, planValue(gap, field.dataset.kbPlanField));
      });
    });
    const empty = document.querySelector("[data-kb-plan-empty]");
    if (empty) empty.hidden = list.length > 0;
  }
  function svg(name, attributes, text) {
    const element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (text !== undefined) element.textContent = text;
    return element;
  }
  function showChart() {
    const holder = document.querySelector("[data-kb-gap-chart]");
    if (!holder) return;
    const rated = data.areas.filter(function (id) {
      return area(id).current !== undefined || area(id).target !== undefined;
    });
    if (!rated.length) {
      const empty = document.createElement("p");
      empty.className = "kb-muted";
      empty.textContent = strings.gap_empty;
      holder.replaceChildren(empty);
      return;
    }
    const label = 230, unit = 90, row = 30, top = 34, width = label + 4 * unit + 20;
    const chart = svg("svg", {
      viewBox: "0 0 " + width + " " + (top + rated.length * row + 8), width: width, role: "img",
      "aria-labelledby": "kb-gap-title kb-gap-desc", class: "kb-as-gap",
    });
    const lines = rated.map(function (id) {
      const levels = area(id);
      return format(strings.gap_label, {
        area: checklists[id].title,
        current: levels.current === undefined ? "—" : levels.current,
        target: levels.target === undefined ? "—" : levels.target,
      });
    });
    chart.append(svg("title", { id: "kb-gap-title" }, strings.gap_chart));
    chart.append(svg("desc", { id: "kb-gap-desc" }, lines.join("; ")));
    for (let level = 0; level <= 4; level += 1) {
      const x = label + level * unit;
      chart.append(svg("line", { x1: x, x2: x, y1: top - 6, y2: top + rated.length * row, class: "kb-as-gap__grid" }));
      chart.append(svg("text", { x: x, y: top - 12, "text-anchor": "middle", class: "kb-as-gap__scale" }, String(level)));
    }
    chart.append(svg("rect", { x: label + 4 * unit - 150, y: 2, width: 12, height: 10, class: "kb-as-gap__current" }));
    chart.append(svg("text", { x: label + 4 * unit - 134, y: 11, class: "kb-as-gap__legend" }, strings.gap_current));
    chart.append(svg("rect", { x: label + 4 * unit - 70, y: 1, width: 12, height: 12, class: "kb-as-gap__target" }));
    chart.append(svg("text", { x: label + 4 * unit - 54, y: 11, class: "kb-as-gap__legend" }, strings.gap_target));
    rated.forEach(function (id, index) {
      const levels = area(id), y = top + index * row;
      const title = checklists[id].title;
      const name = svg("text", { x: label - 8, y: y + row / 2 + 4, "text-anchor": "end", class: "kb-as-gap__label" },
        title.length > 16 ? title.slice(0, 15) + "…" : title);
      name.append(svg("title", {}, title));
      chart.append(name);
      if (levels.target !== undefined) {
        chart.append(svg("rect", { x: label, y: y + 4, width: Math.max(levels.target * unit, 2), height: row - 8, class: "kb-as-gap__target" }));
      }
      if (levels.current !== undefined) {
        chart.append(svg("rect", { x: label, y: y + 9, width: Math.max(levels.current * unit, 2), height: row - 18, class: "kb-as-gap__current" }));
      }
    });
    holder.replaceChildren(chart);
  }

  // ---- the lines under the toolbar: the last export to a file, answers kept for items not in this edition, undo
  function readExported() {
    let value;
    try { value = JSON.parse(readKey(EXPORTED_KEY) || "null"); } catch (error) { value = null; }
    const info = { at: "", changes: 0, reminded: 0 };
    if (isRecord(value)) {
      if (validDate(value.at)) info.at = value.at;
      ["changes", "reminded"].forEach(function (field) {
        if (Number.isInteger(value[field]) && value[field] >= 0) info[field] = value[field];
      });
    }
    return info;
  }
  let exported = readExported();
  function readUndo() {
    let value;
    try { value = JSON.parse(readKey(UNDO_KEY) || "null"); } catch (error) { value = null; }
    if (!isRecord(value) || !UNDO_KINDS.has(value.kind) || !validDate(value.at)) return null;
    const read = clean(value.answers);
    return read.ok ? { kind: value.kind, at: value.at, answers: read.answers } : null;
  }
  function showStatusLines() {
    const lines = [exported.at ? format(strings.answers_exported_at, { date: when(exported.at), n: exported.changes })
      : strings.answers_exported_never];
    const kept = orphans(answers);
    if (kept) lines.push(format(strings.answers_kept_orphans, { n: kept }));
    document.querySelectorAll("[data-kb-exported]").forEach(function (p) {
      const text = lines.join(" ");
      if (p.textContent !== text) p.textContent = text;
    });
    const undo = readUndo();
    document.querySelectorAll("button[data-kb-action='undo']").forEach(function (button) {
      button.hidden = !undo;
      if (!undo) return;
      button.textContent = format(strings["answers_undo_" + undo.kind], { date: when(undo.at) });
    });
    if (exported.changes >= REMIND_EVERY && exported.changes - exported.reminded >= REMIND_EVERY) {
      showAlert("remind", format(strings.answers_remind, { n: exported.changes }));
    } else {
      hideAlert("remind");
    }
  }
  function counted() {
    // One change made by the reader (a field left, a choice made), towards the reminder to export.
    exported.changes += 1;
    writeKey(EXPORTED_KEY, JSON.stringify(exported));
  }

  function showUnit() {
    document.querySelectorAll("input[data-kb-unit]").forEach(function (input) {
      if (input !== document.activeElement) setValue(input, unitName());
    });
  }
  // ---- the one-screen view: coloured by the reader's answers, by one unit's (a file chosen on the page) or by the
  // share of the chosen units that have done each item (the roll-up); printed on one A4 or A3 landscape sheet;
  // exported as SVG or PNG, made from the page's own cells and colours. Files are read as the roll-up reads them.
  const mapView = document.querySelector("[data-kb-map]");
  let mapUnits = [];
  function mapSource() {
    // { items } of the reader or of one unit, or { units } for the share of units done
    const choice = mapView ? mapView.querySelector("select[data-kb-map-colour]").value : "mine";
    if (choice === "share" && mapUnits.length) return { units: mapUnits, label: strings.map_share };
    const unit = mapUnits[Number(choice)];
    if (unit) return { items: unit.answers.items, areas: unit.answers.areas, label: unit.unit };
    return { items: answers.items, areas: answers.areas, label: strings.map_mine };
  }
  function shareOf(units, ids) {
    // Over every unit: the items done and the items that apply (done or not), as "n/m" counts units by item.
    const totals = { done: 0, applicable: 0 };
    units.forEach(function (u) {
      const counts = tally(ids, u.answers.items);
      totals.done += counts.done;
      totals.applicable += counts.applicable;
    });
    return totals;
  }
  function shareStep(counts) {
    return counts.applicable ? String(Math.round((counts.done / counts.applicable) * 4)) : "";
  }
  function showMap() {
    // Each control coloured by the share of its applicable items done (in quarters), each item by its status or,
    // for the roll-up, by the share of units that have done it; the counts in the cell and in its accessible name.
    if (!mapView) return;
    const source = mapSource();
    mapView.dataset.kbMapSource = source.units ? "share" : "status";
    mapView.querySelectorAll("[data-kb-map-legend]").forEach(function (legend) {
      legend.hidden = legend.dataset.kbMapLegend !== "share" && Boolean(source.units);
    });
    mapView.querySelectorAll("[data-kb-map-area]").forEach(function (cell) { showGap(cell, source); });
    mapView.querySelectorAll("[data-kb-map-by]").forEach(function (label) { label.textContent = source.label; });
    mapView.querySelectorAll("[data-kb-map-items]").forEach(function (cell) {
      const ids = cell.dataset.kbMapItems.split(" ").filter(Boolean);
      const counts = source.units ? shareOf(source.units, ids) : tally(ids, source.items);
      const share = cell.querySelector("[data-kb-map-share]");
      if (share) share.textContent = ids.length ? counts.done + "/" + counts.applicable : "";
      cell.dataset.kbShare = ids.length ? shareStep(counts) : "";
      cell.setAttribute("aria-label", format(strings.map_cell, {
        title: cell.dataset.kbMapTitle, done: counts.done, applicable: counts.applicable }));
    });
    mapView.querySelectorAll("[data-kb-map-item]").forEach(function (cell) {
      const id = cell.dataset.kbMapItem;
      if (source.units) {
        const counts = shareOf(source.units, [id]);
        delete cell.dataset.kbStatus;
        cell.dataset.kbShare = shareStep(counts);
        cell.setAttribute("aria-label", format(strings.map_item_share, { id: id, done: counts.done, applicable: counts.applicable }));
        return;
      }
      const status = (source.items[id] || {}).status || "";
      delete cell.dataset.kbShare;
      cell.dataset.kbStatus = status;
      cell.setAttribute("aria-label", id + ": " + (status ? data.statuses[status] : strings.unanswered));
    });
  }
  function showGap(cell, source) {
    // A self-assessment area: its gap (target − current, coloured by levels to go) or, for the roll-up, how many of
    // the units that rated it have reached their target.
    const id = cell.dataset.kbMapArea;
    const shown = cell.querySelector("[data-kb-map-share]"), levelsText = cell.querySelector("[data-kb-map-levels]");
    const rated = function (levels) { return levels.current !== undefined && levels.target !== undefined; };
    delete cell.dataset.kbGap;
    delete cell.dataset.kbShare;
    if (source.units) {
      const all = source.units.map(function (u) { return u.answers.areas[id] || {}; }).filter(rated);
      const reached = all.filter(function (levels) { return levels.current >= levels.target; }).length;
      shown.textContent = all.length ? reached + "/" + all.length : "";
      levelsText.textContent = format(strings.map_gap_units, { reached: reached, rated: all.length });
      cell.dataset.kbShare = all.length ? String(Math.round((reached / all.length) * 4)) : "";
    } else {
      const levels = source.areas[id] || {};
      const gap = rated(levels) ? levels.target - levels.current : null;
      const level = function (n) { return n === undefined ? strings.map_not_rated : String(n); };
      shown.textContent = gap === null ? "" : (gap > 0 ? "+" : "") + gap;
      const none = levels.current === undefined && levels.target === undefined;
      levelsText.textContent = none ? strings.map_not_rated
        : format(strings.map_levels, { current: level(levels.current), target: level(levels.target) });
      if (gap !== null) cell.dataset.kbGap = String(Math.min(Math.max(gap, 0), 3));
    }
    cell.setAttribute("aria-label", cell.dataset.kbMapTitle + ": " + levelsText.textContent +
      (shown.textContent && !source.units ? " (" + shown.textContent + ")" : ""));
  }
  function showMapChoices() {
    const select = mapView.querySelector("select[data-kb-map-colour]");
    const chosen = select.value;
    const options = [["mine", strings.map_mine]].concat(mapUnits.map(function (u, n) {
      return [String(n), format(strings.map_unit, { unit: u.unit })];
    }));
    if (mapUnits.length > 1) options.push(["share", format(strings.map_share_of, { n: mapUnits.length })]);
    select.replaceChildren.apply(select, options.map(function (pair) {
      const option = element("option", pair[1]);
      option.value = pair[0];
      return option;
    }));
    select.value = options.some(function (pair) { return pair[0] === chosen; }) ? chosen : "mine";
  }
  function paper() {
    const select = mapView && mapView.querySelector("select[data-kb-map-paper]");
    return select ? select.value : "A4";
  }
  let pageSize = null;
  function setPaper() {
    // The view prints on one landscape sheet of the chosen size (a named page would turn only the pages after its
    // first break, so the whole document's page is set).
    if (!pageSize) {
      pageSize = document.createElement("style");
      document.head.append(pageSize);
    }
    pageSize.textContent = "@page { size: " + paper() + " landscape; margin: 7mm; }";
    mapView.dataset.kbPaper = paper();
  }
  function mapSvg() {
    // The view as an SVG drawing, laid out as it prints (8 controls and 18 items a row), in the page's colours.
    const width = 1120, margin = 16, gap = 3, columns = 8, itemColumns = 18;
    const drawing = svg("svg", { width: width, viewBox: "0 0 " + width + " 100", "font-family": "sans-serif" });
    let y = margin;
    const text = function (x, top, content, size, weight, anchor) {
      const attributes = { x: x, y: top, "font-size": size, fill: "#1a1a1a" };
      if (weight) attributes["font-weight"] = weight;
      if (anchor) attributes["text-anchor"] = anchor;
      return svg("text", attributes, content);
    };
    const heading = Array.from(document.querySelector("h1").childNodes).filter(function (node) {
      return node.nodeType === Node.TEXT_NODE; // without the heading's permalink
    }).map(function (node) { return node.textContent; }).join("").trim();
    drawing.append(svg("title", {}, heading));
    drawing.append(text(margin, y + 14, heading + " — " + mapSource().label, 16, 700));
    y += 26;
    const colour = function (cell) { return getComputedStyle(cell).backgroundColor; };
    const grid = function (cells, across, height, draw) {
      const cellWidth = (width - 2 * margin - (across - 1) * gap) / across;
      cells.forEach(function (cell, index) {
        const x = margin + (index % across) * (cellWidth + gap), top = y + Math.floor(index / across) * (height + gap);
        const link = svg("a", { href: cell.href });
        link.append(svg("title", {}, cell.getAttribute("aria-label") || cell.textContent));
        link.append(svg("rect", { x: x, y: top, width: cellWidth, height: height, rx: 2, fill: colour(cell), stroke: "#b0b8c8" }));
        draw(link, cell, x, top, cellWidth);
        drawing.append(link);
      });
      y += Math.ceil(cells.length / across) * (height + gap) + 4;
    };
    mapView.querySelectorAll(".kb-map__group").forEach(function (group, groupIndex) {
      drawing.append(text(margin, y + 12, group.querySelector(".kb-map__heading").textContent, 12, 700));
      y += 16;
      const controls = Array.from(group.querySelectorAll("[data-kb-map-items], [data-kb-map-area]"));
      if (controls.length) {
        grid(controls, columns, 30, function (link, cell, x, top, cellWidth) {
          const clip = "kb-map-clip-" + groupIndex + "-" + controls.indexOf(cell);
          const path = svg("clipPath", { id: clip });
          path.append(svg("rect", { x: x, y: top, width: cellWidth - 2, height: 30 }));
          link.append(path);
          const number = text(x + 3, top + 11, cell.querySelector(".kb-map__number").textContent, 9, 700);
          const share = text(x + cellWidth - 3, top + 11, cell.querySelector("[data-kb-map-share]").textContent, 9, 700, "end");
          const title = text(x + 3, top + 24, cell.querySelector(".kb-map__title").textContent, 8.5);
          title.setAttribute("clip-path", "url(#" + clip + ")");
          link.append(number, share, title);
        });
      }
      group.querySelectorAll(".kb-map__subheading").forEach(function (subheading) {
        drawing.append(text(margin, y + 10, subheading.textContent, 10, 700));
        y += 13;
        const items = Array.from(subheading.nextElementSibling.querySelectorAll("[data-kb-map-item]"));
        grid(items, itemColumns, 15, function (link, cell, x, top, cellWidth) {
          link.append(text(x + cellWidth / 2, top + 11, cell.dataset.kbMapItem, 8.5, 0, "middle"));
        });
      });
    });
    let x = margin;
    mapView.querySelectorAll("[data-kb-map-legend]:not([hidden]) .kb-map__key").forEach(function (key) {
      const label = key.textContent, boxWidth = 14 + label.length * 9;
      drawing.append(svg("rect", { x: x, y: y, width: boxWidth, height: 16, rx: 2, fill: colour(key), stroke: "#b0b8c8" }));
      drawing.append(text(x + 4, y + 12, label, 9));
      x += boxWidth + 6;
    });
    y += 16 + margin;
    drawing.setAttribute("height", String(y));
    drawing.setAttribute("viewBox", "0 0 " + width + " " + y);
    return drawing;
  }
  function mapName(extension) {
    const unit = mapSource().units ? "rollup" : mapSource().items === answers.items ? unitSlug() || "answers"
      : mapSource().label.replace(/[\\/:*?"<>|\s]+/g, "-").slice(0, 60);
    return "map-" + data.language + "-" + unit + "-" + today() + "." + extension;
  }
  function exportMap(kind) {
    const drawing = mapSvg();
    const text = XML_HEAD + new XMLSerializer().serializeToString(drawing);
    if (kind === "svg") {
      download(mapName("svg"), "image/svg+xml", text);
      say(format(strings.map_made, { file: mapName("svg") }));
      return;
    }
    const image = new Image(), scale = 2;
    image.onload = function () {
      const canvas = document.createElement("canvas");
      canvas.width = Number(drawing.getAttribute("width")) * scale;
      canvas.height = Number(drawing.getAttribute("height")) * scale;
      const context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        download(mapName("png"), "image/png", blob);
        say(format(strings.map_made, { file: mapName("png") }));
      }, "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text); // drawn here, fetched from nowhere
  }
  if (mapView) {
    setPaper();
    mapView.addEventListener("change", function (event) {
      if (event.target.matches("select[data-kb-map-paper]")) setPaper();
      if (event.target.matches("select[data-kb-map-colour]")) showMap();
      if (!event.target.matches("input[data-kb-map-files]")) return;
      const files = Array.from(event.target.files || []);
      Promise.all(files.map(readUnit)).then(function (units) {
        const list = mapView.querySelector("[data-kb-map-list]");
        list.replaceChildren.apply(list, units.filter(function (u) { return u.error; }).map(function (u) {
          return element("li", u.error, "kb-cl-warning");
        }));
        mapUnits = units.filter(function (u) { return !u.error; });
        showMapChoices();
        if (mapUnits.length > 1) mapView.querySelector("select[data-kb-map-colour]").value = "share";
        else if (mapUnits.length) mapView.querySelector("select[data-kb-map-colour]").value = "0";
        showMap();
      });
    });
    mapView.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-kb-map-export]");
      if (button) exportMap(button.dataset.kbMapExport);
    });
  }
  function render() {
    showUnit();
    showMap();
    showItems();
    showProgress();
    showLevels();
    showPlan();
    showChart();
    showStatusLines();
  }

  // ---- edits
  function edited(event) {
    const target = event.target;
    const now = new Date().toISOString();
    let group, id, field, value;
    if (target.matches("[data-kb-field]")) {
      group = "items"; id = target.closest("[data-kb-item]").dataset.kbItem;
      field = target.dataset.kbField; value = target.value;
    } else if (target.matches("[data-kb-level]")) {
      group = "areas"; id = target.closest("[data-kb-area]").dataset.kbArea;
      field = target.dataset.kbLevel; value = target.value === "" ? "" : Number(target.value);
    } else if (target.matches("[data-kb-unit]")) {
      // The unit is the reader's, set once for every page: kept beside the answers, sent with every file.
      const failure = writeKey(UNIT_KEY, target.value.trim());
      if (failure) showAlert("storage", format(strings.answers_save_error, { reason: reason(failure) }));
      return;
    } else if (target.matches("[data-kb-plan-field]")) {
      group = "areas"; id = target.closest("[data-kb-plan-area]").dataset.kbPlanArea;
      field = target.dataset.kbPlanField; value = target.value;
    } else {
      return;
    }
    const record = answers[group][id] || {};
    setField(record, field, value);
    record.updated = now;
    if (hasAnswer(record)) answers[group][id] = record;
    else delete answers[group][id];
    save();
    if (event.type === "change") counted();
    render();
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);
  // The same answers open in another tab or in the other language: show what was changed there.
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY) answers = load();
    if (event.key === EXPORTED_KEY) exported = readExported();
    if ([STORAGE_KEY, EXPORTED_KEY, UNDO_KEY, UNIT_KEY].indexOf(event.key) >= 0) render();
  });

  // ---- files
  function today() { return new Date().toISOString().slice(0, 10); }
  function download(name, type, content) {
    const url = URL.createObjectURL(new Blob([content], { type: type }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function formulaSafe(text) {
    // Every field, typed or from the data: a leading = + - @ (or its full-width form), tab or CR would make a
    // spreadsheet run it as a formula (the same rule as generator/sheets.py).
    return /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/.test(text) ? "'" + text : text;
  }
  function csvFile(rows) {
    const lines = rows.map(function (row) {
      return row.map(function (value) {
        const text = formulaSafe(value === undefined || value === null ? "" : String(value));
        return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
      }).join(",");
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n"; // UTF-8 with BOM, so that Excel reads Japanese correctly
  }
  function itemsCsv(scope) {
    const info = Object.keys(data.columns); // the build's columns, in the workbooks' order
    const rows = [info.map(function (key) { return data.columns[key]; }).concat(
      data.fields.map(function (field) { return field.label; }))];
    data.checklists.filter(function (c) { return scope === "all" || c.id === scope; }).forEach(function (checklist) {
      checklist.items.forEach(function (id) {
        const item = data.items[id], answer = answers.items[id] || {};
        const own = { checklist: checklist.id, id: id };
        rows.push(info.map(function (key) { return key in own ? own[key] : item[key]; }).concat(
          data.fields.map(function (field) {
            if (field.id === "status") return answer.status ? data.statuses[answer.status] : "";
            return answer[field.id] || "";
          })));
      });
    });
    return rows;
  }
  function planCsv() {
    const header = [strings.csv_area, strings.csv_current, strings.csv_target];
    const rows = [header.concat(PLAN_FIELDS.map(function (field) { return data.plan[field]; }))];
    gaps().forEach(function (gap) {
      const level = function (n) { return n + " " + data.levels[n]; };
      rows.push([checklists[gap.id].title, level(gap.levels.current), level(gap.levels.target)].concat(
        PLAN_FIELDS.map(function (field) { return planValue(gap, field); })));
    });
    return rows;
  }
  function exportCsv(scope) {
    const rows = scope === "assessment" ? planCsv() : itemsCsv(scope);
    const name = scope === "assessment" ? "risk-response-plan" : "checklist-" + scope;
    download(name + "-" + data.language + "-" + today() + ".csv", "text/csv;charset=utf-8", csvFile(rows));
  }
  function exportJson() {
    // Every answer, also those for items this edition does not have.
    const at = new Date().toISOString();
    const file = {
      format: FORMAT, version: VERSION, exported: at, kb: STORAGE_KEY, site: known.site, edition: known.edition,
      release: known.release, unit: unitName(),
      items: answers.items, areas: answers.areas,
    };
    download("checklist-answers-" + today() + ".json", "application/json", JSON.stringify(file, null, 1));
    exported = { at: at, changes: 0, reminded: 0 };
    writeKey(EXPORTED_KEY, JSON.stringify(exported));
    showStatusLines();
  }

  // ---- "Excel with my answers": the build's own workbook (the blank form the page links to) with the reader's
  // answers written into it, in the browser. Only the answer cells, their rows' heights, the tallies' stored values
  // and the cover's first fact change: the cover, styles, drop-downs, print setup, links and sheet names stay as the
  // build made them. The zip library (fflate, vendored in assets/vendor/) loads on the first export; nothing is sent.
  const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  const RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const WIDE_CHARACTER = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\ud800-\udbff]/;
  const layout = data.workbook;
  let zipLibrary = null;
  function zipTools() {
    if (!zipLibrary) {
      zipLibrary = new Promise(function (resolve, reject) {
        const tag = document.createElement("script");
        tag.src = source.dataset.kbZip;
        tag.onload = function () { resolve(window.fflate); };
        tag.onerror = function () { zipLibrary = null; reject(new Error(strings.xlsx_no_library)); };
        document.head.append(tag);
      });
    }
    return zipLibrary;
  }
  function parseXml(bytes, zip) {
    const doc = new DOMParser().parseFromString(zip.strFromU8(bytes), "application/xml");
    if (doc.getElementsByTagName("parsererror").length) throw new Error(strings.xlsx_not_workbook);
    return doc;
  }
  function sheetsOf(files, zip) {
    // [{ name, path }] in the workbook's order (the cover first)
    if (!files["xl/workbook.xml"] || !files["xl/_rels/workbook.xml.rels"]) throw new Error(strings.xlsx_not_workbook);
    const targets = {};
    Array.from(parseXml(files["xl/_rels/workbook.xml.rels"], zip).getElementsByTagName("Relationship"))
      .forEach(function (r) { targets[r.getAttribute("Id")] = r.getAttribute("Target") || ""; });
    return Array.from(parseXml(files["xl/workbook.xml"], zip).getElementsByTagNameNS(MAIN, "sheet"))
      .map(function (sheet) {
        const target = targets[sheet.getAttributeNS(RELATIONSHIP, "id")] || "";
        return { name: sheet.getAttribute("name"), path: target.charAt(0) === "/" ? target.slice(1) : "xl/" + target };
      })
      .filter(function (sheet) { return own(files, sheet.path); });
  }
  function columnNumber(reference) {
    return reference.replace(/\d+$/, "").split("").reduce(function (n, c) { return n * 26 + c.charCodeAt(0) - 64; }, 0);
  }
  function child(parent, name, key, value, order) {
    // The child element `name` whose attribute `key` is `value`, made in its place (by `order`) when missing.
    const children = Array.from(parent.getElementsByTagNameNS(MAIN, name)).filter(function (e) {
      return e.parentNode === parent;
    });
    const found = children.find(function (e) { return e.getAttribute(key) === value; });
    if (found) return found;
    const made = parent.ownerDocument.createElementNS(MAIN, name);
    made.setAttribute(key, value);
    parent.insertBefore(made, children.find(function (e) { return order(e.getAttribute(key)) > order(value); }) || null);
    return made;
  }
  function cellOf(doc, reference) {
    const rows = doc.getElementsByTagNameNS(MAIN, "sheetData")[0];
    const number = reference.replace(/^[A-Z]+/, "");
    const row = child(rows, "row", "r", number, Number);
    return child(row, "c", "r", reference, columnNumber);
  }
  function empty(cell) {
    while (cell.firstChild) cell.removeChild(cell.firstChild);
    cell.removeAttribute("t");
  }
  function putText(doc, reference, text) {
    // An inline string: text stays text whatever it starts with (no formula), as generator/sheets.py writes it.
    const cell = cellOf(doc, reference);
    empty(cell);
    cell.setAttribute("t", "inlineStr");
    const holder = doc.createElementNS(MAIN, "is"), t = doc.createElementNS(MAIN, "t");
    t.setAttributeNS("http://www.w3.org/XML/1998/namespace", "xml:space", "preserve");
    t.textContent = text;
    holder.append(t);
    cell.append(holder);
  }
  function putNumber(doc, reference, number) {
    const cell = cellOf(doc, reference);
    empty(cell);
    const v = doc.createElementNS(MAIN, "v");
    v.textContent = String(number);
    cell.append(v);
  }
  function putDate(doc, reference, iso) {
    // A date the cell's own format (yyyy-mm-dd) shows: Excel's serial day number.
    const parts = iso.split("-").map(Number);
    putNumber(doc, reference, (Date.UTC(parts[0], parts[1] - 1, parts[2]) - Date.UTC(1899, 11, 30)) / 86400000);
  }
  function put(doc, reference, kind, value) {
    if (kind === "date" && fieldValue({ kind: "date" }, value) !== undefined) putDate(doc, reference, value);
    else if (kind === "number") putNumber(doc, reference, value);
    else putText(doc, reference, String(value));
  }
  function textLines(text, width) {
    // Lines of `text` wrapped in a column `width` wide, by the metrics generator/sheets.py sets row heights with.
    const m = layout.metrics, room = Math.max(width - m.padding, 1);
    return String(text).split("\n").reduce(function (lines, paragraph) {
      let units = 0;
      for (const character of paragraph) units += WIDE_CHARACTER.test(character) ? m.wide : m.narrow;
      return lines + Math.max(1, Math.ceil((units * 1.1) / room)); // a tenth more: words wrap whole
    }, 0);
  }
  function growRow(doc, number, lines) {
    const m = layout.metrics;
    const height = Math.min(Math.ceil((lines * m.size * m.line_height + m.row_padding) * 4) / 4, m.max_height);
    const row = child(doc.getElementsByTagNameNS(MAIN, "sheetData")[0], "row", "r", String(number), Number);
    if (Number(row.getAttribute("ht") || 0) < height) {
      row.setAttribute("ht", String(height));
      row.setAttribute("customHeight", "1");
    }
  }
  function fillItems(doc, checklist) {
    // Every answer field of every item, in the rows the build wrote them in (the checklist's order); the status
    // labels written per row, for the tallies.
    const labels = [];
    let written = 0;
    checklist.items.forEach(function (id, index) {
      const number = layout.first_row + index, answer = answers.items[id] || {};
      let lines = 1;
      data.fields.forEach(function (field) {
        const value = answer[field.id];
        if (value === undefined) return;
        const shown = field.kind === "status" ? data.statuses[value] : value;
        put(doc, layout.columns[field.id] + number, field.kind, shown);
        lines = Math.max(lines, textLines(shown, layout.widths[field.id]));
      });
      if (hasAnswer(answer)) { written += 1; growRow(doc, number, lines); }
      labels.push(answer.status ? data.statuses[answer.status] : "");
    });
    return { labels: labels, written: written };
  }
  function fillPlan(doc) {
    // The self-assessment: one row per area (the build's order), its levels and its plan as the page shows it.
    let written = 0;
    known.areas.forEach(function (id, index) {
      const number = layout.first_row + index, levels = area(id);
      const gap = gaps().find(function (g) { return g.id === id; });
      let lines = 1;
      Object.keys(layout.plan_columns).forEach(function (field) {
        const value = gap ? planValue(gap, field) : levels[field];
        if (value === undefined || value === "") return;
        const kind = LEVEL_FIELDS.indexOf(field) >= 0 ? "number" : field === "due" ? "date" : "text";
        put(doc, layout.plan_columns[field] + number, kind, value);
        if (kind === "text") lines = Math.max(lines, textLines(value, 40));
      });
      if (hasAnswer(levels)) { written += 1; growRow(doc, number, lines); }
    });
    return written;
  }
  function countif(formula) {
    // The sheet and the status a tally counts: COUNTIF(<sheet>!$G$4:$G$n,"=<label>") as generator/sheets.py writes.
    const match = /^COUNTIF\((?:'((?:[^']|'')+)'|([^!']+))!\$[A-Z]+\$\d+:\$[A-Z]+\$\d+,"=((?:[^"]|"")*)"\)$/.exec(formula);
    if (!match) return null;
    return {
      sheet: match[1] !== undefined ? match[1].replace(/''/g, "'") : match[2],
      label: match[3].replace(/""/g, '"').replace(/~([~*?])/g, "$1"),
    };
  }
  function retally(doc, labels) {
    // The tallies' stored values, as Excel stores them when it saves (LibreOffice shows them without recalculating).
    Array.from(doc.getElementsByTagNameNS(MAIN, "f")).forEach(function (f) {
      const tally = countif(f.textContent);
      if (!tally || !labels[tally.sheet]) return;
      const cell = f.parentNode;
      let v = cell.getElementsByTagNameNS(MAIN, "v")[0];
      if (!v) { v = doc.createElementNS(MAIN, "v"); cell.append(v); }
      v.textContent = String(labels[tally.sheet].filter(function (l) { return l === tally.label; }).length);
    });
  }
  function filledWorkbook(blank, zip) {
    const files = zip.unzipSync(new Uint8Array(blank));
    const sheets = sheetsOf(files, zip);
    const docs = {}, labels = {};
    const open = function (sheet) {
      if (!docs[sheet.path]) docs[sheet.path] = parseXml(files[sheet.path], zip);
      return docs[sheet.path];
    };
    let written = 0;
    sheets.forEach(function (sheet, index) {
      if (index === 0) return;
      const checklist = sheet.name !== layout.plan_sheet &&
        data.checklists.find(function (c) { return c.sheet === sheet.name; });
      if (checklist) {
        const filled = fillItems(open(sheet), checklist);
        labels[sheet.name] = filled.labels;
        written += filled.written;
      } else if (sheet.name === layout.plan_sheet) {
        written += fillPlan(open(sheet));
      }
    });
    const cover = open(sheets[0]);
    const unit = unitName();
    putText(cover, layout.facts_cell, format(strings.xlsx_answers, {
      date: when(new Date().toISOString()), unit: unit ? format(strings.xlsx_unit, { unit: unit }) : "",
    }));
    if (unit) putText(cover, layout.unit_cell, unit);
    retally(cover, labels);
    Object.keys(docs).forEach(function (path) {
      files[path] = zip.strToU8(XML_HEAD + new XMLSerializer().serializeToString(docs[path].documentElement));
    });
    return { bytes: zip.zipSync(files, { level: 6 }), written: written };
  }
  function exportXlsx(scope, button) {
    const url = button.dataset.kbWorkbook;
    const started = performance.now();
    const name = url.split("/").pop().replace(/\.xlsx$/, "") + "-" + (unitSlug() || "answers") + "-" + today() + ".xlsx";
    Promise.all([zipTools(), fetch(url).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.arrayBuffer();
    })]).then(function (loaded) {
      const made = filledWorkbook(loaded[1], loaded[0]);
      download(name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", made.bytes);
      say(format(strings.xlsx_made, { file: name, n: made.written, ms: Math.round(performance.now() - started) }));
    }).catch(function (error) {
      say(format(strings.xlsx_failed, { reason: error && error.message ? error.message : String(error) }));
    });
  }

  // ---- import: read, preview, then merge or replace on confirmation only
  function readFile(name, text) {
    // { error } or { file, answers, items, areas, unknown: [ids], ignored }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { error: format(strings.answers_refused_json, { file: name }) };
    }
    if (!isRecord(parsed) || !FORMATS.has(parsed.format) || !Number.isInteger(parsed.version) || parsed.version < 1) {
      return { error: format(strings.answers_refused_format, { file: name }) };
    }
    if (parsed.version > VERSION) {
      return { error: format(strings.answers_refused_version, { file: name, version: parsed.version, max: VERSION }) };
    }
    return examine(name, parsed, parsed, []);
  }
  function examine(name, file, raw, problems) {
    // What an answers file (JSON, or a workbook read as one) holds: its answers as `clean` keeps them, counted.
    const read = clean(raw);
    if (!read.ok) return { error: format(strings.answers_refused_format, { file: name }) };
    const unknown = [], counts = { items: 0, areas: 0 };
    [["items", KNOWN_ITEMS], ["areas", KNOWN_AREAS]].forEach(function (group) {
      Object.keys(read.answers[group[0]]).forEach(function (id) {
        if (group[1].has(id)) counts[group[0]] += 1;
        else unknown.push(id);
      });
    });
    if (!counts.items && !counts.areas) {
      const values = { file: name, unknown: unknown.length, ignored: read.ignored + problems.length };
      const refused = format(strings.answers_refused_empty, values);
      return { error: problems.length ? refused + " " + problems.slice(0, 5).join(" ") : refused };
    }
    return {
      name: name, file: file, answers: read.answers, items: counts.items, areas: counts.areas, unknown: unknown,
      ignored: read.ignored + problems.length, problems: problems,
    };
  }
  // ---- a workbook back in: ours (the blank form or one exported with answers), filled in Excel or LibreOffice.
  // Its cells become an answers file as JSON has it, then go through the same checks, preview, merge and undo.
  // Formulas are never evaluated (their cells are named and left out); a value a field does not take is named by
  // its cell; rows of items this edition does not have are kept, as from JSON.
  const XLSX_LIMIT = 20 * 1024 * 1024; // a workbook of every checklist filled in full is well under 1 MB
  function sharedStrings(files, zip) {
    if (!files["xl/sharedStrings.xml"]) return [];
    return Array.from(parseXml(files["xl/sharedStrings.xml"], zip).getElementsByTagNameNS(MAIN, "si"))
      .map(function (si) {
        return Array.from(si.getElementsByTagNameNS(MAIN, "t")).filter(function (t) {
          return t.parentNode.localName !== "rPh"; // the reading (furigana) Excel keeps beside Japanese text
        }).map(function (t) { return t.textContent; }).join("");
      });
  }
  function cellValues(doc, strings) {
    // { "G7": { value, formula } } for every cell with something in it; numbers as numbers, the rest as text.
    const cells = {};
    Array.from(doc.getElementsByTagNameNS(MAIN, "c")).forEach(function (c) {
      const f = c.getElementsByTagNameNS(MAIN, "f")[0], v = c.getElementsByTagNameNS(MAIN, "v")[0];
      const type = c.getAttribute("t") || "n";
      let value;
      if (type === "inlineStr") {
        value = Array.from(c.getElementsByTagNameNS(MAIN, "t")).map(function (t) { return t.textContent; }).join("");
      } else if (v) {
        value = type === "s" ? strings[Number(v.textContent)] : type === "n" ? Number(v.textContent) : v.textContent;
      }
      if (f || (value !== undefined && value !== "")) cells[c.getAttribute("r")] = { value: value, formula: f ? f.textContent : null };
    });
    return cells;
  }
  function isoDay(value) {
    // A date cell (Excel's day number) or a text as the date field takes it.
    if (typeof value === "number" && value > 0 && value < 2958466) {
      return new Date(Date.UTC(1899, 11, 30) + Math.round(value) * 86400000).toISOString().slice(0, 10);
    }
    return fieldValue({ kind: "date" }, String(value).trim());
  }
  // Where each field stands on a sheet: by its header (in any language of the knowledge base) where the sheet has
  // them, since an earlier edition's columns stood elsewhere; else where this edition puts them.
  function columnsOf(cells, headers, fallback) {
    const found = {};
    Object.keys(cells).forEach(function (reference) {
      const parts = /^([A-Z]+)([0-9]+)$/.exec(reference), value = cells[reference].value;
      if (!parts || Number(parts[2]) !== layout.header_row || typeof value !== "string") return;
      if (own(headers, value.trim()) && !own(found, headers[value.trim()])) found[headers[value.trim()]] = parts[1];
    });
    return Object.keys(found).length ? found : fallback;
  }

  function readWorkbook(name, bytes, zip) {
    let files;
    try { files = zip.unzipSync(new Uint8Array(bytes)); } catch (error) { files = null; }
    if (!files) return { error: format(strings.answers_refused_xlsx, { file: name }) };
    let sheets, shared;
    try {
      sheets = sheetsOf(files, zip);
      shared = sharedStrings(files, zip);
    } catch (error) {
      return { error: format(strings.answers_refused_xlsx, { file: name }) };
    }
    const raw = { items: {}, areas: {} }, problems = [], file = {};
    let updated = "";
    if (files["docProps/core.xml"]) {
      const modified = parseXml(files["docProps/core.xml"], zip).getElementsByTagNameNS("http://purl.org/dc/terms/", "modified")[0];
      if (modified && validDate(modified.textContent)) updated = new Date(modified.textContent).toISOString();
    }
    const problem = function (sheet, reference, key, values) {
      problems.push(format(strings[key], Object.assign({ cell: sheet + "!" + reference }, values)));
    };
    const statusChoices = Object.keys(data.statuses).map(function (code) { return data.statuses[code]; }).join(", ");
    sheets.forEach(function (sheet, index) {
      const cells = cellValues(parseXml(files[sheet.path], zip), shared);
      if (index === 0) {
        // The cover: the guideline and its edition, as "<title> — <edition>" beside its label
        Object.keys(cells).forEach(function (reference) {
          if (!/^A\d+$/.test(reference) || layout.guideline_labels.indexOf(cells[reference].value) < 0) return;
          const fact = cells["B" + reference.slice(1)];
          const parts = fact && typeof fact.value === "string" ? fact.value.split(" — ") : [];
          if (parts.length === 2) { file.site = parts[0]; file.edition = parts[1]; }
        });
        Object.keys(cells).forEach(function (reference) {
          if (!/^A\d+$/.test(reference) || layout.unit_labels.indexOf(cells[reference].value) < 0) return;
          const fact = cells["B" + reference.slice(1)];
          if (fact && typeof fact.value === "string") file.unit = fact.value;
        });
        return;
      }
      const plan = layout.plan_sheets.indexOf(sheet.name) >= 0;
      const columns = columnsOf(cells, plan ? layout.plan_headers : layout.headers, plan ? layout.plan_columns : layout.columns);
      const last = Object.keys(cells).reduce(function (n, r) { return Math.max(n, Number(r.replace(/^[A-Z]+/, ""))); }, 0);
      for (let row = layout.first_row; row <= last; row += 1) {
        const key = cells["A" + row];
        if (!key || key.formula || typeof key.value !== "string" || !key.value.trim()) continue;
        const id = plan ? layout.area_titles[key.value.trim()] : key.value.trim();
        if (!id || (!plan && !ITEM_ID.test(id))) continue; // a title, a note or a row of the reader's own
        const record = {};
        Object.keys(columns).forEach(function (field) {
          const reference = columns[field] + row, cell = cells[reference];
          if (!cell) return;
          if (cell.formula !== null) { problem(sheet.name, reference, "answers_xlsx_formula", {}); return; }
          const value = cell.value;
          const kind = plan ? (LEVEL_FIELDS.indexOf(field) >= 0 ? "level" : field === "due" ? "date" : "text")
            : FIELDS[field].kind;
          if (kind === "status") {
            const text = String(value).trim();
            const code = own(layout.status_labels, text) ? layout.status_labels[text] : STATUSES.has(text) ? text : "";
            if (code) record[field] = code;
            else problem(sheet.name, reference, "answers_xlsx_status", { value: text, choices: statusChoices });
          } else if (kind === "date") {
            const day = isoDay(value);
            if (day) record[field] = day;
            else problem(sheet.name, reference, "answers_xlsx_date", { value: String(value) });
          } else if (kind === "level") {
            if (level(value) !== undefined) record[field] = level(value);
            else problem(sheet.name, reference, "answers_xlsx_level", { value: String(value) });
          } else {
            record[field] = String(value);
          }
        });
        if (!Object.keys(record).length) continue;
        if (updated) record.updated = updated;
        raw[plan ? "areas" : "items"][id] = Object.assign(raw[plan ? "areas" : "items"][id] || {}, record);
      }
    });
    return examine(name, file, raw, problems);
  }

  function same(a, b) {
    const fields = function (record) {
      const names = Object.keys(record).filter(function (f) { return f !== "updated"; }).sort();
      return JSON.stringify(names.map(function (f) { return [f, record[f]]; }));
    };
    return fields(a) === fields(b);
  }
  function planImport(mine, theirs, mode) {
    // The answers after the import, and how many it adds, updates and removes; "older" and "undated" count the
    // differing answers that a merge by date leaves as mine (the file's is older, or either has no date).
    const result = mode === "replace" ? copyAnswers(theirs) : copyAnswers(mine);
    const counts = { added: 0, updated: 0, removed: 0, older: 0, undated: 0 };
    ["items", "areas"].forEach(function (group) {
      Object.keys(theirs[group]).forEach(function (id) {
        const m = mine[group][id], t = theirs[group][id];
        if (!m) { counts.added += 1; result[group][id] = Object.assign({}, t); return; }
        if (same(m, t)) return;
        let take = mode === "replace" || mode === "theirs";
        if (mode === "newer") {
          const tm = Date.parse(m.updated || ""), tt = Date.parse(t.updated || "");
          if (isNaN(tm) || isNaN(tt)) counts.undated += 1;
          else if (!(take = tt > tm)) counts.older += 1;
        }
        if (take) { counts.updated += 1; result[group][id] = Object.assign({}, t); }
      });
      if (mode === "replace") {
        Object.keys(mine[group]).forEach(function (id) { if (!theirs[group][id]) counts.removed += 1; });
      }
    });
    counts.changes = counts.added + counts.updated + counts.removed;
    return { answers: result, counts: counts };
  }
  let pending = null; // the file being previewed
  const dialog = document.querySelector("[data-kb-import-dialog]");
  function preview(read) {
    if (read.error) { say(read.error); return; }
    const name = read.name;
    pending = read;
    const file = read.file;
    const fill = function (slot, value) {
      dialog.querySelector("[data-kb-preview='" + slot + "']").textContent = value;
    };
    const given = function (value) {
      return typeof value === "string" && value ? shorten(value, 200) : strings.answers_not_given;
    };
    fill("file", name);
    fill("site", given(file.site));
    fill("edition", given(file.edition));
    fill("exported", validDate(file.exported) ? when(file.exported) : strings.answers_not_given);
    fill("items", format(strings.answers_count, { n: read.items }));
    fill("areas", format(strings.answers_count, { n: read.areas }));
    fill("unknown", read.unknown.length ? format(strings.answers_unknown_ids, {
      n: read.unknown.length, ids: read.unknown.slice(0, 10).join(", ") + (read.unknown.length > 10 ? ", …" : ""),
    }) : format(strings.answers_count, { n: 0 }));
    fill("ignored", format(strings.answers_count, { n: read.ignored }));
    const notes = [];
    // Another knowledge base by its storage key when the file names one (version 1 files name none), else by the
    // site's name in any language; another edition by its name in any language.
    const keyed = typeof file.kb === "string";
    const otherName = typeof file.site === "string" && file.site !== "" && known.sites.indexOf(file.site) < 0;
    if (keyed ? file.kb !== STORAGE_KEY : otherName) {
      notes.push(format(strings.answers_other_site, { site: given(file.site) }));
    }
    if (typeof file.edition === "string" && file.edition && known.editions.indexOf(file.edition) < 0) {
      notes.push(format(strings.answers_other_edition, { edition: shorten(file.edition, 200) }));
    }
    if (read.unknown.length) notes.push(format(strings.answers_unknown_kept, { n: read.unknown.length }));
    read.problems.slice(0, 20).forEach(function (problem) { notes.push(problem); });
    if (read.problems.length > 20) notes.push(format(strings.answers_more_problems, { n: read.problems.length - 20 }));
    const list = dialog.querySelector("[data-kb-preview='notes']");
    list.replaceChildren.apply(list, notes.map(function (note) {
      const entry = document.createElement("li");
      entry.textContent = note;
      return entry;
    }));
    dialog.querySelector("[data-kb-import-mode][value='newer']").checked = true;
    showPlanned();
    dialog.showModal();
  }
  function chosenMode() { return dialog.querySelector("[data-kb-import-mode]:checked").value; }
  function showPlanned() {
    // The counts of the chosen way of importing, and whether the browser can keep the result (tried, not guessed).
    const planned = planImport(answers, pending.answers, chosenMode());
    const c = planned.counts;
    // What a merge would change, and every differing answer it would not take: never "the same" when they differ.
    const kept = chosenMode() === "newer" ? c.older + c.undated : 0;
    const said = [];
    if (c.changes) {
      said.push(format(strings.answers_changes, { n: c.changes, added: c.added, updated: c.updated, removed: c.removed }));
    } else if (!kept) {
      said.push(strings.answers_no_change);
    }
    if (kept && c.older) said.push(format(strings.answers_older, { n: c.older }));
    if (kept && c.undated) said.push(format(strings.answers_undated, { n: c.undated }));
    dialog.querySelector("[data-kb-preview='changes']").textContent = said.join(" ");
    const serialized = serialize(planned.answers);
    const failure = probe(serialized);
    const size = dialog.querySelector("[data-kb-preview='size']");
    size.hidden = !failure;
    size.textContent = failure
      ? format(strings.answers_too_large, { size: serialized.length.toLocaleString(), reason: reason(failure) }) : "";
    dialog.querySelector("[data-kb-import='confirm']").disabled = Boolean(failure) || !c.changes;
  }
  function replaceAnswers(next, kind) {
    // Store `next` in place of the answers, with the answers before it kept for undo. "" when done; else why not,
    // with storage and the page as they were.
    const before = serialize(answers);
    const undoBefore = readKey(UNDO_KEY);
    const record = { kind: kind, at: new Date().toISOString(), answers: JSON.parse(before) };
    let failure = writeKey(UNDO_KEY, JSON.stringify(record));
    if (failure) {
      if (kind !== "reset" || !window.confirm(strings.answers_reset_no_undo)) return failure;
      removeKey(UNDO_KEY); // an older undo would now restore the wrong answers
    }
    failure = writeKey(STORAGE_KEY, serialize(next));
    if (failure) {
      if (readKey(STORAGE_KEY) !== before) writeKey(STORAGE_KEY, before);
      if (undoBefore === null) removeKey(UNDO_KEY);
      else writeKey(UNDO_KEY, undoBefore);
      return failure;
    }
    answers = next;
    return "";
  }
  function confirmImport() {
    const mode = chosenMode();
    const planned = planImport(answers, pending.answers, mode);
    const name = pending.name;
    pending = null;
    dialog.close("confirmed");
    const failure = replaceAnswers(planned.answers, "import");
    if (failure) {
      say(format(strings.answers_save_failed, { reason: reason(failure) }));
    } else {
      const how = mode === "replace" ? strings.answers_mode_replace : strings.answers_mode_merge;
      say(format(strings.answers_imported, { file: name, n: planned.counts.changes, mode: how }));
    }
    render();
  }
  if (dialog) {
    dialog.addEventListener("change", function (event) {
      if (event.target.matches("[data-kb-import-mode]") && pending) showPlanned();
    });
    dialog.addEventListener("click", function (event) {
      const button = event.target.closest("[data-kb-import]");
      if (!button || !pending) return;
      if (button.dataset.kbImport === "confirm") confirmImport();
      else dialog.close("cancelled");
    });
    dialog.addEventListener("close", function () {
      // Cancel, Escape or closed otherwise: nothing changes.
      if (pending) say(strings.answers_cancelled);
      pending = null;
    });
  }
  function importFile(input) {
    // A JSON answers file, or a workbook (by its name or its first bytes, a zip's "PK").
    const file = input.files && input.files[0];
    if (!file) return;
    const workbook = /\.xlsx$/i.test(file.name);
    if (workbook && file.size > XLSX_LIMIT) {
      say(format(strings.answers_refused_size, { file: file.name, size: file.size.toLocaleString(), max: XLSX_LIMIT.toLocaleString() }));
      input.value = "";
      return;
    }
    const reading = workbook
      ? Promise.all([zipTools(), file.arrayBuffer()]).then(function (loaded) {
        return readWorkbook(file.name, loaded[1], loaded[0]);
      })
      : file.text().then(function (text) { return readFile(file.name, text); });
    reading.then(preview, function () {
      say(format(workbook ? strings.answers_refused_xlsx : strings.answers_refused_json, { file: file.name }));
    }).finally(function () {
      input.value = "";
    });
  }

  // ---- roll-up: the answers files of many units side by side (the same reading as an import; nothing is stored and
  // nothing sent). generator/rollup.py makes the same figures as a workbook from the command line.
  const rollup = document.querySelector("[data-kb-rollup]");
  function readUnit(file) {
    // { name, unit, answers, unknown } or { name, error }
    if (file.size > XLSX_LIMIT) {
      return Promise.resolve({ name: file.name, error: format(strings.answers_refused_size, {
        file: file.name, size: file.size.toLocaleString(), max: XLSX_LIMIT.toLocaleString() }) });
    }
    const workbook = /\.xlsx$/i.test(file.name);
    const reading = workbook
      ? Promise.all([zipTools(), file.arrayBuffer()]).then(function (l) { return readWorkbook(file.name, l[1], l[0]); })
      : file.text().then(function (text) { return readFile(file.name, text); });
    return reading.then(function (read) {
      if (read.error) return { name: file.name, error: read.error };
      const meta = read.file;
      if (typeof meta.kb === "string" && meta.kb !== STORAGE_KEY) {
        return { name: file.name, error: format(strings.rollup_other_kb, { file: file.name, kb: shorten(meta.kb, 80) }) };
      }
      if (typeof meta.release === "string" && newer(meta.release, known.release)) {
        return { name: file.name, error: format(strings.rollup_newer, { file: file.name, release: shorten(meta.release, 40) }) };
      }
      const unit = typeof meta.unit === "string" && meta.unit.trim() ? meta.unit.trim().slice(0, 200)
        : file.name.replace(/\.[^.]*$/, "");
      return { name: file.name, unit: unit, answers: read.answers, unknown: read.unknown };
    }, function () {
      return { name: file.name, error: format(workbook ? strings.answers_refused_xlsx : strings.answers_refused_json, { file: file.name }) };
    });
  }
  function newer(release, current) {
    const parts = function (v) { return String(v).split(".").map(function (p) { return parseInt(p, 10) || 0; }); };
    const a = parts(release), b = parts(current || "0");
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
    }
    return false;
  }
  function element(name, text, className) {
    const made = document.createElement(name);
    if (text !== undefined) made.textContent = text;
    if (className) made.className = className;
    return made;
  }
  function table(caption, head, rows) {
    // rows: [[cell, …]] where a cell is text or { text, status, header }
    const holder = element("div", undefined, "kb-rollup__scroll");
    holder.tabIndex = 0; // scrollable by keyboard
    const made = element("table", undefined, "kb-table kb-rollup__table");
    made.append(element("caption", caption));
    const top = element("tr");
    head.forEach(function (text) { const th = element("th", text); th.scope = "col"; top.append(th); });
    made.append(element("thead"));
    made.tHead.append(top);
    const body = element("tbody");
    rows.forEach(function (row) {
      const line = element("tr");
      row.forEach(function (cell, index) {
        const given = isRecord(cell) ? cell : { text: cell };
        const td = element(index === 0 ? "th" : "td", given.text);
        if (index === 0) td.scope = "row";
        if (given.status !== undefined) td.dataset.kbStatus = given.status;
        line.append(td);
      });
      body.append(line);
    });
    made.append(body);
    holder.append(made);
    return holder;
  }
  function showRollup(units) {
    const list = rollup.querySelector("[data-kb-rollup-list]");
    list.replaceChildren.apply(list, units.map(function (u) {
      const n = u.error ? 0 : Object.keys(u.answers.items).length;
      return element("li", u.error || format(strings.rollup_read, { file: u.name, unit: u.unit, n: n }),
        u.error ? "kb-cl-warning" : "");
    }));
    const good = units.filter(function (u) { return !u.error; });
    const result = rollup.querySelector("[data-kb-rollup-result]");
    rolledUp = [];
    rollup.querySelector("[data-kb-rollup-export]").hidden = true;
    if (!good.length) { result.replaceChildren(); return; }
    const seen = {};
    good.forEach(function (u) { // two files of one unit: told apart by their file names
      seen[u.unit] = (seen[u.unit] || 0) + 1;
    });
    good.forEach(function (u) { if (seen[u.unit] > 1) u.unit += " (" + u.name + ")"; });
    const every = known.items;
    const count = function (u, ids) { return tally(ids, u.answers.items); };
    const units_ = good.map(function (u) { return u.unit; });
    const summary = data.checklists.map(function (c) { return [c.title, c.items]; }).concat([[strings.rollup_all, every]])
      .map(function (row) {
        return [row[0]].concat(good.map(function (u) { return format(strings.rollup_cell, count(u, row[1])); }));
      });
    const label = function (status) { return status ? data.statuses[status] : strings.unanswered; };
    const matrix = every.map(function (id) {
      return [id].concat(good.map(function (u) {
        const status = (u.answers.items[id] || {}).status || "";
        return { text: label(status), status: status };
      }));
    });
    const today = new Date().toISOString().slice(0, 10);
    const open = [];
    good.forEach(function (u) {
      every.forEach(function (id) {
        const a = u.answers.items[id] || {};
        if (a.status === "done" || a.status === "na") return;
        const late = a.due && a.due < today;
        open.push([id, u.unit, { text: label(a.status || ""), status: a.status || "" }, a.owner || "", a.due || "",
          late ? strings.rollup_overdue : ""]);
      });
    });
    const notes = good.filter(function (u) { return u.unknown.length; }).map(function (u) {
      return element("li", format(strings.rollup_gone, { unit: u.unit, ids: u.unknown.join(", ") }));
    });
    const noteList = element("ul", undefined, "kb-rollup__notes");
    noteList.replaceChildren.apply(noteList, notes);
    rolledUp = good;
    rollup.querySelector("[data-kb-rollup-export]").hidden = false;
    result.replaceChildren(
      element("h2", strings.rollup_summary),
      table(strings.rollup_summary, [data.columns.checklist].concat(units_), summary),
      element("h2", strings.rollup_open),
      table(strings.rollup_open, [data.columns.id, strings.rollup_unit, data.fields[0].label, FIELDS.owner.label,
        FIELDS.due.label, strings.rollup_overdue], open),
      element("h2", strings.rollup_matrix),
      table(strings.rollup_matrix, [data.columns.id].concat(units_), matrix),
      noteList);
  }

  // ---- the roll-up as a workbook, made in the browser: the sheets generator/rollup.py defines (SHEETS), which the
  // build writes with no unit as this page's template (assets/rollup-<language>.xlsx); filled here with rows of the
  // same fields as rollup.records makes them from the same files, so that the page and the command line give the same
  // workbook. Nothing is sent.
  const rollupSource = document.getElementById("kb-rollup-data");
  const rolled = rollupSource ? JSON.parse(rollupSource.textContent) : null;
  let rolledUp = [];
  function rollupRecords(units, day) {
    const said = rolled.labels;
    const text = function (id) { return data.items[id] ? data.items[id].text : ""; };
    const every = known.items;
    const summary = [];
    data.checklists.map(function (c) { return [c.title, c.items]; }).concat([[said.all, every]]).forEach(function (row) {
      units.forEach(function (u) {
        const counts = tally(row[1], u.answers.items);
        summary.push({ checklist: row[0], unit: u.unit, items: counts.items, done: counts.done,
          partial: counts.partial, todo: counts.todo, na: counts.na, open: counts.open, percent: counts.percent });
      });
    });
    const status = function (u, id) { return said[(u.answers.items[id] || {}).status || "open"]; };
    const matrix = every.map(function (id) {
      return { id: id, text: text(id), status: units.map(function (u) { return status(u, id); }) };
    });
    const open = [];
    units.forEach(function (u) {
      every.forEach(function (id) {
        const a = u.answers.items[id] || {};
        if (a.status === "done" || a.status === "na") return;
        open.push({ unit: u.unit, id: id, text: text(id), status: status(u, id), owner: a.owner, due: a.due,
          overdue: a.due && a.due < day ? said.overdue : undefined });
      });
    });
    const problems = units.filter(function (u) { return u.unknown.length; }).map(function (u) {
      return { unit: u.unit, file: u.name, problem: format(said.gone, { ids: u.unknown.join(", ") }) };
    });
    const map = rolled.controls.map(function (control) {
      const counts = shareOf(units, control.items);
      return { group: control.group, control: control.control, items: control.items.length, done: counts.done,
        applicable: counts.applicable, percent: counts.applicable ? Math.round((100 * counts.done) / counts.applicable) : 0,
        step: counts.applicable ? Number(shareStep(counts)) : undefined };
    });
    return { summary: summary, matrix: matrix, open: open, map: map, problems: problems };
  }
  function columnLetter(number) {
    let letters = "";
    for (let n = number; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
    return letters;
  }
  function namedStyle(styles, name) {
    // The cell format index (s=) of one of generator/sheets.py's named styles, as the template's styles.xml has it;
    // a named style no cell of the template uses gets its cell format here, made from the style's own.
    const named = Array.from(styles.getElementsByTagNameNS(MAIN, "cellStyle")).find(function (style) {
      return style.getAttribute("name") === name;
    });
    const xfId = named.getAttribute("xfId");
    const formats = styles.getElementsByTagNameNS(MAIN, "cellXfs")[0];
    const xfs = Array.from(formats.getElementsByTagNameNS(MAIN, "xf"));
    const found = xfs.findIndex(function (xf) { return xf.getAttribute("xfId") === xfId; });
    if (found >= 0) return String(found);
    const base = styles.getElementsByTagNameNS(MAIN, "cellStyleXfs")[0].getElementsByTagNameNS(MAIN, "xf")[Number(xfId)];
    const made = base.cloneNode(true);
    made.setAttribute("xfId", xfId);
    made.setAttribute("applyFill", "1");
    formats.append(made);
    formats.setAttribute("count", String(xfs.length + 1));
    return String(xfs.length);
  }
  function rowHeight(lines) {
    const m = layout.metrics;
    return String(Math.min(Math.ceil((lines * m.size * m.line_height + m.row_padding) * 4) / 4, m.max_height));
  }
  function madeCell(doc, reference, value, style) {
    // A cell as generator/sheets.py writes one: a number, an inline string (never a formula) or only its style.
    const cell = doc.createElementNS(MAIN, "c");
    cell.setAttribute("r", reference);
    cell.setAttribute("s", style);
    if (typeof value === "number") {
      const v = doc.createElementNS(MAIN, "v");
      v.textContent = String(value);
      cell.append(v);
    } else if (value !== undefined && value !== null && value !== "") {
      cell.setAttribute("t", "inlineStr");
      const holder = doc.createElementNS(MAIN, "is"), t = doc.createElementNS(MAIN, "t");
      t.setAttributeNS("http://www.w3.org/XML/1998/namespace", "xml:space", "preserve");
      t.textContent = String(value);
      holder.append(t);
      cell.append(holder);
    }
    return cell;
  }
  function fillRollupSheet(doc, sheet, records, units, styles) {
    // One sheet: its columns (one per unit where the definition says so), header, note, rows and ranges.
    const columns = [];
    sheet.parts.forEach(function (part) {
      if (part.per_unit) {
        units.forEach(function (u, n) { columns.push({ field: part.field, unit: n, width: part.width, header: u.unit }); });
      } else {
        columns.push({ field: part.field, unit: null, width: part.width, shaded: part.shaded });
      }
    });
    const last = columnLetter(columns.length);
    const cols = doc.getElementsByTagNameNS(MAIN, "cols")[0];
    cols.replaceChildren.apply(cols, columns.map(function (column, index) {
      const col = doc.createElementNS(MAIN, "col");
      [["width", column.width], ["customWidth", 1], ["min", index + 1], ["max", index + 1]].forEach(function (pair) {
        col.setAttribute(pair[0], String(pair[1]));
      });
      return col;
    }));
    const rows = doc.getElementsByTagNameNS(MAIN, "sheetData")[0];
    Array.from(rows.childNodes).forEach(function (row) {
      if (Number(row.getAttribute("r")) >= rolled.first_row) rows.removeChild(row);
    });
    let headerLines = 1;
    columns.forEach(function (column, index) {
      if (column.header === undefined) return;
      const header = cellOf(doc, columnLetter(index + 1) + rolled.header_row);
      header.setAttribute("s", styles.header);
      putText(doc, columnLetter(index + 1) + rolled.header_row, column.header);
      headerLines = Math.max(headerLines, textLines(column.header, column.width));
    });
    growRow(doc, rolled.header_row, headerLines);
    putText(doc, "A" + rolled.note_row, format(rolled.notes[sheet.name], { date: sheet.day }));
    records.forEach(function (record, index) {
      const number = rolled.first_row + index, row = doc.createElementNS(MAIN, "row");
      let lines = 1;
      row.setAttribute("r", String(number));
      columns.forEach(function (column, position) {
        const value = column.unit === null ? record[column.field] : record[column.field][column.unit];
        const style = column.shaded && record.step !== undefined ? styles.shares[record.step] : styles.cell;
        row.append(madeCell(doc, columnLetter(position + 1) + number, value, style));
        if (value !== undefined && value !== null) lines = Math.max(lines, textLines(String(value), column.width));
      });
      row.setAttribute("ht", rowHeight(lines));
      row.setAttribute("customHeight", "1");
      rows.append(row);
    });
    const end = rolled.first_row + records.length - 1;
    doc.getElementsByTagNameNS(MAIN, "dimension")[0].setAttribute("ref", "A1:" + last + Math.max(end, rolled.header_row));
    doc.getElementsByTagNameNS(MAIN, "autoFilter")[0].setAttribute("ref", "A" + rolled.header_row + ":" + last + end);
    doc.getElementsByTagNameNS(MAIN, "mergeCell")[0].setAttribute("ref", "A" + rolled.note_row + ":" + last + rolled.note_row);
    return "$A$" + rolled.header_row + ":$" + last + "$" + end;
  }
  function rollupWorkbook(template, zip, units, day) {
    const files = zip.unzipSync(new Uint8Array(template));
    const sheets = sheetsOf(files, zip);
    const styleDoc = parseXml(files["xl/styles.xml"], zip);
    const styles = { cell: namedStyle(styleDoc, "kb-cell"), header: namedStyle(styleDoc, "kb-header"),
      shares: [0, 1, 2, 3, 4].map(function (step) { return namedStyle(styleDoc, "kb-share-" + step); }) };
    const records = rollupRecords(units, day);
    const book = parseXml(files["xl/workbook.xml"], zip);
    const filters = Array.from(book.getElementsByTagNameNS(MAIN, "definedName")).filter(function (name) {
      return name.getAttribute("name") === "_xlnm._FilterDatabase";
    });
    rolled.sheets.forEach(function (sheet, index) {
      const path = sheets[index + 1].path, doc = parseXml(files[path], zip);
      const range = fillRollupSheet(doc, Object.assign({ day: day }, sheet), records[sheet.name], units, styles);
      const filter = filters.find(function (name) { return name.getAttribute("localSheetId") === String(index + 1); });
      if (filter) filter.textContent = filter.textContent.replace(/![^!]*$/, "!" + range);
      files[path] = zip.strToU8(XML_HEAD + new XMLSerializer().serializeToString(doc.documentElement));
    });
    const cover = parseXml(files[sheets[0].path], zip);
    putText(cover, rolled.facts.date, day);
    const listed = units.map(function (u) { return u.unit; }).join(rolled.list);
    putText(cover, rolled.facts.units, listed);
    const widthB = Array.from(cover.getElementsByTagNameNS(MAIN, "col")).find(function (col) {
      return col.getAttribute("min") === "2";
    });
    growRow(cover, Number(rolled.facts.units.slice(1)), textLines(listed, Number(widthB.getAttribute("width"))));
    files[sheets[0].path] = zip.strToU8(XML_HEAD + new XMLSerializer().serializeToString(cover.documentElement));
    files["xl/workbook.xml"] = zip.strToU8(XML_HEAD + new XMLSerializer().serializeToString(book.documentElement));
    files["xl/styles.xml"] = zip.strToU8(XML_HEAD + new XMLSerializer().serializeToString(styleDoc.documentElement));
    return zip.zipSync(files, { level: 6 });
  }
  function exportRollup(button) {
    const day = new Date().toISOString().slice(0, 10);
    const name = button.dataset.kbWorkbook.split("/").pop().replace(/\.xlsx$/, "") + "-" + day + ".xlsx";
    const units = rolledUp;
    Promise.all([zipTools(), fetch(button.dataset.kbWorkbook).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.arrayBuffer();
    })]).then(function (loaded) {
      download(name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        rollupWorkbook(loaded[1], loaded[0], units, day));
      say(format(strings.rollup_made, { file: name, n: units.length }));
    }).catch(function (error) {
      say(format(strings.xlsx_failed, { reason: error && error.message ? error.message : String(error) }));
    });
  }
  if (rollup) {
    rollup.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-kb-rollup-export]");
      if (button) exportRollup(button);
    });
    rollup.addEventListener("change", function (event) {
      if (!event.target.matches("input[data-kb-rollup-files]")) return;
      const files = Array.from(event.target.files || []);
      Promise.all(files.map(readUnit)).then(showRollup);
    });
  }

  // ---- reset and undo
  function reset(scope) {
    let message;
    if (scope === "all") message = strings.reset_all;
    else if (scope === "assessment") message = strings.reset_assessment;
    else message = format(strings.reset_checklist, { n: itemIds(scope).length });
    if (!window.confirm(message)) return;
    let next = copyAnswers(answers);
    if (scope === "all") next = emptyAnswers();
    else if (scope === "assessment") next.areas = Object.create(null);
    else itemIds(scope).forEach(function (id) { delete next.items[id]; });
    const failure = replaceAnswers(next, "reset");
    say(failure ? format(strings.answers_reset_failed, { reason: reason(failure) }) : strings.reset_done);
    if (!failure) counted();
    render();
  }
  function undo() {
    // The answers before the import or reset come back; those they replace are kept in turn, so that answers
    // given since (or the undo itself) can be had back with one more click.
    const record = readUndo();
    if (!record) return;
    const failure = replaceAnswers(record.answers, "undo");
    if (failure) say(format(strings.answers_undo_failed, { reason: reason(failure) }));
    else say(strings["answers_undone_" + record.kind]);
    render();
  }
  function downloadUnreadable() {
    if (!unreadable) return;
    download("checklist-answers-unreadable-" + today() + ".txt", "text/plain;charset=utf-8", unreadable.raw);
    if (!unreadable.key) {
      unreadable.key = "downloaded";
      save();
    }
  }
  function dismiss(button) {
    const box = button.closest("[data-kb-alert]");
    if (box.dataset.kbAlert === "remind") {
      exported.reminded = exported.changes;
      writeKey(EXPORTED_KEY, JSON.stringify(exported));
    }
    box.hidden = true;
    makeRoom();
  }

  const ACTIONS = {
    "export-csv": exportCsv,
    "export-json": exportJson,
    "export-xlsx": exportXlsx,
    print: function () { window.print(); },
    reset: reset,
    undo: undo,
    "download-corrupt": downloadUnreadable,
  };
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-kb-action]");
    if (!button) return;
    if (button.dataset.kbAction === "dismiss") { dismiss(button); return; }
    const scope = button.closest("[data-kb-scope]");
    ACTIONS[button.dataset.kbAction](scope ? scope.dataset.kbScope : "all", button);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[type=file][data-kb-action='import-json']")) importFile(event.target);
  });

  render();
  makeFieldsNearTheWindow();
})();
