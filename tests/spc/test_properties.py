"""Property-based tests of the runs analysis and of location invariance."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from measures.spc import ChartResult, compute_chart

# Integer-valued series keep the arithmetic exact, so that "a point exactly on
# the centre line" means the same thing before and after a transformation.
values = st.lists(st.one_of(st.integers(-50, 50).map(float), st.none()), min_size=2, max_size=60)
shifts = st.integers(-1000, 1000).map(float)


def _runs(res: ChartResult) -> list[tuple[object, ...]]:
    return [(s.n_obs, s.n_useful, s.longest_run, s.n_crossings, s.runs_signal) for s in res.parts]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=150, deadline=None, database=None)
@given(y=values, c=shifts, chart=st.sampled_from(["run", "i"]))
def test_shift_moves_lines_not_signals(y: list[float | None], c: float, chart: str) -> None:
    base = compute_chart(chart, None, y)
    moved = compute_chart(chart, None, [None if v is None else v + c for v in y])
    assert _runs(base) == _runs(moved)
    for p, q in zip(base.points, moved.points, strict=True):
        for f in ("cl", "lcl", "ucl", "lcl_95", "ucl_95"):
            a, b = getattr(p, f), getattr(q, f)
            assert _close(None if a is None else a + c, b), f
        near_limit = any(
            lim is not None and p.y is not None and abs(p.y - lim) < 1e-7 * (1 + abs(lim))
            for lim in (p.lcl, p.ucl)
        )
        if not near_limit:  # a tie with a limit may round either way
            assert p.sigma_signal == q.sigma_signal


@settings(max_examples=200, deadline=None, database=None)
@given(y=values)
def test_reversal_keeps_longest_run_and_crossings(y: list[float | None]) -> None:
    fwd = compute_chart("run", None, y).parts[0]
    bwd = compute_chart("run", None, y[::-1]).parts[0]
    assert (fwd.n_useful, fwd.longest_run, fwd.n_crossings) == (
        bwd.n_useful,
        bwd.longest_run,
        bwd.n_crossings,
    )


@settings(max_examples=200, deadline=None, database=None)
@given(
    y=st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.none()), min_size=1, max_size=80),
    chart=st.sampled_from(["run", "i", "c", "g"]),
)
def test_runs_statistics_bounds(y: list[float | None], chart: str) -> None:
    if chart in ("c", "g"):
        y = [None if v is None else abs(v) for v in y]
    s = compute_chart(chart, None, y).parts[0]
    assert s.n_useful <= s.n_obs == len(y)
    if s.n_useful == 0:
        assert s.longest_run is None and s.n_crossings is None and not s.runs_signal
    else:
        assert s.longest_run is not None and s.n_crossings is not None
        assert 1 <= s.longest_run <= s.n_useful
        assert 0 <= s.n_crossings <= s.n_useful - 1
        # runs partition the useful points: crossings + 1 runs, none longer than the longest
        assert s.n_crossings + 1 <= s.n_useful <= (s.n_crossings + 1) * s.longest_run


@settings(max_examples=200, deadline=None, database=None)
@given(
    y=st.lists(st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.none()), min_size=1, max_size=60),
    where=st.integers(0, 60),
)
def test_point_on_median_changes_nothing(y: list[float | None], where: int) -> None:
    before = compute_chart("run", None, y)
    median = before.points[0].cl
    if median is None:  # all missing: no median to add
        return
    pos = min(where, len(y))
    after = compute_chart("run", None, [*y[:pos], median, *y[pos:]])
    b, a = before.parts[0], after.parts[0]
    assert after.points[0].cl == median
    assert (a.n_useful, a.longest_run, a.n_crossings) == (b.n_useful, b.longest_run, b.n_crossings)
    assert a.n_obs == b.n_obs + 1
