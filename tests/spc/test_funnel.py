"""Funnel plots: FunnelPlotR 0.6.0 reference vectors (one test per case) and the product layer."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

from measures.spc.conformance import check_case, find_cases, main
from measures.spc.funnel import MIN_UNITS_FOR_ADJUSTMENT, FunnelError, funnel_chart, funnel_plot

VECTORS = Path(__file__).resolve().parent / "vectors" / "funnel"
CASES = find_cases([VECTORS])


def test_vectors_present() -> None:
    assert len(CASES) >= 18, f"funnel vectors missing in {VECTORS}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for _, c in CASES])
def test_case_matches_funnelplotr(case: dict) -> None:
    assert check_case(case) is None, check_case(case)


def test_runner_counts_funnel_cases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(VECTORS)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"{len(CASES)} passed, 0 failed"


def test_runner_detects_a_changed_limit() -> None:
    case = copy.deepcopy(next(c for _, c in CASES if c["name"] == "pr_24_teams_od"))
    case["expected"]["groups"]["OD99UCL"][3] *= 1 + 1e-7
    assert "OD99UCL" in (check_case(case) or "")
    case = copy.deepcopy(next(c for _, c in CASES if c["name"] == "pr_24_teams_od"))
    case["expected"]["limits_curve"]["ll998"][7] *= 1 + 1e-7
    assert "ll998" in (check_case(case) or "")


def test_reference_refuses_identical_columns() -> None:
    with pytest.raises(FunnelError, match="Numerator and denominator are the same"):
        funnel_plot(["a", "b"], [3, 4], [3, 4], data_type="PR")


def test_reference_aggregates_and_sorts_groups() -> None:
    fp = funnel_plot(["b", "a", "b"], [1, 2, 3], [10, 20, 30], data_type="PR", draw_adjusted=False)
    assert [g.group for g in fp.groups] == ["a", "b"]
    assert [g.numerator for g in fp.groups] == [2, 4]
    assert [g.denominator for g in fp.groups] == [20, 40]


# ---------------------------------------------------------------- product layer


def _teams(n: int, *, seed: int = 1, spread: float = 0.0, p: float = 0.3) -> tuple[list, list, list]:
    rng = np.random.default_rng(seed)
    names = [f"Team {i:02d}" for i in range(n)]
    den = rng.integers(40, 400, n)
    probs = np.clip(p + rng.normal(0, spread, n), 0.01, 0.99)
    num = rng.binomial(den, probs)
    return names, list(num), list(den)


def test_product_few_units_are_unadjusted_with_a_note() -> None:
    names, num, den = _teams(MIN_UNITS_FOR_ADJUSTMENT - 1, spread=0.15)
    fc = funnel_chart(names, num, den, model="proportion")
    assert fc.note == "few_units" and not fc.adjusted
    assert "few_units_unadjusted" in fc.deviations
    # the reference would adjust: the deviation is real
    fp = funnel_plot(names, num, den, data_type="PR")
    assert fp.draw_adjusted and fp.tau2 > 0


def test_product_adjusts_for_overdispersion_with_many_units() -> None:
    names, num, den = _teams(30, spread=0.12)
    fc = funnel_chart(names, num, den, model="proportion")
    fp = funnel_plot(names, num, den, data_type="PR")
    assert fc.adjusted and fc.note is None
    assert math.isclose(fc.tau2, fp.tau2, rel_tol=1e-12) and math.isclose(fc.phi, fp.phi, rel_tol=1e-12)
    # at each unit the product's limits equal the package's adjusted limits (where no clipping)
    by = {g.group: g for g in fp.groups}
    for u in fc.units:
        g = by[u.unit]
        assert math.isclose(u.lo998, g.OD99LCL, rel_tol=1e-12) and math.isclose(
            u.hi998, g.OD99UCL, rel_tol=1e-12
        )
        assert math.isclose(u.lo95, g.OD95LCL, rel_tol=1e-12) and math.isclose(
            u.hi95, g.OD95UCL, rel_tol=1e-12
        )


def test_product_flags_against_drawn_limits_both_levels() -> None:
    names, num, den = _teams(20, seed=3)
    num[0], den[0] = 190, 200  # far above 30 %
    num[1], den[1] = 60, 200  # on target
    fc = funnel_chart(names, num, den, model="proportion", multiplier=100)
    u0 = next(u for u in fc.units if u.unit == names[0])
    assert u0.flag == "high_outlier" and u0.value == pytest.approx(95.0)
    for u in fc.units:
        if u.value > u.hi998:
            assert u.flag == "high_outlier"
        elif u.value > u.hi95:
            assert u.flag == "high_warning"
        elif u.value < u.lo998:
            assert u.flag == "low_outlier"
        elif u.value < u.lo95:
            assert u.flag == "low_warning"
        else:
            assert u.flag is None
    # a warning flag exists even though the reference (limit=99) would not flag 95 % breaches
    assert fc.outliers and all(u.flag for u in fc.outliers)


def test_product_draws_numerator_equal_denominator() -> None:
    names, num, den = _teams(16, seed=5)
    num, den = [10] * 16, [10] * 16
    num[0] = 5
    fc = funnel_chart(names, num, den, model="proportion")
    assert len(fc.units) == 16 and "numerator_equals_denominator" in fc.deviations
    with pytest.raises(FunnelError):  # the reference stops on identical columns
        funnel_plot(names, [10] * 16, [10] * 16, data_type="PR")


def test_product_rate_model_is_sr_with_expected_counts() -> None:
    rng = np.random.default_rng(7)
    names = [f"T{i}" for i in range(20)]
    days = rng.integers(300, 3000, 20).astype(float)
    events = rng.poisson(days * 0.004 * rng.gamma(8, 1 / 8, 20))
    fc = funnel_chart(names, events, days, model="rate", multiplier=1000)
    rate = events.sum() / days.sum()
    assert fc.target == pytest.approx(rate * 1000)
    fp = funnel_plot(names, events, days * rate, data_type="SR", shmi_rounding=False)
    assert fc.phi == pytest.approx(fp.phi, rel=1e-12)
    by = {g.group: g for g in fp.groups}
    for u in fc.units:
        g = by[u.unit]
        if fc.adjusted:
            assert u.hi998 == pytest.approx(g.OD99UCL * rate * 1000, rel=1e-12)
        else:
            assert u.hi998 == pytest.approx(g.UCL99 * rate * 1000, rel=1e-9)


def test_product_limits_widen_to_the_left_and_bracket_target() -> None:
    names, num, den = _teams(25, seed=11, spread=0.05)
    fc = funnel_chart(names, num, den, model="proportion")
    c = fc.curve
    assert list(c.x) == sorted(c.x)
    widths = [h - lo for lo, h in zip(c.lo998, c.hi998, strict=True)]
    assert all(a >= b - 1e-15 for a, b in zip(widths, widths[1:], strict=False))
    assert all(lo <= fc.target <= h for lo, h in zip(c.lo998, c.hi998, strict=True))
    assert all(0 <= lo <= 1 and 0 <= h <= 1 for lo, h in zip(c.lo998, c.hi998, strict=True))


def test_product_degenerate_network() -> None:
    fc = funnel_chart(["a", "b", "c"], [0, 0, 0], [10, 20, 30], model="rate")
    assert fc.note == "degenerate" and fc.curve is None and len(fc.units) == 3
    fc = funnel_chart([], [], [], model="proportion")
    assert fc.note == "degenerate" and fc.units == ()


def test_product_skips_zero_denominators_and_serialises() -> None:
    names, num, den = _teams(16, seed=2)
    den[0], num[0] = 0, 0
    fc = funnel_chart(names, num, den, model="proportion")
    assert names[0] not in {u.unit for u in fc.units}
    d = fc.to_dict()
    assert len(d["units"]) == 15 and len(d["curve"]["x"]) == len(fc.curve.x)
