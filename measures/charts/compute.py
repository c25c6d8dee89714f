"""Computing a chart with measures.spc and storing it as a ChartResult (team, region or national)."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from teams.models import Organisation, Team

from .. import spc
from ..models import ChartResult, Indicator
from ..spc.engine import json_number
from .inputs import SeriesInputs, _Loader
from .stale import chart_results_claim_renew, chart_results_enqueue, claim_seconds

logger = logging.getLogger(__name__)
# Rows written per transaction by a recomputation: one commit per batch instead of per row.
WRITE_BATCH = 100


# --------------------------------------------------------------------------- computing


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _number(value: float | None) -> float | str | None:
    return json_number(value) if value is not None else None


def chart_compute(inputs: SeriesInputs) -> dict[str, Any]:
    """Run the SPC engine on one series and shape the result as the stored format (README)."""
    data = _empty_data(inputs)
    periods = inputs.periods
    if not periods:
        return data
    freeze, breaks, labels, exclude = _engine_arguments(inputs)
    try:
        result = spc.compute_chart(
            inputs.engine_chart,
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
    if inputs.rule_set == "mdc" and inputs.chart_type in ("run", "i"):
        result = spc.mdc_xmr_chart(result)
    target = inputs.local_target if inputs.local_target is not None else inputs.national_target
    provisional = inputs.provisional or [False] * len(periods)
    complete = [i + 1 for i, flag in enumerate(provisional) if not flag]
    classification = spc.classify(
        result,
        inputs.direction,
        target,
        rule_set=inputs.rule_set,
        last_complete_xx=(complete[-1] if complete else 0) if any(provisional) else None,
    )
    data["points"] = _stored_points(inputs, result, provisional)
    data["parts"] = _stored_parts(result, periods, labels)
    data["classification"] = _stored_classification(inputs, classification, periods, target)
    data["deviations"] = _deviations(inputs, classification)
    # "Baseline (fastfrosset)" only where a freeze is in force: qicharts2 ignores it once phases exist.
    data["baseline_in_force"] = freeze is not None and not breaks
    data["messages"] = list(result.messages)
    return data


def _empty_data(inputs: SeriesInputs) -> dict[str, Any]:
    data: dict[str, Any] = {
        "engine_version": spc.ENGINE_VERSION,
        "scope": inputs.scope,
        "chart_type": inputs.chart_type,
        "chart_drawn": inputs.engine_chart
        if not (inputs.rule_set == "mdc" and inputs.chart_type in ("run", "i"))
        else "xmr_mdc",
        "rule_set": inputs.rule_set,
        "unit": inputs.unit,
        "decimals": inputs.decimals,
        "multiplier": inputs.multiplier,
        "direction": inputs.direction,
        "indicator_version": inputs.indicator_version,
        "points": [],
        "parts": [],
        "classification": {
            "variation": ChartResult.Variation.TOO_FEW.value,
            "assurance": "",
            "reason": "too_few_points",
            "rule_set": inputs.rule_set,
        },
        "targets": {"national": inputs.national_target, "local": inputs.local_target},
        "baseline_end": _iso(inputs.baseline_end),
        "baseline_in_force": False,
        "excluded": [{"period": p.isoformat(), "reason": reason} for p, reason in inputs.excluded],
        "annotations": inputs.annotations,
        "deviations": [],
        "messages": [],
        "error": "",
    }
    if inputs.is_pooled:
        data["pooled"] = {"min_share": inputs.pooled_min_share, "laney": inputs.pooled_laney}
    return data


def _engine_arguments(inputs: SeriesInputs) -> tuple[int | None, list[int], dict[int, str], list[int]]:
    """(freeze, phase breaks, phase labels, excluded xx) for the engine; provisional pooled months
    are excluded so they stay outside the limits and the runs analysis."""
    periods = inputs.periods
    index = {p: i for i, p in enumerate(periods)}
    freeze = None
    if inputs.baseline_end is not None and inputs.baseline_end >= periods[0]:
        freeze = sum(1 for p in periods if p <= inputs.baseline_end)
    # A new part starts at the phase break's month: the engine wants the last xx of the part before.
    in_range = [(p, label) for p, label in inputs.phase_breaks if p in index and index[p] > 0]
    breaks = [index[p] for p, _label in in_range]
    labels = {1: ""}
    for number, (p, label) in enumerate(in_range, start=2):
        labels[number] = label or p.strftime("%Y-%m")
    exclude = [index[p] + 1 for p, _reason in inputs.excluded if p in index]
    exclude += [i + 1 for i, flag in enumerate(inputs.provisional) if flag and i + 1 not in exclude]
    return freeze, breaks, labels, sorted(exclude)


def _stored_points(
    inputs: SeriesInputs, result: spc.ChartResult, provisional: list[bool]
) -> list[dict[str, Any]]:
    points = []
    for i, point in enumerate(result.points):
        stored = {
            "period": inputs.periods[i].isoformat(),
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
            # A provisional month is outside the signals, even beyond a limit.
            "sigma_signal": point.sigma_signal and not provisional[i],
            "n_teams": inputs.n_teams[i],
        }
        if inputs.is_pooled:
            stored["n_active"] = inputs.n_active[i] if inputs.n_active else None
            stored["provisional"] = provisional[i]
        points.append(stored)
    return points


def _stored_parts(
    result: spc.ChartResult, periods: list[date], labels: dict[int, str]
) -> list[dict[str, Any]]:
    return [
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
        for part in result.parts
    ]


def _stored_classification(
    inputs: SeriesInputs, classification: spc.Classification, periods: list[date], target: float | None
) -> dict[str, Any]:
    signal_period = None
    if classification.signal_xx is not None:
        signal_period = periods[classification.signal_xx - 1].isoformat()
    params = classification.params
    return {
        "variation": classification.variation,
        "assurance": classification.assurance or "",
        "reason": classification.sources[0]
        if classification.sources
        else ("too_few_points" if classification.variation == ChartResult.Variation.TOO_FEW else ""),
        "sources": list(classification.sources),
        "side": classification.side,
        "signal_period": signal_period,
        "interpretation": classification.interpretation,
        "target_used": "local"
        if inputs.local_target is not None
        else ("national" if target is not None else ""),
        "rule_set": classification.rule_set,
        # The limits the assurance was judged on (the current phase, last complete point).
        "limits": {k: _number(params.get(k)) for k in ("lcl", "ucl", "cl")} if "lcl" in params else None,
        "min_points": params.get("min_points"),
    }


def _deviations(inputs: SeriesInputs, classification: spc.Classification) -> list[str]:
    """Codes of the deviations from a reference that apply to this chart (labelled in the legend)."""
    codes = list(classification.deviations)
    if inputs.engine_chart in ("pp", "up") and inputs.chart_type in ("p", "u"):
        codes.append("laney")
    if any(inputs.provisional):
        codes.append("provisional_months")
    return codes


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
    # The old `data` is overwritten, never read: not fetching it saves decoding every stored chart.
    rows = list(
        ChartResult.objects.filter(id__in=result_ids).select_related("indicator__network").defer("data")
    )
    loader = _Loader(rows)
    # Compute everything first, then write: row locks are held only while writing, never while
    # the engine runs.
    writes: list[tuple[ChartResult, dict[str, Any] | None]] = []
    # Renewed at once: a task's claim was taken at enqueue time with room for queueing; from now
    # on it lasts claim_seconds() at a time, so a worker killed mid-computation frees its rows soon.
    renewed = float("-inf")
    for position, row in enumerate(rows):
        if time.monotonic() - renewed > claim_seconds() / 3:
            # Keep the claims of the rows still to do alive; a killed worker stops renewing, so its
            # rows are free for the sweep within claim_seconds().
            chart_results_claim_renew(result_ids=[r.id for r in rows[position:]])
            renewed = time.monotonic()
        inputs = loader.inputs(row)
        input_hash = inputs.input_hash()
        if not force and input_hash == row.input_hash and row.engine_version == spc.ENGINE_VERSION:
            writes.append((row, None))
            continue
        data = chart_compute(inputs)
        writes.append(
            (
                row,
                {
                    "data": data,
                    "chart_type": inputs.chart_type,
                    "engine_version": spc.ENGINE_VERSION,
                    "input_hash": input_hash,
                    **_summary_fields(data),
                },
            )
        )
    computed = sum(1 for _, fields in writes if fields is not None)
    unwritten: list[int] = []
    now = timezone.now()
    # Rows are written in batches, each one short transaction (one commit per batch, not per row).
    # The batch first locks its rows with SKIP LOCKED, so the worker never waits for a row while
    # holding others: it cannot deadlock with a save (which holds at most its own team's rows) or
    # with another worker. Rows a save holds right now are written alone afterwards, each in its
    # own autocommit statement, as before.
    # A task's single row (the path a save takes) needs no batch.
    alone: list[tuple[ChartResult, dict[str, Any] | None]] = writes if len(writes) == 1 else []
    for start in range(0, len(writes) if len(writes) > 1 else 0, WRITE_BATCH):
        batch = writes[start : start + WRITE_BATCH]
        with transaction.atomic():
            locked = ChartResult.objects.filter(id__in=[row.id for row, _ in batch]).order_by("id")
            if connection.features.has_select_for_update_skip_locked:
                locked = locked.select_for_update(skip_locked=True)
            locked_ids = set(locked.values_list("id", flat=True))
            for row, fields in batch:
                if row.id in locked_ids:
                    _write_row(row, fields, now, unwritten)
                else:
                    alone.append((row, fields))
    for row, fields in alone:
        _write_row(row, fields, now, unwritten)
    # Rows that turned stale again meanwhile are released, so the next claim can take them.
    # Written rows had their claim cleared in the same UPDATE; releasing them could drop a new claim.
    if unwritten:
        ChartResult.objects.filter(id__in=unwritten).update(claimed_until=None)
    return computed


def _write_row(row: ChartResult, fields: dict[str, Any] | None, now: datetime, unwritten: list[int]) -> None:
    """Store one computed row (or only mark it fresh) if its inputs did not change meanwhile."""
    # The token is the stale_since read before the inputs: unchanged means no newer data.
    current = ChartResult.objects.filter(id=row.id, stale_since=row.stale_since)
    if fields is None:
        written = current.update(is_stale=False, claimed_until=None, synced_at=now)
    else:
        written = current.update(
            is_stale=False,
            claimed_until=None,
            computed_at=now,
            synced_at=now,
            compute_count=F("compute_count") + 1,
            **fields,
        )
    if written:
        return
    unwritten.append(row.id)
    logger.info("chart pipeline: inputs of chart result %s changed while computing", row.id)
    if fields is not None:
        # Counted all the same: compute_count measures the engine's work, not the rows written.
        ChartResult.objects.filter(id=row.id).update(compute_count=F("compute_count") + 1)


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
        defaults={
            "network_id": indicator.network_id,
            "chart_type": indicator.chart_type,
            "stale_since": timezone.now(),
        },
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
        now = timezone.now()
        ChartResult.objects.filter(id=row.id).update(is_stale=True, stale_since=now, synced_at=now)
    _recompute_rows([row.id], force=force)
    row.refresh_from_db()
    return row
