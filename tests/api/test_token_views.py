"""The token pages: national project leads and staff create (shown once), list and revoke tokens."""

import pytest
from django.urls import reverse

from teams.models import ApiToken
from teams.services import api_token_create, api_token_hash

pytestmark = pytest.mark.django_db


def list_url(w) -> str:
    return reverse("teams:api-tokens", kwargs={"slug": w.network.slug})


def create_url(w) -> str:
    return reverse("teams:api-token-create", kwargs={"slug": w.network.slug})


def test_a_national_lead_creates_a_token_and_sees_it_once(world, client_for):
    client = client_for(world.national_lead)
    data = {
        "name": "Power BI Hovedstaden",
        "region": world.hovedstaden.pk,
        "write_team": "",
        "expires_on": "31.12.2099",
    }
    response = client.post(create_url(world), data)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    raw = response.context["raw_token"]
    assert raw in response.content.decode()
    assert token.key_hash == api_token_hash(raw) and token.region == world.hovedstaden
    assert token.created_by == world.national_lead
    assert token.expires_at is not None
    # The list never shows the secret again.
    listing = client.get(list_url(world)).content.decode()
    assert "Power BI Hovedstaden" in listing and raw not in listing and token.prefix in listing


def test_it_accepts_an_iso_date_too(world, client_for):
    response = client_for(world.staff).post(create_url(world), {"name": "R", "expires_on": "2099-01-31"})
    assert response.status_code == 200
    assert ApiToken.objects.get().expires_at.year == 2099


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "Gammel", "expires_on": "01.01.2020"},
        {"name": "Forkert region", "region": "{midtjylland}", "write_team": "{team_a}"},
    ],
)
def test_it_refuses_an_invalid_token(world, client_for, data):
    data = {
        key: value.format(midtjylland=world.midtjylland.pk, team_a=world.team_a.pk)
        for key, value in data.items()
    }
    response = client_for(world.national_lead).post(create_url(world), data)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert "raw_token" not in response.context


def test_it_refuses_a_write_team_of_another_network(world, client_for):
    data = {"name": "X", "write_team": world.other_team.pk}
    assert client_for(world.national_lead).post(create_url(world), data).status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ["expert", "coordinator", "team_lead", "viewer", "observer"])
def test_other_members_may_not_manage_tokens(world, client_for, role):
    client = client_for(getattr(world, role))
    assert client.get(list_url(world)).status_code == 403
    assert client.post(create_url(world), {"name": "X"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_an_outsider_gets_404(world, client_for):
    assert client_for(world.outsider).get(list_url(world)).status_code == 404


def test_a_national_lead_revokes_a_token(world, client_for, make_token, token_client):
    raw = make_token()
    token = ApiToken.objects.get()
    url = reverse("teams:api-token-revoke", kwargs={"slug": world.network.slug, "token_uuid": token.uuid})
    assert client_for(world.viewer).post(url).status_code == 403
    response = client_for(world.national_lead).post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_client(raw).get("/api/v1/teams/").status_code == 401


def test_a_lead_cannot_revoke_another_networks_token(world, client_for):
    token, _raw = api_token_create(
        network=world.other_network, name="X", region=None, write_team=None, expires_at=None, user=world.staff
    )
    url = reverse("teams:api-token-revoke", kwargs={"slug": world.network.slug, "token_uuid": token.uuid})
    assert client_for(world.national_lead).post(url).status_code == 404
