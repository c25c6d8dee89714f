"""Benchmark of `manage.py load_demo`: time and SQL queries of a first load and of a second (no-op) run.

    .venv/bin/python bench/demo_bench.py            # a throw-away SQLite file (what `make run` uses)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demobench .venv/bin/python bench/demo_bench.py

The target is "well under a minute" for the first load on SQLite. The chart computation at the end
(measures.charts.chart_results_recompute_stale) is timed separately, because it is not the demo's own cost.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/demo.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from measures import charts  # noqa: E402


def main() -> None:
    old_name = None
    if connection.vendor == "postgresql":
        # A test database of its own (test_<name>), never the database DATABASE_URL names.
        old_name = connection.creation.create_test_db(verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    from demo.loader import demo_load

    recompute = getattr(charts, "chart_results_recompute_stale", None)
    timings: dict[str, float] = {}

    def timed_recompute(**kwargs):
        started = time.perf_counter()
        result = recompute(**kwargs)
        timings["charts"] = timings.get("charts", 0.0) + time.perf_counter() - started
        return result

    if recompute is not None:
        charts.chart_results_recompute_stale = timed_recompute
    for label in ("first load", "second run"):
        timings.pop("charts", None)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            summary = demo_load()
            seconds = time.perf_counter() - started
        created = sum(summary.created.values())
        chart_seconds = timings.get("charts", 0.0)
        print(
            f"{label:>10}: {seconds:6.2f} s total, {seconds - chart_seconds:6.2f} s demo, {chart_seconds:6.2f} s charts, "
            f"{len(queries):6d} queries, {created} rows created ({connection.vendor})"
        )
    if old_name is not None:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
