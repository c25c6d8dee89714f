"""Concurrent saves on PostgreSQL with a real chart worker: only 409s, no lost update, no deadlock.

20 threads, each with its own database connection, save through the entry service for a bounded
time (ENTRY_CONCURRENCY_SECONDS, default 25): half of them fight over one cell (grid saves and API
bulk saves with expected versions), the other half save their own team's cells, while a real
Celery worker recomputes the charts the saves make stale.
"""

import os
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from measures import charts
from measures.models import ChartResult, ChartStaleMark, Measurement, RefusedMeasurement
from measures.services.entry import (
    MeasurementConflict,
    MeasurementRow,
    measurement_save,
    measurements_bulk_save,
)
from teams.models import Team
from tests.base import build_world

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

SECONDS = float(os.environ.get("ENTRY_CONCURRENCY_SECONDS", "25"))
THREADS = 20
CELL = date(2025, 6, 1)


@dataclass
class Log:
    accepted: list[tuple] = field(default_factory=list)  # (team_id, period, version, numerator)
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _same_cell_writer(world, log: Log, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        current = Measurement.objects.filter(
            team=world.team_a, indicator=world.indicator, period=CELL
        ).first()
        seen = current.version if current else None
        numerator = Decimal(rng.randint(1, 999))
        try:
            if rng.random() < 0.5:
                saved = measurement_save(
                    team=world.team_a,
                    indicator=world.indicator,
                    period=CELL,
                    numerator=numerator,
                    denominator=Decimal(1000),
                    expected_version=seen,
                    user=world.data_entry,
                )
                version = saved.version
            else:
                row = MeasurementRow(
                    "ddd", CELL, numerator, Decimal(1000), expected_version=seen or 0, row_number=1
                )
                result = measurements_bulk_save(
                    team=world.team_a, rows=[row], user=world.data_entry, source="api"
                )
                version = (seen or 0) + (1 if result.created or result.changed else 0)
        except MeasurementConflict:
            with log.lock:
                log.conflicts += 1
            continue
        except Exception as exc:  # noqa: BLE001 - the test's point: anything else is a failure
            with log.lock:
                log.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if version == seen:
            continue  # the same value again: nothing stored, no new version
        with log.lock:
            log.accepted.append((world.team_a.id, CELL, version, numerator))


def _own_team_writer(world, team: Team, log: Log, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        period = date(2024 + rng.randint(0, 1), rng.randint(1, 12), 1)
        current = Measurement.objects.filter(team=team, indicator=world.indicator, period=period).first()
        numerator = Decimal(rng.randint(1, 999))
        try:
            saved = measurement_save(
                team=team,
                indicator=world.indicator,
                period=period,
                numerator=numerator,
                denominator=Decimal(1000),
                expected_version=current.version if current else None,
                user=world.data_entry,
            )
        except MeasurementConflict:
            with log.lock:
                log.conflicts += 1
            continue
        except Exception as exc:  # noqa: BLE001
            with log.lock:
                log.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if current is not None and saved.version == current.version:
            continue  # the same value again: nothing stored, no new version
        with log.lock:
            log.accepted.append((team.id, period, saved.version, numerator))


def _run(target, *args) -> None:
    try:
        target(*args)
    finally:
        connections.close_all()


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises all writers; row locks and deadlocks need PostgreSQL",
)
def test_twenty_writers_get_only_409s_lose_nothing_and_never_deadlock(live_worker):
    world = build_world()
    teams = [
        Team.objects.create(
            network=world.network,
            code=f"load-{i}",
            name=f"Belastningsteam {i}",
            region=world.hovedstaden if i % 2 else world.midtjylland,
        )
        for i in range(THREADS // 2)
    ]
    charts.chart_results_recompute_stale(network=world.network)
    deadlocks_before = _deadlocks()
    log = Log()
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=_run, args=(_same_cell_writer, world, log, deadline, i))
        for i in range(THREADS // 2)
    ] + [
        threading.Thread(target=_run, args=(_own_team_writer, world, team, log, deadline, 100 + i))
        for i, team in enumerate(teams)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    assert not any(t.is_alive() for t in threads), "a writer hangs (a lock wait without end)"

    print(f"\n{len(log.accepted)} saves accepted, {log.conflicts} refused with 409 in {SECONDS:.0f} s")
    assert log.errors == []
    assert _deadlocks() == deadlocks_before
    assert len(log.accepted) > THREADS

    # No lost update: every accepted save is in history with its value, one accepted save per
    # version of a cell, and the stored value is the last accepted one.
    by_cell: dict[tuple, dict[int, Decimal]] = {}
    for team_id, period, version, numerator in log.accepted:
        versions = by_cell.setdefault((team_id, period), {})
        assert version not in versions, f"two saves were accepted as version {version} of {team_id} {period}"
        versions[version] = numerator
    for (team_id, period), versions in by_cell.items():
        stored = Measurement.objects.get(team_id=team_id, indicator=world.indicator, period=period)
        last = max(versions)
        assert stored.version == last and stored.numerator == versions[last]
        history = dict(
            Measurement.history.filter(
                team_id=team_id, indicator_id=world.indicator.id, period=period
            ).values_list("version", "numerator")
        )
        for version, numerator in versions.items():
            assert history.get(version) == numerator

    # The worker kept up: after a sweep (which applies the queued marks), every chart is current.
    assert "Traceback" not in live_worker.log()
    charts.chart_results_sweep(verify=0)
    live_worker.wait_until(
        lambda: (
            not ChartResult.objects.filter(is_stale=True).exists() and not ChartStaleMark.objects.exists()
        ),
        timeout=90,
        message="every chart recomputed",
    )
    team_chart = ChartResult.objects.get(scope="team", team=world.team_a, indicator=world.indicator)
    cell = next(p for p in team_chart.data["points"] if p["period"] == CELL.isoformat())
    assert cell["numerator"] == float(
        Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=CELL).numerator
    )


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs PostgreSQL's row locks and unique-index waits"
)
@pytest.mark.parametrize("second_path", ["grid", "api"])
def test_the_same_empty_cell_created_from_two_paths_at_once_stores_one_value_and_one_409(second_path):
    world = build_world()
    period = date(2026, 3, 1)  # after the world's 24 months: an empty cell
    inserted, release = threading.Event(), threading.Event()

    def first_save() -> None:
        # An upload creating the cell, held open until the second save is waiting on it.
        from django.db import transaction

        try:
            with transaction.atomic():
                row = MeasurementRow(
                    "ddd", period, Decimal(111), Decimal(1000), expected_version=0, row_number=1
                )
                measurements_bulk_save(team=world.team_a, rows=[row], user=world.data_entry, source="upload")
                inserted.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_save)
    thread.start()
    assert inserted.wait(timeout=10)
    threading.Timer(1.0, release.set).start()  # the second save is blocked on the unique index by then
    with pytest.raises(MeasurementConflict) as refused:
        if second_path == "grid":
            measurement_save(
                team=world.team_a,
                indicator=world.indicator,
                period=period,
                numerator=Decimal(222),
                denominator=Decimal(1000),
                expected_version=None,
                user=world.team_lead,
            )
        else:
            row = MeasurementRow("ddd", period, Decimal(222), Decimal(1000), expected_version=0, row_number=1)
            measurements_bulk_save(team=world.team_a, rows=[row], user=world.team_lead, source="api")
    thread.join(timeout=10)
    assert refused.value.as_dict()["stored"]["numerator"] == 111
    stored = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=period)
    assert stored.numerator == 111 and stored.version == 1
    assert RefusedMeasurement.objects.filter(team=world.team_a, period=period, numerator=222).count() == 1
