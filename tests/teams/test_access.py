"""Who sees which team: the one queryset that decides it."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from teams.access import get_network_for_user, get_team_for_user
from teams.models import Network, Team

pytestmark = pytest.mark.django_db


def visible(user: User | AnonymousUser) -> set[str]:
    return set(Team.objects.visible_to(user).values_list("code", flat=True))


def test_team_members_see_their_own_team_only_when_peers_are_anonymised(world):
    assert visible(world.viewer) == {"team-a"}
    assert visible(world.other_team_member) == {"team-b"}


def test_named_peers_see_the_other_teams_of_their_network(world):
    world.network.peer_visibility = Network.PeerVisibility.NAMED
    world.network.save()
    assert visible(world.viewer) == {"team-a", "team-b"}
    assert visible(world.outsider) == {"other"}


def test_network_roles(world):
    assert visible(world.national_lead) == {"team-a", "team-b"}
    assert visible(world.expert) == {"team-a", "team-b"}
    assert visible(world.coordinator) == {"team-a"}
    assert visible(world.observer) == {"team-a"}
    assert visible(world.staff) == {"team-a", "team-b", "other"}
    assert visible(world.stranger) == set()


def test_write_and_lead_rights(world):
    assert get_team_for_user(world.data_entry, world.team_a.uuid).can_enter_data
    assert not get_team_for_user(world.data_entry, world.team_a.uuid).can_lead
    assert get_team_for_user(world.team_lead, world.team_a.uuid).can_lead
    assert not get_team_for_user(world.viewer, world.team_a.uuid).can_enter_data
    assert not get_team_for_user(world.national_lead, world.team_a.uuid).can_enter_data


def test_outsiders_get_404(world):
    with pytest.raises(Http404):
        get_team_for_user(world.other_team_member, world.team_a.uuid)
    with pytest.raises(Http404):
        get_network_for_user(world.outsider, world.network.slug)


def test_network_visibility(world):
    assert set(Network.objects.visible_to(world.viewer)) == {world.network}
    assert set(Network.objects.visible_to(world.coordinator)) == {world.network}
    assert not Network.objects.visible_to(world.stranger).exists()


@pytest.mark.parametrize(
    ("user_name", "may_edit", "may_lead"),
    [
        ("national_lead", True, True),
        ("staff", True, True),
        ("expert", True, False),
        ("coordinator", False, False),
        ("observer", False, False),
        ("team_lead", False, False),
        ("viewer", False, False),
    ],
)
def test_network_edit_and_lead_checks(world, user_name, may_edit, may_lead):
    """`edit=` is the content editors' right (expert group, project leads), `lead=` the project leads'."""
    user = getattr(world, user_name)
    slug = world.network.slug
    assert get_network_for_user(user, slug).network == world.network
    for flag, allowed in (("edit", may_edit), ("lead", may_lead)):
        if allowed:
            assert get_network_for_user(user, slug, **{flag: True}).network == world.network
        else:
            with pytest.raises(PermissionDenied):
                get_network_for_user(user, slug, **{flag: True})


def test_network_checks_give_outsiders_404_before_403(world):
    with pytest.raises(Http404):
        get_network_for_user(world.outsider, world.network.slug, edit=True, lead=True)
