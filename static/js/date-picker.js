// Date fields in the page's language. A browser's own date picker speaks the browser's
// language (an English Chrome shows "December 2026" and mm/dd/yyyy on a Chinese page), so
// each <input type="date" data-date-picker> becomes a text field holding the same ISO value
// (2026-12-07, which the server reads) with a calendar button whose month and weekday names
// come from the page's language (Intl, lang of <html>). Without this script the browser's
// picker stays; the value posted is the same either way.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-Hans";
  var monthTitle = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long" });
  var dayLabel = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long", day: "numeric", weekday: "long" });
  var weekday = new Intl.DateTimeFormat(lang, { weekday: "narrow" });
  var ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
  var open = null;

  function parse(text) {
    var m = ISO.exec(text || "");
    if (!m) return null;
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return d.getUTCMonth() === +m[2] - 1 ? d : null;
  }
  function iso(d) {
    return d.toISOString().slice(0, 10);
  }
  function today() {
    var now = new Date();
    return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
  }
  function utc(d) {
    return new Date(d.getTime() + d.getTimezoneOffset() * 60000); // for Intl, in local time
  }

  function close() {
    if (!open) return;
    open.pop.remove();
    open.button.setAttribute("aria-expanded", "false");
    open = null;
  }

  function show(field, button, shown) {
    close();
    var pop = document.createElement("div");
    pop.className = "date-pop";
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-label", field.dataset.pickerLabel || "");
    var head = document.createElement("div");
    head.className = "date-pop-head";
    var prev = document.createElement("button");
    var next = document.createElement("button");
    var title = document.createElement("span");
    prev.type = next.type = "button";
    prev.className = next.className = "btn btn-sm btn-outline-secondary";
    prev.textContent = "‹";
    next.textContent = "›";
    prev.setAttribute("aria-label", field.dataset.pickerPrev || "");
    next.setAttribute("aria-label", field.dataset.pickerNext || "");
    title.className = "date-pop-title";
    title.setAttribute("aria-live", "polite");
    head.append(prev, title, next);
    var grid = document.createElement("div");
    grid.className = "date-pop-grid";
    var foot = document.createElement("button");
    foot.type = "button";
    foot.className = "btn btn-sm btn-link date-pop-today";
    foot.textContent = field.dataset.pickerToday || "";
    pop.append(head, grid, foot);
    var min = parse(field.min), max = parse(field.max), chosen = parse(field.value);

    function choose(d) {
      field.value = iso(d);
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
      close();
      field.focus();
    }
    function draw() {
      title.textContent = monthTitle.format(utc(shown));
      grid.replaceChildren();
      for (var w = 0; w < 7; w++) {
        var name = document.createElement("span");
        name.className = "date-pop-weekday";
        name.textContent = weekday.format(utc(new Date(Date.UTC(2026, 10, 29 + w)))); // Sun…Sat
        grid.append(name);
      }
      var first = new Date(Date.UTC(shown.getUTCFullYear(), shown.getUTCMonth(), 1));
      for (var blank = 0; blank < first.getUTCDay(); blank++) grid.append(document.createElement("span"));
      for (var d = first; d.getUTCMonth() === first.getUTCMonth(); d = new Date(d.getTime() + 86400000)) {
        var day = document.createElement("button");
        day.type = "button";
        day.className = "date-pop-day";
        day.textContent = d.getUTCDate();
        day.setAttribute("aria-label", dayLabel.format(utc(d)));
        day.dataset.date = iso(d);
        if (chosen && iso(chosen) === iso(d)) day.setAttribute("aria-pressed", "true");
        if (iso(today()) === iso(d)) day.classList.add("is-today");
        day.disabled = (min && d < min) || (max && d > max);
        grid.append(day);
      }
    }
    prev.addEventListener("click", function () {
      shown = new Date(Date.UTC(shown.getUTCFullYear(), shown.getUTCMonth() - 1, 1));
      draw();
    });
    next.addEventListener("click", function () {
      shown = new Date(Date.UTC(shown.getUTCFullYear(), shown.getUTCMonth() + 1, 1));
      draw();
    });
    grid.addEventListener("click", function (event) {
      var day = event.target.closest(".date-pop-day");
      if (day && !day.disabled) choose(parse(day.dataset.date));
    });
    foot.addEventListener("click", function () { choose(today()); });
    draw();
    button.after(pop);
    button.setAttribute("aria-expanded", "true");
    open = { pop: pop, button: button };
    var focus = pop.querySelector('[aria-pressed="true"]') || pop.querySelector(".is-today") || prev;
    focus.focus();
  }

  function enhance(field) {
    if (field.dataset.pickerReady) return;
    field.dataset.pickerReady = "1";
    field.type = "text";
    field.setAttribute("inputmode", "numeric");
    field.setAttribute("autocomplete", "off");
    field.setAttribute("pattern", "\\d{4}-\\d{2}-\\d{2}");
    field.placeholder = field.dataset.pickerPlaceholder || "";
    var wrap = document.createElement("div");
    wrap.className = "date-field";
    // The form's message for this field follows the field (Bootstrap shows an
    // .invalid-feedback only beside an .is-invalid): the wrapper carries the mark now.
    if (field.classList.contains("is-invalid")) wrap.classList.add("is-invalid");
    field.before(wrap);
    wrap.append(field);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary date-field-button";
    button.setAttribute("aria-label", field.dataset.pickerLabel || "");
    button.setAttribute("aria-haspopup", "dialog");
    button.setAttribute("aria-expanded", "false");
    button.textContent = "▦";
    wrap.append(button);
    button.addEventListener("click", function () {
      if (open && open.button === button) return close();
      var at = parse(field.value) || today();
      show(field, button, new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)));
    });
  }

  document.querySelectorAll("input[type=date][data-date-picker]").forEach(enhance);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && open) {
      var button = open.button;
      close();
      button.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (open && !open.pop.contains(event.target) && event.target !== open.button) close();
  });
})();
