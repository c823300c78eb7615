/* Pages everyone can use.
   1. Care mode (关怀模式): where the page offers it (<html data-care-offered>: the villager's
      card pages and the member's pages), the phone's choice, kept in localStorage, is applied
      before the page is drawn (this script loads in <head>), so it holds offline too. The
      switch ([data-care-toggle]) turns it on and off and says its state by aria-pressed.
   2. A table or map that scrolls inside its own box is reachable by keyboard (tabindex=0)
      and named for screen readers after its caption or the heading above it. */
(function () {
  "use strict";
  var KEY = "care-mode";
  var root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
  }
  function store(on) {
    try { localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode: this page only */ }
  }
  function apply(on) {
    root.classList.toggle("care", on);
    document.querySelectorAll("[data-care-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      var state = button.querySelector(".care-toggle-state");
      if (state) state.textContent = on ? state.dataset.on : state.dataset.off;
    });
  }
  var offered = root.hasAttribute("data-care-offered");
  if (offered) root.classList.toggle("care", stored());

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
    if (offered) {
      document.querySelectorAll("[data-care-toggle]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var on = !root.classList.contains("care");
          store(on);
          apply(on);
          labelScrollBoxes();
        });
      });
      apply(root.classList.contains("care"));
    }
    labelScrollBoxes();
  });
  // Rows that htmx swaps in (the board) may bring new boxes; a turned phone, new widths.
  document.addEventListener("htmx:afterSwap", labelScrollBoxes);
  window.addEventListener("resize", labelScrollBoxes);
})();
