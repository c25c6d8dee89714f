"""Classification rule sets anhoej and mdc (see measures/spc/classify.py)."""

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
    assert (c.side, c.variation, c.sources) == ("high", "improvement", ("long_run", "past_sigma"))
    # without the late run the old low outlier no longer decides the icon
    early = compute_chart("i", None, y[:20])
    assert classify(early, "up").variation == "common_cause"
    assert "past_sigma" in classify(early, "up").sources


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


# ------------------------------------------------- anhoej: the rules the issue fixed


def test_a_run_that_ended_does_not_decide_the_direction() -> None:
    # a falling process: a long HIGH run ends at point 10, then the values stay around the centre
    y = [60] * 9 + [45, 55] * 7 + [45]
    res = compute_chart("i", None, y)
    assert res.parts[0].runs_signal and res.parts[0].longest_run == 9
    assert not any(p.sigma_signal for p in res.points)
    c = classify(res, "down")
    assert c.variation == "undirected", c  # not "concern" from the old high run
    assert c.side is None and "ended_run" in c.sources


def test_a_current_long_run_has_its_side() -> None:
    y = NOISE + [v - 3 for v in NOISE[:10]]
    res = compute_chart("i", None, y, freeze=20)
    c = classify(res, "down")
    assert (c.variation, c.side) == ("improvement", "low") and "long_run" in c.sources


def test_few_crossings_alone_is_undirected() -> None:
    # a symmetric oscillation in long blocks: too few crossings, no run long enough
    y = ([55] * 6 + [45] * 6) * 2 + [55] * 4 + [45] * 4
    res = compute_chart("run", None, y)
    s = res.parts[0]
    assert s.runs_signal and s.longest_run <= s.longest_run_max and s.n_crossings < s.n_crossings_min
    for direction in ("up", "down"):
        c = classify(res, direction)
        assert (c.variation, c.side, c.sources) == ("undirected", None, ("few_crossings",))
        assert c.interpretation == "spc.undirected"
    # "neither" keeps its meaning: a directed signal on an indicator without a direction
    assert classify(res, "neither").variation == "undirected"
    shifted = compute_chart("run", None, _shift(10), freeze=20)
    assert classify(shifted, "neither").variation == "neither"


def test_target_exactly_on_a_limit_is_not_consistently_met() -> None:
    res = compute_chart("i", None, NOISE)
    lcl, ucl = res.points[-1].lcl, res.points[-1].ucl
    assert classify(res, "up", target=lcl).assurance == "inconsistent"
    assert classify(res, "up", target=lcl - 1e-9).assurance == "consistently_met"
    assert classify(res, "down", target=ucl).assurance == "inconsistent"
    assert classify(res, "up", target=ucl).assurance == "inconsistent"
    assert classify(res, "up", target=ucl + 1e-9).assurance == "consistently_missed"


def test_few_points_do_not_hide_a_clear_3_sigma_point() -> None:
    res = compute_chart("i", None, [50, 51, 49, 50, 52, 48, 50, 51, 95])
    assert res.points[-1].sigma_signal and res.parts[0].n_useful < 10
    c = classify(res, "up")
    assert (c.variation, c.side, c.sources) == ("improvement", "high", ("sigma",))


def test_provisional_points_never_decide() -> None:
    # the pipeline leaves provisional months out of limits and signals (exclude) and says which
    # point is the last complete one
    res = compute_chart("i", None, [*NOISE, 95], exclude=[21])
    c = classify(res, "up", last_complete_xx=len(NOISE))
    assert c.variation == "common_cause" and "last_complete_point" in c.deviations
    c = classify(res, "up", rule_set="mdc", last_complete_xx=len(NOISE))
    assert c.variation == "common_cause" and "last_complete_point" in c.deviations
    assert classify(compute_chart("i", None, [*NOISE, 95]), "up", rule_set="mdc").variation == "improvement"


# ------------------------------------------------------------- mdc rule set


def _mdc_case(name: str) -> dict:
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "vectors" / "mdc"
    for path in folder.glob("*.json"):
        case = json.loads(path.read_text("utf-8"))
        if case.get("name") == name:
            return case
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name", ["shift_up_inc", "shift_down_dec", "trend_and_outside", "two_of_three_upper", "stale_run_early"]
)
def test_mdc_rule_set_matches_the_reference_on_xmr(name: str) -> None:
    from datetime import date

    from measures.spc import mdc_xmr_chart
    from measures.spc.mdc import mdc_spc

    case = _mdc_case(name)
    inp = case["input"]
    ref = mdc_spc(
        [date.fromisoformat(d) for d in inp["dates"]],
        inp["values"],
        improvement_direction=inp["improvement_direction"],
    )
    direction = {"increase": "up", "decrease": "down", "neutral": "neither"}[inp["improvement_direction"]]
    res = mdc_xmr_chart(compute_chart("i", None, inp["values"]))
    assert res.points[0].ucl == pytest.approx(ref.points[0].upl, rel=1e-12)
    assert res.points[0].cl == pytest.approx(ref.points[0].mean, rel=1e-12)
    c = classify(res, direction, rule_set="mdc")
    expected = {
        "common_cause": "common_cause",
        "special_cause_improvement": "improvement",
        "special_cause_concern": "concern",
    }[ref.points[-1].point_type]
    assert c.variation == expected and c.rule_set == "mdc"


def test_mdc_missing_month_breaks_a_trend_instead_of_failing() -> None:
    from measures.spc.mdc import MDCError, mdc_spc

    values = [1, 2, None, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    from datetime import date

    with pytest.raises(MDCError):
        mdc_spc([date(2020 + i // 12, i % 12 + 1, 1) for i in range(14)], values)
    from measures.spc import mdc_xmr_chart

    res = mdc_xmr_chart(compute_chart("i", None, values))
    c = classify(res, "up", rule_set="mdc")
    assert c.variation in ("improvement", "common_cause")
    assert "missing_breaks_trend" in c.deviations


def test_mdc_few_points_and_charts_without_icon() -> None:
    res = compute_chart("p", None, [5, 6], [50, 50])
    c = classify(res, "up", rule_set="mdc")
    assert c.variation == "too_few_points" and "few_points" in c.deviations
    for chart, y in (("t", [3, 5, 4, 6, 5, 4, 7, 5]), ("g", [3, 5, 4, 6, 5, 4, 7, 5])):
        assert classify(compute_chart(chart, None, y), "up", rule_set="mdc").variation == "not_applicable"


def test_mdc_p_chart_uses_two_sigma_lines() -> None:
    n = [100] * 20
    y = [20, 22, 19, 21, 20, 18, 22, 21, 20, 19, 21, 20, 22, 19, 20, 21, 20, 22, 30, 31]
    res = compute_chart("p", None, y, n)
    last = res.points[-1]
    assert last.y < last.ucl and last.y > last.ucl_95  # close to the limit, not beyond
    c = classify(res, "up", rule_set="mdc")
    assert (c.variation, c.sources) == ("improvement", ("two_of_three",))
    assert classify(res, "up").variation != "improvement" or classify(res, "up").sources != ("two_of_three",)


def test_unknown_rule_set() -> None:
    with pytest.raises(SPCError):
        classify(compute_chart("i", None, NOISE), "up", rule_set="westgard")
