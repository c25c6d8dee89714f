"""Funnel plots (Spiegelhalter 2005): FunnelPlotR 0.6.0 exactly, and the product's funnel.

Pure numpy/scipy, no Django.  Two public functions:

``funnel_plot(group, numerator, denominator, *, data_type, ...) -> FunnelPlot``
    The **reference layer**: what ``FunnelPlotR::funnel_plot()`` 0.6.0 computes, quirks included
    (SHMI rounding of expected counts, the RC limits built on 1/(2*sqrt(n)), the unsquared CQC
    adjusted limits, "nothing flagged when no limits are drawn", the error when the numerator
    column equals the denominator column).  ``data_type`` is ``"PR"`` (proportions), ``"SR"``
    (standardised ratios O/E; ``sr_method`` ``"SHMI"`` or ``"CQC"``) or ``"RC"`` (ratio of
    counts).  ``limit`` is 95 or 99 (99 means 99.8 %).  The result carries phi, tau2, the draw
    flags after the package's automatic switch, one :class:`FunnelGroup` row per group (sorted by
    name, rows of the same group summed) and the ``limits(fp)`` lookup table.  Proven by
    ``tests/spc/vectors/funnel`` (see its README for every definition).  Raises
    :class:`FunnelError` where the package stops.

``funnel_chart(units, numerator, denominator, *, model, multiplier=1.0) -> FunnelChart``
    The **product layer** that the network dashboard, team pages, GP clusters, the API and the
    seminar reports draw.  ``units`` are display names (teams, practices; anonymise them *before*
    calling), ``numerator``/``denominator`` the counts summed over the chosen period.
    ``model="proportion"`` (p and p' indicators) uses the package's PR model; ``model="rate"``
    (u and u' indicators) uses its SR model (SHMI, log scale) with expected counts
    E = denominator x network rate, so each unit's O/E is compared with 1 and everything is shown
    back on the indicator's scale (rate x multiplier).  Returned: the network value (``target``),
    phi and tau2, whether the drawn limits are overdispersion-adjusted, an optional ``note`` code,
    one :class:`FunnelUnit` per unit (value, its limits, adjusted z, ``flag``) and a
    :class:`FunnelCurve` to draw (x = denominator).  Flags: ``"high_outlier"``/``"low_outlier"``
    (outside 99.8 %), ``"high_warning"``/``"low_warning"`` (outside 95 %, inside 99.8 %) or None;
    "high"/"low" is the side, not good/bad (the caller knows the indicator's direction).

    Deviations from FunnelPlotR, each deliberate (README "Statistik"):

    * fewer than 15 units (``MIN_UNITS_FOR_ADJUSTMENT``): unadjusted limits and
      ``note="few_units"``, because phi and tau2 from a handful of units are noise;
    * units are always flagged against the limits that are drawn (the package flags nothing when
      neither limit set is drawn);
    * a unit with numerator = denominator (100 %) is drawn like any other (the package refuses a
      numerator column equal to the denominator column);
    * expected counts are not rounded (SHMI rounding is a reporting convention of NHS Digital);
    * the RC model (limits on 1/(2 sqrt n), far too narrow) and the unsquared CQC adjusted limits
      are never used;
    * units with denominator <= 0 are left out (nothing to plot); a network with no events at all
      (rate model) or a proportion of 0 or 1 gets ``note="degenerate"`` and no limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from scipy import special, stats

from .errors import SPCError

__all__ = [
    "MIN_UNITS_FOR_ADJUSTMENT",
    "FunnelChart",
    "FunnelCurve",
    "FunnelError",
    "FunnelGroup",
    "FunnelPlot",
    "FunnelUnit",
    "funnel_chart",
    "funnel_plot",
]

Z95: Final = 1.959964  # the package's literal constants
Z998: Final = 3.090232
MIN_UNITS_FOR_ADJUSTMENT: Final = 15
_N_SEQ: Final = 1000
MSG_NO_OD: Final = (
    "No overdispersion detected, or draw_adjusted set to FALSE , plotting using unadjusted limits"
)
MSG_UNADJUSTED: Final = "Plotting using unadjusted limits"


class FunnelError(SPCError):
    """Input the funnel reference refuses (FunnelPlotR stops with this message)."""


# --------------------------------------------------------------- reference layer


@dataclass(frozen=True, slots=True)
class FunnelGroup:
    group: str
    numerator: float
    denominator: float
    rr: float
    target_transformed: float
    Y: float
    Uzscore: float
    Wuzscore: float | None
    s: float
    winsorised: int | None  # PR, RC, SR-CQC
    rk: float | None  # SR-SHMI truncation
    sp: int | None
    truncated: int | None
    OD95LCL: float
    OD95UCL: float
    OD99LCL: float
    OD99UCL: float
    LCL95: float
    UCL95: float
    LCL99: float
    UCL99: float
    outlier: int


@dataclass(frozen=True, slots=True)
class FunnelPlot:
    data_type: str
    sr_method: str
    target: float
    phi: float
    tau2: float
    draw_adjusted: bool
    draw_unadjusted: bool
    groups: tuple[FunnelGroup, ...]
    limits: dict[str, np.ndarray]  # number_seq, s, odll95, odul95, odll998, odul998, ll95, ul95, ll998, ul998
    messages: tuple[str, ...] = ()

    @property
    def outlier_groups(self) -> list[str]:
        return [g.group for g in self.groups if g.outlier]


def _aggregate(
    group: Sequence[str], numerator: Sequence[float], denominator: Sequence[float]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    if not (len(group) == len(numerator) == len(denominator)):
        raise FunnelError("group, numerator and denominator must have the same length")
    if len(group) == 0:
        raise FunnelError("no data")
    sums: dict[str, list[float]] = {}
    for g, o, d in zip(group, numerator, denominator, strict=True):
        if (
            o is None
            or d is None
            or (isinstance(o, float) and math.isnan(o))
            or (isinstance(d, float) and math.isnan(d))
        ):
            raise FunnelError("missing numerator or denominator")
        acc = sums.setdefault(str(g), [0.0, 0.0])
        acc[0] += float(o)
        acc[1] += float(d)
    names = sorted(sums)
    return names, np.array([sums[n][0] for n in names]), np.array([sums[n][1] for n in names])


def _r_seq(start: float, stop: float, length: int) -> np.ndarray:
    """R's seq(from, to, length.out = length)."""
    if length == 1:
        return np.array([start])
    by = (stop - start) / (length - 1)
    inner = start + np.arange(1, length - 1, dtype=float) * by
    return np.concatenate(([start], inner, [stop]))


def _transform(
    data_type: str, sr_method: str, o: np.ndarray, d: np.ndarray, target: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """(Y, s, target_transformed) of README step 4."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if data_type == "SR":
            if sr_method == "SHMI":
                return np.log(o / d), 1.0 / np.sqrt(d), 0.0
            return np.sqrt(o / d), 1.0 / (2.0 * np.sqrt(d)), 1.0
        if data_type == "PR":
            return np.arcsin(np.sqrt(o / d)), 1.0 / (2.0 * np.sqrt(d)), math.asin(math.sqrt(target))
        y = np.log((o + 0.5) / (d + 0.5))
        s = np.sqrt(o / (o + 0.5) ** 2 + d / (d + 0.5) ** 2)
        return y, s, math.log(target) if target > 0 else -math.inf


def _r_quantile7(x: np.ndarray, p: float) -> float:
    xs = np.sort(x)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    frac = h - lo
    if frac == 0:
        return float(xs[lo])
    return float(xs[lo] + frac * (xs[hi] - xs[lo]))


def _trim(uz: np.ndarray, shmi: bool, trim_by: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Winsorised / truncated z-scores (README step 5): (Wuzscore with NaN = dropped, extra columns)."""
    n = len(uz)
    if shmi:
        k = 1.0 / trim_by
        rk = stats.rankdata(uz, method="average")
        sp = np.floor(rk * k / (n + 1))
        keep = (sp > 0) & (sp < k - 1)
        wuz = np.where(keep, uz, np.nan)
        return wuz, {"rk": rk, "sp": sp.astype(int), "truncated": (~keep).astype(int)}
    lz = _r_quantile7(uz, trim_by)
    hz = _r_quantile7(uz, 1.0 - trim_by)
    winsorised = ~((uz > lz) & (uz < hz))
    wuz = np.where(uz < lz, lz, np.where(uz > hz, hz, uz))
    return wuz, {"winsorised": winsorised.astype(int)}


def _phi_tau2(wuz: np.ndarray, s: np.ndarray) -> tuple[float, float, int]:
    ok = ~np.isnan(wuz)
    n = int(ok.sum())
    if n == 0:
        return math.nan, 0.0, 0
    z = wuz[ok]
    phi = float(np.sum(z * z) / n)
    if n * phi < n - 1:
        return phi, 0.0, n
    w = 1.0 / s[ok] ** 2
    sw = float(np.sum(w))
    denom = sw - float(np.sum(w * w)) / sw
    tau2 = max(0.0, (n * phi - (n - 1)) / denom) if denom > 0 else 0.0
    return phi, tau2, n


def _limit_pair(
    data_type: str, sr_method: str, n: np.ndarray, target: float, tau2: float, z: float, m: float
) -> tuple[np.ndarray, np.ndarray]:
    if data_type == "SR" and sr_method == "SHMI":
        sd = np.sqrt(1.0 / n + tau2)
        return m * np.exp(-z * sd), m * np.exp(z * sd)
    s = 1.0 / (2.0 * np.sqrt(n))
    sd = np.sqrt(s * s + tau2)
    if data_type == "SR":  # CQC: the package does not square back from the sqrt scale
        return m * (1.0 - z * sd), m * (1.0 + z * sd)
    if data_type == "RC":
        lt = math.log(target) if target > 0 else -math.inf
        return m * np.exp(lt - z * sd), m * np.exp(lt + z * sd)
    tt = math.asin(math.sqrt(target))
    lo = m * np.sin(tt - z * sd) ** 2
    hi = m * np.sin(tt + z * sd) ** 2
    lo = np.where(lo < 0, 0.0, lo)
    hi = np.where(hi > m, m, hi)
    lo_fixed, hi_fixed = lo.copy(), hi.copy()
    lo_fixed[:-1][lo[:-1] > lo[1:]] = 0.0
    hi_fixed[:-1][hi[:-1] < hi[1:]] = m
    return lo_fixed, hi_fixed


def _poisson_pair(
    n: np.ndarray, target: float, p_lo: float, p_hi: float, m: float
) -> tuple[np.ndarray, np.ndarray]:
    # chi2.ppf(p, 2k) / 2 = gammaincinv(k, p): the exact Poisson limits without scipy.stats' overhead.
    lo = m * target * special.gammaincinv(n, p_lo) / n
    hi = m * target * special.gammaincinv(n + 1.0, p_hi) / n
    return lo, hi


def _limits_table(
    data_type: str, sr_method: str, n: np.ndarray, target: float, tau2: float, m: float
) -> dict[str, np.ndarray]:
    s = np.sqrt(1.0 / n) if data_type == "SR" and sr_method == "SHMI" else 1.0 / (2.0 * np.sqrt(n))
    t: dict[str, np.ndarray] = {"number_seq": n, "s": s}
    t["odll95"], t["odul95"] = _limit_pair(data_type, sr_method, n, target, tau2, Z95, m)
    t["odll998"], t["odul998"] = _limit_pair(data_type, sr_method, n, target, tau2, Z998, m)
    if data_type == "SR":
        t["ll95"], t["ul95"] = _poisson_pair(n, target, 0.025, 0.975, m)
        t["ll998"], t["ul998"] = _poisson_pair(n, target, 0.001, 0.999, m)
    else:
        t["ll95"], t["ul95"] = _limit_pair(data_type, sr_method, n, target, 0.0, Z95, m)
        t["ll998"], t["ul998"] = _limit_pair(data_type, sr_method, n, target, 0.0, Z998, m)
    return t


def funnel_plot(
    group: Sequence[str],
    numerator: Sequence[float],
    denominator: Sequence[float],
    *,
    data_type: Literal["PR", "SR", "RC"] = "SR",
    limit: Literal[95, 99] = 99,
    draw_adjusted: bool = True,
    draw_unadjusted: bool = False,
    sr_method: Literal["SHMI", "CQC"] = "SHMI",
    trim_by: float = 0.1,
    multiplier: float = 1,
    shmi_rounding: bool = True,
) -> FunnelPlot:
    """FunnelPlotR 0.6.0 ``funnel_plot()`` (reference layer; see the module docstring)."""
    if data_type not in ("PR", "SR", "RC"):
        raise FunnelError(f"unknown data_type {data_type!r}")
    if sr_method not in ("SHMI", "CQC"):
        raise FunnelError(f"unknown sr_method {sr_method!r}")
    if limit not in (95, 99):
        raise FunnelError("limit must be 95 or 99")
    if list(numerator) == list(denominator):
        raise FunnelError("Numerator and denominator are the same. Please check your inputs")
    names, o, d_raw = _aggregate(group, numerator, denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = o / d_raw
    shmi = data_type == "SR" and sr_method == "SHMI"
    d = np.array([round(float(v), 2) for v in d_raw]) if shmi and shmi_rounding else d_raw
    target = 1.0 if data_type == "SR" else float(o.sum() / d.sum())

    y, s_z, tt = _transform(data_type, sr_method, o, d, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        uz = (y - tt) / s_z
    wuz, extra = _trim(uz, shmi, trim_by)
    phi, tau2, _n = _phi_tau2(wuz, s_z)

    messages: list[str] = []
    if not draw_adjusted:
        phi, tau2 = 0.0, 0.0
        if draw_unadjusted:
            messages.append(MSG_UNADJUSTED)
    elif not draw_unadjusted and phi <= 1:
        draw_adjusted, draw_unadjusted = False, True
        messages.append(MSG_NO_OD)

    start = 1.1 if data_type == "SR" else 3.0
    max_x = math.ceil(float(d.max()))
    seq = np.unique(np.concatenate((d, _r_seq(start, float(max_x), _N_SEQ))))
    table = _limits_table(data_type, sr_method, seq, target, tau2, float(multiplier))
    idx = np.searchsorted(seq, d)

    if draw_adjusted:
        lo_key, hi_key = ("odll95", "odul95") if limit == 95 else ("odll998", "odul998")
    else:
        lo_key, hi_key = ("ll95", "ul95") if limit == 95 else ("ll998", "ul998")
    v = rr * multiplier
    flagged = draw_adjusted or draw_unadjusted

    groups = []
    for i, name in enumerate(names):
        j = idx[i]
        lo, hi = table[lo_key][j], table[hi_key][j]
        out = int(flagged and not (lo <= v[i] <= hi))
        groups.append(
            FunnelGroup(
                group=name,
                numerator=float(o[i]),
                denominator=float(d[i]),
                rr=float(rr[i]),
                target_transformed=tt,
                Y=float(y[i]),
                Uzscore=float(uz[i]),
                Wuzscore=None if math.isnan(wuz[i]) else float(wuz[i]),
                s=float(table["s"][j]),
                winsorised=int(extra["winsorised"][i]) if "winsorised" in extra else None,
                rk=float(extra["rk"][i]) if "rk" in extra else None,
                sp=int(extra["sp"][i]) if "sp" in extra else None,
                truncated=int(extra["truncated"][i]) if "truncated" in extra else None,
                OD95LCL=float(table["odll95"][j]),
                OD95UCL=float(table["odul95"][j]),
                OD99LCL=float(table["odll998"][j]),
                OD99UCL=float(table["odul998"][j]),
                LCL95=float(table["ll95"][j]),
                UCL95=float(table["ul95"][j]),
                LCL99=float(table["ll998"][j]),
                UCL99=float(table["ul998"][j]),
                outlier=out,
            )
        )
    return FunnelPlot(
        data_type=data_type,
        sr_method=sr_method,
        target=target,
        phi=phi,
        tau2=tau2,
        draw_adjusted=draw_adjusted,
        draw_unadjusted=draw_unadjusted,
        groups=tuple(groups),
        limits=table,
        messages=tuple(messages),
    )


# ------------------------------------------------------------------ product layer

Model = Literal["proportion", "rate"]
Flag = Literal["high_outlier", "low_outlier", "high_warning", "low_warning"]


@dataclass(frozen=True, slots=True)
class FunnelUnit:
    unit: str
    numerator: float
    denominator: float
    value: float  # on the indicator's scale (x multiplier)
    lo95: float | None
    hi95: float | None
    lo998: float | None
    hi998: float | None
    z: float | None  # adjusted z-score (y - target)/sqrt(s^2 + tau2) on the model's scale
    flag: Flag | None


@dataclass(frozen=True, slots=True)
class FunnelCurve:
    x: tuple[float, ...]  # denominator
    lo95: tuple[float, ...]
    hi95: tuple[float, ...]
    lo998: tuple[float, ...]
    hi998: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class FunnelChart:
    model: Model
    multiplier: float
    target: float | None  # network value on the indicator's scale
    phi: float | None
    tau2: float | None
    adjusted: bool  # drawn limits include tau2
    note: Literal["few_units", "no_overdispersion", "degenerate"] | None
    units: tuple[FunnelUnit, ...]
    curve: FunnelCurve | None
    deviations: tuple[str, ...] = field(default=())  # codes of the product deviations in force

    @property
    def outliers(self) -> list[FunnelUnit]:
        return [u for u in self.units if u.flag in ("high_outlier", "low_outlier")]

    @property
    def warnings(self) -> list[FunnelUnit]:
        return [u for u in self.units if u.flag in ("high_warning", "low_warning")]

    def to_dict(self) -> dict:
        def num(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "model": self.model,
            "multiplier": self.multiplier,
            "target": num(self.target),
            "phi": num(self.phi),
            "tau2": num(self.tau2),
            "adjusted": self.adjusted,
            "note": self.note,
            "deviations": list(self.deviations),
            "units": [
                {
                    "unit": u.unit,
                    "numerator": u.numerator,
                    "denominator": u.denominator,
                    "value": num(u.value),
                    "limits": {
                        "lo95": num(u.lo95),
                        "hi95": num(u.hi95),
                        "lo998": num(u.lo998),
                        "hi998": num(u.hi998),
                    },
                    "z": num(u.z),
                    "flag": u.flag,
                }
                for u in self.units
            ],
            "curve": None
            if self.curve is None
            else {
                k: [num(v) for v in getattr(self.curve, k)] for k in ("x", "lo95", "hi95", "lo998", "hi998")
            },
        }


def _flag(v: float, lo95: float, hi95: float, lo998: float, hi998: float) -> Flag | None:
    if v > hi998:
        return "high_outlier"
    if v < lo998:
        return "low_outlier"
    if v > hi95:
        return "high_warning"
    if v < lo95:
        return "low_warning"
    return None


def _product_limits(
    model: Model, n: np.ndarray, target: float, tau2: float, m: float
) -> dict[str, np.ndarray]:
    """Limits on the indicator's scale at denominators ``n`` (tau2 = 0: unadjusted)."""
    out: dict[str, np.ndarray] = {}
    if model == "proportion":
        # sin^2 of the arcsine-scale limits, clipped to [0, pi/2] on that scale: what the package's
        # monotonicity fix-up approximates on its sorted table, exact at any set of n.
        tt = math.asin(math.sqrt(target))
        s = 1.0 / (2.0 * np.sqrt(n))
        sd = np.sqrt(s * s + tau2)
        for key, z in (("95", Z95), ("998", Z998)):
            out["lo" + key] = m * np.sin(np.clip(tt - z * sd, 0.0, math.pi / 2)) ** 2
            out["hi" + key] = m * np.sin(np.clip(tt + z * sd, 0.0, math.pi / 2)) ** 2
        return out
    e = n * target  # expected counts at the network rate
    for key, z, (p_lo, p_hi) in (("95", Z95, (0.025, 0.975)), ("998", Z998, (0.001, 0.999))):
        if tau2 > 0:
            lo, hi = _limit_pair("SR", "SHMI", e, 1.0, tau2, z, 1.0)
        else:
            lo, hi = _poisson_pair(e, 1.0, p_lo, p_hi, 1.0)
        out["lo" + key], out["hi" + key] = lo * target * m, hi * target * m
    return out


def funnel_chart(
    units: Sequence[str],
    numerator: Sequence[float],
    denominator: Sequence[float],
    *,
    model: Model,
    multiplier: float = 1.0,
    trim_by: float = 0.1,
    curve_points: int = 120,
) -> FunnelChart:
    """The product's funnel plot (see the module docstring for the contract and deviations)."""
    if model not in ("proportion", "rate"):
        raise FunnelError(f"unknown model {model!r}")
    rows = [
        (str(u), float(o), float(d))
        for u, o, d in zip(units, numerator, denominator, strict=True)
        if d is not None and o is not None and float(d) > 0 and float(o) >= 0
    ]
    rows.sort(key=lambda r: r[0])
    names = [r[0] for r in rows]
    o = np.array([r[1] for r in rows], dtype=float)
    d = np.array([r[2] for r in rows], dtype=float)
    m = float(multiplier)
    deviations = ["flag_drawn_limits", "no_rounding"]
    if len(rows) == 0:
        return FunnelChart(model, m, None, None, None, False, "degenerate", (), None, tuple(deviations))
    target = float(o.sum() / d.sum())
    if model == "proportion" and np.any(o > d):
        raise FunnelError("numerator larger than denominator in a proportion")
    if np.any(o == d):
        deviations.append("numerator_equals_denominator")
    degenerate = target <= 0 or (model == "proportion" and target >= 1)
    if degenerate:
        plain = tuple(
            FunnelUnit(n_, float(oi), float(di), float(oi / di * m), None, None, None, None, None, None)
            for n_, oi, di in zip(names, o, d, strict=True)
        )
        return FunnelChart(
            model, m, target * m, None, None, False, "degenerate", plain, None, tuple(deviations)
        )

    # z-scores and overdispersion on the package's scales: PR (arcsine) or SR-SHMI (log O/E).
    if model == "proportion":
        y, s_z, tt = _transform("PR", "SHMI", o, d, target)
        shmi = False
    else:
        y, s_z, tt = _transform("SR", "SHMI", o, d * target, 1.0)
        shmi = True
    with np.errstate(divide="ignore", invalid="ignore"):
        uz = (y - tt) / s_z
    wuz, _extra = _trim(uz, shmi, trim_by)
    phi, tau2, _n = _phi_tau2(wuz, s_z)
    note: Literal["few_units", "no_overdispersion"] | None = None
    if len(rows) < MIN_UNITS_FOR_ADJUSTMENT:
        note, used_tau2 = "few_units", 0.0
        deviations.append("few_units_unadjusted")
    elif not phi > 1:
        note, used_tau2 = "no_overdispersion", 0.0
    else:
        used_tau2 = tau2
    adjusted = used_tau2 > 0

    at_units = {k: v.tolist() for k, v in _product_limits(model, d, target, used_tau2, m).items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        z_adj = ((y - tt) / np.sqrt(s_z**2 + used_tau2)).tolist()
    values = (o / d * m).tolist()
    o_l, d_l = o.tolist(), d.tolist()
    out_units = []
    for i, name in enumerate(names):
        lims = (at_units["lo95"][i], at_units["hi95"][i], at_units["lo998"][i], at_units["hi998"][i])
        z = z_adj[i]
        out_units.append(
            FunnelUnit(
                name,
                o_l[i],
                d_l[i],
                values[i],
                *lims,
                z if math.isfinite(z) else None,
                _flag(values[i], *lims),
            )
        )
    lo_x = (
        max(min(float(d.min()), 1.0) * 0.5, 0.5)
        if model == "proportion"
        else max(0.5 / target, float(d.min()) * 0.3)
    )
    hi_x = float(d.max()) * 1.1
    # The curve is drawn, not used for flags (those use the limits at each unit's own denominator).
    xs = np.geomspace(lo_x, hi_x, curve_points)
    cl = _product_limits(model, xs, target, used_tau2, m)
    curve = FunnelCurve(
        x=tuple(xs.tolist()),
        **{k: tuple(cl[k].tolist()) for k in ("lo95", "hi95", "lo998", "hi998")},
    )
    return FunnelChart(
        model=model,
        multiplier=m,
        target=target * m,
        phi=phi,
        tau2=tau2,
        adjusted=adjusted,
        note=note,
        units=tuple(out_units),
        curve=curve,
        deviations=tuple(deviations),
    )
