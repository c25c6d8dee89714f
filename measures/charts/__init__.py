"""The chart pipeline: which stored chart results a write makes stale, and how they are recomputed.

Stored format of ChartResult.data: see the README's architecture section ("Stored chart result").

Life of a ChartResult row:
1. A write to a series' inputs calls `chart_series_changed` inside its transaction: the team's row
   is marked stale (`is_stale`, a fresh `stale_since`) and a ChartStaleMark is queued for its
   region and national aggregates. After commit the marks are applied to the shared rows with
   SKIP LOCKED (never waiting); marks that could not be applied stay queued for the sweep. So
   saves of different teams share no locked row.
   A new indicator version (definition, target, baseline) calls `chart_indicator_changed` and a
   team moved between regions `chart_team_moved`; both recompute every affected row after commit.
2. After commit, each row is *claimed* with a conditional UPDATE (`claimed_until`); only the save
   that wins the claim enqueues a task, with a short countdown, so a burst of saves to one series
   coalesces into one computation per window. A failed publish (broker down) releases the claim
   and leaves the row stale for the sweep.
3. The task reads `stale_since` first, then the inputs, computes, and writes only where
   `stale_since` is unchanged: data that changed meanwhile are never hidden behind a fresh chart.
   Rows are written in short batched transactions (on PostgreSQL outside a transaction by a
   second connection, while the engine computes the next batch), and claims are renewed while
   computing, so a killed worker's rows are free again within `claim_seconds()`
   (CHART_CLAIM_SECONDS, at most half the sweep interval).
4. The beat sweep is a safety net only (a lost task, a broker that was down): it claims stale rows in bounded batches (select_for_update(skip_locked=True) where
   the database has it, a conditional UPDATE otherwise), so several sweeps share the work. A
   sweep that finds rows still claimed sweeps once more when those claims have lapsed, so a
   killed worker's rows are recomputed within one sweep interval.

Modules: `stale` (marking stale, claims, enqueueing), `inputs` (reading and hashing a series),
`compute` (the engine call and storing one ChartResult), `sweep` (sweeps, bulk recomputation,
verification). Every public name is re-exported here: import from `measures.charts`.
"""

from .. import spc
from .compute import _recompute_rows, chart_compute, chart_result_recompute, chart_result_recompute_claimed
from .inputs import CHARTS_WITH_N, SUM_POOLED_CHARTS, SeriesInputs, pool_measurements
from .stale import (
    CLAIM_SECONDS,
    COALESCE_SECONDS,
    chart_indicator_changed,
    chart_network_statistics_changed,
    chart_result_claim,
    chart_result_release,
    chart_results_claim_batch,
    chart_results_claim_renew,
    chart_results_claim_rows,
    chart_results_enqueue,
    chart_series_changed,
    chart_series_mark_stale,
    chart_series_mark_team_stale,
    chart_stale_marks_apply,
    chart_team_moved,
    claim_seconds,
    sweep_seconds,
)
from .sweep import (
    chart_results_ensure,
    chart_results_mark_outdated_engine,
    chart_results_recompute_stale,
    chart_results_sweep,
    chart_results_sweep_follow_up,
    chart_results_verify,
    chart_stale_marks_apply_all,
)

__all__ = [
    "CHARTS_WITH_N",
    "CLAIM_SECONDS",
    "COALESCE_SECONDS",
    "SUM_POOLED_CHARTS",
    "SeriesInputs",
    "_recompute_rows",
    "chart_compute",
    "chart_indicator_changed",
    "chart_network_statistics_changed",
    "chart_result_claim",
    "chart_result_recompute",
    "chart_result_recompute_claimed",
    "chart_result_release",
    "chart_results_claim_batch",
    "chart_results_claim_renew",
    "chart_results_claim_rows",
    "chart_results_enqueue",
    "chart_results_ensure",
    "chart_results_mark_outdated_engine",
    "chart_results_recompute_stale",
    "chart_results_sweep",
    "chart_results_sweep_follow_up",
    "chart_results_verify",
    "chart_series_changed",
    "chart_series_mark_stale",
    "chart_series_mark_team_stale",
    "chart_stale_marks_apply",
    "chart_stale_marks_apply_all",
    "claim_seconds",
    "sweep_seconds",
    "chart_team_moved",
    "pool_measurements",
    "spc",
]
