"""MDC classification rules (see measures/spc/classify.py)."""

from __future__ import annotations

import pytest

from measures.spc import SPCError, classify, compute_chart

NOISE = [50, 52, 49, 51, 48, 53, 50, 47, 52, 49, 51, 50, 48, 52, 50, 51, 49, 50, 52, 48]


def _shift(delta: float) -> list[float]:
    # 20 stable months followed by a sustained shift of 10 points
    return NOISE + [v + delta for v in NOISE[:10]]


@pytest.mark.parametrize(
    ("delta", "direction", "variation", "side"),
    [
        (10, "up", "improvement", "high"),
        (10, "down", "concern", "high"),
        (-10, "down", "improvement", "low"),
        (-10, "up", "concern", "low"),
        (10, "neither", "neither", "high"),
    ],
)
def test_run_chart_shift(delta: float, direction: str, variation: str, side: str) -> None:
    res = compute_chart("run", None, _shift(delta), freeze=20)
    c = classify(res, direction)
    assert res.parts[0].runs_signal
    assert (c.variation, c.side) == (variation, side)
    assert c.sources[0] == "long_run"
    assert c.signal_xx == 30
    assert c.interpretation == f"spc.special_cause.{variation}.{side}"
    assert c.assurance is None  # run charts have no limits


def test_sigma_signal_direction() -> None:
    res = compute_chart("i", None, [*NOISE, 80])
    assert res.points[-1].sigma_signal
    assert classify(res, "up").variation == "improvement"
    c = classify(res, "down")
    assert (c.variation, c.side, c.sources) == ("concern", "high", ("sigma",))
    low = compute_chart("i", None, [*NOISE, 20])
    assert classify(low, "down").variation == "improvement"


def test_most_recent_signal_wins() -> None:
    # an early LOW outlier (sigma), then a long HIGH run at the end (no sigma)
    y = [50, 20, *NOISE[2:], *[v + 2 for v in NOISE[:10]]]
    res = compute_chart("i", None, y, freeze=20)
    assert [p.xx for p in res.points if p.sigma_signal] == [2]
    assert res.parts[0].runs_signal
    c = classify(res, "up")
    assert (c.side, c.variation, c.sources) == ("high", "improvement", ("long_run", "sigma"))
    # without the late run the low outlier decides
    early = compute_chart("i", None, y[:20])
    assert classify(early, "up").variation == "concern"


def test_common_cause_and_too_few_points() -> None:
    res = compute_chart("i", None, NOISE)
    assert not res.parts[0].runs_signal and res.parts[0].sigma_signal == 0
    c = classify(res, "up")
    assert c.variation == "common_cause" and c.side is None and c.interpretation == "spc.common_cause"
    short = compute_chart("i", None, [50, 51, 49, 90, 50, 52, 48, 50, 51])
    c2 = classify(short, "up", target=40)
    assert c2.variation == "too_few_points" and c2.assurance is None


def test_excluded_outlier_is_ignored() -> None:
    res = compute_chart("i", None, [*NOISE[:10], 90, *NOISE[10:]], exclude=[11])
    assert res.points[10].sigma_signal  # qicharts2 still flags it
    assert classify(res, "up").variation == "common_cause"


def test_only_last_part_counts() -> None:
    y = NOISE + [v + 10 for v in NOISE]
    res = compute_chart("i", None, y, part=[20])
    assert classify(res, "up").variation == "common_cause"
    assert classify(compute_chart("i", None, y), "up").variation == "improvement"


@pytest.mark.parametrize(
    ("direction", "target", "assurance"),
    [
        ("up", 40, "consistently_met"),
        ("up", 60, "consistently_missed"),
        ("up", 50, "inconsistent"),
        ("down", 60, "consistently_met"),
        ("down", 40, "consistently_missed"),
        ("down", 50, "inconsistent"),
        ("neither", 50, None),
    ],
)
def test_assurance(direction: str, target: float, assurance: str | None) -> None:
    res = compute_chart("i", None, NOISE)
    ucl, lcl = res.points[-1].ucl, res.points[-1].lcl
    assert lcl is not None and ucl is not None and lcl > 40 and ucl < 60
    c = classify(res, direction, target)
    assert c.assurance == assurance
    if assurance:
        assert c.assurance_interpretation == f"spc.assurance.{assurance}"


def test_target_from_chart_and_json() -> None:
    res = compute_chart("i", None, NOISE, target=40)
    c = classify(res, "up")
    assert c.assurance == "consistently_met" and c.params["target"] == 40
    assert classify(compute_chart("i", None, NOISE), "up").assurance is None
    d = c.to_dict()
    assert d["variation"] == "common_cause" and d["params"]["n_useful"] == res.parts[0].n_useful


def test_invalid_direction() -> None:
    with pytest.raises(SPCError):
        classify(compute_chart("i", None, NOISE), "sideways")
