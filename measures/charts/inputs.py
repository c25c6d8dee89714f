"""Reading a chart's inputs (a team's series or teams pooled into an aggregate) and hashing them."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q

from teams.models import Team

from .. import spc
from ..models import (
    Annotation,
    ChartResult,
    ChartSettings,
    ExcludedPoint,
    Indicator,
    LocalTarget,
    Measurement,
    PDSACycle,
    PhaseBreak,
)
from ..months import month_range

# Charts without a denominator are pooled over teams by summing for counts, by the mean otherwise.
SUM_POOLED_CHARTS = frozenset({"c"})
# Charts whose engine accepts a denominator; for the others a denominator is ignored.
CHARTS_WITH_N = frozenset({"run", "i", "p", "pp", "u", "up"})


# --------------------------------------------------------------------------- inputs


@dataclass
class SeriesInputs:
    """Everything a chart depends on; its JSON form is hashed to detect changed inputs."""

    scope: str
    chart_type: str
    direction: str
    multiplier: float
    unit: str
    indicator_version: int
    # The decimals readers see; stored in the result so every figure and table shows them.
    decimals: int | None = None
    periods: list[date] = field(default_factory=list)
    numerators: list[float | None] = field(default_factory=list)
    denominators: list[float | None] = field(default_factory=list)
    n_teams: list[int | None] = field(default_factory=list)
    baseline_end: date | None = None
    phase_breaks: list[tuple[date, str]] = field(default_factory=list)
    excluded: list[tuple[date, str]] = field(default_factory=list)
    national_target: float | None = None
    local_target: float | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    uses_denominator: bool = False
    # The network's statistics settings (teams.Network): rule set; for pooled charts the share of
    # active teams a month needs, and whether pooled p/u charts are drawn as Laney p'/u'.
    rule_set: str = "anhoej"
    pooled_min_share: int = 75
    pooled_laney: bool = True
    # Pooled charts only: teams active in the scope that month, and months below the share.
    n_active: list[int | None] = field(default_factory=list)
    provisional: list[bool] = field(default_factory=list)

    @property
    def is_pooled(self) -> bool:
        return self.scope != ChartResult.Scope.TEAM

    @property
    def engine_chart(self) -> str:
        """The chart the engine computes: Laney p'/u' for pooled p/u where the network wants it;
        under the MDC rule set run and i indicators become MDC's XmR (computed as i, then MDC's lines)."""
        if self.is_pooled and self.pooled_laney and self.chart_type in ("p", "u"):
            return self.chart_type + "p"
        if self.rule_set == "mdc" and self.chart_type in ("run", "i"):
            return "i"
        return self.chart_type

    def as_json(self) -> str:
        payload = {
            "engine": spc.ENGINE_VERSION,
            "scope": self.scope,
            "chart": self.chart_type,
            "direction": self.direction,
            "multiplier": self.multiplier,
            "unit": self.unit,
            "decimals": self.decimals,
            "indicator_version": self.indicator_version,
            "periods": [p.isoformat() for p in self.periods],
            "numerators": self.numerators,
            "denominators": self.denominators,
            "n_teams": self.n_teams,
            "baseline_end": self.baseline_end.isoformat() if self.baseline_end else None,
            "phase_breaks": [(p.isoformat(), label) for p, label in self.phase_breaks],
            "excluded": [(p.isoformat(), reason) for p, reason in self.excluded],
            "targets": [self.national_target, self.local_target],
            "annotations": self.annotations,
            "uses_denominator": self.uses_denominator,
            "rule_set": self.rule_set,
            "pooled": [self.pooled_min_share, self.pooled_laney, self.n_active] if self.is_pooled else None,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))

    def input_hash(self) -> str:
        return hashlib.sha256(self.as_json().encode()).hexdigest()


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _base_inputs(indicator: Indicator, scope: str) -> SeriesInputs:
    network = indicator.network
    return SeriesInputs(
        rule_set=network.spc_rule_set,
        pooled_min_share=network.pooled_min_share,
        pooled_laney=network.pooled_laney,
        scope=scope,
        chart_type=indicator.chart_type,
        direction=indicator.direction,
        multiplier=float(indicator.multiplier),
        unit=indicator.unit,
        decimals=indicator.shown_decimals,
        indicator_version=indicator.version,
        national_target=_float(indicator.target_value),
        uses_denominator=indicator.has_denominator and indicator.chart_type in CHARTS_WITH_N,
    )


def _reported(indicator: Indicator, numerator: Decimal | None, denominator: Decimal | None) -> bool:
    """A month counts as reported when it has a value (and a denominator where the indicator needs one)."""
    if numerator is None:
        return False
    return denominator is not None or not indicator.has_denominator


def _fill_series(
    inputs: SeriesInputs, values: dict[date, tuple[float | None, float | None, int | None]]
) -> None:
    """Months from the first to the last reported one; months without a value are gaps (None)."""
    if not values:
        return
    inputs.periods = month_range(min(values), max(values))
    for period in inputs.periods:
        numerator, denominator, n_teams = values.get(period, (None, None, None))
        inputs.numerators.append(numerator)
        inputs.denominators.append(denominator if inputs.uses_denominator else None)
        inputs.n_teams.append(n_teams)


def pool_measurements(
    indicator: Indicator, rows: Iterable[tuple[int, date, Decimal | None, Decimal | None]]
) -> dict[date, tuple[float | None, float | None, int | None]]:
    """Pool teams' months into one series: {period: (numerator, denominator, n_teams)}.

    Only months a team reported count. With a denominator, numerators and denominators are summed
    (the pooled rate is the national rate, weighted by volume). Without one, counts (c charts) are
    summed and any other value (run/i of a continuous measure, g, t) is averaged over the reporting
    teams: summing e.g. median lengths of stay would mean nothing, and the mean keeps the unit.
    """
    sums: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for _team_id, period, numerator, denominator in rows:
        if not _reported(indicator, numerator, denominator):
            continue
        acc = sums[period]
        acc[0] += float(numerator)
        acc[1] += float(denominator) if denominator is not None else 0.0
        acc[2] += 1
    pooled = {}
    for period, (numerator_sum, denominator_sum, n_teams) in sums.items():
        if indicator.has_denominator:
            pooled[period] = (numerator_sum, denominator_sum, int(n_teams))
        elif indicator.chart_type in SUM_POOLED_CHARTS:
            pooled[period] = (numerator_sum, None, int(n_teams))
        else:
            pooled[period] = (numerator_sum / n_teams, None, int(n_teams))
    return pooled


def active_teams(
    indicator: Indicator,
    rows: Iterable[tuple[int, date, Decimal | None, Decimal | None]],
    periods: list[date],
    team_active: dict[int, bool],
) -> list[int]:
    """Teams active in each month: a team counts from its first reported month of the indicator, and
    until its last one if it has left the network (inactive); a team that never reported is not
    (yet) part of the pooled chart, so it cannot hold a month back."""
    first: dict[int, date] = {}
    last: dict[int, date] = {}
    for team_id, period, numerator, denominator in rows:
        if not _reported(indicator, numerator, denominator):
            continue
        if team_id not in first or period < first[team_id]:
            first[team_id] = period
        if team_id not in last or period > last[team_id]:
            last[team_id] = period
    return [
        sum(
            1
            for team_id, start in first.items()
            if start <= period and (team_active.get(team_id, False) or period <= last[team_id])
        )
        for period in periods
    ]


class _Loader:
    """Reads the inputs of many rows with a fixed number of queries (not one set per row)."""

    def __init__(self, rows: list[ChartResult]) -> None:
        team_rows = [r for r in rows if r.scope == ChartResult.Scope.TEAM]
        team_ids = {r.team_id for r in team_rows}
        team_indicator_ids = {r.indicator_id for r in team_rows}
        aggregate_indicator_ids = {r.indicator_id for r in rows if r.scope != ChartResult.Scope.TEAM}
        network_ids = {r.network_id for r in rows}

        self.team_region: dict[int, int] = {}
        self.team_active: dict[int, bool] = {}
        for team_id, region_id, is_active in Team.objects.filter(network_id__in=network_ids).values_list(
            "id", "region_id", "is_active"
        ):
            self.team_region[team_id] = region_id
            self.team_active[team_id] = is_active
        measurement_filter = Q(indicator_id__in=aggregate_indicator_ids) | Q(
            team_id__in=team_ids, indicator_id__in=team_indicator_ids
        )
        self.measurements: dict[int, list[tuple[int, date, Decimal | None, Decimal | None]]] = defaultdict(
            list
        )
        self.series: dict[tuple[int, int], list[tuple[date, Decimal | None, Decimal | None]]] = defaultdict(
            list
        )
        for indicator_id, team_id, period, numerator, denominator in (
            Measurement.objects.filter(measurement_filter)
            .order_by()
            .values_list("indicator_id", "team_id", "period", "numerator", "denominator")
        ):
            self.measurements[indicator_id].append((team_id, period, numerator, denominator))
            self.series[(team_id, indicator_id)].append((period, numerator, denominator))

        def per_series(model) -> Any:
            return model.objects.filter(team_id__in=team_ids, indicator_id__in=team_indicator_ids).order_by()

        self.baseline_end = {
            (t, i): b
            for t, i, b in per_series(ChartSettings).values_list("team_id", "indicator_id", "baseline_end")
        }
        self.phase_breaks: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
        for t, i, period, label in per_series(PhaseBreak).values_list(
            "team_id", "indicator_id", "period", "label"
        ):
            self.phase_breaks[(t, i)].append((period, label))
        self.excluded: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
        for t, i, period, reason in per_series(ExcludedPoint).values_list(
            "team_id", "indicator_id", "period", "reason"
        ):
            self.excluded[(t, i)].append((period, reason))
        self.local_target = {
            (t, i): v for t, i, v in per_series(LocalTarget).values_list("team_id", "indicator_id", "value")
        }
        self.annotations: dict[tuple[int, int | None], list[dict[str, Any]]] = defaultdict(list)
        for t, i, day, kind, text, uuid in (
            Annotation.objects.filter(team_id__in=team_ids)
            .filter(Q(indicator_id__in=team_indicator_ids) | Q(indicator__isnull=True))
            .order_by()
            .values_list("team_id", "indicator_id", "date", "kind", "text", "uuid")
        ):
            self.annotations[(t, i)].append(
                {"date": day.isoformat(), "text": text, "kind": kind, "uuid": str(uuid), "pdsa": None}
            )
        pdsa_links = PDSACycle.indicators.through.objects.filter(
            pdsacycle__team_id__in=team_ids, indicator_id__in=team_indicator_ids
        ).values_list(
            "pdsacycle__team_id",
            "indicator_id",
            "pdsacycle__start_date",
            "pdsacycle__title",
            "pdsacycle__uuid",
        )
        for t, i, day, title, uuid in pdsa_links:
            self.annotations[(t, i)].append(
                {
                    "date": day.isoformat(),
                    "text": f"PDSA: {title}",
                    "kind": "pdsa",
                    "uuid": str(uuid),
                    "pdsa": str(uuid),
                }
            )

    def inputs(self, row: ChartResult) -> SeriesInputs:
        indicator = row.indicator
        inputs = _base_inputs(indicator, row.scope)
        if row.scope == ChartResult.Scope.TEAM:
            key = (row.team_id, indicator.id)
            values = {
                period: (_float(numerator), _float(denominator), None)
                for period, numerator, denominator in self.series.get(key, [])
                if _reported(indicator, numerator, denominator)
            }
            _fill_series(inputs, values)
            # The team's own baseline, else the network's baseline period of the indicator.
            inputs.baseline_end = self.baseline_end.get(key) or indicator.baseline_end
            inputs.phase_breaks = sorted(self.phase_breaks.get(key, []))
            inputs.excluded = sorted(self.excluded.get(key, []))
            inputs.local_target = _float(self.local_target.get(key))
            notes = self.annotations.get(key, []) + self.annotations.get((row.team_id, None), [])
            inputs.annotations = sorted(notes, key=lambda a: (a["date"], a["kind"], a["uuid"]))
            return inputs
        rows = self.measurements.get(indicator.id, [])
        if row.scope == ChartResult.Scope.REGION:
            rows = [r for r in rows if self.team_region.get(r[0]) == row.region_id]
        else:
            rows = [r for r in rows if r[0] in self.team_region]
        _fill_series(inputs, pool_measurements(indicator, rows))
        inputs.n_active = active_teams(indicator, rows, inputs.periods, self.team_active)
        inputs.provisional = [
            n is not None and bool(active) and n * 100 < inputs.pooled_min_share * active
            for n, active in zip(inputs.n_teams, inputs.n_active, strict=True)
        ]
        inputs.baseline_end = indicator.baseline_end
        return inputs
