"""The vectorised batch must give exactly what the single-series engine gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from measures.spc import SPCError, compute_chart, run_batch

FIELDS = ("y", "n", "cl", "lcl", "ucl", "lcl_95", "ucl_95")


def _col(res: Any, name: str) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in res.column(name)], dtype=float)


def _data(chart: str, rng: np.random.Generator, b: int, t: int) -> tuple[np.ndarray, np.ndarray | None]:
    if chart in ("p", "pp"):
        n = rng.integers(0, 60, (b, t)).astype(float)  # zero denominators included
        y = np.minimum(rng.binomial(40, 0.3, (b, t)).astype(float), n)
        y[:, ::7] = np.where(rng.random((b, 1)) < 0.3, 3.0, y[:, ::7])  # some y > 0 with n = 0
    elif chart in ("u", "up", "ip"):
        n = np.round(rng.uniform(0, 50, (b, t)), 1)
        n[:, 5] = np.where(rng.random(b) < 0.2, 0.0, n[:, 5])
        y = rng.poisson(8, (b, t)).astype(float)
    elif chart in ("c", "g"):
        n, y = None, rng.poisson(4, (b, t)).astype(float)  # many ties on the centre line
    elif chart == "t":
        n, y = None, rng.exponential(20, (b, t)) + 0.01
    else:
        n = None
        # integers -> many points exactly on the median / mean; constant rows too
        y = rng.integers(0, 6, (b, t)).astype(float)
        y[0] = 3.0
        y[1] = rng.normal(50, 5, t)
    y[rng.random((b, t)) < 0.08] = np.nan
    if n is not None:
        n[rng.random((b, t)) < 0.04] = np.nan
    return y, n


CHARTS = ["run", "i", "mr", "t", "p", "pp", "c", "u", "up", "g", "ip"]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"freeze": 12},
    {"exclude": [3, 17], "multiply": 100, "y_neg": False},
    {"freeze": 18, "exclude": [2], "method": "bestbox"},
    {"method": "cutbox", "screened_mr": False},
]


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("opt_index", range(len(OPTIONS)))
def test_batch_equals_single(chart: str, opt_index: int) -> None:
    opts = OPTIONS[opt_index]
    rng = np.random.default_rng(1000 + 17 * opt_index + CHARTS.index(chart))
    ys, ns = _data(chart, rng, 40, 36)
    batch = run_batch(ys, ns, chart, **opts)
    assert len(batch) == 40
    for b in range(40):
        single = compute_chart(chart, None, ys[b], None if ns is None else ns[b], **opts)
        for f in FIELDS:
            np.testing.assert_array_equal(
                getattr(batch, f)[b], _col(single, f), err_msg=f"{chart} row {b} {f}"
            )
        assert batch.sigma_signal[b].tolist() == single.column("sigma_signal")
        assert batch.include.tolist() == single.column("include")
        assert batch.baseline.tolist() == single.column("baseline")
        assert batch.part_summary(b) == single.parts[0], f"{chart} row {b}"


def test_batch_has_ties_and_signals() -> None:
    # Guard against a vacuous equality test: the data must exercise the rules.
    ys, _ = _data("run", np.random.default_rng(5), 200, 36)
    res = run_batch(ys, chart="run")
    assert (res.n_useful < res.n_obs).any()  # points on the median / missing
    assert res.runs_signal.any() and (~res.runs_signal).any()


def test_batch_errors() -> None:
    with pytest.raises(SPCError):
        run_batch(np.ones((2, 5)), chart="xbar")
    with pytest.raises(SPCError):
        run_batch(np.ones((2, 5)), np.ones((2, 4)), chart="p")
    with pytest.raises(SPCError):
        run_batch(np.ones((2, 2, 2)))


@pytest.mark.parametrize("chart", ["run", "i", "p", "pp", "c", "u", "up", "t", "g", "mr"])
@pytest.mark.parametrize("opts", [{}, {"freeze": 12}, {"exclude": [3, 20]}, {"multiply": 100, "freeze": 20}])
def test_compute_charts_equals_compute_chart(chart: str, opts: dict) -> None:
    """The pipeline's batch entry point: whole ChartResults, equal to the single engine's."""
    from datetime import date

    from measures.spc import compute_charts

    rng = np.random.default_rng(7)
    months = [date(2023 + m // 12, m % 12 + 1, 1) for m in range(30)]
    ns = rng.integers(50, 500, size=(25, 30)).astype(float)
    ys = np.floor(ns * rng.uniform(0.05, 0.6, size=(25, 30))) + (1 if chart in ("t", "g") else 0)
    ys[rng.uniform(size=ys.shape) < 0.08] = np.nan  # gaps
    ys[3, :] = 4.0  # a flat series
    with_n = chart in ("p", "pp", "u", "up")
    batch = compute_charts(chart, months, ys, ns if with_n else None, **opts)
    for b in range(25):
        single = compute_chart(chart, months, ys[b].tolist(), ns[b].tolist() if with_n else None, **opts)
        assert batch[b] == single, f"{chart} row {b}"
