"""Marking chart results stale after a write, and claiming and enqueueing their recomputation."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.types.datetime import TimestamptzLoader

from teams.models import Network, Team

from ..models import ChartResult, ChartStaleMark, Indicator

logger = logging.getLogger(__name__)

# Saves within this many seconds of the first one are folded into one computation.
COALESCE_SECONDS: int = getattr(settings, "CHART_COALESCE_SECONDS", 2)
# A claim outlives the longest task, so a queued or running computation is never claimed twice;
# a claim whose task was lost (worker killed, broker flushed) expires and the sweep takes the row over.
CLAIM_SECONDS: int = getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60


def sweep_seconds() -> float:
    """The beat sweep's interval (CHART_SWEEP_MINUTES)."""
    return float(getattr(settings, "CHART_SWEEP_MINUTES", 5)) * 60


def claim_seconds() -> int:
    """How long a claim of a row being computed lasts; renewed while the computation runs.

    CHART_CLAIM_SECONDS, but never more than half the sweep interval (less a second): a killed
    worker's claims lapse at most this long after it died, and a sweep that finds rows still
    claimed sweeps again once they have lapsed (see `chart_results_sweep_follow_up`), so its rows
    are recomputed within one sweep interval. The computing worker renews its claims as it goes
    (see compute._recompute_rows).
    """
    configured = int(getattr(settings, "CHART_CLAIM_SECONDS", 60))
    return max(1, min(configured, int((sweep_seconds() - 1) // 2)))


# --------------------------------------------------------------------------- marking stale


def _pooled_owners(*, region_id: int) -> list[dict]:
    return [
        {"scope": ChartResult.Scope.REGION, "team_id": None, "region_id": region_id},
        {"scope": ChartResult.Scope.NATIONAL, "team_id": None, "region_id": None},
    ]


def _mark_rows(*, indicator: Indicator, owners: list[dict], now: datetime) -> list[int]:
    ids = []
    for owner in owners:
        rows = ChartResult.objects.filter(indicator_id=indicator.id, **owner)
        if not rows.update(is_stale=True, stale_since=now, synced_at=now):
            row, _ = ChartResult.objects.get_or_create(
                indicator_id=indicator.id,
                **owner,
                defaults={
                    "network_id": indicator.network_id,
                    "chart_type": indicator.chart_type,
                    "is_stale": True,
                    "stale_since": now,
                    "synced_at": now,
                },
            )
            ids.append(row.id)
        else:
            ids.extend(rows.values_list("id", flat=True))
    return ids


@transaction.atomic
def chart_series_mark_stale(*, team: Team, indicator: Indicator) -> list[int]:
    """Mark the team's chart of `indicator` and its region and national aggregates stale, now.

    For callers outside a user's save (bulk loads, the task that recomputes a series): it updates
    the shared aggregate rows directly. A save uses `chart_series_changed`, which does not.
    """
    now = timezone.now()
    owners = [
        {"scope": ChartResult.Scope.TEAM, "team_id": team.id, "region_id": None},
        *_pooled_owners(region_id=team.region_id),
    ]
    return _mark_rows(indicator=indicator, owners=owners, now=now)


def chart_series_mark_team_stale(*, team: Team, indicator: Indicator) -> list[int]:
    """In the save's transaction: mark the team's own chart stale and queue its aggregates.

    The team's row is only ever written by saves of that same team and by the worker (one row per
    short transaction), so the save may hold it. The region and national rows are shared by every
    team: a save only inserts a ChartStaleMark, which locks nothing another save needs.
    """
    now = timezone.now()
    ids = _mark_rows(
        indicator=indicator,
        owners=[{"scope": ChartResult.Scope.TEAM, "team_id": team.id, "region_id": None}],
        now=now,
    )
    ChartStaleMark.objects.create(indicator_id=indicator.id, region_id=team.region_id, created_at=now)
    return ids


def chart_stale_marks_apply(*, limit: int = 500) -> list[int]:
    """Fold queued marks into the region and national rows' stale flags; returns the rows marked.

    Never waits: marks and rows locked by someone else (another applier, a worker writing the
    row) are skipped and stay queued for the next call (the next save's commit or the sweep).
    A mark is deleted only once both of its rows are marked, so no change is ever lost.
    """
    now = timezone.now()
    with transaction.atomic():
        marks = list(
            ChartStaleMark.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "indicator_id", "region_id")[:limit]
        )
        if not marks:
            return []
        wanted: dict[tuple, list[int]] = {}
        for mark_id, indicator_id, region_id in marks:
            wanted.setdefault((indicator_id, ChartResult.Scope.REGION, region_id), []).append(mark_id)
            wanted.setdefault((indicator_id, ChartResult.Scope.NATIONAL, None), []).append(mark_id)
        condition = Q()
        for indicator_id, scope, region_id in wanted:
            condition |= Q(indicator_id=indicator_id, scope=scope, region_id=region_id)
        existing = {
            (i, s, r): pk
            for pk, i, s, r in ChartResult.objects.filter(condition).values_list(
                "id", "indicator_id", "scope", "region_id"
            )
        }
        missing = sorted((k for k in wanted if k not in existing), key=lambda k: (k[0], k[1], k[2] or 0))
        if missing:
            indicators = {
                i.id: i
                for i in Indicator.objects.filter(id__in={k[0] for k in missing}).only(
                    "id", "network_id", "chart_type"
                )
            }
            # Sorted, so two appliers creating overlapping rows insert them in the same order.
            ChartResult.objects.bulk_create(
                [
                    ChartResult(
                        indicator_id=i,
                        scope=s,
                        region_id=r,
                        network_id=indicators[i].network_id,
                        chart_type=indicators[i].chart_type,
                        is_stale=True,
                        stale_since=now,
                        synced_at=now,
                    )
                    for i, s, r in missing
                    if i in indicators
                ],
                ignore_conflicts=True,
            )
            for pk, i, s, r in ChartResult.objects.filter(condition).values_list(
                "id", "indicator_id", "scope", "region_id"
            ):
                existing[(i, s, r)] = pk
        locked = set(
            ChartResult.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__any=existing.values())
            .order_by("id")
            .values_list("id", flat=True)
        )
        ChartResult.objects.filter(id__any=locked).update(is_stale=True, stale_since=now, synced_at=now)
        blocked = {
            mark_id
            for key, mark_ids in wanted.items()
            if existing.get(key) not in locked
            for mark_id in mark_ids
        }
        ChartStaleMark.objects.filter(id__any=[m[0] for m in marks if m[0] not in blocked]).delete()
    return sorted(locked)


class _EnqueueAfterCommit:
    """The on_commit callback of one series; carries its key so a transaction registers it once."""

    def __init__(self, key: tuple[int, int], result_ids: list[int]) -> None:
        self.series_key = key
        self.result_ids = result_ids

    def __call__(self) -> None:
        try:
            pooled = chart_stale_marks_apply()
        except DatabaseError as exc:
            # The save is committed and its marks are queued: the sweep applies them.
            logger.warning("chart pipeline: stale marks left for the sweep (%s)", exc)
            pooled = []
        chart_results_enqueue(result_ids=[*self.result_ids, *pooled])


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
    result_ids = chart_series_mark_team_stale(team=team, indicator=indicator)
    transaction.on_commit(_EnqueueAfterCommit(key, result_ids))


@transaction.atomic
def chart_indicator_changed(*, indicator: Indicator) -> list[int]:
    """A new definition, target or baseline: mark every chart of the indicator stale and recompute after commit.

    The recomputation is enqueued like a data write (claimed, after commit), in the embedded mode
    (eager tasks) and in production alike; the sweep is only a safety net. Returns the rows' ids.
    """
    rows = ChartResult.objects.filter(indicator=indicator)
    ids = list(rows.values_list("id", flat=True))
    now = timezone.now()
    rows.update(is_stale=True, stale_since=now, synced_at=now)
    _enqueue_after_commit(ids)
    return ids


@transaction.atomic
def chart_team_moved(*, team: Team, old_region_id: int | None) -> list[int]:
    """A team moved between regions: its charts and the aggregates of both regions change.

    The team's region must already be saved in this transaction (the new region's rows are found
    or created from it). Every indicator the team has a chart of is marked; recomputed after commit.
    """
    now = timezone.now()
    indicator_ids = list(
        ChartResult.objects.filter(scope=ChartResult.Scope.TEAM, team=team).values_list(
            "indicator_id", flat=True
        )
    )
    ids: list[int] = []
    for indicator in Indicator.objects.filter(id__in=indicator_ids):
        ids.extend(chart_series_mark_stale(team=team, indicator=indicator))
    if old_region_id is not None:
        old_rows = ChartResult.objects.filter(
            scope=ChartResult.Scope.REGION, region_id=old_region_id, indicator_id__in=indicator_ids
        )
        ids.extend(old_rows.values_list("id", flat=True))
        old_rows.update(is_stale=True, stale_since=now, synced_at=now)
    _enqueue_after_commit(ids)
    return ids


def _enqueue_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: chart_results_enqueue(result_ids=ids))


@transaction.atomic
def chart_network_statistics_changed(*, network: Network) -> int:
    """Mark every chart of a network stale after its rule set or pooled-chart settings changed."""
    return ChartResult.objects.filter(network=network).update(
        is_stale=True, stale_since=timezone.now(), synced_at=timezone.now()
    )


# Network fields that change how its charts are computed.
NETWORK_STATISTICS_FIELDS = ("spc_rule_set", "pooled_min_share", "pooled_laney")


def network_pre_save(sender, instance: Network, **kwargs) -> None:
    """Signal handler: remember whether a saved network's statistics settings changed."""
    if instance.pk is None:
        instance._statistics_changed = False
        return
    old = Network.objects.filter(pk=instance.pk).values(*NETWORK_STATISTICS_FIELDS).first()
    instance._statistics_changed = old is not None and any(
        old[f] != getattr(instance, f) for f in NETWORK_STATISTICS_FIELDS
    )


def network_post_save(sender, instance: Network, created: bool, **kwargs) -> None:
    """Signal handler: the network's charts are recomputed by the sweep with the new settings."""
    if not created and getattr(instance, "_statistics_changed", False):
        chart_network_statistics_changed(network=instance)


# --------------------------------------------------------------------------- claiming and enqueueing


def _claim_condition(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def chart_result_claim(*, result_id: int, seconds: int | None = None) -> bool:
    """Take one row for computation; False when someone else holds it (a queued or running task)."""
    return chart_results_claim_many(result_ids=[result_id], seconds=seconds) == [result_id]


def chart_results_claim_many(*, result_ids: Iterable[int], seconds: int | None = None) -> list[int]:
    """Take the rows nobody holds, in one short transaction; returns the ids taken (ascending)."""
    ids = sorted(set(result_ids))
    if not ids:
        return []
    now = timezone.now()
    until = now + timedelta(seconds=claim_seconds() if seconds is None else seconds)
    # order_by(): the model's default ordering would join network and indicator for nothing.
    rows = ChartResult.objects.filter(_claim_condition(now), id__any=ids).order_by()
    if connection.features.has_select_for_update_skip_locked:
        # Never wait in a user's request: a row locked right now is being marked by another save
        # (which enqueues it after its commit), claimed by a sweep, or written by a worker (whose
        # write then fails on stale_since and re-enqueues). Whoever holds it takes care of it.
        with transaction.atomic():
            free = list(
                rows.select_for_update(skip_locked=True, of=("self",))
                .order_by("id")
                .values_list("id", flat=True)
            )
            if free:
                ChartResult.objects.filter(id__any=free).order_by().update(claimed_until=until)
            return free
    free = list(rows.order_by("id").values_list("id", flat=True))
    # Without row locks (SQLite: one writer at a time) the conditional update is the claim.
    ChartResult.objects.filter(_claim_condition(now), id__any=free).update(claimed_until=until)
    return free


def chart_results_claim_renew(*, result_ids: list[int]) -> None:
    """The computing worker keeps its claims alive; a killed worker's claims lapse within `claim_seconds`."""
    if result_ids:
        until = timezone.now() + timedelta(seconds=claim_seconds())
        ChartResult.objects.filter(id__any=result_ids, claimed_until__isnull=False).update(
            claimed_until=until
        )


def chart_result_release(*, result_id: int) -> None:
    ChartResult.objects.filter(id=result_id).update(claimed_until=None)


def chart_results_enqueue(*, result_ids: Iterable[int], countdown: int = COALESCE_SECONDS) -> int:
    """Enqueue a recomputation of each row nobody has claimed yet; returns how many were enqueued.

    Runs after commit. Never raises for a broker failure: the data are saved and the rows are
    stale, which is the truth; the sweep recomputes them once the broker is back.
    """
    from ..tasks import chart_result_recompute_task

    enqueued = 0
    # A queued task's claim covers the countdown and a generous queueing delay; if the task is
    # lost the claim lapses and the sweep recomputes the row.
    claimed = chart_results_claim_many(result_ids=result_ids, seconds=countdown + CLAIM_SECONDS)
    for position, result_id in enumerate(claimed):
        try:
            chart_result_recompute_task.apply_async((result_id,), countdown=countdown)
        except Exception as exc:  # kombu/redis raise many types; any publish failure is handled alike
            logger.warning(
                "chart pipeline: could not enqueue chart results %s (%s); left for the sweep",
                claimed[position:],
                exc,
            )
            # One timeout per request is the most a user waits: the other rows go to the sweep too.
            ChartResult.objects.filter(id__any=claimed[position:]).order_by().update(claimed_until=None)
            break
        else:
            enqueued += 1
    return enqueued


# The claim on PostgreSQL: one statement (one round trip, no transaction of our own) that locks up
# to `limit` stale rows in claim order, skipping rows another transaction holds, and takes them
# for claim_seconds(); it returns the claimed rows' columns in claim order. Concurrent callers get
# disjoint rows.
_CLAIM_SQL = """
WITH claimed AS (
    UPDATE measures_chartresult AS c SET claimed_until = %s
    FROM (
        SELECT id FROM measures_chartresult
        WHERE is_stale {conditions}
        ORDER BY stale_since, id
        LIMIT %s
        FOR UPDATE SKIP LOCKED
    ) AS s
    WHERE c.id = s.id
    RETURNING c.stale_since AS claim_since, c.id AS claim_id, {returned}
)
SELECT {columns} FROM claimed ORDER BY claim_since, claim_id
"""


def chart_results_claim_rows(
    *,
    limit: int,
    network: Network | None = None,
    force: bool = False,
    exclude: list[int] | None = None,
    columns: tuple[str, ...],
) -> list[tuple]:
    """`chart_results_claim_batch` on PostgreSQL, returning the claimed rows' `columns` (their
    database column names), in claim order: a caller that reads the rows next needs no other query."""
    now = timezone.now()
    conditions, params = [], [now + timedelta(seconds=claim_seconds())]
    if not force:
        conditions.append("AND (claimed_until IS NULL OR claimed_until < %s)")
        params.append(now)
    if network is not None:
        conditions.append("AND network_id = %s")
        params.append(network.id)
    if exclude:
        conditions.append("AND NOT id = ANY(%s)")
        params.append(exclude)
    params.append(limit)
    sql = _CLAIM_SQL.format(
        conditions=" ".join(conditions),
        returned=", ".join(f"c.{column}" for column in columns),
        columns=", ".join(columns),
    )
    with connection.cursor() as cursor:
        # psycopg's own loader for `stale_since`, which runs in C: the one Django registers on
        # every cursor (to set the tzinfo) parses the text in Python, five times the time (2,060
        # rows: about 12 ms against 2.5, held under the GIL the engine needs). The same instant
        # either way, in the session's time zone, which Django sets.
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        return cursor.fetchall()


def chart_results_claim_batch(
    *, limit: int, network: Network | None = None, force: bool = False, exclude: list[int] | None = None
) -> list[int]:
    """Claim up to `limit` stale, unclaimed rows; concurrent callers get disjoint batches.

    `force` also takes rows claimed by someone else (`manage.py recompute_charts --force` after a
    worker was killed): their computation, if it is still running, cannot store an outdated chart,
    since every write is checked against the row's `stale_since`. `exclude`: ids never to take
    (the caller's own rows still being written).
    """
    if connection.vendor == "postgresql":
        return [
            values[0]
            for values in chart_results_claim_rows(
                limit=limit, network=network, force=force, exclude=exclude, columns=("id",)
            )
        ]
    now = timezone.now()
    rows = ChartResult.objects.filter(is_stale=True)
    if not force:
        rows = rows.filter(_claim_condition(now))
    if network is not None:
        rows = rows.filter(network=network)
    if exclude:
        rows = rows.exclude(id__any=exclude)
    rows = rows.order_by("stale_since", "id")
    until = now + timedelta(seconds=claim_seconds())
    # SQLite serialises writers, so a conditional UPDATE per row is a safe claim there. Concurrent
    # sweeps see the same first candidates, so look further than `limit` before giving up.
    claimed: list[int] = []
    for result_id in rows.values_list("id", flat=True)[: limit * 10]:
        candidate = ChartResult.objects.filter(id=result_id)
        if not force:
            candidate = candidate.filter(_claim_condition(now))
        if candidate.update(claimed_until=until):
            claimed.append(result_id)
            if len(claimed) == limit:
                break
    return claimed
