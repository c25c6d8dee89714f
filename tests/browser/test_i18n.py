"""The language switch in a real browser: a nurse switches to English in the page header, and the
data entry grid, its save status (written by JavaScript) and the dashboard speak English."""

import re
from datetime import date
from decimal import Decimal

import pytest

from measures.models import Measurement
from tests.base import build_world

from .conftest import axe_violations, login, screenshot


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_team_member_switches_to_english_and_enters_data(page):
    world = build_world()
    login(page, "data-entry")
    assert page.locator("html").get_attribute("lang") == "da"

    page.goto(f"{page.lkt_base}/teams/{world.team_a.uuid}/data/")
    assert page.locator("h1").inner_text() == "Månedlig indberetning"
    page.select_option("#language-select", "en")
    page.click("form.lkt-language button[type=submit]")
    page.wait_for_load_state("networkidle")
    # set_language sends the user back to the page they came from, now in English.
    assert page.url.endswith(f"/teams/{world.team_a.uuid}/data/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Monthly reporting"

    numerator = page.locator("#n-ddd-2024-03")
    cell = page.locator("td", has=numerator)
    numerator.fill("612.5")
    # 612.5 / 1,000 × 100 = 61.25, shown with the indicator's one decimal, in English
    assert cell.locator("output").inner_text() == "61.3"
    numerator.press("ArrowRight")  # at the end of the text: to the denominator
    page.locator("#d-ddd-2024-03").press("Enter")  # one month down, which saves the cell
    page.wait_for_selector("td.is-saved >> text=Saved")
    saved = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 3, 1))
    assert saved.numerator == Decimal("612.5")

    # A refused value: the status the script writes and the server's message are both English.
    page.locator("#n-reassessed-2024-03").fill("12")
    page.locator("#d-reassessed-2024-03").fill("10")
    page.locator("#d-reassessed-2024-03").press("Tab")
    page.wait_for_selector("td.is-invalid")
    invalid = page.locator("td.is-invalid")
    assert "Not saved – correct the error" in invalid.locator("output").inner_text()
    assert "greater than the denominator" in invalid.locator(".entry-errors").inner_text()
    screenshot(page, "i18n-entry-grid-en")

    page.goto(f"{page.lkt_base}/teams/{world.team_a.uuid}/")
    page.wait_for_selector(".js-plotly-plot")
    assert "Show figures as a table" in page.locator("main").inner_text()
    screenshot(page, "i18n-team-dashboard-en")
    script_errors = [
        e
        for e in page.lkt_errors
        if "status of 400" not in e and not re.match(r"response 400: .*/data/gem/$", e)
    ]
    assert not script_errors, script_errors
    assert axe_violations(page) == []
