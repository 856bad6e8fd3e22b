// The chooser page (/subscribe/): build the sign-up link from the ticked boxes. In the site's
// signup_url, {topics} becomes the chosen topic slugs, {areas} the areas ticked whole and
// {every} "issue" or "week" (comma-separated, URL-quoted). Without {areas}, an area ticked
// whole counts as its topics. Nothing is stored and nothing is sent: the link carries it.
(function () {
  var form = document.querySelector("form.pd-chooser");
  if (!form) return;
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
  form.addEventListener("change", build);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  build();
})();
