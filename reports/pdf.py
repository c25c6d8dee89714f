"""HTML report pages printed to PDF by headless Chromium (Debian's, driven through Playwright).

Why Chromium: the report must show the same pages and the same plotly.js charts as the screen, and
only a browser runs plotly.js; Chromium's printing also writes a tagged PDF (structure tree, the
page's `lang` as the document language) with an outline. Playwright drives it over the DevTools
protocol, which gives what the command line cannot: waiting until every chart is drawn, a footer
with page numbers, and serving the page and our own static files from memory (`page.route`), so
the printing browser never touches the network or the running site.
"""

import mimetypes
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

ORIGIN = "https://lkt.report"
CHART_TIMEOUT_MS = 60_000

FOOTER = (
    '<div style="font-size:8pt;width:100%;padding:0 15mm;display:flex;justify-content:space-between;'
    'font-family:Arial,sans-serif;color:#4d4d4d">'
    '<span>{footer}</span><span>Side <span class="pageNumber"></span> af <span class="totalPages"></span></span>'
    "</div>"
)


class PdfError(RuntimeError):
    """Chromium could not print the report."""


def _static_file(path: str) -> Path | None:
    name = path[len(settings.STATIC_URL) :].split("?")[0]
    if ".." in name.split("/"):
        return None
    try:
        stored = Path(staticfiles_storage.path(name))
        if stored.is_file():
            return stored
    except (NotImplementedError, ValueError):
        pass
    found = finders.find(name)
    return Path(found) if found else None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_to_pdf(html: str, *, footer: str = "") -> bytes:
    """Print one HTML page (our markup, our static files) to an A4 PDF with page numbers."""
    # Playwright's sync API refuses to start in a thread whose asyncio loop is running (an ASGI
    # server, or a process that already drives a browser, as the test session does). Printing in a
    # thread of its own works everywhere; the page is already rendered, so no database is touched.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-pdf") as pool:
        return pool.submit(_print_in_chromium, html, footer).result()


def _print_in_chromium(html: str, footer: str) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    def route(route_request):
        url = route_request.request.url
        if not url.startswith(ORIGIN + "/"):
            return route_request.abort()
        path = url[len(ORIGIN) :]
        if path == "/report":
            return route_request.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        if path.startswith(settings.STATIC_URL):
            found = _static_file(path)
            if found is not None:
                content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                return route_request.fulfill(status=200, content_type=content_type, body=found.read_bytes())
        return route_request.fulfill(status=404, body="")

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=settings.REPORT_CHROMIUM_PATH, args=settings.REPORT_CHROMIUM_ARGS
            )
            try:
                context = browser.new_context(locale="da-DK", java_script_enabled=True)
                page = context.new_page()
                page.route("**/*", route)
                page.goto(f"{ORIGIN}/report", wait_until="load")
                # The page draws charts lazily; "beforeprint" draws them all (static/js/charts.js).
                page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
                page.wait_for_function(
                    "() => Array.from(document.querySelectorAll('[data-chart]'))"
                    ".every(el => el.dataset.rendered && el.querySelector('.main-svg'))",
                    timeout=CHART_TIMEOUT_MS,
                )
                # DKFDS's fonts load with font-display: swap; print only once they are in.
                page.evaluate("document.fonts.ready.then(() => true)")
                return page.pdf(
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=FOOTER.format(footer=_escape(footer)),
                    margin={"top": "15mm", "bottom": "18mm", "left": "15mm", "right": "15mm"},
                    tagged=True,
                    outline=True,
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc
