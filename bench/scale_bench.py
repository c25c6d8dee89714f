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
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
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
from _scale_world import (  # noqa: E402  (bench/ is the script's folder, on sys.path)
    INDICATORS,
    MONTHS,
    build_world,
    fmt,
    line,
    make_regions,
    met,
    month,
    timed,
    timed_alternating,
)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from lkt.heap import heap_freeze  # noqa: E402


class Network:
    """The built network and the people and token that look at it."""

    def __init__(self, n_teams: int, regions: list) -> None:
        from django.contrib.auth import get_user_model

        from teams.models import NetworkMembership, TeamMembership
        from teams.services import api_token_create

        self.n_teams = n_teams
        network, indicators, teams, self.measurements = build_world(
            n_teams, regions, slug=f"scale-{n_teams}", name=f"LKT Skala {n_teams}"
        )
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

    def vacuum(self) -> None:
        """What autovacuum does between two recomputes in production: each one leaves a dead version
        of every chart row (this machine's PostgreSQL runs with autovacuum off, so runs would
        otherwise measure a table that grows with every run). Not timed."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM measures_chartresult")

    def recompute(self) -> int:
        from measures import charts

        return charts.chart_results_recompute_stale(network=self.network, force=True)

    def engine_inputs(self) -> list:
        return [inputs for _row, inputs in self.engine_rows()]

    def engine_rows(self) -> list:
        """(ChartResult row, its SeriesInputs) for every chart of the network."""
        from measures.charts.inputs import _Loader
        from measures.models import ChartResult

        rows = list(ChartResult.objects.filter(network=self.network).select_related("indicator__network"))
        loader = _Loader(rows)
        return [(row, loader.inputs(row)) for row in rows]

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

    def api_json_served(self) -> int:
        """The same pages as api_json, but the client reads only `next` and counts the rows (a row
        object's `{"uuid":"` cannot occur inside a JSON string, where its quotes are escaped): the
        server's share, without the client's json.loads of every page."""
        import json

        client = Client(HTTP_AUTHORIZATION=f"Bearer {self.raw_token}")
        url, params, rows = "/api/v1/measurements/", {"page_size": 5000}, 0
        while url:
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            head, _, results = response.content.partition(b',"results":')
            rows += results.count(b'{"uuid":"')
            url, params = json.loads(head + b"}").get("next"), None
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

    def keyset_walk(self, *, union: bool) -> int:
        """The walk's page queries alone (uuid and synced_at of each row), in one of the two forms of
        lkt.api.KeysetPagination; returns how many rows the pages held."""
        from lkt.api import KeysetPagination
        from measures.models import Measurement

        pager = KeysetPagination()
        pager.fields, pager.size = ("synced_at", "uuid"), 5000
        ordered = (
            Measurement.objects.filter(team__network=self.network)
            .values_list("uuid", "synced_at")
            .order_by(*pager.fields)
        )
        page, served = list(ordered[: pager.size + 1]), 0
        while True:
            served += min(len(page), pager.size)
            if len(page) <= pager.size:
                return served
            uuid, synced_at = page[pager.size - 1]
            if union:
                page = list(pager._after_union(ordered, [synced_at, uuid]))
            else:
                page = list(ordered.filter(pager._after([synced_at, uuid]))[: pager.size + 1])

    def api_chart_csv(self) -> int:
        """The chart points as CSV, as served (COPY on PostgreSQL, the plain-cursor path on SQLite)."""
        client = Client(HTTP_AUTHORIZATION=f"Bearer {self.raw_token}")
        response = client.get("/api/v1/chart-results/", {"format": "csv"})
        assert response.status_code == 200, response.status_code
        return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1

    def api_chart_csv_python(self) -> int:
        """The same file through the Python path (the reference the fast paths are tested against)."""
        from lkt.api_viewsets import CSVListMixin
        from measures.api.charts import ChartResultViewSet

        fast = ChartResultViewSet.csv_chunks
        ChartResultViewSet.csv_chunks = CSVListMixin.csv_chunks
        try:
            return self.api_chart_csv()
        finally:
            ChartResultViewSet.csv_chunks = fast

    CHART_KEYS = (
        "period", "numerator", "denominator", "y", "cl", "lcl", "ucl", "part", "baseline", "include",
        "runs_signal", "sigma_signal", "n_teams",
    )  # fmt: skip

    def chart_copy_floor(self) -> int:
        """COPY of the same columns: the charts' own columns and each point's values as jsonb gives them."""
        keys = ", ".join(f"e.p ->> '{key}'" for key in self.CHART_KEYS)
        sql = f"""
            SELECT c.uuid, c.scope, n.slug, i.code, t.uuid, t.code, t.name, coalesce(r.name, tr.name),
                c.chart_type, c.variation, c.assurance, {keys}
            FROM measures_chartresult c
            JOIN teams_network n ON n.id = c.network_id
            JOIN measures_indicator i ON i.id = c.indicator_id
            LEFT JOIN teams_team t ON t.id = c.team_id
            LEFT JOIN teams_organisation r ON r.id = c.region_id
            LEFT JOIN teams_organisation tr ON tr.id = t.region_id
            CROSS JOIN LATERAL jsonb_array_elements(c.data -> 'points') WITH ORDINALITY AS e(p, ord)
            WHERE c.network_id = {int(self.network.id)} AND c.computed_at IS NOT NULL
            ORDER BY c.synced_at, c.uuid, e.ord
        """
        return _copy_size(sql)

    def copy_floor(self) -> int:
        sql = self.FLOOR_SQL % int(self.network.id)
        if connection.vendor == "postgresql":
            return _copy_size(sql)
        import csv

        buffer = io.StringIO()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            csv.writer(buffer).writerows(cursor.fetchall())
        return buffer.tell()


def full(n_teams: int, runs: int, regions: list, only: list[str]) -> None:
    from measures.models import ChartResult

    started = time.perf_counter()
    net = Network(n_teams, regions)
    net.recompute()
    series = ChartResult.objects.filter(network=net.network).count()
    # What a Celery worker does at start (lkt/celery.py): the recompute and the engine floors then
    # run, as in the worker, without full collections walking what the process loaded.
    heap_freeze()
    print(
        f"built {n_teams} teams x {INDICATORS} indicators x {MONTHS} months: {net.measurements:,} measurements, "
        f"{series:,} chart series in {time.perf_counter() - started:.1f} s ({connection.vendor}); "
        f"{runs} runs each"
    )

    sections = only or SECTIONS
    for name in sections:
        SECTIONS[name](net, runs, series)


RECOMPUTE_TARGET_RATIO = 1.5  # a full recompute at most this many times the batch engine's time


def section_recompute(net: Network, runs: int, series: int) -> None:
    from measures import spc
    from measures.charts import compute as compute_module

    def recompute() -> None:
        net.mark_all_stale()
        net.vacuum()
        machine, python = _machine_cpu(), time.process_time()
        started = time.perf_counter()
        assert net.recompute() == series
        recompute_times.append(time.perf_counter() - started)
        python_cpu.append(time.process_time() - python)
        if machine is not None:
            others_cpu.append(_machine_cpu() - machine - python_cpu[-1])

    recompute_times: list[float] = []
    python_cpu: list[float] = []
    others_cpu: list[float] = []
    with CaptureQueriesContext(connection) as queries:
        net.mark_all_stale()
        net.recompute()
    rows = net.engine_rows()
    inputs = [i for _row, i in rows]
    # The floors, taking turns with the recompute (which times itself, without marking and vacuuming):
    # the engine (with classification and the stored format) one series at a time, on the same
    # inputs, without the database (the floor the issue set), and the batch entry point the
    # pipeline itself calls.
    _own, engine, batch = timed_alternating(
        runs,
        recompute,
        lambda: [compute_module.chart_compute(i) for i in inputs],
        lambda: compute_module.chart_compute_many(inputs),
    )
    line(
        "full recompute",
        recompute_times,
        engine,
        f"({series} series, {len(queries) / series:.2f} queries/series; floor: chart_compute per series)",
    )
    # The same, against the batch entry point: what reading, hashing and writing add to the
    # engine's own work.
    ratio = statistics.median(recompute_times) / statistics.median(batch)
    line(
        "full recompute",
        recompute_times,
        batch,
        f"(floor: chart_compute_many, the pipeline's engine call; ratio {ratio:.2f}x, "
        f"<= {RECOMPUTE_TARGET_RATIO}x: {met(ratio <= RECOMPUTE_TARGET_RATIO)})",
    )
    if others_cpu:
        # Where the floor is out of reach: the CPU the recompute needs, ours and the database's
        # (the rest of the machine: PostgreSQL's backends, mostly), spread perfectly over every core.
        cores = os.cpu_count() or 1
        cpu = statistics.median(python_cpu) + statistics.median(others_cpu)
        print(
            f"{'  CPU per recompute':<22} Python {statistics.median(python_cpu):.2f} s (median), the rest of the "
            f"machine (PostgreSQL) {statistics.median(others_cpu):.2f} s: on {cores} cores no schedule beats "
            f"{cpu / cores:.2f} s = {cpu / cores / statistics.median(batch):.2f}x the batch engine"
        )

    # What classification and funnels add to a full recompute (target < 5 %).
    results = [
        spc.compute_chart(
            i.engine_chart,
            i.periods,
            i.numerators,
            i.denominators if i.uses_denominator else None,
            multiply=i.multiplier,
        )
        for i in inputs
        if i.periods
    ]
    classified = [(r, i) for r, i in zip(results, [i for i in inputs if i.periods], strict=True)]
    classify = timed(
        lambda: [spc.classify(r, i.direction, i.national_target, rule_set=i.rule_set) for r, i in classified],
        runs,
    )
    # One funnel per p/u indicator over its teams, for the last 3, 6 and 12 months.
    funnel_series: dict[int, list] = {}
    for row, i in rows:
        if i.scope == "team" and i.uses_denominator and i.chart_type in ("p", "u"):
            funnel_series.setdefault(row.indicator_id, []).append(i)

    def funnels() -> None:
        from measures.spc.funnel import funnel_chart

        for members in funnel_series.values():
            model = "proportion" if members[0].chart_type == "p" else "rate"
            for months in (3, 6, 12):
                num = [sum(v for v in m.numerators[-months:] if v is not None) for m in members]
                den = [sum(v for v in m.denominators[-months:] if v is not None) for m in members]
                funnel_chart([f"T{k}" for k in range(len(members))], num, den, model=model)

    funnel = timed(funnels, runs)
    share = (statistics.median(classify) + statistics.median(funnel)) / statistics.median(recompute_times)
    print(
        f"{'classify + funnels':<22} classification {fmt(classify)} | funnels {fmt(funnel)} | "
        f"{100 * share:.1f} % of a full recompute (target < 5 %)"
    )


def _machine_cpu() -> float | None:
    """CPU seconds the whole machine has used (busy, not idle or waiting for I/O); None off Linux."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


# The second, small network of the save section (built once per process).
_SMALL_NETWORK: list[Network] = []


def _save_runs(net: Network, runs: int, with_charts: bool) -> tuple[list[float], int]:
    """Times of `runs` saves of one value through the service, with their chart work (the three
    tasks, eager, in-process) or without it (only the save's own SQL); and the queries of the last."""
    from celery import current_app

    from measures.charts import stale
    from measures.models import Measurement
    from measures.services.entry import measurement_save

    indicator = net.indicators[1]  # a p chart: its region and national charts are pooled sums
    period = month(12)  # a month every network of the bench accepts
    current_app.conf.task_always_eager = True
    after_commit = stale._EnqueueAfterCommit.__call__
    if not with_charts:
        stale._EnqueueAfterCommit.__call__ = lambda self: None
    times, queries = [], 0
    try:
        for run in range(runs):
            stored = Measurement.objects.get(team=net.team, indicator=indicator, period=period)
            numerator = stored.numerator + (1 if run % 2 == 0 else -1)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                measurement_save(
                    team=net.team,
                    indicator=indicator,
                    period=period,
                    numerator=numerator,
                    denominator=stored.denominator,
                    expected_version=stored.version,
                    user=net.member,
                )
                times.append(time.perf_counter() - started)
            queries = len(captured)
    finally:
        stale._EnqueueAfterCommit.__call__ = after_commit
    return times, queries


def section_save(net: Network, runs: int, series: int) -> None:
    import logging

    from measures import charts
    from teams.models import Organisation

    # The eager tasks log every run at INFO.
    for name in ("celery", "kombu"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if not _SMALL_NETWORK:
        regions = list(Organisation.objects.filter(kind="region").order_by("id"))
        _SMALL_NETWORK.append(Network(24, regions))
        charts.chart_results_recompute_stale(network=_SMALL_NETWORK[0].network)
    chart_work = {}
    for world in (_SMALL_NETWORK[0], net):
        floor, floor_queries = _save_runs(world, runs, with_charts=False)
        charts.chart_results_recompute_stale(network=world.network)  # what the floor runs left stale
        cost, cost_queries = _save_runs(world, runs, with_charts=True)
        chart_work[world.n_teams] = statistics.median(cost) - statistics.median(floor)
        line(
            f"save, {world.n_teams} teams",
            cost,
            floor,
            f"(with its chart work: team, region, national; {cost_queries} queries; floor: the save's "
            f"SQL alone, {floor_queries} queries)",
        )
    small, large = chart_work[_SMALL_NETWORK[0].n_teams], chart_work[net.n_teams]
    print(
        f"{'save chart work':<22} {1000 * small:.1f} ms at {_SMALL_NETWORK[0].n_teams} teams, "
        f"{1000 * large:.1f} ms at {net.n_teams} teams: {large / small:.2f}x for "
        f"{net.n_teams / _SMALL_NETWORK[0].n_teams:.1f}x the teams"
    )


def team_dashboard_rows(net: Network) -> None:
    """The team dashboard's floor: the rows it shows, loaded as plainly as possible: the team's
    chart results (with their data), its cells for the completeness strip, its latest five
    annotations and PDSA cycles. (The page draws no national chart; its cards come from the card
    cache once rendered, see measures/views/team_cards.py.)"""
    from measures.models import Annotation, Measurement, PDSACycle

    net.chart_rows(team=net.team)
    list(Measurement.objects.filter(team=net.team).order_by().values_list("indicator_id", "period"))
    list(Annotation.objects.filter(team=net.team).order_by("-date")[:5])
    list(PDSACycle.objects.filter(team=net.team).order_by("-start_date")[:5])


def section_pages(net: Network, runs: int, series: int) -> None:
    lead, member = Client(), Client()
    lead.force_login(net.lead)
    member.force_login(net.member)
    network_url = reverse("measures:network-dashboard", kwargs={"slug": net.network.slug})
    team_url = reverse("measures:team-dashboard", kwargs={"team_uuid": net.team.uuid})
    grid_url = reverse("measures:entry-grid", kwargs={"team_uuid": net.team.uuid})
    network_pages(net, runs, lead, network_url)
    pages = [
        ("team dashboard", member, team_url, lambda: team_dashboard_rows(net)),
        ("entry grid", member, grid_url, net.grid_rows),
    ]
    for label, client, url, floor in pages:
        size = net.get(client, url)  # warm
        queries = net.count_queries(client, url)
        cost, floor_times = timed_alternating(
            runs, lambda client=client, url=url: net.get(client, url), floor
        )
        line(label, cost, floor_times, f"({queries} queries, {size / 1024:,.0f} KiB HTML)")


def network_pages(net: Network, runs: int, lead: Client, network_url: str) -> None:
    """The network dashboard (the first page of teams; its parts cached under the chart rows' stamp)
    and one page of its small multiples, each against loading exactly the rows it draws ("strict":
    without the goal cards' variations of every team chart, only the page's own rows); "cold" is the
    dashboard with the cache switched off (every part computed)."""
    from unittest import mock

    from django.core.cache.backends.dummy import DummyCache

    from measures.models import ChartResult, Measurement
    from measures.selectors import dashboards as dashboard_selectors
    from teams.models import Team

    # the lead sees every team by name: the first page is the first 24 by name
    teams = sorted(
        Team.objects.filter(network=net.network, is_active=True), key=lambda team: team.name.lower()
    )
    page_ids = [team.id for team in teams[: dashboard_selectors.TEAMS_PER_PAGE]]
    periods = dashboard_selectors.completeness_periods(net.network, dashboard_selectors.COMPLETENESS_MONTHS)

    def dashboard_floor() -> None:
        # national charts (whole rows), the goal cards' variations of every team chart, the matrix's
        # summary of the page's team charts and the heat map's reported values of the page's teams
        list(ChartResult.objects.filter(network=net.network, scope="national"))
        list(
            ChartResult.objects.filter(network=net.network, scope="team").values_list(
                "team_id", "indicator_id", "variation"
            )
        )
        list(
            ChartResult.objects.filter(network=net.network, scope="team", team_id__in=page_ids).values_list(
                "assurance", "is_stale", "n_points"
            )
        )
        list(
            Measurement.objects.filter(team_id__in=page_ids, period__in=periods).values_list(
                "team_id", "period", "indicator_id"
            )
        )

    def strict_floor() -> None:
        # the same without the goal cards' read of every team chart: only the page's own rows
        list(ChartResult.objects.filter(network=net.network, scope="national"))
        list(
            ChartResult.objects.filter(network=net.network, scope="team", team_id__in=page_ids).values_list(
                "team_id", "indicator_id", "variation", "assurance", "is_stale", "n_points"
            )
        )
        list(
            Measurement.objects.filter(team_id__in=page_ids, period__in=periods).values_list(
                "team_id", "period", "indicator_id"
            )
        )

    def small_floor() -> None:
        list(ChartResult.objects.filter(scope="team", indicator=net.indicators[0], team_id__in=page_ids))

    small_url = reverse("measures:network-small-multiples", kwargs={"slug": net.network.slug}) + "?side=1"
    for label, url, floor in [
        ("network dashboard", network_url, dashboard_floor),
        ("  the same, vs strict", network_url, strict_floor),
        ("small multiples page", small_url, small_floor),
    ]:
        size = net.get(lead, url)  # warm
        queries = net.count_queries(lead, url)
        cost, floor_times = timed_alternating(runs, lambda url=url: net.get(lead, url), floor)
        line(label, cost, floor_times, f"({queries} queries, {size / 1024:,.0f} KiB HTML)")
    dummy = DummyCache("none", {})
    with (
        mock.patch.object(dashboard_selectors, "cache", dummy),
        mock.patch("measures.views.dashboards.cache", dummy),
    ):
        queries = net.count_queries(lead, network_url)
        cost, floor_times = timed_alternating(runs, lambda: net.get(lead, network_url), dashboard_floor)
    line("  the same, cold", cost, floor_times, f"({queries} queries, no cache)")


CSV_TARGET_RATIO = 1.5  # CSV export at most this many times its floor (COPY of the same columns)
JSON_TARGET_ROWS = 50_000  # JSON paging at page_size 5000: at least this many rows per second


def _copy_size(sql: str) -> int:
    """Bytes of PostgreSQL's `COPY (sql) TO STDOUT` as CSV with a header: the exports' floor."""
    size = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
    ):
        for chunk in copy:
            size += len(chunk)
    return size


def section_api(net: Network, runs: int, series: int) -> None:
    rows = net.api_csv()
    csv_times, copy_times = timed_alternating(runs, net.api_csv, net.copy_floor)
    ratio = statistics.median(csv_times) / statistics.median(copy_times)
    line(
        "API CSV export",
        csv_times,
        copy_times,
        f"({rows:,} rows, {rows / statistics.median(csv_times):,.0f} rows/s; floor: "
        f"{'COPY TO STDOUT' if connection.vendor == 'postgresql' else 'cursor fetch + csv.writer'}; "
        f"<= {CSV_TARGET_RATIO}x: {met(ratio <= CSV_TARGET_RATIO)})",
    )
    points = net.api_chart_csv()
    assert net.api_chart_csv_python() == points
    python_times = timed(net.api_chart_csv_python, runs)
    if connection.vendor == "postgresql":
        chart_times, chart_floor = timed_alternating(runs, net.api_chart_csv, net.chart_copy_floor)
        chart_ratio = statistics.median(chart_times) / statistics.median(chart_floor)
        line(
            "API chart-points CSV",
            chart_times,
            chart_floor,
            f"({points:,} points, {points / statistics.median(chart_times):,.0f} rows/s; floor: COPY TO "
            f"STDOUT of the points' values; <= {CSV_TARGET_RATIO}x: {met(chart_ratio <= CSV_TARGET_RATIO)})",
        )
    else:
        chart_times = timed(net.api_chart_csv, runs)
        print(f"{'API chart-points CSV':<22} {fmt(chart_times)} | ({points:,} points, plain-cursor path)")
    print(
        f"{'  the Python path':<22} {fmt(python_times)} | "
        f"{statistics.median(python_times) / statistics.median(chart_times):.1f}x the served export's time"
    )
    assert net.api_json() == rows
    json_times = timed(net.api_json, runs)
    rate = rows / statistics.median(json_times)
    print(
        f"{'API JSON paging':<22} {fmt(json_times)} | {rate:,.0f} rows/s, "
        f"{statistics.median(json_times) / statistics.median(csv_times):.1f}x the CSV export's time "
        f"(>= {JSON_TARGET_ROWS:,} rows/s: {met(rate >= JSON_TARGET_ROWS)})"
    )
    assert net.api_json_served() == rows
    served_times = timed(net.api_json_served, runs)
    print(
        f"{'  served, not parsed':<22} {fmt(served_times)} | {rows / statistics.median(served_times):,.0f} rows/s "
        f"(the same pages; the client reads only `next`: the server's share of the line above)"
    )
    if connection.features.supports_slicing_ordering_in_compound:
        keyset_forms(net, runs, rows)


def keyset_forms(net: Network, runs: int, rows: int) -> None:
    """The keyset page queries of a walk through the network's measurements (page_size 5000), in
    the two forms lkt.api.KeysetPagination knows: the UNION it uses and the OR-ed prefixes it
    falls back to on SQLite. First as built, then with every row on one synced_at, as renaming the
    network leaves them (measures.sync moves them all in one UPDATE)."""
    from django.db.models.functions import Now

    from measures.models import Measurement

    for state in ("as built", "after a rename"):
        if state == "after a rename":
            Measurement.objects.filter(team__network=net.network).update(synced_at=Now())
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE measures_measurement")
            assert net.api_json_served() == rows  # the API's walk, one synced_at: every row once
            served = timed(net.api_json_served, runs)
            print(
                f"{'  served, renamed':<22} {fmt(served)} | {rows / statistics.median(served):,.0f} rows/s "
                f"(every row on one synced_at)"
            )
        assert net.keyset_walk(union=True) == net.keyset_walk(union=False) == rows
        union, ored = timed_alternating(
            runs, lambda: net.keyset_walk(union=True), lambda: net.keyset_walk(union=False)
        )
        print(
            f"{'  keyset pages':<22} UNION {fmt(union)} | OR-ed prefixes {fmt(ored)} | "
            f"{statistics.median(ored) / statistics.median(union):.1f}x the UNION's time ({state})"
        )


# Each section prints its own figures against its own floor; --only runs a subset.
SECTIONS: dict[str, Callable[[Network, int, int], None]] = {
    "recompute": section_recompute,
    "save": section_save,
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
            net.vacuum()
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
        "--only",
        action="append",
        choices=sorted(SECTIONS),
        default=[],
        help="run only this section (repeatable)",
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
