"""Reading a chart's inputs (a team's series or teams pooled into an aggregate) and hashing them."""

from __future__ import annotations

import functools
import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import orjson
import psycopg
from django.db import connection
from django.db.models import FloatField, Q, QuerySet
from django.db.models.functions import Cast

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

# Charts without a denominator are pooled over teams by summing for counts, by the mean otherwise.
SUM_POOLED_CHARTS = frozenset({"c"})
# Charts whose engine accepts a denominator; for the others a denominator is ignored.
CHARTS_WITH_N = frozenset({"run", "i", "p", "pp", "u", "up"})


# --------------------------------------------------------------------------- inputs


# The scope as a plain str: comparing with the enum member looks it up on the enum class on every
# call (about a microsecond; this runs for every stored point).
_TEAM = ChartResult.Scope.TEAM.value


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
        return self.scope != _TEAM

    @property
    def engine_chart(self) -> str:
        """The chart the engine computes: Laney p'/u' for pooled p/u where the network wants it;
        under the MDC rule set run and i indicators become MDC's XmR (computed as i, then MDC's lines)."""
        if self.is_pooled and self.pooled_laney and self.chart_type in ("p", "u"):
            return self.chart_type + "p"
        if self.rule_set == "mdc" and self.chart_type in ("run", "i"):
            return "i"
        return self.chart_type

    def as_json(self) -> bytes:
        payload = {
            "engine": spc.ENGINE_VERSION,
            "scope": self.scope,
            "chart": self.chart_type,
            "direction": self.direction,
            "multiplier": self.multiplier,
            "unit": self.unit,
            "decimals": self.decimals,
            "indicator_version": self.indicator_version,
            # Dates as they are: orjson writes a date as its isoformat() (the same bytes), in C.
            "periods": self.periods,
            "numerators": self.numerators,
            "denominators": self.denominators,
            "n_teams": self.n_teams,
            "baseline_end": self.baseline_end,
            "phase_breaks": self.phase_breaks,
            "excluded": self.excluded,
            "targets": [self.national_target, self.local_target],
            "annotations": self.annotations,
            "uses_denominator": self.uses_denominator,
            "rule_set": self.rule_set,
            "pooled": [self.pooled_min_share, self.pooled_laney, self.n_active] if self.is_pooled else None,
        }
        # orjson: a tenth of json.dumps' time, and this runs for every series of a recompute. (Its
        # bytes differ from json.dumps' (UTF-8, not \u escapes), so hashes stored before this change
        # differ once: the sweep's verification recomputes those rows, with the same result.)
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)

    def input_hash(self) -> str:
        return hashlib.sha256(self.as_json()).hexdigest()


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _base_inputs(indicator: Indicator, scope: str) -> SeriesInputs:
    return SeriesInputs(scope=scope, **_base_fields(indicator))


def _base_fields(indicator: Indicator) -> dict[str, Any]:
    """The fields of an indicator's series that come from the indicator and its network."""
    network = indicator.network
    return {
        "rule_set": network.spc_rule_set,
        "pooled_min_share": network.pooled_min_share,
        "pooled_laney": network.pooled_laney,
        "chart_type": indicator.chart_type,
        "direction": indicator.direction,
        "multiplier": float(indicator.multiplier),
        "unit": indicator.unit,
        "decimals": indicator.shown_decimals,
        "indicator_version": indicator.version,
        "national_target": _float(indicator.target_value),
        "uses_denominator": indicator.has_denominator and indicator.chart_type in CHARTS_WITH_N,
    }


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
    inputs.periods = _months(min(values), max(values))
    for period in inputs.periods:
        numerator, denominator, n_teams = values.get(period, (None, None, None))
        inputs.numerators.append(numerator)
        inputs.denominators.append(denominator if inputs.uses_denominator else None)
        inputs.n_teams.append(n_teams)


def _fill_reported(
    inputs: SeriesInputs, periods: list[date], numerators: list[float], denominators: list[float | None]
) -> None:
    """`_fill_series` of a team's reported months (in order, no team counts): a series without
    gaps, the usual case, takes the lists as they are; one with gaps puts each reported month at
    its place in the span (months since the first) and leaves None elsewhere."""
    months = _months(periods[0], periods[-1])
    size = len(months)
    inputs.periods = months
    inputs.n_teams = [None] * size
    if size == len(periods):
        inputs.numerators = list(numerators)
        inputs.denominators = list(denominators) if inputs.uses_denominator else [None] * size
        return
    first = periods[0].year * 12 + periods[0].month
    places = [period.year * 12 + period.month - first for period in periods]
    inputs.numerators = filled = [None] * size
    for at, numerator in zip(places, numerators, strict=True):
        filled[at] = numerator
    inputs.denominators = [None] * size
    if inputs.uses_denominator:
        for at, denominator in zip(places, denominators, strict=True):
            inputs.denominators[at] = denominator


@dataclass(slots=True)
class _Query:
    """One query of a batch's inputs: SQL with its parameters (`binary`: results in binary), or a
    queryset (`queryset`), which gives its rows as Django converts them where the database needs it."""

    sql: str
    params: list[Any]
    binary: bool = False
    queryset: QuerySet | None = None

    @classmethod
    def of(cls, queryset: QuerySet) -> _Query:
        return cls("", [], queryset=queryset)


def _fetch_together(queries: list[_Query]) -> list[list[tuple]]:
    """The rows of each query, in order. On PostgreSQL they are sent together in one pipeline: one
    round trip for a batch's inputs instead of one per query. A chart batch is read while the engine
    computes the one before, and each reply waited for the engine to let go of the GIL (several ms).
    Querysets are compiled to their SQL there: the columns read here (ids, dates, numbers, text,
    UUIDs) need no Django converter on PostgreSQL. Elsewhere each query runs on its own."""
    if connection.vendor != "postgresql":
        results = []
        for query in queries:
            if query.queryset is not None:
                results.append(list(query.queryset))
                continue
            with connection.cursor() as cursor:
                cursor.execute(query.sql, query.params)
                results.append(cursor.fetchall())
        return results
    connection.ensure_connection()
    conn = connection.connection
    cursors = []
    statements = []
    started = time.monotonic()
    try:
        with conn.pipeline():
            for query in queries:
                sql, params = query.sql, query.params
                if query.queryset is not None:
                    sql, params = query.queryset.query.sql_with_params()
                cursor = psycopg.Cursor(conn)
                cursors.append(cursor)
                statements.append(sql)
                cursor.execute(sql, params, binary=query.binary)
        return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()
        if connection.queries_logged:
            # In Django's query log as its own cursor would log them (counted by tests and the
            # debug toolbar alike); each with the time of the whole round trip.
            elapsed = f"{time.monotonic() - started:.3f}"
            connection.queries_log.extend({"sql": sql, "time": elapsed} for sql in statements)


# One row per team series: its reported months in order, as arrays (PostgreSQL). Each series is
# looked up by its (team, indicator) pair in the unique constraint's index: only the batch's own
# series are read, not every indicator's rows of its teams (the filter that replaced was three
# times the time of a 500-row batch's lookups at 200 teams). The months are ordered once, in the
# subquery the three arrays aggregate: PostgreSQL 15 sorts for each `array_agg(... ORDER BY)`
# separately, three sorts per series (1,000 lookups at 200 teams: 55 -> 37 ms to execute). Its manual
# ("Aggregate Expressions") has a sorted subquery feed an aggregate this way; it warns only where
# the aggregating level also joins, which this one does not.
_TEAM_SERIES_SQL = """
SELECT s.team_id, s.indicator_id, m.periods, m.numerators, m.denominators
FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[]) AS s(team_id, indicator_id, with_n)
CROSS JOIN LATERAL (
    SELECT array_agg(period) AS periods, array_agg(numerator) AS numerators,
        array_agg(denominator) AS denominators
    FROM (
        SELECT period, numerator::float8 AS numerator, denominator::float8 AS denominator
        FROM measures_measurement
        WHERE team_id = s.team_id AND indicator_id = s.indicator_id AND numerator IS NOT NULL
          AND (denominator IS NOT NULL OR NOT s.with_n)
        ORDER BY period
    ) ordered
) m
WHERE m.periods IS NOT NULL
"""


def _team_series_query(pairs: set[tuple[int, int]], indicators: dict[int, Indicator]) -> _Query:
    """The reported months of the series `pairs` ((team id, indicator id); `_reported`: a numerator,
    and a denominator where the indicator has one), in period order; read by `_team_series`."""
    if connection.vendor == "postgresql":
        # The database groups and orders; its arrays load in binary (no number or date parsed from
        # text, and one Python row per series instead of one per month).
        ordered = sorted(pairs)
        params = [
            [t for t, _i in ordered],
            [i for _t, i in ordered],
            [indicators[i].has_denominator for _t, i in ordered],
        ]
        return _Query(_TEAM_SERIES_SQL, params, binary=True)
    team_ids = {t for t, _i in pairs}
    with_n = sorted(i for i, indicator in indicators.items() if indicator.has_denominator)
    return _Query.of(
        Measurement.objects.filter(team_id__in=team_ids, indicator_id__in=indicators, numerator__isnull=False)
        .exclude(indicator_id__in=with_n, denominator__isnull=True)
        .order_by("team_id", "indicator_id", "period")
        .values_list(
            "team_id",
            "indicator_id",
            "period",
            Cast("numerator", FloatField()),
            Cast("denominator", FloatField()),
        )
    )


def _team_series(
    rows: list[tuple],
) -> dict[tuple[int, int], tuple[list[date], list[float], list[float | None]]]:
    """{(team id, indicator id): (periods, numerators, denominators)} of `_team_series_query`'s rows:
    one per series on PostgreSQL, one per month elsewhere. Series without a reported month are
    left out."""
    if connection.vendor == "postgresql":
        return {
            (t, i): (periods, numerators, denominators) for t, i, periods, numerators, denominators in rows
        }
    series: dict[tuple[int, int], tuple[list[date], list[float], list[float | None]]] = {}
    for team_id, indicator_id, period, numerator, denominator in rows:
        periods, numerators, denominators = series.setdefault((team_id, indicator_id), ([], [], []))
        periods.append(period)
        numerators.append(numerator)
        denominators.append(denominator)
    return series


def _months(first: date, last: date) -> list[date]:
    """`months.month_range` for first-of-month dates (a new list: callers keep it as theirs)."""
    return list(_month_span(first, last))


@functools.lru_cache(maxsize=4096)
def _month_span(first: date, last: date) -> tuple[date, ...]:
    # Cached: this runs for every series, and a network's series share a few spans.
    year, month = first.year, first.month
    end = (last.year, last.month)
    out = []
    while (year, month) <= end:
        out.append(date(year, month, 1))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return tuple(out)


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


@dataclass(slots=True)
class ChartRow:
    """A chart result row as the pipeline reads and writes it: its owner, its token (`stale_since`,
    read before the inputs) and what decides whether it is still fresh."""

    # In the order of the constructor's arguments (a values_list row, then the indicator).
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "scope",
        "network_id",
        "indicator_id",
        "team_id",
        "region_id",
        "chart_type",
        "stale_since",
        "input_hash",
        "engine_version",
    )

    id: int
    scope: str
    network_id: int
    indicator_id: int
    team_id: int | None
    region_id: int | None
    chart_type: str
    stale_since: datetime | None
    input_hash: str
    engine_version: str
    indicator: Indicator


def _team_settings_queries(team_ids: set[int], team_indicator_ids: set[int]) -> list[_Query]:
    """The teams' chart settings of these indicators (baselines, phase breaks, excluded points,
    local targets), their annotations (also those for every indicator) and PDSA cycles: the rows
    `_Loader._read_team_settings` takes, in its order."""
    compiled = _team_settings_sql(connection.vendor)
    if compiled is not None:
        ids = {"teams": sorted(team_ids), "indicators": sorted(team_indicator_ids)}
        return [_Query(sql, [ids[name] for name in names]) for sql, names in compiled]
    return [_Query.of(queryset) for queryset in _team_settings_querysets(team_ids, team_indicator_ids)]


@functools.cache
def _team_settings_sql(vendor: str) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """The SQL of `_team_settings_querysets` on PostgreSQL, compiled once per process, each with the
    names of its parameters in order ("teams", "indicators"): there `__any` makes a query the same
    text for any ids (one array parameter per set), and compiling the six took about 3 ms of
    every batch. None elsewhere, or if a query has a parameter that is neither set."""
    if vendor != "postgresql":
        return None
    sentinels = {-1: "teams", -2: "indicators"}
    compiled = []
    for queryset in _team_settings_querysets([-1], [-2]):
        sql, params = queryset.query.sql_with_params()
        if any(not isinstance(p, list) or len(p) != 1 or p[0] not in sentinels for p in params):
            return None
        compiled.append((sql, tuple(sentinels[p[0]] for p in params)))
    return tuple(compiled)


def _team_settings_querysets(team_ids: Iterable[int], team_indicator_ids: Iterable[int]) -> list[QuerySet]:
    def per_series(model) -> QuerySet:
        return model.objects.filter(team_id__any=team_ids, indicator_id__any=team_indicator_ids).order_by()

    pdsa_links = PDSACycle.indicators.through.objects.filter(
        pdsacycle__team_id__any=team_ids, indicator_id__any=team_indicator_ids
    )
    return [
        per_series(ChartSettings).values_list("team_id", "indicator_id", "baseline_end"),
        per_series(PhaseBreak).values_list("team_id", "indicator_id", "period", "label"),
        per_series(ExcludedPoint).values_list("team_id", "indicator_id", "period", "reason"),
        per_series(LocalTarget).values_list("team_id", "indicator_id", "value"),
        Annotation.objects.filter(team_id__any=team_ids)
        .filter(Q(indicator_id__any=team_indicator_ids) | Q(indicator__isnull=True))
        .order_by()
        .values_list("team_id", "indicator_id", "date", "kind", "text", "uuid"),
        pdsa_links.order_by().values_list(
            "pdsacycle__team_id",
            "indicator_id",
            "pdsacycle__start_date",
            "pdsacycle__title",
            "pdsacycle__uuid",
        ),
    ]


class _Loader:
    """Reads the inputs of many rows with a fixed number of queries (not one set per row).

    Takes `ChartRow`s, or ChartResults with their indicator (the same attributes)."""

    def __init__(self, rows: list[ChartRow]) -> None:
        team_rows = [r for r in rows if r.scope == ChartResult.Scope.TEAM]
        team_ids = {r.team_id for r in team_rows}
        team_indicator_ids = {r.indicator_id for r in team_rows}
        pooled_rows = [r for r in rows if r.scope != ChartResult.Scope.TEAM]
        # Pooled series are summed in SQL (one GROUP BY per batch), never read team by team: what
        # Python sees of them grows with months and regions, not with the number of teams.
        pooled_query = _PooledSums.query(pooled_rows)
        queries = [pooled_query] if pooled_query is not None else []
        if team_rows:
            indicators = {r.indicator_id: r.indicator for r in team_rows}
            queries.append(_team_series_query({(r.team_id, r.indicator_id) for r in team_rows}, indicators))
            queries.extend(_team_settings_queries(team_ids, team_indicator_ids))
        results = _fetch_together(queries)
        self._base: dict[int, dict[str, Any]] = {}
        self.pooled = _PooledSums(pooled_rows, results.pop(0) if pooled_query is not None else [])
        # {(team_id, indicator_id): (periods, numerators, denominators)} of the reported months
        # (a numerator, and a denominator where the indicator has one), in period order.
        self.series: dict[tuple[int, int], tuple[list[date], list[float], list[float | None]]] = {}
        self.baseline_end: dict[tuple[int, int], date | None] = {}
        self.phase_breaks: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
        self.excluded: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
        self.local_target: dict[tuple[int, int], Decimal] = {}
        self.annotations: dict[tuple[int, int | None], list[dict[str, Any]]] = defaultdict(list)
        if team_rows:
            self.series = _team_series(results[0])
            self._read_team_settings(*results[1:])

    def _read_team_settings(
        self,
        baselines: list[tuple],
        phase_breaks: list[tuple],
        excluded: list[tuple],
        local_targets: list[tuple],
        annotations: list[tuple],
        pdsa_links: list[tuple],
    ) -> None:
        """The rows of `_team_settings_queries`, in its order."""
        self.baseline_end = {(t, i): b for t, i, b in baselines}
        for t, i, period, label in phase_breaks:
            self.phase_breaks[(t, i)].append((period, label))
        for t, i, period, reason in excluded:
            self.excluded[(t, i)].append((period, reason))
        self.local_target = {(t, i): v for t, i, v in local_targets}
        for t, i, day, kind, text, uuid in annotations:
            # Keys in jsonb's order, as the stored format's (compute.jsonb_key_order).
            self.annotations[(t, i)].append(
                {"date": day.isoformat(), "kind": kind, "pdsa": None, "text": text, "uuid": str(uuid)}
            )
        for t, i, day, title, uuid in pdsa_links:
            self.annotations[(t, i)].append(
                {
                    "date": day.isoformat(),
                    "kind": "pdsa",
                    "pdsa": str(uuid),
                    "text": f"PDSA: {title}",
                    "uuid": str(uuid),
                }
            )

    def inputs(self, row: ChartRow) -> SeriesInputs:
        indicator = row.indicator
        fields = self._base.get(indicator.id)
        if fields is None:
            # Once per indicator, not per row: its properties (decimals, denominator) are computed.
            fields = self._base[indicator.id] = _base_fields(indicator)
        inputs = SeriesInputs(scope=row.scope, **fields)
        if row.scope == ChartResult.Scope.TEAM:
            key = (row.team_id, indicator.id)
            series = self.series.get(key)
            if series is not None:
                _fill_reported(inputs, *series)
            # The team's own baseline, else the network's baseline period of the indicator.
            inputs.baseline_end = self.baseline_end.get(key) or indicator.baseline_end
            inputs.phase_breaks = sorted(self.phase_breaks.get(key, []))
            inputs.excluded = sorted(self.excluded.get(key, []))
            inputs.local_target = _float(self.local_target.get(key))
            notes = self.annotations.get(key, []) + self.annotations.get((row.team_id, None), [])
            inputs.annotations = sorted(notes, key=lambda a: (a["date"], a["kind"], a["uuid"]))
            return inputs
        sums, n_active = self.pooled.series(row)
        _fill_series(inputs, sums)
        inputs.n_active = [n_active.get(p, 0) for p in inputs.periods]
        inputs.provisional = [
            n is not None and bool(active) and n * 100 < inputs.pooled_min_share * active
            for n, active in zip(inputs.n_teams, inputs.n_active, strict=True)
        ]
        inputs.baseline_end = indicator.baseline_end
        return inputs


# One round trip for every pooled row of a batch: per indicator, region and month the sums of the
# reported months and how many teams reported; and per month how many teams started reporting
# (their first reported month) and how many inactive teams stopped (their last). A month counts as
# reported with a numerator, and a denominator where the indicator has one (as `_reported`); only
# teams of the indicator's network count.
_POOLED_SQL = """
WITH reported AS (
    SELECT m.indicator_id, m.team_id, t.region_id, t.is_active, m.period, m.numerator, m.denominator
    FROM measures_measurement m
    JOIN teams_team t ON t.id = m.team_id
    JOIN measures_indicator i ON i.id = m.indicator_id
    WHERE m.indicator_id IN ({indicators}) AND t.network_id = i.network_id
      AND m.numerator IS NOT NULL AND (m.denominator IS NOT NULL OR m.indicator_id IN ({without_n}))
      {regions}
),
spans AS (
    SELECT indicator_id, region_id, is_active, MIN(period) AS first_period, MAX(period) AS last_period
    FROM reported GROUP BY indicator_id, team_id, region_id, is_active
)
SELECT 's', indicator_id, region_id, period, SUM(numerator), SUM(denominator), COUNT(*)
FROM reported GROUP BY indicator_id, region_id, period
UNION ALL
SELECT 'a', indicator_id, region_id, first_period, NULL, NULL, COUNT(*)
FROM spans GROUP BY indicator_id, region_id, first_period
UNION ALL
SELECT 'e', indicator_id, region_id, last_period, NULL, NULL, COUNT(*)
FROM spans WHERE NOT is_active GROUP BY indicator_id, region_id, last_period
"""


class _PooledSums:
    """The region and national series of many pooled rows from one GROUP BY query.

    Same rules as `pool_measurements` and `active_teams` (which stay the reference, see the tests):
    numerators and denominators summed over the reporting teams, counts (c) summed and other
    values without a denominator averaged; a team active from its first reported month (and, if it
    has left the network, until its last). The national series is the sum of its regions' sums.
    """

    def __init__(self, rows: list[ChartRow], fetched: list[tuple]) -> None:
        """`fetched`: the rows of `query(rows)` (none without pooled rows)."""
        # {(indicator_id, region_id): {period: [numerator sum, denominator sum, teams]}}
        self.sums: dict[tuple[int, int], dict[date, list]] = defaultdict(dict)
        # {(indicator_id, region_id): {period: (teams starting, inactive teams ending)}}
        self.changes: dict[tuple[int, int], dict[date, list[int]]] = defaultdict(dict)
        self.indicators = {r.indicator_id: r.indicator for r in rows}
        for kind, indicator_id, region_id, period, numerator, denominator, count in fetched:
            if isinstance(period, str):  # SQLite returns the MIN()/MAX() of dates as text
                period = date.fromisoformat(period)
            key = (indicator_id, region_id)
            if kind == "s":
                self.sums[key][period] = [numerator, denominator, count]
            else:
                change = self.changes[key].setdefault(period, [0, 0])
                change[0 if kind == "a" else 1] += count

    @staticmethod
    def query(rows: list[ChartRow]) -> _Query | None:
        """The GROUP BY of these pooled rows' indicators (and regions); None without pooled rows."""
        if not rows:
            return None
        indicators = {r.indicator_id: r.indicator for r in rows}
        regions: set[int] | None = {r.region_id for r in rows if r.scope == ChartResult.Scope.REGION}
        if any(r.scope == ChartResult.Scope.NATIONAL for r in rows):
            regions = None  # the national rows need every region
        ids = sorted(indicators)
        without_n = sorted(i.id for i in indicators.values() if not i.has_denominator) or [0]
        params: list[Any] = [*ids, *without_n]
        region_sql = ""
        if regions is not None:
            region_sql = f"AND t.region_id IN ({', '.join(['%s'] * len(regions))})"
            params.extend(sorted(regions))
        sql = _POOLED_SQL.format(
            indicators=", ".join(["%s"] * len(ids)),
            without_n=", ".join(["%s"] * len(without_n)),
            regions=region_sql,
        )
        return _Query(sql, params)

    def _merged(self, indicator_id: int, region_id: int | None) -> tuple[dict, dict]:
        if region_id is not None:
            return self.sums.get((indicator_id, region_id), {}), self.changes.get(
                (indicator_id, region_id), {}
            )
        sums: dict[date, list] = {}
        changes: dict[date, list[int]] = {}
        for (i, _region), by_period in self.sums.items():
            if i != indicator_id:
                continue
            for period, (numerator, denominator, count) in by_period.items():
                acc = sums.setdefault(period, [0, None, 0])
                acc[0] += numerator
                if denominator is not None:
                    acc[1] = denominator if acc[1] is None else acc[1] + denominator
                acc[2] += count
        for (i, _region), by_period in self.changes.items():
            if i != indicator_id:
                continue
            for period, (starting, ending) in by_period.items():
                change = changes.setdefault(period, [0, 0])
                change[0] += starting
                change[1] += ending
        return sums, changes

    def series(
        self, row: ChartRow
    ) -> tuple[dict[date, tuple[float | None, float | None, int | None]], dict[date, int]]:
        """({period: (numerator, denominator, n_teams)}, {period: active teams}) of one pooled row."""
        indicator = self.indicators[row.indicator_id]
        region_id = row.region_id if row.scope == ChartResult.Scope.REGION else None
        sums, changes = self._merged(row.indicator_id, region_id)
        pooled = {}
        for period, (numerator, denominator, n_teams) in sums.items():
            if indicator.has_denominator:
                pooled[period] = (_float(numerator), _float(denominator or 0), int(n_teams))
            elif indicator.chart_type in SUM_POOLED_CHARTS:
                pooled[period] = (_float(numerator), None, int(n_teams))
            else:
                pooled[period] = (float(numerator) / n_teams, None, int(n_teams))
        # Active in a month: started on or before it, minus the inactive teams that ended before it.
        active: dict[date, int] = {}
        if pooled:
            starts = sorted((period, change[0]) for period, change in changes.items())
            ends = sorted((period, change[1]) for period, change in changes.items())
            i = j = started = ended = 0
            for period in _months(min(pooled), max(pooled)):
                while i < len(starts) and starts[i][0] <= period:
                    started += starts[i][1]
                    i += 1
                while j < len(ends) and ends[j][0] < period:
                    ended += ends[j][1]
                    j += 1
                active[period] = started - ended
        return pooled, active
