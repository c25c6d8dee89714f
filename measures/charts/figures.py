"""A stored chart result (ChartResult.data, format in the README) -> a Plotly figure as a plain dict.

Plain dicts, not plotly.graph_objects: building a Figure object costs milliseconds, a dict
microseconds, and a network dashboard draws dozens. The figure is serialised with orjson by the
template tag in measures/templatetags/lkt_charts.py and drawn by static/js/charts.js.

Also here: the one-line Danish interpretation under each chart and the NHS Making Data Count
icons (variation and assurance) for a result.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from django.templatetags.static import static
from django.utils import formats, translation
from django.utils.translation import gettext, ngettext

from ..months import month_label, parse_period

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


def format_value(value: float | None, decimals: int | None) -> str:
    """An indicator's value with at most its number of decimals and no trailing zeros beyond them
    (1.076,5 with 4 decimals, never 1.076,5000). Without a number of decimals (a chart stored before
    indicators had one) as format_number chooses."""
    if value is None:
        return "–"
    if decimals is None:
        return format_number(value)
    # Half up from the shortest decimal form of the float, as the grid rounds (12,25 -> 12,3),
    # not round()'s half to even.
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    shown = len(text.partition(".")[2])
    return formats.number_format(Decimal(text), shown, use_l10n=True, force_grouping=True)


def statistic_decimals(decimals: int | None) -> int | None:
    """Centre lines and limits get one decimal more than the values: a c chart's centre line of 2,6
    would read 3 with the counts' 0 decimals."""
    return None if decimals is None else min(decimals + 1, 4)


# Numerators and denominators are what the team typed: up to the four decimals they are stored with.
RAW_DECIMALS = 4


def plain_text(text: str) -> str:
    """User text as Plotly draws it literally: Plotly reads `<a href>`, `<b>`, `<br>` in any text it
    draws as markup, so a comment could plant a clickable link in other people's charts. Escaped
    here, where the text enters the figure; plotly.js turns the entities back into the characters.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


RULE_SET_NAMES = {"anhoej": "Anhøj", "mdc": "Making Data Count"}


def rule_set_name(data: dict) -> str:
    """The rule set a chart was classified with, by name ("Anhøj" for charts stored before rule sets)."""
    code = data.get("rule_set") or (data.get("classification") or {}).get("rule_set") or "anhoej"
    return RULE_SET_NAMES.get(code, code)


def rule_set_label(data: dict) -> str:
    """'Regler: Anhøj' / 'Regler: Making Data Count': named in every legend, report and API result."""
    return gettext("Regler: %(name)s") % {"name": rule_set_name(data)}


def deviation_texts(data: dict) -> list[str]:
    """Plain-Danish labels of the deviations from a reference package that apply to this chart."""
    codes = data.get("deviations") or []
    nhs = {
        "missing_breaks_trend": gettext(
            "en manglende måned bryder en trend i stedet for at stoppe diagrammet"
        ),
        "last_complete_point": gettext("ikonet kommer fra seneste komplette punkt, ikke et foreløbigt"),
        "few_points": gettext('1-2 punkter giver "for få punkter", medmindre et punkt er uden for grænserne'),
    }
    texts = []
    rule_set = data.get("rule_set") or (data.get("classification") or {}).get("rule_set") or "anhoej"
    nhs_codes = [nhs[c] for c in codes if c in nhs and rule_set == "mdc"]
    if nhs_codes:
        texts.append(gettext("Afviger fra NHS-reglerne: %(list)s.") % {"list": "; ".join(nhs_codes)})
    if rule_set == "anhoej" and "last_complete_point" in codes:
        texts.append(gettext("Foreløbige måneder indgår ikke i grænser og signaler."))
    if "laney" in codes:
        texts.append(
            gettext(
                "Laneys %(chart)s-diagram: grænserne tager højde for variationen mellem teams (store nævnere)."
            )
            % {"chart": "p'" if data.get("chart_type") == "p" else "u'"}
        )
    if data.get("chart_drawn") == "xmr_mdc":
        texts.append(
            gettext(
                "Tegnet som XmR-diagram med Making Data Counts grænser (2,66 × gennemsnitligt glidende variationsbredde)."
            )
        )
    return texts


def _signal_reasons(data: dict, part: dict, sources: list[str], side: str | None) -> list[str]:
    longest, longest_max = part.get("longest_run"), part.get("longest_run_max")
    crossings, crossings_min = part.get("n_crossings"), part.get("n_crossings_min")
    rule_set = (data.get("classification") or {}).get("rule_set") or data.get("rule_set") or "anhoej"
    reasons: list[str] = []
    for source in sources:
        if source == "sigma":
            reasons.append(gettext("seneste punkt ligger uden for kontrolgrænserne"))
        elif source == "long_run" and rule_set == "mdc":
            reasons.append(gettext("mindst 7 punkter i træk på samme side af centerlinjen"))
        elif source == "long_run":
            reasons.append(
                gettext("usædvanligt lang serie (%(run)s punkter, grænse %(max)s), som fortsætter nu")
                % {"run": longest, "max": longest_max}
            )
        elif source == "trend":
            reasons.append(
                gettext("7 punkter i træk stiger") if side == "high" else gettext("7 punkter i træk falder")
            )
        elif source == "two_of_three":
            reasons.append(gettext("2 af 3 punkter tæt på en kontrolgrænse"))
        elif source == "few_crossings":
            reasons.append(
                gettext("for få kryds (%(crossings)s, mindst %(min)s)")
                % {"crossings": crossings, "min": crossings_min}
            )
        elif source == "ended_run":
            reasons.append(
                gettext("en usædvanligt lang serie (%(run)s punkter, grænse %(max)s), som er slut")
                % {"run": longest, "max": longest_max}
            )
        elif source == "runs":
            reasons.append(gettext("signal i serieanalysen"))
    return reasons


def _legacy_reasons(part: dict) -> list[str]:
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
    return reasons


def interpretation(data: dict, *, variation: str | None = None) -> str:
    """One line of plain Danish under a chart: the signal, whether it is good, and the key figures.

    Reads the last phase (the current process), as the classification does, and says which rule
    set decided.
    """
    part = last_part(data)
    if not part or not data.get("points"):
        return gettext("Ingen data endnu.")
    classification = data.get("classification") or {}
    variation = _variation(data, variation)
    direction = data.get("direction") or classification.get("direction") or "neither"
    n_useful = part.get("n_useful") or 0
    min_points = (
        classification.get("min_points")
        or (classification.get("params") or {}).get("min_points")
        or DEFAULT_MIN_POINTS
    )
    if variation == "not_applicable":
        return gettext("Making Data Count giver ikke ikoner for denne diagramtype.")
    if variation == "too_few_points":
        return gettext("For få datapunkter til serieanalyse (%(n)s, mindst %(min)s).") % {
            "n": n_useful,
            "min": min_points,
        }
    sources = classification.get("sources")
    if sources is None:  # stored before rule sets: the reasons from the part's figures
        sources = []
        reasons = _legacy_reasons(part)
    else:
        reasons = _signal_reasons(data, part, list(sources), classification.get("side"))
    if variation == "undirected":
        return gettext("Ikke-tilfældig variation uden entydig retning: %(reasons)s.") % {
            "reasons": ", ".join(reasons) or gettext("signal i serieanalysen")
        }
    if reasons and variation != "common_cause":
        text = gettext("Ikke-tilfældig variation: %(reasons)s.") % {"reasons": ", ".join(reasons)}
        return f"{text} {_direction_clause(variation, direction)}".strip()

    longest, longest_max = part.get("longest_run"), part.get("longest_run_max")
    crossings, crossings_min = part.get("n_crossings"), part.get("n_crossings_min")
    figures = []
    if longest is not None and longest_max is not None:
        figures.append(
            gettext("længste serie %(run)s (grænse %(max)s)") % {"run": longest, "max": longest_max}
        )
    if crossings is not None and crossings_min is not None:
        figures.append(
            gettext("%(crossings)s kryds (mindst %(min)s)") % {"crossings": crossings, "min": crossings_min}
        )
    text = (
        gettext("Kun almindelig variation: %(figures)s.") % {"figures": ", ".join(figures)}
        if figures
        else gettext("Kun almindelig variation.")
    )
    if "past_sigma" in sources:
        text += " " + gettext("Tidligere punkter uden for grænserne afgør ikke det nuværende billede.")
    return text


def _current_values(data: dict) -> list[float]:
    part = last_part(data)
    number = part.get("part") if part else None
    return [
        p["y"]
        for p in clean_points(data)
        if p.get("part") == number
        and p.get("y") is not None
        and p.get("include", True)
        and not p.get("provisional")
    ]


def assurance_text(data: dict, assurance: str | None = None) -> str:
    """A sentence on whether the target will be met, from the current phase's limits (the ones drawn).

    It never contradicts the plotted values: "nås hver måned" is not said when a month of the current
    phase missed the target, nor "nås ikke" when a month of it met the target.
    """
    assurance = assurance or (data.get("classification") or {}).get("assurance") or ""
    targets = data.get("targets") or {}
    target = targets.get("local") if targets.get("local") is not None else targets.get("national")
    target = number_or_none(target)
    if not assurance or target is None:
        return ""
    direction = data.get("direction") or "up"
    values = _current_values(data)
    meets = [v >= target if direction == "up" else v <= target for v in values]
    if assurance == "consistently_met" and not all(meets):
        assurance = "inconsistent"
    if assurance == "consistently_missed" and any(meets):
        assurance = "inconsistent"
    limits = (data.get("classification") or {}).get("limits") or {}
    lcl, ucl = number_or_none(limits.get("lcl")), number_or_none(limits.get("ucl"))
    decimals = data.get("decimals")
    numbers = {"target": format_value(target, decimals)}
    band = ""
    variation = (data.get("classification") or {}).get("variation") or ""
    if baseline_in_force(data) and variation in ("improvement", "concern", "neither", "undirected"):
        # Frozen limits and a signal: the limits describe the baseline, not the process now.
        band = " " + gettext("Grænserne er fra den fastfrosne baseline; processen har ændret sig siden.")
    elif lcl is not None and ucl is not None:
        band = " " + gettext("Den nuværende proces giver værdier mellem %(lcl)s og %(ucl)s.") % {
            "lcl": format_value(lcl, statistic_decimals(decimals)),
            "ucl": format_value(ucl, statistic_decimals(decimals)),
        }
    if assurance == "consistently_met":
        return (
            gettext("Målet (%(target)s) nås hver måned, hvis processen fortsætter uændret.") % numbers + band
        )
    if assurance == "consistently_missed":
        return gettext("Målet (%(target)s) nås ikke, medmindre processen ændres.") % numbers + band
    if assurance == "inconsistent":
        return gettext("Målet (%(target)s) nås i nogle måneder, men ikke sikkert.") % numbers + band
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


def is_pooled(data: dict) -> bool:
    return data.get("scope") in ("national", "region") or any(
        point.get("n_teams") is not None for point in data.get("points") or []
    )


# A network matrix shows hundreds of icons; there are only a handful of distinct ones.
@lru_cache(maxsize=64)
def _variation_icon(variation: str, side: str, language: str) -> Icon | None:
    if variation == "common_cause":
        return Icon(
            static("img/mdc/variation-common-cause.svg"), gettext("Almindelig variation"), "common_cause"
        )
    if variation == "undirected":
        return Icon(
            static("img/mdc/variation-undirected.svg"),
            gettext("Særlig variation uden entydig retning"),
            "undirected",
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
VARIATION_RANK = {
    "concern": 0,
    "neither": 1,
    "undirected": 1,
    "improvement": 2,
    "common_cause": 3,
    "too_few_points": 4,
    "not_applicable": 4,
    "": 5,
}


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


@dataclass
class _Figure:
    """What build_figure's steps add to: traces, shapes and annotations, and the shared context."""

    data: dict
    points: list[dict]
    parts: list[dict]
    periods: list[date]
    unit: str
    decimals: int | None
    chart_type: str
    compact: bool
    pooled: bool
    traces: list[dict]
    shapes: list[dict]
    annotations: list[dict]
    # The hover texts' translated phrases, looked up once per figure (a national chart's 36 points
    # would otherwise ask gettext for the same phrase 36 times).
    phrases: dict = field(default_factory=dict)

    def phrase(self, key, translate: Callable[[], str]) -> str:
        text = self.phrases.get(key)
        if text is None:
            text = self.phrases[key] = translate()
        return text

    def hover(self, point: dict, period: date) -> str:
        text = f"{month_label(period, long=True)}: {format_value(point.get('y'), self.decimals)} {self.unit}".strip()
        # A pooled point never shows numerators and denominators: with few teams they would be one
        # team's raw numbers.
        if not self.pooled and point.get("numerator") is not None and point.get("denominator") is not None:
            text += (
                f"<br>{format_value(point['numerator'], RAW_DECIMALS)} / "
                f"{format_value(point['denominator'], RAW_DECIMALS)}"
            )
        if point.get("n_teams") is not None:
            n = point["n_teams"]
            if point.get("n_active"):
                text += "<br>" + self.phrase("of", lambda: gettext("%(n)s af %(active)s teams")) % {
                    "n": n,
                    "active": point["n_active"],
                }
            else:
                text += "<br>" + self.phrase(
                    ("teams", n), lambda: ngettext("%(n)s team", "%(n)s teams", n)
                ) % {"n": n}
        if point.get("provisional"):
            text += "<br>" + self.phrase(
                "provisional", lambda: gettext("Foreløbig: for få teams har indberettet")
            )
        elif not point.get("include", True):
            text += "<br>" + self.phrase("excluded", lambda: gettext("Udeladt af beregningen"))
        return text


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
    notes could name people or places. Built in named steps, each adding traces or shapes.
    """
    points = clean_points(data)
    fig = _Figure(
        data=data,
        points=points,
        parts=[{**part, "cl": number_or_none(part.get("cl"))} for part in data.get("parts") or []],
        periods=[parse_period(point["period"]) for point in points],
        unit=plain_text(data.get("unit") or ""),
        decimals=data.get("decimals"),
        chart_type=data.get("chart_type") or "run",
        compact=compact,
        pooled=is_pooled(data),
        traces=[],
        shapes=[],
        annotations=[],
    )
    _add_measurements(fig)
    _add_centre_lines(fig)
    _add_limits(fig)
    _add_signals(fig)
    _add_provisional(fig)
    _add_targets(fig)
    _add_baseline(fig)
    _add_phase_breaks(fig)
    if show_annotations and not compact:
        _add_notes(fig)
    return {"data": fig.traces, "layout": _layout(fig, title=title, y_range=y_range, height=height)}


def _add_measurements(fig: _Figure) -> None:
    """The measurements: None for missing months, so Plotly leaves a gap (never a zero). Provisional
    pooled months are drawn by _add_provisional, not joined to the line."""
    points = fig.points
    fig.traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": gettext("Måling"),
            "x": [point["period"] for point in points],
            "y": [None if point.get("provisional") else point.get("y") for point in points],
            "connectgaps": False,
            "line": {"color": COLOUR_DATA, "width": 1.5 if fig.compact else 2},
            "marker": {
                "color": [COLOUR_DATA if point.get("include", True) else "#ffffff" for point in points],
                "line": {"color": COLOUR_DATA, "width": 1.5},
                "size": 4 if fig.compact else 7,
            },
            # Small multiples are static: no hover, so no hover text to build.
            "text": []
            if fig.compact
            else [fig.hover(point, period) for point, period in zip(points, fig.periods, strict=True)],
            "hovertemplate": "%{text}<extra></extra>",
        }
    )


def _add_centre_lines(fig: _Figure) -> None:
    """Centre line per phase; red and dashed where the phase has a runs signal (as qicharts2 draws it)."""
    signal_parts = {part["part"] for part in fig.parts if part.get("runs_signal")}
    for signal in (False, True):
        selected = [point for point in fig.points if (point.get("part") in signal_parts) == signal]
        if not selected or all(point.get("cl") is None for point in selected):
            continue
        xs, ys = _segments(selected, "cl")
        fig.traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": gettext("Centerlinje (signal)") if signal else _centre_name(fig.chart_type),
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
    if fig.compact:
        return
    for part in fig.parts:
        if part.get("cl") is None or not part.get("last_period"):
            continue
        fig.annotations.append(
            {
                "x": part["last_period"],
                "y": part["cl"],
                "xref": "x",
                "yref": "y",
                "text": format_value(part["cl"], statistic_decimals(fig.decimals)),
                "showarrow": False,
                "xanchor": "left",
                "xshift": 6,
                "font": {"size": 12, "color": COLOUR_SIGNAL if part.get("runs_signal") else COLOUR_CENTRE},
            }
        )


def _limits_name(data: dict) -> str:
    if "laney" in (data.get("deviations") or []):
        return gettext("Kontrolgrænser (Laney %(chart)s)") % {
            "chart": "p'" if data.get("chart_type") == "p" else "u'"
        }
    if data.get("chart_drawn") == "xmr_mdc":
        return gettext("Procesgrænser (MDC)")
    return gettext("Kontrolgrænser")


def _add_limits(fig: _Figure) -> None:
    """Control limits, where the chart type has them; under MDC also the 2-sigma lines ("close to a limit")."""
    points = fig.points
    if not any(point.get("ucl") is not None or point.get("lcl") is not None for point in points):
        return
    shape = "hvh" if fig.chart_type in CONTROL_CHARTS else "linear"
    for key, show in (("ucl", True), ("lcl", False)):
        xs, ys = _segments(points, key)
        fig.traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _limits_name(fig.data),
                "legendgroup": "limits",
                "showlegend": show,
                "x": xs,
                "y": ys,
                "connectgaps": False,
                "line": {"color": COLOUR_LIMIT, "width": 1, "shape": shape},
                "hoverinfo": "skip",
            }
        )
    if (fig.data.get("rule_set") or "") == "mdc" and not fig.compact:
        for key, show in (("ucl_95", True), ("lcl_95", False)):
            xs, ys = _segments([{**p, key: number_or_none(p.get(key))} for p in points], key)
            if all(y is None for y in ys):
                continue
            fig.traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": gettext("2-sigma-linjer"),
                    "legendgroup": "sigma2",
                    "showlegend": show,
                    "x": xs,
                    "y": ys,
                    "connectgaps": False,
                    "line": {"color": COLOUR_LIMIT, "width": 1, "dash": "dot", "shape": shape},
                    "hoverinfo": "skip",
                }
            )


def _add_signals(fig: _Figure) -> None:
    """Points outside the limits, highlighted on top of the data."""
    outside = [
        (point, period)
        for point, period in zip(fig.points, fig.periods, strict=True)
        if point.get("sigma_signal") and not point.get("provisional")
    ]
    if not outside:
        return
    fig.traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": gettext("Uden for kontrolgrænser"),
            "x": [point["period"] for point, _ in outside],
            "y": [point.get("y") for point, _ in outside],
            "marker": {
                "color": COLOUR_OUTSIDE,
                "size": 6 if fig.compact else 11,
                "symbol": "diamond",
                "line": {"color": "#1a1a1a", "width": 1},
            },
            "text": [fig.hover(point, period) for point, period in outside],
            "hovertemplate": "%{text}<extra></extra>",
        }
    )


def _add_provisional(fig: _Figure) -> None:
    """Pooled months below the network's share of reporting teams: hollow, labelled "foreløbig"."""
    provisional = [
        (point, period)
        for point, period in zip(fig.points, fig.periods, strict=True)
        if point.get("provisional") and point.get("y") is not None
    ]
    if not provisional:
        return
    share = (fig.data.get("pooled") or {}).get("min_share") or 75
    fig.traces.append(
        {
            "type": "scatter",
            "mode": "markers+text" if not fig.compact else "markers",
            "name": gettext("Foreløbig (under %(share)s %% af teams)") % {"share": share},
            "x": [point["period"] for point, _ in provisional],
            "y": [point.get("y") for point, _ in provisional],
            "marker": {
                # Hollow: white fill, the data colour as the ring.
                "color": "#ffffff",
                "size": 5 if fig.compact else 10,
                "symbol": "circle",
                "line": {"color": COLOUR_DATA, "width": 2},
            },
            "text": [gettext("foreløbig") for _ in provisional],
            "textposition": "top center",
            "textfont": {"size": 11, "color": "#333333"},
            "hovertext": [fig.hover(point, period) for point, period in provisional],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
    )


def _add_targets(fig: _Figure) -> None:
    """Targets as dashed lines across the whole chart, each with a legend entry."""
    targets = fig.data.get("targets") or {}
    periods = fig.periods
    first_x = _half_month_before(periods[0]) if periods else None
    last_x = _half_month_after(periods[-1]) if periods else None
    for key, name, colour, dash in (
        ("national", gettext("Nationalt mål"), COLOUR_TARGET_NATIONAL, "dash"),
        ("local", gettext("Lokalt mål"), COLOUR_TARGET_LOCAL, "dot"),
    ):
        value = number_or_none(targets.get(key))
        if value is None or first_x is None:
            continue
        fig.traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{name} ({format_value(value, fig.decimals)})",
                "x": [first_x, last_x],
                "y": [value, value],
                "line": {"color": colour, "width": 1.5, "dash": dash},
                "hovertemplate": f"{name}: {format_value(value, fig.decimals)}<extra></extra>",
            }
        )


def baseline_in_force(data: dict) -> bool:
    """A frozen baseline is drawn only where the engine used it: qicharts2 ignores a freeze once the
    chart has phases (charts stored before this flag: no phase break means the freeze held)."""
    if "baseline_in_force" in data:
        return bool(data["baseline_in_force"])
    return bool(data.get("baseline_end")) and len(data.get("parts") or []) <= 1


def _add_baseline(fig: _Figure) -> None:
    """The frozen baseline, shaded and labelled, only where the freeze is in force."""
    baseline_end = parse_period(fig.data.get("baseline_end"))
    periods = fig.periods
    if not (baseline_end and periods and baseline_end >= periods[0] and baseline_in_force(fig.data)):
        return
    fig.shapes.append(
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
    if not fig.compact:
        fig.annotations.append(
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


def _add_phase_breaks(fig: _Figure) -> None:
    """Phase breaks as vertical lines with their label."""
    for part in fig.parts[1:]:
        start = parse_period(part.get("first_period"))
        if not start:
            continue
        x = _half_month_before(start)
        fig.shapes.append(
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
        if not fig.compact:
            fig.annotations.append(
                {
                    "x": x,
                    "y": 1,
                    "xref": "x",
                    "yref": "paper",
                    "text": plain_text(part.get("label") or gettext("Fase %(n)s") % {"n": part["part"]}),
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "font": {"size": 11, "color": "#333333"},
                }
            )


def _add_notes(fig: _Figure) -> None:
    """Annotations (PDSA cycles, interventions) as markers at the foot of the chart, with hover text."""
    notes = fig.data.get("annotations") or []
    if not notes:
        return
    points = fig.points
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
            f"{formats.date_format(day, 'SHORT_DATE_FORMAT')} · {prefix}: {plain_text(note.get('text', ''))}"
        )
        note_symbol.append("star" if kind == "pdsa" else "triangle-up")
    # Notes on months without a value sit on the axis floor rather than vanish.
    floor = min((y for y in (point.get("y") for point in points) if y is not None), default=0)
    fig.traces.append(
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


def _layout(
    fig: _Figure, *, title: str, y_range: tuple[float, float] | None, height: int | None
) -> dict[str, Any]:
    compact = fig.compact
    ticks = _tick_positions([p for p in fig.periods if p], 4 if compact else 9)
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
        # The legend names the rule set behind the icons and signals.
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -0.12,
            "x": 0,
            "font": {"size": 12},
            "title": {"text": rule_set_label(fig.data), "side": "top"},
        },
        "hovermode": "closest",
        "xaxis": {
            "type": "date",
            "tickvals": [p.isoformat() for p in ticks],
            "ticktext": [month_label(p, long=False) for p in ticks],
            "tickangle": 0,
            "gridcolor": COLOUR_GRID,
            "showline": True,
            "linecolor": "#999999",
            "fixedrange": compact,
        },
        "yaxis": {
            "title": {"text": "" if compact else fig.unit},
            "gridcolor": COLOUR_GRID,
            "zeroline": False,
            "rangemode": "tozero" if fig.chart_type in {"p", "pp", "c", "u", "up", "g", "t"} else "normal",
            "fixedrange": compact,
        },
        "shapes": fig.shapes,
        "annotations": fig.annotations,
    }
    if y_range is not None:
        layout["yaxis"]["range"] = list(y_range)
    if height:
        layout["height"] = height
    if title:
        layout["title"] = {"text": plain_text(title), "font": {"size": 13}, "x": 0, "xanchor": "left"}
        layout["margin"]["t"] = 30
    return layout


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
                "n_active": point.get("n_active"),
                "provisional": bool(point.get("provisional")),
            }
        )
    if is_pooled(data):
        # Pooled sums of fewer than 3 teams would be a team's raw numbers.
        for row in rows:
            if (row["n_teams"] or 0) < 3:
                row["numerator"] = row["denominator"] = None
    return rows


def has_limits(data: dict) -> bool:
    # As clean_points reads the limits, without copying every point.
    return any(
        number_or_none(point.get("ucl")) is not None or number_or_none(point.get("lcl")) is not None
        for point in data.get("points") or []
    )


# --- Funnel plots ---------------------------------------------------------------------------------

COLOUR_FUNNEL_95 = "#7a7a7a"
COLOUR_FUNNEL_998 = "#333333"
FLAG_COLOURS = {
    "high_outlier": COLOUR_SIGNAL,
    "low_outlier": COLOUR_SIGNAL,
    "high_warning": COLOUR_OUTSIDE,
    "low_warning": COLOUR_OUTSIDE,
}


def funnel_figure(
    chart,
    *,
    unit: str = "",
    own: set[str] | frozenset[str] = frozenset(),
    direction: str = "up",
    compact: bool = False,
    decimals: int | None = None,
) -> dict[str, Any]:
    """A funnel plot (measures.spc.funnel.FunnelChart) as a Plotly figure dict: teams' values against
    their denominators, the network's value and the 95 % and 99.8 % limits; the viewer's own
    team(s) in `own` marked with a star."""
    traces: list[dict] = []
    curve = chart.curve
    if curve is not None:
        xs = list(curve.x)
        for key_lo, key_hi, name, colour, dash in (
            ("lo998", "hi998", gettext("99,8 %-grænser"), COLOUR_FUNNEL_998, "solid"),
            ("lo95", "hi95", gettext("95 %-grænser"), COLOUR_FUNNEL_95, "dash"),
        ):
            for key, show in ((key_hi, True), (key_lo, False)):
                traces.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": name,
                        "legendgroup": key_hi,
                        "showlegend": show,
                        "x": xs,
                        "y": list(getattr(curve, key)),
                        "line": {"color": colour, "width": 1.2, "dash": dash},
                        "hoverinfo": "skip",
                    }
                )
    if chart.target is not None and chart.units:
        x_max = max((u.denominator for u in chart.units), default=1.0) * 1.1
        x_min = min(curve.x) if curve is not None else 0
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": gettext("Netværkets niveau (%(value)s)")
                % {"value": format_value(chart.target, decimals)},
                "x": [x_min, x_max],
                "y": [chart.target, chart.target],
                "line": {"color": COLOUR_CENTRE, "width": 1.5},
                "hoverinfo": "skip",
            }
        )

    def hover(u) -> str:
        text = f"{u.unit}: {format_value(u.value, decimals)} {unit}".strip()
        text += f"<br>{format_value(u.numerator, RAW_DECIMALS)} / {format_value(u.denominator, RAW_DECIMALS)}"
        if u.flag:
            level = "99,8 %" if u.flag.endswith("outlier") else "95 %"
            text += "<br>" + gettext("Uden for %(level)s-grænsen") % {"level": level}
        return text

    for is_own in (False, True):
        units = [u for u in chart.units if (u.unit in own) == is_own]
        if not units:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text" if is_own and not compact else "markers",
                "name": gettext("Jeres team") if is_own else gettext("Teams"),
                "x": [u.denominator for u in units],
                "y": [u.value for u in units],
                "marker": {
                    "symbol": "star" if is_own else "circle",
                    "size": 16 if is_own else 9,
                    "color": [FLAG_COLOURS.get(u.flag or "", COLOUR_DATA) for u in units],
                    "line": {"color": "#1a1a1a", "width": 1},
                },
                "text": [gettext("Jeres team") for _ in units] if is_own else [],
                "textposition": "top center",
                "hovertext": [hover(u) for u in units],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    adjusted = gettext("justeret for overspredning") if chart.adjusted else gettext("ujusterede")
    layout: dict[str, Any] = {
        "separators": formats.get_format("DECIMAL_SEPARATOR") + formats.get_format("THOUSAND_SEPARATOR"),
        "font": {
            "family": "IBM Plex Sans, Arial, sans-serif",
            "size": 11 if compact else 13,
            "color": "#1a1a1a",
        },
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 60, "r": 20, "t": 20, "b": 60},
        "showlegend": not compact,
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -0.28,
            "x": 0,
            "font": {"size": 12},
            "title": {
                "text": gettext("Tragtdiagram (%(adjusted)s):") % {"adjusted": adjusted},
                "side": "left",
            },
        },
        "hovermode": "closest",
        "xaxis": {
            "title": {"text": gettext("Nævner (antal i perioden)")},
            "gridcolor": COLOUR_GRID,
            "rangemode": "tozero",
            "showline": True,
            "linecolor": "#999999",
        },
        "yaxis": {
            "title": {"text": unit},
            "gridcolor": COLOUR_GRID,
            "zeroline": False,
            "rangemode": "tozero",
        },
    }
    values = [u.value for u in chart.units]
    if curve is not None and values:
        # Show the teams and the funnel's mouth, not the limits at n -> 0 (which run off to 0 and 100 %).
        lo = min(min(values), min(curve.lo998[len(curve.x) // 5 :], default=min(values)))
        hi = max(max(values), max(curve.hi998[len(curve.x) // 5 :], default=max(values)))
        span = (hi - lo) or abs(hi) or 1.0
        layout["yaxis"]["range"] = [max(0.0, lo - span * 0.1), hi + span * 0.1]
    return {"data": traces, "layout": layout}
