/* Network dashboard: the small multiples are fetched a page of teams at a time. The first page
   comes when the section scrolls into view; each further page when its button is pressed (not
   on scroll: the funnel, national charts and heat map below must stay reachable). The button is a
   plain link: without IntersectionObserver or fetch, or when a fetch fails, following it shows
   that page of charts inline. */
(function () {
  "use strict";

  function load(more) {
    if (more.dataset.loading) { return; }
    more.dataset.loading = "1";
    more.setAttribute("aria-busy", "true");
    fetch(more.dataset.partUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var next = template.content.querySelector("[data-part-url]");
        var first = template.content.querySelector("figure");
        more.replaceWith(template.content);
        // charts.js draws the new charts as they come into view.
        document.dispatchEvent(new CustomEvent("lkt:charts-added"));
        if (next) { onClick(next); }
        // Keyboard users continue where the new charts start, not at the top of the page.
        if (first && more.dataset.clicked) {
          first.setAttribute("tabindex", "-1");
          first.focus({ preventScroll: true });
        }
      })
      .catch(function () {
        // Leave the link: following it shows the same page of charts without the script.
        delete more.dataset.loading;
        more.removeAttribute("aria-busy");
      });
  }

  function onClick(more) {
    var link = more.querySelector("a");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      more.dataset.clicked = "1";
      load(more);
    });
  }

  function init() {
    var more = document.querySelector(".lkt-small-multiples [data-part-url]");
    if (!more || !("IntersectionObserver" in window) || !window.fetch) { return; }
    onClick(more);
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          load(entry.target);
        }
      });
    }, { rootMargin: "400px 0px" });
    observer.observe(more);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
