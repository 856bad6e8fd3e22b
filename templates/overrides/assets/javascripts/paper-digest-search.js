// Search papers and topics in Material's header, with the Pagefind index that
// `paper-digest build` writes into pagefind/ (generator/site/search.py).
//
// Pagefind's script and index load on the first focus of the box; a query then fetches only
// the index chunks and result fragments it needs. Each result is one short entry: the title,
// what it is and when, one line of the text around the words found.
//
// The page holds the dialog's box, hidden, with its labels and icons
// (templates/overrides/partials/search.html); this script builds the dialog in it and shows it.
//
// Titles and abstracts come from the web: every text goes into the page through textContent,
// never innerHTML. Pagefind's excerpts are HTML-escaped text with <mark> around the words found;
// they are split at the marks and each piece unescaped into a text node; the TeX of an
// abstract is shown as its plain words there (plainTeX).
//
// Pagefind, finding no indexed word a query word starts with, matches the longest indexed word
// the query word starts with: "GRPO" found pages with the letter "g". So the answer of each
// part of the index is taken only when its first result holds, for every word of the query, a
// word it could stand for (relatedWord); when no part's is, the dialog says nothing matches
// and, from the site's own vocabulary (pagefind/vocabulary.json, written at build time by
// generator/site/search_words.py, fetched only then), suggests the nearest known words:
// "difusion" -> "diffusion".
//
// `?q=words` in a page's address opens the search with that query; keys typed between the
// tap on the search icon and the box taking the focus are kept and put into the box.
(function () {
  "use strict";

  var dialog = document.querySelector("[data-pd-search]");
  var toggle = document.getElementById("__search");
  var button = document.querySelector("label.md-header__button[for='__search'] svg");
  if (!dialog || !toggle || !button) return;
  var root = new URL(dialog.getAttribute("data-pd-root"), document.baseURI);

  var PAGE_SIZE = 10;
  var WORDS_BEFORE = 4;
  var HINT = "Type to search papers and topics";
  var VOCABULARY = "pagefind/vocabulary.json";
  var PARTS = "pagefind/parts.json";
  // A query word shorter than this matches only itself (or its plural), never a longer word
  // it begins: "ViT" is not "vital"; from this length on, it may be the start of a word.
  var PREFIX_FROM = 4;
  var PLURALS = ["s", "es"];
  // Endings a word's other forms differ by, after their common stem (Pagefind stems words).
  var ENDINGS = (
    "s es ed ing er ers est ly e y ies ied al ally ation ations ational ize izes ized izer " +
    "izers izing ization izations ise ises ised iser isers ising isation ity ities ive ively " +
    "ness ment ments ence ences ance ances able ible ful ous ic ical ically ist ists ism isms " +
    "ion ions ional or ors ate ates ated ating ator ators ity"
  ).split(" ");
  // TeX shown as text: a few commands as the symbols they write, the others as their names
  // (font commands, which only change how their argument looks, as nothing).
  var TEX_SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
    Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Pi: "Π", Sigma: "Σ", Phi: "Φ",
    Psi: "Ψ", Omega: "Ω", times: "×", cdot: "·", cdots: "…", ldots: "…", dots: "…",
    leq: "≤", le: "≤", geq: "≥", ge: "≥", neq: "≠", approx: "≈", sim: "~", infty: "∞",
    in: "∈", to: "→", rightarrow: "→", leftarrow: "←", pm: "±", ell: "ℓ", partial: "∂",
    nabla: "∇", sum: "Σ", prod: "Π", sqrt: "√", propto: "∝", "%": "%", "&": "&", "_": "_",
    "#": "#", "$": "$", "{": "{", "}": "}", ",": " ", ";": " ", "!": "", " ": " ",
  };
  var SUPERSCRIPTS = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "+": "⁺", "-": "⁻", "*": "*", n: "ⁿ", T: "ᵀ", i: "ⁱ" };
  var SUBSCRIPTS = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", "+": "₊", "-": "₋" };
  var TEX_SILENT = /^(mathcal|mathbb|mathbf|mathrm|mathsf|mathit|boldsymbol|text|textbf|textit|texttt|textrm|emph|operatorname|left|right|big|Big|bigg|Bigg|displaystyle|limits|mathop|hat|tilde|bar|overline|widetilde|widehat|vec|frac)$/;

  // An element with attributes and children; text children become text nodes.
  function node(tag, attributes, children) {
    var made = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) {
      made.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      made.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return made;
  }

  // Material's search dialog (its partials/search.html, mkdocs-material 9), around the icons
  // the page gives: the header's search button's, then back and clear in the dialog's box.
  var icons = [button.cloneNode(true)].concat(Array.prototype.slice.call(dialog.children));
  var label = dialog.getAttribute("aria-label");
  var placeholder = dialog.getAttribute("data-pd-placeholder");
  var reset = dialog.getAttribute("data-pd-reset");
  var input = node("input", {
    type: "text",
    class: "md-search__input",
    name: "query",
    "aria-label": placeholder,
    placeholder: placeholder,
    autocapitalize: "off",
    autocorrect: "off",
    autocomplete: "off",
    spellcheck: "false",
    "aria-controls": "pd-search-results",
    required: "",
  });
  var form = node("form", { class: "md-search__form", name: "search" }, [
    input,
    node("label", { class: "md-search__icon md-icon", for: "__search" }, icons.slice(0, 2)),
    node("nav", { class: "md-search__options", "aria-label": label }, [
      node(
        "button",
        { type: "reset", class: "md-search__icon md-icon", title: reset, "aria-label": reset, tabindex: "-1" },
        icons.slice(2, 3)
      ),
    ]),
  ]);
  var status = node("div", { class: "md-search-result__meta", "aria-live": "polite" }, [HINT]);
  var list = node("ol", {
    class: "md-search-result__list",
    id: "pd-search-results",
    "data-pd-search-results": "",
  });
  dialog.replaceChildren(
    node("label", { class: "md-search__overlay", for: "__search" }),
    node("div", { class: "md-search__inner", role: "search" }, [
      form,
      node("div", { class: "md-search__output" }, [
        node("div", { class: "md-search__scrollwrap", tabindex: "0" }, [
          node("div", { class: "md-search-result" }, [status, list]),
        ]),
      ]),
    ])
  );
  dialog.hidden = false;
  var pagefind = null; // a promise of the Pagefind module, once asked for
  var query = ""; // the query the shown results belong to
  var results = []; // every result of that query, best first
  var shown = 0; // how many of them are in the list

  // The options of every part of the index.
  function partOptions(name) {
    return {
      baseUrl: root.pathname,
      excerptLength: 20,
      // A title counts most (a paper's keyphrases, authors and abstract are weighted in
      // its page: data-pagefind-weight); a topic's name more still, so that a query
      // naming a topic shows the topic before the papers that use the same words.
      ranking: { metaWeights: { title: 8, topic: 40 } },
      // Each result says which part it came from: the dialog judges each part's answer.
      mergeFilter: { part: name },
    };
  }

  // The index is a main bundle (the topics and the newest papers) and the closed parts that
  // PARTS lists (generator/site/search.py), merged into it with Pagefind's mergeIndex.
  function loadPagefind() {
    if (pagefind === null) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        return module
          .options(partOptions("main"))
          .then(function () {
            module.init();
            return fetch(new URL(PARTS, root).href);
          })
          .then(function (response) { return response.ok ? response.json() : { parts: [] }; })
          .then(function (data) {
            var parts = Array.isArray(data.parts) ? data.parts : [];
            return Promise.all(parts.map(function (path) {
              return module.mergeIndex(new URL("pagefind/" + path, root).href, partOptions(path));
            }));
          })
          .then(function () { return module; });
      });
    }
    return pagefind;
  }

  // The results of the parts whose answer is the words asked. Pagefind answers a word that a
  // part does not hold with that part's pages on a shorter word (above): each part that found
  // something is judged by its own first result, as one index is. Scores of different parts
  // do not compare well: a topic named by the query that is the first result of its part
  // (the main one) goes first, as topicNamedFirst does in one index.
  function judged(module, asked, found, wanted, forQuery) {
    var counts = (found.filters && found.filters.part) || {};
    var parts = Object.keys(counts).filter(function (name) { return counts[name] > 0; });
    if (parts.length < 2) parts = [""]; // one answer: judged whole
    var named = null;
    return Promise.all(parts.map(function (name) {
      var only = name ? module.search(asked, { filters: { part: name } }) : Promise.resolve(found);
      return only.then(function (answer) {
        var first = answer.results[0];
        return first ? first.data().then(function (data) {
          var ok = answers(data, wanted);
          if (ok && name && isNamedTopic(data, forQuery)) named = first;
          return ok;
        }) : false;
      });
    })).then(function (verdicts) {
      var good = parts.filter(function (_name, at) { return verdicts[at]; });
      if (good.length === parts.length) return found.results;
      if (!good.length) return [];
      return module.search(asked, { filters: { part: { any: good } } }).then(function (answer) {
        return answer.results;
      });
    }).then(function (kept) {
      if (named === null) return kept;
      return [named].concat(kept.filter(function (result) { return result.id !== named.id; }));
    });
  }

  function say(text) {
    status.textContent = text;
  }

  function counted(count) {
    if (count === 0) return "No paper or topic matches";
    return count === 1 ? "1 result" : count + " results";
  }

  // Pagefind escapes &, <, > (and may leave other entities of the page's text as they were).
  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'" };

  function unescapeText(text) {
    return text.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, function (entity) {
      return ENTITIES[entity];
    });
  }

  // TeX as text: delimiters and braces go, commands become their symbols or names, short
  // scripts of digits and signs are raised or lowered ("G^*" is "G*", "n^2" is "n²").
  function plainTeX(text) {
    if (!/[\\${}^_]/.test(text)) return text;
    return text.replace(/([\^_])(?:\{([^{}]{1,4})\}|([^{\\\s]))/g, function (found, mark, braced, single) {
      var table = mark === "^" ? SUPERSCRIPTS : SUBSCRIPTS;
      var chars = (braced || single).split("");
      var each = chars.map(function (char) { return table[char]; });
      return each.indexOf(undefined) >= 0 ? found : each.join("");
    }).replace(/\\([A-Za-z]+|.)|\$(?!\d)|[{}]/g, function (found, name) {
      if (name === undefined) return "";
      if (Object.prototype.hasOwnProperty.call(TEX_SYMBOLS, name)) return TEX_SYMBOLS[name];
      if (TEX_SILENT.test(name) || /^[()[\]]$/.test(name)) return "";
      return name;
    });
  }

  // The words of a text as Pagefind compares them: lower case, accents and punctuation gone.
  function words(text) {
    return String(text || "")
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  }

  // Whether the word of a page `found` is one a query word `wanted` could mean: itself, its
  // plural, a word it begins (from PREFIX_FROM letters on: "diffu"), or another form of one
  // stem, as Pagefind's stemmer has them: the two share PREFIX_FROM letters or more, and the
  // rest of the query word is an ending ("optimizers" and "optimal"). Never a word sharing
  // only its first letters ("grpo" and "g", "difusion" and "dit", "transfomer" and
  // "transformer").
  function relatedWord(wanted, found) {
    if (found === wanted) return true;
    var common = 0;
    while (common < wanted.length && wanted[common] === found[common]) common += 1;
    if (common === wanted.length) {
      return common >= PREFIX_FROM || PLURALS.indexOf(found.slice(common)) >= 0;
    }
    return common >= PREFIX_FROM && ENDINGS.indexOf(wanted.slice(common)) >= 0;
  }

  // Whether a result's text holds, for every query word, a word it could mean.
  function answers(data, wanted) {
    var meta = data.meta || {};
    var text = [data.content].concat(Object.keys(meta).map(function (key) { return meta[key]; }));
    var held = words(text.join(" "));
    return wanted.every(function (word) {
      return held.some(function (found) { return relatedWord(word, found); });
    });
  }

  // Optimal string alignment distance (a swap of two letters is one edit), or more than
  // `most` as soon as it must be.
  function distance(a, b, most) {
    if (Math.abs(a.length - b.length) > most) return most + 1;
    var before = null;
    var previous = [];
    for (var j = 0; j <= b.length; j += 1) previous.push(j);
    for (var i = 1; i <= a.length; i += 1) {
      var row = [i];
      var least = i;
      for (j = 1; j <= b.length; j += 1) {
        var value = Math.min(
          previous[j] + 1,
          row[j - 1] + 1,
          previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
        );
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          value = Math.min(value, before[j - 2] + 1);
        }
        row.push(value);
        least = Math.min(least, value);
      }
      if (least > most) return most + 1;
      before = previous;
      previous = row;
    }
    return previous[b.length];
  }

  var vocabulary = null; // a promise of the site's words, most frequent first, once asked for

  function loadVocabulary() {
    if (vocabulary === null) {
      vocabulary = fetch(new URL(VOCABULARY, root).href)
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (data) { return Array.isArray(data.words) ? data.words : []; })
        .catch(function () { return []; });
    }
    return vocabulary;
  }

  // The query with each word the site does not know replaced by the most frequent known word
  // with its first letter one edit away (two, for a word of seven letters or more); null if
  // none is replaced.
  function suggestion(wanted, known) {
    var changed = false;
    var better = wanted.map(function (word) {
      if (word.length < PREFIX_FROM || known.indexOf(word) >= 0 || /\d/.test(word)) return word;
      var most = word.length >= 7 ? 2 : 1;
      var best = null;
      var bestDistance = most + 1;
      known.forEach(function (candidate) {
        // Misspellings keep their first letter, mostly: "Kaiming" is no "aiming".
        if (bestDistance === 1 || candidate[0] !== word[0]) return;
        var apart = distance(word, candidate, most);
        if (apart < bestDistance) {
          best = candidate;
          bestDistance = apart;
        }
      });
      if (best === null) return word;
      changed = true;
      return best;
    });
    return changed ? better.join(" ") : null;
  }

  // Say that nothing matches; then, once the vocabulary is there, offer a better query.
  function sayNothing(forQuery, wanted) {
    say(counted(0));
    loadVocabulary().then(function (known) {
      var better = forQuery === query ? suggestion(wanted, known) : null;
      if (!better) return;
      var offer = node("button", { type: "button", class: "pd-search-suggest" }, [better]);
      offer.addEventListener("click", function () {
        input.value = better;
        search(better);
        input.focus();
      });
      status.replaceChildren(counted(0) + ". Did you mean ", offer, "?");
    });
  }

  // Start the line a few words before the first word found, so that it shows on one line.
  function nearFirstMark(excerpt) {
    var at = excerpt.indexOf("<mark>");
    var before = excerpt.slice(0, Math.max(at, 0)).split(" ");
    if (before.length <= WORDS_BEFORE + 1) return excerpt;
    return "… " + before.slice(-WORDS_BEFORE - 1).join(" ") + excerpt.slice(at);
  }

  function appendMarked(target, excerpt) {
    var parts = nearFirstMark(String(excerpt || "")).split(/(<mark>|<\/mark>)/);
    var marked = false;
    parts.forEach(function (part) {
      if (part === "<mark>") marked = true;
      else if (part === "</mark>") marked = false;
      else if (part) {
        var text = document.createTextNode(plainTeX(unescapeText(part)));
        if (marked) {
          var mark = document.createElement("mark");
          mark.appendChild(text);
          target.appendChild(mark);
        } else {
          target.appendChild(text);
        }
      }
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function resultItem(data) {
    var meta = data.meta || {};
    var item = element("li", "md-search-result__item");
    var link = element("a", "md-search-result__link pd-search-result");
    link.href = data.url;
    var article = element("article", "md-search-result__article md-typeset");
    article.appendChild(element("div", "md-search-result__icon md-icon"));
    article.appendChild(element("h1", "pd-search-result__title", plainTeX(meta.title || data.url)));
    var line = element("p", "pd-search-result__line");
    var about = [meta.kind, meta.date || meta.detail].filter(Boolean).join(" · ");
    line.appendChild(element("span", "pd-search-result__what", about));
    if (about) line.appendChild(document.createTextNode(" — "));
    appendMarked(line, data.excerpt);
    article.appendChild(line);
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function moreItem() {
    var item = element("li", "md-search-result__item pd-search-more");
    var button = element("button", "md-search-result__link pd-search-more__button");
    button.type = "button";
    button.textContent = "Show " + Math.min(PAGE_SIZE, results.length - shown) + " more";
    button.addEventListener("click", function () {
      item.remove();
      showMore(query);
    });
    item.appendChild(button);
    return item;
  }

  function folded(text) {
    return String(text || "").replace(/\s+\([^)]*\)$/, "").replace(/\s+/g, " ").trim().toLowerCase();
  }

  // A query that is a topic's name (its acronyms aside) shows that topic first: word counts
  // can rank papers that repeat a one-word name ("Backpropagation") above the topic itself.
  function isNamedTopic(data, forQuery) {
    var meta = data.meta || {};
    return meta.kind === "Topic" && folded(meta.topic || meta.title) === folded(forQuery);
  }

  function topicNamedFirst(found, forQuery) {
    var at = found.findIndex(function (data) { return isNamedTopic(data, forQuery); });
    if (at <= 0) return found;
    return [found[at]].concat(found.slice(0, at), found.slice(at + 1));
  }

  function showMore(forQuery) {
    var batch = results.slice(shown, shown + PAGE_SIZE);
    var first = shown === 0;
    shown += batch.length;
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (found) {
      if (forQuery !== query) return; // a newer query replaced these results
      if (first) found = topicNamedFirst(found, forQuery);
      found.forEach(function (data) { list.appendChild(resultItem(data)); });
      if (shown < results.length) list.appendChild(moreItem());
      list.setAttribute("data-pd-query", forQuery); // the query these results answer
    });
  }

  function search(text) {
    var forQuery = text.trim();
    query = forQuery;
    remember(forQuery);
    if (!forQuery) {
      results = [];
      shown = 0;
      list.replaceChildren();
      list.removeAttribute("data-pd-query");
      say(HINT);
      return;
    }
    var wanted = words(forQuery);
    // One short word ("ViT", "RL") is searched as itself: Pagefind would add the words it
    // begins ("vital").
    var asked = wanted.length === 1 && wanted[0].length < PREFIX_FROM ? '"' + wanted[0] + '"' : forQuery;
    var module = null;
    loadPagefind()
      .then(function (loaded) {
        module = loaded;
        return module.debouncedSearch(asked, {}, 100);
      })
      .then(function (found) {
        if (found === null || forQuery !== query) return; // a newer query is on its way
        return judged(module, asked, found, wanted, forQuery).then(function (kept) {
          if (forQuery !== query) return;
          results = kept;
          shown = 0;
          list.replaceChildren();
          if (results.length) say(counted(results.length));
          else sayNothing(forQuery, wanted);
          return showMore(forQuery);
        });
      })
      .catch(function () {
        say("Search is not available: this copy of the site has no search index");
      });
  }

  // The page's address carries the query (?q=), so that a search can be linked.
  function remember(forQuery) {
    var address = new URL(window.location.href);
    if (forQuery) address.searchParams.set("q", forQuery);
    else address.searchParams.delete("q");
    if (address.href !== window.location.href) window.history.replaceState(window.history.state, "", address.href);
  }

  function open() {
    toggle.checked = true;
    input.focus();
    input.select();
  }

  function close() {
    toggle.checked = false;
    input.blur();
    remember("");
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a, button"));
  }

  function isTyping(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  // Keys as Material's own search has them: "/", "s" or "f" opens the search, Escape closes
  // it, the arrows move through the results, Enter follows one (the first, from the box).
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (toggle.checked && keep(event)) return;
    if (!toggle.checked) {
      if (!isTyping(event.target) && ["/", "s", "f"].indexOf(event.key) >= 0) {
        event.preventDefault();
        open();
      }
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var all = [input].concat(links());
      var at = all.indexOf(document.activeElement);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = all[Math.max(0, Math.min(all.length - 1, at + step))];
      if (next) {
        event.preventDefault();
        next.focus();
      }
    }
  });

  // Keys typed while the dialog opens (a tap on the icon, then typing at once, before the box
  // has the focus) go into the box, in order, once it has it.
  var typedEarly = "";

  function keep(event) {
    if (event.target === input || dialog.contains(event.target) || isTyping(event.target)) {
      return false;
    }
    if (event.key.length === 1) typedEarly += event.key;
    else if (event.key === "Backspace") typedEarly = typedEarly.slice(0, -1);
    else return false;
    event.preventDefault();
    input.focus();
    return true;
  }

  input.addEventListener("focus", function () {
    toggle.checked = true;
    loadPagefind().catch(function () {});
    if (typedEarly) {
      input.value += typedEarly;
      typedEarly = "";
      search(input.value);
    }
  });
  input.addEventListener("input", function () { search(input.value); });
  toggle.addEventListener("change", function () {
    if (toggle.checked) setTimeout(function () { input.focus(); }, 250);
    else {
      input.blur();
      typedEarly = "";
      remember("");
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = links()[0];
    if (first) first.click();
  });
  form.addEventListener("reset", function () {
    setTimeout(function () {
      search("");
      input.focus();
    });
  });

  // A link to a search: /?q=Muon%20optimizer opens the dialog with that query.
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked && asked.trim()) {
    open();
    input.value = asked;
    search(asked);
  }
})();
