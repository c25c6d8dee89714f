/* Upload confirmation: show progress while the import runs (the page stays until the server answers). */
(function () {
  "use strict";
  var form = document.querySelector(".entry-confirm");
  if (!form) { return; }
  var text = JSON.parse(document.getElementById("entry-upload-messages").textContent);
  form.addEventListener("submit", function () {
    var box = form.querySelector(".entry-progress-box");
    box.hidden = false;
    form.querySelector(".entry-progress-text").textContent = text.running;
    Array.prototype.forEach.call(form.querySelectorAll("button, a.button"), function (el) {
      el.setAttribute("aria-disabled", "true");
      if (el.tagName === "BUTTON") { el.disabled = true; }
    });
  });
})();
