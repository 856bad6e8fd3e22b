// Typeset the math in abstracts with the bundled KaTeX. The pages wrap each formula in
// <span class="arithmatex">\( ... \)</span> (or \[ ... \] for a display); its text is
// HTML-escaped TeX, and KaTeX runs with trust off, so \href and friends stay inert.
(function () {
  function renderMath(root) {
    if (typeof katex === "undefined") return;
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.pdTypeset) return;
      var text = el.textContent.trim();
      var display = text.startsWith("\\[");
      katex.render(text.slice(2, -2), el, {
        displayMode: display,
        throwOnError: false,
        trust: false,
      });
      el.dataset.pdTypeset = "1";
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { renderMath(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { renderMath(document); });
  }
})();
