/* The meeting form: searchable pickers for long lists, and only the parts that belong to
   the kind of meeting. Without JavaScript every part shows and the lists stay plain selects. */
(function () {
  "use strict";
  var form = document.querySelector("form.meeting-form");
  if (!form) return;

  if (typeof TomSelect !== "undefined") {
    form.querySelectorAll("select.picker").forEach(function (select) {
      var noResults = form.dataset.noResults;
      // Tom Select points the field's <label> at its search box; the list it hides keeps
      // the label's words as its own name, for screen readers that still reach it.
      var label = select.id && form.querySelector('label[for="' + select.id + '"]');
      if (label) select.setAttribute("aria-label", label.textContent.trim());
      new TomSelect(select, {
        plugins: select.multiple ? { remove_button: { title: form.dataset.remove } } : [],
        maxOptions: null,
        refreshThrottle: 0, // local lists: filter on every key, so the list always matches
        searchField: ["text", "pinyin"],
        hidePlaceholder: true,
        closeAfterSelect: !select.multiple,
        render: {
          no_results: function () {
            var div = document.createElement("div");
            div.className = "no-results";
            div.textContent = noResults;
            return div;
          },
        },
      });
    });
  }

  var kind = form.querySelector("[name=kind]");
  function showParts() {
    form.querySelectorAll("[data-kinds]").forEach(function (part) {
      part.hidden = part.dataset.kinds.split(" ").indexOf(kind.value) < 0;
    });
  }
  if (kind) {
    kind.addEventListener("change", showParts);
    showParts();
  }
})();
