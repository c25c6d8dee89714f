"""Tokens: header only, refused when revoked or expired, last use recorded sparingly, throttled per token."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from teams.api_scope import TokenRateThrottle
from teams.models import ApiToken
from teams.services import api_token_authenticate, api_token_hash, api_token_revoke

pytestmark = pytest.mark.django_db

TEAMS = "/api/v1/teams/"


def test_it_accepts_a_token_as_bearer_and_as_token(make_token, token_client):
    raw = make_token()
    assert token_client(raw, "Bearer").get(TEAMS).status_code == 200
    assert token_client(raw, "Token").get(TEAMS).status_code == 200


def test_it_stores_only_a_keyed_hash(make_token):
    raw = make_token()
    token = ApiToken.objects.get()
    assert raw.startswith(f"lkt_{token.prefix}_")
    assert token.key_hash == api_token_hash(raw)
    assert len(token.key_hash) == 64
    assert raw not in token.key_hash


def test_it_refuses_requests_without_credentials():
    response = Client().get(TEAMS)
    assert response.status_code == 401


def test_it_refuses_an_unknown_token(world, token_client):
    assert token_client("lkt_00000000_not-a-real-secret").get(TEAMS).status_code == 401


def test_it_refuses_a_revoked_token(world, make_token, token_client):
    raw = make_token()
    api_token_revoke(token=ApiToken.objects.get(), user=world.national_lead)
    assert token_client(raw).get(TEAMS).status_code == 401


def test_it_refuses_an_expired_token(world, make_token, token_client):
    raw = make_token(expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_client(raw).get(TEAMS).status_code == 401


@pytest.mark.parametrize("param", ["token", "access_token", "api_key", "q"])
def test_it_refuses_a_token_in_the_query_string(make_token, token_client, param):
    raw = make_token()
    # Even together with a valid header: the token has leaked into a URL and must not be used so.
    response = token_client(raw).get(TEAMS, {param: raw})
    assert response.status_code == 401
    assert Client().get(TEAMS, {param: raw}).status_code == 401


def test_it_records_last_use_at_most_once_a_minute(make_token):
    raw = make_token()
    assert ApiToken.objects.get().last_used_at is None
    first = api_token_authenticate(raw).last_used_at
    assert first is not None
    api_token_authenticate(raw)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    api_token_authenticate(raw)
    assert ApiToken.objects.get().last_used_at > first


def test_it_throttles_per_token(make_token, token_client, monkeypatch):
    # The rate is read once at import from API_THROTTLE_RATE; patch the class, restored afterwards.
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/minute"})
    first, second = make_token(name="A"), make_token(name="B")
    statuses = [token_client(first).get(TEAMS).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another token has its own bucket.
    assert token_client(second).get(TEAMS).status_code == 200


def test_a_session_user_is_authenticated_without_a_token(world, client_for):
    assert client_for(world.viewer).get(TEAMS).status_code == 200


def test_a_logged_in_stranger_sees_nothing(world, client_for):
    response = client_for(world.stranger).get(TEAMS)
    assert response.status_code == 200
    assert response.json()["results"] == []
