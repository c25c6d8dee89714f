"""Single-series SPC engine: run charts and control charts computed exactly as
qicharts2 0.8.1 ``qic()`` + ``summary()`` compute them.

Pipeline (shared/spc-vectors/README.md, "Pipeline"): input cleaning ->
grouping by x (sorted) -> parts -> baseline/include flags -> per part centre
line and limits (:mod:`.limits`) and runs analysis (:mod:`.runs`) ->
``multiply`` -> non-finite limits dropped -> sigma signals -> ``y_neg``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from numbers import Real
from typing import Any, Final, Literal

import numpy as np

from .errors import SPCError
from .limits import CHART_TYPES, PartData, compute_lines, finish
from .rmath import FloatArray, r_mean, r_median, r_sd, r_sum
from .runs import METHODS, runs_analysis, runs_messages

__all__ = [
    "ENGINE_VERSION",
    "AGG_FUNS",
    "ChartResult",
    "PartSummary",
    "Point",
    "compute_chart",
    "json_number",
]

ENGINE_VERSION: Final = "1.1.0"  # 1.1: rule sets, MDC XmR, pooled provisional months
AGG_FUNS: Final = ("mean", "median", "sum", "sd")

XValue = date | datetime | int | float | str
XKind = Literal["date", "datetime", "number", "category"]


# ----------------------------------------------------------------- results


def json_number(v: float | None) -> float | str | None:
    """JSON representation of a float: None for missing, "Inf"/"-Inf" for
    infinities (JSON has neither NaN nor Infinity)."""
    if v is None or math.isnan(v):
        return None
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return v


def _json_x(v: XValue) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, float):
        return json_number(v)
    return v


@dataclass(frozen=True, slots=True)
class Point:
    """One plotted point (one distinct x after grouping and sorting).

    Missing numbers are ``None``.  ``y`` may be ``math.inf`` (a positive count
    over a zero denominator); its limits are then missing.
    """

    x: XValue
    y: float | None
    n: float | None
    y_sum: float | None
    y_length: int
    cl: float | None
    lcl: float | None
    ucl: float | None
    lcl_95: float | None
    ucl_95: float | None
    target: float | None
    part: int
    xx: int
    baseline: bool
    include: bool
    runs_signal: bool
    sigma_signal: bool

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["x"] = _json_x(self.x)
        for k in ("y", "n", "y_sum", "cl", "lcl", "ucl", "lcl_95", "ucl_95", "target"):
            d[k] = json_number(d[k])
        return d


@dataclass(frozen=True, slots=True)
class PartSummary:
    """``summary(qic)`` for one part.  Runs statistics are ``None`` when the
    part has no useful point (qicharts2: NA)."""

    part: int
    first_xx: int
    last_xx: int
    n_obs: int
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    runs_signal: bool
    sigma_signal: int
    cl: float | None
    alcl: float | None
    alcl_95: float | None
    aucl_95: float | None
    aucl: float | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("cl", "alcl", "alcl_95", "aucl_95", "aucl"):
            d[k] = json_number(d[k])
        return d


@dataclass(frozen=True, slots=True)
class ChartResult:
    """Result of :func:`compute_chart`.

    ``to_dict()`` is JSON-serialisable: ``{"engine_version", "chart", "method",
    "screened_mr", "multiply", "categorical", "messages", "points": [...],
    "parts": [...]}``; floats that are missing become ``null`` and infinite
    values the strings ``"Inf"``/``"-Inf"`` (same convention as the
    conformance vectors); dates are ISO strings.
    """

    chart: str
    points: tuple[Point, ...]
    parts: tuple[PartSummary, ...]
    method: str
    screened_mr: bool
    multiply: float
    categorical: bool
    messages: tuple[str, ...] = ()
    engine_version: str = field(default=ENGINE_VERSION)

    @property
    def last_part(self) -> PartSummary:
        return self.parts[-1]

    def part_points(self, part: int) -> tuple[Point, ...]:
        return tuple(p for p in self.points if p.part == part)

    def column(self, name: str) -> list[Any]:
        """One per-point field as a list, e.g. ``result.column("ucl")``."""
        return [getattr(p, name) for p in self.points]

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine_version": self.engine_version,
            "chart": self.chart,
            "method": self.method,
            "screened_mr": self.screened_mr,
            "multiply": self.multiply,
            "categorical": self.categorical,
            "messages": list(self.messages),
            "points": [p.to_dict() for p in self.points],
            "parts": [s.to_dict() for s in self.parts],
        }


# ------------------------------------------------------------ input parsing


class _Missing:
    """Sentinel key for a missing x (R's duplicated() treats NA as one value)."""

    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<missing x>"


_MISSING: Final = _Missing()


def _floats(values: Sequence[Any] | np.ndarray, name: str) -> FloatArray:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64, copy=True).reshape(-1)
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if v is None:
            out[i] = np.nan
        elif isinstance(v, Real) and not isinstance(v, bool):
            out[i] = float(v)
        else:
            raise SPCError(f"{name}[{i}] is not a number: {v!r}")
    return out


def _x_values(x: Sequence[Any] | np.ndarray) -> list[Any]:
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "M":
            unit = np.datetime_data(x.dtype)[0]
            return (x if unit == "D" else x.astype("datetime64[us]")).tolist()
        return x.tolist()
    return list(x)


def _x_key(v: Any) -> tuple[XKind | None, Any]:
    """(kind, key) of one x value; kind None = missing."""
    if v is None:
        return None, _MISSING
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, datetime):
        return "datetime", v
    if isinstance(v, date):
        return "date", v
    if isinstance(v, str):
        return "category", v
    if isinstance(v, Real):
        f = float(v)
        if math.isnan(f):
            return None, _MISSING
        return "number", v
    raise SPCError(f"unsupported x value {v!r} (use dates, datetimes, numbers or strings)")


def _collate_key(s: str) -> tuple[str, str, str, str]:
    # Approximates R's sort() of character x in an en_US.UTF-8 session (ICU /
    # glibc collation): letters compared without accents and case first, then
    # accents, then lower case before upper case; the raw string breaks any
    # remaining tie so distinct strings never compare equal.
    decomposed = unicodedata.normalize("NFD", s)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return (base.casefold(), decomposed.casefold(), s.swapcase(), s)


def _part_breaks(part: Sequence[Any] | None, raw_keys: list[Any], n_rows: int) -> list[int] | None:
    """Break positions (a new part starts after each) from ``part``."""
    if part is None:
        return None
    values = list(part)
    if any(isinstance(v, str) for v in values):
        if not all(v is None or isinstance(v, str) for v in values):
            raise SPCError("part must be all break indices or all labels, not a mix")
        if len(values) != n_rows:
            raise SPCError(f"part labels must have one label per input row ({n_rows}); got {len(values)}")
        # One label per distinct x, taken from the first row of that x in
        # input order; a part starts where a label first appears.
        seen: set[Any] = set()
        firsts: list[Any] = []
        for key, lab in zip(raw_keys, values, strict=True):
            if key not in seen:
                seen.add(key)
                firsts.append(lab)
        labels: list[Any] = []
        for lab in firsts:
            if lab not in labels:
                labels.append(lab)
        return [firsts.index(lab) for lab in labels[1:]]
    breaks: list[int] = []
    for v in values:
        if v is None:
            continue
        if not isinstance(v, Real) or isinstance(v, bool):
            raise SPCError(f"part break {v!r} is not a number")
        f = float(v)
        if math.isfinite(f):
            breaks.append(int(f))  # R's as.integer truncates toward zero
    return breaks


def _make_parts(breaks: list[int] | None, n: int) -> np.ndarray:
    b = sorted({0, *(breaks or [])})
    b = [v for v in b if 0 <= v < n]
    ids = np.empty(n, dtype=np.int64)
    bounds = [*b, n]
    for i in range(len(b)):
        ids[bounds[i] : bounds[i + 1]] = i + 1
    return ids


# ------------------------------------------------------------- aggregation


@dataclass(frozen=True, slots=True)
class _Agg:
    x: list[XValue]
    y: FloatArray
    y_sum: FloatArray
    y_length: FloatArray
    y_mean: FloatArray
    y_sd: FloatArray
    n: FloatArray


def _aggregate(keys: list[Any], kind: XKind, y: FloatArray, n: FloatArray | None, agg_fun: str) -> _Agg:
    groups: dict[Any, list[int]] = {}
    for i, k in enumerate(keys):
        if k is not _MISSING:
            groups.setdefault(k, []).append(i)
    if not groups:
        raise SPCError("no data: every row has a missing x")
    try:
        if kind == "category":
            xs = sorted(groups, key=_collate_key)
        elif kind == "number":
            xs = sorted(groups, key=float)
        else:
            xs = sorted(groups)
    except TypeError as exc:  # e.g. naive and aware datetimes mixed
        raise SPCError(f"x values cannot be ordered: {exc}") from None
    got_n = n is not None
    g = len(xs)
    if all(len(groups[k]) == 1 for k in xs):
        idx = np.fromiter((groups[k][0] for k in xs), dtype=np.int64, count=g)
        yy = y[idx]
        miss = np.isnan(yy)
        y0 = np.where(miss, 0.0, yy)
        if got_n:
            assert n is not None
            nn = np.where(np.isnan(n[idx]), 0.0, n[idx])
            with np.errstate(invalid="ignore", divide="ignore"):
                yv = y0 / nn
        else:
            nn = np.full(g, np.nan)
            yv = {"mean": yy, "median": yy, "sum": y0, "sd": np.full(g, np.nan)}[agg_fun]
        return _Agg(xs, yv.copy(), yy.copy(), (~miss).astype(np.float64), yy.copy(), np.full(g, np.nan), nn)

    width = max(len(groups[k]) for k in xs)
    idx2 = np.zeros((g, width), dtype=np.int64)
    valid = np.zeros((g, width), dtype=bool)
    for r, k in enumerate(xs):
        rows = groups[k]
        idx2[r, : len(rows)] = rows
        valid[r, : len(rows)] = True
    yy = np.where(valid, y[idx2], np.nan)
    sizes = valid.sum(axis=1)
    total = r_sum(yy, valid)
    # A single row keeps its value, so a lone missing value stays missing.
    y_sum = np.where(sizes == 1, yy[:, 0], total)
    y_length = (valid & ~np.isnan(yy)).sum(axis=1).astype(np.float64)
    y_mean = r_mean(yy, valid)
    y_sd = r_sd(yy, valid)
    if got_n:
        assert n is not None
        nn2 = np.where(valid, n[idx2], np.nan)
        nn = r_sum(nn2, valid)
        with np.errstate(invalid="ignore", divide="ignore"):
            yv = total / nn
    else:
        nn = np.full(g, np.nan)
        if agg_fun == "mean":
            yv = y_mean
        elif agg_fun == "median":
            yv = r_median(yy, valid)
        elif agg_fun == "sum":
            yv = total
        else:
            yv = y_sd
    return _Agg(xs, yv, y_sum, y_length, y_mean, y_sd, nn)


# ------------------------------------------------------------------ engine


def _opt(v: float) -> float | None:
    return None if math.isnan(v) else v


def _opt_int(v: int, defined: bool) -> int | None:
    return int(v) if defined else None


def compute_chart(
    chart: str,
    x: Sequence[Any] | np.ndarray | None,
    y: Sequence[float | None] | np.ndarray,
    n: Sequence[float | None] | np.ndarray | None = None,
    *,
    freeze: float | None = None,
    part: Sequence[int] | Sequence[str] | None = None,
    exclude: Sequence[int] | None = None,
    multiply: float = 1,
    target: float | None = None,
    cl: float | None = None,
    y_neg: bool = True,
    method: str = "anhoej",
    screened_mr: bool = True,
    agg_fun: str = "mean",
) -> ChartResult:
    """Compute one run or control chart like qicharts2 0.8.1 ``qic()``.

    Args:
        chart: one of run, i, ip, mr, xbar, s, t, p, pp, c, u, up, g.
        x: one value per row: ``date``/``datetime`` (time axis), numbers, or
            strings (categorical axis: sorted alphabetically, no runs signal).
            Rows with a missing x are dropped.  Repeated x values form
            subgroups.  ``None`` means 1..N.
        y: values (numerators for ratio charts); None/NaN = missing.
        n: denominators; a row with y or n missing is blank in both.
        freeze: last baseline point (1-based ``xx``); ignored when ``part``
            is given (even an empty one, as in qicharts2).
        part: break indices (a new part starts after each listed ``xx``) or
            one label per input row.
        exclude: 1-based ``xx`` positions left out of centre line, limits and
            runs analysis (they still get limits and sigma signals).
        multiply: scales y, centre line and limits (e.g. 100 for percent).
        target: carried to every point untouched (not multiplied).
        cl: fixed centre line (g chart: limits from it, shown as 0.693 * cl).
        y_neg: if False and no y is negative, negative lower limits become 0.
        method: runs rules: "anhoej" (default), "bestbox" or "cutbox".
        screened_mr: drop moving ranges >= 3.267 * mean before computing
            sigma for i, t, pp, up, ip (qicharts2's attached default).
        agg_fun: aggregate for repeated x without n: mean, median, sum, sd.

    Raises:
        SPCError: invalid input, or input qicharts2 refuses (t chart y <= 0).
    """
    _check_args(chart, method, agg_fun, multiply, freeze, target, cl)
    yv, nv = _clean_values(y, n)
    keys, kind = _x_keys(x, yv.size)
    categorical = kind == "category"

    breaks = _part_breaks(part, keys, yv.size)
    agg = _aggregate(keys, kind, yv, nv, agg_fun)
    g = len(agg.x)
    xx = np.arange(1, g + 1)
    part_ids = _make_parts(breaks, g)
    frz = math.inf if (freeze is None or part is not None) else float(freeze)
    baseline = xx <= frz
    excl = set() if exclude is None else {float(e) for e in _floats(exclude, "exclude") if not math.isnan(e)}
    include = np.array([float(i) not in excl for i in xx], dtype=bool)

    out, part_slices, part_runs, messages = _lines_per_part(
        chart,
        agg,
        part_ids,
        baseline,
        include,
        None if cl is None else float(cl),
        categorical,
        screened_mr,
        method,
    )
    fin = finish(
        out["y"][None],
        out["cl"][None],
        out["lcl"][None],
        out["ucl"][None],
        out["lcl_95"][None],
        out["ucl_95"][None],
        multiply,
        y_neg,
    )
    if n is None and chart in ("run", "i") and np.any(agg.y_length > 1):
        messages.append(f"Subgroup size > 1. Data have been aggregated using {agg_fun}().")
    tgt = None if target is None or math.isnan(float(target)) else float(target)
    no_runs_signal = categorical or chart == "mr"
    points, summaries = _assemble(
        agg, out["n"], fin, baseline, include, part_slices, part_runs, tgt, no_runs_signal
    )
    return ChartResult(
        chart=chart,
        points=tuple(points),
        parts=tuple(summaries),
        method=method,
        screened_mr=screened_mr,
        multiply=float(multiply),
        categorical=categorical,
        messages=tuple(messages),
    )


# ----------------------------------------------------------- compute_chart's steps


def _check_args(
    chart: str, method: str, agg_fun: str, multiply: Any, freeze: Any, target: Any, cl: Any
) -> None:
    """Argument types and names, as qic() refuses them."""
    if chart not in CHART_TYPES:
        raise SPCError(f"unknown chart type {chart!r}; expected one of {', '.join(CHART_TYPES)}")
    if method not in METHODS:
        raise SPCError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if agg_fun not in AGG_FUNS:
        raise SPCError(f"agg_fun must be one of {', '.join(AGG_FUNS)}; got {agg_fun!r}")
    if not isinstance(multiply, Real) or isinstance(multiply, bool):
        raise SPCError(f"multiply must be a number; got {multiply!r}")
    for name, val in (("freeze", freeze), ("target", target), ("cl", cl)):
        if val is not None and (not isinstance(val, Real) or isinstance(val, bool)):
            raise SPCError(f"{name} must be a number; got {val!r}")


def _clean_values(
    y: Sequence[float | None] | np.ndarray, n: Sequence[float | None] | np.ndarray | None
) -> tuple[FloatArray, FloatArray | None]:
    """y and n as floats; a row missing either is blank in both."""
    yv = _floats(y, "y")
    if yv.size == 0:
        raise SPCError("no data: y is empty")
    nv: FloatArray | None = None
    if n is not None:
        nv = _floats(n, "n")
        if nv.size != yv.size:
            raise SPCError(f"n has {nv.size} values but y has {yv.size}")
        blank = np.isnan(yv) | np.isnan(nv)
        yv[blank] = np.nan
        nv[blank] = np.nan
    return yv, nv


def _x_keys(x: Sequence[Any] | np.ndarray | None, n_rows: int) -> tuple[list[Any], XKind]:
    """Sort keys of x and its kind (one kind only)."""
    xs_raw = list(range(1, n_rows + 1)) if x is None else _x_values(x)
    if len(xs_raw) != n_rows:
        raise SPCError(f"x has {len(xs_raw)} values but y has {n_rows}")
    kinds: set[XKind] = set()
    keys: list[Any] = []
    for v in xs_raw:
        kd, key = _x_key(v)
        if kd is not None:
            kinds.add(kd)
        keys.append(key)
    if len(kinds) > 1:
        raise SPCError(f"x mixes value types: {', '.join(sorted(kinds))}")
    return keys, (kinds.pop() if kinds else "number")


def _lines_per_part(
    chart: str,
    agg: _Agg,
    part_ids: np.ndarray,
    baseline: np.ndarray,
    include: np.ndarray,
    cl_fixed: float | None,
    categorical: bool,
    screened_mr: bool,
    method: str,
) -> tuple[dict[str, np.ndarray], list[slice], list[Any], list[str]]:
    """Centre line, limits and runs analysis of each part (before ``multiply``)."""
    g = len(agg.x)
    out = {k: np.empty(g) for k in ("y", "n", "cl", "lcl", "ucl", "lcl_95", "ucl_95")}
    messages: list[str] = []
    part_runs = []
    part_slices: list[slice] = []
    for pid in range(1, int(part_ids[-1]) + 1):
        where = np.flatnonzero(part_ids == pid)
        sl = slice(int(where[0]), int(where[-1]) + 1)
        part_slices.append(sl)
        pdata = PartData(
            y=agg.y[None, sl],
            y_sum=agg.y_sum[None, sl],
            y_length=agg.y_length[None, sl],
            y_mean=agg.y_mean[None, sl],
            y_sd=agg.y_sd[None, sl],
            n=agg.n[None, sl],
            base=baseline[sl] & include[sl],
            cl_fixed=cl_fixed,
            categorical=categorical,
            screened=screened_mr,
        )
        lines = compute_lines(chart, pdata)
        stats = runs_analysis(lines.y, lines.cl, include[sl], method)
        messages.extend(runs_messages(int(stats.n_useful[0]), method))
        part_runs.append(stats)
        for k in out:
            out[k][sl] = getattr(lines, k)[0]
    return out, part_slices, part_runs, messages


def _assemble(
    agg: _Agg,
    n_out: np.ndarray,
    fin: Any,
    baseline: np.ndarray,
    include: np.ndarray,
    part_slices: list[slice],
    part_runs: list[Any],
    tgt: float | None,
    no_runs_signal: bool,
) -> tuple[list[Point], list[PartSummary]]:
    """Points and part summaries from the finished (multiplied, signalled) lines."""
    y_out, cl_out, sigma = fin.y[0], fin.cl[0], fin.sigma_signal[0]
    lim = {"lcl": fin.lcl[0], "ucl": fin.ucl[0], "lcl_95": fin.lcl_95[0], "ucl_95": fin.ucl_95[0]}
    points: list[Point] = []
    summaries: list[PartSummary] = []
    cols = {
        "y": y_out.tolist(),
        "n": n_out.tolist(),
        "y_sum": agg.y_sum.tolist(),
        "cl": cl_out.tolist(),
        **{k: v.tolist() for k, v in lim.items()},
    }
    y_len = agg.y_length.astype(np.int64).tolist()
    sig = sigma.tolist()
    base_l = baseline.tolist()
    inc_l = include.tolist()
    for pid, (sl, st) in enumerate(zip(part_slices, part_runs, strict=True), start=1):
        defined = bool(st.defined[0])
        rs = bool(st.runs_signal[0]) and not no_runs_signal
        for i in range(sl.start, sl.stop):
            points.append(
                Point(
                    x=agg.x[i],
                    y=_opt(cols["y"][i]),
                    n=_opt(cols["n"][i]),
                    y_sum=_opt(cols["y_sum"][i]),
                    y_length=y_len[i],
                    cl=_opt(cols["cl"][i]),
                    lcl=_opt(cols["lcl"][i]),
                    ucl=_opt(cols["ucl"][i]),
                    lcl_95=_opt(cols["lcl_95"][i]),
                    ucl_95=_opt(cols["ucl_95"][i]),
                    target=tgt,
                    part=pid,
                    xx=i + 1,
                    baseline=base_l[i],
                    include=inc_l[i],
                    runs_signal=rs,
                    sigma_signal=sig[i],
                )
            )
        means = r_mean(
            np.stack([lim["lcl"][sl], lim["lcl_95"][sl], cl_out[sl], lim["ucl_95"][sl], lim["ucl"][sl]])
        ).tolist()
        summaries.append(
            PartSummary(
                part=pid,
                first_xx=sl.start + 1,
                last_xx=sl.stop,
                n_obs=int(st.n_obs[0]),
                n_useful=int(st.n_useful[0]),
                longest_run=_opt_int(st.longest_run[0], defined),
                longest_run_max=_opt_int(st.longest_run_max[0], defined),
                n_crossings=_opt_int(st.n_crossings[0], defined),
                n_crossings_min=_opt_int(st.n_crossings_min[0], defined),
                runs_signal=rs,
                sigma_signal=int(np.count_nonzero(sigma[sl])),
                cl=_opt(means[2]),
                alcl=_opt(means[0]),
                alcl_95=_opt(means[1]),
                aucl_95=_opt(means[3]),
                aucl=_opt(means[4]),
            )
        )
    return points, summaries
