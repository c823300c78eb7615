// The village map: hover or tap an area (or a household, or a home) to bring that member
// forward and name them under the map; tap again, or tap elsewhere, to let go.
// On the proposal page the moves of the ticked groups stand out (data-g on each arrow).
(function () {
  function setUp(figure) {
    if (figure.dataset.ready) return;
    figure.dataset.ready = "1";
    var svg = figure.querySelector("svg");
    var caption = figure.querySelector("[data-map-caption]");
    if (!svg) return;
    var pinned = svg.dataset.highlight || null;

    function labelOf(id) {
      var area = svg.querySelector('.map-area[data-m="' + id + '"]');
      return area ? area.getAttribute("data-label") : "";
    }
    function show(id) {
      svg.querySelectorAll(".on").forEach(function (el) { el.classList.remove("on"); });
      if (!id) {
        svg.classList.remove("has-focus");
        if (caption) caption.textContent = caption.dataset.default;
        return;
      }
      svg.classList.add("has-focus");
      svg.querySelectorAll('[data-m="' + id + '"]').forEach(function (el) { el.classList.add("on"); });
      if (caption) caption.textContent = labelOf(id);
    }
    function memberAt(event) {
      var el = event.target.closest ? event.target.closest("[data-m]") : null;
      return el ? el.getAttribute("data-m") : null;
    }
    svg.addEventListener("pointerover", function (event) {
      if (!pinned && event.pointerType === "mouse") show(memberAt(event));
    });
    svg.addEventListener("pointerleave", function () { show(pinned); });
    svg.addEventListener("click", function (event) {
      var id = memberAt(event);
      pinned = id && id !== pinned ? id : null;
      show(pinned);
    });
    if (pinned) show(pinned);

    // Open large: the figure fills the window (names laid out again for that size, see
    // app.css); the button, or Escape, closes it.
    var tools = figure.querySelector("[data-map-tools]");
    var large = figure.querySelector("[data-map-large]");
    if (tools && large) {
      tools.hidden = false;
      var setLarge = function (on) {
        figure.classList.toggle("is-large", on);
        document.body.classList.toggle("map-open", on);
        large.setAttribute("aria-pressed", on ? "true" : "false");
        large.textContent = on ? large.dataset.close : large.dataset.open;
        if (on) large.focus();
      };
      large.addEventListener("click", function () { setLarge(!figure.classList.contains("is-large")); });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && figure.classList.contains("is-large")) setLarge(false);
      });
    }
  }

  function markTicked() {
    var ticked = {};
    document.querySelectorAll("input[data-group]:checked").forEach(function (box) {
      ticked[box.getAttribute("data-group")] = true;
    });
    var any = Object.keys(ticked).length > 0;
    document.querySelectorAll("figure.village-map svg").forEach(function (svg) {
      svg.classList.toggle("has-ticks", any);
      svg.querySelectorAll(".map-move").forEach(function (arrow) {
        var groups = (arrow.getAttribute("data-g") || "").split(" ");
        arrow.classList.toggle("ticked", groups.some(function (g) { return ticked[g]; }));
      });
    });
  }

  document.querySelectorAll("figure.village-map").forEach(setUp);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[data-group]")) markTicked();
  });
  markTicked();
})();
