// The chooser page (/subscribe/): build the sign-up link from the ticked boxes. In the site's
// signup_url, {topics} becomes the chosen topic slugs, {areas} the areas ticked whole and
// {every} "issue" or "week" (comma-separated, URL-quoted). Without {areas}, an area ticked
// whole counts as its topics. Nothing is stored and nothing is sent: the link carries it.
//
// The chosen topics' feeds can also go to a feed reader: "Download feeds (OPML)" saves an
// OPML file (made here, a Blob) listing each ticked topic's RSS feed (the newsletter's own
// when nothing is ticked). Labels go into it as XML attributes, escaped by the serializer.
(function () {
  var form = document.querySelector("form.pd-chooser");
  if (!form) return;
  var script = document.currentScript;
  var root = new URL("../", script ? script.src : document.baseURI);
  var siteName = document.querySelector('meta[property="og:site_name"]');
  siteName = siteName ? siteName.getAttribute("content") : document.title;
  var template = form.getAttribute("data-signup") || "";
  var link = form.querySelector("a.pd-chooser__link");
  var areaBoxes = form.querySelectorAll('input[name="area"]');
  var topicBoxes = form.querySelectorAll('input[name="topic"]');

  function topicsOf(area) {
    return Array.prototype.filter.call(topicBoxes, function (box) {
      return box.getAttribute("data-area") === area;
    });
  }
  function build() {
    var areas = [], topics = [], count = 0;
    areaBoxes.forEach(function (box) { if (box.checked) areas.push(box.value); });
    var keepAreas = template.indexOf("{areas}") >= 0;
    topicBoxes.forEach(function (box) {
      if (!box.checked) return;
      count += 1;
      var whole = areas.indexOf(box.getAttribute("data-area")) >= 0;
      if (!(keepAreas && whole)) topics.push(box.value);
    });
    var every = form.querySelector('input[name="every"]:checked');
    var values = {
      "{topics}": topics.join(","),
      "{areas}": keepAreas ? areas.join(",") : "",
      "{every}": every ? every.value : "issue",
    };
    var href = template;
    Object.keys(values).forEach(function (field) {
      href = href.split(field).join(encodeURIComponent(values[field]).replace(/%2C/g, ","));
    });
    link.setAttribute("href", href);
    link.textContent = count
      ? "Sign up for " + count + (count === 1 ? " topic" : " topics")
      : "Sign up for every paper";
  }
  areaBoxes.forEach(function (box) {
    box.addEventListener("change", function () {
      topicsOf(box.value).forEach(function (topic) { topic.checked = box.checked; });
      build();
    });
  });
  topicBoxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var area = box.getAttribute("data-area");
      var siblings = topicsOf(area);
      areaBoxes.forEach(function (areaBox) {
        if (areaBox.value === area) {
          areaBox.checked = siblings.every(function (topic) { return topic.checked; });
        }
      });
      build();
    });
  });
  function chosenFeeds() {
    var feeds = [];
    topicBoxes.forEach(function (box) {
      if (!box.checked) return;
      var label = box.closest("label");
      feeds.push({
        title: (label ? label.textContent : box.value).trim(),
        page: new URL("topics/" + box.value + "/", root).href,
      });
    });
    if (!feeds.length) feeds.push({ title: siteName, page: root.href });
    return feeds;
  }
  function opml() {
    var doc = document.implementation.createDocument(null, "opml", null);
    var top = doc.documentElement;
    top.setAttribute("version", "2.0");
    var head = doc.createElement("head");
    var title = doc.createElement("title");
    title.textContent = siteName + ": your topics";
    head.appendChild(title);
    top.appendChild(head);
    var body = doc.createElement("body");
    chosenFeeds().forEach(function (feed) {
      var outline = doc.createElement("outline");
      outline.setAttribute("type", "rss");
      outline.setAttribute("text", feed.title);
      outline.setAttribute("title", feed.title);
      outline.setAttribute("xmlUrl", feed.page + "feed.xml");
      outline.setAttribute("htmlUrl", feed.page);
      body.appendChild(outline);
    });
    top.appendChild(body);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc) + "\n";
  }
  var download = document.createElement("button");
  download.type = "button";
  download.className = "pd-chooser__opml md-button";
  download.textContent = "Download feeds (OPML)";
  download.addEventListener("click", function () {
    var blob = new Blob([opml()], { type: "text/x-opml;charset=utf-8" });
    var save = document.createElement("a");
    save.href = URL.createObjectURL(blob);
    save.download = "paper-digest-topics.opml";
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(function () { URL.revokeObjectURL(save.href); }, 0);
  });
  link.parentNode.appendChild(document.createTextNode(" "));
  link.parentNode.appendChild(download);
  form.addEventListener("change", build);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  build();
})();
