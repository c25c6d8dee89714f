"""Statistics in the product layer: rule sets per network, pooled charts that do not lie, k rule."""

from datetime import date
from decimal import Decimal

import pytest

from measures import charts as pipeline
from measures import spc
from measures.charts import figures as charts
from measures.charts.inputs import SeriesInputs
from measures.models import ChartResult, Measurement
from measures.selectors.dashboards import min_pooled_teams_for, pooled_mask
from teams.access import network_access
from tests.base import month


def _report(world, team, indicator, period, numerator, denominator):
    Measurement.objects.update_or_create(
        team=team,
        indicator=indicator,
        period=period,
        defaults={"numerator": numerator, "denominator": denominator, "indicator_version": 1},
    )


@pytest.mark.django_db
def test_a_month_below_the_share_of_active_teams_is_provisional(world):
    # team B starts reporting in Nov 2025 and has not reported Dec 2025: 1 of 2 active teams = 50 %
    _report(world, world.team_b, world.indicator, month(2025, 11), Decimal("700"), Decimal("1000"))
    national = pipeline.chart_result_recompute(indicator=world.indicator, force=True).data
    last, before = national["points"][-1], national["points"][-2]
    assert (last["period"], last["n_teams"], last["n_active"], last["provisional"]) == (
        "2025-12-01",
        1,
        2,
        True,
    )
    assert (before["n_teams"], before["n_active"], before["provisional"]) == (2, 2, False)
    assert last["include"] is False and last["sigma_signal"] is False  # outside limits and signals
    assert not any(p["provisional"] for p in national["points"][:-1])
    assert "provisional_months" in national["deviations"]
    assert national["pooled"]["min_share"] == 75
    # the network lowers the share to 50 %: the month enters, and the charts were marked stale
    network = world.network
    network.pooled_min_share = 50
    network.save()
    assert ChartResult.objects.filter(network=network, is_stale=True).exists()
    national = pipeline.chart_result_recompute(indicator=world.indicator).data
    assert national["points"][-1]["provisional"] is False and national["points"][-1]["include"] is True


@pytest.mark.django_db
def test_pooled_p_charts_use_laney_by_default_and_the_network_can_choose(world):
    ind = world.count_indicator  # a p chart
    for i, team in enumerate((world.team_a, world.team_b)):
        for m in range(1, 13):
            _report(world, team, ind, month(2024, m), Decimal(40 + i * 5 + m % 3), Decimal(100))
    national = pipeline.chart_result_recompute(indicator=ind, force=True).data
    assert national["chart_type"] == "p" and national["chart_drawn"] == "pp"
    assert "laney" in national["deviations"]
    figure = charts.build_figure(national)
    assert any("Laney p'" in (t.get("name") or "") for t in figure["data"])
    team = pipeline.chart_result_recompute(team=world.team_a, indicator=ind, force=True).data
    assert team["chart_drawn"] == "p"  # a team's own chart is never Laney
    world.network.pooled_laney = False
    world.network.save()
    national = pipeline.chart_result_recompute(indicator=ind).data
    assert national["chart_drawn"] == "p" and "laney" not in national["deviations"]


@pytest.mark.django_db
def test_the_rule_set_is_named_in_the_stored_result_legend_and_api(world, client):
    result = pipeline.chart_result_recompute(team=world.team_a, indicator=world.indicator, force=True)
    assert result.data["rule_set"] == "anhoej" and result.data["classification"]["rule_set"] == "anhoej"
    figure = charts.build_figure(result.data)
    assert figure["layout"]["legend"]["title"]["text"] == "Regler: Anhøj"
    world.network.spc_rule_set = "mdc"
    world.network.save()
    result = pipeline.chart_result_recompute(team=world.team_a, indicator=world.indicator)
    data = result.data
    assert data["rule_set"] == "mdc" and data["chart_drawn"] == "xmr_mdc"
    assert charts.build_figure(data)["layout"]["legend"]["title"]["text"] == "Regler: Making Data Count"
    # run indicators are drawn as MDC's XmR: the centre line is the mean and the limits MDC's
    from measures.spc.mdc import xmr_lines

    ys = [p["y"] for p in data["points"] if p["y"] is not None]
    mean, lpl, upl, _, _ = xmr_lines([p["y"] for p in data["points"]])
    assert data["points"][0]["cl"] == pytest.approx(mean) and data["points"][0]["ucl"] == pytest.approx(upl)
    assert min(ys) < mean < max(ys)
    from measures.api.charts import ChartResultSerializer

    payload = ChartResultSerializer(result).data
    assert payload["rule_set"] == "mdc" and payload["chart_drawn"] == "xmr_mdc"


def test_mdc_charts_without_an_icon_say_so():
    inputs = SeriesInputs(
        scope="team",
        chart_type="t",
        direction="up",
        multiplier=1.0,
        unit="dage",
        indicator_version=1,
        periods=[date(2024, m, 1) for m in range(1, 13)],
        numerators=[float(3 + m % 4) for m in range(12)],
        denominators=[None] * 12,
        n_teams=[None] * 12,
        rule_set="mdc",
    )
    data = pipeline.chart_compute(inputs)
    assert data["classification"]["variation"] == "not_applicable"
    assert charts.variation_icon(data) is None
    assert "Making Data Count giver ikke ikoner" in charts.interpretation(data)


def test_mdc_deviation_is_labelled():
    inputs = SeriesInputs(
        scope="team",
        chart_type="i",
        direction="up",
        multiplier=1.0,
        unit="",
        indicator_version=1,
        periods=[date(2024, m, 1) for m in range(1, 13)] + [date(2025, m, 1) for m in range(1, 3)],
        numerators=[1, 2, None, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        denominators=[None] * 14,
        n_teams=[None] * 14,
        rule_set="mdc",
    )
    data = pipeline.chart_compute(inputs)
    assert not data["error"] and "missing_breaks_trend" in data["deviations"]
    texts = charts.deviation_texts(data)
    assert any(t.startswith("Afviger fra NHS-reglerne:") and "manglende måned" in t for t in texts)


def _pooled(n_teams: list[int]) -> dict:
    return {
        "scope": "national",
        "unit": "%",
        "chart_type": "p",
        "points": [
            {
                "period": f"2025-{i + 1:02d}-01",
                "y": 50.0 + i,
                "numerator": 5.0,
                "denominator": 10.0,
                "n_teams": n,
                "part": 1,
                "include": True,
                "sigma_signal": True,
            }
            for i, n in enumerate(n_teams)
        ],
        "parts": [{"part": 1, "cl": 50.0}],
    }


def test_pooled_points_with_few_teams_are_hidden_from_anonymised_viewers():
    masked, hidden = pooled_mask(_pooled([5, 3, 4, 1]), 4)
    assert hidden == 2
    assert [p["y"] for p in masked["points"]] == [50.0, None, 52.0, None]
    assert masked["points"][1]["numerator"] is None and masked["points"][1]["n_teams"] is None
    assert pooled_mask(_pooled([1]), None)[1] == 0


def test_pooled_hover_never_shows_raw_numbers():
    figure = charts.build_figure(_pooled([1, 2, 30]))
    hover = " ".join(figure["data"][0]["text"])
    assert "5 / 10" not in hover and "1 team" in hover
    rows = charts.table_rows(_pooled([1, 2, 30]))
    assert rows[0]["numerator"] is None and rows[2]["numerator"] == 5.0


@pytest.mark.django_db
def test_the_k_rule_depends_on_who_looks(world):
    network = world.network  # anonymised peers
    assert min_pooled_teams_for(network, world.team_lead, network_access(world.team_lead, network)) == 4
    assert (
        min_pooled_teams_for(network, world.national_lead, network_access(world.national_lead, network))
        is None
    )
    network.peer_visibility = network.PeerVisibility.NAMED
    assert min_pooled_teams_for(network, world.team_lead, network_access(world.team_lead, network)) is None


def test_target_sentence_never_contradicts_the_plotted_values():
    data = {
        "direction": "up",
        "targets": {"national": 90.0, "local": None},
        "classification": {"assurance": "consistently_missed", "limits": {"lcl": 85.0, "ucl": 89.5}},
        "points": [{"period": "2025-01-01", "y": v, "part": 1} for v in (88.0, 87.5, 90.5, 88.2)],
        "parts": [{"part": 1}],
    }
    text = charts.assurance_text(data)
    assert "nås i nogle måneder" in text and "85,0" in text and "89,5" in text
    data["points"][2]["y"] = 89.0
    assert "nås ikke" in charts.assurance_text(data)


def test_engine_version_marks_old_charts_for_recompute():
    assert spc.ENGINE_VERSION == "1.1.0"


def test_frozen_limits_after_a_shift_are_not_called_the_current_process():
    data = {
        "direction": "up",
        "baseline_end": "2025-03-01",
        "baseline_in_force": True,
        "targets": {"national": 90.0, "local": None},
        "classification": {
            "assurance": "consistently_missed",
            "variation": "improvement",
            "limits": {"lcl": 44.0, "ucl": 63.4},
        },
        "points": [{"period": "2025-01-01", "y": v, "part": 1} for v in (50.0, 70.0, 72.0)],
        "parts": [{"part": 1}],
    }
    text = charts.assurance_text(data)
    assert "fastfrosne baseline" in text and "44,0" not in text


@pytest.mark.django_db
def test_the_api_applies_the_k_rule_to_pooled_charts_for_anonymised_viewers(world, client):
    from django.urls import reverse

    _report(world, world.team_b, world.indicator, month(2025, 11), Decimal("700"), Decimal("1000"))
    national = pipeline.chart_result_recompute(indicator=world.indicator, force=True)
    url = reverse("api-v1:chart-result-detail", args=[national.uuid])
    client.force_login(world.team_lead)  # sees peers anonymised; at most 2 teams per month here
    points = client.get(url).json()["points"]
    assert points and all(p["y"] is None and p["numerator"] is None for p in points)
    response = client.get(reverse("api-v1:chart-result-list"), {"format": "csv", "scope": "national"})
    csv = b"".join(response.streaming_content).decode()
    assert "2025-11" in csv  # the months are listed, their numbers are not
    assert "700" not in csv and "1700" not in csv
    client.force_login(world.national_lead)
    points = client.get(url).json()["points"]
    assert any(p["y"] is not None for p in points)
