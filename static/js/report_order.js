/* Ordering a report: in the embedded mode the report is made inside the request, which takes a
   while; the button says "Genererer …" and cannot be pressed twice meanwhile. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-generate]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("[data-generate-label]");
      if (!button) { return; }
      button.disabled = true;
      button.textContent = button.dataset.generateLabel;
      form.setAttribute("aria-busy", "true");
    });
  });
})();
