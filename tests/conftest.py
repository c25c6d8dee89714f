import pytest
from django.test import Client

from .base import World, build_world


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    # The shared world creates a dozen users; PBKDF2 would spend seconds per test hashing them.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client_for(client):
    """A logged-in test client for a user: `client_for(world.viewer).get(url)`.

    force_login skips the login form (and django-axes); the login form has its own tests.
    """

    def make(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture(autouse=True)
def fresh_cache():
    # Rate-limit counters (failed logins, API throttling) live in the shared cache, which outlives a
    # test (a file cache in the embedded settings): every test starts from empty counters.
    from django.core.cache import cache

    cache.clear()
    yield
