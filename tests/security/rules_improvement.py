"""Permission-matrix rules for the improvement work: project description, driver diagrams, PDSA cycles."""

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
    TEAM_READ,
    TEAM_WRITE,
    Rule,
    expect,
    get_and_post,
    network,
    read_only,
    team_a,
)


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


def fresh_team_node(w: World) -> dict:
    """A new change idea under the team copy's aim: a permitted delete really deletes it (302)."""
    diagram = _team_copy(w)
    aim = DriverNode.objects.get(diagram=diagram, kind="aim")
    primary = DriverNode.objects.create(diagram=diagram, parent=aim, kind="primary", text="Matrix", order=99)
    return {"node_uuid": primary.uuid}


def fresh_pdsa(w: World) -> dict:
    cycle = pdsa_cycle_create(team=w.team_a, user=w.data_entry, title="Slettes", start_date=date(2025, 2, 1))
    return {"cycle_uuid": cycle.uuid}


TEAM_POST = {**TEAM_WRITE, "data_entry": REDIRECT, "team_lead": REDIRECT, "staff": REDIRECT}
POST_ONLY = expect(NOT_ALLOWED)

IMPROVEMENT_RULES: dict[str, Rule | list[Rule]] = {
    "measures:project-description": read_only(network, NETWORK_MEMBERS_READ),
    "measures:driver-diagram-template": read_only(network, NETWORK_MEMBERS_READ),
    "measures:driver-diagram-template-create": get_and_post(network, NETWORK_CONTENT_WRITE),
    "measures:driver-diagram-template-edit": get_and_post(network_with_template, NETWORK_CONTENT_WRITE),
    "measures:driver-diagram-team": read_only(team_a, TEAM_READ),
    # The first permitted role copies, the next ones are told the copy exists: 302 for all of them.
    "measures:driver-diagram-team-copy": Rule(kwargs=team_a_with_template, method="post", expected=TEAM_POST),
    "measures:driver-diagram-team-edit": get_and_post(team_a_with_copy, TEAM_WRITE),
    "measures:driver-diagram-team-history": read_only(team_a_with_copy, TEAM_READ),
    "measures:driver-node-create": get_and_post(team_diagram, TEAM_WRITE),
    "measures:driver-node-edit": get_and_post(team_node, TEAM_WRITE),
    "measures:driver-node-move": Rule(
        kwargs=team_node, method="post", data=lambda w: {"direction": "up"}, expected=TEAM_POST
    ),
    "measures:driver-node-delete": [
        Rule(kwargs=team_node, expected=POST_ONLY),
        Rule(kwargs=fresh_team_node, method="post", per_role=True, expected=TEAM_POST),
    ],
    "measures:pdsa-list": read_only(network, NETWORK_MEMBERS_READ),
    "measures:pdsa-team-list": read_only(team_a, TEAM_READ),
    "measures:pdsa-create": get_and_post(team_a, TEAM_WRITE),
    "measures:pdsa-detail": read_only(pdsa, TEAM_READ),
    "measures:pdsa-edit": get_and_post(pdsa, TEAM_WRITE),
    "measures:pdsa-delete": [
        Rule(kwargs=pdsa, expected=POST_ONLY),
        Rule(kwargs=fresh_pdsa, method="post", per_role=True, expected=TEAM_POST),
    ],
    "measures:pdsa-share": [
        Rule(kwargs=pdsa, expected=POST_ONLY),
        Rule(kwargs=fresh_pdsa, method="post", per_role=True, expected=TEAM_POST),
    ],
    "measures:idea-bank": read_only(network, NETWORK_MEMBERS_READ),
}
