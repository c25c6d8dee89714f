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
from datetime import date
from decimal import Decimal
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

    from measures.models import Goal, Indicator, PublicationStatus
    from teams.models import Network, NetworkMembership, Organisation, Team, TeamMembership
    from tests.measures.chart_factory import chart_data, store_result

    user_model = get_user_model()
    region, _ = Organisation.objects.get_or_create(name="Region Bench", kind="region", sector="region")
    network = Network.objects.create(
        slug=f"bench-{suffix}",
        name=f"LKT Bench {suffix}",
        topic="Bench",
        status="active",
        lead_region=region,
        start_date=date(2024, 1, 1),
    )
    goal = Goal.objects.create(network=network, number=1, title="Mål", status=PublicationStatus.PUBLISHED)
    indicators = [
        Indicator.objects.create(
            network=network,
            goal=goal,
            code=f"i{i}",
            name=f"Indikator {i}",
            numerator_definition="x",
            denominator_definition="y",
            multiplier=Decimal(100),
            chart_type="p" if i % 2 else "run",
            status=PublicationStatus.PUBLISHED,
            version=1,
            order=i,
        )
        for i in range(INDICATORS)
    ]
    teams = Team.objects.bulk_create(
        Team(network=network, code=f"t{i}", name=f"Team {i}", region=region) for i in range(n_teams)
    )
    for t, team in enumerate(teams):
        for i, indicator in enumerate(indicators):
            values = [
                50 + ((m * 7 + t + i) % 11) - (6 if m > 15 and t % 3 == 0 else 0) for m in range(MONTHS)
            ]
            store_result(
                indicator=indicator,
                team=team,
                data=chart_data(
                    values,
                    chart_type=indicator.chart_type,
                    limits=8.0 if i % 2 else None,
                    phase_at=15 if t % 4 == 0 else None,
                    variation="improvement" if t % 3 == 0 else "common_cause",
                    targets={"national": 45.0},
                ),
            )
    for indicator in indicators:
        store_result(
            indicator=indicator, data=chart_data([50.0] * MONTHS, n_teams=n_teams, targets={"national": 45.0})
        )
    lead = user_model.objects.create_user(username=f"lead-{suffix}")
    NetworkMembership.objects.create(network=network, user=lead, role="national_lead")
    member = user_model.objects.create_user(username=f"member-{suffix}")
    TeamMembership.objects.create(team=teams[0], user=member, role="team_lead")
    return network, teams[0], lead, member


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
