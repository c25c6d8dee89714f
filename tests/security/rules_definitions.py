"""Permission-matrix rules for the expert group's URLs (goals, indicators) and local targets.

Destructive POST-only views (delete, retire) are checked with GET (405 for everyone logged in):
a permitted POST would remove the object before the next role's turn. Their permissions are
tested per role in tests/measures/test_definitions_views.py, test_driver_diagrams.py and test_pdsa.py.
"""

from measures.models import Indicator
from tests.base import World, publish

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
    get_and_post,
    network,
    read_only,
    team_a,
)


def goal(w: World) -> dict:
    return {"slug": w.network.slug, "goal_uuid": w.goal.uuid}


def indicator(w: World) -> dict:
    return {"slug": w.network.slug, "indicator_uuid": w.indicator.uuid}


def team_indicator(w: World) -> dict:
    return {"team_uuid": w.team_a.uuid, "indicator_uuid": w.indicator.uuid}


def fresh_indicator(w: World) -> dict:
    """A newly published indicator: a permitted retire really retires it (302)."""
    number = Indicator.objects.filter(network=w.network).count() + 1
    fresh = publish(
        Indicator.objects.create(
            network=w.network,
            goal=w.goal,
            code=f"matrix-{number}",
            name=f"Matrixindikator {number}",
            numerator_definition="Antal",
            chart_type=Indicator.ChartType.RUN,
            order=number,
        ),
        w.expert,
    )
    return {"slug": w.network.slug, "indicator_uuid": fresh.uuid}


CONTENT_POST = {**NETWORK_CONTENT_WRITE, "expert": REDIRECT, "national_lead": REDIRECT, "staff": REDIRECT}
TEAM_POST = {**TEAM_WRITE, "data_entry": REDIRECT, "team_lead": REDIRECT, "staff": REDIRECT}
POST_ONLY = expect(NOT_ALLOWED)

DEFINITION_RULES: dict[str, Rule | list[Rule]] = {
    "measures:goal-list": read_only(network, NETWORK_MEMBERS_READ),
    "measures:goal-create": get_and_post(network, NETWORK_CONTENT_WRITE),
    "measures:goal-edit": get_and_post(goal, NETWORK_CONTENT_WRITE),
    "measures:goal-publish": Rule(kwargs=goal, method="post", expected=CONTENT_POST),
    "measures:indicator-list": read_only(network, NETWORK_MEMBERS_READ),
    "measures:indicator-create": get_and_post(network, NETWORK_CONTENT_WRITE),
    "measures:indicator-detail": read_only(indicator, NETWORK_MEMBERS_READ),
    "measures:indicator-edit": get_and_post(indicator, NETWORK_CONTENT_WRITE),
    "measures:indicator-publish": get_and_post(indicator, NETWORK_CONTENT_WRITE),
    # Published, without a pending draft: a permitted POST is refused with a message (302).
    "measures:indicator-draft-discard": Rule(kwargs=indicator, method="post", expected=CONTENT_POST),
    "measures:indicator-delete": Rule(kwargs=indicator, method="post", expected=CONTENT_POST),
    "measures:indicator-retire": [
        Rule(kwargs=indicator, expected=POST_ONLY),
        Rule(kwargs=fresh_indicator, method="post", per_role=True, expected=CONTENT_POST),
    ],
    "measures:local-targets": read_only(team_a, TEAM_READ),
    "measures:local-target-edit": get_and_post(team_indicator, TEAM_LEAD_WRITE),
}
