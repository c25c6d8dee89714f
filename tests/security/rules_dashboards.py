"""Permission-matrix rules for the dashboards and seminar reports."""

from .matrix import (
    NETWORK_MEMBERS_READ,
    TEAM_READ,
    Rule,
    network,
    read_only,
    team_a,
)

DASHBOARD_RULES: dict[str, Rule | list[Rule]] = {
    "measures:indicator-dashboard": read_only(
        lambda w: {"team_uuid": w.team_a.uuid, "indicator_uuid": w.indicator.uuid}, TEAM_READ
    ),
    "measures:team-report": read_only(team_a, TEAM_READ),
    "measures:goal-dashboard": read_only(
        lambda w: {"slug": w.network.slug, "goal_uuid": w.goal.uuid}, NETWORK_MEMBERS_READ
    ),
    "measures:network-report": read_only(network, NETWORK_MEMBERS_READ),
}
