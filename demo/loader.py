"""The demo data: three networks, demo logins and 30 months of data, built only by `manage.py load_demo`.

Idempotent: everything is looked up by its natural key (slug, code, username, team + month) and only
what is missing is created, so a second run writes nothing and adds no history rows.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from measures import charts
from measures.models import ChartResult, Indicator
from teams.models import Network, Team

from . import antibiotika, hoftebrud, infections
from . import clusters as gp_clusters
from .common import Summary
from .organisations import organisations_build
from .users import DEMO_LOGINS, DEMO_PASSWORD, Users

# The GP cluster logins are listed after the network logins (demo/clusters.py).
DEMO_LOGINS = [*DEMO_LOGINS, *gp_clusters.CLUSTER_LOGINS]

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "demo_load"]


def demo_load(*, today: date | None = None) -> Summary:
    """Build (or complete) the demo networks; returns what was created."""
    today = today or timezone.localdate()
    summary = Summary()
    with transaction.atomic():
        orgs = organisations_build(summary=summary)
        users = Users(summary=summary)
        users.demo_logins()
        antibiotics, changed = antibiotika.network_build(orgs=orgs, users=users, today=today, summary=summary)
        infection_network, changed_infections = infections.network_build(
            orgs=orgs, users=users, summary=summary
        )
        hoftebrud.network_build(orgs=orgs, users=users, today=today, summary=summary)
        gp_clusters.build(orgs=orgs, users=users, network=antibiotics, today=today, summary=summary)
        networks = [antibiotics, infection_network]
        stale = _series_to_mark_stale(networks, changed | changed_infections)
        teams = Team.objects.in_bulk({team_id for team_id, _ in stale})
        indicators = Indicator.objects.in_bulk({indicator_id for _, indicator_id in stale})
        for team_id, indicator_id in sorted(stale):
            charts.chart_series_mark_stale(team=teams[team_id], indicator=indicators[indicator_id])
        summary.add("diagrammer markeret til beregning", len(stale))
    # Computing the charts now means the dashboards have results at once, not after the first sweep.
    # One transaction: on SQLite every separate commit is a disk sync, which would triple the load time.
    if stale and hasattr(charts, "chart_results_recompute_stale"):
        with transaction.atomic():
            for network in networks:
                charts.chart_results_recompute_stale(network=network)
    return summary


def _series_to_mark_stale(networks: list[Network], changed: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Series with new data, and series with data but no stored chart (e.g. after a failed computation)."""
    from measures.models import Measurement

    with_data = set(
        Measurement.objects.filter(team__network__in=networks)
        .values_list("team_id", "indicator_id")
        .distinct()
    )
    charted = set(
        ChartResult.objects.filter(network__in=networks, scope=ChartResult.Scope.TEAM).values_list(
            "team_id", "indicator_id"
        )
    )
    return changed | (with_data - charted)
