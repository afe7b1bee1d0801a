// Behaviour shared by every page: the list filters. No library, no request elsewhere.
(function () {
  "use strict";

  // The search dialog is docs/assets/kb-search.js.

  // ---- permalinks: the theme gives every element with a title in the content a tooltip of its own when the page
  // has loaded (content.tooltips), a cost that grows with the page (a heading each of a 1,200-control print page, of
  // a 287-item checklist). A heading's permalink keeps its title as its name for assistive technology (aria-label)
  // and the browser's own tooltip on hover, which costs nothing until then. This runs before the theme looks: the
  // script stands after the content and the theme mounts its tooltips when the document has loaded.
  document.querySelectorAll(".md-content a.headerlink[title]").forEach(function (link) {
    link.setAttribute("aria-label", link.title);
    link.removeAttribute("title");
  });
  document.addEventListener("pointerover", function (event) {
    const link = event.target.closest && event.target.closest("a.headerlink[aria-label]:not([title])");
    if (link) link.title = link.getAttribute("aria-label");
  });

  // ---- filters: an input with data-kb-filter="<selector of rows>" hides rows whose data-kb-text lacks the query
  function normalise(text) {
    // Width-, case- and kana-insensitive: ｱｸｾｽ, アクセス and あくせす match each other.
    return text.normalize("NFKC").toLowerCase().replace(/[\u30a1-\u30f6]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0x60);
    });
  }
  function applyFilter(input) {
    const rows = document.querySelectorAll(input.dataset.kbFilter);
    const query = normalise(input.value.trim());
    const selects = (input.dataset.kbFilterSelect || "").split(",").filter(Boolean)
      .map(function (s) { return document.querySelector(s); }).filter(Boolean);
    let shown = 0;
    rows.forEach(function (row) {
      const text = normalise((row.dataset.kbText || row.textContent));
      let visible = !query || query.split(/\s+/).every(function (q) { return text.includes(q); });
      selects.forEach(function (select) {
        // an attribute may hold several values, space-separated (a control with topics marked differently)
        if (select.value && (row.dataset[select.dataset.kbAttr] || "").split(" ").indexOf(select.value) < 0) visible = false;
      });
      if (row.hidden === visible) row.hidden = !visible; // only a change: a long table's rows are not touched on load
      if (visible) shown += 1;
    });
    if (input.dataset.kbFilterGroups) {
      document.querySelectorAll(input.dataset.kbFilterGroups).forEach(function (group) {
        const empty = !group.querySelector(input.dataset.kbFilter + ":not([hidden])");
        if (group.hidden !== empty) group.hidden = empty;
      });
    }
    const count = input.closest(".kb-filter").querySelector("[data-kb-filter-count]");
    if (count) count.textContent = shown + " / " + rows.length;
  }
  function setUpFilters() {
    document.querySelectorAll("[data-kb-filter]").forEach(function (input) {
      input.addEventListener("input", function () { applyFilter(input); });
      (input.dataset.kbFilterSelect || "").split(",").filter(Boolean).forEach(function (s) {
        const select = document.querySelector(s);
        if (select) select.addEventListener("change", function () { applyFilter(input); });
      });
      applyFilter(input);
    });
  }
  // ---- parts of a long page (the print page's chapters) not shown yet: hidden="until-found", which the browser
  // shows itself when find in page or a link to a place in it reaches it; here each as the reader scrolls near it.
  function showPart(element) {
    const part = element && element.closest("[data-kb-part][hidden]");
    if (part) part.hidden = false;
  }
  function setUpParts() {
    const parts = document.querySelectorAll("[data-kb-part][hidden]");
    if (!parts.length) return;
    if (!("onbeforematch" in document.body)) { // a browser without hidden="until-found" hides them outright: show all
      parts.forEach(function (part) { part.hidden = false; });
      return;
    }
    const near = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        near.unobserve(entry.target);
        entry.target.hidden = false;
      });
    }, { rootMargin: "100% 0px" });
    parts.forEach(function (part) { near.observe(part); });
  }
  // ---- language switch: the menu marks the page's language; a switch keeps the reader's place in the page. The
  // other language's page has the same headings in the same order: the place is the heading at the top of the window
  // (its position among the headings, and how far the window is past it), kept for the next page in this tab.
  const PLACE = "kb-language-place";
  function headings() {
    return Array.from(document.querySelectorAll("article h1, article h2, article h3, article h4"));
  }
  function setUpLanguages() {
    const here = document.documentElement.lang;
    document.querySelectorAll("a[data-kb-language]").forEach(function (link) {
      if (link.dataset.kbLanguage === here) link.setAttribute("aria-current", "true");
      link.addEventListener("click", function () {
        const all = headings();
        let at = 0;
        all.forEach(function (h, i) { if (!h.closest("[hidden]") && h.getBoundingClientRect().top <= 80) at = i; });
        const past = all.length ? -all[at].getBoundingClientRect().top : scrollY;
        try {
          sessionStorage.setItem(PLACE, JSON.stringify({to: link.dataset.kbLanguage, heading: at, past: past,
            share: scrollY / Math.max(1, document.documentElement.scrollHeight - innerHeight)}));
        } catch (e) { /* storage refused: the page opens at its top */ }
      });
    });
    let place = null;
    try {
      place = JSON.parse(sessionStorage.getItem(PLACE) || "null");
      sessionStorage.removeItem(PLACE);
    } catch (e) { place = null; }
    if (!place || place.to !== here || location.hash) return;
    const target = headings()[place.heading];
    showPart(target);
    const top = target ? target.getBoundingClientRect().top + scrollY + place.past
      : place.share * (document.documentElement.scrollHeight - innerHeight);
    window.scrollTo(0, Math.max(0, top));
  }
  function setUp() {
    setUpParts();
    setUpFilters();
    setUpLanguages();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
