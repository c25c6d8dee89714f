"""Danish first: the language follows the user's explicit choice, not the browser."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_danish_is_used_whatever_the_browser_asks_for_until_the_user_switches(world, client_for):
    client = client_for(world.viewer)
    response = client.get(reverse("home"), headers={"accept-language": "en-US,en;q=0.9"})
    assert response.headers["Content-Language"] == "da"
    assert '<html lang="da">' in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("home"))
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
