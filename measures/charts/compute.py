"""Computing a chart with measures.spc and storing it as a ChartResult (team, region or national)."""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
import psycopg
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from teams.models import Network, Organisation, Team

from .. import spc
from ..models import ChartResult, Indicator
from ..spc.engine import json_number
from .inputs import ChartRow, SeriesInputs, _Loader
from .stale import (
    chart_results_claim_batch,
    chart_results_claim_renew,
    chart_results_claim_rows,
    chart_results_enqueue,
    claim_seconds,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Rows written per transaction by a recomputation: one commit per batch instead of per row.
WRITE_BATCH = 100


# --------------------------------------------------------------------------- computing


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


_INF = float("inf")


def _json_text(data: dict[str, Any]) -> str:
    """The stored JSON of a chart result: orjson (ten times json.dumps on these float lists), the
    standard encoder for whatever orjson refuses (a non-str key, an int beyond 64 bits)."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return json.dumps(data)


def jsonb_key_order(key: str) -> tuple[int, bytes]:
    """The order jsonb keeps an object's keys in: shorter first, then by their bytes.

    Every object of the stored format is built with its keys in this order. PostgreSQL sorts each
    object's keys when it parses the text into jsonb; a sorted object costs its sort one pass, and a
    full recompute parses 74,000 point objects (200 teams). The stored value is the same either way.
    """
    encoded = key.encode()
    return len(encoded), encoded


def _number(value: float | None) -> float | str | None:
    # The common case (a finite number or None) without a call: this runs for every stored number.
    if value is None or -_INF < value < _INF:
        return value
    return json_number(value)


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
    return _shaped(inputs, data, result, freeze, breaks, labels)


def chart_compute_many(many: list[SeriesInputs]) -> list[dict[str, Any]]:
    """`chart_compute` of many series; series that share months and engine arguments (a network's
    team charts of one indicator, mostly) go through the batch engine together.

    Bit-identical to `chart_compute` one series at a time (`spc.compute_charts` is tested equal
    to `spc.compute_chart`); a series with phase breaks, or a group the batch refuses, goes alone.
    """
    out: list[dict[str, Any] | None] = [None] * len(many)
    groups: dict[tuple, list[int]] = defaultdict(list)
    arguments = {}
    for position, inputs in enumerate(many):
        if not inputs.periods:
            continue
        freeze, breaks, labels, exclude = _engine_arguments(inputs)
        if breaks or inputs.engine_chart not in spc.BATCH_CHARTS:
            continue
        arguments[position] = (freeze, labels)
        key = (
            inputs.engine_chart,
            tuple(inputs.periods),
            freeze,
            tuple(exclude),
            inputs.multiplier,
            inputs.uses_denominator,
        )
        groups[key].append(position)
    for (chart, periods, freeze, exclude, multiplier, uses_denominator), positions in groups.items():
        if len(positions) < 2:
            continue
        try:
            results = spc.compute_charts(
                chart,
                periods,
                [many[p].numerators for p in positions],
                [many[p].denominators for p in positions] if uses_denominator else None,
                freeze=freeze,
                exclude=list(exclude) or None,
                multiply=multiplier,
            )
        except spc.SPCError:
            continue  # each series alone, which stores its own error
        for position, result in zip(positions, results, strict=True):
            inputs = many[position]
            out[position] = _shaped(inputs, _empty_data(inputs), result, freeze, [], arguments[position][1])
    return [data if data is not None else chart_compute(many[i]) for i, data in enumerate(out)]


def _shaped(
    inputs: SeriesInputs,
    data: dict[str, Any],
    result: spc.ChartResult,
    freeze: int | None,
    breaks: list[int],
    labels: dict[int, str],
) -> dict[str, Any]:
    """The engine's result classified and shaped as the stored format."""
    periods = inputs.periods
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
    # Keys in jsonb's order (`jsonb_key_order`), as in every object of the stored format.
    data: dict[str, Any] = {
        "unit": inputs.unit,
        "error": "",
        "parts": [],
        "scope": inputs.scope,
        "points": [],
        "targets": {"local": inputs.local_target, "national": inputs.national_target},
        "decimals": inputs.decimals,
        "excluded": [{"period": p.isoformat(), "reason": reason} for p, reason in inputs.excluded],
        "messages": [],
        "rule_set": inputs.rule_set,
        "direction": inputs.direction,
        "chart_type": inputs.chart_type,
        "deviations": [],
        "multiplier": inputs.multiplier,
        "annotations": inputs.annotations,
        "chart_drawn": inputs.engine_chart
        if not (inputs.rule_set == "mdc" and inputs.chart_type in ("run", "i"))
        else "xmr_mdc",
        "baseline_end": _iso(inputs.baseline_end),
        "classification": {
            "reason": "too_few_points",
            "rule_set": inputs.rule_set,
            "assurance": "",
            "variation": ChartResult.Variation.TOO_FEW.value,
        },
        "engine_version": spc.ENGINE_VERSION,
        "baseline_in_force": False,
        "indicator_version": inputs.indicator_version,
    }
    if inputs.is_pooled:
        # The one key out of order (after the others, in the one top-level object of a row).
        data["pooled"] = {"laney": inputs.pooled_laney, "min_share": inputs.pooled_min_share}
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
    numerators, denominators, n_teams = inputs.numerators, inputs.denominators, inputs.n_teams
    periods = [p.isoformat() for p in inputs.periods]
    points = [
        {
            "y": _number(point.y),
            "cl": _number(point.cl),
            "lcl": _number(point.lcl),
            "ucl": _number(point.ucl),
            "part": point.part,
            "lcl_95": _number(point.lcl_95),
            "period": periods[i],
            "ucl_95": _number(point.ucl_95),
            "include": point.include,
            "n_teams": n_teams[i],
            "baseline": point.baseline,
            "numerator": numerators[i],
            "denominator": denominators[i],
            "runs_signal": point.runs_signal,
            # A provisional month is outside the signals, even beyond a limit.
            "sigma_signal": point.sigma_signal and not provisional[i],
        }
        for i, point in enumerate(result.points)
    ]
    if inputs.is_pooled:
        # A pooled point's own two keys come last, out of jsonb's order: pooled rows are a few of
        # a network's (60 of 2,060 at 200 teams), not worth a second literal.
        n_active = inputs.n_active
        for i, stored in enumerate(points):
            stored["n_active"] = n_active[i] if n_active else None
            stored["provisional"] = provisional[i]
    return points


def _stored_parts(
    result: spc.ChartResult, periods: list[date], labels: dict[int, str]
) -> list[dict[str, Any]]:
    return [
        {
            "cl": _number(part.cl),
            "lcl": _number(part.alcl),
            "ucl": _number(part.aucl),
            "part": part.part,
            "label": labels.get(part.part, ""),
            "n_obs": part.n_obs,
            "n_useful": part.n_useful,
            "last_period": periods[part.last_xx - 1].isoformat(),
            "longest_run": part.longest_run,
            "n_crossings": part.n_crossings,
            "runs_signal": part.runs_signal,
            "first_period": periods[part.first_xx - 1].isoformat(),
            "sigma_signal": part.sigma_signal,
            "longest_run_max": part.longest_run_max,
            "n_crossings_min": part.n_crossings_min,
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
        "side": classification.side,
        # The limits the assurance was judged on (the current phase, last complete point).
        "limits": {k: _number(params.get(k)) for k in ("cl", "lcl", "ucl")} if "lcl" in params else None,
        "reason": classification.sources[0]
        if classification.sources
        else ("too_few_points" if classification.variation == ChartResult.Variation.TOO_FEW else ""),
        "sources": list(classification.sources),
        "rule_set": classification.rule_set,
        "assurance": classification.assurance or "",
        "variation": classification.variation,
        "min_points": params.get("min_points"),
        "target_used": "local"
        if inputs.local_target is not None
        else ("national" if target is not None else ""),
        "signal_period": signal_period,
        "interpretation": classification.interpretation,
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


def _recompute_rows(
    result_ids: list[int],
    *,
    force: bool = False,
    just_claimed: bool = False,
) -> int:
    """Recompute claimed rows; returns how many the engine computed.

    Reads `stale_since` before the inputs and writes only where it is unchanged, so a save that
    committed while we computed keeps its row stale (and enqueues or waits for the sweep).
    Rows whose input hash still matches are only marked fresh, not computed again.
    `just_claimed`: the caller (a sweep) claimed the rows a moment ago, so their claims need no
    renewal before computing (one UPDATE of every row less).
    """
    if not result_ids:
        return 0
    # Renewed at once: a task's claim was taken at enqueue time with room for queueing; from now
    # on it lasts claim_seconds() at a time, so a worker killed mid-computation frees its rows soon.
    if not just_claimed:
        chart_results_claim_renew(result_ids=result_ids)
    read = _rows_read(_rows_with_indicators(result_ids), force=force)
    rows, to_compute = read.rows, read.to_compute
    unwritten: list[int] = []
    # A task's single row (the path a save takes): the single engine, one conditional UPDATE.
    if len(rows) == 1:
        if to_compute:
            row, inputs, input_hash = to_compute[0]
            fields = _computed_fields(inputs, input_hash, chart_compute(inputs))
            _write_row(row, fields, timezone.now(), unwritten)
        else:
            _write_row(rows[0], None, timezone.now(), unwritten)
        _release(unwritten)
        return len(to_compute)
    # Many rows: computed and written in batches of WRITE_BATCH, through the batch engine. Row
    # locks are held only while writing a batch, never while the engine runs. On PostgreSQL outside
    # a transaction the batches are written by a second connection while the engine computes the
    # next batch (the database's work overlaps Python's); rows it could not write go alone after it.
    with _BatchWriter() as writer:
        computed = _rows_compute(read, writer)
    writer.finish()
    return computed


@dataclass
class _Read:
    """Claimed rows and their inputs, read before computing: `fresh` rows only need marking fresh."""

    rows: list[ChartRow]
    fresh: list[tuple[ChartRow, dict[str, Any] | None]]
    to_compute: list[tuple[ChartRow, SeriesInputs, str]]
    # When the rows' claims were last taken or renewed (time.monotonic()).
    renewed: float


def _rows_with_indicators(result_ids: list[int]) -> list[ChartRow]:
    """The rows as the pipeline reads them (`ChartRow`), each with its indicator and its network.

    Only the columns reading inputs and writing need: the old `data` is overwritten, never read (not
    decoding every stored chart), nor are the timestamps and summary columns. Plain rows, not model
    instances: building 2,060 ChartResults took a twentieth of a full recompute. order_by("id"): the
    model's default ordering would join team, region and network for nothing. Each indicator (with
    its network) is read once and shared by its rows.
    """
    values = list(
        ChartResult.objects.filter(id__any=result_ids).order_by("id").values_list(*ChartRow.COLUMNS)
    )
    return _rows_of(values)


def _rows_of(values: list[tuple]) -> list[ChartRow]:
    """`ChartRow`s of value tuples in `ChartRow.COLUMNS` order, each with its indicator."""
    at = ChartRow.COLUMNS.index("indicator_id")
    indicators = Indicator.objects.select_related("network").in_bulk({v[at] for v in values})
    return [ChartRow(*v, indicator=indicators[v[at]]) for v in values]


def _rows_claim(
    *, limit: int, network: Network | None, force: bool, exclude: list[int] | None
) -> tuple[list[ChartRow], float]:
    """Claim a batch (`chart_results_claim_batch`) and read its rows; with the time of the claim
    (time.monotonic(), `_Read.renewed`). On PostgreSQL the claim returns the rows' columns itself
    (one query less)."""
    renewed = time.monotonic()
    if connection.vendor == "postgresql":
        values = chart_results_claim_rows(
            limit=limit, network=network, force=force, exclude=exclude, columns=ChartRow.COLUMNS
        )
        return _rows_of(values), renewed
    ids = chart_results_claim_batch(limit=limit, network=network, force=force, exclude=exclude)
    return _rows_with_indicators(ids), renewed


def _rows_read(rows: list[ChartRow], *, force: bool, renewed: float | None = None) -> _Read:
    """Read the rows' inputs; the token (`stale_since`, in `rows`) was read before the inputs.
    `renewed`: when the rows' claims were taken (default: now)."""
    renewed = time.monotonic() if renewed is None else renewed
    loader = _Loader(rows)
    read = _Read(rows=rows, fresh=[], to_compute=[], renewed=renewed)
    for row in rows:
        inputs = loader.inputs(row)
        input_hash = inputs.input_hash()
        if not force and input_hash == row.input_hash and row.engine_version == spc.ENGINE_VERSION:
            read.fresh.append((row, None))
        else:
            read.to_compute.append((row, inputs, input_hash))
    return read


def _rows_compute(read: _Read, writer: _BatchWriter) -> int:
    """Hand the fresh rows, then the computed ones, to the writer in batches of WRITE_BATCH; returns
    how many the engine computed."""
    fresh, to_compute, renewed = read.fresh, read.to_compute, read.renewed
    for start in range(0, len(fresh), WRITE_BATCH):
        writer.write(fresh[start : start + WRITE_BATCH])
    for start in range(0, len(to_compute), WRITE_BATCH):
        if time.monotonic() - renewed > claim_seconds() / 3:
            # Keep the claims of the rows still to write alive; a killed worker stops renewing,
            # so its rows are free for the sweep within claim_seconds().
            chart_results_claim_renew(result_ids=[row.id for row, _i, _h in to_compute[start:]])
            renewed = time.monotonic()
        batch = to_compute[start : start + WRITE_BATCH]
        computed_data = chart_compute_many([inputs for _row, inputs, _hash in batch])
        writer.write(
            [
                (row, _computed_fields(inputs, input_hash, data))
                for (row, inputs, input_hash), data in zip(batch, computed_data, strict=True)
            ]
        )
    return len(to_compute)


def _computed_fields(inputs: SeriesInputs, input_hash: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": data,
        "chart_type": inputs.chart_type,
        "engine_version": spc.ENGINE_VERSION,
        "input_hash": input_hash,
        **_summary_fields(data),
    }


def _release(unwritten: list[int]) -> None:
    # Rows that turned stale again meanwhile are released, so the next claim can take them.
    # Written rows had their claim cleared in the same UPDATE; releasing them could drop a new claim.
    if unwritten:
        ChartResult.objects.filter(id__any=unwritten).update(claimed_until=None)


class _SideThread:
    """A thread with its own database connection, on PostgreSQL outside a transaction: there the
    database's work for one batch (reading or writing it) overlaps the engine's work on another.
    Elsewhere (SQLite, or inside a caller's transaction, which a second connection could not see)
    there is no thread and `threaded` is false."""

    def __init__(self, name: str) -> None:
        self._executor: ThreadPoolExecutor | None = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
            # Its connection opens now, not when the first batch is ready for it.
            self._executor.submit(lambda: connection.ensure_connection())

    @property
    def threaded(self) -> bool:
        return self._executor is not None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        assert self._executor is not None
        return self._executor.submit(fn, *args)

    def later(self, fn: Callable[..., T], *args: Any) -> Callable[[], T]:
        """`fn(*args)`'s result when called: begun now in the thread, or run then without one."""
        if self._executor is None:
            return lambda: fn(*args)
        return self._executor.submit(fn, *args).result

    def close(self) -> None:
        if self._executor is None:
            return
        # Waits for the thread's work, then closes its own connection (Django's connections are
        # per thread), never the caller's.
        self._executor.submit(lambda: connection.close()).result()
        self._executor.shutdown(wait=True)

    def __enter__(self) -> _SideThread:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _BatchWriter:
    """Writes batches of computed rows; `missed` collects the rows a batch did not write.

    PostgreSQL: one UPDATE per batch (`_write_batch`), each its own short transaction that skips
    the rows someone else has locked. Outside a transaction they run on WRITERS more connections,
    each in its own thread, which take the batches in turn, so the engine computes the next batch
    meanwhile and the batches still queued when the engine is done are written on both cores (one
    writer left a tail of about 150 ms after the engine's last batch at 200 teams). A batch commits
    only after the one before it: `synced_at` is taken in batch order, so the rows reach the
    database's readers in the order of their `synced_at`, and a BI client that has pulled a batch
    has pulled every earlier one. Inside a transaction (tests, a caller's atomic block) on the
    caller's connection, in its transaction. Other databases: one conditional UPDATE per row, by
    the caller.
    """

    Batch = list[tuple[ChartRow, dict[str, Any] | None]]
    WRITERS = 2

    def __init__(self) -> None:
        self.missed: _BatchWriter.Batch = []
        self._pending: list[tuple[_BatchWriter.Batch, Future]] = []
        self._threads = [_SideThread(f"chart-writer-{n}") for n in range(1, self.WRITERS + 1)]
        self._handed = 0  # batches handed to the writers, which take them in turn

    def __enter__(self) -> _BatchWriter:
        return self

    def write(self, batch: _BatchWriter.Batch) -> None:
        if not batch:
            return
        # computed_at and synced_at: when the batch is written, not when its computation began.
        now = timezone.now()
        if self._threads[0].threaded:
            thread = self._threads[self._handed % len(self._threads)]
            before = self._pending[-1][1] if self._pending else None
            self._pending.append((batch, thread.submit(_write_batch, batch, now, before)))
        elif connection.vendor == "postgresql":
            self._collect(batch, _write_batch(batch, now))
        else:
            self.missed.extend(batch)
        self._handed += 1

    def _collect(self, batch: _BatchWriter.Batch, written: set[int]) -> None:
        self.missed.extend((row, fields) for row, fields in batch if row.id not in written)

    def unfinished(self) -> list[int]:
        """Ids handed to the writer and not written yet (queued, or missed so far): a sweep claiming
        its next batch with `force` must not take these back from itself."""
        while self._pending and self._pending[0][1].done():
            batch, future = self._pending.pop(0)
            self._collect(batch, future.result())
        ids = [row.id for batch, _future in self._pending for row, _fields in batch]
        return ids + [row.id for row, _fields in self.missed]

    def __exit__(self, *exc_info: object) -> None:
        try:
            # In order; the first failure is raised here, after the threads have stopped.
            for batch, future in self._pending:
                self._collect(batch, future.result())
            self._pending = []
        finally:
            for thread in self._threads:
                thread.close()

    def finish(self) -> None:
        """After the writer is closed: the rows its batches missed, because another transaction held
        them (a save marking them stale right now) or their inputs changed, each written alone in
        its own autocommit statement where its `stale_since` still matches."""
        unwritten: list[int] = []
        now = timezone.now()
        for row, fields in self.missed:
            _write_row(row, fields, now, unwritten)
        self.missed = []
        _release(unwritten)


# One UPDATE per batch of rows (PostgreSQL), in its own transaction: the new values travel as one
# array per column (server-side binding, so the JSON is neither quoted into the SQL text nor is the
# old data read). It locks the batch's rows with SKIP LOCKED first, so it never waits for a row
# (no deadlock with a save, which holds at most its own team's rows, or with another worker), and
# writes a row only where `stale_since` is what was read before its inputs (the token).
_WRITE_COMPUTED_SQL = """
UPDATE measures_chartresult AS c
SET data = v.data::jsonb, chart_type = v.chart_type, engine_version = v.engine_version,
    input_hash = v.input_hash, variation = v.variation, assurance = v.assurance,
    runs_signal = v.runs_signal, sigma_signal_count = v.sigma_signal_count, n_points = v.n_points,
    last_period = v.last_period, error = v.error, is_stale = false, claimed_until = NULL,
    computed_at = %s, synced_at = %s, compute_count = c.compute_count + 1
FROM unnest(%b::bigint[], %b::timestamptz[], %b::text[], %b::text[], %b::text[], %b::text[],
            %b::text[], %b::text[], %b::boolean[], %b::integer[], %b::integer[], %b::date[], %b::text[])
     AS v(id, stale_since, data, chart_type, engine_version, input_hash, variation, assurance,
          runs_signal, sigma_signal_count, n_points, last_period, error)
WHERE c.id = v.id AND c.stale_since IS NOT DISTINCT FROM v.stale_since
  AND c.id IN (SELECT id FROM measures_chartresult WHERE id = ANY(%b::bigint[])
               ORDER BY id FOR UPDATE SKIP LOCKED)
RETURNING c.id
"""
_WRITE_FRESH_SQL = """
UPDATE measures_chartresult AS c SET is_stale = false, claimed_until = NULL, synced_at = %s
FROM unnest(%b::bigint[], %b::timestamptz[]) AS v(id, stale_since)
WHERE c.id = v.id AND c.stale_since IS NOT DISTINCT FROM v.stale_since
  AND c.id IN (SELECT id FROM measures_chartresult WHERE id = ANY(%b::bigint[])
               ORDER BY id FOR UPDATE SKIP LOCKED)
RETURNING c.id
"""
_WRITTEN_COLUMNS = (
    "chart_type",
    "engine_version",
    "input_hash",
    "variation",
    "assurance",
    "runs_signal",
    "sigma_signal_count",
    "n_points",
    "last_period",
    "error",
)


def _write_batch(
    batch: list[tuple[ChartRow, dict[str, Any] | None]], now: datetime, before: Future | None = None
) -> set[int]:
    """Store a batch of rows, all computed or all only marked fresh, with one UPDATE in its own
    transaction (or the caller's); returns the ids written. `before`: the previous batch's write,
    which commits first (whether it succeeded or not)."""
    ids = [row.id for row, _fields in batch]
    stale_since = [row.stale_since for row, _fields in batch]
    connection.ensure_connection()
    own_transaction = not connection.in_atomic_block
    # A server-side binding cursor on Django's connection (same transaction): Django's own cursor
    # binds on the client, which would quote megabytes of JSON into the statement.
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
        if own_transaction:
            # Not waiting for the WAL flush at commit: these rows are derived data. A commit lost
            # in a crash leaves its rows stale (stale_since unchanged, is_stale still set), and the
            # sweep computes them again. Never in a caller's transaction, which may hold user data.
            cursor.execute("SET LOCAL synchronous_commit = off")
        if batch[0][1] is None:
            cursor.execute(_WRITE_FRESH_SQL, [now, ids, stale_since, ids])
        else:
            computed = [fields for _row, fields in batch]
            # Binary parameters (%b): a text array would escape every character of every JSON document.
            cursor.execute(
                _WRITE_COMPUTED_SQL,
                [
                    now,
                    now,
                    ids,
                    stale_since,
                    [_json_text(fields["data"]) for fields in computed],
                    *([fields[name] for fields in computed] for name in _WRITTEN_COLUMNS),
                    ids,
                ],
            )
        written = {r[0] for r in cursor.fetchall()}
        if before is not None:
            # Holding only this batch's rows, which no earlier batch waits for: no deadlock.
            wait([before])
        return written


def _write_row(row: ChartRow, fields: dict[str, Any] | None, now: datetime, unwritten: list[int]) -> None:
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
