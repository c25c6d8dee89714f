"""Browser tests: Playwright driving Debian's Chromium against the live test server.

`playwright install` cannot download browsers here, so the tests use /usr/bin/chromium (installed
by .ci/run with apt-get). axe-core is served from our own static files and injected into the page.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    # The live server runs in a thread of this process; Django refuses sync ORM calls from a
    # thread with a running event loop, which Playwright's sync API creates.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; run `apt-get install -y chromium` (done by .ci/run)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page; JavaScript errors, console errors and failed requests (with their URL) are
    collected in page.lkt_errors. Nothing is filtered: a missing static file fails the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="da-DK")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("response", lambda r: errors.append(f"response {r.status}: {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} ({r.failure})"))
    page.lkt_errors = errors
    page.lkt_base = live_server.url
    yield page
    context.close()


def login(page, username: str, password: str = "test-password-123") -> None:
    page.goto(f"{page.lkt_base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].button-primary")
    page.wait_for_load_state("networkidle")


def draw_charts(page, timeout: int = 15000) -> int:
    """Bring every chart into view (charts.js draws them when they are seen) and wait until each
    one is drawn; returns how many there are. A condition, not a fixed sleep."""
    charts = page.locator("[data-chart]")
    count = charts.count()
    for index in range(count):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        chart.locator(".main-svg").first.wait_for(state="attached", timeout=timeout)
    page.evaluate("window.scrollTo(0, 0)")
    return count


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA rules) on the current page; return violations of the given impacts."""
    # Loaded from our own static files: the content security policy forbids inline scripts.
    page.add_script_tag(url=f"{page.lkt_base}/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]
