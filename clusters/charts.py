"""Plotly figure dicts for the cluster pages: run charts (our SPC engine), group-mix bars and funnel plots.

Every figure of a rate says it is crude (CRUDE_NOTE): not standardised for age and sex.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext, gettext_lazy

from measures import spc
from measures.charts import figures as base

CRUDE_NOTE = gettext_lazy("Rå rater: ikke standardiseret for patienternes alder og køn.")
RATE_UNIT = gettext_lazy("recepter pr. 1.000 tilmeldte patienter pr. år")
# Colour-blind safe (Okabe-Ito), in the group order; the last is "Øvrige antibiotika".
GROUP_COLOURS = [
    "#0072B2",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#D55E00",
    "#CC79A7",
    "#E69F00",
    "#000000",
    "#999999",
]
OTHER_COLOUR = "#BBBBBB"


@dataclass
class Card:
    """One chart on a page: what templates/clusters/chart.html and measures' chart_json tag need."""

    dom_id: str
    title: str
    figure: dict | None
    note: str = ""
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    message: str = ""

    def __post_init__(self) -> None:
        if not self.config:
            self.config = base.plot_config(filename=self.dom_id)


def _note(text) -> dict[str, Any]:
    """A line of small grey text above the plot, at its left edge."""
    return {
        "text": str(text),
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 1.0,
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 11, "color": "#4d4d4d"},
    }


def _layout(*, y_title: str = "", x_title: str = "", height: int = 420, note: str = "") -> dict[str, Any]:
    layout: dict[str, Any] = {
        "separators": formats.get_format("DECIMAL_SEPARATOR") + formats.get_format("THOUSAND_SEPARATOR"),
        "font": {"family": "IBM Plex Sans, Arial, sans-serif", "size": 13, "color": "#1a1a1a"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 70, "r": 20, "t": 20, "b": 90},
        "height": height,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "font": {"size": 12}},
        "hovermode": "closest",
        "xaxis": {
            "title": {"text": x_title},
            "gridcolor": base.COLOUR_GRID,
            "showline": True,
            "linecolor": "#999999",
        },
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": base.COLOUR_GRID,
            "zeroline": False,
            "rangemode": "tozero",
        },
        "annotations": [],
    }
    if note:
        layout["annotations"].append(_note(note))
        layout["margin"]["t"] = 30
    return layout


def run_chart(
    periods: list[date],
    numerators: list[float],
    denominators: list[float],
    *,
    multiplier: float,
    unit: str,
    references: list[tuple[str, list[float | None]]] = (),
    marker: date | None = None,
    marker_label: str = "",
    crude: bool = True,
) -> dict[str, Any] | None:
    """A run chart (median, Anhøj rules) of numerator/denominator x multiplier, with reference lines
    (region, country) drawn for comparison only."""
    if len(periods) < 2:
        return None
    try:
        result = spc.compute_chart("run", periods, numerators, denominators, multiply=multiplier)
    except spc.SPCError:
        return None
    points = [
        {
            "period": periods[i].isoformat(),
            "numerator": numerators[i],
            "denominator": denominators[i],
            "y": base.number_or_none(p.y),
            "cl": base.number_or_none(p.cl),
            "part": p.part,
            "include": p.include,
            "baseline": p.baseline,
            "runs_signal": p.runs_signal,
        }
        for i, p in enumerate(result.points)
    ]
    parts = [
        {
            "part": s.part,
            "cl": base.number_or_none(s.cl),
            "runs_signal": s.runs_signal,
            "last_period": periods[s.last_xx - 1].isoformat(),
        }
        for s in result.parts
    ]
    figure = base.build_figure(
        {"chart_type": "run", "unit": unit, "points": points, "parts": parts}, show_annotations=False
    )
    dashes = ["dot", "dash"]
    for index, (name, values) in enumerate(references):
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": [p.isoformat() for p in periods],
                "y": values,
                "line": {"color": "#7a7a7a" if index else "#009E73", "width": 1.5, "dash": dashes[index % 2]},
                "hovertemplate": f"{name}: %{{y:.1f}}<extra></extra>",
            }
        )
    if marker is not None:
        figure["layout"].setdefault("shapes", []).append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": marker.isoformat(),
                "x1": marker.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#7b2d8e", "width": 1.5, "dash": "dashdot"},
            }
        )
        figure["layout"]["annotations"].append(
            {
                "x": marker.isoformat(),
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "text": marker_label,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": 11, "color": "#7b2d8e"},
            }
        )
    if crude:
        figure["layout"]["annotations"].append(_note(CRUDE_NOTE))
        figure["layout"]["margin"]["t"] = 40
    figure["layout"]["showlegend"] = True
    return figure


def mix_bars(
    rows: list[tuple[str, dict[str, float]]], groups: list[tuple[str, str]], *, own: set[str] = frozenset()
) -> dict[str, Any]:
    """Horizontal 100 % stacked bars: each unit's prescriptions by antibiotic group."""
    labels = [label for label, _ in rows]
    traces = []
    for index, (code, name) in enumerate(groups):
        colour = OTHER_COLOUR if code == "_other" else GROUP_COLOURS[index % len(GROUP_COLOURS)]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": labels,
                "x": [round(100 * shares.get(code, 0.0), 1) for _, shares in rows],
                "marker": {"color": colour, "line": {"color": "#ffffff", "width": 0.5}},
                "hovertemplate": f"%{{y}} · {name}: %{{x:.1f}} %<extra></extra>",
            }
        )
    layout = _layout(height=max(300, 110 + 26 * len(rows)), note=str(CRUDE_NOTE))
    layout["xaxis"]["ticksuffix"] = " %"
    layout["legend"]["y"] = -0.08
    layout["barmode"] = "stack"
    layout["xaxis"]["range"] = [0, 100]
    layout["yaxis"].update(
        {"autorange": "reversed", "type": "category", "rangemode": "normal", "tickfont": {"size": 12}}
    )
    layout["yaxis"]["ticktext"] = [f"<b>{label}</b>" if label in own else label for label in labels]
    layout["yaxis"]["tickvals"] = labels
    layout["margin"]["l"] = 190
    return {"data": traces, "layout": layout}


def rate_bars(rows: list[tuple[str, float | None]], *, highlight: str = "") -> dict[str, Any]:
    """Vertical bars of a rate per unit (cluster, region, country)."""
    layout = _layout(y_title=str(RATE_UNIT), height=340, note=str(CRUDE_NOTE))
    layout["showlegend"] = False
    return {
        "data": [
            {
                "type": "bar",
                "x": [label for label, _ in rows],
                "y": [value for _, value in rows],
                "marker": {
                    "color": [base.COLOUR_DATA if label == highlight else "#7a7a7a" for label, _ in rows]
                },
                "text": [base.format_number(value, 1) if value is not None else "" for _, value in rows],
                "textposition": "outside",
                "hovertemplate": "%{x}: %{y:.1f}<extra></extra>",
            }
        ],
        "layout": layout,
    }


def funnel(
    units: list[str], numerators: list[float], denominators: list[float], *, model: str, multiplier: float
):
    """The one call into the funnel engine (measures.spc.funnel, FunnelPlotR's definitions)."""
    from measures.spc.funnel import funnel_chart

    return funnel_chart(units, numerators, denominators, model=model, multiplier=multiplier)


FLAG_TEXT = {
    # Worded "grænsen på 95 %" (not "95 %-grænsen"): xgettext reads "%-g" as a format directive.
    "high_outlier": gettext_lazy("over grænsen på 99,8 %"),
    "low_outlier": gettext_lazy("under grænsen på 99,8 %"),
    "high_warning": gettext_lazy("over grænsen på 95 %"),
    "low_warning": gettext_lazy("under grænsen på 95 %"),
}


def funnel_figure(
    units: list[str],
    numerators: list[float],
    denominators: list[float],
    *,
    model: str,
    multiplier: float,
    y_title: str,
    x_title: str,
    own: set[str] = frozenset(),
    crude: bool = True,
) -> tuple[dict[str, Any] | None, list[list[str]], str]:
    """(figure, table rows, note) of a funnel plot: each unit against the group's value with 95 % and
    99,8 % limits for its size. Fewer than 3 units: no plot (nothing to compare, and k < 3 identifies)."""
    if len([d for d in denominators if d and d > 0]) < 3:
        return None, [], gettext("For få enheder til et tragtdiagram (mindst 3).")
    result = funnel(units, numerators, denominators, model=model, multiplier=multiplier)
    traces: list[dict] = []
    if result.curve is not None:
        x = list(result.curve.x)
        for key, name, dash, show in (
            # xgettext:no-python-format
            ("hi998", gettext("99,8 %-grænser"), "solid", True),
            ("lo998", "", "solid", False),
            # xgettext:no-python-format
            ("hi95", gettext("95 %-grænser"), "dash", True),
            ("lo95", "", "dash", False),
        ):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name or None,
                    "showlegend": show,
                    "x": x,
                    "y": [base.number_or_none(v) for v in getattr(result.curve, key)],
                    "line": {"color": "#7a7a7a", "width": 1.2, "dash": dash},
                    "hoverinfo": "skip",
                    "legendgroup": key[2:],
                }
            )
    if result.target is not None:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": gettext("Samlet værdi"),
                "x": [min(denominators), max(denominators)],
                "y": [result.target, result.target],
                "line": {"color": base.COLOUR_CENTRE, "width": 1.5},
                "hoverinfo": "skip",
            }
        )
    for is_own in (False, True):
        selected = [u for u in result.units if (u.unit in own) == is_own]
        if not selected:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text" if is_own else "markers",
                "name": gettext("Dig / din praksis") if is_own else gettext("Enheder"),
                "x": [u.denominator for u in selected],
                "y": [u.value for u in selected],
                "text": [u.unit for u in selected],
                "textposition": "top center",
                "marker": {
                    "size": 12 if is_own else 9,
                    "symbol": "diamond" if is_own else "circle",
                    "color": [
                        base.COLOUR_SIGNAL if u.flag in ("high_outlier", "low_outlier") else base.COLOUR_DATA
                        for u in selected
                    ],
                    "line": {"color": "#1a1a1a", "width": 1},
                },
                "hovertemplate": "%{text}: %{y:.1f}<extra></extra>",
            }
        )
    layout = _layout(y_title=y_title, x_title=x_title, height=440, note=str(CRUDE_NOTE) if crude else "")
    values = [u.value for u in result.units] + ([result.target] if result.target is not None else [])
    if values:
        # The limits run to 0 and 100 % for the smallest units; the scale follows the units instead.
        low, high = min(values), max(values)
        pad = max((high - low) * 0.6, abs(high) * 0.1, 1.0)
        layout["yaxis"]["range"] = [
            max(0.0, low - pad),
            high + pad if model == "rate" else min(100.0 * multiplier / 100, high + pad),
        ]
        layout["yaxis"]["rangemode"] = "normal"
    rows = [
        [
            u.unit,
            base.format_number(u.value, 1),
            base.format_number(u.denominator, 0),
            str(FLAG_TEXT.get(u.flag, gettext("inden for grænserne"))),
        ]
        for u in sorted(result.units, key=lambda unit: unit.unit)
    ]
    note = ""
    if result.note == "few_units":
        note = gettext("Under 15 enheder: grænserne er ikke justeret for overspredning.")
    elif result.note == "degenerate":
        note = gettext("Ingen grænser: den samlede værdi er 0 eller 100 %.")
    elif result.adjusted:
        note = gettext("Grænserne er justeret for overspredning.")
    return {"data": traces, "layout": layout}, rows, note
