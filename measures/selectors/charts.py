"""Reads of the stored chart results for dashboards (see measures.charts for how they are written)."""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from teams.models import Network

from ..models import ChartResult


def network_indicator_summary(network: Network) -> dict[int, Counter]:
    """How many teams show each variation, per indicator: {indicator_id: Counter({variation: teams})}.

    One query over the stored team charts. Keys are ChartResult.Variation values (improvement,
    concern, common_cause, neither, too_few_points); a chart not computed yet counts as "pending"
    and one the engine refused as "error", so the counts always add up to the number of teams
    with a chart row. Stale charts count with their last computed variation.
    """
    rows = (
        ChartResult.objects.filter(network=network, scope=ChartResult.Scope.TEAM)
        .values_list("indicator_id", "variation")
        .annotate(
            teams=Count("id"),
            pending=Count("id", filter=Q(computed_at__isnull=True)),
            errors=Count("id", filter=Q(computed_at__isnull=False) & ~Q(error="")),
        )
        .order_by()
    )
    summary: dict[int, Counter] = defaultdict(Counter)
    for indicator_id, variation, teams, pending, errors in rows:
        counts = summary[indicator_id]
        counts["pending"] += pending
        counts["error"] += errors
        counts[variation or ChartResult.Variation.TOO_FEW.value] += teams - pending - errors
    for counts in summary.values():
        # Counter keeps zero entries; drop them so callers see only what occurs.
        for key in [k for k, v in counts.items() if v == 0]:
            del counts[key]
    return dict(summary)
