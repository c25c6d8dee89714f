"""Who may do what with the seminar plan: project leads (national lead, staff) edit; everyone in the
network reads and registers; outsiders get 404."""

import pytest
from django.test import Client
from django.urls import reverse

from seminars.models import Seminar

from .helpers import make_seminar

pytestmark = pytest.mark.django_db

EDITORS = ["national_lead", "staff"]
READ_ONLY_FOR_PLAN = [
    "expert",
    "coordinator",
    "observer",
    "team_lead",
    "data_entry",
    "viewer",
    "other_team_member",
]
OUTSIDERS = ["outsider", "stranger"]


def seminar_post(**overrides) -> dict:
    data = {
        "kind": "learning",
        "number": "2",
        "title": "Læringsseminar 2",
        "day": "16.06.2026",
        "start_time": "09:00",
        "end_time": "16:00",
        "audience": "teams",
        "capacity": "",
        "has_waiting_list": "on",
        "programme-TOTAL_FORMS": "0",
        "programme-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def edit_urls(seminar: Seminar) -> list[tuple[str, str]]:
    uuid = seminar.uuid
    slug = seminar.network.slug
    return [
        ("get", reverse("seminars:seminar-create", args=[slug])),
        ("post", reverse("seminars:seminar-create", args=[slug])),
        ("get", reverse("seminars:seminar-edit", args=[uuid])),
        ("post", reverse("seminars:seminar-edit", args=[uuid])),
        ("get", reverse("seminars:seminar-attendance", args=[uuid])),
        ("post", reverse("seminars:seminar-attendance", args=[uuid])),
        ("post", reverse("seminars:material-add", args=[uuid])),
        ("post", reverse("seminars:material-delete", args=[uuid])),
        ("post", reverse("seminars:seminar-delete", args=[uuid])),
    ]


@pytest.mark.parametrize("role", READ_ONLY_FOR_PLAN)
def test_only_project_leads_edit_the_plan(world, client_for, role):
    seminar = make_seminar(world.network, days=-2)
    client = client_for(getattr(world, role))
    for method, url in edit_urls(seminar):
        response = getattr(client, method)(url, seminar_post() if method == "post" else None)
        assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
    assert Seminar.objects.filter(network=world.network).count() == 1


@pytest.mark.parametrize("role", EDITORS)
def test_project_leads_and_staff_edit_the_plan(world, client_for, role):
    seminar = make_seminar(world.network, days=-2)
    client = client_for(getattr(world, role))
    for url in [
        reverse("seminars:seminar-create", args=[world.network.slug]),
        reverse("seminars:seminar-edit", args=[seminar.uuid]),
        reverse("seminars:seminar-attendance", args=[seminar.uuid]),
    ]:
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("seminars:seminar-create", args=[world.network.slug]), seminar_post())
    assert response.status_code == 302
    assert Seminar.objects.filter(network=world.network, title="Læringsseminar 2").exists()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_get_404(world, client_for, role):
    seminar = make_seminar(world.network)
    client = client_for(getattr(world, role))
    urls = edit_urls(seminar) + [
        ("get", reverse("seminars:plan", args=[world.network.slug])),
        ("get", reverse("seminars:seminar-detail", args=[seminar.uuid])),
        ("post", reverse("seminars:seminar-register", args=[seminar.uuid])),
        ("post", reverse("seminars:seminar-cancel", args=[seminar.uuid])),
        ("get", reverse("seminars:seminar-ics", args=[seminar.uuid])),
        ("get", reverse("seminars:material-download", args=[seminar.uuid, "slides.pdf"])),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, seminar_post() if method == "post" else None)
        assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"
    assert not seminar.registrations.exists()


def test_anonymous_visitors_are_sent_to_login(world):
    seminar = make_seminar(world.network)
    response = Client().get(reverse("seminars:seminar-detail", args=[seminar.uuid]))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", EDITORS + READ_ONLY_FOR_PLAN)
def test_everyone_in_the_network_sees_the_plan_and_the_seminar(world, client_for, role):
    seminar = make_seminar(world.network, title="Læringsseminar 1")
    client = client_for(getattr(world, role))
    plan = client.get(reverse("seminars:plan", args=[world.network.slug]))
    assert plan.status_code == 200
    assert "Læringsseminar 1" in plan.content.decode()
    assert client.get(reverse("seminars:seminar-detail", args=[seminar.uuid])).status_code == 200


def test_the_plan_shows_edit_buttons_only_to_project_leads(world, client_for):
    make_seminar(world.network)
    create_url = reverse("seminars:seminar-create", args=[world.network.slug])
    plan_url = reverse("seminars:plan", args=[world.network.slug])
    assert create_url in client_for(world.national_lead).get(plan_url).content.decode()
    assert create_url not in client_for(world.expert).get(plan_url).content.decode()


def test_the_plan_of_another_network_is_404_for_a_project_lead(world, client_for):
    seminar = make_seminar(world.other_network)
    client = client_for(world.national_lead)
    assert client.get(reverse("seminars:seminar-edit", args=[seminar.uuid])).status_code == 404
    assert client.get(reverse("seminars:plan", args=[world.other_network.slug])).status_code == 404
