"""A network as the chart pipeline leaves it, for the benches that only read stored charts
(dashboard_bench, report_bench): published indicators, a stored chart result per team and indicator
and the national ones, and a national project lead. Built directly, without running the pipeline.

Import after django.setup() (the benches set it up first).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass
class StoredChartsNetwork:
    network: object
    indicators: list
    teams: list
    lead: object


def network_with_stored_charts(
    *,
    slug: str,
    name: str,
    n_teams: int,
    n_indicators: int,
    months: int,
    team_name: str = "Team {i}",
    phases: bool = False,
    counts: bool = False,
) -> StoredChartsNetwork:
    """Odd indicators are p charts with limits, even ones run charts. Every third team improves
    (a downward shift after month 15); with `phases`, every fourth team has a phase break at month 15;
    with `counts`, the points carry numerators and denominators (for funnels)."""
    from django.contrib.auth import get_user_model

    from measures.models import Goal, Indicator, PublicationStatus
    from teams.models import Network, NetworkMembership, Organisation, Team
    from tests.measures.chart_factory import chart_data, store_result

    region, _ = Organisation.objects.get_or_create(name="Region Bench", kind="region", sector="region")
    network = Network.objects.create(
        slug=slug, name=name, topic="Bench", status="active", lead_region=region, start_date=date(2024, 1, 1)
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
        for i in range(n_indicators)
    ]
    teams = Team.objects.bulk_create(
        Team(network=network, code=f"t{i}", name=team_name.format(i=i), region=region) for i in range(n_teams)
    )
    for t, team in enumerate(teams):
        for i, indicator in enumerate(indicators):
            values = [
                50 + ((m * 7 + t + i) % 11) - (6 if m > 15 and t % 3 == 0 else 0) for m in range(months)
            ]
            data = chart_data(
                values,
                chart_type=indicator.chart_type,
                limits=8.0 if i % 2 else None,
                phase_at=15 if phases and t % 4 == 0 else None,
                variation="improvement" if t % 3 == 0 else "common_cause",
                targets={"national": 45.0},
            )
            if counts:
                for point in data["points"]:
                    if point.get("y") is not None:
                        point["denominator"] = float(80 + 10 * (t % 7))
                        point["numerator"] = round(point["y"] / 100 * point["denominator"], 1)
            store_result(indicator=indicator, team=team, data=data)
    for indicator in indicators:
        store_result(
            indicator=indicator, data=chart_data([50.0] * months, n_teams=n_teams, targets={"national": 45.0})
        )
    lead = get_user_model().objects.create_user(username=f"lead-{slug}")
    NetworkMembership.objects.create(network=network, user=lead, role="national_lead")
    return StoredChartsNetwork(network=network, indicators=indicators, teams=teams, lead=lead)
