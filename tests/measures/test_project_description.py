"""The network's printable project description."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.services import definitions, improvement
from seminars.models import Seminar
from teams.models import NetworkMembership
from tests.base import make_user

pytestmark = pytest.mark.django_db


def test_it_describes_purpose_goals_indicators_focus_areas_organisation_teams_and_seminars(world, client_for):
    world.network.purpose = "Et mere rationelt forbrug af antibiotika."
    world.network.save()
    chair = make_user("chair", first_name="Karen", last_name="Formand")
    NetworkMembership.objects.create(network=world.network, user=chair, role="expert", expert_role="chair")
    diagram = improvement.driver_diagram_template_create(
        network=world.network, user=world.expert, aim_text="Mål"
    )
    aim = diagram.nodes.get(kind="aim")
    improvement.driver_node_create(
        diagram=diagram, parent=aim, kind="primary", code="A", text="Indikation", user=world.expert
    )
    definitions.indicator_create(
        network=world.network,
        user=world.expert,
        code="draft",
        name="Kladdeindikator",
        numerator_definition="n",
    )
    start = timezone.make_aware(datetime(2024, 3, 5, 9))
    Seminar.objects.create(
        network=world.network,
        kind="learning",
        title="Læringsseminar 1",
        starts_at=start,
        ends_at=start.replace(hour=16),
        place="Odense",
    )

    response = client_for(world.viewer).get(
        reverse("measures:project-description", kwargs={"slug": world.network.slug})
    )
    body = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Et mere rationelt forbrug af antibiotika.",
        world.goal.title,
        "DDD pr. 100 sengedage",
        "Antal sengedage",
        "A. Indikation",
        "Region Hovedstaden",
        "Karen Formand",
        "Formand",
        "Klinisk ekspert",
        "Læringsseminar 1",
        "05.03.2024",
        world.team_a.name,
        "css/print.css",
    ]:
        assert text in body, text
    assert "Kladdeindikator" not in body
    # The chair is listed before the clinical expert.
    assert body.index("Karen Formand") < body.index(">expert<")
    # The viewer's network shows peers anonymised: team B is not named.
    assert world.team_b.name not in body
