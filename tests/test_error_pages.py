"""The site's own error pages: Danish, with the navigation, and the right status codes."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from lkt import errors

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_a_danish_404_with_the_navigation(world, client_for):
    response = client_for(world.data_entry).get("/findes-ikke/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Siden findes ikke" in html and 'lang="da"' in html
    assert 'aria-label="Hovedmenu"' in html and world.network.name in html
    assert "Not Found" not in html


def test_an_outsiders_team_page_is_the_same_404(world, client_for):
    response = client_for(world.outsider).get(
        reverse("measures:entry-grid", kwargs={"team_uuid": world.team_a.uuid})
    )
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()


def test_a_read_only_write_is_a_danish_403_with_the_navigation(world, client_for):
    response = client_for(world.viewer).get(
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid})
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Du har ikke adgang" in html and 'aria-label="Hovedmenu"' in html
    assert "Forbidden" not in html


def test_the_400_and_500_pages_are_danish_and_keep_the_navigation(world):
    request = RequestFactory().get("/noget/")
    request.user = world.data_entry
    for view, status, words in (
        (errors.bad_request, 400, "Forespørgslen kunne ikke forstås"),
        (errors.server_error, 500, "Der opstod en fejl"),
    ):
        response = view(request) if view is errors.server_error else view(request, Exception())
        html = response.content.decode()
        assert response.status_code == status
        assert words in html and 'aria-label="Hovedmenu"' in html


def test_the_500_page_still_answers_when_the_navigation_cannot_be_built(world, monkeypatch):
    request = RequestFactory().get("/noget/")
    request.user = world.data_entry

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    response = errors.server_error(request)
    assert response.status_code == 500 and "Der opstod en fejl" in response.content.decode()
