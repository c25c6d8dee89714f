"""The API token pages and the API docs in a real browser: create a token, see it once; Swagger UI
renders under our Content-Security-Policy (script-src 'self')."""

import pytest

from teams.models import ApiToken
from tests.base import build_world

from .conftest import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_national_lead_creates_a_token_and_reads_the_docs(page):
    world = build_world()
    login(page, world.national_lead.username)

    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/api-tokens/")
    assert page.locator("h1").inner_text() == "API-tokens"
    assert axe_violations(page) == []
    page.fill("#id_name", "Power BI, Region Hovedstaden")
    page.select_option("#id_region", label="Region Hovedstaden")
    page.click("button.button-primary")
    page.wait_for_load_state("networkidle")
    raw = page.input_value("#raw-token")
    assert raw.startswith("lkt_")
    assert ApiToken.objects.get().prefix in raw
    assert axe_violations(page) == []
    screenshot(page, "api-token-created")

    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/api-tokens/")
    assert raw not in page.content()
    screenshot(page, "api-tokens")

    page.goto(f"{page.lkt_base}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "LKT tracker API" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector("#operations-measurements-measurements_list", timeout=15000)
    screenshot(page, "api-docs")
    csp_errors = [e for e in page.lkt_errors if "Content Security Policy" in e or "pageerror" in e]
    assert csp_errors == []
