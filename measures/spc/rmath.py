"""R-compatible reductions (sum, mean, median, sd) vectorised over leading axes.

Why this module exists: a point that lies exactly on the centre line is dropped
from the runs analysis, so the *last bit* of the centre line decides n.useful.
R accumulates ``sum()`` and ``mean()`` sequentially in C ``long double``
(x87 80-bit extended precision on x86-64) and ``mean()`` adds a second
correction pass.  For data such as ``[0.1, 0.2, 0.3]`` R's mean is exactly
``0.2`` (so the middle point is "on the line") while naive double arithmetic
gives ``0.20000000000000004``.  We therefore emulate R's algorithms with
``numpy.longdouble`` and *sequential* accumulation (``cumsum``; numpy's
``sum`` is pairwise and would round differently).

Every function reduces over the last axis and takes an optional boolean
``mask`` of the same shape: ``True`` = the element takes part (R's
``na.rm = TRUE`` drops NA and NaN, which is the default mask).  Masked-out
elements are replaced by zeros, which leaves a sequential sum bit-identical
to summing the compressed vector.  Because the single-series engine and the
batch engine call these same kernels, their results are bit-identical.

On platforms where ``long double`` is plain double (e.g. Windows, macOS arm64)
results can differ from R in the last bit; ties on the centre line are then
not guaranteed to match qicharts2.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "LONG_DOUBLE_IS_EXTENDED",
    "FloatArray",
    "BoolArray",
    "r_sum",
    "r_mean",
    "r_median",
    "r_sd",
    "r_sd_strict",
    "qbinom_05_half",
    "longest_run_max",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_LD = np.longdouble
LONG_DOUBLE_IS_EXTENDED: bool = np.finfo(np.longdouble).nmant >= 63


def _mask(x: FloatArray, mask: BoolArray | None) -> BoolArray:
    notna = ~np.isnan(x)
    return notna if mask is None else (mask & notna)


def _seq_sum_ld(xl: NDArray[np.longdouble]) -> NDArray[np.longdouble]:
    """Sequential (left-to-right) long double sum over the last axis."""
    if xl.shape[-1] == 0:
        return np.zeros(xl.shape[:-1], dtype=_LD)
    return np.cumsum(xl, axis=-1)[..., -1]


def r_sum(x: FloatArray, mask: BoolArray | None = None) -> FloatArray:
    """R's ``sum(x, na.rm = TRUE)``: sequential long double sum, rounded once."""
    m = _mask(x, mask)
    xl = np.where(m, x, 0.0).astype(_LD)
    with np.errstate(all="ignore"):
        return _seq_sum_ld(xl).astype(np.float64)


def r_mean(x: FloatArray, mask: BoolArray | None = None) -> FloatArray:
    """R's ``mean(x, na.rm = TRUE)`` (two-pass long double algorithm of summary.c).

    An empty selection gives NaN, as in R.
    """
    m = _mask(x, mask)
    k = m.sum(axis=-1).astype(_LD)
    xl = np.where(m, x, 0.0).astype(_LD)
    with np.errstate(all="ignore"):
        s = _seq_sum_ld(xl) / k
        fin = np.isfinite(s.astype(np.float64))
        dev = np.where(m, xl - s[..., None], _LD(0.0))
        t = _seq_sum_ld(dev)
        s = np.where(fin, s + t / k, s)
        return s.astype(np.float64)


def _mean2(a: FloatArray, b: FloatArray) -> FloatArray:
    """R's mean() of the two middle order statistics (median of an even count)."""
    al = a.astype(_LD)
    bl = b.astype(_LD)
    with np.errstate(all="ignore"):
        s = (al + bl) / _LD(2.0)
        fin = np.isfinite(s.astype(np.float64))
        t = (al - s) + (bl - s)
        s = np.where(fin, s + t / _LD(2.0), s)
        return s.astype(np.float64)


def r_median(x: FloatArray, mask: BoolArray | None = None) -> FloatArray:
    """R's ``median(x, na.rm = TRUE)``; NaN when nothing is left."""
    m = _mask(x, mask)
    xs = np.sort(np.where(m, x, np.nan), axis=-1)  # NaN sorts last
    k = m.sum(axis=-1)
    if xs.shape[-1] == 0:
        return np.full(xs.shape[:-1], np.nan)
    half = (k + 1) // 2  # 1-based index of the lower middle element
    lo_idx = np.clip(half - 1, 0, xs.shape[-1] - 1)
    hi_idx = np.clip(half, 0, xs.shape[-1] - 1)
    lo = np.take_along_axis(xs, lo_idx[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(xs, hi_idx[..., None], axis=-1)[..., 0]
    out = np.where(k % 2 == 1, lo, _mean2(lo, hi))
    return np.where(k == 0, np.nan, out)


def r_sd(x: FloatArray, mask: BoolArray | None = None) -> FloatArray:
    """R's ``sd(x, na.rm = TRUE)`` (cov.c: two-pass mean, long double sums).

    Fewer than two values give NaN (R: NA).  For R's ``sd(x)`` *without*
    ``na.rm`` use :func:`r_sd_strict`.
    """
    m = _mask(x, mask)
    k = m.sum(axis=-1)
    kl = k.astype(_LD)
    xl = np.where(m, x, 0.0).astype(_LD)
    with np.errstate(all="ignore"):
        tmp = _seq_sum_ld(xl) / kl
        fin = np.isfinite(tmp.astype(np.float64))
        corr = _seq_sum_ld(np.where(m, xl - tmp[..., None], _LD(0.0)))
        tmp = np.where(fin, tmp + corr / kl, tmp)
        xm = tmp.astype(np.float64).astype(_LD)  # the mean is stored as a double
        d = np.where(m, xl - xm[..., None], _LD(0.0))
        ss = _seq_sum_ld(d * d)
        var = (ss / (kl - _LD(1.0))).astype(np.float64)
        out = np.sqrt(var)
    return np.where(k < 2, np.nan, out)


def r_sd_strict(x: FloatArray) -> FloatArray:
    """R's ``sd(x)`` without ``na.rm``: any NA/NaN makes the result NA."""
    out = r_sd(x)
    return np.where(np.isnan(x).any(axis=-1), np.nan, out)


# R's qbinom() shifts p down by 64 machine epsilons "to ensure left continuity";
# reproduce that threshold exactly (it is a double computed in double arithmetic).
_QBINOM_P = Fraction(0.05 * (1 - 64 * 2.220446049250313e-16))


@lru_cache(maxsize=4096)
def qbinom_05_half(size: int) -> int:
    """``qbinom(0.05, size, 0.5)`` computed exactly with integer binomial sums.

    The smallest k with P(Binomial(size, 1/2) <= k) >= 0.05.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    total = 1 << size
    cum = 0
    for k in range(size + 1):
        cum += math.comb(size, k)
        if Fraction(cum, total) >= _QBINOM_P:
            return k
    return size  # pragma: no cover - the loop always returns


@lru_cache(maxsize=4096)
def longest_run_max(n_useful: int) -> int:
    """Anhøj/Schilling upper limit for the longest run: round(log2(n)) + 3.

    log2 of an integer is never exactly x.5, so Python's round-half-even and
    R's round agree.
    """
    return round(math.log2(n_useful)) + 3
