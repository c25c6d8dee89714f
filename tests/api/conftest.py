from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from teams.services import api_token_create


@pytest.fixture(autouse=True)
def fresh_throttle_buckets():
    # Throttle counters live in the (process-wide) cache; tests must not share them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_token(world):
    """make_token(region=..., write_team=..., expires_at=...) -> raw token for world.network."""

    def make(*, network=None, region=None, write_team=None, expires_at=None, name="BI"):
        _token, raw = api_token_create(
            network=network or world.network,
            name=name,
            region=region,
            write_team=write_team,
            expires_at=expires_at,
            user=world.national_lead,
        )
        return raw

    return make


@pytest.fixture
def token_client():
    """A client that sends `raw` in the Authorization header (never in the URL)."""

    def make(raw: str, keyword: str = "Bearer") -> Client:
        return Client(HTTP_AUTHORIZATION=f"{keyword} {raw}")

    return make


def soon() -> timezone.datetime:
    return timezone.now() + timedelta(days=30)


SAMPLE_CHART_DATA = {
    "engine_version": "1.0.0",
    "chart_type": "run",
    "unit": "DDD pr. 100 sengedage",
    "multiplier": 100,
    "direction": "down",
    "indicator_version": 1,
    "points": [
        {
            "period": "2024-01-01",
            "numerator": 610.0,
            "denominator": 1000.0,
            "y": 61.0,
            "cl": 60.5,
            "lcl": None,
            "ucl": None,
            "lcl_95": None,
            "ucl_95": None,
            "part": 1,
            "baseline": True,
            "include": True,
            "runs_signal": False,
            "sigma_signal": False,
            "n_teams": None,
        },
        {
            "period": "2024-02-01",
            "numerator": None,
            "denominator": None,
            "y": None,
            "cl": 60.5,
            "lcl": None,
            "ucl": None,
            "lcl_95": None,
            "ucl_95": None,
            "part": 1,
            "baseline": True,
            "include": True,
            "runs_signal": False,
            "sigma_signal": False,
            "n_teams": None,
        },
    ],
    "parts": [
        {
            "part": 1,
            "label": "",
            "first_period": "2024-01-01",
            "last_period": "2024-02-01",
            "n_obs": 1,
            "n_useful": 1,
            "longest_run": 1,
            "longest_run_max": 3,
            "n_crossings": 0,
            "n_crossings_min": 0,
            "runs_signal": False,
            "sigma_signal": 0,
            "cl": 60.5,
            "lcl": None,
            "ucl": None,
        },
    ],
    "classification": {"variation": "too_few_points", "assurance": "", "reason": ""},
    "targets": {"national": 45.0, "local": None},
    "baseline_end": None,
    "excluded": [],
    "annotations": [],
}


@pytest.fixture
def rich_world(world):
    """The shared world plus one row of every API resource for team B, the other network and team A."""
    from datetime import date
    from decimal import Decimal

    from measures.models import Annotation, ChartResult, Measurement, PDSACycle
    from seminars.models import Seminar

    w = world
    Measurement.objects.create(
        team=w.team_b,
        indicator=w.indicator,
        period=date(2024, 1, 1),
        numerator=Decimal("500"),
        denominator=Decimal("1000"),
        indicator_version=1,
    )
    doomed_b = Measurement.objects.create(
        team=w.team_b,
        indicator=w.indicator,
        period=date(2024, 2, 1),
        numerator=Decimal("1"),
        denominator=Decimal("10"),
        indicator_version=1,
    )
    doomed_b.delete()
    Measurement.objects.get(team=w.team_a, period=date(2025, 12, 1)).delete()
    for team in (w.team_a, w.team_b, w.other_team):
        Annotation.objects.create(team=team, date=date(2024, 6, 1), text=f"Indsats i {team.code}")
        PDSACycle.objects.create(team=team, title=f"PDSA {team.code}", start_date=date(2024, 5, 1))
    now = timezone.now()
    common = {
        "computed_at": now,
        "is_stale": False,
        "n_points": 1,
        "data": SAMPLE_CHART_DATA,
        "chart_type": "run",
    }
    for team in (w.team_a, w.team_b):
        ChartResult.objects.create(
            scope="team", network=w.network, indicator=w.indicator, team=team, **common
        )
    for region in (w.hovedstaden, w.midtjylland):
        ChartResult.objects.create(
            scope="region", network=w.network, indicator=w.indicator, region=region, **common
        )
    ChartResult.objects.create(scope="national", network=w.network, indicator=w.indicator, **common)
    # One deleted chart per team, for the chart results' deletions feed.
    for team in (w.team_a, w.team_b):
        ChartResult.objects.create(
            scope="team", network=w.network, indicator=w.count_indicator, team=team, **common
        ).delete()
    for network in (w.network, w.other_network):
        Seminar.objects.create(
            network=network,
            kind="learning",
            title=f"Læringsseminar {network.slug}",
            starts_at=now,
            ends_at=now + timedelta(hours=6),
        )
    return w
