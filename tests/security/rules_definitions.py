"""Permission-matrix rules for the expert group's URLs (goals, indicators, driver diagrams, PDSA, local targets).

Destructive POST-only views (delete, retire) are checked with GET (405 for everyone logged in):
a permitted POST would remove the object before the next role's turn. Their permissions are
tested per role in tests/measures/test_definitions_views.py, test_driver_diagrams.py and test_pdsa.py.
"""

from datetime import date

from measures.models import DriverDiagram, DriverNode, PDSACycle
from measures.services.improvement import (
    driver_diagram_copy_for_team,
    driver_diagram_template_create,
    pdsa_cycle_create,
)
from tests.base import World

from .matrix import (
    NETWORK_CONTENT_WRITE,
    NETWORK_MEMBERS_READ,
    NOT_ALLOWED,
    REDIRECT,
    TEAM_LEAD_WRITE,
    TEAM_READ,
    TEAM_WRITE,
    Rule,
    expect,
    network,
    team_a,
)


def goal(w: World) -> dict:
    return {"slug": w.network.slug, "goal_uuid": w.goal.uuid}


def indicator(w: World) -> dict:
    return {"slug": w.network.slug, "indicator_uuid": w.indicator.uuid}


def team_indicator(w: World) -> dict:
    return {"team_uuid": w.team_a.uuid, "indicator_uuid": w.indicator.uuid}


def _template(w: World) -> DriverDiagram:
    existing = DriverDiagram.objects.filter(network=w.network, team__isnull=True).first()
    return existing or driver_diagram_template_create(network=w.network, user=w.expert, aim_text="Mål")


def _team_copy(w: World) -> DriverDiagram:
    _template(w)
    existing = DriverDiagram.objects.filter(team=w.team_a).first()
    return existing or driver_diagram_copy_for_team(team=w.team_a, user=w.team_lead)


def team_a_with_template(w: World) -> dict:
    _template(w)
    return team_a(w)


def network_with_template(w: World) -> dict:
    _template(w)
    return network(w)


def team_a_with_copy(w: World) -> dict:
    _team_copy(w)
    return team_a(w)


def team_diagram(w: World) -> dict:
    return {"diagram_uuid": _team_copy(w).uuid}


def team_node(w: World) -> dict:
    return {"node_uuid": DriverNode.objects.get(diagram=_team_copy(w), kind="aim").uuid}


def pdsa(w: World) -> dict:
    cycle = PDSACycle.objects.filter(team=w.team_a).first() or pdsa_cycle_create(
        team=w.team_a, user=w.data_entry, title="Matrix", start_date=date(2025, 1, 1)
    )
    return {"cycle_uuid": cycle.uuid}


CONTENT_POST = {**NETWORK_CONTENT_WRITE, "expert": REDIRECT, "national_lead": REDIRECT, "staff": REDIRECT}
TEAM_POST = {**TEAM_WRITE, "data_entry": REDIRECT, "team_lead": REDIRECT, "staff": REDIRECT}
POST_ONLY = expect(NOT_ALLOWED)

EXPERT_RULES: dict[str, Rule] = {
    "measures:goal-list": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "measures:goal-create": Rule(kwargs=network, expected=NETWORK_CONTENT_WRITE),
    "measures:goal-edit": Rule(kwargs=goal, expected=NETWORK_CONTENT_WRITE),
    "measures:goal-publish": Rule(kwargs=goal, method="post", expected=CONTENT_POST),
    "measures:indicator-list": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "measures:indicator-create": Rule(kwargs=network, expected=NETWORK_CONTENT_WRITE),
    "measures:indicator-detail": Rule(kwargs=indicator, expected=NETWORK_MEMBERS_READ),
    "measures:indicator-edit": Rule(kwargs=indicator, expected=NETWORK_CONTENT_WRITE),
    "measures:indicator-publish": Rule(kwargs=indicator, expected=NETWORK_CONTENT_WRITE),
    # Published, without a pending draft: a permitted POST is refused with a message (302).
    "measures:indicator-draft-discard": Rule(kwargs=indicator, method="post", expected=CONTENT_POST),
    "measures:indicator-delete": Rule(kwargs=indicator, method="post", expected=CONTENT_POST),
    "measures:indicator-retire": Rule(kwargs=indicator, expected=POST_ONLY),
    "measures:project-description": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "measures:driver-diagram-template": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "measures:driver-diagram-template-create": Rule(kwargs=network, expected=NETWORK_CONTENT_WRITE),
    "measures:driver-diagram-template-edit": Rule(
        kwargs=network_with_template, expected=NETWORK_CONTENT_WRITE
    ),
    "measures:driver-diagram-team": Rule(kwargs=team_a, expected=TEAM_READ),
    # The first permitted role copies, the next ones are told the copy exists: 302 for all of them.
    "measures:driver-diagram-team-copy": Rule(kwargs=team_a_with_template, method="post", expected=TEAM_POST),
    "measures:driver-diagram-team-edit": Rule(kwargs=team_a_with_copy, expected=TEAM_WRITE),
    "measures:driver-diagram-team-history": Rule(kwargs=team_a_with_copy, expected=TEAM_READ),
    "measures:driver-node-create": Rule(kwargs=team_diagram, expected=TEAM_WRITE),
    "measures:driver-node-edit": Rule(kwargs=team_node, expected=TEAM_WRITE),
    "measures:driver-node-move": Rule(
        kwargs=team_node, method="post", data=lambda w: {"direction": "up"}, expected=TEAM_POST
    ),
    "measures:driver-node-delete": Rule(kwargs=team_node, expected=POST_ONLY),
    "measures:pdsa-list": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "measures:pdsa-team-list": Rule(kwargs=team_a, expected=TEAM_READ),
    "measures:pdsa-create": Rule(kwargs=team_a, expected=TEAM_WRITE),
    "measures:pdsa-detail": Rule(kwargs=pdsa, expected=TEAM_READ),
    "measures:pdsa-edit": Rule(kwargs=pdsa, expected=TEAM_WRITE),
    "measures:pdsa-delete": Rule(kwargs=pdsa, expected=POST_ONLY),
    "measures:pdsa-share": Rule(kwargs=pdsa, expected=POST_ONLY),
    "measures:idea-bank": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "measures:local-targets": Rule(kwargs=team_a, expected=TEAM_READ),
    "measures:local-target-edit": Rule(kwargs=team_indicator, expected=TEAM_LEAD_WRITE),
}
