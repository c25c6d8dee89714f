"""The PowerPoint file: native charts with the stored values, notes, Danish text, anonymised peers."""

import io
from datetime import date
from decimal import Decimal

import pytest
from pptx import Presentation
from pptx.chart.chart import Chart

from measures.charts import chart_results_recompute_stale
from measures.charts import figures as charts
from measures.models import ChartResult, Measurement
from reports.models import ReportSnapshot
from reports.services import report_snapshot_request

pytestmark = pytest.mark.django_db(transaction=True)


def _pptx(snapshot: ReportSnapshot, field: str = "file_named") -> Presentation:
    with getattr(snapshot, field).open("rb") as handle:
        return Presentation(io.BytesIO(handle.read()))


def _charts(prs: Presentation) -> list[tuple[int, Chart]]:
    return [
        (index, shape.chart)
        for index, slide in enumerate(prs.slides)
        for shape in slide.shapes
        if shape.has_chart
    ]


def _texts(prs: Presentation) -> str:
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_chart and shape.chart.has_title:
                parts.append(shape.chart.chart_title.text_frame.text)
            parts.append(shape.name)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def _order(world, **kwargs) -> ReportSnapshot:
    snapshot = report_snapshot_request(
        network=world.network, user=world.national_lead, format="pptx", seminar=world.seminar, **kwargs
    )
    snapshot.refresh_from_db()
    return snapshot


def test_it_makes_native_charts_with_the_stored_values(report_world):
    world = report_world
    snapshot = _order(world)
    assert snapshot.status == ReportSnapshot.Status.DONE, snapshot.error
    prs = _pptx(snapshot)
    found = _charts(prs)
    assert found, "no native chart objects"
    national = ChartResult.objects.get(scope=ChartResult.Scope.NATIONAL, indicator=world.indicator)
    points = charts.clean_points(national.data)
    # The first big chart is the national chart of the first indicator.
    chart = found[0][1]
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert series["Måling"] == pytest.approx([p["y"] for p in points])
    assert series["Centerlinje"] == pytest.approx([p["cl"] for p in points])
    categories = list(chart.plots[0].categories)
    assert categories[0] == "jan. 2024"
    # Interpretation sentence in the notes, in Danish.
    notes = prs.slides[found[0][0]].notes_slide.notes_text_frame.text
    assert notes.startswith(
        charts.interpretation(national.data, variation=national.variation).split(" (")[0][:20]
    )
    assert "Seneste måned" in notes


def test_control_chart_slide_has_limits_and_target(report_world):
    world = report_world
    world.count_indicator.target_value = 90
    world.count_indicator.save()
    Measurement.objects.bulk_create(
        Measurement(
            team=world.team_a,
            indicator=world.count_indicator,
            period=period,
            numerator=70 + i % 5,
            denominator=100,
            indicator_version=1,
        )
        for i, period in enumerate(world.months)
    )
    ChartResult.objects.filter(indicator=world.count_indicator).update(is_stale=True)
    chart_results_recompute_stale(network=world.network)
    national = ChartResult.objects.get(scope=ChartResult.Scope.NATIONAL, indicator=world.count_indicator)
    snapshot = _order(world)
    prs = _pptx(snapshot)
    titles = [slide.shapes.title.text for slide in prs.slides if slide.shapes.title is not None]
    index = titles.index(f"{world.count_indicator.name} – nationalt")
    chart = next(shape.chart for shape in prs.slides[index].shapes if shape.has_chart)
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    points = charts.clean_points(national.data)
    assert series["Øvre kontrolgrænse"] == pytest.approx([p["ucl"] for p in points])
    assert series["Nedre kontrolgrænse"] == pytest.approx([p["lcl"] for p in points])
    target = (national.data.get("targets") or {}).get("national")
    assert target == pytest.approx(90)
    assert series["Nationalt mål"] == pytest.approx([90] * len(points))


def test_anonymised_file_has_no_peer_names(report_world):
    world = report_world
    snapshot = _order(world)
    assert snapshot.has_anonymised
    named = _texts(_pptx(snapshot))
    anonymised = _texts(_pptx(snapshot, "file_anonymised"))
    for team in (world.team_a, world.team_b):
        assert team.name in named
        assert team.name not in anonymised
        assert team.code not in anonymised
        assert str(team.uuid) not in anonymised
    assert "Team A" in anonymised and "Team B" in anonymised
    assert "anonymiseret" in anonymised


def test_team_report_has_the_teams_charts(report_world):
    world = report_world
    snapshot = report_snapshot_request(
        network=world.network, user=world.data_entry, format="pptx", team=world.team_a
    )
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.DONE, snapshot.error
    assert not snapshot.has_anonymised
    text = _texts(_pptx(snapshot))
    assert world.team_a.name in text
    assert world.team_b.name not in text
    result = ChartResult.objects.get(
        scope=ChartResult.Scope.TEAM, team=world.team_a, indicator=world.indicator
    )
    chart = _charts(_pptx(snapshot))[0][1]
    values = list(chart.plots[0].series[0].values)
    assert values == pytest.approx([p["y"] for p in charts.clean_points(result.data)])


def test_a_funnel_slide_compares_the_teams_over_the_last_six_complete_months(funnel_world):
    world = funnel_world
    snapshot = _order(world)
    prs = _pptx(snapshot)
    titles = [slide.shapes.title.text if slide.shapes.title is not None else "" for slide in prs.slides]
    index = next(i for i, title in enumerate(titles) if "tragtdiagram" in title)
    assert titles[index].startswith(world.count_indicator.name)
    chart = next(shape.chart for shape in prs.slides[index].shapes if shape.has_chart)
    teams = next(series for series in chart.plots[0].series if series.name == "Teams")
    expected = {}
    for team, label in ((world.team_a, world.team_a.name), (world.team_b, world.team_b.name)):
        rows = Measurement.objects.filter(
            team=team, indicator=world.count_indicator, period__in=world.funnel_periods
        )
        expected[label] = 100 * sum(r.numerator for r in rows) / sum(r.denominator for r in rows)
    assert sorted(teams.values) == pytest.approx(sorted(float(v) for v in expected.values()))
    names = [s.name for s in chart.plots[0].series]
    assert "Nedre grænse på 99,8 %" in names and "Øvre grænse på 95 %" in names
    assert "Tragtdiagram over" in prs.slides[index].notes_slide.notes_text_frame.text
    # The anonymised file's funnel names no team either.
    anonymised = _texts(_pptx(snapshot, "file_anonymised"))
    assert world.team_a.name not in anonymised and "tragtdiagram" in anonymised


def test_pooled_months_follow_the_k_rule_in_the_teams_file(report_world):
    """Two teams only: a team member may not see the pooled months (fewer than 3 other teams)."""
    snapshot = _order(report_world)
    named = [s.shapes.title.text for s in _pptx(snapshot).slides if s.shapes.title is not None]
    anonymised = [
        s.shapes.title.text for s in _pptx(snapshot, "file_anonymised").slides if s.shapes.title is not None
    ]
    assert f"{report_world.indicator.name} – nationalt" in named
    assert f"{report_world.indicator.name} – nationalt" not in anonymised


def test_a_provisional_pooled_month_is_drawn_apart_with_the_rule_set_named(report_world):
    world = report_world
    # January 2026: only team A has reported, so the national month is provisional.
    Measurement.objects.create(
        team=world.team_a,
        indicator=world.indicator,
        period=date(2026, 1, 1),
        numerator=Decimal(470),
        denominator=Decimal(1000),
        indicator_version=1,
    )
    ChartResult.objects.filter(indicator=world.indicator).update(is_stale=True)
    chart_results_recompute_stale(network=world.network)
    national = ChartResult.objects.get(scope=ChartResult.Scope.NATIONAL, indicator=world.indicator)
    points = charts.clean_points(national.data)
    assert points[-1].get("provisional") is True
    prs = _pptx(_order(world))
    slide = next(
        s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text.endswith("nationalt")
    )
    chart = next(shape.chart for shape in slide.shapes if shape.has_chart)
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert series["Måling"][-1] is None
    assert series["Foreløbig"][-1] == pytest.approx(points[-1]["y"])
    assert series["Måling"][:-1] == pytest.approx([p["y"] for p in points[:-1]])
    assert "Regler: Anhøj" in slide.notes_slide.notes_text_frame.text
