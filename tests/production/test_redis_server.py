"""The tests' own Redis: a throwaway server when REDIS_TEST_URL is unset, and fast failure."""

import time

import pytest
import redis

from tests.ports import free_port
from tests.redis_server import ThrowawayRedis, ping, with_db


def test_a_throwaway_server_answers_keeps_nothing_on_disk_and_is_gone_after_stop():
    server = ThrowawayRedis()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("lkt-test", "1")
        assert client.get("lkt-test") == b"1"
        assert client.config_get("save")["save"] == ""
        assert client.config_get("appendonly")["appendonly"] == "no"
        client.close()
    finally:
        server.stop()
    assert server.process.poll() is not None
    with pytest.raises(redis.ConnectionError):
        ping(server.url, timeout=1)


def test_a_redis_that_is_not_there_fails_within_seconds():
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        ping(f"redis://127.0.0.1:{free_port()}/0")
    # A bound on behaviour (a connect timeout is set), not a speed target: minutes would be a hang.
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/7"),
        ("redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/7"),
        ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/2"),
    ],
)
def test_the_url_gets_a_database_number_when_it_names_none(url, expected):
    assert with_db(url) == expected


def test_the_session_fixture_gives_a_working_redis(redis_url):
    ping(redis_url)
