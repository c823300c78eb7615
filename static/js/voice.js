/* The villager's voice: hold the button, speak (up to 60 s), release, listen, send.
   The browser's MediaRecorder records in what the phone supports (WebM/Opus on Android,
   MP4/AAC on iPhone); the recording goes into the form's hidden file input, so the form is
   sent as a normal form. Where the browser cannot record, the page says so and the typed
   form and the call button stay as they are. */
(function () {
  "use strict";
  var MAX_SECONDS = 60;
  var TYPES = ["audio/webm;codecs=opus", "audio/mp4", "audio/ogg;codecs=opus", "audio/webm"];
  var blocks = document.querySelectorAll("[data-voice]");
  if (!blocks.length) return;

  var canRecord = !!(window.MediaRecorder && navigator.mediaDevices &&
    navigator.mediaDevices.getUserMedia && window.DataTransfer);
  if (!canRecord) {
    document.querySelectorAll("[data-voice-unsupported]").forEach(function (note) { note.hidden = false; });
    return;
  }

  function chosenType() {
    if (!MediaRecorder.isTypeSupported) return "";
    for (var i = 0; i < TYPES.length; i++) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    }
    return "";
  }

  function extension(type) {
    if (type.indexOf("mp4") >= 0) return "m4a";
    if (type.indexOf("ogg") >= 0) return "ogg";
    return "webm";
  }

  blocks.forEach(function (block) {
    var form = block.closest("form");
    var input = form.querySelector("[data-voice-input]");
    var hold = block.querySelector("[data-voice-hold]");
    var status = block.querySelector("[data-voice-status]");
    var preview = block.querySelector("[data-voice-preview]");
    var audio = block.querySelector("[data-voice-audio]");
    var clear = block.querySelector("[data-voice-clear]");
    var timerBox = block.querySelector("[data-voice-timer]");
    var elapsed = block.querySelector("[data-voice-elapsed]");
    var recorder = null, stream = null, chunks = [], started = 0, timer = null, url = null;
    var holding = false;
    block.hidden = false;

    function say(template, seconds) { status.textContent = template.replace("{s}", seconds); }

    function clock(seconds) {
      elapsed.textContent = Math.floor(seconds / 60) + ":" + ("0" + (seconds % 60)).slice(-2);
    }

    function reset() {
      input.value = "";
      timerBox.hidden = true;
      if (url) { URL.revokeObjectURL(url); url = null; }
      audio.removeAttribute("src");
      preview.hidden = true;
      status.textContent = "";
    }

    function start(event) {
      event.preventDefault();
      if (recorder || holding) return;
      holding = true;
      reset();
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
        if (!holding) {
          // Released while the browser asked for the microphone: ask again to hold.
          s.getTracks().forEach(function (t) { t.stop(); });
          status.textContent = block.dataset.tooShort;
          return;
        }
        stream = s;
        var type = chosenType();
        var options = { audioBitsPerSecond: 32000 };
        if (type) options.mimeType = type;
        recorder = new MediaRecorder(stream, options);
        chunks = [];
        recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
        recorder.onstop = finish;
        recorder.start(1000);
        started = Date.now();
        hold.classList.add("active");
        status.textContent = block.dataset.recording;
        clock(0);
        timerBox.hidden = false;
        timer = setInterval(function () {
          var seconds = Math.floor((Date.now() - started) / 1000);
          clock(Math.min(seconds, MAX_SECONDS));
          if (seconds >= MAX_SECONDS) stop();
        }, 250);
      }).catch(function () {
        holding = false;
        status.textContent = block.dataset.denied;
      });
    }

    function stop() {
      holding = false;
      clearInterval(timer);
      hold.classList.remove("active");
      if (recorder && recorder.state !== "inactive") recorder.stop();
    }

    function finish() {
      var type = recorder.mimeType || chosenType() || "audio/webm";
      var seconds = Math.round((Date.now() - started) / 1000);
      recorder = null;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      if (seconds < 1 || !chunks.length) {
        timerBox.hidden = true;
        status.textContent = block.dataset.tooShort;
        return;
      }
      var blob = new Blob(chunks, { type: type.split(";")[0] });
      var file = new File([blob], "voice." + extension(type), { type: blob.type });
      var transfer = new DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
      url = URL.createObjectURL(blob);
      audio.src = url;
      preview.hidden = false;
      say(block.dataset.recorded, Math.min(seconds, MAX_SECONDS));
    }

    hold.addEventListener("pointerdown", start);
    ["pointerup", "pointerleave", "pointercancel"].forEach(function (name) {
      hold.addEventListener(name, stop);
    });
    hold.addEventListener("contextmenu", function (e) { e.preventDefault(); });
    hold.addEventListener("keydown", function (e) {
      if ((e.key === " " || e.key === "Enter") && !e.repeat) start(e);
    });
    hold.addEventListener("keyup", function (e) {
      if (e.key === " " || e.key === "Enter") stop();
    });
    clear.addEventListener("click", function () {
      reset();
      hold.focus(); // straight back to the button, to record again
    });
  });
})();
