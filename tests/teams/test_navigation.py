"""The header menu is cached per user (teams.navigation) and follows every change that alters it."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Cluster
from teams.context_processors import navigation
from teams.models import NetworkMembership
from tests.base import make_user

pytestmark = pytest.mark.django_db


def menu_links(client) -> str:
    html = client.get(reverse("home")).content.decode()
    return html[html.index('class="mainmenu') :]


def test_the_menu_follows_memberships_names_and_clusters(world, client_for):
    newcomer = make_user("newcomer")
    client = client_for(newcomer)
    dashboard = reverse("measures:network-dashboard", args=[world.network.slug])
    assert dashboard not in menu_links(client)

    membership = NetworkMembership.objects.create(
        network=world.network, user=newcomer, role=NetworkMembership.Role.EXPERT, expert_role="clinical"
    )
    assert dashboard in menu_links(client)
    assert "Praksisklynger" not in menu_links(client)

    world.network.name = "Nyt navn på LKT'et"
    world.network.save()
    assert "Nyt navn på LKT&#x27;et" in menu_links(client)

    Cluster.objects.create(slug="nyklynge", name="Ny klynge", region=world.hovedstaden, network=world.network)
    assert "Praksisklynger" in menu_links(client)

    membership.delete()
    links = menu_links(client)
    assert dashboard not in links and "Praksisklynger" not in links


def test_the_menu_is_read_once_then_from_the_cache(world):
    def networks_read() -> int:
        request = RequestFactory().get("/")
        request.user = world.national_lead
        with CaptureQueriesContext(connection) as queries:
            names = [n["name"] for n in navigation(request)["nav_networks"]]
        assert world.network.name in names
        return len(queries.captured_queries)

    assert networks_read() == 1
    assert networks_read() == 0
