// The proposal page: count what the ticked groups move and how many cards they need.
(function () {
  var form = document.querySelector("[data-proposal-groups]");
  if (!form) return;
  function count() {
    var groups = 0, moves = 0, cards = 0;
    form.querySelectorAll("input[data-group]:checked").forEach(function (box) {
      groups += 1;
      moves += parseInt(box.getAttribute("data-moves"), 10) || 0;
      cards += parseInt(box.getAttribute("data-cards"), 10) || 0;
    });
    form.querySelector('[data-ticked="groups"]').textContent = groups;
    form.querySelector('[data-ticked="moves"]').textContent = moves;
    form.querySelector('[data-ticked="cards"]').textContent = cards;
  }
  form.addEventListener("change", count);
  count();
})();
