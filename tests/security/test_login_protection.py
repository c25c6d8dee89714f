"""Login protection behind a reverse proxy: lockout by the client's address, a limit per address.

The counters live in Redis here (the production cache), see tests/security/conftest.py.
"""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
PASSWORD = "test-password-123"


def through_proxy(address: str) -> Client:
    """A client behind one reverse proxy that appends the connecting address to X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.fixture(autouse=True)
def behind_one_proxy(settings, redis_cache):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12


def test_an_attacker_behind_the_proxy_locks_out_only_themselves(world):
    attacker = through_proxy("203.0.113.9")
    for _ in range(4):
        assert login(attacker, "viewer", "wrong").status_code == 200
    assert login(attacker, "viewer", "wrong").status_code == 429  # the fifth failure locks
    locked = login(attacker, "viewer", PASSWORD)
    assert locked.status_code == 429
    assert "Brugeren er spærret" in locked.content.decode()
    # The real user, at another address behind the same proxy, still logs in.
    response = login(through_proxy("198.51.100.7"), "viewer", PASSWORD)
    assert response.status_code == 302


def test_a_spoofed_forwarded_for_does_not_escape_the_lockout(world):
    # The client prepends its own X-Forwarded-For; the proxy appends the real address on the right.
    for n in range(5):
        login(through_proxy(f"192.0.2.{n}, 203.0.113.9"), "viewer", "wrong")
    assert login(through_proxy("192.0.2.200, 203.0.113.9"), "viewer", PASSWORD).status_code == 429


def test_without_trusted_proxies_the_header_is_ignored(world, settings):
    settings.TRUSTED_PROXIES = 0
    for n in range(5):
        login(Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "viewer", "wrong")
    blocked = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert login(blocked, "viewer", PASSWORD).status_code == 429


def test_password_spraying_from_one_address_is_stopped_across_usernames(world):
    sprayer = through_proxy("203.0.113.50")
    usernames = ["viewer", "data-entry", "team-lead", "coordinator", "expert", "observer"]
    for round_ in range(2):
        for username in usernames:  # two tries per user: far below the per-user lockout
            login(sprayer, username, f"Sommer2024{round_}")
    # 12 failures from the address: even a right password is refused now, for every user.
    blocked = login(sprayer, "national-lead", PASSWORD)
    assert blocked.status_code == 429
    assert "netværksadresse" in blocked.content.decode()
    assert "_auth_user_id" not in sprayer.session
    # Other addresses are not affected.
    assert login(through_proxy("198.51.100.7"), "national-lead", PASSWORD).status_code == 302


def test_the_address_limit_is_shared_by_every_worker(world, redis_cache, redis_url):
    from lkt.ratelimit import Limit
    from teams.login_protection import address_limit

    limit = address_limit()
    assert isinstance(limit, Limit)
    sprayer = through_proxy("203.0.113.77")
    for n in range(6):
        login(sprayer, f"nobody-{n}", "wrong")
    # Another worker process sees the same count: it is in Redis, not in this process.
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{redis_cache.key_prefix}:*login-address:203.0.113.77:*"))
    assert keys, "the failed-login counter is not in Redis"
    assert sum(int(client.get(k)) for k in keys) == 6


def test_the_admin_login_counts_too(world):
    sprayer = through_proxy("203.0.113.60")
    for n in range(12):
        sprayer.post(reverse("admin:login"), {"username": f"nobody-{n}", "password": "wrong"})
    assert login(sprayer, "viewer", PASSWORD).status_code == 429
