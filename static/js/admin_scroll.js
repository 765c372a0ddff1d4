/* Admin pages: a table wider than its box scrolls on its own (static/css/admin.css): an inline's
   table on a narrow window, the analysis tables on a phone. Such a box can be focused, so that
   keyboard users can scroll it with the arrow keys too; an inline's box is named after its
   heading. A box that fits is left as it is (no extra stop when tabbing). Runs again when the
   window changes size. */
(function () {
  "use strict";
  var SELECTOR =
    ".inline-group .tabular, .analysis-chart, #pending, .analysis-choices, .analysis-texts, .analysis-proposals";

  function update() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var ours = box.hasAttribute("data-scroll-focus");
      if (scrolls && !ours && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
        if (box.tagName !== "TABLE") {
          var labelled = box.querySelector("[aria-labelledby]");
          box.setAttribute("role", "region");
          if (labelled) {
            box.setAttribute("aria-labelledby", labelled.getAttribute("aria-labelledby"));
          }
        }
      } else if (!scrolls && ours) {
        ["tabindex", "data-scroll-focus", "role", "aria-labelledby"].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }

  window.addEventListener("load", update);
  window.addEventListener("resize", update);
})();
