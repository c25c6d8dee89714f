"""measures.charts.figures: figure dicts for every chart type, the Danish interpretation line, MDC icons."""

from datetime import date

import plotly.graph_objects as go
import pytest
from django.utils import translation

from measures.charts import figures as charts
from measures.models import Indicator

from .chart_factory import chart_data

LEVELS = [61, 59, 63, 60, 58, 62, 61, 60, 64, 59, 62, 60, 50, 48, 49, 47, 51, 46, 48, 47, 49, 45, 48, 47]


@pytest.fixture(autouse=True)
def danish():
    with translation.override("da"):
        yield


def trace_names(figure: dict) -> list[str]:
    return [trace.get("name") for trace in figure["data"]]


@pytest.mark.parametrize("chart_type", [choice for choice, _ in Indicator.ChartType.choices])
def test_it_builds_a_valid_plotly_figure_for_each_chart_type(chart_type):
    limits = None if chart_type == "run" else 6.0
    data = chart_data(LEVELS, chart_type=chart_type, limits=limits, outside=(21,) if limits else ())
    figure = charts.build_figure(data)
    go.Figure(figure)  # raises on anything plotly.js would not understand
    names = trace_names(figure)
    assert names[0] == "Måling"
    assert len(figure["data"][0]["y"]) == 24
    if chart_type == "run":
        assert "Median" in names
        assert "Kontrolgrænser" not in names
    else:
        assert "Centerlinje" in names
        assert "Kontrolgrænser" in names
        assert "Uden for kontrolgrænser" in names
    assert figure["layout"]["separators"] == ",."


def test_it_leaves_gaps_for_missing_months():
    values = list(LEVELS)
    values[5] = None
    figure = charts.build_figure(chart_data(values))
    data_trace = figure["data"][0]
    assert data_trace["y"][5] is None
    assert data_trace["connectgaps"] is False
    assert 0 not in data_trace["y"]


def test_it_draws_annotations_as_markers_with_hover_text():
    notes = [
        {"date": "2024-03-01", "text": "PDSA 1: ny huskeseddel", "kind": "pdsa", "pdsa": "x"},
        {"date": "2024-06-14", "text": "Ny overlæge", "kind": "intervention"},
    ]
    figure = charts.build_figure(chart_data(LEVELS, annotations=notes))
    trace = next(t for t in figure["data"] if t["name"] == "PDSA-cyklusser og kommentarer")
    assert trace["x"] == ["2024-03-01", "2024-06-14"]
    assert "PDSA 1: ny huskeseddel" in trace["text"][0]
    assert "14.06.2024" in trace["text"][1]
    # sits on the measured value of its month
    assert trace["y"] == [63, 62]


def test_it_hides_annotations_when_asked():
    notes = [{"date": "2024-03-01", "text": "Hemmelig", "kind": "note"}]
    figure = charts.build_figure(chart_data(LEVELS, annotations=notes), show_annotations=False)
    assert "Hemmelig" not in str(figure)


def test_it_draws_national_and_local_target_lines_with_legend_entries():
    figure = charts.build_figure(chart_data(LEVELS, targets={"national": 45.0, "local": 50.5}))
    names = trace_names(figure)
    assert "Nationalt mål (45,0)" in names
    assert "Lokalt mål (50,5)" in names
    national = figure["data"][names.index("Nationalt mål (45,0)")]
    assert national["y"] == [45.0, 45.0]
    assert national["line"]["dash"] == "dash"


def test_it_marks_phase_breaks_baseline_and_labels_centre_lines():
    data = chart_data(LEVELS, phase_at=12, phase_label="Ny vejledning", baseline_end=date(2024, 12, 1))
    figure = charts.build_figure(data)
    shapes = figure["layout"]["shapes"]
    # a phase break overrides the freeze (qicharts2 ignores freeze once parts exist): no baseline label
    assert not any(s["type"] == "rect" for s in shapes)
    assert any(s["type"] == "line" for s in shapes)  # phase break
    texts = [a["text"] for a in figure["layout"]["annotations"]]
    assert "Ny vejledning" in texts
    assert "Baseline (fastfrosset)" not in texts
    assert "60,5" in texts  # median of phase 1, Danish decimal comma
    # the centre line breaks between the phases instead of joining them
    centre = next(t for t in figure["data"] if t["name"] == "Median")
    assert None in centre["y"]


def test_it_labels_a_frozen_baseline_only_where_the_freeze_is_in_force():
    data = chart_data(LEVELS, baseline_end=date(2024, 12, 1))
    figure = charts.build_figure(data)
    assert any(s["type"] == "rect" for s in figure["layout"]["shapes"])
    assert "Baseline (fastfrosset)" in [a["text"] for a in figure["layout"]["annotations"]]
    data["baseline_in_force"] = False  # stored by the pipeline when phases override the freeze
    figure = charts.build_figure(data)
    assert "Baseline (fastfrosset)" not in [a["text"] for a in figure["layout"]["annotations"]]


def test_it_draws_a_signalling_phase_red_and_dashed():
    data = chart_data(LEVELS, phase_at=12, runs_signal=True, longest_run=11)
    figure = charts.build_figure(data)
    signal = next(t for t in figure["data"] if t["name"] == "Centerlinje (signal)")
    assert signal["line"]["dash"] == "dash"
    assert signal["line"]["color"] == charts.COLOUR_SIGNAL
    assert len([y for y in signal["y"] if y is not None]) == 12


def test_it_uses_danish_month_labels_on_the_axis():
    figure = charts.build_figure(chart_data(LEVELS))
    assert figure["layout"]["xaxis"]["ticktext"][0] == "jan. 24"
    assert figure["layout"]["xaxis"]["ticktext"][:3] == ["jan. 24", "apr. 24", "jul. 24"]


def test_compact_figures_share_the_given_scale_and_are_static():
    figure = charts.build_figure(chart_data(LEVELS), compact=True, y_range=(0, 80))
    assert figure["layout"]["yaxis"]["range"] == [0, 80]
    assert figure["layout"]["showlegend"] is False
    assert charts.plot_config(filename="x", compact=True)["staticPlot"] is True


def test_y_extent_covers_every_series_and_target():
    low, high = charts.y_extent([chart_data([10, 20]), chart_data([5, 90], targets={"national": 95.0})])
    assert low < 5
    assert high > 95


# --- Interpretation ------------------------------------------------------------------------------


def test_it_explains_a_long_run_as_an_improvement_when_lower_is_better():
    data = chart_data(LEVELS, runs_signal=True, longest_run=11, variation="improvement", direction="down")
    assert charts.interpretation(data) == (
        "Ikke-tilfældig variation: usædvanligt lang serie (11 punkter, grænse 8). "
        "Det er en forbedring, da lavere er bedre."
    )


def test_it_explains_a_long_run_as_a_concern_when_higher_is_better():
    data = chart_data(LEVELS, runs_signal=True, longest_run=11, variation="concern", direction="up")
    assert charts.interpretation(data) == (
        "Ikke-tilfældig variation: usædvanligt lang serie (11 punkter, grænse 8). "
        "Det er en forværring, da højere er bedre."
    )


def test_it_explains_too_few_crossings_as_an_improvement_when_higher_is_better():
    data = chart_data(
        LEVELS,
        runs_signal=True,
        longest_run=7,
        n_crossings=3,
        n_crossings_min=7,
        variation="improvement",
        direction="up",
    )
    assert charts.interpretation(data) == (
        "Ikke-tilfældig variation: for få kryds (3, mindst 7). Det er en forbedring, da højere er bedre."
    )


def test_it_counts_points_outside_the_limits():
    data = chart_data(
        LEVELS, chart_type="i", limits=3.0, outside=(20, 21), variation="concern", direction="down"
    )
    text = charts.interpretation(data)
    assert text.startswith("Ikke-tilfældig variation: 2 punkter uden for kontrolgrænserne.")
    assert text.endswith("Det er en forværring, da lavere er bedre.")


@pytest.mark.parametrize("direction", ["up", "down"])
def test_it_reports_common_cause_with_the_key_figures(direction):
    data = chart_data(LEVELS, direction=direction, longest_run=5, n_crossings=12)
    assert (
        charts.interpretation(data)
        == "Kun almindelig variation: længste serie 5 (grænse 8), 12 kryds (mindst 8)."
    )


@pytest.mark.parametrize("direction", ["up", "down"])
def test_it_says_when_there_are_too_few_points(direction):
    data = chart_data(LEVELS[:7], direction=direction, variation="too_few_points")
    assert charts.interpretation(data) == "For få datapunkter til serieanalyse (7, mindst 10)."


def test_it_says_when_there_is_no_data():
    assert charts.interpretation({}) == "Ingen data endnu."


def test_it_translates_the_interpretation():
    data = chart_data(LEVELS[:7], variation="too_few_points")
    with translation.override("en"):
        text = charts.interpretation(data)
    assert text == "Too few data points for runs analysis (7, at least 10)."


# --- MDC icons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variation", "direction", "expected"),
    [
        ("improvement", "down", "improvement_low"),
        ("improvement", "up", "improvement_high"),
        ("concern", "down", "concern_high"),
        ("concern", "up", "concern_low"),
        ("common_cause", "up", "common_cause"),
    ],
)
def test_it_picks_the_variation_icon_from_the_direction(variation, direction, expected):
    icon = charts.variation_icon(chart_data(LEVELS, variation=variation, direction=direction))
    assert icon.key == expected
    assert icon.alt
    assert icon.src.endswith(".svg")


def test_it_has_no_variation_icon_for_too_few_points():
    assert charts.variation_icon(chart_data(LEVELS[:5], variation="too_few_points")) is None


@pytest.mark.parametrize(
    ("assurance", "file"),
    [
        ("consistently_met", "assurance-pass.svg"),
        ("consistently_missed", "assurance-fail.svg"),
        ("inconsistent", "assurance-inconsistent.svg"),
    ],
)
def test_it_picks_the_assurance_icon_and_sentence(assurance, file):
    data = chart_data(LEVELS, chart_type="i", limits=5.0, assurance=assurance, targets={"national": 45.0})
    assert charts.assurance_icon(data).src.endswith(file)
    assert "45,0" in charts.assurance_text(data)


def test_every_icon_file_exists():
    from django.contrib.staticfiles import finders

    names = [
        "variation-improvement-high",
        "variation-improvement-low",
        "variation-concern-high",
        "variation-concern-low",
        "variation-neither-high",
        "variation-neither-low",
        "variation-common-cause",
        "assurance-pass",
        "assurance-fail",
        "assurance-inconsistent",
    ]
    missing = [name for name in names if not finders.find(f"img/mdc/{name}.svg")]
    assert not missing


def test_danish_number_format():
    assert charts.format_number(12345.67) == "12.346"
    assert charts.format_number(54.25, 1) in {"54,2", "54,3"}
    assert charts.format_number(0.853) == "0,85"
    assert charts.format_number(None) == "–"
