"""Reports are made from stored chart results: the world gets team B's data and computed charts."""

from decimal import Decimal

import pytest
from django.test import override_settings

from measures.charts import chart_results_recompute_stale
from measures.models import ChartResult, Measurement
from seminars.models import Seminar


@pytest.fixture
def report_world(world, tmp_path):
    levels = [40, 42, 41, 39, 43, 40, 44, 41, 42, 40, 39, 41, 40, 42, 38, 41, 43, 40, 39, 42, 41, 40, 42, 39]
    Measurement.objects.bulk_create(
        Measurement(
            team=world.team_b,
            indicator=world.indicator,
            period=period,
            numerator=Decimal(level * 10),
            denominator=Decimal("1000"),
            indicator_version=1,
            entered_by=world.other_team_member,
        )
        for period, level in zip(world.months, levels, strict=True)
    )
    chart_results_recompute_stale(network=world.network)
    world.seminar = Seminar.objects.create(
        network=world.network,
        kind=Seminar.Kind.LEARNING,
        number=2,
        title="Læringsseminar 2",
        starts_at="2026-03-10T09:00:00+01:00",
        ends_at="2026-03-10T16:00:00+01:00",
    )
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield world


@pytest.fixture
def funnel_world(report_world):
    """Both teams report the p indicator for the last twelve months: a funnel for the latest six."""
    from datetime import date

    from django.utils import timezone

    from measures.months import months_back
    from measures.selectors.dashboards import last_reporting_month

    world = report_world
    last = last_reporting_month(timezone.localdate())
    periods = [p for p in months_back(last, 12) if p >= date(2024, 1, 1)]
    rows = []
    for team, (numerator, denominator) in ((world.team_a, (70, 100)), (world.team_b, (150, 300))):
        for i, period in enumerate(periods):
            rows.append(
                Measurement(
                    team=team,
                    indicator=world.count_indicator,
                    period=period,
                    numerator=Decimal(numerator + i % 3),
                    denominator=Decimal(denominator),
                    indicator_version=1,
                )
            )
    Measurement.objects.bulk_create(rows)
    # bulk_create bypasses the save service, so the charts are marked stale here.
    ChartResult.objects.filter(indicator=world.count_indicator).update(is_stale=True)
    chart_results_recompute_stale(network=world.network)
    world.funnel_periods = months_back(last, 6)
    return world
