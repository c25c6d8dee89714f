"""In a real browser, a comment with HTML shows as text in the chart, not as a link."""

from datetime import date

import pytest

from measures.charts import chart_results_recompute_stale
from measures.models import Annotation, PhaseBreak
from tests.base import build_world, month

from .conftest import login, screenshot

LINK = '<a href="https://evil.example/">Klik her</a>'


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_comment_with_html_is_drawn_as_text(page):
    world = build_world()
    Annotation.objects.create(team=world.team_a, indicator=world.indicator, date=date(2024, 3, 1), text=LINK)
    PhaseBreak.objects.create(
        team=world.team_a, indicator=world.indicator, period=month(2025, 1), label="<b>Fed</b> & ny"
    )
    chart_results_recompute_stale(network=world.network)
    login(page, world.team_lead.username)
    page.goto(f"{page.lkt_base}/teams/{world.team_a.uuid}/indikatorer/{world.indicator.uuid}/")
    page.wait_for_selector(".lkt-chart .main-svg", timeout=15000)
    chart = page.locator(".lkt-chart").first
    assert chart.locator("a").count() == 0  # no link inside the plot
    labels = chart.locator(".annotation-text").all_text_contents()
    assert "<b>Fed</b> & ny" in labels
    # Hovering the note shows the literal text.
    index = page.evaluate(
        """() => {
            const gd = document.querySelector('.lkt-chart[data-rendered]');
            const i = gd.data.findIndex(t => (t.name || '').startsWith('PDSA'));
            Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: 0}]);
            return i;
        }"""
    )
    assert index >= 0
    page.wait_for_timeout(500)
    hover = " ".join(chart.locator(".hovertext").all_text_contents())
    assert LINK in hover, hover
    assert chart.locator(".hovertext a").count() == 0
    screenshot(page, "chart-plain-text")
