// Checklists and the self-assessment in the browser: answers kept in localStorage by item id, progress, export as
// CSV and JSON, import of JSON, printing with the answers, and the draft risk response plan with its gap chart.
// No library and no request: everything comes from the JSON the page carries (#kb-checklist-data) and its fields.
(function () {
  "use strict";
  const STORAGE_KEY = "aviation-guideline-kb:answers"; // one key for both languages: they share the origin
  const FORMAT = "aviation-guideline-kb/answers"; // marks an exported file, so that import can recognise one
  const VERSION = 1;
  const ITEM_FIELDS = ["status", "owner", "note"];
  const LEVEL_FIELDS = ["current", "target"];
  const PLAN_FIELDS = ["action", "resources", "owner", "due", "evaluation"];
  const SVG = "http://www.w3.org/2000/svg";

  const source = document.getElementById("kb-checklist-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const strings = data.strings;
  const checklists = {};
  data.checklists.forEach(function (c) { checklists[c.id] = c; });

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) { return key in values ? String(values[key]) : whole; });
  }
  function say(message) {
    document.querySelectorAll("[data-kb-message]").forEach(function (p) { p.textContent = message; });
  }

  // ---- storage: { items: { "CL3-001": {status, owner, note} }, areas: { backup: {current, target, action, …} } }
  function emptyAnswers() { return { items: {}, areas: {} }; }
  function clean(raw) {
    // Keep only known keys and values: a stored value or an imported file may come from another version or elsewhere.
    const out = emptyAnswers();
    if (!raw || typeof raw !== "object") return out;
    Object.keys(raw.items || {}).forEach(function (id) {
      const given = raw.items[id];
      if (!/^[A-Z0-9][A-Z0-9.-]*$/.test(id) || !given || typeof given !== "object") return;
      const item = {};
      ITEM_FIELDS.forEach(function (field) {
        if (typeof given[field] === "string" && given[field] !== "") item[field] = given[field];
      });
      if (item.status && !(item.status in data.statuses)) delete item.status;
      if (Object.keys(item).length) out.items[id] = item;
    });
    Object.keys(raw.areas || {}).forEach(function (id) {
      const given = raw.areas[id];
      if (!/^[a-z0-9][a-z0-9-]*$/.test(id) || !given || typeof given !== "object") return;
      const area = {};
      LEVEL_FIELDS.forEach(function (field) {
        if (/^[0-4]$/.test(String(given[field]))) area[field] = Number(given[field]);
      });
      PLAN_FIELDS.forEach(function (field) {
        if (typeof given[field] === "string" && given[field] !== "") area[field] = given[field];
      });
      if (Object.keys(area).length) out.areas[id] = area;
    });
    return out;
  }
  function load() {
    try { return clean(JSON.parse(localStorage.getItem(STORAGE_KEY) || "null")); } catch (error) { return emptyAnswers(); }
  }
  let answers = load();
  function save() {
    try { localStorage.setItem(STORAGE_KEY, JSON.stringify(answers)); } catch (error) { say(strings.saved_failed); }
  }
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
  function showItems() {
    document.querySelectorAll("[data-kb-item]").forEach(function (element) {
      const answer = answers.items[element.dataset.kbItem] || {};
      element.querySelectorAll("[data-kb-field]").forEach(function (field) {
        setValue(field, answer[field.dataset.kbField] || "");
      });
      element.dataset.kbStatus = answer.status || "";
      const print = element.querySelector("[data-kb-print]");
      if (print) {
        print.textContent = format(strings.print_answer, {
          status: answer.status ? data.statuses[answer.status] : strings.unanswered,
          owner: answer.owner || "—",
          note: answer.note || "—",
        });
      }
    });
  }
  function itemIds(scope) {
    if (scope === "*" || scope === "all") return Object.keys(data.items);
    return checklists[scope] ? checklists[scope].items : [];
  }
  function tally(ids) {
    const counts = { done: 0, partial: 0, todo: 0, na: 0, open: 0 };
    ids.forEach(function (id) { counts[statusOf(id) || "open"] += 1; });
    counts.applicable = ids.length - counts.na;
    counts.percent = counts.applicable ? Math.round((100 * counts.done) / counts.applicable) : 0;
    return counts;
  }
  function showProgress() {
    document.querySelectorAll("[data-kb-progress]").forEach(function (element) {
      const counts = tally(itemIds(element.dataset.kbProgress));
      const text = format(strings.progress, counts);
      const shown = "kbProgressShort" in element.dataset ? format(strings.progress_short, counts) : text;
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
    return { action: action, resources: "", owner: "", due: "", evaluation: format(strings.plan_evaluation, values) };
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

  function render() {
    showItems();
    showProgress();
    showLevels();
    showPlan();
    showChart();
  }

  // ---- edits
  function edited(event) {
    const target = event.target;
    if (target.matches("[data-kb-field]")) {
      const id = target.closest("[data-kb-item]").dataset.kbItem;
      const record = answers.items[id] || {};
      setField(record, target.dataset.kbField, target.value);
      if (Object.keys(record).length) answers.items[id] = record;
      else delete answers.items[id];
    } else if (target.matches("[data-kb-level]")) {
      const id = target.closest("[data-kb-area]").dataset.kbArea;
      const record = answers.areas[id] || {};
      setField(record, target.dataset.kbLevel, target.value === "" ? "" : Number(target.value));
      answers.areas[id] = record;
    } else if (target.matches("[data-kb-plan-field]")) {
      const id = target.closest("[data-kb-plan-area]").dataset.kbPlanArea;
      const record = answers.areas[id] || {};
      setField(record, target.dataset.kbPlanField, target.value);
      answers.areas[id] = record;
    } else {
      return;
    }
    save();
    render();
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);
  // The same answers open in another tab or in the other language: show what was changed there.
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY) { answers = load(); render(); }
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
  function userText(value) {
    // Text typed by a person: a leading = + - @ would make a spreadsheet run it as a formula.
    return /^[=+\-@\t\r]/.test(value) ? "'" + value : value;
  }
  function csvFile(rows) {
    const lines = rows.map(function (row) {
      return row.map(function (value) {
        const text = value === undefined || value === null ? "" : String(value);
        return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
      }).join(",");
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n"; // UTF-8 with BOM, so that Excel reads Japanese correctly
  }
  function itemsCsv(scope) {
    const header = ["checklist", "id", "text", "source", "block", "actor", "wording", "status", "owner", "note"];
    const rows = [header.map(function (key) { return strings["csv_" + key]; })];
    data.checklists.filter(function (c) { return scope === "all" || c.id === scope; }).forEach(function (checklist) {
      checklist.items.forEach(function (id) {
        const item = data.items[id], answer = answers.items[id] || {};
        rows.push([checklist.id, id, item.text, item.source, item.block, item.actor, item.wording,
          answer.status ? data.statuses[answer.status] : "", userText(answer.owner || ""), userText(answer.note || "")]);
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
        PLAN_FIELDS.map(function (field) { return userText(planValue(gap, field)); })));
    });
    return rows;
  }
  function exportCsv(scope) {
    const rows = scope === "assessment" ? planCsv() : itemsCsv(scope);
    const name = scope === "assessment" ? "risk-response-plan" : "checklist-" + scope;
    download(name + "-" + data.language + "-" + today() + ".csv", "text/csv;charset=utf-8", csvFile(rows));
  }
  function exportJson() {
    const file = { format: FORMAT, version: VERSION, exported: new Date().toISOString(), items: answers.items, areas: answers.areas };
    download("checklist-answers-" + today() + ".json", "application/json", JSON.stringify(file, null, 1));
  }
  function importJson(input) {
    const file = input.files && input.files[0];
    if (!file) return;
    file.text().then(function (text) {
      const parsed = JSON.parse(text);
      if (!parsed || parsed.format !== FORMAT) throw new Error("not an answers file");
      answers = clean(parsed);
      save();
      render();
      say(format(strings.imported, { n: Object.keys(answers.items).length, areas: Object.keys(answers.areas).length }));
    }).catch(function () {
      say(strings.import_failed);
    }).finally(function () {
      input.value = "";
    });
  }
  function reset(scope) {
    let message;
    if (scope === "all") message = strings.reset_all;
    else if (scope === "assessment") message = strings.reset_assessment;
    else message = format(strings.reset_checklist, { n: itemIds(scope).length });
    if (!window.confirm(message)) return;
    if (scope === "all") answers = emptyAnswers();
    else if (scope === "assessment") answers.areas = {};
    else itemIds(scope).forEach(function (id) { delete answers.items[id]; });
    save();
    render();
    say(strings.reset_done);
  }
  const ACTIONS = {
    "export-csv": exportCsv,
    "export-json": exportJson,
    print: function () { window.print(); },
    reset: reset,
  };
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-kb-action]");
    if (button) ACTIONS[button.dataset.kbAction](button.closest("[data-kb-scope]").dataset.kbScope);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[type=file][data-kb-action='import-json']")) importJson(event.target);
  });

  render();
})();
