"""Vectorised batch entry point for the common monthly case: many series of
the same chart type, one point per x, a single part, optional freeze and
exclude shared by all series.

Every step runs on ``(B, T)`` arrays with the same kernels as the
single-series engine (:mod:`.limits`, :mod:`.runs`, :mod:`.rmath`), so row
``b`` of a batch is bit-identical to ``compute_chart(chart, None, ys[b],
ns[b], ...)``.  Charts that need subgroups (xbar, s) are not offered here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .engine import AGG_FUNS, ChartResult, PartSummary, Point
from .errors import SPCError
from .limits import PartData, compute_lines, finish
from .rmath import BoolArray, FloatArray, r_mean
from .runs import METHODS, runs_analysis, runs_messages

__all__ = ["BATCH_CHARTS", "BatchResult", "compute_charts", "run_batch"]

BATCH_CHARTS: Final = ("run", "i", "ip", "mr", "t", "p", "pp", "c", "u", "up", "g")
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Arrays for ``B`` series of ``T`` points (NaN = missing).

    Per point ``(B, T)``: y, n, y_sum, cl, lcl, ucl, lcl_95, ucl_95,
    sigma_signal.  Shared ``(T,)``: baseline, include.  Per series ``(B,)``:
    runs statistics (read ``longest_run``, ``longest_run_max``,
    ``n_crossings``, ``n_crossings_min`` only where ``runs_defined``), the
    runs signal, the number of sigma signals and the average lines.
    """

    chart: str
    method: str
    multiply: float
    y: FloatArray
    n: FloatArray
    y_sum: FloatArray
    cl: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    lcl_95: FloatArray
    ucl_95: FloatArray
    sigma_signal: BoolArray
    baseline: BoolArray
    include: BoolArray
    n_obs: IntArray
    n_useful: IntArray
    longest_run: IntArray
    longest_run_max: IntArray
    n_crossings: IntArray
    n_crossings_min: IntArray
    runs_defined: BoolArray
    runs_signal: BoolArray
    sigma_count: IntArray
    cl_mean: FloatArray
    alcl: FloatArray
    alcl_95: FloatArray
    aucl_95: FloatArray
    aucl: FloatArray

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def part_summary(self, i: int) -> PartSummary:
        """Series ``i`` as the :class:`PartSummary` the single engine returns."""
        d = bool(self.runs_defined[i])

        def opt_i(a: IntArray) -> int | None:
            return int(a[i]) if d else None

        def opt_f(a: FloatArray) -> float | None:
            v = float(a[i])
            return None if math.isnan(v) else v

        return PartSummary(
            part=1,
            first_xx=1,
            last_xx=int(self.y.shape[1]),
            n_obs=int(self.n_obs[i]),
            n_useful=int(self.n_useful[i]),
            longest_run=opt_i(self.longest_run),
            longest_run_max=opt_i(self.longest_run_max),
            n_crossings=opt_i(self.n_crossings),
            n_crossings_min=opt_i(self.n_crossings_min),
            runs_signal=bool(self.runs_signal[i]),
            sigma_signal=int(self.sigma_count[i]),
            cl=opt_f(self.cl_mean),
            alcl=opt_f(self.alcl),
            alcl_95=opt_f(self.alcl_95),
            aucl_95=opt_f(self.aucl_95),
            aucl=opt_f(self.aucl),
        )


def _as_2d(a: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.array(a, dtype=np.float64)  # None -> NaN for object input
    except (TypeError, ValueError) as exc:
        raise SPCError(f"{name} must be numeric: {exc}") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise SPCError(f"{name} must be a 2-D array (series x points); got shape {arr.shape}")
    return arr


def run_batch(
    ys: ArrayLike,
    ns: ArrayLike | None = None,
    chart: str = "run",
    *,
    freeze: float | None = None,
    exclude: Sequence[int] | None = None,
    multiply: float = 1,
    cl: float | None = None,
    y_neg: bool = True,
    method: str = "anhoej",
    screened_mr: bool = True,
    agg_fun: str = "mean",
) -> BatchResult:
    """Compute ``B`` charts of ``T`` points at once (``ys`` shape ``(B, T)``).

    Same arguments and semantics as :func:`measures.spc.compute_chart` for
    x = 1..T; ``freeze``/``exclude``/``cl`` apply to every series.
    """
    if chart not in BATCH_CHARTS:
        raise SPCError(
            f"chart {chart!r} is not available in batch mode; use one of {', '.join(BATCH_CHARTS)}"
        )
    if method not in METHODS:
        raise SPCError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if agg_fun not in AGG_FUNS:
        raise SPCError(f"agg_fun must be one of {', '.join(AGG_FUNS)}; got {agg_fun!r}")
    y = _as_2d(ys, "ys")
    bsz, t = y.shape
    if t == 0:
        raise SPCError("no data: series have no points")
    got_n = ns is not None
    if got_n:
        n = _as_2d(ns, "ns")
        if n.shape != y.shape:
            raise SPCError(f"ns has shape {n.shape} but ys has {y.shape}")
        blank = np.isnan(y) | np.isnan(n)
        y = np.where(blank, np.nan, y)
        n = np.where(blank, 0.0, n)  # the sum of a blank row's n is 0
    miss = np.isnan(y)
    y0 = np.where(miss, 0.0, y)
    if got_n:
        with np.errstate(invalid="ignore", divide="ignore"):
            yv = y0 / n
    else:
        n = np.full(y.shape, np.nan)
        yv = {"mean": y, "median": y, "sum": y0, "sd": np.full(y.shape, np.nan)}[agg_fun]

    xx = np.arange(1, t + 1)
    baseline = xx <= (math.inf if freeze is None else float(freeze))
    excl = {float(e) for e in (exclude or ())}
    include = np.array([float(i) not in excl for i in xx], dtype=bool)
    pdata = PartData(
        y=yv,
        y_sum=y,
        y_length=(~miss).astype(np.float64),
        y_mean=y,
        y_sd=np.full(y.shape, np.nan),
        n=n,
        base=baseline & include,
        cl_fixed=None if cl is None else float(cl),
        categorical=False,
        screened=screened_mr,
    )
    lines = compute_lines(chart, pdata)
    stats = runs_analysis(lines.y, lines.cl, include, method)
    fin = finish(lines.y, lines.cl, lines.lcl, lines.ucl, lines.lcl_95, lines.ucl_95, multiply, y_neg)
    runs_signal = stats.runs_signal & (chart != "mr")
    # one at a time: r_mean works in long double, stacking would multiply the peak memory
    means = [r_mean(a) for a in (fin.lcl, fin.lcl_95, fin.cl, fin.ucl_95, fin.ucl)]
    return BatchResult(
        chart=chart,
        method=method,
        multiply=float(multiply),
        y=fin.y,
        n=lines.n,
        y_sum=y,
        cl=fin.cl,
        lcl=fin.lcl,
        ucl=fin.ucl,
        lcl_95=fin.lcl_95,
        ucl_95=fin.ucl_95,
        sigma_signal=fin.sigma_signal,
        baseline=baseline,
        include=include,
        n_obs=stats.n_obs,
        n_useful=stats.n_useful,
        longest_run=stats.longest_run,
        longest_run_max=stats.longest_run_max,
        n_crossings=stats.n_crossings,
        n_crossings_min=stats.n_crossings_min,
        runs_defined=stats.defined,
        runs_signal=runs_signal,
        sigma_count=fin.sigma_signal.sum(axis=1).astype(np.int64),
        cl_mean=means[2],
        alcl=means[0],
        alcl_95=means[1],
        aucl_95=means[3],
        aucl=means[4],
    )


def compute_charts(
    chart: str,
    x: Sequence[object],
    ys: ArrayLike,
    ns: ArrayLike | None = None,
    *,
    freeze: float | None = None,
    exclude: Sequence[int] | None = None,
    multiply: float = 1,
    method: str = "anhoej",
    screened_mr: bool = True,
) -> list[ChartResult]:
    """``B`` single-part charts on one shared, strictly increasing x (one point per x): for each
    series the :class:`ChartResult` that ``compute_chart(chart, x, ys[b], ns[b], freeze=...,
    exclude=..., multiply=...)`` returns, equal field for field, computed by :func:`run_batch`.

    The pipeline's entry point: a network's monthly series of one indicator mostly share their
    months and settings, so the numerics run once per group instead of once per series.
    """
    xs = list(x)
    if any(a is None or b is None or not a < b for a, b in zip(xs, xs[1:], strict=False)):
        raise SPCError("x must be strictly increasing without missing values in batch mode")
    if chart not in BATCH_CHARTS:
        raise SPCError(
            f"chart {chart!r} is not available in batch mode; use one of {', '.join(BATCH_CHARTS)}"
        )
    batch = run_batch(
        ys,
        ns,
        chart,
        freeze=freeze,
        exclude=exclude,
        multiply=multiply,
        method=method,
        screened_mr=screened_mr,
    )
    if batch.y.shape[1] != len(xs):
        raise SPCError(f"x has {len(xs)} values but the series have {batch.y.shape[1]}")
    base = batch.baseline.tolist()
    inc = batch.include.tolist()

    def nullable(a: FloatArray) -> list[list[float | None]]:
        # NaN -> None for the whole array at once (not one call per number).
        return np.where(np.isnan(a), None, a).tolist()

    rows = {
        name: nullable(getattr(batch, name))
        for name in ("y", "n", "y_sum", "cl", "lcl", "ucl", "lcl_95", "ucl_95")
    }
    sigma = batch.sigma_signal.tolist()
    present = (~np.isnan(batch.y_sum)).astype(np.int64).tolist()
    xx = list(range(1, len(xs) + 1))
    results = []
    for b in range(len(batch)):
        summary = batch.part_summary(b)
        rs = summary.runs_signal
        points = tuple(
            Point(
                x=x_i,
                y=y_i,
                n=n_i,
                y_sum=s_i,
                y_length=len_i,
                cl=cl_i,
                lcl=lcl_i,
                ucl=ucl_i,
                lcl_95=lcl95_i,
                ucl_95=ucl95_i,
                target=None,
                part=1,
                xx=xx_i,
                baseline=base_i,
                include=inc_i,
                runs_signal=rs,
                sigma_signal=sig_i,
            )
            for x_i, y_i, n_i, s_i, len_i, cl_i, lcl_i, ucl_i, lcl95_i, ucl95_i, xx_i, base_i, inc_i, sig_i in zip(
                xs,
                rows["y"][b],
                rows["n"][b],
                rows["y_sum"][b],
                present[b],
                rows["cl"][b],
                rows["lcl"][b],
                rows["ucl"][b],
                rows["lcl_95"][b],
                rows["ucl_95"][b],
                xx,
                base,
                inc,
                sigma[b],
                strict=True,
            )
        )
        results.append(
            ChartResult(
                chart=chart,
                points=points,
                parts=(summary,),
                method=method,
                screened_mr=screened_mr,
                multiply=float(multiply),
                categorical=False,
                messages=tuple(runs_messages(summary.n_useful, method)),
            )
        )
    return results
