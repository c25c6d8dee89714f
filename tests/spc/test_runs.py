"""Anhøj limits, bestbox/cutbox tables and the runs analysis itself."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from measures.spc.errors import SPCError
from measures.spc.rmath import qbinom_05_half
from measures.spc.runs import anhoej_limits, box_bounds, runs_analysis, runs_signal_rule


@pytest.mark.parametrize(
    ("n_useful", "expected"),
    [(10, (6, 2)), (12, (7, 3)), (24, (8, 8)), (36, (8, 13)), (100, (10, 41))],
)
def test_anhoej_limits_examples(n_useful: int, expected: tuple[int, int]) -> None:
    assert anhoej_limits(n_useful) == expected


def test_anhoej_limits_match_qicharts2_table() -> None:
    table = json.loads(resources.files("measures.spc").joinpath("anhoej_limits.json").read_text("utf-8"))
    for n, lr, cr in zip(table["n.useful"], table["longest.run.max"], table["n.crossings.min"], strict=True):
        assert anhoej_limits(n) == (lr, cr), n
    assert len(table["n.useful"]) >= 500
    # the packaged table is the qicharts2 reference table, unchanged
    reference = Path(__file__).resolve().parent / "vectors" / "qicharts2" / "anhoej_limits.json"
    assert json.loads(reference.read_text("utf-8")) == table


def test_qbinom_small_sizes() -> None:
    # P(Bin(0, .5) <= 0) = 1; P(Bin(5, .5) <= 0) = 1/32 < .05 <= P(<= 1) = 6/32
    assert qbinom_05_half(0) == 0
    assert qbinom_05_half(5) == 1
    with pytest.raises(ValueError):
        anhoej_limits(0)


def test_box_tables() -> None:
    assert box_bounds(9) is None and box_bounds(101) is None
    b10 = box_bounds(10)
    assert b10 is not None and (b10.cb, b10.lb, b10.cbord, b10.lbord) == (2, 6, 3, 5)
    b12 = box_bounds(12)
    assert b12 is not None and b12.cbord is None


def test_signal_rules() -> None:
    # Anhøj, n = 24: longest 8 and crossings 8 are exactly at the limits.
    assert runs_signal_rule(24, 8, 8) is False
    assert runs_signal_rule(24, 8, 9) is True
    assert runs_signal_rule(24, 7, 8) is True
    # n = 10 corner (crossings 2, longest 6): inside bestbox, outside cutbox.
    assert runs_signal_rule(10, 2, 6, "bestbox") is False
    assert runs_signal_rule(10, 2, 6, "cutbox") is True
    assert runs_signal_rule(10, 3, 6, "cutbox") is False
    assert runs_signal_rule(10, 2, 5, "cutbox") is False
    # outside 10..100 both box methods fall back to Anhøj
    assert runs_signal_rule(9, 1, 6, "bestbox") == runs_signal_rule(9, 1, 6, "anhoej")
    with pytest.raises(SPCError):
        runs_signal_rule(10, 2, 6, "other")


def _analyse(y: list[float], cl: float, include: list[bool] | None = None):
    arr = np.array([y], dtype=float)
    inc = np.ones(len(y), bool) if include is None else np.array(include)
    return runs_analysis(arr, np.full(arr.shape, cl), inc)


def test_runs_skip_points_on_line_and_missing() -> None:
    nan = float("nan")
    st = _analyse([1, 1, 0, nan, 1, -1, -1, 1], cl=0)
    assert st.n_obs[0] == 8
    assert st.n_useful[0] == 6
    assert st.longest_run[0] == 3  # 1, 1, (0), (NA), 1
    assert st.n_crossings[0] == 2


def test_runs_excluded_points_do_not_count() -> None:
    st = _analyse([1, -1, 1, 1], cl=0, include=[True, False, True, True])
    assert st.n_obs[0] == 3 and st.n_useful[0] == 3
    assert st.longest_run[0] == 3 and st.n_crossings[0] == 0


def test_runs_no_useful_points() -> None:
    st = _analyse([2, 2, 2], cl=2)
    assert not st.defined[0] and not st.runs_signal[0]


def test_inf_counts_as_above() -> None:
    st = _analyse([float("inf"), -1, -1], cl=0)
    assert st.n_useful[0] == 3 and st.n_crossings[0] == 1
