// Switch villages from the select without a submit button (the links below work without JS).
document.querySelectorAll("[data-board-village]").forEach(function (select) {
  select.addEventListener("change", function () { window.location = select.value; });
});
