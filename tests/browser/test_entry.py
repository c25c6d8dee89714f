"""The data entry grid in a real browser: type a value with a decimal comma, see it saved and the
computed value update, reload and still see it; no serious accessibility violations."""

import re
from datetime import date
from decimal import Decimal

import pytest

from measures.models import Indicator, Measurement
from tests.base import build_world, publish

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
    # The computed value follows the typing, before anything is saved: 612,5 / 1000 x 100, shown
    # with the indicator's number of decimals (1 for a rate).
    assert cell.locator("output").inner_text() == "61,3"
    numerator.press("ArrowRight")  # at the end of the text: to the denominator
    assert denominator.evaluate("el => el === document.activeElement")
    denominator.press("Enter")  # leaves the cell (one month down), which saves it
    assert page.locator("#d-ddd-2024-02").evaluate("el => el === document.activeElement")
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
    # F2 opens the cell's comment and history panel; Escape closes it and returns to the cell.
    other.focus()
    other.press("F2")
    assert page.locator("#entry-panel").is_visible()
    assert "Andel revurderet" in page.locator("#entry-panel-title").inner_text()
    page.screenshot(path=str(ARTIFACTS / "entry-grid-cell.png"))
    page.keyboard.press("Escape")
    assert not page.locator("#entry-panel").is_visible()
    assert other.evaluate("el => el === document.activeElement")

    page.reload()
    assert page.locator("#n-ddd-2024-03").input_value() == "612,5"
    assert page.locator("td", has=page.locator("#n-ddd-2024-03")).locator("output").inner_text() == "61,3"
    # The refused save above is a 400 the browser logs; anything else is a script error.
    script_errors = [
        e
        for e in page.lkt_errors
        if "status of 400" not in e and not re.match(r"response 400: .*/data/gem/$", e)
    ]
    assert not script_errors, script_errors
    assert axe_violations(page) == []


def _five_indicator_world():
    """The world with three more published indicators: five columns, two without a denominator."""
    world = build_world()
    extra = [
        (
            "cia",
            "Andel kritisk vigtige antibiotika",
            "Antal DDD kritisk vigtige",
            "Antal DDD i alt",
            Decimal("100"),
        ),
        ("cultures", "Bloddyrkninger før behandling", "Antal bloddyrkninger", "", Decimal("1")),
        ("mortality", "30-dages dødelighed efter bakteriæmi", "Antal døde", "", Decimal("1")),
    ]
    indicators = [world.indicator, world.count_indicator]
    for order, (code, name, numerator, denominator, multiplier) in enumerate(extra, start=3):
        indicators.append(
            publish(
                Indicator.objects.create(
                    network=world.network,
                    code=code,
                    name=name,
                    numerator_definition=numerator,
                    denominator_definition=denominator,
                    multiplier=multiplier,
                    order=order,
                ),
                world.national_lead,
            )
        )
    return world, indicators


def _typed(indicator, month_index: int) -> tuple[str, str | None]:
    """The numbers typed for one cell, Danish style; distinct per cell so a misplaced value shows."""
    if indicator.code == "ddd":
        return f"{500 + month_index},5", "1000"
    if indicator.code == "reassessed":
        return str(10 + month_index), "40"
    if indicator.code == "cia":
        return str(30 + month_index), "200"
    if indicator.code == "cultures":
        return f"{month_index + 1},25", None
    return str(month_index), None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 1024])
def test_twelve_months_of_five_indicators_are_entered_by_keyboard_alone(page, width):
    world, indicators = _five_indicator_world()
    page.set_viewport_size({"width": width, "height": 800})
    login(page, "other-team-member")
    page.goto(f"{page.lkt_base}/teams/{world.team_b.uuid}/data/")
    # The table scrolls inside its own box: the page itself is never wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    active = "() => { const el = document.activeElement; return el.tagName + '#' + el.id; }"
    # Keyboard alone from the top of the page: Tab until the first value field.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(active).startswith("INPUT#n-"):
            break
    periods = [p.strftime("%Y-%m") for p in _newest_months(12)]
    assert page.evaluate(active) == f"INPUT#n-ddd-{periods[0]}"

    for month_index, key in enumerate(periods):
        for indicator in indicators:
            numerator, denominator = _typed(indicator, month_index)
            assert page.evaluate(active) == f"INPUT#n-{indicator.code}-{key}"
            page.keyboard.type(numerator)
            page.keyboard.press("Tab")
            if denominator is not None:
                assert page.evaluate(active) == f"INPUT#d-{indicator.code}-{key}"
                page.keyboard.type(denominator)
                page.keyboard.press("Tab")
    # Tab went through value fields only: the last Tab left the 12th row for the 13th.
    assert page.evaluate(active).startswith("INPUT#n-ddd-")
    page.wait_for_function("() => !document.querySelector('.entry-grid td.is-saving')", timeout=30_000)
    page.wait_for_function(
        "n => document.querySelectorAll('.entry-grid td.is-saved').length >= n", arg=60, timeout=30_000
    )

    for month_index, key in enumerate(periods):
        year, month = (int(part) for part in key.split("-"))
        for indicator in indicators:
            numerator, denominator = _typed(indicator, month_index)
            stored = Measurement.objects.get(
                team=world.team_b, indicator=indicator, period=date(year, month, 1)
            )
            assert stored.numerator == Decimal(numerator.replace(",", ".")), (indicator.code, key)
            assert stored.denominator == (Decimal(denominator) if denominator else None), (
                indicator.code,
                key,
            )

    # Arrow keys and Enter: down a month, up again, right to the next field.
    first = page.locator(f"#n-cultures-{periods[0]}")
    first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(active) == f"INPUT#n-cultures-{periods[1]}"
    page.keyboard.press("ArrowUp")
    assert page.evaluate(active) == f"INPUT#n-cultures-{periods[0]}"
    page.keyboard.press("ArrowRight")  # the whole text is selected on arrival: on to the next field
    assert page.evaluate(active) == f"INPUT#n-mortality-{periods[0]}"

    # Scrolled down inside the table, the indicator headers and the month column still show.
    box = page.locator(".entry-scroll")
    box.evaluate("el => { el.scrollTop = el.scrollHeight; el.scrollLeft = el.scrollWidth; }")
    header = page.locator("#h-ddd").bounding_box()
    container = box.bounding_box()
    assert abs(header["y"] - container["y"]) < 3, (header, container)
    month_cell = page.locator(f"#r-{periods[11]}").bounding_box()
    assert abs(month_cell["x"] - container["x"]) < 3, (month_cell, container)
    screenshot(page, f"entry-grid-keyboard-{width}")
    assert not page.lkt_errors, page.lkt_errors
    assert axe_violations(page) == []


def _newest_months(count: int) -> list[date]:
    today = date.today().replace(day=1)
    months = []
    for _ in range(count):
        months.append(today)
        today = date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)
    return months


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
