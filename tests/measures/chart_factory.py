"""Stored chart results in the README's format, built by hand for dashboard and chart tests.

The pipeline fills ChartResult rows in production; these tests must not depend on it, so they
construct `data` as the pipeline documents it.
"""

from datetime import date
from statistics import median

from django.utils import timezone

from measures.models import ChartResult, Indicator
from teams.models import Team


def months(start: date, count: int) -> list[date]:
    result = []
    year, month = start.year, start.month
    for _ in range(count):
        result.append(date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return result


def chart_data(
    values: list[float | None],
    *,
    start: date = date(2024, 1, 1),
    chart_type: str = "run",
    direction: str = "down",
    unit: str = "DDD pr. 100 sengedage",
    limits: float | None = None,
    phase_at: int | None = None,
    phase_label: str = "",
    baseline_end: date | None = None,
    runs_signal: bool = False,
    longest_run: int = 5,
    longest_run_max: int = 8,
    n_crossings: int = 12,
    n_crossings_min: int = 8,
    outside: tuple[int, ...] = (),
    variation: str = "common_cause",
    side: str | None = None,
    assurance: str = "",
    targets: dict | None = None,
    annotations: list[dict] | None = None,
    excluded: tuple[int, ...] = (),
    n_teams: int | None = None,
) -> dict:
    """A chart result: one point per month (None = missing), one or two phases."""
    periods = months(start, len(values))
    split = phase_at if phase_at is not None else len(values)
    phases = [(1, 0, split)] + ([(2, split, len(values))] if split < len(values) else [])
    points, parts = [], []
    for number, first, last in phases:
        present = [v for v in values[first:last] if v is not None]
        cl = float(median(present)) if present else None
        signal = runs_signal and number == phases[-1][0]
        parts.append(
            {
                "part": number,
                "label": phase_label if number == 2 else "",
                "first_period": periods[first].isoformat(),
                "last_period": periods[last - 1].isoformat(),
                "n_obs": len(present),
                "n_useful": len(present),
                "longest_run": longest_run,
                "longest_run_max": longest_run_max,
                "n_crossings": n_crossings,
                "n_crossings_min": n_crossings_min,
                "runs_signal": signal,
                "sigma_signal": sum(1 for i in outside if first <= i < last),
                "cl": cl,
                "lcl": None if limits is None or cl is None else cl - limits,
                "ucl": None if limits is None or cl is None else cl + limits,
            }
        )
        for index in range(first, last):
            points.append(
                {
                    "period": periods[index].isoformat(),
                    "numerator": None if values[index] is None else values[index] * 10,
                    "denominator": None if values[index] is None else 1000.0,
                    "y": values[index],
                    "cl": cl,
                    "lcl": None if limits is None or cl is None else cl - limits,
                    "ucl": None if limits is None or cl is None else cl + limits,
                    "lcl_95": None,
                    "ucl_95": None,
                    "part": number,
                    "baseline": baseline_end is not None and periods[index] <= baseline_end,
                    "include": index not in excluded,
                    "runs_signal": signal,
                    "sigma_signal": index in outside,
                    "n_teams": n_teams,
                }
            )
    return {
        "engine_version": "1.0.0",
        "chart_type": chart_type,
        "unit": unit,
        "multiplier": 100,
        "direction": direction,
        "indicator_version": 1,
        "points": points,
        "parts": parts,
        "classification": {"variation": variation, "assurance": assurance, "side": side, "reason": ""},
        "targets": targets or {},
        "baseline_end": baseline_end.isoformat() if baseline_end else None,
        "excluded": [{"period": periods[i].isoformat(), "reason": "Ombygning"} for i in excluded],
        "annotations": annotations or [],
    }


def store_result(
    *,
    indicator: Indicator,
    data: dict,
    team: Team | None = None,
    region=None,
    is_stale: bool = False,
) -> ChartResult:
    """Save a chart result for a team, a region or (neither given) the whole network."""
    if team is not None:
        scope = ChartResult.Scope.TEAM
    elif region is not None:
        scope = ChartResult.Scope.REGION
    else:
        scope = ChartResult.Scope.NATIONAL
    classification = data.get("classification") or {}
    present = [p for p in data["points"] if p["y"] is not None]
    result, _ = ChartResult.objects.update_or_create(
        indicator=indicator,
        scope=scope,
        team=team,
        region=region,
        defaults={
            "network": indicator.network,
            "chart_type": data["chart_type"],
            "data": data,
            "variation": classification.get("variation") or "",
            "assurance": classification.get("assurance") or "",
            "runs_signal": any(part["runs_signal"] for part in data["parts"]),
            "sigma_signal_count": sum(part["sigma_signal"] for part in data["parts"]),
            "n_points": len(present),
            "last_period": date.fromisoformat(data["points"][-1]["period"]) if data["points"] else None,
            "computed_at": timezone.now(),
            "is_stale": is_stale,
        },
    )
    return result
