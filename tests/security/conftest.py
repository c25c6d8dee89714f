import os
import uuid

import pytest


def redis_test_url() -> str:
    """REDIS_TEST_URL as given (with a db number), or the CI's base URL plus REDIS_TEST_DB."""
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379").rstrip("/")
    if url.rsplit("/", 1)[-1].isdigit() and url.count("/") > 2:
        return url
    return f"{url}/{os.environ.get('REDIS_TEST_DB', '7')}"


@pytest.fixture
def redis_cache(settings):
    """The production cache shape: Redis, with a key prefix of its own for this test."""
    prefix = f"lkt-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_test_url(),
            "KEY_PREFIX": prefix,
        }
    }
    from django.core.cache import cache

    cache.set("ping", 1)
    assert cache.get("ping") == 1, "Redis at REDIS_TEST_URL is not reachable"
    yield cache
    import redis

    client = redis.Redis.from_url(redis_test_url())
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
