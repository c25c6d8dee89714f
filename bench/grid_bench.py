"""Benchmark of the data entry grid: 36 months x 10 indicators of one team.

    .venv/bin/python bench/grid_bench.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridbench .venv/bin/python bench/grid_bench.py

Prints, as medians of REPEATS requests through the whole Django stack (middleware, session, auth):
- the page's size, and its size with every folded year fetched as well (all 36 months);
- the page's server time against the time to load its rows (the three reads the page is made of:
  published indicators, the team's stored values, its completed months), and the ratio (target:
  within 3x);
- the time of one cell's save against the SQL time of that save (every query it runs, timed at
  the database cursor), and the ratio (target: within 3x).
Floors are measured in the same run, so the ratios hold on any machine.
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

REPEATS = 15
INDICATORS = 10
MONTHS = 36


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def build():
    from django.contrib.auth import get_user_model

    from measures.models import Indicator, Measurement, PublicationStatus
    from teams.models import Network, Organisation, Team, TeamMembership

    this_month = timezone.localdate().replace(day=1)
    first = add_months(this_month, -(MONTHS - 1))
    region = Organisation.objects.create(name="Region Bench", kind="region", sector="region")
    network = Network.objects.create(
        slug="grid-bench",
        name="LKT Grid",
        topic="Bench",
        status="active",
        lead_region=region,
        start_date=first,
        end_date=add_months(this_month, 12),
        baseline_months=0,
    )
    indicators = [
        Indicator.objects.create(
            network=network,
            code=f"indikator-{i}",
            name=f"Andel patienter med en lidt længere indikatortekst {i}",
            numerator_definition="x",
            denominator_definition="y" if i % 3 else "",
            multiplier=Decimal(100),
            status=PublicationStatus.PUBLISHED,
            version=1,
            order=i,
            first_due_month=first,
        )
        for i in range(INDICATORS)
    ]
    team = Team.objects.create(network=network, code="t", name="Medicinsk afdeling, Bench", region=region)
    user = get_user_model().objects.create_user(username="bench-entry")
    TeamMembership.objects.create(team=team, user=user, role="data_entry")
    Measurement.objects.bulk_create(
        Measurement(
            team=team,
            indicator=indicator,
            period=add_months(first, m),
            numerator=Decimal(120 + (m * 7 + i) % 40) + Decimal("0.5"),
            denominator=Decimal(400 + m) if indicator.denominator_definition else None,
            comment="Ombygning af afsnittet" if (m + i) % 17 == 0 else "",
            indicator_version=1,
            version=1,
        )
        for indicator_index, indicator in enumerate(indicators)
        for i in [indicator_index]
        for m in range(MONTHS)
    )
    return team, indicators, user


class Timer:
    """Sums the time spent in the database cursor (every query of a request)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    from measures.models import Measurement, MonthCompletion
    from measures.selectors.definitions import published_indicators
    from measures.selectors.entry import GRID_FIELDS

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        team, indicators, user = build()
        client = Client()
        client.force_login(user)
        url = reverse("measures:entry-grid", kwargs={"team_uuid": team.uuid})
        response = client.get(url)
        assert response.status_code == 200
        page = response.content
        folded = sorted({p.year for p in Measurement.objects.filter(team=team).dates("period", "month")})
        extra = sum(len(client.get(url, {"aar": str(year)}).content) for year in folded)
        shown = page.count(b'<tr id="m-')

        page_times, row_times = [], []
        for _ in range(REPEATS):
            start = time.perf_counter()
            client.get(url)
            page_times.append(time.perf_counter() - start)
            # The floor: reading the page's rows exactly as the page reads them (the same three
            # queries, unordered, into the same objects): the published indicators it shows, the
            # team's stored values and its completed months. No access check, no rendering.
            start = time.perf_counter()
            shown_indicators = list(published_indicators(network=team.network))
            list(
                Measurement.objects.filter(team_id=team.id, indicator_id__in=[i.id for i in shown_indicators])
                .order_by()
                .only(*GRID_FIELDS)
            )
            list(MonthCompletion.objects.filter(team_id=team.id).order_by().values_list("period", flat=True))
            row_times.append(time.perf_counter() - start)

        save_url = reverse("measures:entry-save", kwargs={"team_uuid": team.uuid})
        indicator = indicators[1]
        period = add_months(timezone.localdate().replace(day=1), -2)
        save_times, sql_times, save_queries = [], [], 0
        for n in range(REPEATS):
            version = Measurement.objects.get(team=team, indicator=indicator, period=period).version
            timer = Timer()
            start = time.perf_counter()
            with connection.execute_wrapper(timer):
                response = client.post(
                    save_url,
                    {
                        "indicator": str(indicator.uuid),
                        "period": f"{period:%Y-%m}",
                        "numerator": f"{130 + n % 5},5",
                        "denominator": "410",
                        "comment": "",
                        "expected_version": str(version),
                    },
                    HTTP_ACCEPT="application/json",
                )
            save_times.append(time.perf_counter() - start)
            sql_times.append(timer.seconds)
            save_queries = timer.queries
            assert response.status_code == 200, response.content

        page_ms, rows_ms = median_ms(page_times), median_ms(row_times)
        save_ms, sql_ms = median_ms(save_times), median_ms(sql_times)
        print(
            f"database: {connection.vendor}; {MONTHS} months x {INDICATORS} indicators, median of {REPEATS}"
        )
        print(
            f"page size: {len(page) / 1024:.1f} KB ({shown} months shown, {len(folded) - 1} older years folded); "
            f"with every year unfolded: {(len(page) + extra) / 1024:.1f} KB (target < 150 KB)"
        )
        print(
            f"page server time {page_ms:.1f} ms / time to load its rows {rows_ms:.1f} ms = "
            f"{page_ms / rows_ms:.1f}x (target <= 3x)"
        )
        print(
            f"save time {save_ms:.1f} ms / its SQL time {sql_ms:.1f} ms ({save_queries} queries) = "
            f"{save_ms / sql_ms:.1f}x (target <= 3x)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
