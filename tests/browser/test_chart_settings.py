"""Chart settings in a real browser: the team lead freezes the baseline on the indicator page."""

import pytest

from measures.charts import chart_results_recompute_stale
from measures.models import ChartResult, ChartSettings
from tests.base import build_world, month

from .conftest import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_team_lead_sets_a_baseline_on_the_indicator_page(page):
    world = build_world()
    chart_results_recompute_stale(network=world.network)
    url = f"{page.lkt_base}/teams/{world.team_a.uuid}/indikatorer/{world.indicator.uuid}/"

    login(page, world.team_lead.username)
    page.goto(url)
    page.wait_for_selector(".lkt-chart .main-svg", timeout=15000)
    page.get_by_label("Baseline til og med").select_option(label="dec. 2024")
    page.get_by_role("button", name="Gem baseline").click()
    page.wait_for_load_state("networkidle")

    assert page.url.rstrip("#") == url
    assert page.get_by_text("Indstillingerne er gemt. Diagrammet opdateres.").is_visible()
    assert ChartSettings.objects.get(team=world.team_a, indicator=world.indicator).baseline_end == month(
        2024, 12
    )
    # Celery runs eagerly in the tests: the chart is already recomputed with the frozen baseline.
    row = ChartResult.objects.get(scope="team", team=world.team_a, indicator=world.indicator)
    assert row.data["baseline_end"] == "2024-12-01"
    page.wait_for_selector(".lkt-chart .main-svg", timeout=15000)

    # A comment on the chart, in a <details> that opens on its summary.
    page.locator("summary", has_text="Tilføj kommentar på diagram").click()
    page.get_by_label("Dato").fill("2024-11-15")
    page.get_by_label("Kommentar", exact=True).fill("PDSA 1: huskeseddel ved ordination")
    page.get_by_role("button", name="Gem kommentar").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Kommentaren er gemt. Diagrammet opdateres.").is_visible()
    page.wait_for_selector(".lkt-chart .main-svg", timeout=15000)

    page.locator("#diagramindstillinger").scroll_into_view_if_needed()
    page.locator("#diagramindstillinger").wait_for(state="visible")
    screenshot(page, "chart-settings-indicator-page")
    page.locator("#diagramindstillinger").screenshot(path=str(screenshot(page, "chart-settings-panel")))
    violations = axe_violations(page)
    assert not violations, violations
    assert not page.lkt_errors, page.lkt_errors
