/* The data entry grid: the computed value as the user types, one save per changed cell.
 * Server-side validation is the truth; this file only mirrors the formula for display. */
(function () {
  "use strict";
  var grid = document.querySelector(".entry-grid");
  if (!grid || grid.dataset.readonly === "1") { return; }
  var text = JSON.parse(document.getElementById("entry-messages").textContent);
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var live = document.getElementById("entry-live");
  var lang = document.documentElement.lang === "da" ? "da-DK" : (document.documentElement.lang || "da-DK");
  var display = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

  // Mirrors measures.numbers.parse_decimal for display only: "12,5", "1.234,5", "12.5".
  function parseNumber(raw) {
    var s = (raw || "").replace(/[\s\u00a0]/g, "").replace("\u2212", "-");
    if (!s) { return null; }
    if (s.indexOf(",") >= 0 && s.indexOf(".") >= 0) {
      if (s.lastIndexOf(",") > s.lastIndexOf(".")) { s = s.replace(/\./g, "").replace(",", "."); }
      else { s = s.replace(/,/g, ""); }
    } else if (s.indexOf(",") >= 0) {
      s = s.replace(",", ".");
    } else if ((s.match(/\./g) || []).length > 1) {
      s = s.replace(/\./g, "");
    }
    if (!/^-?\d*\.?\d+$|^-?\d+\.$/.test(s)) { return NaN; }
    return Number(s);
  }

  function computeValue(form) {
    var out = form.querySelector(".entry-value");
    var num = parseNumber(form.elements.numerator.value);
    var hasDen = form.dataset.hasDenominator === "1";
    var den = hasDen ? parseNumber(form.elements.denominator.value) : null;
    var value = null;
    if (num !== null && !isNaN(num)) {
      if (!hasDen) { value = num; }
      else if (den !== null && !isNaN(den) && den > 0) { value = num / den * Number(form.dataset.multiplier); }
    }
    if (form.elements.nothing_to_report.checked) { out.textContent = text.nothing_to_report; }
    else { out.textContent = value === null ? "" : display.format(value); }
  }

  function setState(form, state, statusText) {
    var cell = form.closest("td");
    ["is-saving", "is-saved", "is-invalid", "is-conflict"].forEach(function (c) { cell.classList.remove(c); });
    if (state) { cell.classList.add("is-" + state); }
    form.querySelector(".entry-status").textContent = statusText || "";
  }

  function showErrors(form, errors) {
    var box = form.querySelector(".entry-errors");
    box.textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    Object.keys(errors || {}).forEach(function (name) {
      errors[name].forEach(function (message) {
        var p = document.createElement("p");
        p.className = "form-error-message";
        p.textContent = message;
        box.appendChild(p);
      });
      var field = form.elements[name];
      if (field && field.nodeType === 1) {
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", box.id);
      }
    });
  }

  function applyCell(form, cell) {
    form.elements.expected_version.value = cell.version === null ? "" : cell.version;
    var td = form.closest("td");
    td.classList.toggle("is-missing", cell.version === null && td.dataset.due === "1");
    td.classList.toggle("is-flagged", !!cell.needs_checking);
    td.classList.toggle("is-nothing", !!cell.nothing_to_report);
    form.elements.needs_checking.checked = !!cell.needs_checking;
  }

  function label(form) {
    return form.elements.numerator.labels[0].textContent.replace(/^[^,]*,\s*/, "");
  }

  function save(form) {
    setState(form, "saving", text.saving);
    var body = new FormData(form);
    body.append("csrfmiddlewaretoken", csrf);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (result.status === 200) {
        showErrors(form, {});
        applyCell(form, data.cell);
        var empty = data.state === "deleted" || data.cell.version === null;
        var status = empty ? (form.closest("td").dataset.due === "1" ? text.missing : "") : (data.cell.needs_checking ? text.needs_checking : text.saved);
        setState(form, "saved", status);
        form.closest("td").classList.toggle("is-flagged", !!data.cell.needs_checking);
        live.textContent = (data.state === "deleted" ? text.deleted : text.saved) + ": " + label(form);
      } else if (result.status === 409) {
        // Keep what the user typed; show what is stored and by whom. A new change saves over it.
        showErrors(form, { __all__: [data.message] });
        form.elements.expected_version.value = data.cell.version === null ? "" : data.cell.version;
        setState(form, "conflict", text.conflict);
        live.textContent = data.message;
      } else if (result.status === 400) {
        showErrors(form, data.errors);
        setState(form, "invalid", text.invalid);
        var first = Object.keys(data.errors || {})[0];
        live.textContent = text.invalid + ": " + label(form) + ". " + ((data.errors[first] || [""])[0]);
      } else {
        setState(form, "invalid", text.offline);
      }
    }).catch(function () {
      setState(form, "invalid", text.offline);
      live.textContent = text.offline;
    });
  }

  // One save at a time per cell, so the next save carries the version the previous one returned.
  function queueSave(form) {
    var previous = form._entryQueue || Promise.resolve();
    form._entryQueue = previous.then(function () { return save(form); });
    return form._entryQueue;
  }

  var inputs = Array.prototype.slice.call(grid.querySelectorAll(".entry-input"));
  grid.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.classList.contains("entry-form")) { computeValue(form); }
  });
  // Numbers are saved when focus leaves the cell's number fields, so numerator and denominator go together and a
  // half-typed cell is never refused; check boxes save at once. Unsaved cells block leaving the page.
  grid.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !form.classList.contains("entry-form")) { return; }
    if (event.target.type === "checkbox") {
      if (event.target.name === "nothing_to_report") { computeValue(form); }
      queueSave(form);
    } else {
      form.dataset.dirty = "1";
    }
  });
  grid.addEventListener("focusout", function (event) {
    var form = event.target.form;
    if (!form || !form.classList.contains("entry-form") || form.dataset.dirty !== "1") { return; }
    var next = event.relatedTarget;
    if (next && form.contains(next) && next.classList.contains("entry-input")) { return; }
    delete form.dataset.dirty;
    queueSave(form);
  });
  window.addEventListener("beforeunload", function (event) {
    if (grid.querySelector("form[data-dirty]")) { event.preventDefault(); event.returnValue = ""; }
  });
  grid.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target.classList.contains("entry-input")) { return; }
    // Enter moves on like Tab; leaving the cell saves it (focusout). The change event fires first.
    event.preventDefault();
    var index = inputs.indexOf(target);
    var next = inputs[index + (event.shiftKey ? -1 : 1)];
    if (next) { next.focus(); next.select(); } else { target.blur(); }
  });
  grid.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("entry-form")) { event.preventDefault(); delete form.dataset.dirty; queueSave(form); }
  });
})();
