"""Benchmark of the dashboards: server time and SQL queries for 10, 30, 60 and 120 teams.

    .venv/bin/python bench/dashboard_bench.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dashbench .venv/bin/python bench/dashboard_bench.py

Each network has 10 published indicators and a stored 30-month chart result per team and
indicator plus the national ones (what the pipeline leaves behind); the request only reads them.
Prints the median of 5 requests of the network dashboard (as a national project lead and as a team
member who sees anonymised peers), of the team dashboard and of the network report, and the cost
of one figure as a plain dict against a plotly.graph_objects.Figure.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

REPEATS = 5
INDICATORS = 10
MONTHS = 30


def build(n_teams: int, suffix: str):
    from django.contrib.auth import get_user_model

    from bench.stored_charts import network_with_stored_charts
    from teams.models import TeamMembership

    built = network_with_stored_charts(
        slug=f"bench-{suffix}",
        name=f"LKT Bench {suffix}",
        n_teams=n_teams,
        n_indicators=INDICATORS,
        months=MONTHS,
        phases=True,
    )
    member = get_user_model().objects.create_user(username=f"member-{suffix}")
    TeamMembership.objects.create(team=built.teams[0], user=member, role="team_lead")
    return built.network, built.teams[0], built.lead, member


def measure(client: Client, url: str) -> tuple[float, int]:
    times = []
    queries = 0
    for _ in range(REPEATS):
        reset_queries()
        with CaptureQueriesContext(connection) as context:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = len(context.captured_queries)
    return statistics.median(times) * 1000, queries


def figure_cost() -> None:
    import plotly.graph_objects as go

    from measures.charts.figures import build_figure
    from tests.measures.chart_factory import chart_data

    data = chart_data(
        [50 + (m % 7) for m in range(MONTHS)],
        chart_type="p",
        limits=8.0,
        phase_at=15,
        targets={"national": 45.0, "local": 48.0},
    )
    n = 300
    start = time.perf_counter()
    for _ in range(n):
        figure = build_figure(data)
    as_dict = (time.perf_counter() - start) / n * 1000
    start = time.perf_counter()
    for _ in range(20):
        go.Figure(figure)
    as_object = (time.perf_counter() - start) / 20 * 1000
    print(
        f"one figure ({MONTHS} months, p chart, 2 phases): dict {as_dict:.3f} ms, "
        f"plotly.graph_objects.Figure of that dict {as_object:.2f} ms"
    )


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        print(f"database: {connection.vendor}; {INDICATORS} indicators, {MONTHS} months, median of {REPEATS}")
        print(f"{'teams':>6} {'network (lead)':>18} {'network (member)':>18} {'team':>14} {'report':>14}")
        for n_teams in (10, 30, 60, 120):
            network, team, lead, member = build(n_teams, str(n_teams))
            as_lead, as_member = Client(), Client()
            as_lead.force_login(lead)
            as_member.force_login(member)
            network_url = reverse("measures:network-dashboard", kwargs={"slug": network.slug})
            results = [
                measure(as_lead, network_url),
                measure(as_member, network_url),
                measure(as_member, reverse("measures:team-dashboard", kwargs={"team_uuid": team.uuid})),
                measure(as_lead, reverse("measures:network-report", kwargs={"slug": network.slug})),
            ]
            cells = " ".join(f"{ms:>8.1f} ms {q:>3}q" for ms, q in results)
            print(f"{n_teams:>6} {cells}")
        figure_cost()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
