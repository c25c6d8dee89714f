"""Permission-matrix rules for the dashboards and seminar reports."""

from .matrix import (
    NETWORK_MEMBERS_READ,
    NOT_ALLOWED,
    TEAM_READ,
    Rule,
    expect,
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
    # The network dashboard's small multiples, a page of teams at a time (require_GET: a POST is 405).
    "measures:network-small-multiples": [
        Rule(kwargs=network, expected=NETWORK_MEMBERS_READ, query="?side=1"),
        Rule(kwargs=network, method="post", expected=expect(NOT_ALLOWED)),
    ],
}
