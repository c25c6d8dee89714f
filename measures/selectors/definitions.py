"""Reads for the expert group's work: goals, indicators and their versions, local targets.

Teams never see drafts: every read here takes `include_drafts`, which views set from
`NetworkAccess.can_see_drafts` (expert group, national project leads, staff).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Min, QuerySet

from teams.models import Network, NetworkMembership, Team

from ..models import (
    Goal,
    Indicator,
    IndicatorVersion,
    LocalTarget,
    Measurement,
    PublicationStatus,
)


def goals_for(*, network: Network, include_drafts: bool) -> QuerySet[Goal]:
    goals = Goal.objects.filter(network=network)
    if not include_drafts:
        goals = goals.filter(status=PublicationStatus.PUBLISHED)
    return goals.order_by("number")


def indicators_for(*, network: Network, include_drafts: bool) -> QuerySet[Indicator]:
    """The network's indicators; without drafts only the published ones (never retired or draft)."""
    indicators = Indicator.objects.filter(network=network).select_related("goal")
    if include_drafts:
        return indicators.select_related("pending_draft")
    return indicators.filter(status=PublicationStatus.PUBLISHED)


def published_indicators(*, network: Network, by_goal: bool = False) -> QuerySet[Indicator]:
    """What teams enter data for and see charts of: the published indicators, in the network's order
    (`by_goal`: grouped by goal number first, with the goal loaded, as the dashboards show them)."""
    indicators = Indicator.objects.filter(network=network, status=PublicationStatus.PUBLISHED)
    if by_goal:
        return indicators.select_related("goal").order_by("goal__number", "order", "code")
    return indicators.order_by("order", "code")


@dataclass(frozen=True)
class VersionUse:
    """How many values of a series were entered under one definition of the indicator."""

    version: int
    count: int
    first_period: date
    last_period: date
    definition: IndicatorVersion | None


def indicator_versions_used(*, indicator: Indicator, team: Team | None = None) -> list[VersionUse]:
    """The definitions the values of a series (one team, or all teams) were entered under, oldest first."""
    measurements = Measurement.objects.filter(indicator=indicator)
    if team is not None:
        measurements = measurements.filter(team=team)
    rows = (
        measurements.values("indicator_version")
        .annotate(n=Count("id"), first=Min("period"), last=Max("period"))
        .order_by("indicator_version")
    )
    definitions = {v.version: v for v in IndicatorVersion.objects.filter(indicator=indicator)}
    return [
        VersionUse(
            version=row["indicator_version"],
            count=row["n"],
            first_period=row["first"],
            last_period=row["last"],
            definition=definitions.get(row["indicator_version"]),
        )
        for row in rows
    ]


def expert_group(*, network: Network) -> list[NetworkMembership]:
    """The expert group's members, chair first, then by role and name."""
    order = [choice for choice, _label in NetworkMembership.ExpertRole.choices]
    members = list(
        NetworkMembership.objects.filter(network=network, role=NetworkMembership.Role.EXPERT).select_related(
            "user", "organisation", "region"
        )
    )
    return sorted(
        members,
        key=lambda m: (
            order.index(m.expert_role) if m.expert_role in order else len(order),
            m.user.get_full_name() or m.user.username,
        ),
    )


def national_leads(*, network: Network) -> QuerySet[NetworkMembership]:
    return NetworkMembership.objects.filter(
        network=network, role=NetworkMembership.Role.NATIONAL_LEAD
    ).select_related("user", "organisation")


def local_targets_for(*, team: Team) -> dict[int, LocalTarget]:
    """The team's local targets by indicator id."""
    return {t.indicator_id: t for t in LocalTarget.objects.filter(team=team).select_related("set_by")}
