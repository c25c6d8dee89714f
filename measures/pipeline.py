"""The chart pipeline: which stored chart results a write makes stale, and how they are recomputed.

Stored format of ChartResult.data: see the README's architecture section.
"""

from django.db import transaction
from django.utils import timezone

from teams.models import Team

from .models import ChartResult, Indicator


@transaction.atomic
def chart_series_mark_stale(*, team: Team, indicator: Indicator) -> None:
    """Mark the team's chart of `indicator` and its region and national aggregates stale.

    Called in the same transaction as the data write, so a chart can never look current after its
    data changed; the chart jobs pick the rows up (see measures.tasks).
    """
    now = timezone.now()
    owners = [
        {"scope": ChartResult.Scope.TEAM, "team": team, "region": None},
        {"scope": ChartResult.Scope.REGION, "team": None, "region": team.region},
        {"scope": ChartResult.Scope.NATIONAL, "team": None, "region": None},
    ]
    for owner in owners:
        updated = ChartResult.objects.filter(indicator=indicator, **owner).update(
            is_stale=True, stale_since=now
        )
        if not updated:
            ChartResult.objects.get_or_create(
                indicator=indicator,
                **owner,
                defaults={
                    "network_id": indicator.network_id,
                    "chart_type": indicator.chart_type,
                    "is_stale": True,
                    "stale_since": now,
                },
            )


def chart_series_changed(*, team: Team, indicator: Indicator) -> None:
    """Every write to a series' inputs calls this inside its transaction: mark stale, recompute after commit."""
    chart_series_mark_stale(team=team, indicator=indicator)
    from .tasks import recompute_series_task

    transaction.on_commit(lambda: recompute_series_task.delay(team.id, indicator.id))
