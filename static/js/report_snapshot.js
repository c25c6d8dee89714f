/* The report's progress bar: poll the status every second; reload the page when it is done or failed. */
(function () {
  "use strict";
  var box = document.getElementById("snapshot-status");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = box.querySelector("[data-progress]");
  var text = box.querySelector("[data-progress-text]");
  var percent = box.querySelector("[data-progress-percent]");
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.finished) { window.location.reload(); return; }
        if (bar) { bar.value = state.progress; bar.textContent = state.progress + " %"; }
        if (text) { text.textContent = state.text; }
        if (percent) { percent.textContent = state.progress + " %"; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
