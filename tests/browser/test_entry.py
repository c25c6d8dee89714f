"""The data entry grid in a real browser: type a value with a decimal comma, see it saved and the
computed value update, reload and still see it; no serious accessibility violations."""

import re
from datetime import date

import pytest

from measures.models import Measurement
from tests.base import build_world

from .conftest import ARTIFACTS, axe_violations, login, screenshot


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_team_member_types_a_decimal_comma_value_and_it_stays_after_reload(page):
    world = build_world()
    world.data_entry.first_name, world.data_entry.last_name = "Mette", "Sørensen"
    world.data_entry.save()
    login(page, "data-entry")
    page.goto(f"{page.lkt_base}/teams/{world.team_a.uuid}/data/")
    assert page.locator("h1").inner_text() == "Månedlig indberetning"

    numerator = page.locator("#n-ddd-2024-03")
    denominator = page.locator("#d-ddd-2024-03")
    cell = page.locator("td", has=numerator)
    assert numerator.input_value() == "630"
    numerator.fill("612,5")
    # The computed value follows the typing, before anything is saved: 612,5 / 1000 x 100.
    assert cell.locator(".entry-value").inner_text() == "61,25"
    numerator.press("Enter")  # moves to the denominator, like Tab
    assert denominator.evaluate("el => el === document.activeElement")
    denominator.press("Enter")  # leaves the cell, which saves it
    page.wait_for_selector("td.is-saved >> text=Gemt")
    assert (
        Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 3, 1)).version
        == 2
    )

    # An invalid value is refused with the field named, and the typed text stays.
    other = page.locator("#n-reassessed-2024-03")
    other.fill("12")
    page.locator("#d-reassessed-2024-03").fill("10")
    page.locator("#d-reassessed-2024-03").press("Tab")
    page.wait_for_selector("td.is-invalid")
    assert "større end nævneren" in page.locator("td.is-invalid .entry-errors").inner_text()
    assert other.input_value() == "12"
    screenshot(page, "entry-grid")
    page.locator("#m-2024-03").scroll_into_view_if_needed()
    page.locator("td.is-invalid details summary").click()
    page.screenshot(path=str(ARTIFACTS / "entry-grid-cell.png"))

    page.reload()
    assert page.locator("#n-ddd-2024-03").input_value() == "612,5"
    assert (
        page.locator("td", has=page.locator("#n-ddd-2024-03")).locator(".entry-value").inner_text() == "61,25"
    )
    # The refused save above is a 400 the browser logs; anything else is a script error.
    script_errors = [
        e for e in page.lkt_errors if "status of 400" not in e and not re.match(r"response 400: .*/data/gem/$", e)
    ]
    assert not script_errors, script_errors
    assert axe_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_upload_preview_is_accessible(page, tmp_path):
    world = build_world()
    login(page, "data-entry")
    page.goto(f"{page.lkt_base}/teams/{world.team_a.uuid}/data/upload/")
    path = tmp_path / "data.csv"
    path.write_bytes(
        "Dato;Tæller;Nævner;Kommentarer\n01-01-2024;12;40;\n01-02-2024;15;41;\n".encode("iso-8859-1")
    )
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_indicator", "reassessed")
    page.click("button[type=submit].button-primary")
    page.wait_for_load_state("networkidle")
    assert "Nye værdier" in page.content()
    assert axe_violations(page) == []
    screenshot(page, "entry-upload-preview")
    page.click(".entry-confirm button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Filen er indlæst" in page.content()
    assert Measurement.objects.filter(indicator=world.count_indicator).count() == 2
