"""Benchmark of the chart pipeline: full recomputation of a national network, in-process.

    .venv/bin/python bench/pipeline_bench.py            # throwaway SQLite file
    DATABASE_URL=postgres://... .venv/bin/python bench/pipeline_bench.py   # throwaway test_<name> database

For networks of 10, 30 and 60 teams x 10 indicators x 36 months it prints the time of a full
recomputation (read, compute, write) on one worker, how much of it the engine took, the SQL queries
per series, and the cost of recomputing one series alone (the path a save takes).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "10,30,60").split(","))
INDICATORS = 10
MONTHS = 36
# (chart type, has denominator, multiplier): the mix a typical LKT has
CHART_MIX = [("run", True, 100), ("p", True, 100), ("u", True, 1000), ("i", False, 1), ("c", False, 1)]


def month(i: int) -> date:
    return date(2023 + i // 12, i % 12 + 1, 1)


def build_network(n_teams: int, regions: list) -> object:
    from measures.models import Indicator, Measurement, PublicationStatus
    from teams.models import Network, Team

    network = Network.objects.create(
        slug=f"bench-{n_teams}",
        name=f"Bench {n_teams}",
        topic="Benchmark",
        status=Network.Status.ACTIVE,
        lead_region=regions[0],
        start_date=date(2023, 1, 1),
    )
    indicators = []
    for k in range(INDICATORS):
        chart, has_den, mult = CHART_MIX[k % len(CHART_MIX)]
        indicators.append(
            Indicator.objects.create(
                network=network,
                code=f"ind-{k}",
                name=f"Indikator {k}",
                numerator_definition="Tæller",
                denominator_definition="Nævner" if has_den else "",
                multiplier=Decimal(mult),
                chart_type=chart,
                direction="down",
                status=PublicationStatus.PUBLISHED,
                version=1,
                order=k,
            )
        )
    teams = [
        Team.objects.create(network=network, code=f"t{i}", name=f"Team {i}", region=regions[i % len(regions)])
        for i in range(n_teams)
    ]
    rng = random.Random(n_teams)
    rows = []
    for team in teams:
        for indicator in indicators:
            for m in range(MONTHS):
                if rng.random() < 0.03:
                    continue  # a missing month now and then
                denominator = rng.randint(200, 1200)
                numerator = (
                    rng.randint(0, denominator) if indicator.chart_type == "p" else rng.randint(5, 400)
                )
                rows.append(
                    Measurement(
                        team=team,
                        indicator=indicator,
                        period=month(m),
                        numerator=Decimal(numerator),
                        denominator=Decimal(denominator) if indicator.has_denominator else None,
                        indicator_version=1,
                    )
                )
    Measurement.objects.bulk_create(rows, batch_size=2000)
    return network


def main() -> None:
    from measures import charts
    from measures.models import ChartResult
    from teams.models import Organisation

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(
            Path(tempfile.gettempdir()) / f"lkt-bench-{os.getpid()}.sqlite3"
        )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(
            f"chart pipeline benchmark: {connection.vendor}, engine {charts.spc.ENGINE_VERSION}, "
            f"{INDICATORS} indicators x {MONTHS} months, one process"
        )
        regions = []
        for name in ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"):
            region = Organisation.objects.create(name=f"Region {name}", kind="region", sector="region")
            region.region = region
            region.save()
            regions.append(region)
        engine_seconds = [0.0]
        compute = charts.compute.chart_compute

        def timed_compute(inputs):
            started = time.perf_counter()
            try:
                return compute(inputs)
            finally:
                engine_seconds[0] += time.perf_counter() - started

        charts.compute.chart_compute = timed_compute
        print(
            f"{'teams':>5} {'series':>6} {'seconds':>8} {'engine s':>8} {'ms/series':>9} {'queries':>7} "
            f"{'q/series':>8}"
        )
        for n_teams in SIZES:
            network = build_network(n_teams, regions)
            engine_seconds[0] = 0.0
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                computed = charts.chart_results_recompute_stale(network=network)
                elapsed = time.perf_counter() - started
            series = ChartResult.objects.filter(network=network).count()
            assert computed == series, (computed, series)
            print(
                f"{n_teams:>5} {series:>6} {elapsed:>8.2f} {engine_seconds[0]:>8.2f} "
                f"{1000 * elapsed / series:>9.2f} {len(queries):>7} {len(queries) / series:>8.2f}"
            )
        # One series alone, as after a save: team, region, national rows of one indicator.
        team_row = ChartResult.objects.filter(network=network, scope="team").first()
        ids = charts.chart_series_mark_stale(team=team_row.team, indicator=team_row.indicator)
        ChartResult.objects.filter(id__in=ids).update(input_hash="")
        for label, result_id in zip(("team", "region", "national"), ids, strict=True):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                charts.chart_result_recompute_claimed(result_id=result_id)
                elapsed = time.perf_counter() - started
            print(
                f"one {label} chart after a save ({n_teams} teams): {1000 * elapsed:.1f} ms, "
                f"{len(queries)} queries"
            )
    finally:
        charts.compute.chart_compute = compute
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
