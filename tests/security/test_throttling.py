"""API throttling holds across workers; failed token attempts are throttled per client address.

The in-process tests count in Redis (the production cache). The server tests start gunicorn with
three worker processes, once with Redis and once with the embedded file cache, and count what a
token gets through all of them together.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.test import Client

from teams.api_scope import TokenRateThrottle
from teams.services import api_token_create
from tests.measures.conftest import _database_url  # also makes an SQLite test database a file

ROOT = Path(__file__).resolve().parents[2]
TEAMS = "/api/v1/teams/"


def make_token(world) -> str:
    _token, raw = api_token_create(
        network=world.network,
        name=f"BI {uuid.uuid4().hex[:6]}",
        region=None,
        write_team=None,
        expires_at=None,
        user=world.national_lead,
    )
    return raw


@pytest.mark.django_db
def test_a_token_is_throttled_in_the_shared_cache(world, redis_cache, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/minute"})
    raw = make_token(world)
    statuses = [Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(TEAMS).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(TEAMS)
    assert 0 < int(response.headers["Retry-After"]) <= 60


@pytest.mark.django_db
def test_failed_token_attempts_are_throttled_per_address(world, redis_cache, settings):
    settings.API_BAD_TOKEN_LIMIT = 5
    settings.TRUSTED_PROXIES = 1
    raw = make_token(world)

    def attempt(address: str, token: str):
        return Client(
            REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=address, HTTP_AUTHORIZATION=f"Bearer {token}"
        ).get(TEAMS)

    statuses = [attempt("203.0.113.9", f"lkt_guess{n}").status_code for n in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    blocked = attempt("203.0.113.9", raw)  # even a right token: the address is told nothing more
    assert blocked.status_code == 429
    assert "ugyldige tokens" in blocked.json()["detail"]
    assert attempt("198.51.100.7", raw).status_code == 200  # another client behind the same proxy


def free_port() -> int:
    for port in range(8150, 8160):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8150-8159")


def start_gunicorn(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (tmp_path / f"gunicorn-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lkt.wsgi",
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp_path / f"gunicorn-{port}.log").read_text())
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=2)
            # Give the other workers time to boot, so requests really spread over them.
            time.sleep(2)
            return process, base
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def status_of(base: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base}{TEAMS}", headers={"Authorization": f"Bearer {token}", "Connection": "close"}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("cache", ["redis", "file"])
def test_limits_hold_across_gunicorn_workers(transactional_db, world, tmp_path, cache, redis_url):
    env = {
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "DEBUG": "1",
        "API_THROTTLE_RATE": "10/minute",
        "API_BAD_TOKEN_LIMIT": "4",
        "CACHE_KEY_PREFIX": f"lkt-test-{uuid.uuid4().hex[:10]}",
        "AXES_ENABLED": "0",
    }
    if cache == "redis":
        env["CACHE_URL"] = redis_url
    else:
        env["CACHE_URL"] = ""
        env["REDIS_URL"] = ""
        env["CACHE_DIR"] = str(tmp_path / "cache")
    raw = make_token(world)
    process, base = start_gunicorn(tmp_path, env)
    try:
        statuses = [status_of(base, raw) for _ in range(30)]
        # Three workers with per-process counters would let up to 30 through.
        assert statuses.count(200) == 10, statuses
        assert statuses.count(429) == 20, statuses
        bad = [status_of(base, f"lkt_guess{n}") for n in range(8)]
        assert bad == [401] * 4 + [429] * 4, bad
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)  # a loaded machine may take a while to stop three workers
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.mark.django_db
def test_with_the_cache_down_logins_and_the_api_still_work(world, settings):
    """The limits fail open (and log) rather than answer 500 when Redis is unreachable."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = Client()
    response = client.post("/login/", {"username": "viewer", "password": "test-password-123"})
    assert response.status_code == 302
    raw = make_token(world)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(TEAMS).status_code == 200
    assert Client(HTTP_AUTHORIZATION="Bearer lkt_wrong").get(TEAMS).status_code == 401
