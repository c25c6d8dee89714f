/* The data entry grid, for entering many months by keyboard.
 * Arrow keys move between value fields, Enter saves and moves down a month, Tab goes through the
 * value fields only, F2 opens the cell's comment and history panel and Escape closes it. A cell is
 * saved when focus leaves it and something changed. Older years are fetched when unfolded.
 * Server-side validation is the truth; this file only mirrors the formula for display. */
(function () {
  "use strict";
  var grid = document.querySelector(".entry-grid");
  if (!grid) { return; }
  var readonly = grid.dataset.readonly === "1";
  // With this script each cell saves itself; the rows' "Gem måneden" buttons are for browsers
  // that block scripts, and the form is never submitted from here.
  var form = document.getElementById("entry-form");
  if (form) {
    form.classList.add("has-js");
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }
  var text = JSON.parse(document.getElementById("entry-messages").textContent);
  var config = JSON.parse(document.getElementById("entry-config").textContent);
  var csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var live = document.getElementById("entry-live");
  var panel = document.getElementById("entry-panel");
  var lang = document.documentElement.lang === "da" ? "da-DK" : (document.documentElement.lang || "da-DK");
  // The indicator's number of decimals, trailing zeros dropped, as the server shows the value.
  config.indicators.forEach(function (ind) {
    ind.display = new Intl.NumberFormat(lang, { maximumFractionDigits: ind.decimals });
  });
  var panelCell = null;

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

  function indicatorOf(td) { return config.indicators[td.cellIndex - 1]; }
  function periodOf(td) { return td.parentElement.dataset.p; }
  function inputs(td) { return td.querySelectorAll("input"); }
  function values(td) { return Array.prototype.map.call(inputs(td), function (i) { return i.value; }).join("|"); }
  function isDue(td) { return td.classList.contains("m") || td.parentElement.hasAttribute("data-d"); }

  function computeValue(td) {
    var fields = inputs(td);
    var ind = indicatorOf(td);
    var num = parseNumber(fields[0].value);
    var den = ind.hasDenominator ? parseNumber(fields[1].value) : null;
    var value = null;
    if (num !== null && !isNaN(num)) {
      if (!ind.hasDenominator) { value = num; }
      else if (den !== null && !isNaN(den) && den > 0) { value = num / den * Number(ind.multiplier); }
    }
    var out = td.querySelector("output");
    if (td.classList.contains("z")) { out.textContent = text.nothing_to_report; }
    else { out.textContent = value === null ? "" : ind.display.format(value); }
  }

  function setState(td, state, statusText) {
    ["is-saving", "is-saved", "is-invalid", "is-conflict"].forEach(function (c) { td.classList.remove(c); });
    if (state) { td.classList.add("is-" + state); }
    if (statusText !== undefined) { td.querySelector("output").textContent = statusText; }
  }

  function showErrors(td, errors) {
    var box = td.querySelector(".entry-errors");
    if (!box) {
      box = document.createElement("div");
      box.className = "entry-errors";
      box.id = "e-" + inputs(td)[0].id;
      td.appendChild(box);
    }
    box.textContent = "";
    var fields = inputs(td);
    Array.prototype.forEach.call(fields, function (f) { f.removeAttribute("aria-invalid"); f.removeAttribute("aria-describedby"); });
    Object.keys(errors || {}).forEach(function (name) {
      errors[name].forEach(function (message) {
        var p = document.createElement("p");
        p.className = "form-error-message";
        p.textContent = message;
        box.appendChild(p);
      });
      var field = name === "denominator" ? fields[1] : fields[0];
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", box.id);
      }
    });
    if (!box.childNodes.length) { box.remove(); }
  }

  function applyCell(td, cell) {
    if (cell.version === null) {
      delete td.dataset.v;
      delete td.dataset.c;
    } else {
      td.dataset.v = cell.version;
      if (cell.comment) { td.dataset.c = cell.comment; } else { delete td.dataset.c; }
    }
    td.classList.toggle("m", cell.version === null && isDue(td));
    td.classList.toggle("f", !!cell.needs_checking);
    td.classList.toggle("z", !!cell.nothing_to_report);
    td.classList.toggle("c", !!cell.comment);
    markAfterLock(td, !!cell.entered_after_lock);
    td.dataset.saved = values(td);
  }

  // A first value entered into a locked month: said in words and read out with the fields.
  function markAfterLock(td, late) {
    var mark = td.querySelector(".entry-after-lock");
    td.classList.toggle("a", late);
    if (late && !mark) {
      mark = document.createElement("small");
      mark.className = "entry-after-lock";
      mark.id = "a-" + inputs(td)[0].id.slice(2);
      mark.textContent = text.after_lock;
      td.appendChild(mark);
    } else if (!late && mark) {
      mark.remove();
    }
    Array.prototype.forEach.call(inputs(td), function (f) {
      if (late) { f.setAttribute("aria-describedby", mark.id); } else if (f.getAttribute("aria-describedby") === "a-" + inputs(td)[0].id.slice(2)) { f.removeAttribute("aria-describedby"); }
    });
  }

  function body(td) {
    var ind = indicatorOf(td);
    var fields = inputs(td);
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("indicator", ind.uuid);
    data.append("period", periodOf(td));
    data.append("numerator", fields[0].value);
    if (ind.hasDenominator) { data.append("denominator", fields[1].value); }
    data.append("comment", td.dataset.c || "");
    if (td.classList.contains("z")) { data.append("nothing_to_report", "on"); }
    if (td.classList.contains("f")) { data.append("needs_checking", "on"); }
    data.append("expected_version", td.dataset.v || "");
    return data;
  }

  function cellLabel(td) {
    return indicatorOf(td).name + ", " + td.parentElement.querySelector(".entry-month").textContent;
  }

  // Saves go one at a time, in the order the cells were left: typing 60 values by keyboard sends
  // 60 saves within seconds, and one at a time they never compete for the same rows.
  var queue = Promise.resolve();

  function save(td) {
    setState(td, "saving", text.saving);
    td.dataset.saved = values(td);
    var done = queue.then(function () { return send(td, 1); });
    queue = done.catch(function () { return false; });
    return done;
  }

  function send(td, attempt) {
    return fetch(config.saveUrl, {
      method: "POST", body: body(td), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (result.status === 200) {
        showErrors(td, {});
        applyCell(td, data.cell);
        var empty = data.state === "deleted" || data.cell.version === null;
        var status = empty ? (isDue(td) ? text.missing : "") : (data.cell.needs_checking ? text.needs_checking : text.saved);
        setState(td, "saved", status);
        live.textContent = (data.state === "deleted" ? text.deleted : text.saved) + ": " + cellLabel(td);
        offerCompletion(td.parentElement);
        return true;
      }
      if (result.status === 503 && attempt < 4) {
        // Busy (many saves at once): nothing was stored; try again shortly, as the message says.
        return new Promise(function (resolve) { setTimeout(resolve, 400 * attempt); })
          .then(function () { return send(td, attempt + 1); });
      }
      if (result.status === 409) {
        // Keep what the user typed; show what is stored and by whom. A new change saves over it.
        showErrors(td, { __all__: [data.message] });
        if (data.cell.version === null) { delete td.dataset.v; } else { td.dataset.v = data.cell.version; }
        setState(td, "conflict", text.conflict);
        live.textContent = data.message;
      } else {
        showErrors(td, data.errors || { __all__: [data.message || text.invalid] });
        setState(td, "invalid", text.invalid);
        live.textContent = text.invalid + ": " + cellLabel(td);
      }
      td.dataset.saved = "";  // unsaved: leaving the cell again tries again
      return false;
    }).catch(function () {
      showErrors(td, { __all__: [text.offline] });
      setState(td, "invalid", text.offline);
      td.dataset.saved = "";
      live.textContent = text.offline;
      return false;
    });
  }

  function saveIfChanged(td) {
    if (readonly || !td) { return; }
    if (td.dataset.saved === undefined) { return; }
    if (values(td) !== td.dataset.saved) { save(td); }
  }

  // --- moving around --------------------------------------------------------------------------

  function rowsInOrder() { return Array.prototype.slice.call(grid.querySelectorAll("tbody tr[data-p]")); }

  function fieldAt(tr, column, which) {
    var td = tr.cells[column];
    if (!td) { return null; }
    var fields = inputs(td);
    return fields[Math.min(which, fields.length - 1)] || null;
  }

  function focusField(field) {
    if (!field) { return; }
    field.focus();
    field.select();
  }

  function moveVertical(input, step) {
    var td = input.closest("td");
    var rows = rowsInOrder();
    var index = rows.indexOf(td.parentElement) + step;
    if (index < 0 || index >= rows.length) { return; }
    var which = Array.prototype.indexOf.call(inputs(td), input);
    focusField(fieldAt(rows[index], td.cellIndex, which));
  }

  function moveHorizontal(input, step) {
    var tr = input.closest("tr");
    var all = Array.prototype.slice.call(tr.querySelectorAll("input"));
    var index = all.indexOf(input) + step;
    if (index < 0) {
      var button = tr.querySelector(".entry-complete");
      if (button) { button.focus(); }
      return;
    }
    focusField(all[index]);
  }

  grid.addEventListener("focusin", function (event) {
    var td = event.target.closest("td");
    if (td && event.target.tagName === "INPUT" && td.dataset.saved === undefined) { td.dataset.saved = values(td); }
  });

  grid.addEventListener("focusout", function (event) {
    var td = event.target.closest("td");
    if (!td || event.target.tagName !== "INPUT") { return; }
    var next = event.relatedTarget;
    if (next && td.contains(next)) { return; }
    if (next && panel && panel.contains(next)) { return; }
    saveIfChanged(td);
  });

  grid.addEventListener("input", function (event) {
    var td = event.target.closest("td");
    if (td && event.target.tagName === "INPUT") {
      td.classList.remove("is-saved");
      computeValue(td);
    }
  });

  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.target.classList.contains("entry-complete") && event.key === "ArrowRight") {
      event.preventDefault();
      focusField(event.target.closest("tr").querySelector("input"));
      return;
    }
    if (input.tagName !== "INPUT") { return; }
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
    var allSelected = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    switch (event.key) {
      case "ArrowUp": event.preventDefault(); moveVertical(input, -1); break;
      case "ArrowDown": event.preventDefault(); moveVertical(input, 1); break;
      case "Enter": event.preventDefault(); moveVertical(input, 1); break;
      case "ArrowLeft": if (atStart || allSelected) { event.preventDefault(); moveHorizontal(input, -1); } break;
      case "ArrowRight": if (atEnd || allSelected) { event.preventDefault(); moveHorizontal(input, 1); } break;
      case "F2": event.preventDefault(); openPanel(input.closest("td")); break;
      default: break;
    }
  });

  grid.addEventListener("dblclick", function (event) {
    var td = event.target.closest("td");
    if (td && td.cellIndex > 0 && inputs(td).length) { openPanel(td); }
  });

  // --- the comment and history panel -----------------------------------------------------------

  function openPanel(td) {
    if (!panel) { return; }
    panelCell = td;
    var ind = indicatorOf(td);
    var period = periodOf(td).split("-");
    document.getElementById("entry-panel-title").textContent = cellLabel(td);
    document.getElementById("entry-panel-comment").value = td.dataset.c || "";
    document.getElementById("entry-panel-flag").checked = td.classList.contains("f");
    document.getElementById("entry-panel-nothing").checked = td.classList.contains("z");
    document.getElementById("entry-panel-errors").textContent = "";
    var history = document.getElementById("entry-panel-history");
    history.href = config.historyUrl.replace(config.indicators[0].uuid, ind.uuid)
      .replace(/\/2000\/1\/$/, "/" + Number(period[0]) + "/" + Number(period[1]) + "/");
    panel.hidden = false;
    var rect = td.getBoundingClientRect();
    panel.style.top = (window.scrollY + rect.bottom + 4) + "px";
    panel.style.left = Math.max(8, Math.min(window.scrollX + rect.left, window.scrollX + window.innerWidth - 340)) + "px";
    document.getElementById("entry-panel-comment").focus();
  }

  function closePanel() {
    if (!panel || panel.hidden) { return; }
    panel.hidden = true;
    var td = panelCell;
    panelCell = null;
    if (td) { focusField(inputs(td)[0]); }
  }

  if (panel) {
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); closePanel(); }
    });
    document.getElementById("entry-panel-close").addEventListener("click", closePanel);
    var saveButton = document.getElementById("entry-panel-save");
    if (saveButton) {
      saveButton.addEventListener("click", function () {
        var td = panelCell;
        if (!td) { return; }
        var comment = document.getElementById("entry-panel-comment").value;
        if (comment) { td.dataset.c = comment; } else { delete td.dataset.c; }
        td.classList.toggle("f", document.getElementById("entry-panel-flag").checked);
        td.classList.toggle("z", document.getElementById("entry-panel-nothing").checked);
        save(td).then(function (ok) {
          if (ok) { closePanel(); return; }
          var errors = td.querySelector(".entry-errors");
          document.getElementById("entry-panel-errors").textContent = errors ? errors.textContent : text.invalid;
        });
      });
    }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel && !panel.hidden) { closePanel(); }
  });

  // --- month completion --------------------------------------------------------------------------

  function completeButton(complete) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "entry-complete";
    button.tabIndex = -1;
    button.dataset.complete = complete ? "1" : "0";
    button.textContent = complete ? text.mark_complete : text.undo;
    return button;
  }

  function offerCompletion(tr) {
    if (readonly || !tr.hasAttribute("data-d") || tr.querySelector(".entry-complete, .badge-success")) { return; }
    var filled = Array.prototype.every.call(tr.querySelectorAll("td"), function (td) { return !!td.dataset.v; });
    if (filled) { tr.querySelector("th").appendChild(completeButton(true)); }
  }

  grid.addEventListener("click", function (event) {
    var button = event.target.closest(".entry-complete");
    if (!button) { return; }
    var tr = button.closest("tr");
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("period", tr.dataset.p);
    if (button.dataset.complete === "1") { data.append("complete", "on"); }
    button.disabled = true;
    fetch(config.completeUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) { return response.json(); }).then(function (result) {
      live.textContent = result.message;
      var th = tr.querySelector("th");
      if (result.state === "complete") {
        var badge = document.createElement("span");
        badge.className = "badge badge-success";
        badge.textContent = text.complete;
        th.replaceChild(badge, button);
        th.appendChild(completeButton(false));
      } else if (result.state === "open") {
        var old = th.querySelector(".badge-success");
        if (old) { old.remove(); }
        th.replaceChild(completeButton(true), button);
      } else {
        button.disabled = false;
      }
      var next = th.querySelector(".entry-complete");
      if (next) { next.focus(); }
    }).catch(function () { button.disabled = false; live.textContent = text.offline; });
  });

  // --- older years, loaded on demand -------------------------------------------------------------

  grid.addEventListener("click", function (event) {
    var button = event.target.closest(".entry-fold-button");
    if (!button) { return; }
    var tbody = button.closest("tbody");
    button.disabled = true;
    button.textContent = text.loading;
    fetch(window.location.pathname + "?aar=" + encodeURIComponent(tbody.dataset.year), {
      credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
    }).then(function (response) { return response.text(); }).then(function (html) {
      tbody.innerHTML = html;
      tbody.classList.remove("entry-fold");
      focusField(tbody.querySelector("input"));
    });
  });
}());
