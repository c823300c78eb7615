// The second factor's code field opens the number pad (inputmode="numeric"); a recovery code
// has letters, so this button switches the field to the letter keyboard.
(function () {
  "use strict";
  var button = document.querySelector("[data-token-letters]");
  var field = document.getElementById("id_token");
  if (!button || !field) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    field.setAttribute("inputmode", "text");
    field.setAttribute("autocomplete", "off");
    button.hidden = true;
    field.focus();
  });
})();
