// The visit form on the phone.
// - A hazard found usually needs a request: tick "open a request" and pick the hazard category.
// - Every entry is kept on the phone (static/js/offline.js) before it is posted, under an id
//   made here, so that nothing typed is lost when the signal drops; with no signal at all it
//   is kept and the form is ready for the next visit. The checks the phone can make give the
//   server's own messages (the page carries them, #visit-checks).
(function () {
  "use strict";
  var form = document.querySelector(".visit-form");
  if (!form) return;
  var hazard = form.querySelector("[name=hazard_found]");
  var open = form.querySelector("[name=open_request]");
  var category = form.querySelector("[name=request_category]");
  if (hazard && open && category) {
    hazard.addEventListener("change", function () {
      if (!hazard.checked) return;
      open.checked = true;
      if (!category.value && category.dataset.hazardId) category.value = category.dataset.hazardId;
    });
  }

  var offline = window.liaisonOffline;
  var checksNode = document.getElementById("visit-checks");
  if (!offline || !offline.canKeep || !checksNode) return;
  var checks = JSON.parse(checksNode.textContent);
  var clientId = form.querySelector("[name=client_id]");
  var household = form.querySelector("[name=household]");
  var status = document.querySelector("[data-visit-status]");
  var params = new URLSearchParams(location.search);

  function freshId() {
    clientId.value = offline.newId();
  }
  if (!clientId.value) freshId();

  // A kept copy of the form opened for another household: pick the one asked for.
  var wanted = params.get("household");
  if (wanted && household && household.querySelector('option[value="' + CSS.escape(wanted) + '"]')) {
    household.value = wanted;
  }

  function say(message, kind) {
    if (!status) return;
    status.textContent = message;
    status.className = "alert alert-" + kind;
    status.hidden = !message;
  }
  if (params.get("unsent")) say(offline.text.msgUnsent, "warning");

  // --- The checks the phone can make, with the server's messages ----------------------------

  function today() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function problems() {
    var found = [];
    var value = function (name) {
      var input = form.elements[name];
      return input ? (input.value || "").trim() : "";
    };
    if (!value("household")) found.push(["household", checks.required]);
    var day = value("visited_on");
    if (!day) found.push(["visited_on", checks.required]);
    else if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || isNaN(Date.parse(day))) found.push(["visited_on", checks.invalid_date]);
    else if (day > today()) found.push(["visited_on", checks.future]);
    if (!form.querySelector("[name=channel]:checked")) found.push(["channel", checks.required]);
    if (open && open.checked) {
      if (!value("request_category") && !(hazard && hazard.checked)) found.push(["request_category", checks.category]);
      if (!value("request_description") && !value("notes")) found.push(["request_description", checks.describe]);
    }
    return found;
  }

  function showProblems(found) {
    form.querySelectorAll("[data-phone-error]").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
    found.forEach(function (problem) {
      var wrapper = document.getElementById("div_id_" + problem[0]);
      if (!wrapper) return;
      wrapper.querySelectorAll("input, select, textarea").forEach(function (input) { input.classList.add("is-invalid"); });
      var line = document.createElement("div");
      line.className = "invalid-feedback d-block";
      line.dataset.phoneError = problem[0];
      line.textContent = problem[1];
      wrapper.appendChild(line);
    });
    if (found.length) document.getElementById("div_id_" + found[0][0]).scrollIntoView({ block: "center" });
  }

  // --- Keeping and posting -----------------------------------------------------------------

  function entryFrom() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "client_id") fields.push([name, String(value)]);
    });
    var option = household && household.selectedOptions[0];
    return {
      id: clientId.value,
      status: "pending",
      message: "",
      fields: fields,
      label: option ? option.textContent.trim() : "",
      created: Date.now(),
    };
  }

  function fill(entry) {
    form.reset();
    form.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (box) { box.checked = false; });
    entry.fields.forEach(function (pair) {
      form.querySelectorAll('[name="' + CSS.escape(pair[0]) + '"]').forEach(function (input) {
        if (input.type === "checkbox" || input.type === "radio") {
          if (input.value === pair[1]) input.checked = true;
        } else {
          input.value = pair[1];
        }
      });
    });
    clientId.value = entry.id;
  }

  var draft = params.get("draft");
  if (draft) {
    offline.outbox.get(draft).then(function (entry) {
      if (!entry) return;
      fill(entry);
      say(offline.text.msgCorrecting + " " + (entry.message || ""), "danger");
    });
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.kept) return; // kept already: this is the real post
    event.preventDefault();
    var found = problems();
    showProblems(found);
    if (found.length) return;
    // The last entry's "saved" must not stand for this one: it shows again once kept.
    say("", "info");
    var entry = entryFrom();
    offline.outbox
      .put(entry)
      .then(function () {
        if (!navigator.onLine) {
          form.reset();
          freshId();
          say(offline.text.msgSaved, "success");
          window.scrollTo(0, 0);
          return;
        }
        // The page may be a kept copy: post with the session's current token.
        var token = form.querySelector("[name=csrfmiddlewaretoken]");
        if (token && offline.csrfToken()) token.value = offline.csrfToken();
        form.dataset.kept = "1";
        form.submit();
      })
      .catch(function () {
        form.dataset.kept = "1"; // the phone cannot keep it: post as a plain form
        form.submit();
      });
  });
})();
