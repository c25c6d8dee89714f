"""NHS England "Making Data Count" (MDC) style classification of a chart.

Built on top of a finished :class:`~measures.spc.engine.ChartResult`; it never
changes the qicharts2-equal numbers.  Only the LAST part of the chart is
classified (the current phase of the process).

Rules (chosen for this project; documented here because MDC leaves room):

* ``too_few_points`` when the last part has fewer than ``min_points``
  (default 10) *useful* points (non-missing, included, not on the centre
  line).  10 is the smallest n for which the Anhøj rules have any power and
  the lower end of qicharts2's bestbox tables.  No assurance is given then.
* A special cause is either the part's runs signal (Anhøj / bestbox /
  cutbox as computed by the engine; always off for MR charts and for
  categorical x) or a sigma signal on an *included* point of the part
  (deliberately excluded points are known outliers and do not drive the
  classification even though qicharts2 still flags them).
* Side of a special cause:
    - sigma signal: the side of the most recent point outside the limits
      (above UCL = "high", below LCL = "low");
    - runs signal from an unusually long run: the side of the most recent
      run longer than ``longest_run_max``;
    - runs signal from too few crossings (or the stricter box rules): the
      side of the most recent of the longest runs (the cluster the process
      currently sits in).
  When both kinds of signal are present, the one whose last point is the
  most recent decides (sigma wins a tie).
* ``variation``: with direction "up", "high" is ``improvement`` and "low" is
  ``concern``; with "down" the reverse; with "neither" (or on mr/s charts,
  whose direction is about spread rather than level) a special cause is
  ``neither``.  No special cause: ``common_cause``.
* ``assurance`` (charts with limits, a target and direction up/down only),
  judged on the limits of the most recent point of the last part that has
  both limits (p/u limits vary with n):
    - up:   LCL >= target -> ``consistently_met``; UCL < target ->
      ``consistently_missed``; otherwise ``inconsistent``;
    - down: UCL <= target -> ``consistently_met``; LCL > target ->
      ``consistently_missed``; otherwise ``inconsistent``.
  The target is compared on the plotted scale (after ``multiply``), as
  qicharts2 draws it.

The result carries language-neutral keys (``interpretation``,
``assurance_interpretation``) plus the numbers needed to phrase them
(``params``); translation happens outside the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from .engine import ChartResult, Point, json_number
from .errors import SPCError

__all__ = ["ASSURANCES", "DIRECTIONS", "VARIATIONS", "Classification", "classify"]

Direction = Literal["up", "down", "neither"]
DIRECTIONS: Final = ("up", "down", "neither")
VARIATIONS: Final = ("improvement", "concern", "common_cause", "neither", "too_few_points")
ASSURANCES: Final = ("consistently_met", "consistently_missed", "inconsistent")
DEFAULT_MIN_POINTS: Final = 10
_SPREAD_CHARTS: Final = frozenset({"mr", "s"})


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
        }


@dataclass(frozen=True, slots=True)
class _Run:
    sign: int
    length: int
    last_xx: int


def _runs(points: tuple[Point, ...]) -> list[_Run]:
    """Runs of the included points around the centre line, skipping points on
    the line and missing values exactly as the runs analysis does."""
    runs: list[_Run] = []
    for p in points:
        if not p.include or p.y is None or p.cl is None or math.isnan(p.cl):
            continue
        diff = p.y - p.cl
        if math.isnan(diff) or diff == 0:
            continue
        s = 1 if diff > 0 else -1
        if runs and runs[-1].sign == s:
            last = runs[-1]
            runs[-1] = _Run(s, last.length + 1, p.xx)
        else:
            runs.append(_Run(s, 1, p.xx))
    return runs


def _side(sign: int) -> str:
    return "high" if sign > 0 else "low"


def classify(
    result: ChartResult,
    direction: Direction | str,
    target: float | None = None,
    *,
    min_points: int = DEFAULT_MIN_POINTS,
) -> Classification:
    """Classify the last part of ``result`` (see the module docstring).

    ``target`` defaults to the target carried by the chart's points.
    """
    if direction not in DIRECTIONS:
        raise SPCError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
    summary = result.last_part
    points = result.part_points(summary.part)
    if target is None:
        target = next((p.target for p in points if p.target is not None), None)
    params: dict[str, Any] = {
        "n_useful": summary.n_useful,
        "min_points": min_points,
        "longest_run": summary.longest_run,
        "longest_run_max": summary.longest_run_max,
        "n_crossings": summary.n_crossings,
        "n_crossings_min": summary.n_crossings_min,
        "target": target,
    }

    if summary.n_useful < min_points:
        return Classification(
            variation="too_few_points",
            assurance=None,
            direction=direction,
            side=None,
            sources=(),
            part=summary.part,
            signal_xx=None,
            interpretation="spc.too_few_points",
            assurance_interpretation=None,
            params=params,
        )

    # (last xx, side, source) of each kind of signal
    candidates: list[tuple[int, int, str, str]] = []  # (xx, priority, side, source)
    sigma_points = [p for p in points if p.sigma_signal and p.include]
    params["sigma_points"] = len(sigma_points)
    if sigma_points:
        last = sigma_points[-1]
        high = last.ucl is not None and last.y is not None and last.y > last.ucl
        candidates.append((last.xx, 1, "high" if high else "low", "sigma"))
    if summary.runs_signal:
        runs = _runs(points)
        if runs:
            lr_max = summary.longest_run_max or 0
            long_runs = [r for r in runs if r.length > lr_max]
            if long_runs:
                run, source = long_runs[-1], "long_run"
            else:
                longest = max(r.length for r in runs)
                run = [r for r in runs if r.length == longest][-1]
                few = (summary.n_crossings or 0) < (summary.n_crossings_min or 0)
                source = "few_crossings" if few else "runs"
            candidates.append((run.last_xx, 0, _side(run.sign), source))

    if candidates:
        xx, _, side, _ = max(candidates)
        sources = tuple(c[3] for c in sorted(candidates, key=lambda c: (-c[0], -c[1])))
        if direction == "neither" or result.chart in _SPREAD_CHARTS:
            variation = "neither"
        elif (side == "high") == (direction == "up"):
            variation = "improvement"
        else:
            variation = "concern"
        interpretation = f"spc.special_cause.{variation}.{side}"
        signal_xx: int | None = xx
        side_out: str | None = side
    else:
        variation, interpretation, signal_xx, side_out, sources = (
            "common_cause",
            "spc.common_cause",
            None,
            None,
            (),
        )

    assurance: str | None = None
    if target is not None and direction in ("up", "down") and result.chart != "run":
        with_limits = [p for p in points if p.lcl is not None and p.ucl is not None]
        if with_limits:
            ref = with_limits[-1]
            assert ref.lcl is not None and ref.ucl is not None
            lcl, ucl = ref.lcl, ref.ucl
            params.update(lcl=lcl, ucl=ucl, cl=ref.cl, limits_xx=ref.xx)
            if direction == "up":
                met, missed = lcl >= target, ucl < target
            else:
                met, missed = ucl <= target, lcl > target
            assurance = "consistently_met" if met else "consistently_missed" if missed else "inconsistent"

    return Classification(
        variation=variation,
        assurance=assurance,
        direction=direction,
        side=side_out,
        sources=sources,
        part=summary.part,
        signal_xx=signal_xx,
        interpretation=interpretation,
        assurance_interpretation=None if assurance is None else f"spc.assurance.{assurance}",
        params=params,
    )
