"""The security pages in a real browser, axe-core clean: lockout, SSO button, two-factor, export log,
the anonymised project description."""

import pytest

from teams.models import ExportEvent
from tests.base import build_world

from .conftest import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_security_pages_are_accessible(page, settings):
    world = build_world()
    settings.AXES_FAILURE_LIMIT = 2
    settings.OIDC_ENABLED = True  # the button only; the flow is tested in tests/security/test_sso.py
    settings.OIDC_PROVIDER_NAME = "Region Hovedstadens login"

    page.goto(f"{page.lkt_base}/login/")
    assert page.get_by_text("Log ind med Region Hovedstadens login").is_visible()
    screenshot(page, "security-login-sso")
    assert not axe_violations(page)

    for _ in range(2):
        page.goto(f"{page.lkt_base}/login/")
        page.fill("#id_username", world.viewer.username)
        page.fill("#id_password", "wrong-password")
        page.click("button[type=submit].button-primary")
        page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Login midlertidigt spærret").is_visible()
    screenshot(page, "security-locked-out")
    assert not axe_violations(page)

    settings.OIDC_ENABLED = False
    login(page, world.data_entry.username)  # the viewer is locked out now, from this address
    page.goto(f"{page.lkt_base}/konto/totrinslogin/")
    assert page.locator("figure svg").count() == 1
    screenshot(page, "security-totp-setup")
    assert not axe_violations(page)

    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/projektbeskrivelse/")
    screenshot(page, "security-project-description-anonymised")
    assert world.team_b.name not in page.content()
    assert not axe_violations(page)

    ExportEvent.objects.create(
        kind="api",
        what="measurements",
        path="/api/v1/measurements/?format=csv",
        user=world.viewer,
        network=world.network,
        client_ip="203.0.113.9",
    )
    page.context.clear_cookies()
    login(page, world.national_lead.username)
    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/eksportlog/")
    assert page.get_by_role("heading", name="Eksportlog").is_visible()
    assert "203.0.113.9" in page.content()
    screenshot(page, "security-export-log")
    assert not axe_violations(page)
    # The lockout page is answered with 429 on purpose; every other error counts.
    lockout = {
        f"response 429: {page.lkt_base}/login/",
        "console.error: Failed to load resource: the server responded with a status of 429 (Too Many Requests)",
    }
    assert [e for e in page.lkt_errors if e not in lockout] == []
