"""Making Data Count: NHSRplotthedots 0.2.2 reference vectors (one test per case) and edge cases."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from measures.spc.conformance import DEFAULT_DIRS, check_case, find_cases, main
from measures.spc.mdc import MDCError, mdc_spc, r_mean

VECTORS = Path(__file__).resolve().parent / "vectors" / "mdc"
CASES = find_cases([VECTORS])


def test_vectors_present() -> None:
    assert len(CASES) >= 32, f"mdc vectors missing in {VECTORS}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for _, c in CASES])
def test_case_matches_nhsrplotthedots(case: dict) -> None:
    assert check_case(case) is None, check_case(case)


def test_runner_default_runs_all_three_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert [d.name for d in DEFAULT_DIRS] == ["qicharts2", "mdc", "funnel"]
    n = len(find_cases(DEFAULT_DIRS))
    assert main([]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"{n} passed, 0 failed"
    kinds = {c.get("kind") for _, c in find_cases(DEFAULT_DIRS)}
    assert kinds == {None, "mdc", "funnel"}


def test_runner_detects_a_changed_label() -> None:
    case = copy.deepcopy(next(c for _, c in CASES if c["name"] == "trend_and_outside"))
    case["expected"]["special_cause_type"][-1] = "Common Cause"
    assert "special_cause_type" in (check_case(case) or "")


def _months(n: int) -> list[date]:
    return [date(2020 + i // 12, i % 12 + 1, 1) for i in range(n)]


def test_missing_value_in_a_monotone_window_stops_like_r() -> None:
    with pytest.raises(MDCError, match="missing value where TRUE/FALSE needed"):
        mdc_spc(_months(8), [1, 2, None, 4, 5, 6, 7, 8])


def test_r_mean_is_correctly_rounded() -> None:
    assert r_mean([0.1, 0.2, 0.3]) == 0.2
    assert r_mean([]) != r_mean([])  # NaN


def test_stale_signal_gives_common_cause_icon() -> None:
    case = next(c for _, c in CASES if c["name"] == "stale_run_early")
    inp = case["input"]
    res = mdc_spc(
        [date.fromisoformat(d) for d in inp["dates"]],
        inp["values"],
        improvement_direction=inp["improvement_direction"],
    )
    assert any(p.special_cause_flag for p in res.points)
    assert not res.points[-1].special_cause_flag
    assert res.icons["variation"] == "common_cause.svg"


def test_last_point_label_equals_the_full_rules_on_random_series() -> None:
    """mdc_last_label (the product's fast path) gives the last valued point the label mdc_point_rules gives it."""
    import random

    from measures.spc.mdc import mdc_last_label, mdc_point_rules, xmr_lines

    rng = random.Random(15)
    checked = 0
    for _ in range(3000):
        n = rng.randint(1, 30)
        level = rng.choice([0, 0, 3, -3])
        ys = [
            round(rng.gauss(50, 2) + (level if i > n // 2 else 0) + (i * rng.choice([0, 0, 0.8])))
            for i in range(n)
        ]
        for i in range(n):
            if rng.random() < 0.08:
                ys[i] = None
        mean, lpl, upl, nlpl, nupl = xmr_lines(ys)
        if mean != mean or lpl != lpl:
            continue
        tail = rng.choice([0, 0, 1, 2])
        ys_t = ys + [None] * tail
        m = len(ys_t)
        cols = ([mean] * m, [lpl] * m, [upl] * m, [nlpl] * m, [nupl] * m)
        valued = [i for i, y in enumerate(ys_t) if y is not None]
        if not valued:
            continue
        labels, _ = mdc_point_rules(ys_t, *cols, direction="increase")
        idx = valued[-1]
        assert mdc_last_label(ys_t, *cols, idx) == labels[idx], (ys_t, idx)
        checked += 1
    assert checked > 2000
