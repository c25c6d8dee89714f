"""A stored chart result (ChartResult.data, format in the README) -> a Plotly figure as a plain dict.

Plain dicts, not plotly.graph_objects: building a Figure object costs milliseconds, a dict
microseconds, and a network dashboard draws dozens. The figure is serialised with orjson by the
template tag in measures/templatetags/lkt_charts.py and drawn by static/js/charts.js.

Also here: the one-line Danish interpretation under each chart and the NHS Making Data Count
icons (variation and assurance) for a result.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.templatetags.static import static
from django.utils import formats, translation
from django.utils.translation import gettext, ngettext

# Colours chosen for contrast on white (WCAG AA for text, 3:1 for graphics) and for colour-blind
# readers: the data in dark blue, signals in orange/red, improvement in blue, concern in orange.
COLOUR_DATA = "#0059b3"
COLOUR_CENTRE = "#4d4d4d"
COLOUR_SIGNAL = "#c42a00"
COLOUR_LIMIT = "#7a7a7a"
COLOUR_OUTSIDE = "#e06500"
COLOUR_TARGET_NATIONAL = "#00804d"
COLOUR_TARGET_LOCAL = "#7b2d8e"
COLOUR_ANNOTATION = "#1a1a1a"
COLOUR_BASELINE = "rgba(0, 89, 179, 0.08)"
COLOUR_GRID = "#e6e6e6"

DEFAULT_MIN_POINTS = 10
CONTROL_CHARTS = {"i", "p", "pp", "c", "u", "up", "g", "t", "mr", "xbar", "s"}


# --- Danish numbers and months -------------------------------------------------------------------


def decimals_for(value: float) -> int:
    """Enough decimals to read a chart value: 1234 -> 0, 54.3 -> 1, 0.85 -> 2."""
    magnitude = abs(value)
    if magnitude >= 100:
        return 0
    if magnitude >= 1:
        return 1
    return 2


def format_number(value: float | None, decimals: int | None = None) -> str:
    """A number as the active language writes it (Danish: 12.345,6); '–' for no value."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = decimals_for(value)
    return formats.number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)


@lru_cache(maxsize=2048)
def _month_label(period: date, language: str, long: bool) -> str:
    with translation.override(language):
        return formats.date_format(period, "b. Y" if long else "b. y")


def month_label(period: date, *, long: bool = False) -> str:
    """'jan. 24' (axis) or 'jan. 2024' (hover, tables)."""
    return _month_label(period, translation.get_language() or "da", long)


def number_or_none(value) -> float | None:
    """A plotted number; the engine stores infinite limits as "Inf", which a chart cannot draw."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


NUMERIC_KEYS = ("y", "cl", "lcl", "ucl", "numerator", "denominator")


def clean_points(data: dict) -> list[dict]:
    return [
        {**point, **{key: number_or_none(point.get(key)) for key in NUMERIC_KEYS}}
        for point in data.get("points") or []
    ]


def parse_period(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def _half_month_before(period: date) -> str:
    return (period - timedelta(days=15)).isoformat()


def _half_month_after(period: date) -> str:
    return (period + timedelta(days=15)).isoformat()


# --- Interpretation ------------------------------------------------------------------------------


def last_part(data: dict) -> dict | None:
    parts = data.get("parts") or []
    return parts[-1] if parts else None


def _variation(data: dict, variation: str | None) -> str:
    if variation:
        return variation
    return (data.get("classification") or {}).get("variation") or ""


def _direction_clause(variation: str, direction: str) -> str:
    if variation == "improvement":
        if direction == "down":
            return gettext("Det er en forbedring, da lavere er bedre.")
        return gettext("Det er en forbedring, da højere er bedre.")
    if variation == "concern":
        if direction == "down":
            return gettext("Det er en forværring, da lavere er bedre.")
        return gettext("Det er en forværring, da højere er bedre.")
    if direction == "neither":
        return gettext("Indikatoren har ingen forbedringsretning.")
    return ""


def interpretation(data: dict, *, variation: str | None = None) -> str:
    """One line of plain Danish under a chart: the signal, whether it is good, and the key figures.

    Reads the last phase (the current process), as the classification does.
    """
    part = last_part(data)
    if not part or not data.get("points"):
        return gettext("Ingen data endnu.")
    classification = data.get("classification") or {}
    variation = _variation(data, variation)
    direction = data.get("direction") or classification.get("direction") or "neither"
    n_useful = part.get("n_useful") or 0
    min_points = (classification.get("params") or {}).get("min_points") or DEFAULT_MIN_POINTS
    if variation == "too_few_points" or n_useful < min_points:
        return gettext("For få datapunkter til serieanalyse (%(n)s, mindst %(min)s).") % {
            "n": n_useful,
            "min": min_points,
        }

    longest, longest_max = part.get("longest_run"), part.get("longest_run_max")
    crossings, crossings_min = part.get("n_crossings"), part.get("n_crossings_min")
    sigma = part.get("sigma_signal") or 0
    reasons: list[str] = []
    if part.get("runs_signal"):
        if longest is not None and longest_max is not None and longest > longest_max:
            reasons.append(
                gettext("usædvanligt lang serie (%(run)s punkter, grænse %(max)s)")
                % {"run": longest, "max": longest_max}
            )
        if crossings is not None and crossings_min is not None and crossings < crossings_min:
            reasons.append(
                gettext("for få kryds (%(crossings)s, mindst %(min)s)")
                % {"crossings": crossings, "min": crossings_min}
            )
        if not reasons:
            reasons.append(gettext("signal i serieanalysen"))
    if sigma:
        reasons.append(
            ngettext(
                "%(count)s punkt uden for kontrolgrænserne",
                "%(count)s punkter uden for kontrolgrænserne",
                sigma,
            )
            % {"count": sigma}
        )

    if reasons:
        text = gettext("Ikke-tilfældig variation: %(reasons)s.") % {"reasons": ", ".join(reasons)}
        clause = _direction_clause(variation, direction)
        return f"{text} {clause}".strip()

    figures = []
    if longest is not None and longest_max is not None:
        figures.append(
            gettext("længste serie %(run)s (grænse %(max)s)") % {"run": longest, "max": longest_max}
        )
    if crossings is not None and crossings_min is not None:
        figures.append(
            gettext("%(crossings)s kryds (mindst %(min)s)") % {"crossings": crossings, "min": crossings_min}
        )
    if figures:
        return gettext("Kun almindelig variation: %(figures)s.") % {"figures": ", ".join(figures)}
    return gettext("Kun almindelig variation.")


def assurance_text(data: dict, assurance: str | None = None) -> str:
    """A sentence on whether the target will be met, when the chart has limits and a target."""
    assurance = assurance or (data.get("classification") or {}).get("assurance") or ""
    targets = data.get("targets") or {}
    target = targets.get("local") if targets.get("local") is not None else targets.get("national")
    values = {"target": format_number(target)}
    if assurance == "consistently_met":
        return gettext("Målet (%(target)s) nås hver måned, hvis processen fortsætter uændret.") % values
    if assurance == "consistently_missed":
        return gettext("Målet (%(target)s) nås ikke, medmindre processen ændres.") % values
    if assurance == "inconsistent":
        return gettext("Målet (%(target)s) nås i nogle måneder, men ikke sikkert.") % values
    return ""


# --- NHS Making Data Count icons -----------------------------------------------------------------


@dataclass(frozen=True)
class Icon:
    src: str
    alt: str
    key: str


def _side(data: dict, variation: str) -> str:
    side = (data.get("classification") or {}).get("side")
    if side in ("high", "low"):
        return side
    direction = data.get("direction") or "up"
    if variation == "improvement":
        return "low" if direction == "down" else "high"
    if variation == "concern":
        return "high" if direction == "down" else "low"
    return "high"


def variation_icon(data: dict, variation: str | None = None) -> Icon | None:
    """The MDC variation icon: improvement / concern (high or low), neither, or common cause."""
    variation = _variation(data, variation)
    side = _side(data, variation) if variation in ("improvement", "concern", "neither") else ""
    return _variation_icon(variation, side, translation.get_language() or "da")


# A network matrix shows hundreds of icons; there are only a handful of distinct ones.
@lru_cache(maxsize=64)
def _variation_icon(variation: str, side: str, language: str) -> Icon | None:
    if variation == "common_cause":
        return Icon(
            static("img/mdc/variation-common-cause.svg"), gettext("Almindelig variation"), "common_cause"
        )
    if variation in ("improvement", "concern", "neither"):
        alts = {
            ("improvement", "high"): gettext("Særlig variation: forbedring (højere værdier)"),
            ("improvement", "low"): gettext("Særlig variation: forbedring (lavere værdier)"),
            ("concern", "high"): gettext("Særlig variation: forværring (højere værdier)"),
            ("concern", "low"): gettext("Særlig variation: forværring (lavere værdier)"),
            ("neither", "high"): gettext("Særlig variation uden retning (højere værdier)"),
            ("neither", "low"): gettext("Særlig variation uden retning (lavere værdier)"),
        }
        name = variation.replace("_", "-")
        return Icon(
            static(f"img/mdc/variation-{name}-{side}.svg"), alts[(variation, side)], f"{variation}_{side}"
        )
    return None


def assurance_icon(data: dict, assurance: str | None = None) -> Icon | None:
    """The MDC assurance icon, where the chart has a target and limits."""
    assurance = assurance or (data.get("classification") or {}).get("assurance") or ""
    return _assurance_icon(assurance, translation.get_language() or "da")


@lru_cache(maxsize=16)
def _assurance_icon(assurance: str, language: str) -> Icon | None:
    icons = {
        "consistently_met": ("assurance-pass.svg", gettext("Målet nås")),
        "consistently_missed": ("assurance-fail.svg", gettext("Målet nås ikke")),
        "inconsistent": ("assurance-inconsistent.svg", gettext("Målet nås måske")),
    }
    if assurance not in icons:
        return None
    filename, alt = icons[assurance]
    return Icon(static(f"img/mdc/{filename}"), alt, assurance)


# Sort rank of a variation in the network matrix: concerns first, so they are seen.
VARIATION_RANK = {"concern": 0, "neither": 1, "improvement": 2, "common_cause": 3, "too_few_points": 4, "": 5}


# --- The figure ----------------------------------------------------------------------------------


def _tick_positions(periods: list[date], max_ticks: int) -> list[date]:
    """Every 1, 2, 3, 6 or 12 months, whichever keeps the labels from crowding."""
    if not periods:
        return []
    step = next((step for step in (1, 2, 3, 4, 6, 12, 24) if len(periods) / step <= max_ticks), 36)
    return periods[::step]


def _segments(points: list[dict], key: str) -> tuple[list[str | None], list[float | None]]:
    """x/y for a line that follows `key` within each phase and breaks between phases and at gaps."""
    xs: list[str | None] = []
    ys: list[float | None] = []
    previous_part = None
    for point in points:
        value = point.get(key)
        if previous_part is not None and point.get("part") != previous_part:
            xs.append(None)
            ys.append(None)
        previous_part = point.get("part")
        xs.append(point["period"])
        ys.append(value)
    return xs, ys


def build_figure(
    data: dict,
    *,
    title: str = "",
    compact: bool = False,
    y_range: tuple[float, float] | None = None,
    show_annotations: bool = True,
    height: int | None = None,
) -> dict[str, Any]:
    """The Plotly figure (data + layout) for a stored chart result.

    `compact` draws a small multiple: no legend, no labels, fewer ticks. `y_range` gives small
    multiples a shared scale. `show_annotations` is off for charts of anonymised peers, whose
    notes could name people or places.
    """
    points = clean_points(data)
    parts: list[dict] = [{**part, "cl": number_or_none(part.get("cl"))} for part in data.get("parts") or []]
    unit = data.get("unit") or ""
    chart_type = data.get("chart_type") or "run"
    traces: list[dict] = []
    shapes: list[dict] = []
    annotations: list[dict] = []
    periods = [parse_period(point["period"]) for point in points]

    def hover(point: dict, period: date) -> str:
        text = f"{month_label(period, long=True)}: {format_number(point.get('y'))} {unit}".strip()
        if point.get("numerator") is not None and point.get("denominator") is not None:
            text += f"<br>{format_number(point['numerator'])} / {format_number(point['denominator'])}"
        if point.get("n_teams") is not None:
            text += "<br>" + ngettext("%(n)s team", "%(n)s teams", point["n_teams"]) % {"n": point["n_teams"]}
        if not point.get("include", True):
            text += "<br>" + gettext("Udeladt af beregningen")
        return text

    # The measurements: None for missing months, so Plotly leaves a gap (never a zero).
    traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": gettext("Måling"),
            "x": [point["period"] for point in points],
            "y": [point.get("y") for point in points],
            "connectgaps": False,
            "line": {"color": COLOUR_DATA, "width": 1.5 if compact else 2},
            "marker": {
                "color": [COLOUR_DATA if point.get("include", True) else "#ffffff" for point in points],
                "line": {"color": COLOUR_DATA, "width": 1.5},
                "size": 4 if compact else 7,
            },
            # Small multiples are static: no hover, so no hover text to build.
            "text": []
            if compact
            else [hover(point, period) for point, period in zip(points, periods, strict=True)],
            "hovertemplate": "%{text}<extra></extra>",
        }
    )

    # Centre line per phase; red and dashed where the phase has a runs signal (as qicharts2 draws it).
    signal_parts = {part["part"] for part in parts if part.get("runs_signal")}
    for signal in (False, True):
        selected = [point for point in points if (point.get("part") in signal_parts) == signal]
        if not selected or all(point.get("cl") is None for point in selected):
            continue
        xs, ys = _segments(selected, "cl")
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": gettext("Centerlinje (signal)") if signal else _centre_name(chart_type),
                "x": xs,
                "y": ys,
                "connectgaps": False,
                "line": {
                    "color": COLOUR_SIGNAL if signal else COLOUR_CENTRE,
                    "width": 2 if signal else 1.5,
                    "dash": "dash" if signal else "solid",
                },
                "hoverinfo": "skip",
            }
        )
    if not compact:
        for part in parts:
            if part.get("cl") is None or not part.get("last_period"):
                continue
            annotations.append(
                {
                    "x": part["last_period"],
                    "y": part["cl"],
                    "xref": "x",
                    "yref": "y",
                    "text": format_number(part["cl"]),
                    "showarrow": False,
                    "xanchor": "left",
                    "xshift": 6,
                    "font": {
                        "size": 12,
                        "color": COLOUR_SIGNAL if part.get("runs_signal") else COLOUR_CENTRE,
                    },
                }
            )

    # Control limits, where the chart type has them.
    if any(point.get("ucl") is not None or point.get("lcl") is not None for point in points):
        for key, show in (("ucl", True), ("lcl", False)):
            xs, ys = _segments(points, key)
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": gettext("Kontrolgrænser"),
                    "legendgroup": "limits",
                    "showlegend": show,
                    "x": xs,
                    "y": ys,
                    "connectgaps": False,
                    "line": {
                        "color": COLOUR_LIMIT,
                        "width": 1,
                        "shape": "hvh" if chart_type in CONTROL_CHARTS else "linear",
                    },
                    "hoverinfo": "skip",
                }
            )

    # Points outside the limits, highlighted on top of the data.
    outside = [
        (point, period) for point, period in zip(points, periods, strict=True) if point.get("sigma_signal")
    ]
    if outside:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": gettext("Uden for kontrolgrænser"),
                "x": [point["period"] for point, _ in outside],
                "y": [point.get("y") for point, _ in outside],
                "marker": {
                    "color": COLOUR_OUTSIDE,
                    "size": 6 if compact else 11,
                    "symbol": "diamond",
                    "line": {"color": "#1a1a1a", "width": 1},
                },
                "text": [hover(point, period) for point, period in outside],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )

    # Targets as dashed lines across the whole chart, each with a legend entry.
    targets = data.get("targets") or {}
    first_x = _half_month_before(periods[0]) if periods else None
    last_x = _half_month_after(periods[-1]) if periods else None
    for key, name, colour, dash in (
        ("national", gettext("Nationalt mål"), COLOUR_TARGET_NATIONAL, "dash"),
        ("local", gettext("Lokalt mål"), COLOUR_TARGET_LOCAL, "dot"),
    ):
        value = number_or_none(targets.get(key))
        if value is None or first_x is None:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{name} ({format_number(value)})",
                "x": [first_x, last_x],
                "y": [value, value],
                "line": {"color": colour, "width": 1.5, "dash": dash},
                "hovertemplate": f"{name}: {format_number(value)}<extra></extra>",
            }
        )

    # The frozen baseline, shaded.
    baseline_end = parse_period(data.get("baseline_end"))
    if baseline_end and periods and baseline_end >= periods[0]:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": _half_month_before(periods[0]),
                "x1": _half_month_after(baseline_end),
                "y0": 0,
                "y1": 1,
                "fillcolor": COLOUR_BASELINE,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        if not compact:
            annotations.append(
                {
                    "x": _half_month_before(periods[0]),
                    "y": 1,
                    "xref": "x",
                    "yref": "paper",
                    "text": gettext("Baseline (fastfrosset)"),
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "font": {"size": 11, "color": "#333333"},
                }
            )

    # Phase breaks as vertical lines with their label.
    for part in parts[1:]:
        start = parse_period(part.get("first_period"))
        if not start:
            continue
        x = _half_month_before(start)
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#333333", "width": 1, "dash": "dot"},
            }
        )
        if not compact:
            annotations.append(
                {
                    "x": x,
                    "y": 1,
                    "xref": "x",
                    "yref": "paper",
                    "text": part.get("label") or gettext("Fase %(n)s") % {"n": part["part"]},
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "font": {"size": 11, "color": "#333333"},
                }
            )

    # Annotations (PDSA cycles, interventions) as markers at the foot of the chart, with hover text.
    notes = data.get("annotations") or []
    if notes and show_annotations and not compact:
        y_by_period = {point["period"][:7]: point.get("y") for point in points}
        note_x, note_y, note_text, note_symbol = [], [], [], []
        for note in notes:
            day = parse_period(note.get("date"))
            if not day:
                continue
            note_x.append(day.isoformat())
            note_y.append(y_by_period.get(day.isoformat()[:7]))
            kind = note.get("kind") or ""
            prefix = gettext("PDSA-cyklus") if kind == "pdsa" else gettext("Kommentar")
            note_text.append(
                f"{formats.date_format(day, 'SHORT_DATE_FORMAT')} · {prefix}: {note.get('text', '')}"
            )
            note_symbol.append("star" if kind == "pdsa" else "triangle-up")
        # Notes on months without a value sit on the axis floor rather than vanish.
        floor = min((y for y in (point.get("y") for point in points) if y is not None), default=0)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": gettext("PDSA-cyklusser og kommentarer"),
                "x": note_x,
                "y": [floor if y is None else y for y in note_y],
                "marker": {
                    "symbol": note_symbol,
                    "size": 13,
                    "color": "#ffd200",
                    "line": {"color": COLOUR_ANNOTATION, "width": 1.2},
                },
                "text": note_text,
                "hovertemplate": "%{text}<extra></extra>",
            }
        )

    ticks = _tick_positions([p for p in periods if p], 4 if compact else 9)
    layout: dict[str, Any] = {
        "separators": formats.get_format("DECIMAL_SEPARATOR") + formats.get_format("THOUSAND_SEPARATOR"),
        "font": {
            "family": "IBM Plex Sans, Arial, sans-serif",
            "size": 11 if compact else 13,
            "color": "#1a1a1a",
        },
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 40, "r": 10, "t": 10, "b": 30} if compact else {"l": 60, "r": 60, "t": 30, "b": 40},
        "showlegend": not compact,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "font": {"size": 12}},
        "hovermode": "closest",
        "xaxis": {
            "type": "date",
            "tickvals": [p.isoformat() for p in ticks],
            "ticktext": [month_label(p) for p in ticks],
            "tickangle": 0,
            "gridcolor": COLOUR_GRID,
            "showline": True,
            "linecolor": "#999999",
            "fixedrange": compact,
        },
        "yaxis": {
            "title": {"text": "" if compact else unit},
            "gridcolor": COLOUR_GRID,
            "zeroline": False,
            "rangemode": "tozero" if chart_type in {"p", "pp", "c", "u", "up", "g", "t"} else "normal",
            "fixedrange": compact,
        },
        "shapes": shapes,
        "annotations": annotations,
    }
    if y_range is not None:
        layout["yaxis"]["range"] = list(y_range)
    if height:
        layout["height"] = height
    if title:
        layout["title"] = {"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left"}
        layout["margin"]["t"] = 30
    return {"data": traces, "layout": layout}


def _centre_name(chart_type: str) -> str:
    return gettext("Median") if chart_type == "run" else gettext("Centerlinje")


def plot_config(*, filename: str, compact: bool = False) -> dict[str, Any]:
    """Plotly's config: PNG download from the modebar under a harmless file name; small multiples static."""
    if compact:
        return {"staticPlot": True, "responsive": True, "displayModeBar": False}
    return {
        "responsive": True,
        "displaylogo": False,
        # Plotly's own buttons speak English and offer a cloud "share"; static/js/charts.js builds
        # these two from the labels instead (Plotly has no Danish button texts).
        "lktButtons": {"download": gettext("Hent diagrammet som PNG"), "reset": gettext("Nulstil visning")},
        "toImageButtonOptions": {
            "format": "png",
            "filename": filename,
            "scale": 2,
            "width": 1100,
            "height": 550,
        },
    }


def y_extent(results: list[dict]) -> tuple[float, float] | None:
    """A shared y range for small multiples: a little below the lowest to a little above the highest value."""
    low, high = None, None
    for data in results:
        for point in clean_points(data):
            for key in ("y", "ucl", "lcl", "cl"):
                value = point.get(key)
                if value is None:
                    continue
                low = value if low is None else min(low, value)
                high = value if high is None else max(high, value)
        for value in (data.get("targets") or {}).values():
            value = number_or_none(value)
            if value is not None:
                low = value if low is None else min(low, value)
                high = value if high is None else max(high, value)
    if low is None or high is None:
        return None
    # Not forced to zero: small multiples compare levels, and a zero baseline flattens every line.
    span = (high - low) or abs(high) or 1.0
    return (low - span * 0.08, high + span * 0.08)


def table_rows(data: dict) -> list[dict[str, Any]]:
    """The chart's numbers as rows for the table view (screen readers, copying)."""
    rows = []
    excluded = {(item.get("period") or "")[:7]: item.get("reason", "") for item in data.get("excluded") or []}
    for point in clean_points(data):
        period = parse_period(point["period"])
        rows.append(
            {
                "period": period,
                "month": month_label(period, long=True),
                "numerator": point.get("numerator"),
                "denominator": point.get("denominator"),
                "y": point.get("y"),
                "cl": point.get("cl"),
                "lcl": point.get("lcl"),
                "ucl": point.get("ucl"),
                "part": point.get("part"),
                "baseline": point.get("baseline", False),
                "include": point.get("include", True),
                "excluded_reason": excluded.get(point["period"][:7], ""),
                "runs_signal": point.get("runs_signal", False),
                "sigma_signal": point.get("sigma_signal", False),
                "n_teams": point.get("n_teams"),
            }
        )
    return rows


def has_limits(data: dict) -> bool:
    return any(point.get("ucl") is not None or point.get("lcl") is not None for point in clean_points(data))
