"""Permission-matrix rules for the dashboards and seminar reports."""

from .matrix import NETWORK_MEMBERS_READ, TEAM_READ, Rule, network, team_a

DASHBOARD_RULES: dict[str, Rule] = {
    "measures:indicator-dashboard": Rule(
        kwargs=lambda w: {"team_uuid": w.team_a.uuid, "indicator_uuid": w.indicator.uuid}, expected=TEAM_READ
    ),
    "measures:team-report": Rule(kwargs=team_a, expected=TEAM_READ),
    "measures:goal-dashboard": Rule(
        kwargs=lambda w: {"slug": w.network.slug, "goal_uuid": w.goal.uuid}, expected=NETWORK_MEMBERS_READ
    ),
    "measures:network-report": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
}
