"""The chart pipeline: which stored chart results a write makes stale, and how they are recomputed.

Stored format of ChartResult.data: see the README's architecture section ("Stored chart result").

Life of a ChartResult row:
1. A write to a series' inputs calls `chart_series_changed` inside its transaction: the team's row
   and its region and national aggregates are marked stale (`is_stale`, a fresh `stale_since`).
2. After commit, each row is *claimed* with a conditional UPDATE (`claimed_until`); only the save
   that wins the claim enqueues a task, with a short countdown, so a burst of saves to one series
   coalesces into one computation per window. A failed publish (broker down) releases the claim
   and leaves the row stale for the sweep.
3. The task reads `stale_since` first, then the inputs, computes, and writes only where
   `stale_since` is unchanged: data that changed meanwhile are never hidden behind a fresh chart.
4. The beat sweep claims stale rows in bounded batches (select_for_update(skip_locked=True) where
   the database has it, a conditional UPDATE otherwise), so several sweeps share the work.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from teams.models import Network, Organisation, Team

from . import spc
from .models import (
    Annotation,
    ChartResult,
    ChartSettings,
    ExcludedPoint,
    Indicator,
    LocalTarget,
    Measurement,
    PDSACycle,
    PhaseBreak,
    PublicationStatus,
)
from .spc.engine import json_number

logger = logging.getLogger(__name__)

# Saves within this many seconds of the first one are folded into one computation.
COALESCE_SECONDS: int = getattr(settings, "CHART_COALESCE_SECONDS", 2)
# A claim outlives the longest task, so a running computation is never claimed twice; a claim
# whose task was lost (worker killed, broker flushed) expires and the sweep takes the row over.
CLAIM_SECONDS: int = getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60
# Charts without a denominator are pooled over teams by summing for counts, by the mean otherwise.
SUM_POOLED_CHARTS = frozenset({"c"})
# Charts whose engine accepts a denominator; for the others a denominator is ignored.
CHARTS_WITH_N = frozenset({"run", "i", "p", "pp", "u", "up"})


# --------------------------------------------------------------------------- marking stale


@transaction.atomic
def chart_series_mark_stale(*, team: Team, indicator: Indicator) -> list[int]:
    """Mark the team's chart of `indicator` and its region and national aggregates stale.

    Called in the same transaction as the data write, so a chart can never look current after its
    data changed; the chart jobs pick the rows up (see measures.tasks). Returns the rows' ids.
    """
    now = timezone.now()
    owners = [
        {"scope": ChartResult.Scope.TEAM, "team_id": team.id, "region_id": None},
        {"scope": ChartResult.Scope.REGION, "team_id": None, "region_id": team.region_id},
        {"scope": ChartResult.Scope.NATIONAL, "team_id": None, "region_id": None},
    ]
    ids = []
    for owner in owners:
        rows = ChartResult.objects.filter(indicator_id=indicator.id, **owner)
        if not rows.update(is_stale=True, stale_since=now):
            rows_created, _ = ChartResult.objects.get_or_create(
                indicator_id=indicator.id,
                **owner,
                defaults={
                    "network_id": indicator.network_id,
                    "chart_type": indicator.chart_type,
                    "is_stale": True,
                    "stale_since": now,
                },
            )
            ids.append(rows_created.id)
        else:
            ids.extend(rows.values_list("id", flat=True))
    return ids


class _EnqueueAfterCommit:
    """The on_commit callback of one series; carries its key so a transaction registers it once."""

    def __init__(self, key: tuple[int, int], result_ids: list[int]) -> None:
        self.series_key = key
        self.result_ids = result_ids

    def __call__(self) -> None:
        chart_results_enqueue(result_ids=self.result_ids)


def _registered_in_transaction(key: tuple[int, int]) -> bool:
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        return False
    # run_on_commit holds (savepoint ids, callback, robust); callbacks of a rolled-back savepoint
    # are removed by Django, so a series found here really is marked in this transaction.
    return any(getattr(entry[1], "series_key", None) == key for entry in conn.run_on_commit)


def chart_series_changed(*, team: Team, indicator: Indicator) -> None:
    """Every write to a series' inputs calls this inside its transaction: mark stale, recompute after commit.

    An upload that writes 10,000 rows of one series in one transaction marks and enqueues once:
    the stale flag only has to change once per commit.
    """
    key = (team.id, indicator.id)
    if _registered_in_transaction(key):
        return
    result_ids = chart_series_mark_stale(team=team, indicator=indicator)
    transaction.on_commit(_EnqueueAfterCommit(key, result_ids))


@transaction.atomic
def chart_indicator_changed(*, indicator: Indicator) -> int:
    """Mark every chart of an indicator stale (a new definition, target or baseline); the sweep recomputes."""
    return ChartResult.objects.filter(indicator=indicator).update(is_stale=True, stale_since=timezone.now())


# --------------------------------------------------------------------------- claiming and enqueueing


def _claim_condition(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def chart_result_claim(*, result_id: int, seconds: int = CLAIM_SECONDS) -> bool:
    """Take one row for computation; False when someone else holds it (a queued or running task)."""
    now = timezone.now()
    return bool(
        ChartResult.objects.filter(_claim_condition(now), id=result_id).update(
            claimed_until=now + timedelta(seconds=seconds)
        )
    )


def chart_result_release(*, result_id: int) -> None:
    ChartResult.objects.filter(id=result_id).update(claimed_until=None)


def chart_results_enqueue(*, result_ids: Iterable[int], countdown: int = COALESCE_SECONDS) -> int:
    """Enqueue a recomputation of each row nobody has claimed yet; returns how many were enqueued.

    Runs after commit. Never raises for a broker failure: the data are saved and the rows are
    stale, which is the truth; the sweep recomputes them once the broker is back.
    """
    from .tasks import chart_result_recompute_task

    enqueued = 0
    broker_down = False
    for result_id in result_ids:
        if broker_down or not chart_result_claim(result_id=result_id, seconds=countdown + CLAIM_SECONDS):
            continue
        try:
            chart_result_recompute_task.apply_async((result_id,), countdown=countdown)
        except Exception as exc:  # kombu/redis raise many types; any publish failure is handled alike
            logger.warning("chart pipeline: could not enqueue chart result %s (%s); left for the sweep",
                           result_id, exc)
            chart_result_release(result_id=result_id)
            # One timeout per request is the most a user waits: the other rows go to the sweep too.
            broker_down = True
        else:
            enqueued += 1
    return enqueued


def chart_results_claim_batch(*, limit: int, network: Network | None = None) -> list[int]:
    """Claim up to `limit` stale, unclaimed rows; concurrent callers get disjoint batches."""
    now = timezone.now()
    rows = ChartResult.objects.filter(_claim_condition(now), is_stale=True)
    if network is not None:
        rows = rows.filter(network=network)
    rows = rows.order_by("stale_since", "id")
    until = now + timedelta(seconds=CLAIM_SECONDS)
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(rows.select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
            ChartResult.objects.filter(id__in=ids).update(claimed_until=until)
        return ids
    # SQLite serialises writers, so a conditional UPDATE per row is a safe claim there. Concurrent
    # sweeps see the same first candidates, so look further than `limit` before giving up.
    claimed: list[int] = []
    for result_id in rows.values_list("id", flat=True)[: limit * 10]:
        if ChartResult.objects.filter(_claim_condition(now), id=result_id).update(claimed_until=until):
            claimed.append(result_id)
            if len(claimed) == limit:
                break
    return claimed


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

    def as_json(self) -> str:
        payload = {
            "engine": spc.ENGINE_VERSION,
            "scope": self.scope,
            "chart": self.chart_type,
            "direction": self.direction,
            "multiplier": self.multiplier,
            "unit": self.unit,
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
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))

    def input_hash(self) -> str:
        return hashlib.sha256(self.as_json().encode()).hexdigest()


def _month_range(first: date, last: date) -> list[date]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _base_inputs(indicator: Indicator, scope: str) -> SeriesInputs:
    return SeriesInputs(
        scope=scope,
        chart_type=indicator.chart_type,
        direction=indicator.direction,
        multiplier=float(indicator.multiplier),
        unit=indicator.unit,
        indicator_version=indicator.version,
        national_target=_float(indicator.target_value),
        uses_denominator=indicator.has_denominator and indicator.chart_type in CHARTS_WITH_N,
    )


def _reported(indicator: Indicator, numerator: Decimal | None, denominator: Decimal | None) -> bool:
    """A month counts as reported when it has a value (and a denominator where the indicator needs one)."""
    if numerator is None:
        return False
    return denominator is not None or not indicator.has_denominator


def _fill_series(inputs: SeriesInputs, values: dict[date, tuple[float | None, float | None, int | None]]) -> None:
    """Months from the first to the last reported one; months without a value are gaps (None)."""
    if not values:
        return
    inputs.periods = _month_range(min(values), max(values))
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


class _Loader:
    """Reads the inputs of many rows with a fixed number of queries (not one set per row)."""

    def __init__(self, rows: list[ChartResult]) -> None:
        team_rows = [r for r in rows if r.scope == ChartResult.Scope.TEAM]
        team_ids = {r.team_id for r in team_rows}
        team_indicator_ids = {r.indicator_id for r in team_rows}
        aggregate_indicator_ids = {r.indicator_id for r in rows if r.scope != ChartResult.Scope.TEAM}
        network_ids = {r.network_id for r in rows}

        self.team_region = dict(Team.objects.filter(network_id__in=network_ids).values_list("id", "region_id"))
        measurement_filter = Q(indicator_id__in=aggregate_indicator_ids) | Q(
            team_id__in=team_ids, indicator_id__in=team_indicator_ids
        )
        self.measurements: dict[int, list[tuple[int, date, Decimal | None, Decimal | None]]] = defaultdict(list)
        self.series: dict[tuple[int, int], list[tuple[date, Decimal | None, Decimal | None]]] = defaultdict(list)
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
            (t, i): b for t, i, b in per_series(ChartSettings).values_list("team_id", "indicator_id", "baseline_end")
        }
        self.phase_breaks: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
        for t, i, period, label in per_series(PhaseBreak).values_list("team_id", "indicator_id", "period", "label"):
            self.phase_breaks[(t, i)].append((period, label))
        self.excluded: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
        for t, i, period, reason in per_series(ExcludedPoint).values_list("team_id", "indicator_id", "period", "reason"):
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
        ).values_list("pdsacycle__team_id", "indicator_id", "pdsacycle__start_date", "pdsacycle__title",
                      "pdsacycle__uuid")
        for t, i, day, title, uuid in pdsa_links:
            self.annotations[(t, i)].append(
                {"date": day.isoformat(), "text": f"PDSA: {title}", "kind": "pdsa", "uuid": str(uuid),
                 "pdsa": str(uuid)}
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
        inputs.baseline_end = indicator.baseline_end
        return inputs


# --------------------------------------------------------------------------- computing


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _number(value: float | None) -> float | str | None:
    return json_number(value) if value is not None else None


def chart_compute(inputs: SeriesInputs) -> dict[str, Any]:
    """Run the SPC engine on one series and shape the result as the stored format (README)."""
    data: dict[str, Any] = {
        "engine_version": spc.ENGINE_VERSION,
        "scope": inputs.scope,
        "chart_type": inputs.chart_type,
        "unit": inputs.unit,
        "multiplier": inputs.multiplier,
        "direction": inputs.direction,
        "indicator_version": inputs.indicator_version,
        "points": [],
        "parts": [],
        "classification": {"variation": ChartResult.Variation.TOO_FEW.value, "assurance": "",
                           "reason": "too_few_points"},
        "targets": {"national": inputs.national_target, "local": inputs.local_target},
        "baseline_end": _iso(inputs.baseline_end),
        "excluded": [{"period": p.isoformat(), "reason": reason} for p, reason in inputs.excluded],
        "annotations": inputs.annotations,
        "messages": [],
        "error": "",
    }
    periods = inputs.periods
    if not periods:
        return data
    index = {p: i for i, p in enumerate(periods)}
    freeze = None
    if inputs.baseline_end is not None and inputs.baseline_end >= periods[0]:
        freeze = sum(1 for p in periods if p <= inputs.baseline_end)
    # A new part starts at the phase break's month: the engine wants the last xx of the part before.
    breaks = [index[p] for p, _label in inputs.phase_breaks if p in index and index[p] > 0]
    labels = {1: ""}
    for number, (p, label) in enumerate(
        [(p, label) for p, label in inputs.phase_breaks if p in index and index[p] > 0], start=2
    ):
        labels[number] = label or p.strftime("%Y-%m")
    exclude = [index[p] + 1 for p, _reason in inputs.excluded if p in index]
    try:
        result = spc.compute_chart(
            inputs.chart_type,
            periods,
            inputs.numerators,
            inputs.denominators if inputs.uses_denominator else None,
            freeze=freeze,
            # qicharts2 ignores freeze once parts are given; pass none when there is no break.
            part=breaks or None,
            exclude=exclude or None,
            multiply=inputs.multiplier,
        )
    except spc.SPCError as exc:
        data["error"] = str(exc)
        data["classification"]["reason"] = "error"
        return data
    target = inputs.local_target if inputs.local_target is not None else inputs.national_target
    classification = spc.classify(result, inputs.direction, target)
    for i, point in enumerate(result.points):
        data["points"].append(
            {
                "period": periods[i].isoformat(),
                "numerator": inputs.numerators[i],
                "denominator": inputs.denominators[i],
                "y": _number(point.y),
                "cl": _number(point.cl),
                "lcl": _number(point.lcl),
                "ucl": _number(point.ucl),
                "lcl_95": _number(point.lcl_95),
                "ucl_95": _number(point.ucl_95),
                "part": point.part,
                "baseline": point.baseline,
                "include": point.include,
                "runs_signal": point.runs_signal,
                "sigma_signal": point.sigma_signal,
                "n_teams": inputs.n_teams[i],
            }
        )
    for part in result.parts:
        data["parts"].append(
            {
                "part": part.part,
                "label": labels.get(part.part, ""),
                "first_period": periods[part.first_xx - 1].isoformat(),
                "last_period": periods[part.last_xx - 1].isoformat(),
                "n_obs": part.n_obs,
                "n_useful": part.n_useful,
                "longest_run": part.longest_run,
                "longest_run_max": part.longest_run_max,
                "n_crossings": part.n_crossings,
                "n_crossings_min": part.n_crossings_min,
                "runs_signal": part.runs_signal,
                "sigma_signal": part.sigma_signal,
                "cl": _number(part.cl),
                "lcl": _number(part.alcl),
                "ucl": _number(part.aucl),
            }
        )
    signal_period = None
    if classification.signal_xx is not None:
        signal_period = periods[classification.signal_xx - 1].isoformat()
    data["classification"] = {
        "variation": classification.variation,
        "assurance": classification.assurance or "",
        "reason": classification.sources[0] if classification.sources else (
            "too_few_points" if classification.variation == ChartResult.Variation.TOO_FEW else ""
        ),
        "sources": list(classification.sources),
        "side": classification.side,
        "signal_period": signal_period,
        "interpretation": classification.interpretation,
        "target_used": "local" if inputs.local_target is not None else ("national" if target is not None else ""),
    }
    data["messages"] = list(result.messages)
    return data


def _summary_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The top-level columns dashboards filter on: the current (last) phase decides the signals."""
    points = data["points"]
    last_part = data["parts"][-1] if data["parts"] else None
    valued = [p for p in points if p["y"] is not None]
    return {
        "variation": data["classification"]["variation"] if not data["error"] else "",
        "assurance": data["classification"]["assurance"],
        "runs_signal": bool(last_part and last_part["runs_signal"]),
        "sigma_signal_count": int(last_part["sigma_signal"]) if last_part else 0,
        "n_points": len(valued),
        "last_period": date.fromisoformat(valued[-1]["period"]) if valued else None,
        "error": data["error"],
    }


# --------------------------------------------------------------------------- recomputing rows


def _recompute_rows(result_ids: list[int], *, force: bool = False) -> int:
    """Recompute claimed rows; returns how many the engine computed.

    Reads `stale_since` before the inputs and writes only where it is unchanged, so a save that
    committed while we computed keeps its row stale (and enqueues or waits for the sweep).
    Rows whose input hash still matches are only marked fresh, not computed again.
    """
    if not result_ids:
        return 0
    rows = list(ChartResult.objects.filter(id__in=result_ids).select_related("indicator"))
    loader = _Loader(rows)
    # Compute everything first, then write in one short transaction: one commit per batch instead
    # of one per row, and row locks held only while writing, never while the engine runs.
    writes: list[tuple[ChartResult, dict[str, Any] | None]] = []
    for row in rows:
        inputs = loader.inputs(row)
        input_hash = inputs.input_hash()
        if not force and input_hash == row.input_hash and row.engine_version == spc.ENGINE_VERSION:
            writes.append((row, None))
            continue
        data = chart_compute(inputs)
        writes.append((row, {
            "data": data,
            "chart_type": inputs.chart_type,
            "engine_version": spc.ENGINE_VERSION,
            "input_hash": input_hash,
            **_summary_fields(data),
        }))
    computed = sum(1 for _, fields in writes if fields is not None)
    unwritten = []
    now = timezone.now()
    with transaction.atomic():
        for row, fields in writes:
            # The token is the stale_since read before the inputs: unchanged means no newer data.
            current = ChartResult.objects.filter(id=row.id, stale_since=row.stale_since)
            if fields is None:
                written = current.update(is_stale=False, claimed_until=None)
            else:
                written = current.update(is_stale=False, claimed_until=None, computed_at=now,
                                         compute_count=F("compute_count") + 1, **fields)
            if written:
                continue
            unwritten.append(row.id)
            logger.info("chart pipeline: inputs of chart result %s changed while computing", row.id)
            if fields is not None:
                # Counted all the same: compute_count measures the engine's work, not the rows written.
                ChartResult.objects.filter(id=row.id).update(compute_count=F("compute_count") + 1)
        # Rows that turned stale again meanwhile are released, so the next claim can take them.
        # Written rows had their claim cleared in the same UPDATE; releasing them could drop a new claim.
        if unwritten:
            ChartResult.objects.filter(id__in=unwritten).update(claimed_until=None)
    return computed


def chart_result_recompute_claimed(*, result_id: int) -> int:
    """The task's body: recompute one claimed row; re-enqueue it if its data changed meanwhile."""
    computed = _recompute_rows([result_id])
    if ChartResult.objects.filter(id=result_id, is_stale=True).exists():
        chart_results_enqueue(result_ids=[result_id])
    return computed


def _owner_row(*, team: Team | None, region: Organisation | None, indicator: Indicator) -> ChartResult:
    if team is not None:
        owner = {"scope": ChartResult.Scope.TEAM, "team": team, "region": None}
    elif region is not None:
        owner = {"scope": ChartResult.Scope.REGION, "team": None, "region": region}
    else:
        owner = {"scope": ChartResult.Scope.NATIONAL, "team": None, "region": None}
    row, _ = ChartResult.objects.get_or_create(
        indicator=indicator,
        **owner,
        defaults={"network_id": indicator.network_id, "chart_type": indicator.chart_type,
                  "stale_since": timezone.now()},
    )
    return row


def chart_result_recompute(
    *, team: Team | None = None, region: Organisation | None = None, indicator: Indicator, force: bool = False
) -> ChartResult:
    """Recompute one chart now, in-process: a team's (team=...), a region's (region=...) or the national one.

    Skips the engine when the stored input hash still matches, unless `force`.
    """
    row = _owner_row(team=team, region=region, indicator=indicator)
    if force:
        ChartResult.objects.filter(id=row.id).update(is_stale=True, stale_since=timezone.now())
    _recompute_rows([row.id], force=force)
    row.refresh_from_db()
    return row


def chart_results_ensure(*, network: Network | None = None) -> int:
    """Create the missing rows (stale) for every active team, region and the nation x published indicator.

    Data loaded in bulk (demo, imports) never went through `chart_series_changed`.
    """
    networks = [network] if network is not None else list(Network.objects.all())
    now = timezone.now()
    created = 0
    for net in networks:
        indicators = list(Indicator.objects.filter(network=net, status=PublicationStatus.PUBLISHED))
        teams = list(Team.objects.filter(network=net, is_active=True).values_list("id", "region_id"))
        existing = set(
            ChartResult.objects.filter(network=net).values_list("scope", "indicator_id", "team_id", "region_id")
        )
        wanted = []
        for indicator in indicators:
            wanted.append((ChartResult.Scope.NATIONAL, indicator.id, None, None))
            wanted.extend((ChartResult.Scope.REGION, indicator.id, None, r) for r in sorted({r for _, r in teams}))
            wanted.extend((ChartResult.Scope.TEAM, indicator.id, t, None) for t, _ in teams)
        chart_types = {i.id: i.chart_type for i in indicators}
        missing = [
            ChartResult(scope=s, network=net, indicator_id=i, team_id=t, region_id=r, chart_type=chart_types[i],
                        is_stale=True, stale_since=now)
            for s, i, t, r in wanted
            if (s, i, t, r) not in existing
        ]
        ChartResult.objects.bulk_create(missing, batch_size=500)
        created += len(missing)
    return created


def chart_results_mark_outdated_engine() -> int:
    """Rows computed by an older engine version are stale (one UPDATE)."""
    return (
        ChartResult.objects.filter(is_stale=False)
        .exclude(engine_version=spc.ENGINE_VERSION)
        .update(is_stale=True, stale_since=timezone.now())
    )


def chart_results_verify(*, limit: int) -> int:
    """Mark stale the rows (a random sample of `limit` fresh ones) whose inputs no longer hash alike.

    Catches writes that bypassed `chart_series_changed` (bulk loads, raw SQL, a lost stale flag).
    """
    ids = list(ChartResult.objects.filter(is_stale=False).order_by("?").values_list("id", flat=True)[:limit])
    rows = list(ChartResult.objects.filter(id__in=ids).select_related("indicator"))
    if not rows:
        return 0
    loader = _Loader(rows)
    outdated = [row.id for row in rows if loader.inputs(row).input_hash() != row.input_hash]
    return ChartResult.objects.filter(id__in=outdated, is_stale=False).update(
        is_stale=True, stale_since=timezone.now()
    )


def chart_results_sweep(*, batch_size: int = 200, max_batches: int = 10, verify: int = 200) -> int:
    """The periodic sweep: recompute stale rows in claimed, bounded batches; safe on several workers."""
    chart_results_mark_outdated_engine()
    if verify:
        chart_results_verify(limit=verify)
    computed = 0
    for _ in range(max_batches):
        ids = chart_results_claim_batch(limit=batch_size)
        if not ids:
            break
        computed += _recompute_rows(ids)
    return computed


def chart_results_recompute_stale(*, network: Network | None = None, limit: int | None = None,
                                  batch_size: int = 500) -> int:
    """Synchronously recompute every stale row (of one network), creating missing rows first.

    Used after bulk loads (`load_demo`) and by `manage.py recompute_charts`. Returns the number of
    charts the engine computed.
    """
    chart_results_ensure(network=network)
    computed = handled = 0
    while limit is None or handled < limit:
        size = batch_size if limit is None else min(batch_size, limit - handled)
        ids = chart_results_claim_batch(limit=size, network=network)
        if not ids:
            break
        handled += len(ids)
        computed += _recompute_rows(ids)
    return computed

