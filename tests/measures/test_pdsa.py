"""PDSA cycles: the team's log, validation, chart annotations and the network overview."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from measures.charts import chart_result_recompute
from measures.models import ChartResult, DriverNode, PDSACycle
from measures.selectors.improvement import pdsa_counts_per_change_idea
from measures.services import improvement as services
from teams.models import Team

pytestmark = pytest.mark.django_db


def team_ideas(world):
    """A template with one change idea, copied to team A and team B."""
    diagram = services.driver_diagram_template_create(
        network=world.network, user=world.expert, aim_text="Mål"
    )
    aim = diagram.nodes.get(kind="aim")
    primary = services.driver_node_create(
        diagram=diagram, parent=aim, kind="primary", code="C", text="Revurdering", user=world.expert
    )
    services.driver_node_create(
        diagram=diagram, parent=primary, kind="change_idea", text="Påmindelse i journalen", user=world.expert
    )
    copy_a = services.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    copy_b = services.driver_diagram_copy_for_team(team=world.team_b, user=world.other_team_member)
    return copy_a.nodes.get(kind="change_idea"), copy_b.nodes.get(kind="change_idea")


def test_a_cycle_shows_as_an_annotation_on_the_linked_indicators_chart(world):
    idea, _ = team_ideas(world)
    chart = chart_result_recompute(team=world.team_a, indicator=world.indicator)
    assert not chart.is_stale
    cycle = services.pdsa_cycle_create(
        team=world.team_a,
        user=world.data_entry,
        title="Påmindelse på afsnit 3",
        start_date=date(2025, 3, 1),
        change_idea=idea,
        indicators=[world.indicator],
        question="Bliver flere revurderet?",
        prediction="Halvdelen flere",
    )
    chart.refresh_from_db()
    assert chart.is_stale
    chart = chart_result_recompute(team=world.team_a, indicator=world.indicator)
    pdsa = [a for a in chart.data["annotations"] if a["kind"] == "pdsa"]
    assert pdsa == [
        {
            "date": "2025-03-01",
            "text": "PDSA: Påmindelse på afsnit 3",
            "kind": "pdsa",
            "uuid": str(cycle.uuid),
            "pdsa": str(cycle.uuid),
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_saved_cycles_reach_the_chart_after_commit_and_leave_it_when_unlinked():
    # Real commits: the pipeline recomputes after commit (in-process without a broker).
    from tests.base import build_world

    world = build_world()

    def pdsa_annotations():
        chart = ChartResult.objects.get(team=world.team_a, indicator=world.indicator)
        return [a["text"] for a in chart.data.get("annotations", []) if a["kind"] == "pdsa"]

    cycle = services.pdsa_cycle_create(
        team=world.team_a,
        user=world.data_entry,
        title="Test",
        start_date=date(2025, 3, 1),
        indicators=[world.indicator],
    )
    assert pdsa_annotations() == ["PDSA: Test"]
    services.pdsa_cycle_update(
        cycle=cycle, user=world.data_entry, title="Test", start_date=date(2025, 3, 1), indicators=[]
    )
    assert pdsa_annotations() == []


def test_it_refuses_another_teams_change_idea(world):
    _, idea_b = team_ideas(world)
    with pytest.raises(ValidationError) as exc:
        services.pdsa_cycle_create(
            team=world.team_a,
            user=world.data_entry,
            title="x",
            start_date=date(2025, 1, 1),
            change_idea=idea_b,
        )
    assert "change_idea" in exc.value.error_dict


def test_it_refuses_a_template_node_or_a_driver_as_change_idea(world):
    team_ideas(world)
    template_idea = DriverNode.objects.get(diagram__team__isnull=True, kind="change_idea")
    with pytest.raises(ValidationError):
        services.pdsa_cycle_create(
            team=world.team_a,
            user=world.data_entry,
            title="x",
            start_date=date(2025, 1, 1),
            change_idea=template_idea,
        )


def test_a_completed_cycle_needs_a_decision_and_dates_in_order(world):
    with pytest.raises(ValidationError) as exc:
        services.pdsa_cycle_create(
            team=world.team_a,
            user=world.data_entry,
            title="x",
            start_date=date(2025, 1, 10),
            end_date=date(2025, 1, 1),
            status=PDSACycle.Status.COMPLETED,
        )
    assert {"decision", "end_date"} <= set(exc.value.error_dict)


def test_it_refuses_another_networks_indicator(world):
    from measures.models import Indicator

    other = Indicator.objects.create(
        network=world.other_network,
        code="x",
        name="X",
        numerator_definition="n",
        status="published",
        version=1,
    )
    with pytest.raises(ValidationError):
        services.pdsa_cycle_create(
            team=world.team_a,
            user=world.data_entry,
            title="x",
            start_date=date(2025, 1, 1),
            indicators=[other],
        )


def test_counts_per_change_idea_across_the_network(world):
    idea_a, idea_b = team_ideas(world)
    services.pdsa_cycle_create(
        team=world.team_a,
        user=world.data_entry,
        title="1",
        start_date=date(2025, 1, 1),
        change_idea=idea_a,
        status="completed",
        decision="adopt",
    )
    services.pdsa_cycle_create(
        team=world.team_a,
        user=world.data_entry,
        title="2",
        start_date=date(2025, 2, 1),
        change_idea=idea_a,
        status="completed",
        decision="adapt",
    )
    services.pdsa_cycle_create(
        team=world.team_b,
        user=world.other_team_member,
        title="3",
        start_date=date(2025, 2, 1),
        change_idea=idea_b,
        status="completed",
        decision="abandon",
    )
    services.pdsa_cycle_create(
        team=world.team_b, user=world.other_team_member, title="4", start_date=date(2025, 4, 1)
    )
    rows = pdsa_counts_per_change_idea(network=world.network)
    idea = next(r for r in rows if r.label == "Påmindelse i journalen")
    assert (idea.tried, idea.adopted, idea.adapted, idea.abandoned, idea.n_teams) == (3, 1, 1, 1, 2)
    no_idea = next(r for r in rows if r.label == "")
    assert (no_idea.tried, no_idea.running) == (1, 1)


# Pages -------------------------------------------------------------------------------------------


def test_data_entry_logs_a_cycle_through_the_form(world, client_for):
    idea, _ = team_ideas(world)
    client = client_for(world.data_entry)
    url = reverse("measures:pdsa-create", kwargs={"team_uuid": world.team_a.uuid})
    assert "Påmindelse i journalen" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "title": "Påmindelse på afsnit 3",
            "change_idea": idea.pk,
            "indicators": [world.indicator.pk],
            "status": "running",
            "start_date": "2025-03-01",
            "question": "Bliver flere revurderet?",
        },
    )
    assert response.status_code == 302
    cycle = PDSACycle.objects.get(team=world.team_a)
    assert cycle.created_by == world.data_entry
    assert list(cycle.indicators.all()) == [world.indicator]
    listing = client_for(world.viewer).get(
        reverse("measures:pdsa-team-list", kwargs={"team_uuid": world.team_a.uuid})
    )
    assert "Påmindelse på afsnit 3" in listing.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("viewer", 403),
        ("coordinator", 403),
        ("expert", 403),
        ("other_team_member", 404),
        ("outsider", 404),
        ("stranger", 404),
    ],
)
def test_only_the_team_logs_its_cycles(world, client_for, role, status):
    cycle = services.pdsa_cycle_create(
        team=world.team_a, user=world.data_entry, title="Test", start_date=date(2025, 3, 1)
    )
    client = client_for(getattr(world, role))
    create = reverse("measures:pdsa-create", kwargs={"team_uuid": world.team_a.uuid})
    assert (
        client.post(create, {"title": "x", "start_date": "2025-01-01", "status": "planned"}).status_code
        == status
    )
    assert (
        client.post(reverse("measures:pdsa-delete", kwargs={"cycle_uuid": cycle.uuid})).status_code == status
    )
    assert PDSACycle.objects.count() == 1


def test_the_overview_names_only_teams_the_reader_may_see(world, client_for):
    services.pdsa_cycle_create(
        team=world.team_b, user=world.other_team_member, title="B's test", start_date=date(2025, 3, 1)
    )
    url = reverse("measures:pdsa-list", kwargs={"slug": world.network.slug})
    lead = client_for(world.national_lead).get(url).content.decode()
    assert world.team_a.name in lead and world.team_b.name in lead
    viewer = client_for(world.viewer).get(url).content.decode()
    assert world.team_a.name in viewer
    assert world.team_b.name not in viewer  # peers are anonymised in this network
    assert Team.objects.visible_to(world.viewer).filter(pk=world.team_b.pk).count() == 0
    assert client_for(world.outsider).get(url).status_code == 404
