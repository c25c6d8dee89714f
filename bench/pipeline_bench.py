"""Benchmark of the chart pipeline: full recomputation of a national network, in-process.

    .venv/bin/python bench/pipeline_bench.py            # throwaway SQLite file
    DATABASE_URL=postgres://... .venv/bin/python bench/pipeline_bench.py   # throwaway test_<name> database

For networks of 10, 30 and 60 teams x 10 indicators x 36 months it prints the time of a full
recomputation (read, compute, write) on one worker, how much of it the engine took, the SQL queries
per series, and the cost of recomputing one series alone (the path a save takes).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from _scale_world import INDICATORS, MONTHS, build_world, make_regions  # noqa: E402  (bench/ is on sys.path)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "10,30,60").split(","))


def main() -> None:
    from measures import charts
    from measures.models import ChartResult

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
        regions = make_regions()
        engine_seconds = [0.0]
        # The engine as the pipeline calls it: one series alone, or many through the batch.
        compute, compute_many = charts.compute.chart_compute, charts.compute.chart_compute_many

        def timing(fn):
            def timed_fn(inputs):
                started = time.perf_counter()
                try:
                    return fn(inputs)
                finally:
                    engine_seconds[0] += time.perf_counter() - started

            return timed_fn

        charts.compute.chart_compute = timing(compute)
        charts.compute.chart_compute_many = timing(compute_many)
        print(
            f"{'teams':>5} {'series':>6} {'seconds':>8} {'engine s':>8} {'ms/series':>9} {'queries':>7} "
            f"{'q/series':>8}"
        )
        for n_teams in SIZES:
            network, _indicators, _teams, _count = build_world(
                n_teams, regions, slug=f"bench-{n_teams}", name=f"Bench {n_teams}", team_name="Team {i}"
            )
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
        charts.compute.chart_compute, charts.compute.chart_compute_many = compute, compute_many
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
