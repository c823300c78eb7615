/* "读给我听" on the villager's card page: the browser's speech synthesis reads the household's
   matters and their replies aloud in Chinese (zh-CN). The button stays hidden where the phone
   has no Chinese voice (or no speech synthesis at all): a button that reads nothing, or reads
   Chinese with an English voice, would only confuse. What is read is the page's own words,
   marked [data-speak] in the template, in the order they stand. */
(function () {
  "use strict";
  var button = document.querySelector("[data-read-aloud]");
  var synth = window.speechSynthesis;
  if (!button || !synth || !window.SpeechSynthesisUtterance) return;
  var label = button.querySelector("[data-read-aloud-label]");
  var voice = null;

  function chineseVoice() {
    var voices = synth.getVoices() || [];
    var chinese = voices.filter(function (v) { return /^(zh|cmn)([-_]|$)/i.test(v.lang || ""); });
    var mainland = chinese.filter(function (v) { return /^(zh|cmn)[-_](Hans[-_])?CN$/i.test(v.lang); });
    return mainland[0] || chinese[0] || null;
  }

  function show() {
    voice = chineseVoice();
    button.hidden = !voice;
  }

  function text() {
    var parts = [];
    document.querySelectorAll("[data-speak]").forEach(function (node) {
      var words = (node.dataset.speak || node.textContent).replace(/\s+/g, " ").trim();
      if (words) parts.push(words);
    });
    return parts.join("。");
  }

  function speaking(on) {
    label.textContent = on ? button.dataset.stop : button.dataset.read;
  }

  button.addEventListener("click", function () {
    if (synth.speaking) { synth.cancel(); speaking(false); return; }
    var utterance = new SpeechSynthesisUtterance(text());
    utterance.lang = "zh-CN";
    if (voice) utterance.voice = voice;
    utterance.rate = 0.9; // a little slower than the default, for older listeners
    utterance.onend = utterance.onerror = function () { speaking(false); };
    speaking(true);
    synth.speak(utterance);
  });

  show();
  // Chromium lists its voices only after a moment: look again when they arrive.
  if (synth.addEventListener) synth.addEventListener("voiceschanged", show);
  else synth.onvoiceschanged = show;
})();
