"""Benchmark: what the statistics of issue 15 (classification under both rule sets, and funnel plots)
add to a full recompute of a 200-team network.

    .venv/bin/python bench/statistics_bench.py

A network of 200 teams x 10 indicators x 36 months (the chart mix of pipeline_bench), plus the
region and national pooled charts. "Full recompute" is the CPU part of recomputing every chart
(measures.charts.chart_compute: engine, classification, stored format; no database, which would only
make the ratio smaller). Measured in the same run:

* classification: spc.classify on every chart result (anhoej, and mdc with its XmR lines);
* funnels: measures.spc.funnel.funnel_chart for every p/u indicator over 200 teams, for the three
  periods a viewer can choose (3, 6 and 12 months).

It prints each time and the ratio (classification + funnels) / full recompute; the target is < 5 %.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from measures import spc  # noqa: E402
from measures.charts.compute import chart_compute  # noqa: E402
from measures.charts.inputs import SeriesInputs  # noqa: E402
from measures.spc.funnel import funnel_chart  # noqa: E402

TEAMS = int(os.environ.get("BENCH_TEAMS", "200"))
REGIONS = 5
INDICATORS = 10
MONTHS = 36
CHART_MIX = [("run", True, 100), ("p", True, 100), ("u", True, 1000), ("i", False, 1), ("c", False, 1)]
REPS = 3


def month(i: int) -> date:
    return date(2023 + i // 12, i % 12 + 1, 1)


def series(rng: np.random.Generator, chart: str, has_n: bool) -> tuple[list, list]:
    if chart in ("p", "run") and has_n:
        n = rng.integers(40, 400, MONTHS).astype(float)
        y = rng.binomial(n.astype(int), rng.uniform(0.3, 0.8)).astype(float)
    elif chart == "u":
        n = rng.integers(300, 3000, MONTHS).astype(float)
        y = rng.poisson(n * rng.uniform(0.002, 0.01)).astype(float)
    elif chart == "c":
        n, y = None, rng.poisson(rng.uniform(2, 20), MONTHS).astype(float)
    else:
        n, y = None, np.round(rng.normal(50, 5, MONTHS), 1)
    y[rng.random(MONTHS) < 0.03] = np.nan
    return y.tolist(), (n.tolist() if n is not None else [None] * MONTHS)


def build(rule_set: str) -> tuple[list[SeriesInputs], dict[int, tuple[str, list, list]]]:
    rng = np.random.default_rng(15)
    inputs = []
    team_data: dict[int, tuple[str, list, list]] = {}
    periods = [month(i) for i in range(MONTHS)]
    for k in range(INDICATORS):
        chart, has_n, mult = CHART_MIX[k % len(CHART_MIX)]
        rows = [series(rng, chart, has_n) for _ in range(TEAMS)]
        team_data[k] = (chart, [r[0] for r in rows], [r[1] for r in rows])
        for y, n in rows:
            inputs.append(
                SeriesInputs(
                    scope="team",
                    chart_type=chart,
                    direction="up",
                    multiplier=float(mult),
                    unit="",
                    indicator_version=1,
                    periods=periods,
                    numerators=[None if v != v else v for v in y],
                    denominators=n if has_n else [None] * MONTHS,
                    n_teams=[None] * MONTHS,
                    uses_denominator=has_n,
                    rule_set=rule_set,
                )
            )
        for scope, groups in (("region", REGIONS), ("national", 1)):
            for g in range(groups):
                members = rows[g::groups]
                num = [sum(r[0][i] for r in members if r[0][i] == r[0][i]) for i in range(MONTHS)]
                den = (
                    [sum(r[1][i] for r in members if r[1][i] is not None) for i in range(MONTHS)]
                    if has_n
                    else [None] * MONTHS
                )
                inputs.append(
                    SeriesInputs(
                        scope=scope,
                        chart_type=chart,
                        direction="up",
                        multiplier=float(mult),
                        unit="",
                        indicator_version=1,
                        periods=periods,
                        numerators=num,
                        denominators=den,
                        n_teams=[len(members)] * MONTHS,
                        uses_denominator=has_n,
                        rule_set=rule_set,
                        n_active=[len(members)] * MONTHS,
                        provisional=[False] * MONTHS,
                    )
                )
    return inputs, team_data


def timed(fn) -> float:
    times = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def engine_results(inputs: list[SeriesInputs]) -> list[tuple[spc.ChartResult, SeriesInputs]]:
    out = []
    for s in inputs:
        res = spc.compute_chart(
            s.engine_chart,
            s.periods,
            s.numerators,
            s.denominators if s.uses_denominator else None,
            multiply=s.multiplier,
        )
        if s.rule_set == "mdc" and s.chart_type in ("run", "i"):
            res = spc.mdc_xmr_chart(res)
        out.append((res, s))
    return out


def main() -> None:
    print(f"statistics bench: {TEAMS} teams x {INDICATORS} indicators x {MONTHS} months (+ pooled charts)")
    worst = 0.0
    for rule_set in ("anhoej", "mdc"):
        inputs, team_data = build(rule_set)
        full = timed(lambda inputs=inputs: [chart_compute(s) for s in inputs])
        results = engine_results(inputs)
        classify = timed(
            lambda results=results, rule_set=rule_set: [
                spc.classify(r, s.direction, None, rule_set=rule_set) for r, s in results
            ]
        )

        def funnels(team_data=team_data) -> None:
            for chart, ys, ns in team_data.values():
                if chart not in ("p", "u"):
                    continue
                model = "proportion" if chart == "p" else "rate"
                for months in (3, 6, 12):
                    num = [np.nansum(y[-months:]) for y in ys]
                    den = [sum(n[-months:]) for n in ns]
                    funnel_chart([f"T{i}" for i in range(len(num))], num, den, model=model)

        funnel = timed(funnels)
        ratio = (classify + funnel) / full
        worst = max(worst, ratio)
        print(
            f"  {rule_set:7s} charts {len(inputs):5d}  full recompute {full * 1000:8.1f} ms  "
            f"classification {classify * 1000:7.1f} ms  funnels {funnel * 1000:6.1f} ms  "
            f"ratio {ratio:.3f} ({ratio * 100:.1f} %)"
        )
    print(f"worst ratio (classification + funnels) / full recompute: {worst:.3f}  target < 0.050")


if __name__ == "__main__":
    main()
