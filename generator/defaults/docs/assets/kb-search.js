// The search dialog, over Pagefind's JavaScript API, and the highlight of the searched words on the page a result
// leads to. Static files only: Pagefind's bundle and assets/search-words.json.gz, both built with the site.
//
// Why not Pagefind's own UI: Pagefind cuts a Japanese query with the browser's Intl.Segmenter, while its index was
// cut with another dictionary (Lindera); the two disagree (Chromium cuts サイバー into サイ|バー, the index keeps
// サイバー) and Pagefind requires every piece (Pagefind issue #1237). Here the query is cut into runs of one script,
// by the same rule as generator/search.py, which wrote the runs of every page into its index; Pagefind is told not
// to cut the query again (see `start`). Each word is then looked up alone: a word with no page is tried in its other
// spellings (kana, long vowel, small kana), then corrected from the site's words; when the words together find few
// pages, the pages that match most of them follow, marked as such.
(function () {
  "use strict";

  // ---- the words of a text: the same rule as generator/search.py (keep the ranges in step)
  const KATAKANA = "\u30a1-\u30fa\u30fc-\u30fe";
  const HIRAGANA = "\u3041-\u3096\u309d\u309e\u30fc";
  const KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005-\u3007";
  const RUN = new RegExp("[" + KATAKANA + "]+|[" + HIRAGANA + "]+|[" + KANJI + "]+|[a-z0-9]+", "g");
  const ONLY_HIRAGANA = new RegExp("^[" + HIRAGANA + "]+$");
  const ONLY_KATAKANA = new RegExp("^[" + KATAKANA + "]+$");
  const ONLY_KANJI = new RegExp("^[" + KANJI + "]+$");
  // Words of a question that say nothing about its subject (particles, question words): never required of a page.
  // The ui string search.stop_words of the page's language, from the words file.
  let STOP = new Set();
  // How the language's words change their endings ([ending, forms]: the ui string search.inflections, from the words
  // file): a reader's word that ends in a form is also its stem with the ending (locked → lock, wiping → wipe).
  let INFLECT = [];
  // The words that only mark a section number (第, 章, section, s) and the numerals one to ten (二, ii): the ui strings
  // search.number_words and search.numerals of the page's language, from the words file.
  let NUMBER_WORDS = new Set();
  let NUMERALS = [];
  function uninflected(word) {
    const out = [];
    INFLECT.forEach(function (rule) {
      rule[1].forEach(function (form) {
        const stem = word.slice(0, -form.length) + rule[0];
        if (word.length > form.length && word.slice(-form.length) === form && stem.length >= 3) out.push(stem);
      });
    });
    return out;
  }

  // A text as a pattern that matches it as written (the highlight's words, a phrase's stem and forms)
  function patternOf(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  function normalise(text) {
    return text.normalize("NFKC").toLowerCase();
  }
  function runs(text) {
    return normalise(text).match(RUN) || [];
  }
  function queryWords(text) {
    return runs(text).filter(function (w) {
      return !STOP.has(w) && !(ONLY_HIRAGANA.test(w) && w.length === 1) && w !== "ー";
    });
  }
  // An id as any reader types it, one key (generator/search.py id_key): CL4-039, cl4-39 → cl-4-39; IA-5(1) → ia-5-1.
  function idKey(text) {
    return (normalise(text).match(/[a-z]+|[0-9]+/g) || []).map(function (p) {
      return /^[0-9]+$/.test(p) ? String(parseInt(p, 10)) : p;
    }).join("-");
  }
  // A query shaped like an id: one token of letters, digits and - . ( ), with a digit or a joining sign in it.
  const ID_SHAPED = /^[a-z0-9]+(?:[-.‐‑–_]?[a-z0-9]+|\([a-z0-9]+\))*$/;
  function idShaped(text) {
    const t = normalise(text).trim();
    return ID_SHAPED.test(t) && /[0-9\-._(]/.test(t) && /[a-z]/.test(t);
  }

  // A word in Latin letters without its plural ending (backups → backup, patches → patch, policies → policy; not
  // access, virus, analysis): the one rule wherever a plural is typed for the word of a title, a term, a kind's name,
  // a synonym, or marked on the page.
  function singular(word) {
    if (!/^[a-z]{3,}s$/.test(word) || /(ss|us|is)$/.test(word)) return word;
    if (/ies$/.test(word)) return word.slice(0, -3) + "y";
    if (/(ch|sh|x|z|ss)es$/.test(word)) return word.slice(0, -2);
    return word.slice(0, -1);
  }

  // ---- other spellings of a word, most likely first
  function toKatakana(word) {
    return word.replace(/[\u3041-\u3096]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) + 0x60); });
  }
  function toHiragana(word) {
    return word.replace(/[\u30a1-\u30f6]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0x60); });
  }
  // Loanword spellings that writers use interchangeably (ウイルス/ウィルス, マルウエア/マルウェア, ファイアウォール/ファイヤーウォール).
  const SPELLINGS = [["ウィ", "ウイ"], ["ウェ", "ウエ"], ["ウォ", "ウオ"], ["ヴァ", "バ"], ["ヴィ", "ビ"], ["ヴ", "ブ"],
    ["ティ", "テイ"], ["ディ", "デイ"], ["ファ", "フア"], ["フィ", "フイ"], ["フェ", "フエ"], ["イヤー", "イア"],
    ["イヤ", "イア"], ["ジェ", "ジエ"], ["シェ", "シエ"], ["チェ", "チエ"]];
  // British and American spellings (prioritise/prioritize, defence/defense, behaviour/behavior, centre/center).
  const ENGLISH = [["isation", "ization"], ["ise", "ize"], ["yse", "yze"], ["our", "or"], ["ence", "ense"],
    ["tre", "ter"], ["ogue", "og"], ["e-mail", "email"]];
  function variants(word) {
    const out = [];
    function add(v) { if (v && v !== word && out.indexOf(v) < 0) out.push(v); }
    if (ONLY_HIRAGANA.test(word)) add(toKatakana(word));
    if (ONLY_KATAKANA.test(word)) add(toHiragana(word));
    const kata = ONLY_HIRAGANA.test(word) ? toKatakana(word) : word;
    if (/[\u30a1-\u30fa]ー$/.test(kata)) add(kata.slice(0, -1)); // サーバー → サーバ
    else if (/[\u30a1-\u30fa]$/.test(kata)) add(kata + "ー"); // サーバ → サーバー
    for (let i = kata.indexOf("ー"); i > 0; i = kata.indexOf("ー", i + 1)) add(kata.slice(0, i) + kata.slice(i + 1));
    SPELLINGS.forEach(function (pair) {
      [[pair[0], pair[1]], [pair[1], pair[0]]].forEach(function (p) {
        if (kata.indexOf(p[0]) >= 0) {
          const v = kata.split(p[0]).join(p[1]);
          add(v);
          if (/ー$/.test(v)) add(v.slice(0, -1));
          else if (/[\u30a1-\u30fa]$/.test(v)) add(v + "ー");
        }
      });
    });
    add(singular(word)); // backups → backup
    uninflected(word).forEach(add); // locked → lock
    if (/^[a-z]+$/.test(word)) {
      ENGLISH.forEach(function (pair) {
        [[pair[0], pair[1]], [pair[1], pair[0]]].forEach(function (p) {
          if (word.indexOf(p[0]) > 0) add(word.split(p[0]).join(p[1]));
        });
      });
    }
    return out;
  }

  // Romaji written without its long vowels, as most readers type it (rimoto → リモト for リモート; konpyuta): the
  // word with a long vowel after one of its kana, then after two, nearest the end first.
  function longVowels(word) {
    const after = [];
    for (let i = word.length - 1; i >= 0; i--) {
      if (/[\u30a1-\u30fa]/.test(word[i]) && !/[ンッー]/.test(word[i]) && !/[ァィゥェォャュョー]/.test(word[i + 1] || "")) {
        after.push(i + 1);
      }
    }
    const out = after.map(function (i) { return word.slice(0, i) + "ー" + word.slice(i); });
    if (word.length <= 8) {
      after.forEach(function (i, a) {
        after.slice(a + 1).forEach(function (j) { out.push(word.slice(0, j) + "ー" + word.slice(j, i) + "ー" + word.slice(i)); });
      });
    }
    return out;
  }

  // A long vowel mark as a reading writes it, by the vowel of the kana before it (こー → こう, くー → くう, けー → けい).
  const LONG = { a: "あ", i: "い", u: "う", e: "い", o: "う" };
  function spoken(hiragana, wanakana) {
    return hiragana.replace(/(.)ー/g, function (_, kana) { return kana + (LONG[wanakana.toRomaji(kana).slice(-1)] || "ー"); });
  }

  // A reading as readers type it in Latin letters (generator/search.py `loose`): without the long-vowel mark, and
  // without a vowel kana that lengthens the vowel before it (the same vowel, う after o, い after e): yokanri and
  // ようかんり are both よかんり. `vowels`: each hiragana → its vowel (from the words file).
  function loose(hiragana, vowels) {
    let out = "";
    let last = "";
    for (const c of hiragana.replace(/ー/g, "")) {
      const vowel = vowels.get(c) || "";
      if ("あいうえおぁぃぅぇぉ".indexOf(c) >= 0 && last && (vowel === last || (last === "o" && vowel === "u") ||
        (last === "e" && vowel === "i"))) continue;
      out += c;
      last = vowel;
    }
    return out;
  }

  // Edit distance with adjacent transpositions (optimal string alignment), stopping early beyond `limit`.
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    let previous2 = null;
    let previous = Array.from({ length: b.length + 1 }, function (_, j) { return j; });
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      let best = i;
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        let value = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
        if (previous2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          value = Math.min(value, previous2[j - 2] + 1);
        }
        row.push(value);
        if (value < best) best = value;
      }
      if (best > limit) return limit + 1;
      previous2 = previous;
      previous = row;
    }
    return previous[b.length];
  }
  function allowedDistance(word) {
    return word.length <= 2 ? 0 : word.length <= 5 ? 1 : word.length <= 9 ? 2 : 3;
  }

  // ---- section numbers in any form: 5.6.1, 5-6-1, ５．６．１, 5.6.1項, 第5章, 5章3節1, section 5.6.1, s3.7: digits,
  // and between them nothing but separators and the language's number words
  const NUMBER_SEPARATORS = /[\s.\-‐‑–—―−ー・,、§]+/;
  function sectionNumber(query) {
    const pieces = normalise(query).trim().split(/(\d+)/);
    const digits = pieces.filter(function (piece, i) { return i % 2 === 1; });
    const marks = pieces.filter(function (piece, i) { return i % 2 === 0; }).join(" ").split(NUMBER_SEPARATORS);
    const only = marks.every(function (mark) { return !mark || NUMBER_WORDS.has(mark); });
    return digits.length && only ? digits.join(".") : null;
  }
  // A label's number written as a numeral (別紙二, annex ii) → the label with the digit (別紙 2, annex 2), the key of
  // the words file's sections
  function numberedLabel(text) {
    const parts = runs(text);
    const last = parts.pop() || "";
    for (const numerals of NUMERALS) {
      for (let n = numerals.length; n >= 1; n -= 1) {
        const numeral = numerals[n - 1];
        if (last === numeral && parts.length) return parts.concat([String(n)]).join(" ");
        if (last.length > numeral.length && last.endsWith(numeral) && ONLY_KANJI.test(last)) {
          return parts.concat([last.slice(0, -numeral.length), String(n)]).join(" ");
        }
      }
    }
    return null;
  }
  // A section number beside other words, at the start or the end of the query (4.2.1 vendors, background chapter 1):
  // the number as sectionNumber reads it, when it is written with a separator or a number word (a bare digit beside
  // words, "5 steps", is a count)
  function numberBesideWords(text) {
    const parts = normalise(text).trim().split(/\s+/);
    for (let k = Math.min(3, parts.length - 1); k >= 1; k -= 1) {
      for (const piece of [parts.slice(0, k).join(" "), parts.slice(parts.length - k).join(" ")]) {
        const number = sectionNumber(piece);
        if (number && (number.indexOf(".") >= 0 || /\D/.test(piece.replace(/\s/g, "")))) return number;
      }
    }
    return null;
  }

  // ---- the engine: Pagefind, the words file, and the query plan
  const dialog = document.getElementById("kb-search");
  let engine = null;
  const TITLE_BOOST = 1; // the query as a phrase of a page's title counts as much as the best match in a text
  const WORDS_IN_TITLE = 0.3; // … its words in the title, in another order or apart, this share of it (half or more
  // of them: that share of this)
  const TITLE_FLOOR = 0.5; // a title match of a lighter kind (a template, a page of the site's own) weighs at least this
  const FEW = 3; // fewer pages than this with every word: the pages with most of the words follow
  const LISTING_AFTER = 4; // a listing page (the glossary) for a query of several words comes after this many others
  const FAR_BETTER = 4; // a page scored this many times the best of the weightier kinds keeps its full weight
  const LOOSE = 1.5; // a page that has the words of a query that name no topic: its rank this much higher
  const SLIP = 6; // a word no page has, this long or longer, beside words found, is corrected when one slip from one

  function Engine(bundle, wordsUrl, root, kanaUrl) {
    this.bundle = bundle;
    this.root = root;
    this.cache = new Map(); // Pagefind query → its results
    // a result → its page's data (text, title, the headings its words are under), once per query: the same page found
    // by another query has other headings matched (Pagefind keeps each page's file once loaded)
    this.pages = new WeakMap();
    this.ready = this.start(bundle);
    this.words = fetch(wordsUrl).then(readWords).catch(function () { return {}; });
    this.kanaUrl = kanaUrl;
  }

  // wanakana (vendored from npm): romaji typed for kana, kuraudo → クラウド. Loaded the first time a word needs it.
  Engine.prototype.kana = function () {
    const url = this.kanaUrl;
    if (!this.wanakana) {
      this.wanakana = url ? new Promise(function (resolve) {
        const script = document.createElement("script");
        script.src = url;
        script.onload = function () { resolve(window.wanakana || null); };
        script.onerror = function () { resolve(null); };
        document.head.appendChild(script);
      }) : Promise.resolve(null);
    }
    return this.wanakana;
  };

  // The words file is gzip-compressed JSON (a quarter of the size). A server that sends it with
  // Content-Encoding: gzip has the browser inflate it already; otherwise it is inflated here.
  async function readWords(response) {
    if (!response.ok) return {};
    const bytes = new Uint8Array(await response.arrayBuffer());
    let stream = new Blob([bytes]).stream();
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) stream = stream.pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  Engine.prototype.start = async function (bundle) {
    // Opened from a folder, kb-offline.js gives Pagefind's module instead (browsers refuse import() on file://).
    const pagefind = await (window.kbImport || function (url) { return import(url); })(bundle + "pagefind.js");
    await pagefind.options({
      excerptLength: 26,
      // Our metadata (generator/search.py): the synonyms of the terms a page uses count as a mention; its other
      // words and the everyday words of its words mostly let it be found; a title match is weighed by `ranked`
      // below, not by Pagefind (whose title weight would count it many times over).
      ranking: {
        metaWeights: {
          title: 0.0, kind: 0.0, kb_title: 0.1, kb_synonyms: 1.5, kb_words: 0.6, kb_related: 0.4, kb_topics: 0.6, kb_other: 0.5,
          kb_task: 3,
        },
      },
    });
    // Pagefind cuts the query of a Japanese (Chinese, Thai) page with Intl.Segmenter, for the language it reads
    // from <html lang> when it starts. We cut the query ourselves: for that moment only, the language is given a
    // form that Intl cannot read ("ja-x"), which Pagefind still matches to the "ja" index (by the part before the
    // hyphen) but does not segment. A language with a region or script (zh-Hant) keeps Pagefind's segmentation:
    // its index would not be found by the part before the hyphen; the tails of its runs are indexed all the same.
    const html = document.documentElement;
    const lang = html.getAttribute("lang") || "";
    const own = /^(ja|zh|th)$/i.test(lang);
    if (own) html.setAttribute("lang", lang.split("-")[0] + "-x");
    try {
      pagefind.init();
    } finally {
      if (own) html.setAttribute("lang", lang);
    }
    this.pagefind = pagefind;
    return pagefind;
  };

  // Pagefind's results for a query (its words separated by spaces, all required), optionally only the pages of a
  // filter ({kind: "template"}; {own: "yes"}: the site's own pages and those that say what they are for).
  Engine.prototype.search = async function (text, filters) {
    const key = text + "\u0000" + JSON.stringify(filters || {});
    if (this.cache.has(key)) return this.cache.get(key);
    const self = this;
    const promise = this.ready.then(function (pagefind) {
      return pagefind.search(text, filters ? { filters: filters } : {});
    }).then(function (response) {
      return response ? response.results : [];
    });
    this.cache.set(key, promise);
    return promise.catch(function (error) { self.cache.delete(key); throw error; });
  };

  // The results of a query ranked our way. Pagefind's score (BM25 over the text, plus its metadata boosts) counts,
  // relative to the best result, weighted by the page's kind (generator/search.py), gently, so that the guideline's
  // sections come before the tool pages that repeat them, but a far better match wins; a page whose title holds the
  // query gains as much as the best text match (less when the title has its words but not as a phrase, less again
  // when it has only some of them), weighted by its kind too, but a light kind's title counts at least TITLE_FLOOR:
  // a template or a page of the site's own named by the query is not buried under every mention. The glossary counts
  // fully only when the query is a bare term.
  Engine.prototype.ranked = async function (words, terms, bare, only, sentence) {
    const text = terms.join(" ");
    const results = await this.search(text, only && { kind: only });
    if (!results.length) return [];
    const kinds = Object.assign({}, words.kinds || {});
    if (kinds.glossary && !bare) kinds.glossary /= 2;
    const names = Object.keys(kinds);
    const members = await Promise.all(names.map(function (kind) { return this.search(text, { kind: kind }); }, this));
    const weight = new Map();
    const kindName = new Map();
    names.forEach(function (kind, i) {
      members[i].forEach(function (r) { weight.set(r.id, kinds[kind]); kindName.set(r.id, kind); });
    });
    const listings = words.listings || [];
    const lowest = names.length ? Math.min.apply(null, names.map(function (k) { return kinds[k]; })) : 1;
    function inTitle(list) {
      return new Set(list.filter(function (r) {
        return (r.matchedMetaFields || []).indexOf("kb_title") >= 0;
      }).map(function (r) { return r.id; }));
    }
    // The query as a phrase of the title (the title's words are also indexed written together, by their tails),
    // asked of Pagefind only when a section's title has it: Pagefind would otherwise match the phrase by a word that
    // begins it (制御 for 制御システム), which is no phrase.
    const joined = terms.join("");
    const known = terms.length === 1 || (this.titles || []).some(function (t) { return t.indexOf(joined) >= 0; });
    const phrase = known ? inTitle(terms.length > 1 ? await this.search(joined) : results) : new Set();
    const each = await Promise.all(terms.map(function (t) { return terms.length > 1 ? this.search(t) : results; }, this));
    const sets = each.map(inTitle);
    // (a word is in a title that has a word of the same meaning: a term's synonym, an everyday word of its group; drill
    // in Exercises and training, budget in 資源の確保's English title's words it holds)
    const synonyms = words.synonyms || {};
    await Promise.all(terms.map(async function (t, i) {
      const same = synonyms[t] || synonyms[singular(t)] || [];
      const found = await Promise.all(same.map(function (name) {
        const asked = queryWords(name);
        return asked.length ? this.search(asked.join(" ")) : [];
      }, this));
      found.forEach(function (list) { inTitle(list).forEach(function (id) { sets[i].add(id); }); });
    }, this));
    // (a sentence of which one word only is in some page's title: a title that has it is as if it were asked alone,
    // CSIRTって何をするチーム → 4.7 CSIRT等の整備, as CSIRT does)
    const titled = sentence ? sets.filter(function (set) { return set.size > 0; }) : [];
    const one = titled.length === 1 && sets.length > 1 ? titled[0] : new Set();
    const best = results.reduce(function (m, r) { return Math.max(m, r.score); }, 0) || 1;
    const kindOf = function (r) { return weight.has(r.id) ? weight.get(r.id) : lowest; };
    return results.map(function (r) {
      let kind = kindOf(r);
      // A far better match than every page of a weightier kind is not weighed down; but a page that lists every term or
      // document (the glossary) holds every word, and is never a far better match for that.
      const above = results.reduce(function (m, o) { return kindOf(o) > kind ? Math.max(m, o.score) : m; }, 0);
      if (kind < 1 && r.score >= FAR_BETTER * above && listings.indexOf(kindName.get(r.id)) < 0) kind = 1;
      // (a title that has half the words or more: board oversight of cyber risk → Cybersecurity as a management risk)
      const part = share(sets, r.id);
      const title = phrase.has(r.id) || one.has(r.id) ? TITLE_BOOST : part >= 0.5 ? TITLE_BOOST * WORDS_IN_TITLE * part : 0;
      const rank = kind * r.score / best + title * Math.max(kind, TITLE_FLOOR);
      return { result: r, rank: rank, listing: listings.indexOf(kindName.get(r.id)) >= 0 };
    }).sort(function (a, b) { return b.rank - a.rank; });
  };

  // The share of a query's words that a page has: `sets`, each word's pages (their ids).
  function share(sets, id) {
    return sets.filter(function (set) { return set.has(id); }).length / sets.length;
  }

  // Does a word name a topic (as typed or without its plural): is it a word of the sections' and pages' titles or of
  // the glossary's terms, or the end of one in kana or kanji, as the index has a title's words (開示 of 情報開示)? Not of
  // a checklist's items, whose ids lead into a page: their texts are sentences.
  Engine.prototype.topic = function (words, word) {
    if (!this.topics) {
      const sections = words.sections || {};
      const ids = words.ids || {};
      const pages = Object.keys(ids).filter(function (k) { return ids[k][0].indexOf("#") < 0; });
      const names = Object.keys(sections).map(function (n) { return sections[n][2] || ""; })
        .concat((words.terms || []), pages.map(function (k) { return ids[k][1]; }));
      const tails = function (run) {
        return /^[a-z0-9]+$/.test(run) ? [run] : run.split("").map(function (_, i) { return run.slice(i); }).slice(0, -1);
      };
      this.topics = new Set([].concat.apply([], [].concat.apply([], names.map(runs)).map(tails)));
    }
    return this.topics.has(word) || this.topics.has(singular(word));
  };

  // How many pages the index holds (of every kind, from Pagefind's filter counts): how rare a word is.
  Engine.prototype.total = async function () {
    if (!this.pageCount) {
      this.pageCount = this.ready.then(function (pagefind) { return pagefind.filters(); }).then(function (filters) {
        const kinds = (filters && filters.kind) || {};
        return Object.keys(kinds).reduce(function (n, k) { return n + kinds[k]; }, 0) || 1;
      });
    }
    return this.pageCount;
  };

  // Is `word` one of the site's words, or part of one? The vocabulary is every word the index holds (the words
  // file). Pagefind also "finds" a word that no page has, by a shorter word it begins with (offboarding by of): such
  // a match is a guess, not a find.
  Engine.prototype.known = function (words, word) {
    if (!words.words || /^\d+$/.test(word)) return true;
    if (!this.vocabulary) {
      this.vocabulary = words.words.concat(Object.keys(words.synonyms || {})).map(normalise);
      this.whole = new Set(this.vocabulary);
      this.knownWords = new Map();
    }
    if (!this.knownWords.has(word)) {
      this.knownWords.set(word, this.whole.has(word) || this.vocabulary.some(function (w) { return w.indexOf(word) >= 0; }));
    }
    return this.knownWords.get(word);
  };

  // How little a word says of what is asked: 2 for a stop word or a run of hiragana that names nothing (がやるべき
  // ことは, への, との: endings and particles, which the text and titles have between their words, but no term, synonym
  // or reading is), left out while other words remain; 1 for one character or a number among words (切 of 切り替え),
  // left out when no page has every word; 0 for the others.
  Engine.prototype.weak = function (words, word) {
    this.known(words, word);
    const names = ONLY_HIRAGANA.test(word) && ((words.terms || []).indexOf(word) >= 0 || (words.synonyms || {})[word] ||
      (words.readings || {})[word]);
    if (STOP.has(word) || (ONLY_HIRAGANA.test(word) && !names)) return 2;
    return word.length === 1 || /^\d+$/.test(word) ? 1 : 0;
  };

  // The words of a query: its runs, a phrase kept whole where it is a synonym or an everyday word of the site one
  // of whose runs alone says little (立ち上げ, 閉じる, ひな形: 立, 上, 閉, ひな); the index has it whole too.
  Engine.prototype.tokens = function (words, text) {
    if (!this.phrases) {
      this.phrases = (words.phrases || []).slice().sort(function (a, b) { return b.length - a.length; });
    }
    let rest = normalise(text);
    const found = [];
    // (a phrase is no end of a compound with okurigana: 消す of 取り消す)
    const compound = words.okurigana ? new RegExp("^" + words.okurigana + "$") : null;
    const inside = function (at, whole) { return compound && at >= 2 && compound.test(whole.slice(at - 2, at + 1)); };
    this.phrases.forEach(function (phrase) {
      if (rest.indexOf(phrase) < 0) return;
      rest = rest.split(phrase).reduce(function (done, part, i, parts) {
        if (i === 0) return part;
        const at = done.length;
        const whole = done + phrase + parts.slice(i).join(phrase);
        if (inside(at, whole)) return done + phrase + part;
        if (found.indexOf(phrase) < 0) found.push(phrase);
        return done + " " + part;
      }, "");
    });
    // A compound with okurigana is its kanji, as the index has it for every form (取り組み, 取組み, 取組 → 取組), alone
    // or in a sentence (部外者の立ち入り: 立入), where its kanji alone would be left out beside longer words.
    // (the pattern is the generator's, from the words file: generator/search.py OKURIGANA_COMPOUND)
    const self = this;
    if (words.okurigana && !this.okurigana) this.okurigana = new RegExp(words.okurigana, "g");
    const keyed = !this.okurigana ? rest : rest.replace(this.okurigana, function (compound) {
      const key = compound[0] + compound[2];
      self.known(words, key);
      return self.whole.has(key) ? " " + key + " " : compound;
    });
    rest = keyed;
    // A phrase as the language inflects it (辞める in 辞めた人, 返す in 返して): its stem, not after a kanji, and a form of
    // its ending (search.inflections).
    if (!this.inflected) {
      this.inflected = this.phrases.map(function (phrase) {
        const rule = INFLECT.filter(function (r) { return r[0] && phrase.slice(-r[0].length) === r[0]; })[0];
        const stem = rule ? phrase.slice(0, -rule[0].length) : "";
        if (!stem || !/[^\u3041-\u309f]/.test(stem)) return null;
        return new RegExp("(?<![" + KANJI + "])" + patternOf(stem) + "(?:" + rule[1].map(patternOf).join("|") + ")", "g");
      });
    }
    this.inflectedWords = new Set();
    // (nor the end of a compound with okurigana the site does not have: 消し of 取り消して)
    this.phrases.forEach(function (phrase, i) {
      const pattern = this.inflected[i];
      if (!pattern) return;
      rest = rest.replace(pattern, function (match, at, whole) {
        if (inside(at, whole)) return match;
        if (found.indexOf(phrase) < 0) found.push(phrase);
        self.inflectedWords.add(phrase);
        return " ";
      });
    }, this);
    return found.concat(runs(rest).filter(function (w) {
      return w !== "ー" && !(ONLY_HIRAGANA.test(w) && w.length === 1);
    }));
  };

  // An unknown compound of kanji cut by the site's own words, longest first (机上訓練 → 机上 訓練, 台攻撃 → 台 攻撃);
  // null if a piece is no word of the site (飛行機雲). (A word in kana or Latin letters is one word: corrected.)
  Engine.prototype.split = function (words, word) {
    if (word.length < 3 || !ONLY_KANJI.test(word)) return null;
    const pieces = [];
    let rest = word;
    while (rest.length) {
      let size = rest.length === word.length ? rest.length - 1 : rest.length;
      while (size > 0 && !this.known(words, rest.slice(0, size))) size -= 1;
      if (!size) return null;
      pieces.push(rest.slice(0, size));
      rest = rest.slice(size);
    }
    return pieces.some(function (p) { return p.length > 1; }) ? pieces : null;
  };

  // A compound of kanji that is no word of the site, one of whose kanji was mistyped (an input method offers another
  // read alike: 情報供有 for 情報共有): the site's word of the same length that differs by that one kanji, one whose
  // kanji is read alike first; of two kanji, only one read alike (保全 is no typo of 保管).
  Engine.prototype.homophone = function (words, word) {
    const kanji = words.kanji || {};
    if (word.length < 2 || !ONLY_KANJI.test(word)) return null;
    this.known(words, word);
    const near = this.vocabulary.filter(function (c) {
      if (c.length !== word.length || !ONLY_KANJI.test(c)) return false;
      let differ = 0;
      for (let i = 0; i < c.length; i++) differ += c[i] !== word[i];
      return differ === 1;
    });
    const alike = near.find(function (c) {
      for (let i = 0; i < c.length; i++) if (c[i] !== word[i]) return kanji[c[i]] && kanji[c[i]] === kanji[word[i]];
      return false;
    });
    return alike || (word.length > 2 && near[0]) || null;
  };

  Engine.prototype.suggest = function (words, word, limit) {
    if (!words.words || word.length < 3) return [];
    this.known(words, word);
    const allowed = allowedDistance(word);
    const scored = [];
    const seen = new Set();
    this.vocabulary.forEach(function (c) {
      if (seen.has(c) || c === word) return;
      seen.add(c);
      const d = distance(word, c, allowed);
      if (d <= allowed) scored.push([d, Math.abs(c.length - word.length), c]);
    });
    scored.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    return scored.slice(0, limit || 3).map(function (s) { return s[2]; });
  };

  // One word of the query: the spelling Pagefind finds it by. Returns {words, marks, results}, `words` being the
  // Pagefind terms (one, or the pieces of a compound) and `marks` the words to highlight; `missing` when no spelling
  // is on the site, `guessed` when Pagefind only guessed.
  Engine.prototype.resolve = async function (words, word, literal) {
    const self = this;
    async function tryWord(w) {
      // A katakana word with a final long vowel is looked up without it: Pagefind matches the beginning of words,
      // so サーバ finds both サーバ and サーバー (writers use both); the page highlights the word as typed, or the other.
      const lookup = /[\u30a1-\u30fa]ー$/.test(w) && w.length > 2 ? w.slice(0, -1) : w;
      if (!self.known(words, lookup)) return null;
      const results = await self.search(lookup);
      return results.length ? { words: [lookup], marks: [w, lookup], results: results } : null;
    }
    // A word the index does not hold that stands for others (an acronym the text defines: MFA) is looked up by them.
    const synonym = (words.synonyms || {})[word];
    const indexed = this.indexed || (this.indexed = new Set(words.words || []));
    if (synonym && !indexed.has(word)) {
      const found = await this.bySynonym(synonym);
      if (found) return found;
    }
    const exact = await tryWord(word);
    // A word in hiragana is often a reading of one in katakana (ばっくあっぷ, くらうど): the spelling on more pages wins.
    if (ONLY_HIRAGANA.test(word)) {
      const katakana = await tryWord(toKatakana(word));
      if (katakana && (!exact || katakana.results.length > exact.results.length)) return katakana;
    }
    if (exact) return exact;
    for (const variant of variants(word)) {
      const found = await tryWord(variant);
      if (found) return found;
    }
    // A word typed by its sound, in hiragana: the words in kanji read so (じょうちょうか → 冗長化).
    if (ONLY_HIRAGANA.test(word)) {
      const found = await this.byReading(words, word);
      if (found) return found;
    }
    // Romaji typed for kana (kuraudo → クラウド, sapuraichein → サプライチェーン).
    if (/^[a-z]+$/.test(word)) {
      const wanakana = await this.kana();
      // a doubled vowel is a long one, as IMEs write it with "-" (pasuwaado → pasuwa-do → パスワード)
      const kana = wanakana ? wanakana.toKatakana(word.replace(/([aeiou])\1/g, "$1-")) : "";
      if (kana && ONLY_KATAKANA.test(kana)) {
        // (its katakana spellings; in hiragana it is a reading first, below)
        for (const spelling of [kana].concat(variants(kana).filter(ONLY_KATAKANA.test, ONLY_KATAKANA), longVowels(kana))) {
          const found = await tryWord(spelling);
          if (found) return found;
        }
        // a word in hiragana, or the reading of a word in kanji (kansa → かんさ → 監査), whose long vowel is a kana as
        // typed (nyuutaishitsu → にゅうたいしつ → 入退室, not にゅーたいしつ)
        const found = (await this.byReading(words, wanakana.toHiragana(word))) ||
          (await this.byReading(words, toHiragana(kana))) || (await tryWord(toHiragana(kana)));
        if (found) return found;
        // (typed without its long vowels: joho → じょうほう → 情報; a reading writes them as kana)
        for (const spelling of longVowels(kana)) {
          const read = await this.byReading(words, spoken(toHiragana(spelling), wanakana));
          if (read) return read;
        }
      }
    }
    if (synonym) {
      const found = await this.bySynonym(synonym);
      if (found) return found;
    }
    // A reader's word that the language's thesaurus leads to the site's (離職者 → 退職者): after the knowledge base's
    // own synonyms, and never a word of the site's vocabulary (generator/thesaurus.py).
    const related = (words.thesaurus || {})[word];
    if (related) {
      const found = await this.bySynonym(related);
      if (found) return found;
    }
    // A word of another language of the knowledge base, or its reading typed in Latin letters (要管理対策区域, yokanri
    // taisaku kuiki in the English box): this language's name for what it names (generator/search.py `carried`).
    const carried = await this.carried(words, word);
    if (carried) return carried;
    // An unknown compound: the site's words inside it, all required.
    // A one-character piece at either end is an affix (報告書, 対応表, 再評価: 書, 表, 再), which the pages write with
    // other words or none (報告・連絡シート): the rest is what is asked.
    const split = this.split(words, word);
    const pieces = split && split.filter(function (p, i) { return p.length > 1 || (i > 0 && i < split.length - 1); });
    // (not cut at all, or a lone kanji inside it: rather the word it is one kanji from, said as a correction)
    const alike = !literal && !this.known(words, word) && (!split || split.slice(1, -1).some(function (p) { return p.length === 1; }))
      ? this.homophone(words, word) : null;
    if (alike) {
      const found = await this.search(alike);
      if (found.length) return { words: [alike], marks: [alike], results: found, correction: alike };
    }
    if (pieces) {
      const found = await this.search(pieces.join(" "));
      if (found.length) return { words: pieces, marks: pieces, results: found };
    }
    const results = await this.search(word);
    if (results.length) return { words: [word], results: results, guessed: true };
    return { words: [word], results: [], missing: true };
  };

  // Romaji typed as separate words for one word of the site (tasou bougyo → tasoubougyo → 多層防御): a run of
  // several words in Latin letters, not all of them words of the site, that together are read as one is one word.
  Engine.prototype.joinRomaji = async function (words, tokens) {
    // (a site whose words have readings, or that carries another language's words by theirs)
    if (!Object.keys(words.readings || {}).length && !words.vowels) return;
    const self = this;
    const latin = function (t) { return /^[a-z]+$/.test(t) && !STOP.has(t); };
    const site = function (t) { return self.known(words, t) && self.whole.has(t); };
    for (let start = 0; start < tokens.length; start++) {
      let end = start;
      while (end < tokens.length && latin(tokens[end])) end++;
      const group = tokens.slice(start, end);
      if (group.length < 2 || group.length > 3 || group.every(site)) continue;
      const joined = await this.resolve(words, group.join(""), true);
      // (carried from another language only when a word of it is no word of the site: ninmu hosho finds what it finds)
      const carried = joined.carried && !group.every(function (t) { return self.known(words, t); });
      if (!joined.missing && !joined.guessed && (carried || !joined.words.some(latin))) {
        tokens.splice(start, group.length, group.join(""));
      } else start = end;
    }
  };

  // This language's names for a word of another language of the knowledge base (its runs, or, typed in Latin letters,
  // its reading as `loose` writes it), the first that finds pages; null when it names none.
  Engine.prototype.carried = async function (words, word) {
    const carry = words.carry || {};
    const keys = carry.keys || {};
    let at = Object.prototype.hasOwnProperty.call(keys, word) ? keys[word] : null;
    // (typed in Latin letters or in kana: by its reading)
    if (!at && words.vowels && (/^[a-z]+$/.test(word) || ONLY_HIRAGANA.test(word) || ONLY_KATAKANA.test(word))) {
      if (!this.vowels) {
        this.vowels = new Map();
        for (let i = 0; i + 1 < words.vowels.length; i += 2) this.vowels.set(words.vowels[i], words.vowels[i + 1]);
      }
      const wanakana = /^[a-z]+$/.test(word) ? await this.kana() : null;
      const hiragana = wanakana ? wanakana.toHiragana(word) : toHiragana(word);
      const key = hiragana && ONLY_HIRAGANA.test(hiragana) ? loose(hiragana, this.vowels) : "";
      at = key && Object.prototype.hasOwnProperty.call(keys, key) ? keys[key] : null;
    }
    if (!at) return null;
    const found = await this.bySynonym(at.map(function (i) { return carry.names[i]; }));
    return found ? Object.assign(found, { carried: true }) : null;
  };

  // The words in kanji that a reading in hiragana is (the words file's readings, and the glossary's), that find pages.
  Engine.prototype.byReading = async function (words, hiragana) {
    const names = ((words.readings || {})[hiragana] || []).concat((words.synonyms || {})[hiragana] || []);
    return names.length ? this.bySynonym(names) : null;
  };

  // The site's own pages (kind `tool`), and those that say what they are for (the glossary: filter `own`), that the
  // query names: by their title, whose words are the query's words, in any order, less stop words, numbers and a
  // page kind's name (Downloads for download the checklists; What changed in this edition for What changed in the
  // 2024 edition?): every word of the title, and half the query's or more (excel downloads: what is downloaded is no
  // word of the title); or by their task words (`task`).
  Engine.prototype.ownPages = async function (words, terms, text) {
    const asked = terms.filter(function (t) { return !/^\d+$/.test(t); });
    if (!asked.length) return [];
    // (not only those that have every word of the query, but the first few that have each: NIST CSF 2.0 mapping →
    // Through NIST CSF 2.0, which says no "mapping"; a one-character word beside longer ones says little: 見 of NIST
    // CSF 2.0 から見る)
    const root = this.root;
    const every = (await this.search(asked.join(" "), OWN)).slice(0, 5);
    const each = await Promise.all(asked.map(function (t) { return this.search(t, OWN); }, this));
    const having = new Set(every.map(function (r) { return r.id; }));
    const candidates = new Map();
    every.concat(...each.map(function (list) { return list.slice(0, 3); })).forEach(function (r) {
      candidates.set(r.id, r);
    });
    const pages = await Promise.all(Array.from(candidates.values()).map(function (r) {
      return r.data().then(function (data) { return { id: r.id, data: data }; });
    }));
    // (by its title first; then by its task, the page whose phrase said more of the query first)
    const by = new Map(pages.map(function (page) {
      const data = page.data;
      const all = queryWords((data.meta && data.meta.title) || "").filter(function (w) { return !/^\d+$/.test(w); });
      const title = all.some(function (w) { return w.length > 1; }) ? all.filter(function (w) { return w.length > 1; }) : all;
      const joined = title.join("");
      const has = function (t) { return title.some(function (w) { return singular(w) === singular(t); }) || joined === t; };
      // (half the query's words, where the page is among the first five that have them all; else more than half)
      const named = asked.filter(has).length * 2;
      const titled = title.length && (having.has(page.id) ? named >= asked.length : named > asked.length) && title.every(function (w) {
        return asked.some(function (t) { return singular(t) === singular(w) || t.indexOf(w) >= 0; });
      });
      return [page, titled ? Infinity : task(data.meta && data.meta.kb_task, text, asked, [all])];
    }));
    return pages.filter(function (page) { return by.get(page) > 0; }).sort(function (a, b) {
      return by.get(b) - by.get(a);
    }).map(function (page) {
      const url = new URL((page.data.raw_url || page.data.url).replace(/^\//, ""), root).href;
      return { url: url, title: page.data.meta.title, task: by.get(page) < Infinity };
    });
  };
  const OWN = { own: "yes" };

  // Does a query ask for what a page is for, in the words of its task (kb_task, generator/search.py page_task: its
  // phrases' runs between spaces, the phrases between commas)? When it says one of the phrases (its words in Latin
  // letters among the query's words, its other runs as written in the query) and each of its words `asked` is a word
  // of the phrases or of `more` (the title's words): 誤り, mistakes in the text → the errata; 部署ごとの回答をまとめたい
  // → the roll-up; not where do I start with risk assessment, which asks about a topic. The length of the longest
  // phrase it says (what it says of the query), else 0.
  function task(meta, text, asked, more) {
    const latin = /^[a-z0-9]+$/;
    // a phrase's pieces: each word in Latin letters, and the other runs that follow each other joined (どこから 読 め →
    // どこから読め); those that say something (not a stop word)
    const pieces = function (phrase, all) {
      const out = [];
      let joined = "";
      phrase.split(" ").filter(Boolean).forEach(function (run) {
        if (!latin.test(run)) { joined += run; return; }
        if (joined) out.push(joined);
        joined = "";
        if (all || !STOP.has(run)) out.push(singular(run));
      });
      return joined ? out.concat([joined]) : out;
    };
    const written = runs(text).join("");
    const typed = new Set(runs(text).map(singular));
    const isSaid = function (piece) { return latin.test(piece) ? typed.has(piece) : written.indexOf(piece) >= 0; };
    // (a phrase that says one thing among stop words is said with them: where do I start, not start a CSIRT)
    const phrases = (meta || "").split(",").map(function (phrase) {
      return { all: pieces(phrase, true), strong: pieces(phrase) };
    });
    const said = phrases.filter(function (p) {
      return p.strong.length && (p.strong.length > 1 ? p.strong : p.all).every(isSaid);
    }).map(function (p) { return p.strong.join("").length; });
    const own = [].concat.apply([], phrases.map(function (p) { return p.strong; }).concat(more));
    return said.length && asked.every(function (t) {
      return own.some(function (piece) { return latin.test(t) ? singular(piece) === singular(t) : piece.indexOf(t) >= 0; });
    }) ? Math.max.apply(null, said) : 0;
  }

  // The first of a word's synonyms (the names it stands for) that finds pages.
  Engine.prototype.bySynonym = async function (names) {
    for (const name of names) {
      const terms = queryWords(name);
      const found = terms.length ? await this.search(terms.join(" ")) : [];
      if (found.length) return { words: terms, marks: terms, results: found };
    }
    return null;
  };

  // A query with words of another language of the knowledge base that this one does not know (要管理対策区域, or
  // romaji, yokanri taisaku kuiki, in the English box): the query in this language's names for them (`carried`), or
  // null. Such a word typed in Latin letters beside others may be one word read as one (joinRomaji).
  Engine.prototype.carryQuery = async function (words, tokens) {
    if (!(words.carry && words.carry.keys)) return null;
    let changed = false;
    const out = await Promise.all(tokens.map(async function (t) {
      if (STOP.has(t) || /^\d+$/.test(t) || this.known(words, t)) return t;
      const found = await this.carried(words, t);
      if (!found) return t;
      changed = true;
      return found.words.join(" ");
    }, this));
    return changed ? out : null;
  };

  Engine.prototype.query = async function (text, literal, carried) {
    const words = await this.words;
    const out = {
      query: text, merged: [], count: 0, suggestions: [], corrected: null, replaced: [], kept: 0, highlight: [], first: [],
    };
    const number = sectionNumber(text);
    const sections = words.sections || {};
    const root = this.root + (this.languageRoot || "");
    const hit = sections[number || runs(text).join(" ")] || sections[numberedLabel(text)] ||
      sections[numberBesideWords(text)];
    if (hit) out.first.push({ url: root + hit[0], title: hit[1] });
    // An id in any form (CL4-039, cl4-39, AC-2, IA-5(1), cyber-policy) leads to its page (and the item on it) first.
    const id = idShaped(text) ? (words.ids || {})[idKey(text)] : null;
    if (id) out.first.push({ url: root + id[0], title: id[1] });
    // A section number is one word for Pagefind, its dots left out (5.6.1 → 561): the pages that cite the section.
    const tokens = number ? [number.replace(/\./g, "")] : this.tokens(words, text);
    // (the phrases found as the language inflects them, read at once: another keystroke's query cuts its own)
    const inflected = new Set(number ? [] : this.inflectedWords);
    // Words that say little are dropped while other words remain: relaxed AND, the weakest words first.
    const self = this;
    await this.joinRomaji(words, tokens);
    // (asked again in this language's words: said as a correction, the words as typed one click away)
    const carriedTokens = !literal && !carried && !number ? await this.carryQuery(words, tokens) : null;
    if (carriedTokens) {
      const again = await this.query(carriedTokens.join(" "), false, true);
      again.query = text;
      // (what the query led to as typed, a section number or an id, still leads)
      again.first = out.first.concat(again.first.filter(function (f) {
        return !out.first.some(function (o) { return o.url === f.url; });
      }));
      if (!again.corrected) {
        again.corrected = carriedTokens.join(" ");
        again.replaced = tokens.filter(function (t, i) { return carriedTokens[i] !== t; });
        again.kept = tokens.length - again.replaced.length;
      }
      return again;
    }
    let terms = tokens.filter(function (w) { return self.weak(words, w) < 2; });
    // (a one-character word beside two words that say more, 前 of 契約する前に, asks nothing of its own; a digit does;
    // nor beside one in a sentence, whose endings were left out: 辞, 取, 消 of 辞めた人の入室権限をすぐ取り消す)
    const long = terms.filter(function (w) { return w.length > 1 || /^\d$/.test(w); });
    // (a sentence: a word that says little, or a particle between its words, の of 事業継続計画の作り方, whose verb's
    // kanji 作 and 方 then ask nothing)
    const sentence = tokens.some(function (w) { return self.weak(words, w) === 2; }) ||
      runs(text).some(function (w) { return STOP.has(w); });
    if (long.length > 1 || (long.length && sentence)) terms = long;
    if (!terms.length) terms = tokens.filter(function (w) { return !STOP.has(w); });
    if (!terms.length) terms = tokens;
    if (!terms.length) return out;
    // A section's title typed as a query leads to that section first; then one of its other names (its synonyms:
    // budget for Securing resources), which readers type as they would its title.
    if (!this.titles) {
      this.titles = Object.keys(sections).map(function (n) { return queryWords(sections[n][2] || "").join(""); });
      this.titleSections = Object.keys(sections);
      this.names = this.titleSections.map(function (n) { return sections[n][3] || []; });
    }
    const asTitle = queryWords(text).join("");
    // (a page, [path, title], leads once)
    const leadTo = function (page) {
      if (!out.first.some(function (f) { return f.url === root + page[0]; })) out.first.push({ url: root + page[0], title: page[1] });
    };
    const lead = function (i) { leadTo(sections[this.titleSections[i]]); }.bind(this);
    this.titles.forEach(function (title, i) { if (title === asTitle) lead(i); });
    // (as written first, then less stop words: IT outsourcing is a name of 5.6.2, outsourcing one of 5.6; then each
    // word in Latin letters without a plural's s: drills for drill)
    const singulars = function (t) { return queryWords(t).map(singular); };
    [runs, queryWords, singulars].forEach(function (words) {
      const asked = words(text).join("");
      this.names.forEach(function (names, i) {
        if (asked && names.some(function (name) { return words(name).join("") === asked; })) lead(i);
      });
    }, this);
    // A topic of a section or template (its editors' words for what readers ask about there, which its text may not
    // say: 3-2-1ルール under backups) leads to it, after a page of that title or name.
    ((words.topics || {})[runs(text).join("")] || []).forEach(leadTo);
    // A bare term (the glossary's name for it, or a form of it) lets the glossary rank fully.
    let bare = (words.terms || []).indexOf(terms.join(" ")) >= 0;
    // A word that names a kind of page (テンプレート, 雛形, checklist) beside other words asks for a page of that kind:
    // those of the kind that have the other words come first (リスク評価 テンプレート → the risk assessment template).
    const kindWords = words.kind_words || {};
    let only = null;
    if (terms.length === 1) { // the kind's name alone: its pages first (テンプレート, 雛形)
      Object.keys(kindWords).forEach(function (kind) { if (!only && kindWords[kind].indexOf(terms[0]) >= 0) only = kind; });
    } else {
      Object.keys(kindWords).forEach(function (kind) {
        const rest = terms.filter(function (t) {
          return kindWords[kind].indexOf(t) < 0 && kindWords[kind].indexOf(singular(t)) < 0;
        });
        if (!only && rest.length && rest.length < terms.length) { only = kind; terms = rest; }
      });
    }
    // A query that is a synonym as a whole (二要素認証, MFA) also searches what the pages say (多要素認証).
    const synonyms = words.synonyms || {};
    const whole = terms.join(" ");
    const expansions = (synonyms[whole] || (words.thesaurus || {})[whole] || []).map(queryWords).filter(function (e) { return e.length; });
    // A page of the site's own whose title is what the query asks, in other words around it (download the checklists,
    // What changed in the 2024 edition?, チェックリスト ダウンロードしたい) comes first: its kind's weight, which keeps
    // it below the guideline that it repeats, would bury it.
    for (const named of await this.ownPages(words, terms, text)) {
      if (!out.first.some(function (f) { return f.url.split("#")[0] === named.url; })) out.first.push(named);
    }
    let resolved = await Promise.all(terms.map(function (t) { return self.resolve(words, t, literal); }));
    // A word read alike that the box put for a mistyped one is a correction: said, and undone in one click.
    if (resolved.some(function (r) { return r.correction; })) {
      out.corrected = terms.map(function (t, i) { return resolved[i].correction || t; }).join(" ");
      out.replaced = terms.filter(function (t, i) { return resolved[i].correction; });
      out.kept = terms.length - out.replaced.length;
    }
    // Nothing found at all: correct the words from the site's own words (バックアプ → バックアップ, malwear → malware);
    // beside words that were found, a long word one slip from a word of the site (supplyer, incidnet). Said so, with
    // the query as typed one click away (`literal`).
    const lost = function (r) { return r.missing || r.guessed; };
    if (!literal && !out.corrected && !out.first.length && !expansions.length && resolved.some(lost)) {
      const every = resolved.every(lost);
      const corrected = resolved.map(function (r) {
        const word = r.words.join("");
        if (!lost(r)) return word;
        const near = every || word.length >= SLIP ? this.suggest(words, word, 1)[0] : null;
        return near && (every || distance(word, near, 1) <= 1) ? near : word;
      }, this);
      if (corrected.join(" ") !== resolved.map(function (r) { return r.words.join(""); }).join(" ")) {
        const again = await Promise.all(queryWords(corrected.join(" ")).map(this.resolve.bind(this, words)));
        const kept = function (list) { return list.filter(function (r) { return !lost(r); }).length; };
        if (every ? kept(again) > 0 : kept(again) > kept(resolved)) {
          out.corrected = corrected.join(" ");
          out.replaced = resolved.map(function (r) { return r.words.join(""); }).filter(function (w, i) {
            return w !== corrected[i];
          });
          out.kept = resolved.length - out.replaced.length;
          resolved = again;
          terms = queryWords(out.corrected);
          bare = (words.terms || []).indexOf(terms.join(" ")) >= 0;
        }
      }
    }
    // A word Pagefind only guessed counts as missing, unless no word was found otherwise.
    let found = resolved.filter(function (r) { return !r.missing && !r.guessed; });
    if (!found.length) found = resolved.filter(function (r) { return r.guessed; });
    const missing = resolved.filter(function (r) { return found.indexOf(r) < 0; });
    found.forEach(function (r) {
      (r.marks || r.words).forEach(function (w) { if (out.highlight.indexOf(w) < 0) out.highlight.push(w); });
    });
    const foundTerms = [].concat.apply([], found.map(function (r) { return r.words; }));
    const lists = [];
    // No page has every word: the one-character words (切 of 切り替え) go first.
    let strong = foundTerms;
    if (foundTerms.length > 1 && !(await this.search(foundTerms.join(" "))).length) {
      const kept = foundTerms.filter(function (w) { return !self.weak(words, w); });
      if (kept.length) strong = kept;
    }
    // Of a sentence's three words or more, those that name no topic (goes, handle, happens: no title's, term's or
    // synonym's word) are not required while two that do remain: they rank the pages that have them higher.
    // (nor a verb or adjective found as the language inflects it: 止まった of システムが止まったときの業務継続 says how,
    // not what)
    const topical = function (w) {
      if (inflected.has(w)) return false;
      return self.topic(words, w) || [w, singular(w)].some(function (f) { return Object.prototype.hasOwnProperty.call(synonyms, f); });
    };
    let loose = [];
    if (sentence && strong.length > 2 && strong.filter(topical).length >= 2 && !strong.every(topical)) {
      loose = strong.filter(function (w) { return !topical(w); });
      strong = strong.filter(topical);
    }
    const loosened = async function (entries) {
      if (!loose.length) return entries;
      const having = await Promise.all(loose.map(function (w) { return self.search(w); }));
      const sets = having.map(function (list) { return new Set(list.map(function (r) { return r.id; })); });
      return entries.map(function (e) {
        return Object.assign({}, e, { rank: e.rank * (1 + LOOSE * share(sets, e.result.id)) });
      }).sort(function (a, b) { return b.rank - a.rank; });
    };
    if (only && found.length) lists.push({ entries: await loosened(await this.ranked(words, strong, bare, only, sentence)), partial: false });
    if (found.length) {
      lists.push({ entries: await loosened(await this.ranked(words, strong, bare, null, sentence)), partial: missing.length > 0 });
    }
    for (const expansion of expansions) {
      lists.push({ entries: await this.ranked(words, expansion, bare), partial: false });
      out.highlight = out.highlight.concat(expansion);
    }
    // Pages that tie (a synonym matched on each alone: ウイルス on every page that uses マルウェア) are ordered by what
    // the words it stands for rank them.
    if (expansions.length && lists.length > expansions.length) {
      const by = new Map();
      lists[lists.length - expansions.length].entries.forEach(function (e) { by.set(e.result.id, e.rank); });
      const main = lists[lists.length - expansions.length - 1].entries;
      // (and a page the words it stands for rank well counts that too: 在宅勤務 is a synonym of リモートアクセス, whose
      // section is a better answer than the short template that repeats 在宅勤務 among its topics)
      const top = main.length ? main[0].rank || 1 : 1;
      const topBy = Math.max.apply(null, [1e-9].concat(Array.from(by.values())));
      main.forEach(function (e) { e.both = e.rank / top + (by.get(e.result.id) || 0) / topBy; });
      main.sort(function (a, b) { return b.both - a.both; });
    }
    // Fewer than a few pages have every word (a page that lists every term holds every word of a long query, and does
    // not count): the pages with most of the words follow, each word counted by how rare it is on the site (its
    // inverse document frequency: 提出 says more than セキュリティ).
    const together = lists.reduce(function (n, l) {
      return n + l.entries.filter(function (e) { return !e.listing; }).length;
    }, 0);
    if (found.length > 1 && (missing.length || together < FEW)) {
      const perWord = await Promise.all(found.map(function (r) { return this.ranked(words, r.words); }, this));
      const total = await this.total();
      const counts = new Map();
      perWord.forEach(function (entries, i) {
        const top = entries.length ? entries[0].rank : 1;
        // (a word that names a topic, one of a title or a term, counts twice: backups, not taken or happens; a run of
        // hiragana, an ending or a particle however rare (するのか, っている), half as much as the commonest word)
        const topic = found[i].words.some(function (w) { return self.topic(words, w); });
        const ending = found[i].words.every(function (w) { return ONLY_HIRAGANA.test(w); });
        const rarity = ending ? Math.log(2) / 2 : Math.log(1 + total / Math.max(entries.length, 1)) * (topic ? 2 : 1);
        entries.forEach(function (e) {
          const c = counts.get(e.result.id) || { result: e.result, words: 0, rank: 0, listing: e.listing };
          c.words += rarity;
          c.rank += e.rank / top;
          counts.set(e.result.id, c);
        });
      });
      const ranked = Array.from(counts.values()).sort(function (a, b) { return (b.words + b.rank) - (a.words + a.rank); });
      lists.push({ entries: ranked, partial: true });
    }
    // Of a query of several words that is no term, a page that lists every term or document holds every word; it is
    // where a reader looks after the pages on the topic: it follows the first few of them.
    const deferred = [];
    const seen = new Set();
    lists.forEach(function (list) {
      list.entries.forEach(function (e) {
        if (seen.has(e.result.id)) return;
        seen.add(e.result.id);
        (e.listing && !bare && strong.length > 1 ? deferred : out.merged).push({ result: e.result, partial: list.partial });
      });
    });
    out.merged.splice.apply(out.merged, [Math.min(LISTING_AFTER, out.merged.length), 0].concat(deferred));
    // Nothing at all: the pages with most of the pieces of the query's words that the site has (two characters of a
    // run in another script than Latin letters, 飛行機雲 → 飛行 行機; a word in Latin letters by its first letters, as
    // a stem), each piece counted by how rare it is. A reader is not left with nothing when a piece of what was asked
    // is on the site; the pages are marked as matching some of the words.
    if (!out.merged.length && !out.first.length) {
      const pieces = new Set();
      tokens.forEach(function (t) {
        if (STOP.has(t) || self.weak(words, t) === 2) return;
        if (/^[a-z]+$/.test(t)) {
          if (t.length > 4) pieces.add(t.slice(0, Math.max(4, t.length - 3)));
        } else {
          for (let i = 0; i + 2 <= t.length; i++) pieces.add(t.slice(i, i + 2));
        }
      });
      const asked = Array.from(pieces).filter(function (p) { return self.known(words, p); });
      const having = await Promise.all(asked.map(function (p) { return self.search(p); }));
      const total = await this.total();
      const counts = new Map();
      having.forEach(function (list) {
        const rarity = Math.log(1 + total / Math.max(list.length, 1));
        list.forEach(function (r, i) {
          const c = counts.get(r.id) || { result: r, rank: 0 };
          c.rank += rarity * (1 + 1 / (i + 1)); // (within a piece, Pagefind's order counts a little)
          counts.set(r.id, c);
        });
      });
      Array.from(counts.values()).sort(function (a, b) { return b.rank - a.rank; }).forEach(function (c) {
        out.merged.push({ result: c.result, partial: true });
      });
    }
    out.count = out.merged.length;
    // Weak results (none, or only pages with some of the words): "did you mean" the query with a missing word
    // replaced by a close word of the site, or the whole query as one (アクセス性御 → アクセス制御).
    const weakResults = !out.merged.length || out.merged.every(function (m) { return m.partial; });
    if ((weakResults || resolved.some(function (r) { return r.guessed; })) && !out.corrected) {
      const spaced = /\s/.test(text.trim());
      const offer = function (s) { if (s && out.suggestions.indexOf(s) < 0) out.suggestions.push(s); };
      if (terms.length > 1) this.suggest(words, terms.join(""), 2).forEach(offer);
      resolved.forEach(function (r, i) {
        if (!r.missing && !r.guessed) return;
        this.suggest(words, r.words.join(""), 2).forEach(function (candidate) {
          const replaced = terms.slice();
          replaced[i] = candidate;
          offer(replaced.join(spaced ? " " : ""));
        });
      }, this);
      out.suggestions = out.suggestions.slice(0, 3);
    }
    return out;
  };

  // The page data of a result: its address (with the words to highlight), title, kind, the sentence that matched,
  // and its headings.
  Engine.prototype.page = async function (entry, highlight) {
    if (!this.pages.has(entry.result)) this.pages.set(entry.result, entry.result.data());
    const data = await this.pages.get(entry.result);
    const root = this.root;
    function href(url) {
      const address = new URL(url.replace(/^\//, ""), root);
      address.search = "";
      highlight.forEach(function (word) { address.searchParams.append("highlight", word); });
      return address.href;
    }
    const raw = data.raw_url || data.url;
    const title = ((data.meta && data.meta.title) || raw).replace(/\s*¶\s*$/, "");
    return {
      url: href(raw) + (await this.item(data, highlight)),
      path: raw,
      title: title,
      kind: (data.meta && data.meta.kind) || "",
      excerpt: sentence(data.content || "", highlight, title),
      partial: entry.partial,
      headings: (data.sub_results || []).map(function (s) { return s.title.replace(/\s*¶\s*$/, ""); }),
      subs: (data.sub_results || []).filter(function (s) {
        return s.url && s.url.split("#")[1] && s.title.replace(/\s*¶\s*$/, "") !== title;
      }).slice(0, 2).map(function (s) {
        // a heading of the same page
        return { url: href(raw) + "#" + s.url.split("#")[1], title: s.title.replace(/\s*¶\s*$/, "") };
      }),
    };
  };

  // The item of a page (a checklist's) that holds most of the searched words, the shortest of those that hold as
  // many: its anchor ("#item-cl4-039", from the ids of the words file, where the page has it); "" when no item holds
  // half of them. An item's text runs from its id, as written, to the next item's.
  Engine.prototype.item = async function (data, highlight) {
    if (!this.anchors) {
      const ids = (await this.words).ids || {};
      this.anchors = Object.keys(ids).filter(function (k) { return ids[k][0].indexOf("#") > 0; }).map(function (k) {
        return { written: ids[k][1].split(" ")[0] + " ", hash: "#" + ids[k][0].split("#")[1] };
      });
    }
    if (!this.items) this.items = new Map(); // page → its text and where each of its items begins, found once
    if (!this.items.has(data.url)) {
      const own = new Set((data.anchors || []).map(function (a) { return "#" + a.id; }));
      const text = own.size ? normalise(data.content || "") : "";
      const found = [];
      this.anchors.forEach(function (a) {
        const at = own.has(a.hash) ? text.indexOf(normalise(a.written)) : -1;
        if (at >= 0) found.push({ at: at, hash: a.hash });
      });
      this.items.set(data.url, { content: text, starts: found.sort(function (a, b) { return a.at - b.at; }) });
    }
    const content = this.items.get(data.url).content;
    const starts = this.items.get(data.url).starts;
    if (!starts.length) return "";
    const wanted = Array.from(new Set(highlight.map(normalise))).filter(function (w) { return w.length > 0; });
    const whole = wanted.reduce(function (n, w) { return n + w.length; }, 0);
    let best = null;
    starts.forEach(function (s, i) {
      const text = content.slice(s.at, i + 1 < starts.length ? starts[i + 1].at : s.at + 300);
      const score = wanted.reduce(function (n, w) { return n + (text.indexOf(w) >= 0 ? w.length : 0); }, 0);
      if (!best || score > best.score || (score === best.score && text.length < best.size)) {
        best = { score: score, size: text.length, hash: s.hash };
      }
    });
    return best.score * 2 >= whole && best.score > 0 ? best.hash : "";
  };

  // The sentence of a page's text that holds most of the searched words (the first such), cut to a readable length,
  // with those words marked: {text, marks: [[start, end], …]}. Japanese too: the words are found in the text as
  // written, not by Pagefind's word positions. A page found by words its text does not say (a synonym): its first
  // sentence, unmarked.
  const SNIPPET = 110;
  function sentence(content, highlight, title) {
    const wanted = highlight.map(normalise).filter(function (w) { return w.length > 0; })
      .sort(function (a, b) { return b.length - a.length; });
    if (!content) return null;
    const parts = content.replace(/¶/g, "").split(/(?<=[。！？!?])\s*|(?<=\.)\s+|\n+/);
    const heading = normalise(title);
    let best = null;
    parts.forEach(function (part) {
      const text = part.trim();
      const folded = normalise(text);
      if (!text || folded === heading) return;
      // the page's own heading and the line under it say less than a sentence of the text
      const hits = wanted.filter(function (w) { return folded.indexOf(w) >= 0; }).length - (folded.indexOf(heading) === 0 ? 0.5 : 0);
      if (hits > 0 && (!best || hits > best.hits)) best = { text: text, hits: hits };
    });
    if (!best) {
      const first = parts.map(function (p) { return p.trim(); }).filter(function (p) {
        return p.length > 12 && normalise(p).indexOf(heading) !== 0;
      })[0];
      if (!first) return null;
      best = { text: first };
    }
    let text = best.text;
    let folded = normalise(text);
    if (folded.length !== text.length) { text = folded; } // a width change would shift the offsets: show it folded
    const first = Math.min.apply(null, wanted.map(function (w) { const i = folded.indexOf(w); return i < 0 ? Infinity : i; }));
    let start = 0;
    if (text.length > SNIPPET && first > SNIPPET / 3 && first < Infinity) {
      start = Math.min(first - Math.floor(SNIPPET / 3), text.length - SNIPPET);
    }
    const end = Math.min(text.length, start + SNIPPET);
    const shown = (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
    const offset = start > 0 ? 1 - start : -start;
    const marks = [];
    const lower = folded;
    wanted.forEach(function (w) {
      for (let i = lower.indexOf(w, start); i >= 0 && i + w.length <= end; i = lower.indexOf(w, i + w.length)) {
        if (!marks.some(function (m) { return i < m[1] - offset && i + w.length > m[0] - offset; })) {
          marks.push([i + offset, i + w.length + offset]);
        }
      }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    return { text: shown, marks: marks };
  }

  // ---- the dialog
  const input = dialog && dialog.querySelector("#kb-search-input");
  const list = dialog && dialog.querySelector("[data-kb-search-results]");
  const status = dialog && dialog.querySelector("#kb-search-status");
  const suggest = dialog && dialog.querySelector("[data-kb-search-suggest]");
  let strings = {};
  let sequence = 0;
  let timer = null;
  const SHOWN = 10;

  function format(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  // The sentence that matched, as text nodes and marks (`sentence` above), so that nothing in it can become markup.
  function excerptNodes(excerpt) {
    const fragment = document.createDocumentFragment();
    let at = 0;
    excerpt.marks.forEach(function (m) {
      fragment.appendChild(document.createTextNode(excerpt.text.slice(at, m[0])));
      const mark = document.createElement("mark");
      mark.textContent = excerpt.text.slice(m[0], m[1]);
      fragment.appendChild(mark);
      at = m[1];
    });
    fragment.appendChild(document.createTextNode(excerpt.text.slice(at)));
    return fragment;
  }

  function item(page) {
    const li = document.createElement("li");
    li.className = "kb-search__result";
    const link = document.createElement("a");
    link.className = "kb-search__link";
    link.href = page.url;
    link.textContent = page.title;
    li.appendChild(link);
    if (page.kind && strings["kind." + page.kind]) {
      const kind = document.createElement("span");
      kind.className = "kb-search__kind";
      kind.textContent = strings["kind." + page.kind];
      li.appendChild(kind);
    }
    if (page.partial) {
      const badge = document.createElement("span");
      badge.className = "kb-search__partial";
      badge.textContent = strings.partial || "";
      li.appendChild(badge);
    }
    if (page.excerpt) {
      const p = document.createElement("p");
      p.className = "kb-search__excerpt";
      p.appendChild(excerptNodes(page.excerpt));
      li.appendChild(p);
    }
    if (page.subs.length) {
      const subs = document.createElement("ul");
      subs.className = "kb-search__subs";
      page.subs.forEach(function (sub) {
        const s = document.createElement("li");
        const a = document.createElement("a");
        a.href = sub.url;
        a.textContent = sub.title;
        s.appendChild(a);
        subs.appendChild(s);
      });
      li.appendChild(subs);
    }
    return li;
  }

  function showSuggestions(out, run) {
    suggest.textContent = "";
    const offers = out.suggestions.filter(function (s) { return s !== normalise(out.query); });
    suggest.hidden = !offers.length;
    if (!offers.length) return;
    suggest.appendChild(document.createTextNode(strings.did_you_mean || ""));
    offers.forEach(function (s) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "kb-search__suggestion";
      button.textContent = s;
      button.addEventListener("click", function () { input.value = s; run(); input.focus(); });
      suggest.appendChild(button);
    });
  }

  // `literal`: search the words as typed, without correcting them ("search instead for …").
  async function run(literal) {
    const text = input.value.trim();
    const mine = ++sequence;
    delete dialog.dataset.kbSearched;
    if (!text) {
      list.textContent = "";
      status.textContent = "";
      suggest.hidden = true;
      return;
    }
    let out;
    try {
      out = await engine.query(text, literal === true);
    } catch (error) {
      if (mine === sequence) status.textContent = strings.offline || String(error);
      return;
    }
    if (mine !== sequence) return;
    const words = out.highlight.length ? out.highlight : queryWords(text);
    // The pages shown: the first by rank, and the index's own best match wherever the kinds put it (it may have the
    // query as its title or a heading, below).
    const shown = out.merged.slice(0, SHOWN);
    const top = out.merged.reduce(function (b, m) {
      return !m.partial && (!b || m.result.score > b.result.score) ? m : b;
    }, null);
    if (top && shown.indexOf(top) < 0) shown[shown.length - 1] = top;
    const pages = await Promise.all(shown.map(function (entry) { return engine.page(entry, words); }));
    if (mine !== sequence) return;
    // A page asked for by its number or id comes first; then a page whose title or a heading is the query; then
    // one whose title begins with the query or has all its words (入退室の記録簿 → 入退室管理記録簿).
    const wanted = titleKey(out.corrected || text);
    const asked = queryWords(out.corrected || text).filter(function (w) { return w.length > 1; });
    function titleKey(title) {
      return normalise(title).replace(/^[\d.]+\s+/, "").replace(/[\s()（）・、,.「」『』]+/g, "");
    }
    function named(p) {
      const key = titleKey(p.title);
      if (key === wanted) return 1;
      // (a heading of a listing is one of its entries: the glossary ranks by its weight, first only for a bare term)
      const listing = (engine.listings || []).indexOf(p.kind) >= 0;
      if (!listing && !common.has(wanted) && p.headings.some(function (h) { return titleKey(h) === wanted; })) return 1;
      // (not a longer name that begins with the query, remote access application for remote access, nor a title
      // that has a bare word: the section on the topic comes before; but the site's own pages: 自己評価)
      if (p.kind === "tool" && key.indexOf(wanted) === 0) return 2;
      if (asked.length < 2 || key.indexOf(wanted) === 0) return 3;
      return asked.every(function (w) { return key.indexOf(w) >= 0; }) ? 2 : 3;
    }
    const firstPaths = out.first.map(function (f) { return new URL(f.url).pathname; });
    // (a heading that several of the pages have, the interface's own, does not count: テンプレート, 参考文献)
    const seen = new Map();
    pages.forEach(function (p) {
      new Set(p.headings.map(titleKey)).forEach(function (h) { seen.set(h, (seen.get(h) || 0) + 1); });
    });
    const common = new Set(Array.from(seen.keys()).filter(function (h) { return seen.get(h) > 2; }));
    const namedKinds = engine.named || [];
    // (in the order asked: an id first; a page named by its task after one whose title is the query: Risk assessment
    // sheet is a template's name, not the self-assessment's task)
    function rank(p) {
      const at = firstPaths.indexOf(new URL(p.url).pathname);
      if (at >= 0) return (out.first[at].task ? 1.5 : 0) + at / 100;
      return p.partial || namedKinds.indexOf(p.kind) < 0 ? 3 : named(p);
    }
    const shownPaths = pages.map(function (p) { return new URL(p.url).pathname; });
    out.first.forEach(function (f, i) {
      const at = shownPaths.indexOf(firstPaths[i]);
      if (at >= 0) pages[at].url = pages[at].url.split("#")[0] + (new URL(f.url).hash || "");
      else pages.push({ url: f.url, title: f.title, kind: "", excerpt: "", partial: false, headings: [], subs: [] });
    });
    pages.sort(function (a, b) { return rank(a) - rank(b); });
    list.textContent = "";
    pages.forEach(function (page) { list.appendChild(item(page)); });
    const count = Math.max(out.count, pages.length);
    let message = !count ? strings.none : count === 1 ? strings.count_one : format(strings.count, { n: count });
    // (only some words corrected: those are named as not found, not the whole query, whose other words were found)
    if (out.corrected) {
      const some = out.kept > 0 && strings.corrected_words;
      message = format(some ? strings.corrected_words : strings.corrected, {
        query: some ? out.replaced.join(" ") : text, suggestion: out.corrected,
      }) + " " + message;
    }
    status.textContent = message || "";
    if (out.corrected) {
      // The correction is said, and undone in one click.
      const instead = document.createElement("button");
      instead.type = "button";
      instead.className = "kb-search__instead";
      instead.textContent = format(strings.instead, { query: text });
      instead.addEventListener("click", function () { run(true); input.focus(); });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(instead);
    }
    showSuggestions(out, run);
    dialog.dataset.kbSearched = text; // what the list now shows results for (tests wait for it)
  }

  // Results follow each keystroke at once: a query already asked is answered from the cache, and an older query's
  // answer that comes late is dropped (`sequence`). While an input method composes a word, the box waits for it.
  function schedule(event) {
    if (event && event.isComposing) return;
    clearTimeout(timer);
    timer = setTimeout(run, 0);
  }

  function open() {
    if (!dialog) return;
    if (!engine) {
      const here = document.baseURI;
      const bundle = new URL(dialog.dataset.kbBundle, here).href;
      const root = new URL(dialog.dataset.kbRoot, here).href;
      const kana = dialog.dataset.kbKana ? new URL(dialog.dataset.kbKana, here).href : "";
      engine = new Engine(bundle, new URL(dialog.dataset.kbWords, here).href, root, kana);
      // The language's own site is below the root (en/): section links from the words file are relative to it.
      engine.languageRoot = new URL(dialog.dataset.kbWords, here).href.slice(root.length).replace(/assets\/[^/]*$/, "");
      engine.words.then(function (words) {
        strings = words.strings || {};
        STOP = new Set(words.stop || []);
        INFLECT = words.inflections || [];
        NUMBER_WORDS = new Set(words.number_words || []);
        NUMERALS = words.numerals || [];
        engine.named = words.named || [];
        engine.listings = words.listings || [];
        if (strings.placeholder) input.placeholder = strings.placeholder;
      });
      engine.ready.catch(function () { status.textContent = strings.offline || ""; });
    }
    if (!dialog.open) dialog.showModal();
    input.focus();
    input.select();
  }

  function moveFocus(step) {
    const links = Array.from(list.querySelectorAll("a[href]"));
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    const next = at < 0 ? (step > 0 ? 0 : links.length - 1) : at + step;
    if (next < 0) input.focus();
    else links[Math.min(next, links.length - 1)].focus();
  }

  if (dialog) {
    input.addEventListener("input", schedule);
    input.addEventListener("compositionend", schedule);
    dialog.querySelector("[data-kb-search-form]").addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); moveFocus(1); }
      if (event.key === "ArrowUp" && document.activeElement !== input) { event.preventDefault(); moveFocus(-1); }
    });
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-kb-search-open]")) open();
      if (event.target.closest("[data-kb-search-close]")) dialog.close();
    });
    document.addEventListener("keydown", function (event) {
      const typing = event.target.closest("input, textarea, select, [contenteditable]");
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/" || event.key === "s" || event.key === "f") {
        event.preventDefault();
        open();
      }
    });
  }
  window.kbSearch = {
    runs: runs,
    variants: variants,
    singular: singular,
    sectionNumber: sectionNumber,
    idKey: idKey,
    query: function (text) { open(); return engine.query(text); },
    engine: function () { return engine; },
  };

  // ---- on the page a result leads to: mark the searched words (?highlight=…, one per word)
  function highlight() {
    const params = new URLSearchParams(window.location.search);
    const words = params.getAll("highlight").map(normalise).filter(function (w) { return w.length > 0; });
    if (!words.length) return;
    const forms = [];
    words.forEach(function (w) {
      forms.push(w);
      if (singular(w) !== w) forms.push(singular(w));
    });
    forms.sort(function (a, b) { return b.length - a.length; });
    const pattern = new RegExp(forms.map(patternOf).join("|"), "gi");
    const scope = document.querySelector(".md-content article") || document.querySelector(".md-content");
    if (!scope) return;
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        const parent = node.parentElement;
        if (!parent || parent.closest("script, style, textarea, [hidden], mark, .headerlink")) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      const text = node.nodeValue;
      const target = normalise(text);
      if (target.length !== text.length) return; // a width change would shift the offsets: leave this node as is
      pattern.lastIndex = 0;
      let match;
      let last = 0;
      const fragment = document.createDocumentFragment();
      while ((match = pattern.exec(target)) !== null) {
        if (!match[0]) { pattern.lastIndex += 1; continue; }
        fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
        const mark = document.createElement("mark");
        mark.className = "kb-highlight";
        mark.textContent = text.slice(match.index, match.index + match[0].length);
        fragment.appendChild(mark);
        last = match.index + match[0].length;
      }
      if (!last) return;
      fragment.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(fragment, node);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", highlight);
  else highlight();
})();
