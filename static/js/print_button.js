// Shows the "Udskriv" button (hidden without JavaScript) and opens the browser's print dialog.
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
