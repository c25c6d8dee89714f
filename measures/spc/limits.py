"""Centre line and 3-sigma / 2-sigma limits per chart type, as qicharts2 0.8.1
defines them (see shared/spc-vectors/README.md, "Centre line and limits").

Each chart function works on ONE part of a chart for a batch of series at
once: every array has shape ``(B, L)`` (series x points of the part) and the
``base`` mask (baseline and included points) has shape ``(L,)``.  The
single-series engine calls them with ``B = 1``; :mod:`measures.spc.batch`
with many rows.  Arithmetic follows R's operation order so that limits are
bit-identical to qicharts2's where possible (a point exactly on a limit is
not a sigma signal).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np

from .errors import SPCError
from .rmath import BoolArray, FloatArray, r_mean, r_median, r_sd_strict, r_sum

__all__ = [
    "CHARTS",
    "CHART_TYPES",
    "LIMITLESS_CHARTS",
    "RATIO_CHARTS",
    "Finished",
    "Lines",
    "PartData",
    "compute_lines",
    "finish",
]

# Nelson's screening factor for moving ranges (D4 for n = 2) and d2 for n = 2.
MR_SCREEN: Final = 3.267
D2: Final = 1.128
# I' chart (Taylor): screening factor for the scaled moving ranges.
IP_SCREEN: Final = 3.2665
# t chart: Nelson's transformation of exponential/Weibull times to near-normal.
T_POWER: Final = 3.6
# g chart: theoretical median of a geometric distribution as a fraction of its mean.
G_MEDIAN_FACTOR: Final = 0.693

CHART_TYPES: Final = ("run", "i", "ip", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g")
RATIO_CHARTS: Final = frozenset({"p", "pp", "u", "up"})
LIMITLESS_CHARTS: Final = frozenset({"run"})


@dataclass(frozen=True, slots=True)
class PartData:
    """Aggregated values of one part (arrays ``(B, L)``) plus part settings."""

    y: FloatArray
    y_sum: FloatArray
    y_length: FloatArray
    y_mean: FloatArray
    y_sd: FloatArray
    n: FloatArray
    base: BoolArray
    cl_fixed: float | None = None
    categorical: bool = False
    screened: bool = True


@dataclass(frozen=True, slots=True)
class Lines:
    """Chart values of one part, all ``(B, L)``, before ``multiply``."""

    y: FloatArray
    n: FloatArray
    cl: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    lcl_95: FloatArray
    ucl_95: FloatArray


def _full(v: FloatArray, length: int) -> FloatArray:
    return np.repeat(np.asarray(v, dtype=np.float64).reshape(-1, 1), length, axis=1)


def _centre(d: PartData, compute: Callable[[], FloatArray]) -> FloatArray:
    if d.cl_fixed is not None and not math.isnan(d.cl_fixed):
        return np.full(d.y.shape[0], float(d.cl_fixed))
    return compute()


def _abs_diff(a: FloatArray) -> FloatArray:
    return np.abs(np.diff(a, axis=-1))


def _screened_mean(mr: FloatArray, factor: float, screened: bool) -> FloatArray:
    """Mean moving range; with screening, ranges >= factor * mean are dropped once."""
    amr = r_mean(mr)
    if screened:
        with np.errstate(invalid="ignore"):
            keep = mr < (factor * amr)[:, None]
        amr = r_mean(mr, keep)
    return amr


def _sym(cl: FloatArray, stdev: FloatArray, length: int) -> tuple[FloatArray, ...]:
    """(cl, lcl, ucl, lcl.95, ucl.95) for limits cl -/+ k * stdev."""
    cl2 = _full(cl, length) if cl.ndim == 1 else cl
    sd2 = _full(stdev, length) if stdev.ndim == 1 else stdev
    with np.errstate(invalid="ignore", over="ignore"):
        return cl2, cl2 - 3 * sd2, cl2 + 3 * sd2, cl2 - 2 * sd2, cl2 + 2 * sd2


def _floor_finite(a: FloatArray, lo: float = 0.0) -> FloatArray:
    with np.errstate(invalid="ignore"):
        return np.where((a < lo) & np.isfinite(a), lo, a)


def _cap_finite(a: FloatArray, hi: float = 1.0) -> FloatArray:
    with np.errstate(invalid="ignore"):
        return np.where((a > hi) & np.isfinite(a), hi, a)


def _lines(
    d: PartData,
    y: FloatArray,
    cl: FloatArray,
    lcl: FloatArray,
    ucl: FloatArray,
    lcl95: FloatArray,
    ucl95: FloatArray,
    n: FloatArray | None = None,
) -> Lines:
    return Lines(y=y, n=d.n if n is None else n, cl=cl, lcl=lcl, ucl=ucl, lcl_95=lcl95, ucl_95=ucl95)


# --------------------------------------------------------------------- charts


def chart_run(d: PartData) -> Lines:
    length = d.y.shape[1]
    cl = _centre(d, lambda: r_median(d.y[:, d.base]))
    nan = np.full(d.y.shape, np.nan)
    return _lines(d, d.y, _full(cl, length), nan, nan, nan.copy(), nan.copy())


def _i_core(y: FloatArray, d: PartData) -> tuple[FloatArray, FloatArray]:
    """I chart on ``y``: (cl, sigma).  Moving ranges run over the base points
    only, so an excluded or post-freeze point is bridged, while a missing y
    makes both of its moving ranges missing."""
    yb = y[:, d.base]
    cl = _centre(d, lambda: r_mean(yb))
    with np.errstate(invalid="ignore"):
        mr = _abs_diff(yb - cl[:, None])
    amr = _screened_mean(mr, MR_SCREEN, d.screened)
    return cl, amr / D2


def chart_i(d: PartData) -> Lines:
    cl, sd = _i_core(d.y, d)
    c, lo, hi, lo95, hi95 = _sym(cl, sd, d.y.shape[1])
    return _lines(d, d.y, c, lo, hi, lo95, hi95)


def chart_mr(d: PartData) -> Lines:
    bsz, length = d.y.shape
    y = np.concatenate([np.full((bsz, 1), np.nan), _abs_diff(d.y)], axis=1)[:, :length]
    cl = _full(_centre(d, lambda: r_mean(y[:, d.base])), length)
    zero = np.zeros((bsz, length))
    return _lines(d, y, cl, zero, MR_SCREEN * cl, zero.copy(), (MR_SCREEN / 3) * 2 * cl)


def chart_t(d: PartData) -> Lines:
    with np.errstate(invalid="ignore"):
        if np.any(d.y <= 0):
            raise SPCError("Time between events must be greater than zero")
        z = np.power(d.y, 1 / T_POWER)
    # A supplied cl enters the I chart untransformed and is then raised to
    # 3.6 like the computed one (qicharts2 behaviour, kept for conformance).
    cl, sd = _i_core(z, d)
    c, lo, hi, lo95, hi95 = _sym(cl, sd, d.y.shape[1])
    with np.errstate(invalid="ignore", over="ignore"):
        y, c, lo, hi, lo95, hi95 = (np.power(a, T_POWER) for a in (z, c, lo, hi, lo95, hi95))
        # A negative lower limit on the transformed scale has no real 3.6th
        # power: the 3-sigma LCL becomes 0, the 2-sigma one stays missing.
        lo = np.where((lo < 0) | np.isnan(lo), 0.0, lo)
    return _lines(d, y, c, lo, hi, lo95, hi95)


def _weighted_rate(d: PartData) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return r_sum(d.y_sum[:, d.base]) / r_sum(d.n[:, d.base])


def _laney_sigma_z(d: PartData, cl: FloatArray, stdev: FloatArray) -> FloatArray:
    """Laney's between-subgroup factor: spread of the standardised base values."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (d.y[:, d.base] - cl[:, None]) / stdev[:, d.base]
    if d.categorical:
        # No natural order: moving ranges are meaningless, use the SD (no na.rm).
        return r_sd_strict(z)
    return _screened_mean(_abs_diff(z), MR_SCREEN, d.screened) / D2


def chart_p(d: PartData, laney: bool = False) -> Lines:
    length = d.y.shape[1]
    cl = _centre(d, lambda: _weighted_rate(d))
    cl2 = _full(cl, length)
    with np.errstate(invalid="ignore", divide="ignore"):
        stdev = np.sqrt(cl2 * (1 - cl2) / d.n)
        if laney:
            stdev = stdev * _laney_sigma_z(d, cl, stdev)[:, None]
    c, lo, hi, lo95, hi95 = _sym(cl2, stdev, length)
    return _lines(d, d.y, c, _floor_finite(lo), _cap_finite(hi), _floor_finite(lo95), _cap_finite(hi95))


def chart_pp(d: PartData) -> Lines:
    return chart_p(d, laney=True)


def chart_c(d: PartData) -> Lines:
    y = d.y_sum
    length = y.shape[1]
    cl = _centre(d, lambda: r_mean(y[:, d.base]))
    with np.errstate(invalid="ignore"):
        stdev = np.sqrt(cl)
    c, lo, hi, lo95, hi95 = _sym(cl, stdev, length)
    return _lines(d, y, c, _floor_finite(lo), hi, _floor_finite(lo95), hi95)


def chart_u(d: PartData, laney: bool = False) -> Lines:
    length = d.y.shape[1]
    cl = _centre(d, lambda: _weighted_rate(d))
    cl2 = _full(cl, length)
    with np.errstate(invalid="ignore", divide="ignore"):
        stdev = np.sqrt(cl2 / d.n)
        if laney:
            stdev = stdev * _laney_sigma_z(d, cl, stdev)[:, None]
    c, lo, hi, lo95, hi95 = _sym(cl2, stdev, length)
    return _lines(d, d.y, c, _floor_finite(lo), hi, _floor_finite(lo95), hi95)


def chart_up(d: PartData) -> Lines:
    return chart_u(d, laney=True)


def chart_g(d: PartData) -> Lines:
    length = d.y.shape[1]
    yb = d.y[:, d.base]
    fixed = d.cl_fixed is not None and not math.isnan(d.cl_fixed)
    m = _centre(d, lambda: r_mean(yb))
    with np.errstate(invalid="ignore"):
        stdev = np.sqrt(m * (m + 1))
    _, lo, hi, lo95, hi95 = _sym(m, stdev, length)
    with np.errstate(invalid="ignore"):
        lo = np.where(lo < 0, 0.0, lo)
        lo95 = np.where(lo95 < 0, 0.0, lo95)
    # Limits come from the geometric mean, but the line drawn (and used for
    # the runs analysis) is the median, because g data are very skewed.
    shown = G_MEDIAN_FACTOR * m if fixed else r_median(yb)
    return _lines(d, d.y, _full(shown, length), lo, hi, lo95, hi95)


def chart_ip(d: PartData) -> Lines:
    length = d.y.shape[1]
    all_na = np.all(np.isnan(d.n), axis=1, keepdims=True)
    n = np.where(all_na, d.y_length, d.n)
    y = d.y

    def _cl() -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return r_sum(y[:, d.base] * n[:, d.base]) / r_sum(n[:, d.base])

    cl = _centre(d, _cl)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Scaled moving ranges over ALL points of the part (not only the base).
        d1 = _abs_diff(y)
        d2 = np.sqrt((1 / n[:, :-1]) + (1 / n[:, 1:]))
        s = math.sqrt(math.pi / 2) * d1 / d2
        mean_s = _screened_mean(s, IP_SCREEN, d.screened)
        stdev = mean_s[:, None] * np.sqrt(1 / n)
    c, lo, hi, lo95, hi95 = _sym(_full(cl, length), stdev, length)
    return _lines(d, y, c, lo, hi, lo95, hi95, n=n)


# ------------------------------------------------ subgroup charts (xbar, s)


@lru_cache(maxsize=1024)
def _c4(n: int) -> float:
    if n <= 1:
        return math.nan
    return math.sqrt(2 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def _const(n: FloatArray, f: Callable[[int], float]) -> FloatArray:
    out = np.full(n.shape, np.nan)
    for v in np.unique(n[~np.isnan(n)]).tolist():
        out[n == v] = f(int(v))
    return out


def _a3(k: float) -> Callable[[int], float]:
    return lambda n: math.nan if n <= 1 else k / (_c4(n) * math.sqrt(n))


def _c5(n: int) -> float:
    c4 = _c4(n)
    return math.sqrt(1 - c4 * c4)


def _b3(k: float) -> Callable[[int], float]:
    return lambda n: math.nan if n <= 1 else max(0.0, 1 - k * _c5(n) / _c4(n))


def _b4(k: float) -> Callable[[int], float]:
    return lambda n: math.nan if n <= 1 else 1 + k * _c5(n) / _c4(n)


def _subgroup_sigma(d: PartData) -> FloatArray:
    """Pooled SD when subgroup sizes vary anywhere in the part, else mean SD.

    A subgroup whose values are all missing has size 0 and contributes -1 to
    the pooled denominator (qicharts2 quirk, kept).
    """
    ln = d.y_length
    var_n = np.array([np.unique(row).size > 1 for row in ln])
    lb, sb = ln[:, d.base], d.y_sd[:, d.base]
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(r_sum((lb - 1) * (sb * sb)) / r_sum(lb - 1))
    return np.where(var_n, pooled, r_mean(sb))


def chart_xbar(d: PartData) -> Lines:
    length = d.y.shape[1]
    ln = d.y_length

    def _grand_mean() -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return r_sum(ln[:, d.base] * d.y_mean[:, d.base]) / r_sum(ln[:, d.base])

    cl = _full(_centre(d, _grand_mean), length)
    stdev = _full(_subgroup_sigma(d), length)
    a3, a3_95 = _const(ln, _a3(3.0)), _const(ln, _a3(2.0))
    with np.errstate(invalid="ignore"):
        return _lines(d, d.y, cl, cl - a3 * stdev, cl + a3 * stdev, cl - a3_95 * stdev, cl + a3_95 * stdev)


def chart_s(d: PartData) -> Lines:
    length = d.y.shape[1]
    ln = d.y_length
    cl = _full(_centre(d, lambda: _subgroup_sigma(d)), length)
    with np.errstate(invalid="ignore"):
        return _lines(
            d,
            d.y_sd,
            cl,
            _const(ln, _b3(3.0)) * cl,
            _const(ln, _b4(3.0)) * cl,
            _const(ln, _b3(2.0)) * cl,
            _const(ln, _b4(2.0)) * cl,
        )


CHARTS: Final[dict[str, Callable[[PartData], Lines]]] = {
    "run": chart_run,
    "i": chart_i,
    "ip": chart_ip,
    "mr": chart_mr,
    "xbar": chart_xbar,
    "s": chart_s,
    "t": chart_t,
    "p": chart_p,
    "pp": chart_pp,
    "c": chart_c,
    "u": chart_u,
    "up": chart_up,
    "g": chart_g,
}


def compute_lines(chart: str, d: PartData) -> Lines:
    try:
        fn = CHARTS[chart]
    except KeyError:
        raise SPCError(f"unknown chart type {chart!r}; expected one of {', '.join(CHART_TYPES)}") from None
    return fn(d)


@dataclass(frozen=True, slots=True)
class Finished:
    """Whole-series values after ``multiply``, limit cleaning and sigma signals."""

    y: FloatArray
    cl: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    lcl_95: FloatArray
    ucl_95: FloatArray
    sigma_signal: BoolArray


def finish(
    y: FloatArray,
    cl: FloatArray,
    lcl: FloatArray,
    ucl: FloatArray,
    lcl_95: FloatArray,
    ucl_95: FloatArray,
    multiply: float,
    y_neg: bool,
) -> Finished:
    """Steps 6-10 of the qicharts2 pipeline on ``(B, T)`` arrays (all parts).

    The runs analysis has already been done on the unscaled values, so
    ``multiply`` cannot change a signal.
    """
    m = float(multiply)
    with np.errstate(invalid="ignore", over="ignore"):
        y2, cl2 = y * m, cl * m
        lims = [a * m for a in (lcl, ucl, lcl_95, ucl_95)]
    # Limits of missing subgroups (or zero denominators) are not drawn.
    lo, hi, lo95, hi95 = (np.where(np.isfinite(a), a, np.nan) for a in lims)
    with np.errstate(invalid="ignore"):
        sigma = (y2 > hi) | (y2 < lo)
        if not y_neg:
            # Only for series without negative values; applied after the sigma
            # signals, like qicharts2 (a y >= 0 cannot be below a negative LCL).
            nonneg = ~np.any(y2 < 0, axis=-1, keepdims=True)
            lo = np.where(nonneg & (lo < 0), 0.0, lo)
            lo95 = np.where(nonneg & (lo95 < 0), 0.0, lo95)
    return Finished(y=y2, cl=cl2, lcl=lo, ucl=hi, lcl_95=lo95, ucl_95=hi95, sigma_signal=sigma)
