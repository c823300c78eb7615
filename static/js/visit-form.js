// A hazard found usually needs a request: tick "open a request" and pick the hazard category.
(function () {
  var form = document.querySelector(".visit-form");
  if (!form) return;
  var hazard = form.querySelector("[name=hazard_found]");
  var open = form.querySelector("[name=open_request]");
  var category = form.querySelector("[name=request_category]");
  if (!hazard || !open || !category) return;
  hazard.addEventListener("change", function () {
    if (!hazard.checked) return;
    open.checked = true;
    if (!category.value && category.dataset.hazardId) category.value = category.dataset.hazardId;
  });
})();
