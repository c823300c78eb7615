/* Pages everyone can use.
   A table or map that scrolls inside its own box is reachable by keyboard (tabindex=0)
   and named for screen readers after its caption or the heading above it. */
(function () {
  "use strict";
  function nameOf(box) {
    var figure = box.closest("figure");
    var caption = box.querySelector("caption") || (figure && figure.querySelector("figcaption"));
    if (caption) return caption.textContent.trim();
    var node = box;
    while (node && node !== document.body) {
      var previous = node.previousElementSibling;
      while (previous) {
        var heading = /^H[1-6]$/.test(previous.tagName) ? previous : previous.querySelector("h1, h2, h3, h4, h5, h6, summary");
        if (heading && heading.textContent.trim()) return heading.textContent.trim();
        previous = previous.previousElementSibling;
      }
      node = node.parentElement;
    }
    var header = box.querySelector("th");
    return header ? header.textContent.trim() : "";
  }

  function labelScrollBoxes() {
    document.querySelectorAll(".table-responsive, .map-scroll").forEach(function (box) {
      // A tab stop only where the box does scroll (a phone), none on a wide screen.
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        var name = nameOf(box);
        if (name) box.setAttribute("aria-label", name);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelScrollBoxes();
  });
  // Rows that htmx swaps in (the board) may bring new boxes; a turned phone, new widths.
  document.addEventListener("htmx:afterSwap", labelScrollBoxes);
  window.addEventListener("resize", labelScrollBoxes);
})();
