"""The idea bank: change ideas with the PDSA cycles that tested them, shared by the team's choice."""

from datetime import date

import pytest
from django.urls import reverse

from measures.models import DriverNode, PDSACycle
from measures.services.improvement import (
    driver_diagram_copy_for_team,
    driver_diagram_template_create,
    pdsa_cycle_create,
    pdsa_cycle_share,
)
from teams.models import Network

pytestmark = pytest.mark.django_db


def bank(world, client, **params) -> str:
    return client.get(
        reverse("measures:idea-bank", kwargs={"slug": world.network.slug}), params
    ).content.decode()


def cycle(world, team=None, title="Stopordre på dag 5", **fields) -> PDSACycle:
    return pdsa_cycle_create(
        team=team or world.team_a, user=world.team_lead, title=title, start_date=date(2025, 2, 1), **fields
    )


def test_a_cycle_is_private_until_the_team_shares_it(world, client_for):
    own = cycle(world, study_notes="Det virkede på medicinsk afsnit.")
    peer = client_for(world.other_team_member)
    assert "Stopordre på dag 5" not in bank(world, peer)
    detail = (
        client_for(world.team_lead).get(reverse("measures:pdsa-detail", args=[own.uuid])).content.decode()
    )
    # Told before sharing, in an anonymised network, that the team's name is left out.
    assert "uden jeres teams navn" in detail and "Del med idébanken" in detail
    response = client_for(world.team_lead).post(
        reverse("measures:pdsa-share", args=[own.uuid]), {"shared": "on"}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.shared_with_network and own.shared_at is not None
    html = bank(world, peer)
    assert "Stopordre på dag 5" in html and "Det virkede på medicinsk afsnit." in html
    assert world.team_a.name not in html
    # Withdrawn again: gone from the peers' idea bank, kept in the cycle's history.
    client_for(world.team_lead).post(reverse("measures:pdsa-share", args=[own.uuid]), {})
    assert "Stopordre på dag 5" not in bank(world, peer)
    assert own.history.count() >= 3


def test_read_only_members_and_other_teams_cannot_share(world, client_for):
    own = cycle(world)
    url = reverse("measures:pdsa-share", args=[own.uuid])
    assert client_for(world.viewer).post(url, {"shared": "on"}).status_code == 403
    assert client_for(world.other_team_member).post(url, {"shared": "on"}).status_code == 404
    own.refresh_from_db()
    assert not own.shared_with_network


def test_cycles_are_grouped_under_their_change_idea_and_searchable(world, client_for):
    template = driver_diagram_template_create(network=world.network, user=world.expert, aim_text="Mål")
    aim = template.nodes.get(kind=DriverNode.Kind.AIM)
    DriverNode.objects.create(
        diagram=template, parent=aim, kind=DriverNode.Kind.CHANGE_IDEA, text="Stopordre", order=1
    )
    copy_a = driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    idea_a = copy_a.nodes.get(kind=DriverNode.Kind.CHANGE_IDEA)
    copy_b = driver_diagram_copy_for_team(team=world.team_b, user=world.other_team_member)
    idea_b = copy_b.nodes.get(kind=DriverNode.Kind.CHANGE_IDEA)
    first = cycle(world, change_idea=idea_a, study_notes="Kortere behandling.")
    second = pdsa_cycle_create(
        team=world.team_b,
        user=world.other_team_member,
        title="Stop efter 5 døgn",
        start_date=date(2025, 3, 1),
        change_idea=idea_b,
        study_notes="Apoteket hjalp.",
    )
    pdsa_cycle_share(cycle=first, shared=True, user=world.team_lead)
    pdsa_cycle_share(cycle=second, shared=True, user=world.other_team_member)
    html = bank(world, client_for(world.national_lead))
    # One idea, both teams' cycles under it.
    assert html.count("Stopordre</h2>") == 1 and "Stop efter 5 døgn" in html and "Stopordre på dag 5" in html
    found = bank(world, client_for(world.national_lead), q="apoteket")
    assert "Stop efter 5 døgn" in found and "Stopordre på dag 5" not in found
    assert "Ingen cyklusser matcher" in bank(world, client_for(world.national_lead), q="findes-ikke")


def test_named_networks_show_the_team_and_hidden_networks_show_peers_nothing(world, client_for):
    shared = cycle(world)
    pdsa_cycle_share(cycle=shared, shared=True, user=world.team_lead)
    world.network.peer_visibility = Network.PeerVisibility.NAMED
    world.network.save()
    assert world.team_a.name in bank(world, client_for(world.other_team_member))
    world.network.peer_visibility = Network.PeerVisibility.HIDDEN
    world.network.save()
    assert "Stopordre på dag 5" not in bank(world, client_for(world.other_team_member))
    assert "Stopordre på dag 5" in bank(world, client_for(world.national_lead))


def test_the_charts_where_a_cycle_appears_link_to_the_idea_bank(world, client_for):
    own = cycle(world, indicators=[world.indicator])
    url = reverse(
        "measures:indicator-dashboard",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid},
    )
    html = client_for(world.viewer).get(url).content.decode()
    assert own.title in html and reverse("measures:idea-bank", kwargs={"slug": world.network.slug}) in html
