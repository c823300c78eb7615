// A background job's page: asks the status endpoint where the job stands and moves the
// progress bar, without reloading the page, until the file's link (or the failure) shows.
// Plain ES5 and XMLHttpRequest, for older in-app browsers (WeChat's among them).
(function () {
  var box = document.querySelector("[data-job-status]");
  if (!box || box.hasAttribute("data-finished")) return;
  var url = box.getAttribute("data-job-status");
  var bar = box.querySelector("[data-job-bar]");
  var text = box.querySelector("[data-job-text]");
  var link = box.querySelector("[data-job-download]");
  var delay = 1000;

  function show(state) {
    bar.max = state.total || 1;
    bar.value = state.status === "done" ? bar.max : state.done;
    text.textContent = state.text;
    if (state.failed) {
      bar.hidden = true;
      text.className += " alert alert-danger";
    }
    if (state.download) {
      link.href = state.download;
      link.hidden = false;
    }
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url, true);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) return;
      var state = null;
      if (xhr.status === 200) {
        try { state = JSON.parse(xhr.responseText); } catch (e) { state = null; }
      }
      if (state) {
        show(state);
        if (state.finished) return;
        delay = 1000;
      } else {
        delay = Math.min(delay * 2, 15000); // a weak signal: ask less often, never give up
      }
      window.setTimeout(poll, delay);
    };
    xhr.send();
  }

  window.setTimeout(poll, delay);
})();
