"""Variation and assurance of a chart's current phase, under a named rule set.

Built on top of a finished :class:`~measures.spc.engine.ChartResult`; it never changes the
qicharts2-equal numbers.  Only the LAST part of the chart is classified (the current phase).
Two rule sets (``RULE_SETS``), chosen per network:

``anhoej`` (default, the Danish standard): qicharts2's runs analysis plus points beyond 3 sigma.

* The useful points are the included, non-missing points off the centre line; only points up to
  ``last_complete_xx`` count (later ones are provisional).
* With fewer than ``min_points`` (10) useful points the runs analysis has no power: the result is
  ``too_few_points`` unless the last useful point lies beyond a 3-sigma limit (a clear signal).
* A long run (longer than qicharts2's ``longest_run_max``) is directed: its side of the centre
  line.  It counts as *current* only if it contains the last useful point.  A point beyond 3 sigma
  is current only if it is the last useful point.  A current signal gives ``improvement`` or
  ``concern`` from the indicator's direction (``neither`` for an indicator without a direction,
  and on mr/s charts, whose direction is about spread), with its side.
* Too few crossings (or a long run that has ended) is a real signal without a direction:
  ``undirected``.  Older points beyond 3 sigma are reported in ``sources`` as ``past_sigma`` but
  do not decide the icon.  No signal: ``common_cause``.

``mdc`` (NHS "Making Data Count", as NHSRplotthedots 0.2.2 computes it, measures/spc/mdc.py):
outside the limits, trend of 7, two of three beyond the 2-sigma line, run of 7 on one side; the
variation is the point type of the last point.  Callers draw run and i indicators as XmR with MDC's
own limits (2.66 x screened mean moving range; :func:`mdc_xmr_chart`); p, u and c use their own
limits and qicharts2's 2-sigma lines; t, g, mr and s get no MDC icon (``not_applicable``).
Product deviations from the package (each also listed in ``Classification.deviations`` when it
applied): a missing month breaks a trend instead of failing the chart (``missing_breaks_trend``);
the icon comes from the last complete point, not a provisional one (``last_complete_point``); 1-2
points give ``too_few_points`` unless a point is beyond the limits (``few_points``).

Assurance (both rule sets; charts with limits, a target and direction up/down), on the limits of
the last complete point with both limits, strict inequalities (a target exactly on a limit is not
"consistently" anything): up: LCL > target -> ``consistently_met``, UCL < target ->
``consistently_missed``; down: UCL < target -> met, LCL > target -> missed; else ``inconsistent``.
The target is compared on the plotted scale (after ``multiply``).

The result carries language-neutral keys plus the numbers needed to phrase them (``params``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from .engine import ChartResult, PartSummary, Point, json_number
from .errors import SPCError
from .mdc import mdc_last_label, mdc_point_type, xmr_lines

__all__ = [
    "ASSURANCES",
    "DIRECTIONS",
    "RULE_SETS",
    "VARIATIONS",
    "Classification",
    "classify",
    "mdc_xmr_chart",
]

Direction = Literal["up", "down", "neither"]
DIRECTIONS: Final = ("up", "down", "neither")
RULE_SETS: Final = ("anhoej", "mdc")
VARIATIONS: Final = (
    "improvement",
    "concern",
    "common_cause",
    "neither",
    "undirected",
    "too_few_points",
    "not_applicable",
)
ASSURANCES: Final = ("consistently_met", "consistently_missed", "inconsistent")
DEFAULT_MIN_POINTS: Final = 10
MDC_MIN_POINTS: Final = 3
_SPREAD_CHARTS: Final = frozenset({"mr", "s"})
MDC_CHARTS_WITHOUT_ICON: Final = frozenset({"t", "g", "mr", "s"})
MDC_XMR_CHARTS: Final = frozenset({"run", "i"})
_MDC_DIRECTION: Final = {"up": "increase", "down": "decrease", "neither": "neutral"}


@dataclass(frozen=True, slots=True)
class Classification:
    variation: str
    assurance: str | None
    direction: str
    side: str | None
    sources: tuple[str, ...]
    part: int
    signal_xx: int | None
    interpretation: str
    assurance_interpretation: str | None
    params: dict[str, Any] = field(default_factory=dict)
    rule_set: str = "anhoej"
    deviations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "variation": self.variation,
            "assurance": self.assurance,
            "direction": self.direction,
            "side": self.side,
            "sources": list(self.sources),
            "part": self.part,
            "signal_xx": self.signal_xx,
            "interpretation": self.interpretation,
            "assurance_interpretation": self.assurance_interpretation,
            "params": {k: json_number(v) if isinstance(v, float) else v for k, v in self.params.items()},
            "rule_set": self.rule_set,
            "deviations": list(self.deviations),
        }


@dataclass(frozen=True, slots=True)
class _Run:
    sign: int
    length: int
    last_xx: int


# ------------------------------------------------------------------ steps


def _current_phase(
    result: ChartResult, last_complete_xx: int | None
) -> tuple[PartSummary, tuple[Point, ...], tuple[Point, ...]]:
    """The last part, all its points and its complete points (up to ``last_complete_xx``)."""
    summary = result.last_part
    points = result.part_points(summary.part)
    complete = points if last_complete_xx is None else tuple(p for p in points if p.xx <= last_complete_xx)
    return summary, points, complete


def _is_useful(p: Point) -> bool:
    """Included, with a value, off the centre line (NaN != NaN rules out missing numbers)."""
    if not p.include or p.y is None or p.cl is None:
        return False
    diff = p.y - p.cl
    return diff == diff and diff != 0


def _useful(points: tuple[Point, ...]) -> list[Point]:
    return [p for p in points if _is_useful(p)]


def _last_run(points: tuple[Point, ...]) -> tuple[Point | None, _Run | None]:
    """The last useful point and the run it ends, scanning back from the end only as far as that run."""
    last: Point | None = None
    sign = length = 0
    for p in reversed(points):
        if not _is_useful(p):
            continue
        s = 1 if p.y > p.cl else -1  # type: ignore[operator]
        if last is None:
            last, sign = p, s
        elif s != sign:
            break
        length += 1
    return last, (None if last is None else _Run(sign, length, last.xx))


def _runs(useful: list[Point]) -> list[_Run]:
    """Runs of the useful points around the centre line, as the runs analysis counts them."""
    runs: list[_Run] = []
    for p in useful:
        s = 1 if p.y > p.cl else -1
        if runs and runs[-1].sign == s:
            runs[-1] = _Run(s, runs[-1].length + 1, p.xx)
        else:
            runs.append(_Run(s, 1, p.xx))
    return runs


def _side(sign: int) -> str:
    return "high" if sign > 0 else "low"


def _beyond(p: Point) -> str | None:
    """'high'/'low' when the point lies beyond a 3-sigma limit."""
    if p.y is None:
        return None
    if p.ucl is not None and p.y > p.ucl:
        return "high"
    if p.lcl is not None and p.y < p.lcl:
        return "low"
    return None


def _directed_variation(side: str, direction: str, chart: str) -> str:
    if direction == "neither" or chart in _SPREAD_CHARTS:
        return "neither"
    return "improvement" if (side == "high") == (direction == "up") else "concern"


def _assurance(
    complete: tuple[Point, ...], target: float | None, direction: str, chart: str, params: dict[str, Any]
) -> str | None:
    if target is None or direction not in ("up", "down") or chart == "run":
        return None
    with_limits = [p for p in complete if p.lcl is not None and p.ucl is not None]
    if not with_limits:
        return None
    ref = with_limits[-1]
    lcl, ucl = float(ref.lcl), float(ref.ucl)  # type: ignore[arg-type]
    params.update(lcl=lcl, ucl=ucl, cl=ref.cl, limits_xx=ref.xx)
    if direction == "up":
        met, missed = lcl > target, ucl < target
    else:
        met, missed = ucl < target, lcl > target
    return "consistently_met" if met else "consistently_missed" if missed else "inconsistent"


def _anhoej(
    result: ChartResult,
    summary: PartSummary,
    complete: tuple[Point, ...],
    direction: str,
    min_points: int,
    params: dict[str, Any],
) -> tuple[str, str | None, tuple[str, ...], int | None]:
    """(variation, side, sources, signal_xx) under the Anhøj rule set."""
    # The engine's n_useful is the complete points' when no provisional point follows them.
    n_useful = (
        summary.n_useful if len(complete) == len(result.part_points(summary.part)) else len(_useful(complete))
    )
    params["n_useful_complete"] = n_useful
    past_sigma = [p for p in complete if p.include and p.sigma_signal] if summary.sigma_signal else []
    last, last_run = _last_run(complete)
    last_beyond = _beyond(last) if last is not None and last.sigma_signal else None
    if n_useful < min_points:
        if last_beyond:
            return _directed_variation(last_beyond, direction, result.chart), last_beyond, ("sigma",), last.xx
        return "too_few_points", None, (), None

    sources: list[str] = []
    side: str | None = None
    signal_xx: int | None = None
    lr_max = summary.longest_run_max or 0
    if summary.runs_signal and last_run is not None and last_run.length > lr_max:
        side, signal_xx = _side(last_run.sign), last_run.last_xx
        sources.append("long_run")
    if last_beyond:
        side, signal_xx = last_beyond, last.xx  # same side as a current run by construction
        sources.insert(0, "sigma")
    if side is not None:
        variation = _directed_variation(side, direction, result.chart)
    elif summary.runs_signal:
        few = (summary.n_crossings or 0) < (summary.n_crossings_min or 0)
        ended = (summary.longest_run or 0) > lr_max
        sources.extend(s for s, on in (("few_crossings", few), ("ended_run", ended)) if on)
        if not sources:
            sources.append("runs")
        variation = "undirected"
    else:
        variation = "common_cause"
    if past_sigma and not last_beyond:
        sources.append("past_sigma")
        params["past_sigma_points"] = len(past_sigma)
    return variation, side, tuple(sources), signal_xx


def _mdc(
    result: ChartResult,
    complete: tuple[Point, ...],
    direction: str,
    deviations: list[str],
    params: dict[str, Any],
) -> tuple[str, str | None, tuple[str, ...], int | None]:
    """(variation, side, sources, signal_xx) under the MDC rule set."""
    if result.chart in MDC_CHARTS_WITHOUT_ICON:
        return "not_applicable", None, (), None
    pts = list(complete)
    ys = [p.y if p.include else None for p in pts]
    n_valued = sum(1 for y in ys if y is not None)
    if not n_valued:
        return "too_few_points", None, (), None
    idx = max(i for i, y in enumerate(ys) if y is not None)  # the last complete point with a value
    if any(y is None for y in ys[: idx + 1]):
        deviations.append("missing_breaks_trend")
    # Only the last point's label decides the icon; mdc_last_label equals mdc_point_rules there.
    tail = pts[max(0, idx - 6) : idx + 1]  # only windows ending at idx can decide its label
    label = mdc_last_label(
        [p.y if p.include else None for p in tail],
        [p.cl for p in tail],
        [p.lcl for p in tail],
        [p.ucl for p in tail],
        [p.lcl_95 for p in tail],
        [p.ucl_95 for p in tail],
        len(tail) - 1,
    )
    params["mdc_label"] = label
    if n_valued < MDC_MIN_POINTS and not label.endswith(("UCL", "LCL")):
        deviations.append("few_points")
        return "too_few_points", None, (), None
    ptype = mdc_point_type(label, _MDC_DIRECTION[direction])
    if ptype == "common_cause":
        return "common_cause", None, (), None
    side = "high" if ("Above" in label or "Increasing" in label) else "low"
    if "Trend" in label:
        source = "trend"
    elif label.startswith("2 in 3"):
        source = "two_of_three"
    elif label.startswith("7 Points"):
        source = "long_run"
    else:
        source = "sigma"
    variation = (
        "neither"
        if ptype.startswith("special_cause_neutral")
        else ("improvement" if ptype == "special_cause_improvement" else "concern")
    )
    return variation, side, (source,), pts[idx].xx


def classify(
    result: ChartResult,
    direction: Direction | str,
    target: float | None = None,
    *,
    rule_set: str = "anhoej",
    min_points: int = DEFAULT_MIN_POINTS,
    last_complete_xx: int | None = None,
) -> Classification:
    """Classify the last part of ``result`` (see the module docstring).

    ``target`` defaults to the target carried by the chart's points.  ``last_complete_xx``: points
    after it are provisional and never decide the icon.
    """
    if direction not in DIRECTIONS:
        raise SPCError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
    if rule_set not in RULE_SETS:
        raise SPCError(f"rule_set must be one of {', '.join(RULE_SETS)}; got {rule_set!r}")
    summary, points, complete = _current_phase(result, last_complete_xx)
    if target is None:
        target = next((p.target for p in points if p.target is not None), None)
    params: dict[str, Any] = {
        "n_useful": summary.n_useful,
        "min_points": min_points if rule_set == "anhoej" else MDC_MIN_POINTS,
        "longest_run": summary.longest_run,
        "longest_run_max": summary.longest_run_max,
        "n_crossings": summary.n_crossings,
        "n_crossings_min": summary.n_crossings_min,
        "target": target,
    }
    deviations: list[str] = []
    if len(complete) < len(points):
        deviations.append("last_complete_point")
    if rule_set == "anhoej":
        variation, side, sources, signal_xx = _anhoej(
            result, summary, complete, direction, min_points, params
        )
    else:
        variation, side, sources, signal_xx = _mdc(result, complete, direction, deviations, params)

    if variation in ("improvement", "concern", "neither"):
        interpretation = f"spc.special_cause.{variation}.{side}"
    else:
        interpretation = f"spc.{variation}"
    assurance = None
    if variation not in ("too_few_points", "not_applicable"):
        assurance = _assurance(complete, target, direction, result.chart, params)
    return Classification(
        variation=variation,
        assurance=assurance,
        direction=direction,
        side=side,
        sources=sources,
        part=summary.part,
        signal_xx=signal_xx,
        interpretation=interpretation,
        assurance_interpretation=None if assurance is None else f"spc.assurance.{assurance}",
        params=params,
        rule_set=rule_set,
        deviations=tuple(dict.fromkeys(deviations)),
    )


def mdc_xmr_chart(result: ChartResult, *, screen: bool = True) -> ChartResult:
    """A run or i chart redrawn as MDC's XmR: per part, the mean and 2.66 x screened mean moving range
    of the included baseline points (the frozen baseline where one is in force, else the whole
    part); the 2-sigma lines (MDC's "close to a limit") go in ``lcl_95``/``ucl_95``.  Excluded
    points are left out of the lines (product deviation: MDC has no exclusions).  Runs statistics
    stay qicharts2's; ``sigma_signal`` becomes "outside MDC's limits".
    """
    new_points: list[Point] = []
    for part in result.parts:
        pts = result.part_points(part.part)
        base = [p for p in pts if p.baseline] or list(pts)
        values = [p.y if p.include and p.y is not None and math.isfinite(p.y) else None for p in base]
        mean, lpl, upl, nlpl, nupl = xmr_lines(values, screen=screen)

        def opt(v: float) -> float | None:
            return None if math.isnan(v) else v

        for p in pts:
            outside = bool(p.y is not None and p.include and not math.isnan(upl) and (p.y > upl or p.y < lpl))
            new_points.append(
                replace(
                    p,
                    cl=opt(mean),
                    lcl=opt(lpl),
                    ucl=opt(upl),
                    lcl_95=opt(nlpl),
                    ucl_95=opt(nupl),
                    sigma_signal=outside,
                )
            )
    parts = []
    for part in result.parts:
        pp = [p for p in new_points if p.part == part.part]
        first = pp[0]
        parts.append(
            replace(
                part,
                cl=first.cl,
                alcl=first.lcl,
                aucl=first.ucl,
                alcl_95=first.lcl_95,
                aucl_95=first.ucl_95,
                sigma_signal=sum(1 for p in pp if p.sigma_signal),
            )
        )
    return replace(result, chart="i", points=tuple(new_points), parts=tuple(parts))
