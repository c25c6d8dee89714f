"""NHS "Making Data Count" XmR charts exactly as NHSRplotthedots 0.2.2 ``ptd_spc()`` computes them.

Reference layer, pure Python (no Django, no numpy needed).  Public function::

    mdc_spc(dates, values, *, improvement_direction="increase", target=None, rebase=None,
            fix_after_n_points=None, screen_outliers=True) -> MDCResult

``dates`` are ``datetime.date`` (any order; sorted here), ``values`` floats or None (NA).
The result has one :class:`MDCPoint` per date (sorted), one :class:`MDCSummary` per rebase group,
the two icon file names and the package's warnings.  Every definition (limits 2.66 x mean moving
range with one screening pass, rule A trend of 7 by strict steps, rule B two of three beyond the
2-sigma line, rule C run of 7 on one side, first-rule-wins labels, variation from the last point
only, assurance with strict inequalities) is in tests/spc/vectors/mdc/README.md, and R's NA logic is
reproduced (a test on a missing value is missing; ``if (NA)`` stops with :class:`MDCError` exactly
as the package does).  The product's ``mdc`` rule set (measures/spc/classify.py) builds on this
and lists its deviations there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Final, Literal

from .errors import SPCError

__all__ = [
    "LIMIT",
    "LIMIT_CLOSE",
    "MDCError",
    "MDCPoint",
    "MDCResult",
    "MDCSummary",
    "mdc_point_rules",
    "mdc_spc",
    "r_mean",
    "xmr_lines",
]

LIMIT: Final = 2.66
LIMIT_CLOSE: Final = 2 * (LIMIT / 3)
SCREEN: Final = 3.267
SHORT_GROUP: Final = 13
SHORT_WARNING: Final = (
    "Some groups have 'n < 12' observations. These have trial limits, which will be revised with each "
    "additional observation until 'n = fix_after_n_points' has been reached."
)
COMMON: Final = "Common Cause"
Direction = Literal["increase", "decrease", "neutral"]
_DIRS: Final = {"increase": 1, "decrease": -1, "neutral": 0}

# R logicals: True / False / None (NA)
Lgl = bool | None


class MDCError(SPCError):
    """Where ptd_spc() stops (message as R printed it)."""


def r_mean(values: Sequence[float]) -> float:
    """R's mean(x, na.rm = TRUE) of finite doubles: the correctly rounded mean (NaN if empty)."""
    if not values:
        return math.nan
    return float(sum((Fraction(v) for v in values), Fraction(0)) / len(values))


def _and(a: Lgl, b: Lgl) -> Lgl:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Lgl, b: Lgl) -> Lgl:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _all(xs: Sequence[Lgl]) -> Lgl:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def _any(xs: Sequence[Lgl]) -> Lgl:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def _eq(a: float | None, b: float | None) -> Lgl:
    return None if a is None or b is None else a == b


def _sign(v: float | None) -> float | None:
    if v is None or math.isnan(v):
        return None
    return float((v > 0) - (v < 0))


def _num(x: Lgl) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True, slots=True)
class MDCPoint:
    date: date
    y: float | None
    rebase_group: int
    short_group_warning: bool
    mean: float | None
    lpl: float | None
    upl: float | None
    outside_limits: Lgl
    relative_to_mean: float | None
    close_to_limits: Lgl
    rule_seven_point_trend: float | None
    rule_two_in_three: float | None
    rule_seven_point_one_side: float | None
    special_cause_type: str
    special_cause_flag: bool
    point_type: str
    target: float | None


@dataclass(frozen=True, slots=True)
class MDCSummary:
    rebase_group: int
    mean: float | None
    lpl: float | None
    upl: float | None
    n: int
    common_cause: int
    special_cause_improvement: int
    special_cause_concern: int
    variation_type: str
    assurance_type: str | None


@dataclass(frozen=True, slots=True)
class MDCResult:
    points: tuple[MDCPoint, ...]
    summary: tuple[MDCSummary, ...]
    icons: dict[str, str | None]
    warnings: tuple[str, ...]
    improvement_direction: str
    target: float | None


def _nan_none(v: float) -> float | None:
    return None if math.isnan(v) else v


def _group_limits(
    ys: list[float | None], fix_after: int | None, screen: bool
) -> tuple[float, float, float, float, float]:
    """(mean, lpl, upl, nlpl, nupl); NaN where R gives NaN."""
    k = len(ys) if fix_after is None else min(fix_after, len(ys))
    fix = ys[:k] + [None] * (len(ys) - k)
    known = [v for v in fix if v is not None]
    mean = r_mean(known)
    mr: list[float | None] = [None] + [
        None if a is None or b is None else abs(b - a) for a, b in zip(fix, fix[1:], strict=False)
    ]
    amr = r_mean([v for v in mr if v is not None])
    if screen:
        mr = [v if (v is not None and not math.isnan(amr) and v < SCREEN * amr) else None for v in mr]
        amr = r_mean([v for v in mr if v is not None])
    return (
        mean,
        mean - LIMIT * amr,
        mean + LIMIT * amr,
        mean - LIMIT_CLOSE * amr,
        mean + LIMIT_CLOSE * amr,
    )


def xmr_lines(
    values: Sequence[float | None], *, screen: bool = True
) -> tuple[float, float, float, float, float]:
    """MDC's XmR lines from baseline values in order (None = missing): (mean, lpl, upl, nlpl, nupl)."""
    return _group_limits(list(values), None, screen)


def _gt(a: float | None, b: float) -> Lgl:
    return None if a is None or math.isnan(b) else a > b


def _lt(a: float | None, b: float) -> Lgl:
    return None if a is None or math.isnan(b) else a < b


def _seven_trend(
    ys: list[float | None], group_no: int, rebase_group: int, na_breaks_trend: bool = False
) -> list[float]:
    n = len(ys)
    if n < 7:
        return [0.0] * n
    out = [0.0] * 6
    for i in range(6, n):
        win = [ys[i - j] for j in range(7)]  # y[i - 0:6]: newest first
        d = [None if a is None or b is None else -_sign(b - a) for a, b in zip(win, win[1:], strict=False)]
        up = _all([_eq(v, 1.0) for v in d])
        if na_breaks_trend and any(v is None for v in d):
            out.append(0.0)  # product: a missing month breaks a trend instead of stopping the chart
            continue
        if up is None:
            raise MDCError(_trend_error(group_no, rebase_group, "1"))
        if up:
            out.append(1.0)
            continue
        down = _all([_eq(v, -1.0) for v in d])
        if down is None:
            raise MDCError(_trend_error(group_no, rebase_group, "-1"))
        out.append(-1.0 if down else 0.0)
    return out


def _trend_error(group_no: int, rebase_group: int, value: str) -> str:
    return (
        "Problem while computing `special_cause_type = ptd_special_cause_type(...)`. "
        f'ℹ The error occurred in group {group_no}: f = "no facet", rebase_group = {rebase_group}. '
        f"Caused by error in `if (all(d == {value})) ...`: ! missing value where TRUE/FALSE needed"
    )


def _part_of_seven(v: list[float | None]) -> list[float | None]:
    vp = v + [0.0] * 6
    return [_num(_any([None if x is None else abs(x) == 1 for x in vp[i : i + 7]])) for i in range(len(v))]


def _seven_one_side(rtm: list[float | None]) -> list[float | None]:
    vp = [0.0] * 6 + rtm
    out = []
    for i in range(6, len(vp)):
        same = _all([_eq(vp[i], vp[i - j]) for j in range(1, 7)])
        nonzero = None if vp[i] is None else vp[i] != 0
        out.append(_num(_and(same, nonzero)))
    return out


def _r_sum(xs: Sequence[float | None]) -> float | None:
    return None if any(x is None for x in xs) else float(sum(xs))


def _two_in_three(close: list[Lgl], rtm: list[float | None]) -> list[float | None]:
    n = len(close)
    vp = [0.0, 0.0] + [_num(c) for c in close] + [0.0, 0.0]
    rp = [0.0, 0.0] + rtm + [0.0, 0.0]
    out = []
    for i in range(n):
        acc: Lgl = False
        for off in (0, 1, 2):
            sv = _r_sum(vp[i + off : i + off + 3])
            sr = _r_sum(rp[i + off : i + off + 3])
            cond = _and(None if sv is None else sv >= 2, None if sr is None else abs(sr) == 3)
            acc = _or(acc, cond)
            if acc is True:
                break
        out.append(_num(acc))
    return out


def _labels(
    ys: list[float | None],
    rtm: list[float | None],
    close: list[Lgl],
    outside: list[Lgl],
    group_no: int,
    rebase_group: int,
    na_breaks_trend: bool = False,
) -> tuple[list[str], list[float | None], list[float | None], list[float | None]]:
    trend = _part_of_seven(_seven_trend(ys, group_no, rebase_group, na_breaks_trend))
    two = [
        _num(_and(_eq(v, 1.0), None if c is None else abs(float(c)) == 1))
        for v, c in zip(_two_in_three(close, rtm), close, strict=True)
    ]
    side = _part_of_seven(_seven_one_side(rtm))
    n = len(ys)
    sdy = [
        _sign(b - a) if a is not None and b is not None else None for a, b in zip(ys, ys[1:], strict=False)
    ]
    sdy_full: list[float | None] = []
    for i in range(n):
        nxt = trend[i + 1] if i + 1 < n else 0.0
        cond = _and(None if nxt is None else nxt != 0, None if trend[i] is None else trend[i] != 0)
        right = sdy[i] if i < n - 1 else (sdy[-1] if sdy else None)
        left = 0.0 if i == 0 else sdy[i - 1]
        sdy_full.append(None if cond is None else (right if cond else left))
    labels = []
    for i in range(n):
        ab = None if rtm[i] is None else ("Above" if rtm[i] > 0 else "Below")
        ab_s = "NA" if ab is None else ab
        if outside[i] is True:
            labels.append("Above UCL" if rtm[i] == 1 else "Below LCL")
        elif trend[i] is not None and trend[i] != 0:
            s = sdy_full[i]
            word = "NA" if s is None else ("In" if s == 1 else "De")
            labels.append(f"7 Point Trend ({word}creasing)")
        elif two[i] is not None and two[i] != 0:
            labels.append(f"2 in 3 {ab_s} CL")
        elif side[i] is not None and side[i] != 0:
            labels.append(f"7 Points {ab_s} CL")
        else:
            labels.append(COMMON)
    return labels, trend, two, side


def _point_type(label: str, direction: int) -> str:
    v = (
        1
        if ("Above" in label or "Increasing" in label)
        else (-1 if ("Below" in label or "Decreasing" in label) else 0)
    )
    if direction == 0:
        return {1: "special_cause_neutral_high", -1: "special_cause_neutral_low"}.get(v, "common_cause")
    v *= direction
    return {1: "special_cause_improvement", -1: "special_cause_concern"}.get(v, "common_cause")


def mdc_point_type(label: str, direction: Direction) -> str:
    """The package's point type of a label for an improvement direction."""
    return _point_type(label, _DIRS[direction])


def _assurance(direction: int, target: float, lpl: float, upl: float) -> str | None:
    if direction == 0:
        return None
    if not math.isnan(upl) and target > upl:
        return "consistent_fail" if direction == 1 else "consistent_pass"
    if not math.isnan(lpl) and target < lpl:
        return "consistent_pass" if direction == 1 else "consistent_fail"
    return "inconsistent"


_VARIATION_ICON: Final = {
    "common_cause": "common_cause.svg",
    "special_cause_neutral_high": "neutral_high.svg",
    "special_cause_neutral_low": "neutral_low.svg",
}
_ASSURANCE_ICON: Final = {
    "consistent_fail": "fail.svg",
    "consistent_pass": "pass.svg",
    "inconsistent": "inconsistent.svg",
}


def variation_icon(point_type: str, direction: str) -> str:
    if point_type == "special_cause_concern":
        return "concern_low.svg" if direction == "increase" else "concern_high.svg"
    if point_type == "special_cause_improvement":
        return "improvement_high.svg" if direction == "increase" else "improvement_low.svg"
    return _VARIATION_ICON[point_type]


def mdc_point_rules(
    ys: Sequence[float | None],
    cl: Sequence[float | None],
    lcl: Sequence[float | None],
    ucl: Sequence[float | None],
    lcl2: Sequence[float | None],
    ucl2: Sequence[float | None],
    *,
    direction: Direction,
) -> tuple[list[str], list[str]]:
    """The MDC rules on one phase with per-point lines (product layer): (labels, point types).

    The same rules as :func:`mdc_spc` (outside the limits, trend of 7, two of three beyond the
    2-sigma line, run of 7), but the centre line and limits may vary by point (p, u charts) and a
    missing value breaks a trend instead of stopping (product deviation ``missing_breaks_trend``).
    """

    def f(v: float | None) -> float:
        return math.nan if v is None else float(v)

    yv = [None if v is None or math.isnan(v) else float(v) for v in ys]
    outside = [_or(_gt(y, f(u)), _lt(y, f(lo))) for y, u, lo in zip(yv, ucl, lcl, strict=True)]
    rtm = [None if y is None or c is None else _sign(y - c) for y, c in zip(yv, cl, strict=True)]
    close = [
        _and(None if o is None else not o, _or(_lt(y, f(lo2)), _gt(y, f(u2))))
        for y, o, lo2, u2 in zip(yv, outside, lcl2, ucl2, strict=True)
    ]
    labels, _t, _w, _s = _labels(yv, rtm, close, outside, 1, 0, na_breaks_trend=True)
    return labels, [_point_type(lab, _DIRS[direction]) for lab in labels]


def mdc_last_label(
    ys: Sequence[float | None],
    cl: Sequence[float | None],
    lcl: Sequence[float | None],
    ucl: Sequence[float | None],
    lcl2: Sequence[float | None],
    ucl2: Sequence[float | None],
    idx: int,
) -> str:
    """The label :func:`mdc_point_rules` gives point ``idx`` when no later point has a value (the last
    complete point), in O(7) instead of O(n): with nothing after ``idx`` only the windows that end at
    ``idx`` can qualify (a missing value breaks every rule; tests/spc/test_mdc.py checks the
    equality on random series)."""

    def val(i: int) -> float | None:
        v = ys[i]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    def side(i: int) -> int | None:
        y, c = val(i), cl[i]
        if y is None or c is None or (isinstance(c, float) and math.isnan(c)):
            return None
        return (y > c) - (y < c)

    def close(i: int) -> bool | None:
        y = val(i)
        if y is None:
            return None
        lo, hi, lo2, hi2 = lcl[i], ucl[i], lcl2[i], ucl2[i]
        if lo is None or hi is None or lo2 is None or hi2 is None:
            return None
        return not (y > hi or y < lo) and (y < lo2 or y > hi2)

    y = val(idx)
    if y is None:
        return COMMON
    s_idx = side(idx)
    hi, lo = ucl[idx], lcl[idx]
    if (hi is not None and y > hi) or (lo is not None and y < lo):
        return "Above UCL" if s_idx == 1 else "Below LCL"
    if idx >= 6:
        window = [val(i) for i in range(idx - 6, idx + 1)]
        if all(v is not None for v in window):
            steps = [b - a for a, b in zip(window, window[1:], strict=False)]  # type: ignore[operator]
            if all(d > 0 for d in steps) or all(d < 0 for d in steps):
                return "7 Point Trend (Increasing)" if steps[-1] > 0 else "7 Point Trend (Decreasing)"
    word = "Above" if (s_idx or 0) > 0 else "Below"
    if idx >= 2 and close(idx):
        sides = [side(i) for i in range(idx - 2, idx + 1)]
        closes = [close(i) for i in range(idx - 2, idx + 1)]
        if (
            all(c is not None for c in closes)
            and None not in sides
            and sum(bool(c) for c in closes) >= 2
            and abs(sum(sides)) == 3  # type: ignore[arg-type]
        ):
            return f"2 in 3 {word} CL"
    if idx >= 6 and s_idx and all(side(i) == s_idx for i in range(idx - 6, idx)):
        return f"7 Points {word} CL"
    return COMMON


def mdc_spc(
    dates: Sequence[date],
    values: Sequence[float | None],
    *,
    improvement_direction: Direction = "increase",
    target: float | None = None,
    rebase: Sequence[date] | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
) -> MDCResult:
    """NHSRplotthedots 0.2.2 ``ptd_spc()`` + ``summary()`` + icons (see the module docstring)."""
    if improvement_direction not in _DIRS:
        raise MDCError("improvement_direction must be one of increase, decrease, neutral")
    if len(dates) != len(values):
        raise MDCError("dates and values must have the same length")
    if len(set(dates)) != len(dates):
        raise MDCError("duplicate rows found in 'date'")
    if fix_after_n_points is not None and fix_after_n_points < 12:
        raise MDCError("fix_after_n_points must be at least 12")
    direction = _DIRS[improvement_direction]
    rows = sorted(
        zip(
            dates,
            (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values),
            strict=True,
        ),
        key=lambda r: r[0],
    )
    rebase_set = set(rebase or ())
    groups: list[int] = []
    g = 0
    for d, _ in rows:
        if d in rebase_set:
            g += 1
        groups.append(g)

    points: list[MDCPoint] = []
    summary: list[MDCSummary] = []
    warnings: list[str] = []
    order = sorted(set(groups))
    for group_no, rg in enumerate(order, start=1):
        idx = [i for i, gg in enumerate(groups) if gg == rg]
        ys = [rows[i][1] for i in idx]
        mean, lpl, upl, nlpl, nupl = _group_limits(ys, fix_after_n_points, screen_outliers)
        outside = [_or(_gt(y, upl), _lt(y, lpl)) for y in ys]
        rtm = [None if y is None else _sign(y - mean) for y in ys]
        close = [
            _and(None if o is None else not o, _or(_lt(y, nlpl), _gt(y, nupl)))
            for y, o in zip(ys, outside, strict=True)
        ]
        labels, trend, two, side = _labels(ys, rtm, close, outside, group_no, rg)
        short = len(ys) < SHORT_GROUP
        if short and SHORT_WARNING not in warnings:
            warnings.append(SHORT_WARNING)
        types = [_point_type(lab, direction) for lab in labels]
        for j, i in enumerate(idx):
            points.append(
                MDCPoint(
                    date=rows[i][0],
                    y=ys[j],
                    rebase_group=rg,
                    short_group_warning=short,
                    mean=_nan_none(mean),
                    lpl=_nan_none(lpl),
                    upl=_nan_none(upl),
                    outside_limits=outside[j],
                    relative_to_mean=rtm[j],
                    close_to_limits=close[j],
                    rule_seven_point_trend=trend[j],
                    rule_two_in_three=two[j],
                    rule_seven_point_one_side=side[j],
                    special_cause_type=labels[j],
                    special_cause_flag=labels[j] != COMMON,
                    point_type=types[j],
                    target=target,
                )
            )
        is_last = group_no == len(order)
        summary.append(
            MDCSummary(
                rebase_group=rg,
                mean=_nan_none(mean),
                lpl=_nan_none(lpl),
                upl=_nan_none(upl),
                n=len(ys),
                common_cause=len(ys) - sum(lab != COMMON for lab in labels),
                special_cause_improvement=types.count("special_cause_improvement"),
                special_cause_concern=types.count("special_cause_concern"),
                variation_type=types[-1],
                assurance_type=_assurance(direction, target, lpl, upl)
                if target is not None and is_last
                else None,
            )
        )
    last = points[-1] if points else None
    assurance = summary[-1].assurance_type if summary else None
    icons = {
        "variation": variation_icon(last.point_type, improvement_direction) if last else None,
        "assurance": _ASSURANCE_ICON.get(assurance) if assurance else None,
    }
    return MDCResult(
        points=tuple(points),
        summary=tuple(summary),
        icons=icons,
        warnings=tuple(warnings),
        improvement_direction=improvement_direction,
        target=target,
    )
