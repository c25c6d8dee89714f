"""teams.peers: how a team member sees the other teams of the network, in all three modes."""

import pytest

from teams.models import Network, Team
from teams.peers import anonymous_letters, peer_labels


def set_mode(world, mode: str) -> None:
    world.network.peer_visibility = mode
    world.network.save()


def test_named_mode_shows_every_team_by_name(world):
    set_mode(world, Network.PeerVisibility.NAMED)
    labels = peer_labels(world.network, world.viewer)
    assert labels[world.team_b.id].label == world.team_b.name
    assert labels[world.team_b.id].uuid == world.team_b.uuid
    assert labels[world.team_a.id].is_own


def test_anonymised_mode_shows_own_team_by_name_and_peers_as_letters(world):
    set_mode(world, Network.PeerVisibility.ANONYMISED)
    labels = peer_labels(world.network, world.viewer)
    own, peer = labels[world.team_a.id], labels[world.team_b.id]
    assert own.label == world.team_a.name and own.is_named
    assert peer.label in {"Team A", "Team B"}
    assert not peer.is_named
    assert peer.uuid is None and peer.region_id is None and peer.sector is None


def test_hidden_mode_leaves_peers_out(world):
    set_mode(world, Network.PeerVisibility.HIDDEN)
    labels = peer_labels(world.network, world.viewer)
    assert set(labels) == {world.team_a.id}


@pytest.mark.parametrize("mode", [choice for choice, _ in Network.PeerVisibility.choices])
@pytest.mark.parametrize("role", ["national_lead", "coordinator", "expert", "observer", "staff"])
def test_project_leadership_always_sees_names(world, mode, role):
    set_mode(world, mode)
    labels = peer_labels(world.network, getattr(world, role))
    assert labels[world.team_a.id].label == world.team_a.name
    assert labels[world.team_b.id].label == world.team_b.name


def test_letters_are_the_same_for_every_viewer_and_request(world):
    extra = [
        Team.objects.create(
            network=world.network, code=f"x{i}", name=f"Hospital {name}", region=world.hovedstaden
        )
        for i, name in enumerate(["Aalborg", "Bispebjerg", "Esbjerg", "Gentofte", "Herlev"])
    ]
    from_a = peer_labels(world.network, world.viewer)
    from_b = peer_labels(world.network, world.other_team_member)
    again = peer_labels(world.network, world.viewer)
    for team in extra:
        assert from_a[team.id].label == from_b[team.id].label == again[team.id].label
    # Every team has its own letter.
    letters = [from_a[team.id].label for team in extra]
    assert len(set(letters)) == len(letters)


def test_letters_do_not_follow_the_alphabetical_order_of_names(world):
    names = [f"Hospital {chr(ord('A') + i)}" for i in range(12)]
    teams = [
        Team.objects.create(network=world.network, code=f"y{i}", name=name, region=world.hovedstaden)
        for i, name in enumerate(names)
    ]
    labels = peer_labels(world.network, world.viewer)
    by_name = [labels[team.id].label for team in teams]
    # With 12 teams the chance that a hash order equals the name order is 1 in 12!.
    assert by_name != sorted(by_name)


def test_outsiders_get_nothing_named(world):
    labels = peer_labels(world.network, world.outsider)
    assert all(not label.is_named for label in labels.values())


def test_anonymous_letters_continue_after_z():
    assert [anonymous_letters(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
    ]
