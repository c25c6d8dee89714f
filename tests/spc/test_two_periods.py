"""Two-period differences: checked against published worked examples and R."""

import math

import pytest

from measures.spc.two_periods import rate_difference, share_difference, wilson_interval


def test_wilson_interval_matches_newcombe_1998_example():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 -> 0.2553 to 0.3662.
    lower, upper = wilson_interval(81, 263)
    assert lower == pytest.approx(0.2553, abs=5e-5)
    assert upper == pytest.approx(0.3662, abs=5e-5)


def test_share_difference_matches_newcombe_method_10_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80 = 0.2, 95 % CI 0.0524 to 0.3339.
    result = share_difference(48, 80, 56, 70)
    assert result.difference == pytest.approx(0.2)
    assert result.lower == pytest.approx(0.0524, abs=5e-5)
    assert result.upper == pytest.approx(0.3339, abs=5e-5)
    assert result.is_significant


def test_share_difference_stays_in_range_at_the_boundary():
    # Newcombe's example (h): 10/10 vs 0/10 -> 1.0 with CI 0.6075 to 1.0; a Wald interval would be [1, 1].
    result = share_difference(0, 10, 10, 10)
    assert result.lower == pytest.approx(0.6075, abs=5e-5)
    assert result.upper == pytest.approx(1.0)


def test_rate_difference_wald():
    # 400 events in 1,000 person-years against 300 in 1,000: d = 100 per 1,000, se = sqrt(700)/1000.
    result = rate_difference(400, 1000, 300, 1000, multiplier=1000)
    assert result.before == pytest.approx(400)
    assert result.after == pytest.approx(300)
    assert result.difference == pytest.approx(-100)
    half = 1.959963984540054 * math.sqrt(700)
    assert result.lower == pytest.approx(-100 - half)
    assert result.upper == pytest.approx(-100 + half)
    assert result.is_significant


def test_no_time_means_no_difference():
    result = rate_difference(10, 0, 5, 100)
    assert result.difference is None and result.lower is None
    assert not result.is_significant
