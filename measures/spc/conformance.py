"""Conformance runner: compare the reference layer with the reference vectors.

Usage::

    python -m measures.spc.conformance [DIR ...]

Three kinds of case, told apart by the ``kind`` key: absent = qicharts2
(engine.compute_chart; tests/spc/vectors/qicharts2/README.md), ``"mdc"`` =
NHSRplotthedots 0.2.2 (mdc.mdc_spc; tests/spc/vectors/mdc/README.md) and
``"funnel"`` = FunnelPlotR 0.6.0 (funnel.funnel_plot;
tests/spc/vectors/funnel/README.md).  Without DIR the repository's copies in
tests/spc/vectors/{qicharts2,mdc,funnel} are run.  Every ``*.json`` file that
is a case is checked; other JSON files are skipped silently.  One line is printed per failing case, naming
the case, the first differing field, the point index and both values; the
last line is ``N passed, M failed``.  Exit status 1 if any case failed (or no
case was found), 2 on a bad command line.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from .engine import ChartResult, compute_chart
from .errors import SPCError
from .funnel import FunnelError, funnel_plot
from .mdc import MDCError, mdc_spc

__all__ = [
    "CaseOutcome",
    "check_case",
    "compute_case",
    "find_cases",
    "load_case",
    "main",
    "run_conformance",
    "values_equal",
]

KINDS: Final = ("mdc", "funnel")
DEFAULT_DIRS: Final = tuple(
    Path(__file__).resolve().parents[2] / "tests" / "spc" / "vectors" / sub
    for sub in ("qicharts2", "mdc", "funnel")
)
REL_TOL: Final = 1e-9
ABS_TOL: Final = 1e-12

# (name in the vectors, attribute of Point / PartSummary, kind)
POINT_FIELDS: Final = (
    ("y", "y", "num"),
    ("n", "n", "num"),
    ("cl", "cl", "num"),
    ("lcl", "lcl", "num"),
    ("ucl", "ucl", "num"),
    ("lcl.95", "lcl_95", "num"),
    ("ucl.95", "ucl_95", "num"),
    ("part", "part", "int"),
    ("xx", "xx", "int"),
    ("baseline", "baseline", "bool"),
    ("include", "include", "bool"),
    ("runs.signal", "runs_signal", "bool"),
    ("sigma.signal", "sigma_signal", "bool"),
)
SUMMARY_FIELDS: Final = (
    ("part", "part", "int"),
    ("n.obs", "n_obs", "int"),
    ("n.useful", "n_useful", "int"),
    ("longest.run", "longest_run", "int"),
    ("longest.run.max", "longest_run_max", "int"),
    ("n.crossings", "n_crossings", "int"),
    ("n.crossings.min", "n_crossings_min", "int"),
    ("runs.signal", "runs_signal", "bool"),
    ("aLCL", "alcl", "num"),
    ("aLCL.95", "alcl_95", "num"),
    ("CL", "cl", "num"),
    ("aUCL.95", "aucl_95", "num"),
    ("aUCL", "aucl", "num"),
    ("sigma.signal", "sigma_signal", "int"),
)


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    name: str
    path: Path
    ok: bool
    message: str = ""


# ------------------------------------------------------------- comparison


def _as_float(v: Any) -> float | None:
    """Vector/engine value -> float (None = missing)."""
    if v is None:
        return None
    if isinstance(v, str):
        if v in ("Inf", "+Inf"):
            return math.inf
        if v == "-Inf":
            return -math.inf
        if v in ("NaN", "NA"):
            return None
        raise ValueError(f"unexpected string number {v!r}")
    f = float(v)
    return None if math.isnan(f) else f


def values_equal(expected: Any, actual: Any, kind: str) -> bool:
    """Comparison rules of the README: numbers to rel 1e-9 (abs 1e-12 near
    zero), null == missing, "Inf" == inf, booleans and integers exactly."""
    if kind == "bool":
        if expected is None or actual is None:
            return expected is None and actual is None
        if expected not in (True, False, 0, 1):
            return False
        return bool(expected) == bool(actual)
    e, a = _as_float(expected), _as_float(actual)
    if e is None or a is None:
        return e is None and a is None
    if kind == "int":
        return e == a
    if math.isinf(e) or math.isinf(a):
        return e == a
    return abs(e - a) <= max(REL_TOL * max(abs(e), abs(a)), ABS_TOL)


# ------------------------------------------------------------------ cases


def case_kind(case: dict[str, Any]) -> str:
    """ "qicharts2" (no ``kind``), "mdc" or "funnel"."""
    return str(case.get("kind") or "qicharts2")


def load_case(path: Path) -> dict[str, Any] | None:
    """The case in ``path``, or None if the file is not a case."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or "expected" not in data:
        return None
    kind = data.get("kind")
    if kind is None and "chart" not in data:
        return None
    if kind is not None and kind not in KINDS:
        return None
    return data


def find_cases(dirs: Iterable[str | Path]) -> list[tuple[Path, dict[str, Any]]]:
    cases: list[tuple[Path, dict[str, Any]]] = []
    for d in dirs:
        for path in sorted(Path(d).glob("*.json")):
            case = load_case(path)
            if case is not None:
                cases.append((path, case))
    return cases


def _convert_x(values: Sequence[Any] | None, x_type: str | None) -> list[Any] | None:
    if values is None:
        return None
    if x_type == "date":
        return [None if v is None else date.fromisoformat(v) for v in values]
    if x_type in ("datetime", "posixct"):
        return [None if v is None else datetime.fromisoformat(v.replace("Z", "+00:00")) for v in values]
    if x_type == "category":
        return [None if v is None else str(v) for v in values]
    return list(values)


def _as_list(v: Any) -> Any:
    """Length-1 vectors may have been written as scalars (jsonlite auto_unbox)."""
    return v if v is None or isinstance(v, list) else [v]


def _numbers(values: list[Any] | None) -> list[Any] | None:
    """Input numbers; "Inf"/"-Inf"/"NaN" strings become floats."""
    if values is None:
        return None
    return [_as_float(v) if isinstance(v, str) else v for v in values]


_SCALAR_ARGS: Final = frozenset({"freeze", "multiply", "target", "cl", "method", "agg.fun", "y.neg"})


def _scalar(v: Any) -> Any:
    return v[0] if isinstance(v, list) and len(v) == 1 else v


def compute_case(case: dict[str, Any]) -> ChartResult:
    """Run the engine on a case's input and qic() arguments."""
    inp = case.get("input", {})
    args = {
        k: _scalar(v) if k in _SCALAR_ARGS else v
        for k, v in (case.get("args") or {}).items()
        if v is not None
    }
    options = case.get("options", {}) or {}
    y = _numbers(_as_list(inp["y"]))
    x = _convert_x(_as_list(inp.get("x")), inp.get("x_type"))
    kwargs: dict[str, Any] = {}
    if "freeze" in args:
        kwargs["freeze"] = args["freeze"]
    if "part" in args:
        kwargs["part"] = _as_list(args["part"])
    if "exclude" in args:
        kwargs["exclude"] = _as_list(args["exclude"])
    if "multiply" in args:
        kwargs["multiply"] = args["multiply"]
    if "target" in args:
        kwargs["target"] = _as_float(args["target"])
    if "cl" in args:
        kwargs["cl"] = _as_float(args["cl"])
    if "method" in args:
        kwargs["method"] = args["method"]
    if "agg.fun" in args:
        kwargs["agg_fun"] = args["agg.fun"]
    if "y.neg" in args:
        kwargs["y_neg"] = bool(args["y.neg"])
    kwargs["screened_mr"] = bool(options.get("qic.screenedmr", True))
    return compute_chart(case["chart"], x, y, _numbers(_as_list(inp.get("n"))), **kwargs)


def _fmt(v: Any) -> str:
    return "null" if v is None else repr(v)


def check_case(case: dict[str, Any]) -> str | None:
    """None if the reference layer reproduces the case, else a description of
    the first difference.  Dispatches on the case's ``kind``."""
    kind = case_kind(case)
    if kind == "funnel":
        return check_funnel_case(case)
    if kind == "mdc":
        return check_mdc_case(case)
    return check_qic_case(case)


def check_qic_case(case: dict[str, Any]) -> str | None:
    expected = case["expected"]
    if isinstance(expected, dict) and "error" in expected:
        try:
            compute_case(case)
        except SPCError:
            return None
        except Exception as exc:  # noqa: BLE001 - report, do not crash the runner
            return f"expected SPCError ({expected['error']}), got {type(exc).__name__}: {exc}"
        return f"expected SPCError ({expected['error']}), but the engine computed a chart"
    try:
        res = compute_case(case)
    except SPCError as exc:
        return f"engine raised SPCError: {exc}"
    except Exception as exc:  # noqa: BLE001
        return f"engine raised {type(exc).__name__}: {exc}"

    n_exp = len(_as_list(expected.get("y")) or [])
    if len(res.points) != n_exp:
        return f"number of points: expected {n_exp}, got {len(res.points)}"
    return _compare_points(expected, res.points, POINT_FIELDS) or _compare_summary(
        expected.get("summary"), res.parts, _QIC_SUMMARY
    )


_QIC_SUMMARY: Final = {key: (attr, kind) for key, attr, kind in SUMMARY_FIELDS}


def _compare_points(
    expected: dict[str, Any], points: Sequence[Any], fields: Iterable[tuple[str, str, str]]
) -> str | None:
    """The first difference in the per-point columns; `fields` are (column, attribute, kind), and a
    column written as a scalar holds for every point."""
    for column, attr, kind in fields:
        if column not in expected:
            continue
        values = expected[column]
        if not isinstance(values, list):
            values = [values] * len(points)
        for i, (e, p) in enumerate(zip(values, points, strict=True)):
            a = getattr(p, attr)
            if not _same(e, a, kind):
                return f"field {column} point {i}: expected {_fmt(e)}, got {_fmt(a)}"
    return None


def _compare_summary(summary: Any, rows: Sequence[Any], fields: dict[str, tuple[str, str]]) -> str | None:
    """The first difference in the summary rows (one per part or rebase group); `fields` maps each
    key to (attribute, kind)."""
    if isinstance(summary, dict):
        summary = [summary]
    if summary is None:
        return None
    if len(summary) != len(rows):
        return f"number of summary rows: expected {len(summary)}, got {len(rows)}"
    for j, (es, row) in enumerate(zip(summary, rows, strict=True)):
        for key, e in es.items():
            if key not in fields:
                return f"summary field {key} row {j}: unknown field"
            attr, kind = fields[key]
            a = getattr(row, attr)
            if not _same(e, a, kind):
                return f"summary field {key} row {j}: expected {_fmt(e)}, got {_fmt(a)}"
    return None


def _same(e: Any, a: Any, kind: str) -> bool:
    if kind == "str":
        return e == a
    return values_equal(e, a, kind)


# ----------------------------------------------------------------- funnel

_FUNNEL_INT_FIELDS: Final = frozenset({"winsorised", "truncated", "sp", "outlier"})
_FUNNEL_STR_FIELDS: Final = frozenset({"group"})


def compute_funnel_case(case: dict[str, Any]):
    inp = case["input"]
    return funnel_plot(
        [str(g) for g in _as_list(inp["group"])],
        _numbers(_as_list(inp["numerator"])),
        _numbers(_as_list(inp["denominator"])),
        data_type=_scalar(inp.get("data_type", "SR")),
        limit=int(_scalar(inp.get("limit", 99))),
        draw_adjusted=bool(_scalar(inp.get("draw_adjusted", True))),
        draw_unadjusted=bool(_scalar(inp.get("draw_unadjusted", False))),
        sr_method=_scalar(inp.get("sr_method", "SHMI")),
        trim_by=float(_scalar(inp.get("trim_by", 0.1))),
        multiplier=float(_scalar(inp.get("multiplier", 1))),
        shmi_rounding=bool(_scalar(inp.get("SHMI_rounding", True))),
    )


def _run_case(
    case: dict[str, Any], compute: Callable[[dict[str, Any]], Any], error_type: type[Exception], name: str
) -> tuple[bool, Any]:
    """Compute a reference case (funnel, mdc). (True, verdict) when the case is decided here: it
    expects an error (None if the same error text came), or the computation raised; otherwise
    (False, result) for the caller to compare field by field."""
    expected = case["expected"]
    if "error" in expected:
        try:
            compute(case)
        except error_type as exc:
            if str(exc) == expected["error"]:
                return True, None
            return True, f"error text: expected {expected['error']!r}, got {str(exc)!r}"
        return True, f"expected error ({expected['error']}), but the {name} was computed"
    try:
        return False, compute(case)
    except Exception as exc:  # noqa: BLE001 - report, do not crash the runner
        return True, f"{name} raised {type(exc).__name__}: {exc}"


def check_funnel_case(case: dict[str, Any]) -> str | None:
    expected = case["expected"]
    decided, fp = _run_case(case, compute_funnel_case, FunnelError, "funnel")
    if decided:
        return fp
    for key, kind in (
        ("phi", "num"),
        ("tau2", "num"),
        ("draw_adjusted", "bool"),
        ("draw_unadjusted", "bool"),
    ):
        if key in expected and not values_equal(expected[key], getattr(fp, key), kind):
            return f"{key}: expected {_fmt(expected[key])}, got {_fmt(getattr(fp, key))}"
    groups = expected.get("groups") or {}
    n_exp = len(_as_list(groups.get("group")) or [])
    if groups and n_exp != len(fp.groups):
        return f"number of groups: expected {n_exp}, got {len(fp.groups)}"
    for key, col in groups.items():
        col = _as_list(col)
        for i, (e, g) in enumerate(zip(col, fp.groups, strict=True)):
            a = getattr(g, key, _MISSING)
            if a is _MISSING:
                return f"groups field {key}: unknown"
            if key in _FUNNEL_STR_FIELDS:
                ok = str(e) == a
            else:
                ok = values_equal(e, a, "int" if key in _FUNNEL_INT_FIELDS else "num")
            if not ok:
                return f"groups field {key} group {fp.groups[i].group}: expected {_fmt(e)}, got {_fmt(a)}"
    if "n_outliers" in expected and expected["n_outliers"] != len(fp.outlier_groups):
        return f"n_outliers: expected {expected['n_outliers']}, got {len(fp.outlier_groups)}"
    if "outlier_groups" in expected and list(_as_list(expected["outlier_groups"])) != fp.outlier_groups:
        return f"outlier_groups: expected {expected['outlier_groups']}, got {fp.outlier_groups}"
    nrow = len(fp.limits["number_seq"])
    if "limits_lookup_nrow" in expected and expected["limits_lookup_nrow"] != nrow:
        return f"limits_lookup_nrow: expected {expected['limits_lookup_nrow']}, got {nrow}"
    rows = _as_list(expected.get("limits_curve_rows")) or []
    for key, col in (expected.get("limits_curve") or {}).items():
        if key not in fp.limits:
            return f"limits_curve field {key}: unknown"
        for r, e in zip(rows, _as_list(col), strict=True):
            if not 1 <= r <= nrow:
                return f"limits_curve row {r} beyond the table ({nrow} rows)"
            a = float(fp.limits[key][r - 1])
            if not values_equal(e, a, "num"):
                return f"limits_curve field {key} row {r}: expected {_fmt(e)}, got {_fmt(a)}"
    if "r_messages" in case and list(case["r_messages"]) != list(fp.messages):
        return f"messages: expected {case['r_messages']}, got {list(fp.messages)}"
    return None


_MISSING: Final = object()


# -------------------------------------------------------------------- mdc

_MDC_POINT_FIELDS: Final = (
    ("y", "num"),
    ("rebase_group", "int"),
    ("short_group_warning", "bool"),
    ("mean", "num"),
    ("lpl", "num"),
    ("upl", "num"),
    ("outside_limits", "bool"),
    ("relative_to_mean", "int"),
    ("close_to_limits", "bool"),
    ("rule_seven_point_trend", "int"),
    ("rule_two_in_three", "int"),
    ("rule_seven_point_one_side", "int"),
    ("special_cause_type", "str"),
    ("special_cause_flag", "bool"),
    ("point_type", "str"),
    ("target", "num"),
)
_MDC_SUMMARY_FIELDS: Final = {
    "rebase_group": "int",
    "mean": "num",
    "lpl": "num",
    "upl": "num",
    "n": "int",
    "common_cause": "int",
    "special_cause_improvement": "int",
    "special_cause_concern": "int",
    "variation_type": "str",
    "assurance_type": "str",
}


def compute_mdc_case(case: dict[str, Any]):
    inp = case["input"]
    rebase = _as_list(inp.get("rebase"))
    fix = _scalar(inp.get("fix_after_n_points"))
    target = _scalar(inp.get("target"))
    return mdc_spc(
        [date.fromisoformat(d) for d in _as_list(inp["dates"])],
        _numbers(_as_list(inp["values"])),
        improvement_direction=_scalar(inp.get("improvement_direction", "increase")),
        target=None if target is None else float(target),
        rebase=None if rebase is None else [date.fromisoformat(d) for d in rebase],
        fix_after_n_points=None if fix is None else int(fix),
        screen_outliers=bool(_scalar(inp.get("screen_outliers", True))),
    )


def check_mdc_case(case: dict[str, Any]) -> str | None:
    expected = case["expected"]
    decided, res = _run_case(case, compute_mdc_case, MDCError, "mdc chart")
    if decided:
        return res
    dates = _as_list(expected.get("date")) or []
    if len(dates) != len(res.points):
        return f"number of points: expected {len(dates)}, got {len(res.points)}"
    for i, (d, p) in enumerate(zip(dates, res.points, strict=True)):
        if d != p.date.isoformat():
            return f"date point {i}: expected {d}, got {p.date.isoformat()}"
    difference = _compare_points(
        expected, res.points, [(key, key, kind) for key, kind in _MDC_POINT_FIELDS]
    ) or _compare_summary(
        expected.get("summary"),
        res.summary,
        {key: (key, kind) for key, kind in _MDC_SUMMARY_FIELDS.items()},
    )
    if difference:
        return difference
    for key, e in (expected.get("icons") or {}).items():
        if res.icons.get(key) != e:
            return f"icon {key}: expected {_fmt(e)}, got {_fmt(res.icons.get(key))}"
    if "r_warnings" in case and list(case["r_warnings"]) != list(res.warnings):
        return f"warnings: expected {case['r_warnings']}, got {list(res.warnings)}"
    return None


def run_conformance(dirs: Iterable[str | Path]) -> list[CaseOutcome]:
    outcomes = []
    for path, case in find_cases(dirs):
        msg = check_case(case)
        name = str(case.get("name") or path.stem)
        outcomes.append(CaseOutcome(name=name, path=path, ok=msg is None, message=msg or ""))
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 2
    if not args:
        args = [str(d) for d in DEFAULT_DIRS]
    missing = [a for a in args if not Path(a).is_dir()]
    if missing:
        print(f"not a directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    outcomes = run_conformance(args)
    for o in outcomes:
        if not o.ok:
            print(f"FAIL {o.name}: {o.message}")
    n_fail = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes) - n_fail} passed, {n_fail} failed")
    if not outcomes:
        print("no cases found", file=sys.stderr)
        return 1
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
