"""Benchmark of the data upload: a 10,000-row file parsed, validated (preview) and saved.

    .venv/bin/python bench/upload_bench.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/uploadbench .venv/bin/python bench/upload_bench.py

One team, 24 published indicators and 440 months (10,000 new values with history), then the same
file again (all unchanged: no writes), then a file that changes every value. Prints seconds and
rows per second for each step.
"""

import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from measures.models import Indicator, Measurement
    from measures.services.entry import measurements_bulk_plan, measurements_bulk_save
    from measures.upload import parse_upload
    from tests.base import build_world, publish

    world = build_world()
    network = world.network
    network.start_date = date(1990, 1, 1)
    network.save()
    codes = ["ddd", "reassessed"]
    for n in range(22):
        codes.append(
            publish(
                Indicator.objects.create(
                    network=network,
                    code=f"i{n}",
                    name=f"Indikator {n}",
                    numerator_definition="Antal",
                    order=10 + n,
                ),
                world.expert,
            ).code
        )
    months = [date(1990 + i // 12, i % 12 + 1, 1) for i in range(440)]

    def csv_file(offset: int) -> bytes:
        rows = []
        for code in codes:
            for period in months:
                if code in ("ddd", "reassessed"):
                    rows.append(f"{code};{period:%Y-%m};{(period.month * 7) % 90 + 10 + offset};200")
                else:
                    rows.append(f"{code};{period:%Y-%m};{period.month + offset},5;")
        return "\n".join(["Indikator;Måned;Tæller;Nævner", *rows[:10_000]]).encode("utf-8")

    from django.conf import settings

    print(
        f"database: {connection.vendor}; chart recomputation in-process (eager): {settings.CELERY_TASK_ALWAYS_EAGER}"
    )
    for label, content in (("new", csv_file(0)), ("same again", csv_file(0)), ("all changed", csv_file(1))):
        started = time.perf_counter()
        parsed = parse_upload(data=content, filename="data.csv")
        parsed_at = time.perf_counter()
        plan = measurements_bulk_plan(team=world.team_a, rows=parsed.rows)
        planned_at = time.perf_counter()
        assert not parsed.errors and not plan.errors, (parsed.errors[:3], plan.errors[:3])
        result = measurements_bulk_save(
            team=world.team_a, rows=parsed.rows, user=world.data_entry, source="bench"
        )
        saved_at = time.perf_counter()
        total = saved_at - started
        print(
            f"{label:12s} rows={len(parsed.rows):6d} created={result.created:6d} changed={result.changed:6d} "
            f"unchanged={result.unchanged:6d} | parse {parsed_at - started:5.2f} s, preview {planned_at - parsed_at:5.2f} s, "
            f"save {saved_at - planned_at:5.2f} s, total {total:5.2f} s = {len(parsed.rows) / total:7.0f} rows/s"
        )
    print(f"history rows: {Measurement.history.count()}")


if __name__ == "__main__":
    main()
