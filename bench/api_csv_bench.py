"""Benchmark of the API's CSV export of the flat measurement table.

    .venv/bin/python bench/api_csv_bench.py            # 100k and 1M rows, throwaway SQLite file
    DATABASE_URL=postgres://... .venv/bin/python bench/api_csv_bench.py
    .venv/bin/python bench/api_csv_bench.py --rows 100000   # only one size

Builds a throwaway database with bulk inserts, then streams `GET /api/v1/measurements/?format=csv`
with a network token through the whole Django stack (auth, throttle, filters, renderer), and
prints rows per second and the peak Python memory (tracemalloc) while streaming. Flat memory
means the 1M-row peak is about the 100k-row peak. On PostgreSQL the database is created and
dropped by the script (its name gets a `_apibench` suffix).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEAMS = 100
INDICATORS = 10


def configure_environment(tmp: Path) -> str | None:
    """Point Django at a throwaway database; returns the PostgreSQL admin URL to drop it after, if any."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
    os.environ["DEBUG"] = "0"  # no query log in connection.queries
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["API_THROTTLE_RATE"] = "100000/minute"
    os.environ["AXES_ENABLED"] = "0"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        base, _, name = url.rpartition("/")
        bench_name = f"{name or 'lkt'}_apibench"
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
            conn.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = f"{base}/{bench_name}"
        return f"{base}/postgres"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'api_csv_bench.sqlite3'}"
    return None


def build(rows: int) -> str:
    """Create one network with TEAMS teams and INDICATORS indicators and `rows` measurements; return a token."""
    from datetime import date
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from measures.models import Indicator, Measurement, PublicationStatus
    from teams.models import Network, Organisation, Team
    from teams.services import api_token_create

    call_command("flush", interactive=False, verbosity=0)
    region = Organisation.objects.create(name="Region Hovedstaden", kind="region", sector="region")
    region.region = region
    region.save()
    network = Network.objects.create(
        slug="bench", name="LKT Bench", topic="Bench", lead_region=region, start_date=date(1900, 1, 1)
    )
    teams = Team.objects.bulk_create(
        Team(network=network, code=f"team-{i}", name=f"Afdeling {i}, Hospital Æ", region=region)
        for i in range(TEAMS)
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(
            network=network,
            code=f"ind-{i}",
            name=f"Indikator {i}",
            numerator_definition="Tæller",
            denominator_definition="Nævner",
            multiplier=Decimal(100),
            status=PublicationStatus.PUBLISHED,
            version=1,
            unit="%",
        )
        for i in range(INDICATORS)
    )
    months = -(-rows // (TEAMS * INDICATORS))
    now = timezone.now()
    batch: list[Measurement] = []
    made = 0
    for month_index in range(months):
        period = date(1900 + month_index // 12, month_index % 12 + 1, 1)
        for team in teams:
            for indicator in indicators:
                if made == rows:
                    break
                batch.append(
                    Measurement(
                        team=team,
                        indicator=indicator,
                        period=period,
                        numerator=Decimal(made % 97),
                        denominator=Decimal(100),
                        indicator_version=1,
                        comment="",
                        created_at=now,
                        updated_at=now,
                    )
                )
                made += 1
                if len(batch) == 10000:
                    Measurement.objects.bulk_create(batch)
                    batch.clear()
    Measurement.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user = get_user_model().objects.create_user("bench", password=None)
    _token, raw = api_token_create(
        network=network, name="bench", region=None, write_team=None, expires_at=None, user=user
    )
    return raw


def stream(raw: str) -> tuple[int, int]:
    """GET the whole table as CSV; returns (data rows, bytes)."""
    from django.test import Client

    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/measurements/", {"format": "csv"})
    assert response.status_code == 200, response.status_code
    lines, size = 0, 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    return lines - 1, size


def warm_up(raw: str) -> None:
    """One small request first (a team that does not exist: the header only), so the timed export
    does not also pay for the process's first request (URL conf, viewset and serializer imports)."""
    from django.test import Client

    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(
        "/api/v1/measurements/", {"format": "csv", "team": "no-such-team"}
    )
    assert response.status_code == 200, response.status_code
    b"".join(response.streaming_content)


def measure(rows: int) -> None:
    started = time.perf_counter()
    raw = build(rows)
    built = time.perf_counter() - started
    warm_up(raw)

    started = time.perf_counter()
    streamed, size = stream(raw)
    seconds = time.perf_counter() - started
    assert streamed == rows, (streamed, rows)

    tracemalloc.start()
    stream(raw)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        f"{rows:>9,} rows: built in {built:5.1f} s | CSV {seconds:6.2f} s = {rows / seconds:9,.0f} rows/s, "
        f"{size / seconds / 1e6:5.1f} MB/s, {size / 1e6:6.1f} MB | peak Python memory while streaming "
        f"{peak / 1e6:5.2f} MB (tracemalloc)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="row counts (default: 100000 and 1000000)")
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    with tempfile.TemporaryDirectory() as tmp:
        admin_url = configure_environment(Path(tmp))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"API CSV export benchmark on {connection.vendor}; {TEAMS} teams x {INDICATORS} indicators")
        for rows in sizes:
            measure(rows)
        connection.close()
        if admin_url:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{os.environ["DATABASE_URL"].rpartition("/")[2]}"')


if __name__ == "__main__":
    main()
