import uuid

import pytest


@pytest.fixture
def redis_cache(settings, redis_url):
    """The production cache shape: Redis (tests/conftest.py's redis_url), with a key prefix of its own."""
    prefix = f"lkt-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    from django.core.cache import cache

    cache.set("ping", 1)
    assert cache.get("ping") == 1
    yield cache
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Seminar materials are real files (the matrix downloads one): keep them out of the repository."""
    settings.MEDIA_ROOT = tmp_path
