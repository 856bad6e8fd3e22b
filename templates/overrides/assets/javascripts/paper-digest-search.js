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
// they are split at the marks and each piece unescaped into a text node.
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

  function loadPagefind() {
    if (pagefind === null) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        return module
          .options({
            baseUrl: root.pathname,
            excerptLength: 20,
            // A title counts most (a paper's keyphrases, authors and abstract are weighted in
            // its page: data-pagefind-weight); a topic's name more still, so that a query
            // naming a topic shows the topic before the papers that use the same words.
            ranking: { metaWeights: { title: 8, topic: 40 } },
          })
          .then(function () {
            module.init();
            return module;
          });
      });
    }
    return pagefind;
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
        var text = document.createTextNode(unescapeText(part));
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
    article.appendChild(element("h1", "pd-search-result__title", meta.title || data.url));
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
  function topicNamedFirst(found, forQuery) {
    var wanted = folded(forQuery);
    var at = found.findIndex(function (data) {
      var meta = data.meta || {};
      return meta.kind === "Topic" && folded(meta.topic || meta.title) === wanted;
    });
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
    if (!forQuery) {
      results = [];
      shown = 0;
      list.replaceChildren();
      list.removeAttribute("data-pd-query");
      say(HINT);
      return;
    }
    loadPagefind()
      .then(function (module) { return module.debouncedSearch(forQuery, {}, 100); })
      .then(function (found) {
        if (found === null || forQuery !== query) return; // a newer query is on its way
        results = found.results;
        shown = 0;
        list.replaceChildren();
        say(counted(results.length));
        return showMore(forQuery);
      })
      .catch(function () {
        say("Search is not available: this copy of the site has no search index");
      });
  }

  function open() {
    toggle.checked = true;
    input.focus();
    input.select();
  }

  function close() {
    toggle.checked = false;
    input.blur();
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

  input.addEventListener("focus", function () {
    toggle.checked = true;
    loadPagefind().catch(function () {});
  });
  input.addEventListener("input", function () { search(input.value); });
  toggle.addEventListener("change", function () {
    if (toggle.checked) setTimeout(function () { input.focus(); }, 250);
    else input.blur();
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
})();
