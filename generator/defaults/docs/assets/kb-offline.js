// The site opened from a folder (file://: a file share, a USB stick, an extracted release), where browsers refuse
// fetch() and import(). The build wrote each file the search box reads as a script under kb-offline/ at the site
// root (generator/offline.py); here fetch() of a file of the site, and the search box's import of Pagefind, load
// that script when first asked for and hand over its bytes: the same files, read by the same code, as over HTTP.
// Over HTTP this does nothing.
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  const me = document.currentScript;
  const root = new URL(me.getAttribute("data-kb-site-root") || "./", location.href).href;
  const twins = root + "kb-offline/";
  const files = new Map();
  const modules = new Map();
  const loading = new Map();

  window.kbOfflineFile = function (path, data) { files.set(path, data); };
  window.kbOfflineModule = function (path, make) { modules.set(path, make); };

  // The site-relative path of a URL of this site, or null.
  function inSite(url) {
    const parsed = new URL(url, location.href);
    parsed.hash = "";
    parsed.search = "";
    return parsed.href.indexOf(root) === 0 ? decodeURIComponent(parsed.href.slice(root.length)) : null;
  }

  function load(path) {
    if (!loading.has(path)) {
      loading.set(path, new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = twins + path.split("/").map(encodeURIComponent).join("/") + ".js";
        script.onload = function () { script.remove(); resolve(); };
        script.onerror = function () {
          script.remove();
          loading.delete(path);
          reject(new TypeError("Failed to fetch " + path));
        };
        document.head.appendChild(script);
      }));
    }
    return loading.get(path);
  }

  function bytes(data) {
    const text = atob(data);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  const fetchFromServer = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const path = inSite(url);
    if (path === null) return fetchFromServer.call(window, input, init);
    return load(path).then(function () {
      if (!files.has(path)) throw new TypeError("Failed to fetch " + path);
      const type = /\.pagefind$/.test(path) ? "application/wasm" : "application/octet-stream";
      return new Response(bytes(files.get(path)), { status: 200, headers: { "Content-Type": type } });
    });
  };

  // What the search box calls instead of import(url) (docs/assets/kb-search.js).
  window.kbImport = function (url) {
    const path = inSite(url);
    return load(path).then(function () { return modules.get(path)(new URL(url, location.href).href); });
  };

  // Links made in the page (search results) to a folder: its index.html, as the build writes the page's own links.
  function toIndex(event) {
    const link = event.target.closest ? event.target.closest("a[href]") : null;
    if (link && link.protocol === "file:" && /\/$/.test(link.pathname)) link.pathname += "index.html";
  }
  document.addEventListener("click", toIndex, true);
  document.addEventListener("auxclick", toIndex, true);
})();
