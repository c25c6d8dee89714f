"""Dashboards: team, indicator, network, goal and report pages from stored chart results."""

import json
import re
from datetime import date
from html import escape as html_escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from measures.charts.figures import interpretation
from measures.models import Annotation, ChartResult, MonthCompletion
from measures.selectors.dashboards import TEAM_COMPLETENESS_MONTHS, team_dashboard
from teams.models import Network, Team

from .chart_factory import chart_data, store_result

LEVELS = [61, 59, 63, 60, 58, 62, 61, 60, 64, 59, 62, 60, 50, 48, 49, 47, 51, 46, 48, 47, 49, 45, 48, 47]


def team_result(world, team=None, **kwargs):
    data = chart_data(LEVELS, **kwargs)
    return store_result(indicator=world.indicator, team=team or world.team_a, data=data)


def team_url(world, team=None):
    return reverse("measures:team-dashboard", kwargs={"team_uuid": (team or world.team_a).uuid})


def network_url(world, **query):
    url = reverse("measures:network-dashboard", kwargs={"slug": world.network.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def small_url(world) -> str:
    return reverse("measures:network-small-multiples", kwargs={"slug": world.network.slug})


def small_figures(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    return [f for f in figures_in(response.content.decode()) if f["config"].get("staticPlot")]


def figures_in(html: str) -> list[dict]:
    return [
        json.loads(match)
        for match in re.findall(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', html, re.S)
    ]


# --- Team dashboard -----------------------------------------------------------------------------


def test_team_dashboard_shows_each_indicator_with_its_chart_and_interpretation(world, client_for):
    team_result(world, runs_signal=True, longest_run=11, variation="improvement", phase_at=12)
    response = client_for(world.viewer).get(team_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mål 1: Reduktion af det samlede antibiotikaforbrug" in html
    assert "DDD pr. 100 sengedage" in html
    assert "Andel revurderet inden for 48 timer" in html
    assert "Ikke-tilfældig variation: usædvanligt lang serie (11 punkter, grænse 8)." in html
    assert "Vis tal som tabel" in html
    assert "variation-improvement-low.svg" in html
    # the indicator without a result says so instead of computing
    assert "Der er endnu ikke data til et diagram." in html
    figures = figures_in(html)
    assert len(figures) == 1
    assert figures[0]["figure"]["data"][0]["name"] == "Måling"
    assert figures[0]["config"]["toImageButtonOptions"]["format"] == "png"


def test_team_dashboard_marks_a_stale_chart(world, client_for):
    store_result(indicator=world.indicator, team=world.team_a, data=chart_data(LEVELS), is_stale=True)
    html = client_for(world.viewer).get(team_url(world)).content.decode()
    assert "Diagrammet opdateres" in html


def test_team_dashboard_says_a_never_computed_chart_is_being_computed(world, client_for):
    ChartResult.objects.create(
        scope=ChartResult.Scope.TEAM,
        network=world.network,
        indicator=world.indicator,
        team=world.team_a,
        chart_type="run",
        is_stale=True,
    )
    html = client_for(world.viewer).get(team_url(world)).content.decode()
    assert "Diagrammet beregnes" in html


def test_team_dashboard_lists_latest_annotations(world, client_for):
    Annotation.objects.create(team=world.team_a, date="2025-03-04", text="Ny huskeseddel på stuen")
    html = client_for(world.viewer).get(team_url(world)).content.decode()
    assert "Ny huskeseddel på stuen" in html
    assert "Datakomplethed" in html


def test_team_dashboard_is_404_for_outsiders_and_other_teams(world, client_for):
    for user in (world.outsider, world.stranger, world.other_team_member):
        assert client_for(user).get(team_url(world)).status_code == 404


# --- Indicator page ------------------------------------------------------------------------------


def test_indicator_page_shows_the_large_chart_and_values(world, client_for):
    team_result(world)
    url = reverse(
        "measures:indicator-dashboard",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid},
    )
    response = client_for(world.viewer).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kun almindelig variation" in html
    assert "61,0" in html  # a value in the values table, Danish decimal comma


def test_indicator_page_is_404_for_outsiders_and_other_networks_indicator(world, client_for):
    url = reverse(
        "measures:indicator-dashboard",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid},
    )
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.other_team_member).get(url).status_code == 404
    other = reverse(
        "measures:indicator-dashboard",
        kwargs={"team_uuid": world.other_team.uuid, "indicator_uuid": world.indicator.uuid},
    )
    assert client_for(world.staff).get(other).status_code == 404


# --- Network dashboard ---------------------------------------------------------------------------


def test_network_dashboard_shows_matrix_small_multiples_national_chart(world, client_for):
    team_result(world, runs_signal=True, longest_run=11, variation="improvement")
    team_result(world, team=world.team_b, variation="concern", runs_signal=True, longest_run=10)
    national = chart_data(LEVELS, targets={"national": 45.0}, n_teams=2)
    store_result(indicator=world.indicator, data=national)
    response = client_for(world.national_lead).get(network_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.team_a.name in html and world.team_b.name in html
    assert "variation-improvement-low.svg" in html
    assert "variation-concern-high.svg" in html
    assert "Nationalt mål (45,0)" in html
    assert "1</strong> af 2 teams viser forbedring" in html
    # the small multiples are not in the page: it says where they come from, with a plain link
    assert not [f for f in figures_in(html) if f["config"].get("staticPlot")]
    assert small_url(world) + "?side=1" in html
    assert network_url(world) + "?smaa=1#small-title" in html
    small = small_figures(client_for(world.national_lead), small_url(world) + "?side=1")
    assert len(small) == 2
    # a shared y scale
    assert small[0]["figure"]["layout"]["yaxis"]["range"] == small[1]["figure"]["layout"]["yaxis"]["range"]
    # the plain link shows the same page of small multiples inline
    inline = client_for(world.national_lead).get(network_url(world, smaa=1)).content.decode()
    assert len([f for f in figures_in(inline) if f["config"].get("staticPlot")]) == 2


def test_network_dashboard_sorts_concerns_first_by_indicator(world, client_for):
    team_result(world, variation="improvement", runs_signal=True, longest_run=11)
    team_result(world, team=world.team_b, variation="concern", runs_signal=True, longest_run=10)
    html = client_for(world.national_lead).get(network_url(world, sorter="ddd")).content.decode()
    matrix = html[html.index("lkt-matrix") :]
    assert matrix.index(world.team_b.name) < matrix.index(world.team_a.name)


def test_network_dashboard_filters_by_region(world, client_for):
    html = (
        client_for(world.national_lead)
        .get(network_url(world, region=world.midtjylland.uuid))
        .content.decode()
    )
    matrix = html[html.index("lkt-matrix") : html.index("heat-title")]
    assert world.team_b.name in matrix
    assert world.team_a.name not in matrix


def test_network_dashboard_is_404_for_outsiders(world, client_for):
    assert client_for(world.outsider).get(network_url(world)).status_code == 404
    assert client_for(world.stranger).get(network_url(world)).status_code == 404


def test_network_dashboard_never_names_anonymised_peers(world, client_for):
    Annotation.objects.create(
        team=world.team_b, indicator=world.indicator, date="2024-05-01", text="Hemmelig note"
    )
    data = chart_data(LEVELS, annotations=[{"date": "2024-05-01", "text": "Hemmelig note", "kind": "note"}])
    store_result(indicator=world.indicator, team=world.team_b, data=data)
    team_result(world)
    html = client_for(world.viewer).get(network_url(world)).content.decode()
    assert world.team_a.name in html  # own team by name
    assert world.team_b.name not in html
    assert str(world.team_b.uuid) not in html
    assert world.team_b.code not in html
    assert "Hemmelig note" not in html
    assert "Team " in html


def test_network_dashboard_hides_peers_when_the_network_says_so(world, client_for):
    world.network.peer_visibility = Network.PeerVisibility.HIDDEN
    world.network.save()
    team_result(world, team=world.team_b)
    html = client_for(world.viewer).get(network_url(world)).content.decode()
    assert world.team_b.name not in html
    assert "Team A" not in html and "Team B" not in html
    assert len([f for f in figures_in(html) if f["config"].get("staticPlot")]) == 0
    # the small multiples show the viewer's own team only
    part = client_for(world.viewer).get(small_url(world) + "?side=1").content.decode()
    assert world.team_b.name not in part and "Team A" not in part and "Team B" not in part
    assert len(small_figures(client_for(world.viewer), small_url(world) + "?side=1")) == 0


def build_teams(world, count: int) -> None:
    """`count` extra teams with a stored result for both indicators."""
    start = Team.objects.count()
    teams = Team.objects.bulk_create(
        Team(
            network=world.network,
            code=f"t{start + i}",
            name=f"Team nummer {start + i}",
            region=world.midtjylland,
        )
        for i in range(count)
    )
    for team in teams:
        store_result(indicator=world.indicator, team=team, data=chart_data(LEVELS, variation="improvement"))
        store_result(
            indicator=world.count_indicator, team=team, data=chart_data(LEVELS, chart_type="p", limits=5.0)
        )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("user_name", ["national_lead", "viewer", "coordinator"])
def test_network_dashboard_query_count_does_not_grow_with_teams(world, client_for, user_name):
    client = client_for(getattr(world, user_name))
    client.get(reverse("home"))  # the header menu is read on a user's first page, then cached
    build_teams(world, 5)
    with_5 = count_queries(client, network_url(world))
    small_5 = count_queries(client, small_url(world) + "?side=1")
    build_teams(world, 45)
    with_50 = count_queries(client, network_url(world))
    small_50 = count_queries(client, small_url(world) + "?side=1")
    assert with_5 == with_50
    assert small_5 == small_50
    # served from the cache while the chart rows are unchanged: fewer queries, the same page
    assert count_queries(client, network_url(world)) < with_50


def matrix_of(html: str) -> str:
    return html[html.index("lkt-matrix") : html.index("</table>", html.index("lkt-matrix"))]


def matrix_names(html: str) -> list[str]:
    return re.findall(r"Team nummer \d+", matrix_of(html))


def test_network_dashboard_pages_the_teams_and_loads_small_multiples_by_page(world, client_for):
    build_teams(world, 28)  # 30 teams: pages of 24 and 6
    client = client_for(world.national_lead)
    first = client.get(network_url(world)).content.decode()
    assert "Viser team 1–24 af 30." in first
    assert "?side=2#matrix-title" in first
    second = client.get(network_url(world, side=2)).content.decode()
    assert "Viser team 25–30 af 30." in second and "?side=1#matrix-title" in second
    names_1, names_2 = matrix_names(first), matrix_names(second)
    assert len(names_1) + 2 == 24 and len(names_2) == 6  # team A and B are on the first page
    assert not set(names_1) & set(names_2)
    # the heat map shows the same page of teams
    heat = second[second.index("lkt-heat") :]
    assert all(name in heat for name in names_2)

    page_1 = client.get(small_url(world) + "?side=1").content.decode()
    page_2 = client.get(small_url(world) + "?side=2").content.decode()
    # the first page says where the next one comes from; the last page has no next
    assert small_url(world) + "?side=2" in page_1 and "team 25–30 af 30" in page_1
    assert "data-part-url" not in page_2
    small_1 = [f for f in figures_in(page_1) if f["config"].get("staticPlot")]
    small_2 = [f for f in figures_in(page_2) if f["config"].get("staticPlot")]
    assert len(small_1) == 22 and len(small_2) == 6  # team A and B have no result for this indicator
    # one y scale across the pages, not per page
    ranges = {tuple(f["figure"]["layout"]["yaxis"]["range"]) for f in small_1 + small_2}
    assert len(ranges) == 1
    # the same order as the matrix
    assert re.findall(r'<span class="lkt-small-title">(Team nummer \d+)</span>', page_2) == names_2


def test_network_small_multiples_is_404_for_outsiders_and_refuses_post(world, client_for):
    url = small_url(world) + "?side=1"
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.stranger).get(url).status_code == 404
    assert client_for(world.national_lead).post(url).status_code == 405


def test_network_dashboard_cache_follows_the_chart_results(world, client_for):
    """The cached parts are keyed by the chart rows' stamp: a recomputed chart shows at once."""
    team_result(world, variation="improvement", runs_signal=True, longest_run=11)
    client = client_for(world.national_lead)
    assert "variation-improvement-low.svg" in matrix_of(client.get(network_url(world)).content.decode())
    national = chart_data(LEVELS, targets={"national": 45.0}, n_teams=2)
    store_result(indicator=world.indicator, data=national)
    first = client.get(network_url(world)).content.decode()
    assert "Nationalt mål (45,0)" in first
    small_before = client.get(small_url(world) + "?side=1").content.decode()
    # the pipeline recomputes the team's chart: a concern now (synced_at moves)
    result = ChartResult.objects.get(team=world.team_a, indicator=world.indicator)
    data = chart_data(LEVELS, variation="concern", runs_signal=True, longest_run=10)
    ChartResult.objects.filter(pk=result.pk).update(data=data, variation="concern", synced_at=timezone.now())
    html = client.get(network_url(world)).content.decode()
    assert "variation-concern" in matrix_of(html) and "variation-improvement" not in matrix_of(html)
    assert "0</strong> af 2 teams viser forbedring" in html
    assert client.get(small_url(world) + "?side=1").content.decode() != small_before
    national = chart_data(LEVELS, targets={"national": 50.0}, n_teams=2)
    ChartResult.objects.filter(scope="national", indicator=world.indicator).update(
        data=national, synced_at=timezone.now()
    )
    assert "Nationalt mål (50,0)" in client.get(network_url(world)).content.decode()


# --- Goal page and reports -----------------------------------------------------------------------


def test_goal_page_shows_target_indicators_and_teams_improving(world, client_for):
    world.goal.target_text = "10 % reduktion i forhold til baseline"
    world.goal.save()
    team_result(world, variation="improvement", runs_signal=True, longest_run=11)
    store_result(indicator=world.indicator, data=chart_data(LEVELS, n_teams=2))
    url = reverse(
        "measures:goal-dashboard", kwargs={"slug": world.network.slug, "goal_uuid": world.goal.uuid}
    )
    response = client_for(world.expert).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "10 % reduktion i forhold til baseline" in html
    assert "DDD pr. 100 sengedage" in html
    assert client_for(world.outsider).get(url).status_code == 404


def test_team_report_is_printable_with_every_chart(world, client_for):
    team_result(world)
    url = reverse("measures:team-report", kwargs={"team_uuid": world.team_a.uuid})
    response = client_for(world.team_lead).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "report.css" in html
    assert "Kun almindelig variation" in html
    assert client_for(world.other_team_member).get(url).status_code == 404


def test_network_report_respects_peer_visibility(world, client_for):
    team_result(world, team=world.team_b)
    url = reverse("measures:network-report", kwargs={"slug": world.network.slug})
    assert world.team_b.name not in client_for(world.viewer).get(url).content.decode()
    assert world.team_b.name in client_for(world.national_lead).get(url).content.decode()
    assert client_for(world.outsider).get(url).status_code == 404


# --- Against the real pipeline ------------------------------------------------------------------


def test_dashboards_draw_what_the_pipeline_stores(world, client_for):
    import plotly.graph_objects as go

    from measures.charts import chart_results_recompute_stale

    chart_results_recompute_stale(network=world.network)
    team_html = client_for(world.team_lead).get(team_url(world)).content.decode()
    figures = figures_in(team_html)
    assert figures, "the team's DDD chart should be drawn"
    for payload in figures:
        go.Figure(payload["figure"])
    # 24 months, a level shift down after 12 on a lower-is-better indicator: the pipeline finds the
    # improvement, and its interpretation line (not just any word) reaches the page.
    stored = ChartResult.objects.get(
        scope=ChartResult.Scope.TEAM, team=world.team_a, indicator=world.indicator
    )
    assert stored.variation == "improvement"
    line = interpretation(stored.data, variation=stored.variation)
    assert "forbedring" in line
    assert html_escape(line) in team_html
    network_html = client_for(world.national_lead).get(network_url(world)).content.decode()
    national = [f for f in figures_in(network_html) if not f["config"].get("staticPlot")]
    assert national
    for payload in national:
        go.Figure(payload["figure"])


def test_team_dashboard_completeness_counts_the_recent_months_since_the_start(world):
    """The strip comes from the entry completeness: reported of expected per month, never before the start."""
    # Team A has DDD for 2024-01..2025-12 and nothing for the count indicator.
    MonthCompletion.objects.create(team=world.team_a, period=date(2025, 12, 1), completed_by=world.data_entry)
    strip = team_dashboard(team=world.team_a, today=date(2026, 1, 20)).completeness
    assert [m.period for m in strip] == [
        date(2025, 12 - n, 1) for n in range(TEAM_COMPLETENESS_MONTHS - 1, -1, -1)
    ]
    assert [(m.reported, m.expected) for m in strip] == [(1, 2)] * TEAM_COMPLETENESS_MONTHS
    assert [m.is_marked_complete for m in strip][-1] is True

    world.network.start_date = date(2025, 10, 1)
    world.network.save()
    strip = team_dashboard(team=world.team_a, today=date(2026, 1, 20)).completeness
    assert [m.period for m in strip] == [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]


def test_cached_parts_are_never_shared_between_viewers_who_see_different_names(world, client_for):
    """The lead's rendering (team names) is cached first; a member of team B, who sees team A
    anonymised, must get a rendering of their own, not the lead's."""
    team_result(world, variation="improvement", runs_signal=True, longest_run=11)
    team_result(world, team=world.team_b)
    lead = client_for(world.national_lead)
    assert world.team_a.name in lead.get(network_url(world)).content.decode()
    assert world.team_a.name in lead.get(small_url(world) + "?side=1").content.decode()
    member = client_for(world.other_team_member)
    for url in (network_url(world), small_url(world) + "?side=1", network_url(world, smaa=1)):
        html = member.get(url).content.decode()
        assert world.team_a.name not in html and str(world.team_a.uuid) not in html, url
        assert "Team " in html, url
    # and the other way round: the anonymised rendering is not served to the lead
    lead_html = lead.get(small_url(world) + "?side=1").content.decode()
    assert world.team_a.name in lead_html and world.team_b.name in lead_html
