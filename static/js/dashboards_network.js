/* Network dashboard: the small multiples are fetched a page of teams at a time, when the
   "show more" paragraph (data-part-url) comes near the viewport. Its link is the plain fallback:
   without IntersectionObserver or when a fetch fails, following it shows the page inline. */
(function () {
  "use strict";

  function load(more, observer) {
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
        more.replaceWith(template.content);
        // charts.js draws the new charts as they come into view.
        document.dispatchEvent(new CustomEvent("lkt:charts-added"));
        if (next) { observer.observe(next); }
      })
      .catch(function () {
        // Leave the link: following it shows the same page of charts without the script.
        delete more.dataset.loading;
        more.removeAttribute("aria-busy");
      });
  }

  function init() {
    var more = document.querySelector(".lkt-small-multiples [data-part-url]");
    if (!more || !("IntersectionObserver" in window) || !window.fetch) { return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          load(entry.target, observer);
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
