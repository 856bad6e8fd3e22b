// Follow topics without an account: the topics a reader follows stay in this browser
// (localStorage), and nothing is sent anywhere.
//
// - A topic page's Follow button (templates/pages/topic.md.j2, hidden without scripts) adds
//   the topic to the list, or takes it off.
// - The home page, when the reader follows topics, fetches api/follow.json from the site itself
//   (each topic's newest papers, generator/site/follow.py) and opens with "New in your topics":
//   the papers of those topics listed in an issue newer than the newest the reader had seen at
//   their last visit (the first time, the newest issue's). A visit is a browser session: the
//   block stays the same on reloads, and moves on the next visit.
//
// Titles come from the web: they go into the page through textContent, never innerHTML.
(function () {
  "use strict";

  var KEY = "paper-digest:follow";
  var VISIT = "paper-digest:visit";
  var SHOWN = 10;
  var dialog = document.querySelector("[data-pd-search]");
  var root = new URL(dialog ? dialog.getAttribute("data-pd-root") : "./", document.baseURI);

  function load() {
    try {
      var state = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return state && typeof state === "object" && !Array.isArray(state) ? state : {};
    } catch (error) {
      return {};
    }
  }

  function save(state) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(state));
    } catch (error) {
      // Storage refused (private mode, full): following lasts as long as the page.
    }
  }

  function followed(state) {
    var topics = state.topics;
    return topics && typeof topics === "object" && !Array.isArray(topics) ? topics : {};
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) made.className = className;
    if (text) made.textContent = text;
    return made;
  }

  // A topic page: its Follow button.
  function followButton(button) {
    var slug = button.getAttribute("data-pd-follow");
    var heading = document.querySelector("article h1");
    var label = heading ? heading.textContent.trim() : slug;

    function show() {
      var on = Object.prototype.hasOwnProperty.call(followed(load()), slug);
      button.textContent = on ? "Following" : "Follow";
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.title = on ? "Stop following " + label : "Show new papers of " + label + " on the home page";
    }

    button.addEventListener("click", function () {
      var state = load();
      var topics = followed(state);
      if (Object.prototype.hasOwnProperty.call(topics, slug)) delete topics[slug];
      else topics[slug] = label;
      state.topics = topics;
      save(state);
      show();
    });
    button.hidden = false;
    show();
  }

  // The home page: the visit moves the reader's last seen issue on, once a session.
  function visit(state, latest) {
    var fresh = true;
    try {
      fresh = !window.sessionStorage.getItem(VISIT);
      window.sessionStorage.setItem(VISIT, "1");
    } catch (error) {
      fresh = true;
    }
    if (fresh || typeof state.seen !== "number") {
      state.seen = typeof state.latest === "number" ? state.latest : latest - 1;
      state.latest = latest;
      save(state);
    }
    return state.seen;
  }

  function newPapers(data, topics, seen) {
    var found = [];
    var listed = {};
    Object.keys(topics).sort().forEach(function (slug) {
      var topic = data.topics && data.topics[slug];
      if (!topic) return;
      (topic.papers || []).forEach(function (paper) {
        if (paper.issue > seen && !listed[paper.url]) {
          listed[paper.url] = true;
          found.push({ paper: paper, topic: topic });
        }
      });
    });
    found.sort(function (a, b) {
      return b.paper.issue - a.paper.issue || (a.paper.title < b.paper.title ? -1 : 1);
    });
    return found;
  }

  function block(found, topics) {
    var section = element("section", "pd-follow-new");
    section.setAttribute("aria-labelledby", "pd-follow-new");
    var heading = element("h2", "", "New in your topics");
    heading.id = "pd-follow-new";
    section.appendChild(heading);
    if (!found.length) {
      var names = Object.keys(topics).sort().map(function (slug) { return topics[slug]; });
      section.appendChild(element("p", "pd-meta", "Nothing new since your last visit in " + names.join(", ") + "."));
      return section;
    }
    var list = element("ul", "pd-follow-new__list");
    found.slice(0, SHOWN).forEach(function (item) {
      var entry = element("li");
      var link = element("a", "", item.paper.title);
      link.href = new URL(item.paper.url, root).href;
      var topic = element("a", "pd-topic", item.topic.label);
      topic.href = new URL(item.topic.url, root).href;
      entry.appendChild(link);
      entry.appendChild(document.createTextNode(" "));
      entry.appendChild(topic);
      list.appendChild(entry);
    });
    section.appendChild(list);
    if (found.length > SHOWN) {
      section.appendChild(element("p", "pd-meta", "and " + (found.length - SHOWN) + " more in your topics' pages."));
    }
    return section;
  }

  function home() {
    var state = load();
    var topics = followed(state);
    if (!Object.keys(topics).length) return;
    var article = document.querySelector("article.md-content__inner");
    if (!article) return;
    fetch(new URL("api/follow.json", root).href)
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || typeof data.latest !== "number") return;
        var seen = visit(state, data.latest);
        var shown = block(newPapers(data, topics, seen), topics);
        var heading = article.querySelector("h1");
        if (heading) heading.parentNode.insertBefore(shown, heading.nextSibling);
        else article.insertBefore(shown, article.firstChild);
      })
      .catch(function () {});
  }

  var button = document.querySelector("button[data-pd-follow]");
  if (button) followButton(button);
  var here = window.location.pathname.replace(/index\.html$/, "");
  if (here === root.pathname) home();
})();
