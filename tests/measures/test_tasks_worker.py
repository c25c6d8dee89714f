"""The chart pipeline with the real Redis and a real Celery worker (started by the fixtures)."""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from measures import charts
from measures.models import ChartResult, Measurement
from measures.tasks import chart_results_sweep_task
from teams.models import Team
from tests.base import build_world, month
from tests.ports import free_port

from .conftest import publishing_to

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def save(world, period, numerator, team=None):
    """A data write as the measurement service does it: the value and the stale mark in one transaction."""
    team = team or world.team_a
    with transaction.atomic():
        Measurement.objects.update_or_create(
            team=team,
            indicator=world.indicator,
            period=period,
            defaults={"numerator": numerator, "denominator": Decimal("1000"), "indicator_version": 1},
        )
        charts.chart_series_changed(team=team, indicator=world.indicator)


def team_row(world, indicator=None) -> ChartResult:
    return ChartResult.objects.get(scope="team", team=world.team_a, indicator=indicator or world.indicator)


def settled(row_id: int) -> bool:
    return ChartResult.objects.filter(id=row_id, is_stale=False, claimed_until__isnull=True).exists()


def test_a_saved_measurement_leads_to_an_updated_chart(live_worker):
    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    row = team_row(world)

    save(world, month(2026, 1), Decimal("420"))

    assert team_row(world).is_stale is True  # until the worker has been at it
    live_worker.wait_until(
        lambda: team_row(world).last_period == month(2026, 1) and settled(row.id),
        message="the team's chart shows the new month",
    )
    data = team_row(world).data
    assert data["points"][-1] == pytest.approx(data["points"][-1] | {"period": "2026-01-01", "y": 42.0})
    national = ChartResult.objects.get(scope="national", indicator=world.indicator)
    live_worker.wait_until(lambda: settled(national.id), message="the national chart is recomputed")
    assert ChartResult.objects.get(id=national.id).last_period == month(2026, 1)


def test_a_thousand_saves_to_one_series_cause_far_fewer_computations(live_worker):
    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    row = team_row(world)
    before = row.compute_count

    started = time.monotonic()
    for i in range(1000):
        save(world, month(2025, 12), Decimal(400 + i % 50))
    save(world, month(2025, 12), Decimal("555"))
    elapsed = time.monotonic() - started

    live_worker.wait_until(lambda: settled(row.id), timeout=90, message="the burst is computed")
    after = team_row(world)
    computations = after.compute_count - before
    print(f"1,001 saves in {elapsed:.1f} s -> {computations} computations of the series")
    # At most one computation per coalescing window (a slow, shared machine makes the burst longer).
    assert 1 <= computations <= max(50, elapsed / charts.COALESCE_SECONDS + 2)
    assert after.data["points"][-1]["numerator"] == 555.0


def test_the_sweep_recomputes_a_stale_series_and_leaves_a_fresh_one_alone(live_worker):
    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    fresh = team_row(world)
    stale = team_row(world, indicator=world.count_indicator)
    # Data written while the broker was down: the row is stale and nobody has enqueued it.
    with transaction.atomic():
        Measurement.objects.create(
            team=world.team_a,
            indicator=world.count_indicator,
            period=month(2024, 1),
            numerator=Decimal("7"),
            denominator=Decimal("10"),
            indicator_version=1,
        )
        charts.chart_series_mark_stale(team=world.team_a, indicator=world.count_indicator)

    chart_results_sweep_task.delay()

    live_worker.wait_until(lambda: settled(stale.id), message="the sweep recomputes the stale chart")
    assert team_row(world, indicator=world.count_indicator).compute_count == stale.compute_count + 1
    assert team_row(world, indicator=world.count_indicator).n_points == 1
    assert team_row(world).compute_count == fresh.compute_count
    assert team_row(world).computed_at == fresh.computed_at


def test_two_sweeps_at_once_do_not_compute_the_same_series_twice(celery_workers):
    world = build_world()
    for i in range(20):
        team = Team.objects.create(
            network=world.network,
            code=f"extra-{i}",
            name=f"Ekstra team {i}",
            region=world.hovedstaden if i % 2 else world.midtjylland,
        )
        Measurement.objects.bulk_create(
            Measurement(
                team=team,
                indicator=world.indicator,
                period=period,
                numerator=Decimal(500 + i + j % 7),
                denominator=Decimal("1000"),
                indicator_version=1,
            )
            for j, period in enumerate(world.months)
        )
    charts.chart_results_ensure(network=world.network)
    rows = ChartResult.objects.filter(network=world.network)
    total = rows.count()
    assert total == 2 * (22 + 2 + 1)

    with celery_workers(2) as workers:
        # Small batches, so the two sweeps run side by side for a while.
        chart_results_sweep_task.delay(batch_size=2, max_batches=100, verify=0)
        chart_results_sweep_task.delay(batch_size=2, max_batches=100, verify=0)
        workers.wait_until(lambda: not rows.filter(is_stale=True).exists(), message="all rows computed")
        workers.wait_until(
            lambda: len(re.findall(r"chart_results_sweep_task\[.*\] succeeded", workers.log())) == 2,
            message="both sweeps finished",
        )
        per_sweep = [
            int(n)
            for n in re.findall(r"chart_results_sweep_task\[.*\] succeeded in [\d.]+s: (\d+)", workers.log())
        ]
        sweep_lines = [line for line in workers.log().splitlines() if "chart_results_sweep_task" in line]
    print(f"{total} charts; computed per sweep: {per_sweep}", *sweep_lines, sep="\n")
    assert set(rows.values_list("compute_count", flat=True)) == {1}
    assert sum(per_sweep) == total


def test_saving_with_the_broker_unreachable_stores_the_data_and_marks_the_series_stale():
    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    row = team_row(world)

    # A free port: nothing listens there.
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0", "lkt-test-nowhere"):
        started = time.monotonic()
        save(world, month(2026, 1), Decimal("430"))
        elapsed = time.monotonic() - started
    print(f"save with the broker down returned after {elapsed:.2f} s")

    assert Measurement.objects.filter(team=world.team_a, period=month(2026, 1), numerator=430).exists()
    row = team_row(world)
    assert row.is_stale is True
    assert row.claimed_until is None  # released: the sweep may take it at once
    assert row.last_period == month(2025, 12)

    # The broker is back: the sweep catches up.
    assert charts.chart_results_sweep(verify=0) == 3
    assert team_row(world).last_period == month(2026, 1)
    assert team_row(world).is_stale is False


def test_an_expired_claim_is_taken_over_by_the_sweep():
    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    ids = charts.chart_series_mark_stale(team=world.team_a, indicator=world.indicator)
    # A task was enqueued and then lost (worker killed, Redis flushed): the claim runs out.
    ChartResult.objects.filter(id__in=ids).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert set(charts.chart_results_claim_batch(limit=10)) == set(ids)


def test_a_killed_workers_rows_are_recomputed_by_a_live_worker_within_one_sweep_interval(celery_workers):
    """The beat's sweep comes right after a worker was killed holding claims: it sweeps once more when
    the claims have lapsed, so the rows are recomputed within one sweep interval (60 s here), not
    one interval plus the claim."""
    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    Measurement.objects.filter(team=world.team_a, period=month(2025, 1)).update(numerator=Decimal("777"))
    ids = charts.chart_series_mark_stale(team=world.team_a, indicator=world.indicator)
    env = {"CHART_SWEEP_MINUTES": "1", "CHART_CLAIM_SECONDS": "3"}
    with celery_workers(1, extra_env=env) as workers:
        # The killed worker: it claimed the rows and renewed the claims, then died (3 s claims).
        until = timezone.now() + timedelta(seconds=3)
        ChartResult.objects.filter(id__in=ids).update(claimed_until=until)
        killed = time.monotonic()
        chart_results_sweep_task.delay(verify=0)
        workers.wait_until(
            lambda: not ChartResult.objects.filter(id__in=ids, is_stale=True).exists(),
            timeout=60,
            message="the follow-up sweep recomputes the killed worker's rows",
        )
        elapsed = time.monotonic() - killed
        sweeps = re.findall(r"chart_results_sweep_task\[.*\] succeeded in [\d.]+s: (\d+)", workers.log())
    print(f"recomputed {elapsed:.1f} s after the kill; computed per sweep: {sweeps}")
    assert elapsed < 60
    assert sweeps[:2] == ["0", "3"]  # the beat's sweep found them claimed; its follow-up took them
