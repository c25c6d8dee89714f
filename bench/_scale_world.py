"""The benchmark world shared by scale_bench.py and pipeline_bench.py: a network of N teams x 10
indicators x 36 months built with bulk inserts (not the services: the build is not what is
measured), the five regions, and the timing and printing helpers (min and median of runs, the ratio
of medians to a floor measured in the same run).

Import it after django.setup(): model imports are inside the functions.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

INDICATORS = 10
MONTHS = 36
REGIONS = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")
# (chart type, has denominator, multiplier): the mix a typical LKT has
CHART_MIX = [("run", True, 100), ("p", True, 100), ("u", True, 1000), ("i", False, 1), ("c", False, 1)]


def month(i: int) -> date:
    return date(2023 + i // 12, i % 12 + 1, 1)


def met(ok: bool) -> str:
    """How a benchmark line says whether its target was met."""
    return "target met" if ok else "TARGET NOT MET"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def timed_alternating(runs: int, *fns: Callable[[], object]) -> list[list[float]]:
    """The times of each of `fns` over `runs` rounds, taking turns within a round (and in reverse
    order every other round): a cost and its floor see the same drift of this shared 2-core machine,
    whose speed changes over seconds with other tenants' load. Timed in separate blocks, one of them
    could fall into a slow spell and the other not (the chart-points floor alone took 262-606 ms
    across runs of one day). Alternating does not make a ratio smaller, only its two sides comparable:
    the chart-points export still came out at 1.4-1.7x its floor in alternating runs."""
    times: list[list[float]] = [[] for _ in fns]
    for round_ in range(runs):
        order = range(len(fns)) if round_ % 2 == 0 else range(len(fns) - 1, -1, -1)
        for k in order:
            started = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - started)
    return times


def fmt(seconds: list[float]) -> str:
    return f"min {1000 * min(seconds):8.1f} ms  median {1000 * statistics.median(seconds):8.1f} ms"


def line(label: str, cost: list[float], floor: list[float], extra: str = "") -> None:
    ratio = statistics.median(cost) / statistics.median(floor)
    print(f"{label:<22} {fmt(cost)} | floor {fmt(floor)} | ratio {ratio:5.1f}x {extra}")


def make_regions() -> list:
    from teams.models import Organisation

    regions = []
    for name in REGIONS:
        region = Organisation.objects.create(name=f"Region {name}", kind="region", sector="region")
        region.region = region
        region.save()
        regions.append(region)
    return regions


def build_world(
    n_teams: int, regions: list, *, slug: str, name: str, team_name: str = "Afdeling {i}, Hospital Æ"
):
    """(network, indicators, teams, measurement count): N teams spread over the regions, each with
    10 published indicators x 36 months of values, a month missing now and then (seeded)."""
    from django.db import connection
    from django.utils import timezone

    from measures.models import Goal, Indicator, Measurement, PublicationStatus
    from teams.models import Network, Team

    network = Network.objects.create(
        slug=slug,
        name=name,
        topic="Benchmark",
        status=Network.Status.ACTIVE,
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
        Team(network=network, code=f"t{i}", name=team_name.format(i=i), region=regions[i % len(regions)])
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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    count = Measurement.objects.filter(team__network=network).count()
    return network, indicators, teams, count
