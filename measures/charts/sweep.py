"""Sweeps: creating missing rows, finding outdated ones and recomputing stale rows in claimed batches."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from lkt.heap import gc_relaxed
from teams.models import Network, Team

from .. import spc
from ..models import ChartResult, ChartStaleMark, Indicator, PublicationStatus
from .compute import (
    _BatchWriter,
    _Read,
    _recompute_rows,
    _rows_claim,
    _rows_compute,
    _rows_read,
    _rows_with_indicators,
    _SideThread,
)
from .inputs import ChartRow, _Loader
from .stale import chart_results_claim_batch, chart_stale_marks_apply, claim_seconds


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
            ChartResult.objects.filter(network=net).values_list(
                "scope", "indicator_id", "team_id", "region_id"
            )
        )
        wanted = []
        for indicator in indicators:
            wanted.append((ChartResult.Scope.NATIONAL, indicator.id, None, None))
            wanted.extend(
                (ChartResult.Scope.REGION, indicator.id, None, r) for r in sorted({r for _, r in teams})
            )
            wanted.extend((ChartResult.Scope.TEAM, indicator.id, t, None) for t, _ in teams)
        chart_types = {i.id: i.chart_type for i in indicators}
        missing = [
            ChartResult(
                scope=s,
                network=net,
                indicator_id=i,
                team_id=t,
                region_id=r,
                chart_type=chart_types[i],
                is_stale=True,
                stale_since=now,
            )
            for s, i, t, r in wanted
            if (s, i, t, r) not in existing
        ]
        ChartResult.objects.bulk_create(missing, batch_size=500)
        created += len(missing)
    return created


def chart_results_mark_outdated_engine() -> int:
    """Rows computed by an older engine version are stale (one UPDATE)."""
    now = timezone.now()
    return (
        ChartResult.objects.filter(is_stale=False)
        .exclude(engine_version=spc.ENGINE_VERSION)
        .update(is_stale=True, stale_since=now, synced_at=now)
    )


def chart_results_verify(*, limit: int) -> int:
    """Mark stale the rows (a random sample of `limit` fresh ones) whose inputs no longer hash alike.

    Catches writes that bypassed `chart_series_changed` (bulk loads, raw SQL, a lost stale flag).
    """
    ids = list(ChartResult.objects.filter(is_stale=False).order_by("?").values_list("id", flat=True)[:limit])
    rows = _rows_with_indicators(ids)
    if not rows:
        return 0
    loader = _Loader(rows)
    outdated = [row.id for row in rows if loader.inputs(row).input_hash() != row.input_hash]
    now = timezone.now()
    return ChartResult.objects.filter(id__in=outdated, is_stale=False).update(
        is_stale=True, stale_since=now, synced_at=now
    )


@gc_relaxed()
def chart_results_sweep(*, batch_size: int = 200, max_batches: int = 10, verify: int = 200) -> int:
    """The periodic sweep: recompute stale rows in claimed, bounded batches; safe on several workers.

    First it applies the queued stale marks of pooled charts that saves could not apply at once.
    """
    chart_stale_marks_apply_all()
    chart_results_mark_outdated_engine()
    if verify:
        chart_results_verify(limit=verify)
    computed = 0
    for _ in range(max_batches):
        ids = chart_results_claim_batch(limit=batch_size)
        if not ids:
            break
        computed += _recompute_rows(ids, just_claimed=True)
    return computed


def chart_results_sweep_follow_up() -> int | None:
    """Seconds until a follow-up sweep, when stale rows are claimed right now; else None.

    A claim is renewed by a live worker and lapses `claim_seconds()` after a killed worker's last
    renewal. A beat sweep that finds claimed stale rows sweeps once more when every claim it saw
    has lapsed unless renewed: the rows of a worker killed at time k are then recomputed by that
    follow-up (if the beat sweep came before k + claim) or by the beat sweep itself (after it),
    both within one sweep interval of k, since 2 x claim + 1 <= the interval.
    """
    if ChartResult.objects.filter(is_stale=True, claimed_until__gt=timezone.now()).exists():
        return claim_seconds() + 1
    return None


def chart_stale_marks_apply_all(*, max_rounds: int = 20) -> int:
    """Apply queued stale marks in bounded rounds; returns the number of rows marked."""
    marked = 0
    for _ in range(max_rounds):
        if not ChartStaleMark.objects.exists():
            break
        marked += len(chart_stale_marks_apply())
    return marked


# Rows in a recompute's first batch (later ones: `batch_size`).
FIRST_BATCH = 100


@gc_relaxed()
def chart_results_recompute_stale(
    *, network: Network | None = None, limit: int | None = None, batch_size: int = 1000, force: bool = False
) -> int:
    """Synchronously recompute every stale row (of one network), and the missing rows it creates.

    Used after bulk loads (`load_demo`) and by `manage.py recompute_charts`. Returns the number of
    charts the engine computed.
    """
    chart_stale_marks_apply_all()
    handled = 0

    def claim(size: int, exclude: list[int] | None) -> tuple[list[ChartRow], float]:
        return _rows_claim(limit=size, network=network, force=force, exclude=exclude)

    ensured = False

    def claim_and_read(size: int, exclude: list[int] | None) -> _Read | None:
        nonlocal ensured
        rows, renewed = claim(size, exclude)
        if not rows and not ensured:
            # No stale row is left: now the missing rows are created and claimed. On the reader's
            # connection, idle from here on, while the engine computes the last batches.
            ensured = True
            if chart_results_ensure(network=network):
                rows, renewed = claim(size, exclude)
        return _rows_read(rows, force=force, renewed=renewed) if rows else None

    def size_after(current: list[int]) -> int:
        # A small first batch starts the engine sooner; each next one doubles, so reading it takes
        # about as long as computing the one before. Up to 1,000 rows by default: each batch costs
        # a claim, a round trip for its inputs and a pooled GROUP BY, and at 200 teams five batches
        # instead of six took about 12 ms less of Python's time and 20 ms less of PostgreSQL's.
        size = min(batch_size, 2 * len(current) if current else FIRST_BATCH)
        return size if limit is None else min(size, limit - handled)

    def next_batch(current: list[int]) -> Callable[[], _Read | None]:
        size = size_after(current)
        if size <= 0:
            return lambda: None
        # Forced: rows claimed by a worker that was killed are taken over at once, not after the
        # claim; but never our own: the batch being computed and the rows still being written.
        exclude = writer.unfinished() + current if force else None
        return reader.later(claim_and_read, size, exclude)

    def recompute_claimed() -> int:
        """Claim, read, compute and hand to the writers batch after batch, until none is left."""
        nonlocal handled
        computed = 0
        size = size_after([])
        rows, renewed = claim(size, None) if size > 0 else ([], 0.0)
        handled += len(rows)
        # The second batch is claimed and read by the reader while this connection reads the first.
        upcoming = next_batch([row.id for row in rows])
        read = _rows_read(rows, force=force, renewed=renewed) if rows else None
        while True:
            if read is not None:
                computed += _rows_compute(read, writer)
            if (read := upcoming()) is None:
                return computed
            ids = [row.id for row in read.rows]
            handled += len(ids)
            upcoming = next_batch(ids)

    # One reader and the writers, each on its own connection (PostgreSQL): while the engine
    # computes a batch, the next one is claimed and read and the previous one written.
    with _BatchWriter() as writer, _SideThread("chart-reader") as reader:
        computed = recompute_claimed()
        if not ensured:  # `limit` ended it before a claim found nothing
            ensured = True
            if chart_results_ensure(network=network):
                computed += recompute_claimed()
    writer.finish()
    return computed
