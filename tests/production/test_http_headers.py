"""Response headers and routes that keep team data private: Cache-Control, /media/, /healthz."""

import importlib

import pytest
from django.db import DatabaseError
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, get_resolver, resolve, reverse

import lkt.urls

pytestmark = pytest.mark.django_db


def assert_private(response) -> None:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


def test_team_pages_are_neither_stored_nor_shared(world, client_for):
    client = client_for(world.viewer)
    for url in [
        reverse("home"),
        reverse("measures:team-dashboard", kwargs={"team_uuid": world.team_a.uuid}),
        reverse("measures:network-dashboard", kwargs={"slug": world.network.slug}),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private(response)


def test_api_answers_are_not_stored(world, client_for):
    response = client_for(world.viewer).get("/api/v1/measurements/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_login_page_and_redirects_are_not_stored_either(client):
    assert_private(client.get(reverse("login")))
    assert_private(client.get(reverse("home")))  # the redirect to the login page


def test_a_view_that_sets_its_own_cache_control_keeps_it(world, client_for):
    # The CSV export decides for itself ("no-store"); the middleware adds nothing to it.
    response = client_for(world.viewer).get("/api/v1/measurements/?format=csv")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def urls_as_in_debug():
    """lkt.urls as the development server builds it (settings.DEBUG on)."""
    with override_settings(DEBUG=True):
        importlib.reload(lkt.urls)
        clear_url_caches()
        yield get_resolver()
    importlib.reload(lkt.urls)
    clear_url_caches()


def test_media_is_no_public_url_even_in_debug(urls_as_in_debug):
    with pytest.raises(Resolver404):
        resolve("/media/seminars/2025/program.pdf")


def test_media_is_no_public_url(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "seminars" / "2025").mkdir(parents=True)
    (tmp_path / "seminars" / "2025" / "program.pdf").write_bytes(b"%PDF-1.4 team data")
    response = client_for(world.staff).get("/media/seminars/2025/program.pdf")
    assert response.status_code == 404
    assert b"team data" not in response.content


def test_healthz_answers_ok_over_plain_http_whatever_the_host(client, settings):
    settings.ALLOWED_HOSTS = ["lkt.example.dk"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    # Every other path still validates the host.
    assert client.get("/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_healthz_says_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_takes_no_writes(client):
    assert client.post("/healthz").status_code == 405
