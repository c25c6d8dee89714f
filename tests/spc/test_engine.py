"""Public API behaviour of compute_chart / ChartResult beyond the vectors."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import measures.spc as spc
from measures.spc import ENGINE_VERSION, SPCError, compute_chart
from measures.spc.rmath import LONG_DOUBLE_IS_EXTENDED, r_mean, r_median, r_sd

MONTHS = [date(2021 + i // 12, i % 12 + 1, 1) for i in range(36)]
PKG = Path(spc.__file__).resolve().parent


def test_version_and_exports() -> None:
    assert ENGINE_VERSION == "1.1.0"
    assert spc.ENGINE_VERSION == ENGINE_VERSION
    for name in ("compute_chart", "classify", "run_batch", "SPCError", "ChartResult", "Point", "PartSummary"):
        assert hasattr(spc, name)
    assert issubclass(SPCError, ValueError)


def test_package_never_imports_django() -> None:
    for path in PKG.glob("*.py"):
        text = path.read_text("utf-8")
        assert "import django" not in text and "from django" not in text, path.name


def test_to_dict_is_strict_json_with_inf_and_missing() -> None:
    # 3/0 -> +Inf (quirk 3); blank row -> missing y with n = 0 (quirk 4)
    res = compute_chart("u", MONTHS[:6], [1, 2, 3, None, 2, 1], [10, 12, 0, 11, 9, 10], multiply=100)
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    pts = d["points"]
    assert pts[2]["y"] == "Inf" and pts[2]["ucl"] is None and pts[2]["sigma_signal"] is False
    assert pts[3]["y"] is None and pts[3]["n"] == 0
    assert pts[0]["x"] == "2021-01-01"
    assert d["engine_version"] == ENGINE_VERSION and d["chart"] == "u"
    assert set(d["parts"][0]) >= {"n_obs", "n_useful", "longest_run", "alcl", "aucl", "cl", "sigma_signal"}
    assert res.points[2].y == math.inf
    assert res.parts[0].n_obs == 6 and res.parts[0].n_useful == 5


def test_results_are_frozen() -> None:
    res = compute_chart("run", None, [1, 2, 3])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.points[0].y = 5  # type: ignore[misc]


def test_unsorted_input_is_sorted_and_x_none_is_positions() -> None:
    y = [5, 7, 6, 9, 8]
    order = [3, 0, 4, 1, 2]
    res = compute_chart("i", [MONTHS[i] for i in order], [y[i] for i in order])
    assert [p.y for p in res.points] == [float(v) for v in y]
    assert [p.xx for p in res.points] == [1, 2, 3, 4, 5]
    res2 = compute_chart("i", None, y)
    assert res2.column("cl") == res.column("cl") and res2.points[0].x == 1


def test_subgroups_are_aggregated() -> None:
    x = [MONTHS[0]] * 3 + [MONTHS[1]] * 2 + [MONTHS[2]]
    res = compute_chart("p", x, [1, 2, None, 3, 4, 5], [10, 10, 10, 10, 10, 10])
    p0 = res.points[0]
    assert (p0.y_sum, p0.n, p0.y_length) == (3.0, 20.0, 2) and p0.y == pytest.approx(0.15)
    med = compute_chart("run", x, [1, 2, 9, 3, 4, 5], agg_fun="median")
    assert med.points[0].y == 2.0
    assert any("aggregated using median()" in m for m in med.messages)


def test_categorical_x_sorted_and_no_runs_signal() -> None:
    res = compute_chart("run", ["b", "a", "C", "d"], [1, 2, 3, 4])
    assert res.categorical
    assert [p.x for p in res.points] == ["a", "b", "C", "d"]
    y = [1.0] * 11 + [2.0] * 11  # one long run on each side: a shift
    labels = [f"unit {i:02d}" for i in range(22)]
    cat = compute_chart("run", labels, y)
    num = compute_chart("run", None, y)
    assert num.parts[0].runs_signal and num.points[0].runs_signal
    assert not cat.parts[0].runs_signal and not any(p.runs_signal for p in cat.points)
    assert cat.parts[0].longest_run == num.parts[0].longest_run == 11


def test_part_labels_and_freeze_ignored_with_part() -> None:
    labels = ["before"] * 12 + ["after"] * 12
    y = list(range(24))
    a = compute_chart("i", MONTHS[:24], y, part=labels, freeze=6)
    b = compute_chart("i", MONTHS[:24], y, part=[12])
    assert a.to_dict() == b.to_dict()
    assert [s.part for s in a.parts] == [1, 2]
    assert all(p.baseline for p in a.points)
    assert a.parts[1].first_xx == 13


def test_freeze_and_exclude_flags() -> None:
    res = compute_chart("c", MONTHS[:24], [3, 4, 5, 30] + [4] * 20, freeze=12, exclude=[4])
    assert [p.baseline for p in res.points] == [True] * 12 + [False] * 12
    assert not res.points[3].include and res.points[3].sigma_signal  # excluded, still flagged
    assert res.parts[0].n_obs == 23
    assert res.points[0].cl == pytest.approx(np.mean([3, 4, 5] + [4] * 8))


def test_y_neg_false_floors_lower_limits() -> None:
    y = [1, 9, 2, 8, 1, 9, 2, 8, 1, 9]
    assert compute_chart("i", None, y).points[0].lcl < 0
    assert compute_chart("i", None, y, y_neg=False).points[0].lcl == 0
    with_neg = [*y[:-1], -1]
    assert compute_chart("i", None, with_neg, y_neg=False).points[0].lcl < 0


def test_errors() -> None:
    with pytest.raises(SPCError, match="greater than zero"):
        compute_chart("t", None, [3, 2, 0, 4], exclude=[3])
    with pytest.raises(SPCError, match="unknown chart"):
        compute_chart("x", None, [1, 2])
    with pytest.raises(SPCError, match="method"):
        compute_chart("run", None, [1, 2], method="best")
    with pytest.raises(SPCError):
        compute_chart("p", None, [1, 2], [3])
    with pytest.raises(SPCError):
        compute_chart("run", [1, "a"], [1, 2])
    with pytest.raises(SPCError):
        compute_chart("run", None, ["a", 2])
    with pytest.raises(SPCError, match="no data"):
        compute_chart("run", [None, None], [1, 2])
    with pytest.raises(SPCError, match="one label per input row"):
        compute_chart("run", None, [1, 2, 3], part=["a", "b"])


def test_numpy_inputs() -> None:
    x = np.array(["2021-01-01", "2021-02-01", "2021-03-01"], dtype="datetime64[D]")
    res = compute_chart("i", x, np.array([1.0, np.nan, 3.0]))
    assert res.points[0].x == date(2021, 1, 1) and res.points[1].y is None


def test_fixed_centre_line() -> None:
    res = compute_chart("i", None, [1, 2, 3, 4, 5], cl=10)
    assert all(p.cl == 10 for p in res.points)
    g = compute_chart("g", None, [3, 50, 7, 20], cl=40)
    assert g.points[0].cl == pytest.approx(0.693 * 40)
    assert g.points[0].ucl == pytest.approx(40 + 3 * math.sqrt(40 * 41))


def test_mr_chart_never_has_runs_signal() -> None:
    res = compute_chart("mr", None, [1, 2] * 6 + [1, 5] * 6)
    assert res.points[0].y is None
    assert not res.parts[0].runs_signal and res.parts[0].n_useful > 0


@pytest.mark.skipif(not LONG_DOUBLE_IS_EXTENDED, reason="R emulation needs x87 long double")
def test_r_long_double_mean() -> None:
    # R: mean(c(0.1, 0.2, 0.3)) == 0.2 is TRUE; naive double arithmetic is not.
    assert (0.1 + 0.2 + 0.3) / 3 != 0.2
    assert r_mean(np.array([0.1, 0.2, 0.3]))[()] == 0.2
    res = compute_chart("i", None, [0.1, 0.2, 0.3])
    assert res.parts[0].n_useful == 2  # the middle point lies on the centre line


def test_r_reductions_missing_values() -> None:
    x = np.array([[1.0, np.nan, 3.0, 4.0], [np.nan] * 4])
    assert r_mean(x)[0] == pytest.approx(8 / 3) and math.isnan(r_mean(x)[1])
    assert r_median(x)[0] == 3.0 and math.isnan(r_median(x)[1])
    assert r_median(np.array([4.0, 1.0, 3.0, 2.0]))[()] == 2.5
    assert r_sd(np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]))[()] == pytest.approx(
        np.std([2, 4, 4, 4, 5, 5, 7, 9], ddof=1)
    )
    assert math.isnan(r_sd(np.array([1.0, np.nan]))[()])
