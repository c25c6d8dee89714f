"""Benchmark at national scale (issue "Performance at national scale"): costs as ratios to floors.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lkt .venv/bin/python bench/scale_bench.py
    .venv/bin/python bench/scale_bench.py --teams 50          # throwaway SQLite file
    .venv/bin/python bench/scale_bench.py --growth            # 10, 50, 200 teams (add --growth-max 1000)

Builds a network of N teams x 10 indicators x 36 months with bulk inserts (not the services: the
build is not what is measured) in a throwaway database (`<name>_scalebench`), computes its charts
once, then prints for each cost the min and median of --runs runs, the floor measured in the same
run (also min and median) and the ratio of the medians:

- full recompute of every series vs the engine alone (`chart_compute`) on the same inputs;
- network dashboard (Django test client, as the national project lead) vs loading the chart rows it
  draws, with its query count and HTML size; team dashboard and entry grid likewise;
- API CSV export of the network vs PostgreSQL `COPY (SELECT the same columns) TO STDOUT` (on SQLite:
  a plain cursor fetch of the same SELECT);
- API JSON paging (page_size 5000) in rows/s, against the CSV export.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["API_THROTTLE_RATE"] = "1000000/minute"
os.environ["AXES_ENABLED"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# DEBUG off (no query log) but no collectstatic manifest needed: plain static file URLs.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

INDICATORS = 10
MONTHS = 36
REGIONS = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")
# (chart type, has denominator, multiplier): the mix a typical LKT has
CHART_MIX = [("run", True, 100), ("p", True, 100), ("u", True, 1000), ("i", False, 1), ("c", False, 1)]


def month(i: int) -> date:
    return date(2023 + i // 12, i % 12 + 1, 1)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def fmt(seconds: list[float]) -> str:
    return f"min {1000 * min(seconds):8.1f} ms  median {1000 * statistics.median(seconds):8.1f} ms"


def line(label: str, cost: list[float], floor: list[float], extra: str = "") -> None:
    ratio = statistics.median(cost) / statistics.median(floor)
    print(f"{label:<22} {fmt(cost)} | floor {fmt(floor)} | ratio {ratio:5.1f}x {extra}")


class Network:
    """The built network and the people and token that look at it."""

    def __init__(self, n_teams: int, regions: list) -> None:
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from measures.models import Goal, Indicator, Measurement, PublicationStatus
        from teams.models import Network as NetworkModel
        from teams.models import NetworkMembership, Team, TeamMembership
        from teams.services import api_token_create

        self.n_teams = n_teams
        network = NetworkModel.objects.create(
            slug=f"scale-{n_teams}",
            name=f"LKT Skala {n_teams}",
            topic="Benchmark",
            status=NetworkModel.Status.ACTIVE,
            lead_region=regions[0],
            start_date=date(2023, 1, 1),
        )
        goal = Goal.objects.create(network=network, number=1, title="Mål", status=PublicationStatus.PUBLISHED)
        indicators = []
        for k in range(INDICATORS):
            chart, has_den, mult = CHART_MIX[k % len(CHART_MIX)]
            indicators.append(
                Indicator(
                    network=network,
                    goal=goal,
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
        indicators = Indicator.objects.bulk_create(indicators)
        teams = Team.objects.bulk_create(
            Team(
                network=network,
                code=f"t{i}",
                name=f"Afdeling {i}, Hospital Æ",
                region=regions[i % len(regions)],
            )
            for i in range(n_teams)
        )
        rng = random.Random(n_teams)
        now = timezone.now()
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
                            comment="",
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    if len(rows) >= 10000:
                        Measurement.objects.bulk_create(rows)
                        rows.clear()
        Measurement.objects.bulk_create(rows)
        self.measurements = Measurement.objects.filter(team__network=network).count()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        user_model = get_user_model()
        self.lead = user_model.objects.create_user(username=f"lead-{n_teams}")
        NetworkMembership.objects.create(network=network, user=self.lead, role="national_lead")
        self.member = user_model.objects.create_user(username=f"member-{n_teams}")
        TeamMembership.objects.create(team=teams[0], user=self.member, role="team_lead")
        _token, self.raw_token = api_token_create(
            network=network, name="bench", region=None, write_team=None, expires_at=None, user=self.lead
        )
        self.network, self.team, self.indicators = network, teams[0], indicators

    # --- recompute -------------------------------------------------------------------------------
    def mark_all_stale(self) -> None:
        from django.utils import timezone

        from measures.models import ChartResult

        ChartResult.objects.filter(network=self.network).update(
            is_stale=True, stale_since=timezone.now(), input_hash="", claimed_until=None
        )

    def recompute(self) -> int:
        from measures import charts

        return charts.chart_results_recompute_stale(network=self.network, force=True)

    def engine_inputs(self) -> list:
        from measures.charts.inputs import _Loader
        from measures.models import ChartResult

        rows = list(ChartResult.objects.filter(network=self.network).select_related("indicator__network"))
        loader = _Loader(rows)
        return [loader.inputs(row) for row in rows]

    # --- pages -----------------------------------------------------------------------------------
    def get(self, client: Client, url: str) -> int:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(response.content)

    def count_queries(self, client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.get(client, url)
        return len(queries)

    def chart_rows(self, **filters) -> None:
        from measures.models import ChartResult

        list(ChartResult.objects.filter(network=self.network, **filters))

    def grid_rows(self) -> None:
        from measures.models import Indicator, Measurement

        list(Indicator.objects.filter(network=self.network))
        list(Measurement.objects.filter(team=self.team))

    # --- API -------------------------------------------------------------------------------------
    def api_csv(self) -> int:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {self.raw_token}")
        response = client.get("/api/v1/measurements/", {"format": "csv"})
        assert response.status_code == 200, response.status_code
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        return lines - 1

    def api_json(self) -> int:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {self.raw_token}")
        url, params, rows = "/api/v1/measurements/", {"page_size": 5000}, 0
        while url:
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            body = response.json()
            rows += len(body["results"])
            url, params = body.get("next"), None
        return rows

    FLOOR_SQL = """
        SELECT m.uuid, n.slug, t.uuid, t.code, t.name, r.name, i.code, m.indicator_version, m.period,
               m.numerator, m.denominator, i.unit, m.nothing_to_report, m.comment, m.version,
               m.updated_at, m.synced_at
        FROM measures_measurement m
        JOIN teams_team t ON t.id = m.team_id
        JOIN teams_network n ON n.id = t.network_id
        JOIN teams_organisation r ON r.id = t.region_id
        JOIN measures_indicator i ON i.id = m.indicator_id
        WHERE t.network_id = %s
        ORDER BY m.synced_at, m.uuid
    """

    def copy_floor(self) -> int:
        sql = self.FLOOR_SQL % int(self.network.id)
        if connection.vendor == "postgresql":
            size = 0
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
            ):
                for chunk in copy:
                    size += len(chunk)
            return size
        import csv

        buffer = io.StringIO()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            csv.writer(buffer).writerows(cursor.fetchall())
        return buffer.tell()


def make_regions() -> list:
    from teams.models import Organisation

    regions = []
    for name in REGIONS:
        region = Organisation.objects.create(name=f"Region {name}", kind="region", sector="region")
        region.region = region
        region.save()
        regions.append(region)
    return regions


def full(n_teams: int, runs: int, regions: list, only: list[str]) -> None:
    from measures.models import ChartResult

    started = time.perf_counter()
    net = Network(n_teams, regions)
    net.recompute()
    series = ChartResult.objects.filter(network=net.network).count()
    print(
        f"built {n_teams} teams x {INDICATORS} indicators x {MONTHS} months: {net.measurements:,} measurements, "
        f"{series:,} chart series in {time.perf_counter() - started:.1f} s ({connection.vendor}); "
        f"{runs} runs each"
    )

    sections = only or SECTIONS
    for name in sections:
        SECTIONS[name](net, runs, series)


def section_recompute(net: Network, runs: int, series: int) -> None:
    from measures.charts import compute as compute_module

    def recompute() -> None:
        net.mark_all_stale()
        started = time.perf_counter()
        assert net.recompute() == series
        recompute_times.append(time.perf_counter() - started)

    recompute_times: list[float] = []
    timed(recompute, runs)
    with CaptureQueriesContext(connection) as queries:
        net.mark_all_stale()
        net.recompute()
    inputs = net.engine_inputs()
    engine = timed(lambda: [compute_module.chart_compute(i) for i in inputs], runs)
    line(
        "full recompute",
        recompute_times,
        engine,
        f"({series} series, {len(queries) / series:.2f} queries/series)",
    )


def section_pages(net: Network, runs: int, series: int) -> None:
    lead, member = Client(), Client()
    lead.force_login(net.lead)
    member.force_login(net.member)
    network_url = reverse("measures:network-dashboard", kwargs={"slug": net.network.slug})
    team_url = reverse("measures:team-dashboard", kwargs={"team_uuid": net.team.uuid})
    grid_url = reverse("measures:entry-grid", kwargs={"team_uuid": net.team.uuid})
    pages = [
        ("network dashboard", lead, network_url, lambda: net.chart_rows(scope__in=["team", "national"])),
        (
            "team dashboard",
            member,
            team_url,
            lambda: (net.chart_rows(team=net.team), net.chart_rows(scope="national")),
        ),
        ("entry grid", member, grid_url, net.grid_rows),
    ]
    for label, client, url, floor in pages:
        size = net.get(client, url)  # warm
        queries = net.count_queries(client, url)
        cost = timed(lambda client=client, url=url: net.get(client, url), runs)
        line(label, cost, timed(floor, runs), f"({queries} queries, {size / 1024:,.0f} KiB HTML)")


CSV_TARGET_RATIO = 1.5  # CSV export at most this many times its floor (COPY of the same columns)
JSON_TARGET_ROWS = 50_000  # JSON paging at page_size 5000: at least this many rows per second


def met(ok: bool) -> str:
    return "target met" if ok else "TARGET NOT MET"


def section_api(net: Network, runs: int, series: int) -> None:
    rows = net.api_csv()
    csv_times = timed(net.api_csv, runs)
    copy_times = timed(net.copy_floor, runs)
    ratio = statistics.median(csv_times) / statistics.median(copy_times)
    line(
        "API CSV export",
        csv_times,
        copy_times,
        f"({rows:,} rows, {rows / statistics.median(csv_times):,.0f} rows/s; floor: "
        f"{'COPY TO STDOUT' if connection.vendor == 'postgresql' else 'cursor fetch + csv.writer'}; "
        f"<= {CSV_TARGET_RATIO}x: {met(ratio <= CSV_TARGET_RATIO)})",
    )
    assert net.api_json() == rows
    json_times = timed(net.api_json, runs)
    rate = rows / statistics.median(json_times)
    print(
        f"{'API JSON paging':<22} {fmt(json_times)} | {rate:,.0f} rows/s, "
        f"{statistics.median(json_times) / statistics.median(csv_times):.1f}x the CSV export's time "
        f"(>= {JSON_TARGET_ROWS:,} rows/s: {met(rate >= JSON_TARGET_ROWS)})"
    )


# Each section prints its own figures against its own floor; --only runs a subset.
SECTIONS: dict[str, Callable[[Network, int, int], None]] = {
    "recompute": section_recompute,
    "pages": section_pages,
    "api": section_api,
}


def growth(sizes: list[int], regions: list) -> None:
    from measures.models import ChartResult

    print(f"how cost grows ({connection.vendor}; median of 3 runs)")
    print(
        f"{'teams':>6} {'series':>7} {'recompute s':>11} {'ms/series':>9} {'dashboard ms':>12} {'queries':>7} "
        f"{'HTML KiB':>9}"
    )
    for n_teams in sizes:
        net = Network(n_teams, regions)
        net.recompute()
        series = ChartResult.objects.filter(network=net.network).count()
        times = []
        for _ in range(3):
            net.mark_all_stale()
            started = time.perf_counter()
            net.recompute()
            times.append(time.perf_counter() - started)
        recompute = statistics.median(times)
        lead = Client()
        lead.force_login(net.lead)
        url = reverse("measures:network-dashboard", kwargs={"slug": net.network.slug})
        size = net.get(lead, url)
        queries = net.count_queries(lead, url)
        page = statistics.median(timed(lambda net=net, lead=lead, url=url: net.get(lead, url), 3))
        print(
            f"{n_teams:>6} {series:>7} {recompute:>11.2f} {1000 * recompute / series:>9.2f} {1000 * page:>12.1f} "
            f"{queries:>7} {size / 1024:>9,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--growth", action="store_true", help="recompute, dashboard and page size for 10, 50, 200"
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(SECTIONS), default=[], help="run only this section (repeatable)"
    )
    parser.add_argument("--growth-max", type=int, default=200, help="largest growth size (e.g. 1000)")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5 (min and median of >= 5 runs)")
    setup_test_environment()
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(
            Path(tempfile.gettempdir()) / f"lkt-scalebench-{os.getpid()}.sqlite3"
        )
    else:
        db.setdefault("TEST", {})["NAME"] = f"{db['NAME']}_scalebench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        regions = make_regions()
        if args.growth:
            growth([n for n in (10, 50, 200, 1000) if n <= args.growth_max], regions)
        else:
            full(args.teams, args.runs, regions, args.only)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
