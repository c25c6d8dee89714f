import os

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client

from .base import World, build_world
from .redis_server import ThrowawayRedis, ping, with_db


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

    def make(user: User | AnonymousUser) -> Client:
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


@pytest.fixture(scope="session")
def redis_url():
    """A Redis URL (with a database number) for tests that need a real Redis.

    REDIS_TEST_URL when set (it must answer within seconds); otherwise a throwaway redis-server
    started for this session and stopped at its end.
    """
    configured = os.environ.get("REDIS_TEST_URL", "").strip()
    if configured:
        url = with_db(configured)
        try:
            ping(url)
        except Exception as exc:
            pytest.fail(f"REDIS_TEST_URL={configured} does not answer: {exc}", pytrace=False)
        yield url
        return
    try:
        server = ThrowawayRedis()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()
