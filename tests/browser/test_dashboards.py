"""The dashboards in a real browser: charts are drawn (SVG), no JavaScript errors, screenshots saved."""

from datetime import date
from decimal import Decimal

import pytest

from measures.charts import chart_results_recompute_stale
from measures.models import Annotation, LocalTarget, Measurement, PhaseBreak
from teams.models import Network, Team
from tests.base import build_world, month

from .conftest import axe_violations, draw_charts, login, screenshot


def demo_like_world():
    """The shared world plus six teams with two years of data, charts computed by the real pipeline."""
    world = build_world()
    world.network.peer_visibility = Network.PeerVisibility.ANONYMISED
    world.network.save()
    teams = [world.team_a, world.team_b]
    for i in range(6):
        teams.append(
            Team.objects.create(
                network=world.network,
                code=f"demo-{i}",
                name=f"Afdeling {i + 1}, Demohospital",
                region=world.midtjylland if i % 2 else world.hovedstaden,
            )
        )
    rows = []
    for t, team in enumerate(teams[1:], start=1):
        for m, period in enumerate(world.months):
            if (t + m) % 11 == 0:
                continue  # a missing month: a gap, never a zero
            level = 55 + t * 2 - (8 if m >= 12 and t % 2 else 0) + ((m * 7 + t) % 5)
            rows.append(
                Measurement(
                    team=team,
                    indicator=world.indicator,
                    period=period,
                    numerator=Decimal(level * 10),
                    denominator=Decimal("1000"),
                    indicator_version=1,
                )
            )
            rows.append(
                Measurement(
                    team=team,
                    indicator=world.count_indicator,
                    period=period,
                    numerator=Decimal(30 + (m * 3 + t) % 9 + (6 if m >= 12 else 0)),
                    denominator=Decimal("50"),
                    indicator_version=1,
                )
            )
    for m, period in enumerate(world.months):
        rows.append(
            Measurement(
                team=world.team_a,
                indicator=world.count_indicator,
                period=period,
                numerator=Decimal(28 + (m * 5) % 11 + (8 if m >= 12 else 0)),
                denominator=Decimal("50"),
                indicator_version=1,
            )
        )
    Measurement.objects.bulk_create(rows)
    world.indicator.target_value = Decimal("50")
    world.indicator.save()
    LocalTarget.objects.create(team=world.team_a, indicator=world.indicator, value=Decimal("52"))
    PhaseBreak.objects.create(
        team=world.team_a, indicator=world.indicator, period=month(2025, 1), label="Ny vejledning"
    )
    Annotation.objects.create(
        team=world.team_a,
        indicator=world.indicator,
        date=date(2024, 11, 15),
        text="PDSA 1: huskeseddel ved ordination",
    )
    chart_results_recompute_stale(network=world.network)
    return world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_team_and_network_dashboards_draw_their_charts(page):
    world = demo_like_world()

    login(page, world.team_lead.username)
    page.goto(f"{page.lkt_base}/teams/{world.team_a.uuid}/")
    assert draw_charts(page) >= 2
    assert page.locator(".lkt-chart .main-svg").count() >= 2
    assert page.get_by_text("Datakomplethed").first.is_visible()
    screenshot(page, "dashboard-team")
    assert not axe_violations(page)

    page.context.clear_cookies()
    login(page, world.national_lead.username)
    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/")
    page.wait_for_selector(".lkt-matrix img", timeout=15000)
    # The small multiples are fetched when their section comes into view: before, only the link.
    assert page.locator(".lkt-small-multiples [data-chart]").count() == 0
    page.locator("#small-multiples").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelectorAll('.lkt-small-multiples [data-chart]').length >= 8"
        " && !document.querySelector('.lkt-small-multiples [data-part-url]')",
        timeout=15000,
    )
    # Charts below the fold are drawn when they come into view: bring each in and wait for it.
    draw_charts(page)
    assert page.locator(".lkt-small-multiples .main-svg").count() >= 8
    assert page.locator(".lkt-chart-grid .main-svg").count() >= 2
    screenshot(page, "dashboard-network")
    assert not axe_violations(page)

    # A team member sees the peers anonymised.
    page.context.clear_cookies()
    login(page, world.viewer.username)
    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/")
    page.wait_for_selector(".lkt-matrix", timeout=15000)
    content = page.content()
    assert world.team_b.name not in content
    assert "Team " in content
    screenshot(page, "dashboard-network-anonymised")

    page.context.clear_cookies()
    login(page, world.team_lead.username)
    page.goto(f"{page.lkt_base}/teams/{world.team_a.uuid}/rapport/")
    page.wait_for_selector(".lkt-chart .main-svg", timeout=15000)
    page.emulate_media(media="print")
    screenshot(page, "dashboard-team-report-print")

    assert not page.lkt_errors, page.lkt_errors
