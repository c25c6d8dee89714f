"""Anhøj runs analysis (longest run, number of crossings) and the
experimental bestbox/cutbox signal rules of qicharts2 0.8.

All functions are vectorised over a leading batch axis: ``y`` and ``cl`` have
shape ``(B, L)`` (one row per series, one column per point of a part) and the
``include`` mask has shape ``(L,)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Final

import numpy as np
from numpy.typing import NDArray

from .errors import SPCError
from .rmath import BoolArray, FloatArray, longest_run_max, qbinom_05_half

__all__ = [
    "METHODS",
    "RunsStats",
    "anhoej_limits",
    "box_bounds",
    "runs_analysis",
    "runs_messages",
    "runs_signal_rule",
]

METHODS: Final = ("anhoej", "bestbox", "cutbox")
IntArray = NDArray[np.int64]

# bestbox/cutbox only have tables for 10..100 useful observations; outside
# that range qicharts2 falls back to the Anhøj rules.
BOX_MIN: Final = 10
BOX_MAX: Final = 100


def anhoej_limits(n_useful: int) -> tuple[int, int]:
    """(longest.run.max, n.crossings.min) for ``n_useful`` >= 1 useful points.

    The crossings limit is the 5th percentile of Binomial(n_useful - 1, 1/2),
    computed exactly (see :func:`measures.spc.rmath.qbinom_05_half`).
    """
    if n_useful < 1:
        raise ValueError("n_useful must be >= 1")
    return longest_run_max(n_useful), qbinom_05_half(n_useful - 1)


@dataclass(frozen=True, slots=True)
class BoxBounds:
    cb: int
    lb: int
    cbord: int | None
    lbord: int | None


@lru_cache(maxsize=1)
def _box_table() -> dict[int, BoxBounds]:
    raw = json.loads(resources.files(__package__).joinpath("anhoej_limits.json").read_text("utf-8"))
    bb = raw["box_bounds"]
    return {
        int(n): BoxBounds(
            int(cb), int(lb), None if cbo is None else int(cbo), None if lbo is None else int(lbo)
        )
        for n, cb, lb, cbo, lbo in zip(bb["n"], bb["cb"], bb["lb"], bb["cbord"], bb["lbord"], strict=True)
    }


def box_bounds(n_useful: int) -> BoxBounds | None:
    """bestbox/cutbox bounds for ``n_useful`` (None outside 10..100)."""
    return _box_table().get(n_useful)


@lru_cache(maxsize=1)
def _box_arrays() -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Dense lookup arrays indexed by n (0..BOX_MAX); -1 marks 'no border pair'."""
    cb = np.full(BOX_MAX + 1, -1, dtype=np.int64)
    lb = cb.copy()
    cbord = cb.copy()
    lbord = cb.copy()
    for n, b in _box_table().items():
        cb[n], lb[n] = b.cb, b.lb
        if b.cbord is not None and b.lbord is not None:
            cbord[n], lbord[n] = b.cbord, b.lbord
    return cb, lb, cbord, lbord


def _limit_arrays(n_useful: IntArray) -> tuple[IntArray, IntArray]:
    uniq = np.unique(n_useful[n_useful > 0])
    lr = np.zeros(n_useful.shape, dtype=np.int64)
    cr = np.zeros(n_useful.shape, dtype=np.int64)
    for n in uniq.tolist():
        a, b = anhoej_limits(int(n))
        sel = n_useful == n
        lr[sel] = a
        cr[sel] = b
    return lr, cr


@dataclass(frozen=True, slots=True)
class RunsStats:
    """Per-series runs statistics of one part (arrays of shape ``(B,)``).

    Where ``defined`` is False (no useful point) the integer statistics are 0
    and must be read as missing (qicharts2 reports NA).
    """

    n_obs: IntArray
    n_useful: IntArray
    longest_run: IntArray
    longest_run_max: IntArray
    n_crossings: IntArray
    n_crossings_min: IntArray
    runs_signal: BoolArray
    defined: BoolArray


def _signal(
    n_useful: IntArray,
    crossings: IntArray,
    longest: IntArray,
    lr_max: IntArray,
    cr_min: IntArray,
    method: str,
) -> BoolArray:
    anhoej = ~((crossings >= cr_min) & (longest <= lr_max))
    if method == "anhoej":
        return anhoej
    in_box = (n_useful >= BOX_MIN) & (n_useful <= BOX_MAX)
    idx = np.where(in_box, n_useful, 0)
    cb_t, lb_t, cbord_t, lbord_t = _box_arrays()
    cb, lb = cb_t[idx], lb_t[idx]
    best = ~((crossings >= cb) & (longest <= lb))
    if method == "bestbox":
        return np.where(in_box, best, anhoej)
    # cutbox: where a border pair exists, the no-signal region is the union of
    # three boxes hugging the bestbox corner; otherwise it is plain bestbox.
    cbord, lbord = cbord_t[idx], lbord_t[idx]
    has_border = cbord >= 0
    no_signal = (
        ((crossings >= cb + 1) & (longest <= lb - 1))
        | ((crossings == cb) & (longest <= lbord))
        | ((crossings >= cbord) & (longest <= lb))
    )
    cut = np.where(has_border, ~no_signal, best)
    return np.where(in_box, cut, anhoej)


def runs_analysis(y: FloatArray, cl: FloatArray, include: BoolArray, method: str = "anhoej") -> RunsStats:
    """Anhøj runs analysis of each row of ``y`` against ``cl``.

    Uses every included point (baseline or not).  Points on the centre line
    and missing values are dropped *without* breaking a run: the remaining
    signs are simply concatenated, as qicharts2 does.
    """
    if method not in METHODS:
        raise SPCError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    y2 = np.atleast_2d(y)
    bsz, length = y2.shape
    with np.errstate(invalid="ignore"):
        s = np.sign(y2 - cl)
    s = np.where(np.isnan(s), 0.0, s)
    s = np.where(include, s, 0.0).astype(np.int8)
    useful = s != 0
    n_useful = useful.sum(axis=1).astype(np.int64)
    n_obs = np.full(bsz, int(np.count_nonzero(include)), dtype=np.int64)

    # int32 index arrays: these temporaries dominate the batch's peak memory
    pos = np.arange(length, dtype=np.int32)
    minus1 = np.int32(-1)
    last_idx = (
        np.maximum.accumulate(np.where(useful, pos, minus1), axis=1)
        if length
        else np.zeros((bsz, 0), np.int32)
    )
    prev = np.concatenate([np.full((bsz, 1), minus1), last_idx[:, :-1]], axis=1) if length else last_idx
    prev_sign = np.take_along_axis(s, np.clip(prev, 0, None), axis=1) if length else s
    prev_sign = np.where(prev >= 0, prev_sign, 0)
    change = useful & (prev >= 0) & (prev_sign != s)
    start = useful & ((prev < 0) | change)
    n_crossings = change.sum(axis=1).astype(np.int64)
    count = np.cumsum(useful, axis=1, dtype=np.int32)
    start_count = np.maximum.accumulate(np.where(start, count, np.int32(0)), axis=1) if length else count
    run_len = np.where(useful, count - start_count + 1, 0)
    longest = run_len.max(axis=1).astype(np.int64) if length else np.zeros(bsz, np.int64)

    defined = n_useful > 0
    lr_max, cr_min = _limit_arrays(n_useful)
    signal = _signal(n_useful, n_crossings, longest, lr_max, cr_min, method) & defined
    zero = np.zeros(bsz, dtype=np.int64)
    return RunsStats(
        n_obs=n_obs,
        n_useful=n_useful,
        longest_run=np.where(defined, longest, zero),
        longest_run_max=np.where(defined, lr_max, zero),
        n_crossings=np.where(defined, n_crossings, zero),
        n_crossings_min=np.where(defined, cr_min, zero),
        runs_signal=signal,
        defined=defined,
    )


def runs_messages(n_useful: int, method: str) -> list[str]:
    """The informational messages qicharts2 prints for one part's runs analysis."""
    if method == "anhoej" or n_useful == 0:
        return []
    if n_useful < BOX_MIN or n_useful > BOX_MAX:
        return [
            'Best box and cut box computations only available for n between 10 and 100. Using method = "anhoej"'
        ]
    return [f"Runs analysis using {method} method"]


def runs_signal_rule(n_useful: int, n_crossings: int, longest_run: int, method: str = "anhoej") -> bool:
    """Scalar form of the signal rule: True = non-random variation.

    ``anhoej``: longest run > round(log2(n)) + 3 or crossings < qbinom(0.05,
    n - 1, 1/2).  ``bestbox``/``cutbox`` use their tables for 10 <= n <= 100
    and fall back to Anhøj elsewhere.
    """
    if method not in METHODS:
        raise SPCError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if n_useful < 1:
        return False
    nu = np.array([n_useful], dtype=np.int64)
    lr, cr = _limit_arrays(nu)
    return bool(
        _signal(
            nu,
            np.array([n_crossings], dtype=np.int64),
            np.array([longest_run], dtype=np.int64),
            lr,
            cr,
            method,
        )[0]
    )
