/* Draws every chart on the page from its JSON <script> (see measures/templatetags/lkt_charts.py).
   Charts below the fold are drawn when they come near the viewport; before printing, all are drawn. */
(function () {
  "use strict";

  function draw(element) {
    if (element.dataset.rendered) { return; }
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof Plotly === "undefined") { return; }
    element.dataset.rendered = "1";
    var payload = JSON.parse(source.textContent);
    element.textContent = "";
    Plotly.newPlot(element, payload.figure.data, payload.figure.layout, withButtons(payload.config));
  }

  // Our own translated modebar: download as PNG and reset the zoom; nothing that leaves the site.
  function withButtons(config) {
    var labels = config && config.lktButtons;
    if (!labels) { return config; }
    var result = Object.assign({}, config);
    delete result.lktButtons;
    result.modeBarButtons = [[
      {name: "lkt-download", title: labels.download, icon: Plotly.Icons.camera,
       click: function (gd) { Plotly.downloadImage(gd, config.toImageButtonOptions); }},
      {name: "lkt-reset", title: labels.reset, icon: Plotly.Icons.home,
       click: function (gd) { Plotly.relayout(gd, {"xaxis.autorange": true, "yaxis.autorange": true}); }}
    ]];
    return result;
  }

  function drawAll(charts) {
    charts.forEach(draw);
  }

  function init() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
    if (!charts.length && !document.querySelector("[data-part-url]")) { return; }
    var eager = charts.filter(function (el) { return el.classList.contains("lkt-chart--eager"); });
    drawAll(eager);
    if (!("IntersectionObserver" in window)) {
      drawAll(charts);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          draw(entry.target);
        }
      });
    }, { rootMargin: "300px 0px" });
    charts.forEach(function (el) { if (!el.dataset.rendered) { observer.observe(el); } });
    // Charts inserted later (the network dashboard's small multiples, fetched page by page).
    document.addEventListener("lkt:charts-added", function () {
      Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
        if (charts.indexOf(el) === -1) { charts.push(el); observer.observe(el); }
      });
    });
    window.addEventListener("beforeprint", function () { drawAll(charts); });
    var printButton = document.querySelector("[data-print]");
    if (printButton) {
      printButton.addEventListener("click", function () { drawAll(charts); window.print(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
